package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// StoredRule is one rule of the rule store (table stored_rules): a Sigma rule kept with its
// original YAML, the rule compiled into the hunting language, its outcome and metadata.
type StoredRule struct {
	Key            string    `json:"key"` // the Sigma id, or name:RULE for a rule without one
	SigmaID        string    `json:"sigma_id"`
	Name           string    `json:"name"`
	Title          string    `json:"title"`
	Kind           string    `json:"kind"` // detection or correlation
	Status         string    `json:"status"`
	Level          string    `json:"level"`
	Severity       string    `json:"severity"`
	Outcome        string    `json:"outcome"` // compiled, partial or unsupported
	Reasons        []string  `json:"reasons"`
	OnlyIn         []string  `json:"only_in"`
	Attack         []string  `json:"attack"`
	Tags           []string  `json:"tags"`
	FalsePositives []string  `json:"falsepositives"`
	References     []string  `json:"references"`
	Author         string    `json:"author"`
	Licence        string    `json:"licence"`
	File           string    `json:"file"`
	Doc            int       `json:"doc"`
	YAML           string    `json:"-"`
	Hunt           string    `json:"-"`
	Enabled        bool      `json:"enabled"`
	ImportedAt     time.Time `json:"imported_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// Runs says whether trawl hunt runs the rule: enabled, compiled (fully or partially) and not
// only a part of correlations.
func (r StoredRule) Runs() bool {
	return r.Enabled && r.Outcome != "unsupported" && r.Hunt != "" && len(r.OnlyIn) == 0
}

// Rule store actions, what SaveRules did with each rule.
const (
	RuleAdded     = "added"
	RuleUpdated   = "updated"
	RuleUnchanged = "unchanged"
)

const storedRuleColumns = `key, sigma_id, name, title, kind, status, level, severity, outcome, reasons, only_in, attack,
	tags, falsepositives, refs, author, licence, file, doc, yaml, hunt, enabled, imported_at, updated_at`

// SaveRules adds rules to the rule store in one transaction, or updates the stored rule of the
// same key: its text, outcome and metadata are replaced, while its enabled flag (the analyst's
// choice) and first import time are kept. New rules take their own Enabled. It returns, per
// rule, RuleAdded, RuleUpdated or RuleUnchanged (same YAML, hunt and outcome as stored); a key
// given twice is compared the second time with what the first stored. The stored rules of the
// keys are read in one query, deleted in one statement and written a batch at a time.
func (s *Store) SaveRules(ctx context.Context, rules []StoredRule) ([]string, error) {
	keys := make([]string, len(rules))
	for i, r := range rules {
		if r.Key == "" {
			return nil, fmt.Errorf("rule store: rule %q has no key", r.Name)
		}
		keys[i] = r.Key
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	// What is stored under each key: as read, then as this call leaves it.
	type state struct {
		yaml, hunt, outcome string
		enabled             bool
		imported, updated   time.Time
	}
	stored := map[string]state{}
	rows, err := tx.QueryContext(ctx, `SELECT key, yaml, coalesce(hunt, ''), outcome, enabled, imported_at, updated_at FROM stored_rules
		WHERE key IN (SELECT unnest(from_json(?::JSON, '["VARCHAR"]')))`, jsonArray(keys))
	if err != nil {
		return nil, fmt.Errorf("rule store: %w", err)
	}
	for rows.Next() {
		var key string
		var st state
		if err := rows.Scan(&key, &st.yaml, &st.hunt, &st.outcome, &st.enabled, &st.imported, &st.updated); err != nil {
			rows.Close()
			return nil, fmt.Errorf("rule store: %w", err)
		}
		stored[key] = st
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("rule store: %w", err)
	}
	var old []string // keys stored before this call: deleted, then written again
	for k := range stored {
		old = append(old, k)
	}
	now := time.Now().UTC()
	out := make([]string, len(rules))
	final := map[string][]any{} // the row written for each key: its last rule's
	var order []string
	for i, r := range rules {
		st, ok := stored[r.Key]
		switch {
		case !ok:
			out[i] = RuleAdded
			st.imported, st.enabled = now, r.Enabled
		case st.yaml == r.YAML && st.hunt == r.Hunt && st.outcome == r.Outcome:
			out[i] = RuleUnchanged
		default:
			out[i] = RuleUpdated
		}
		if out[i] != RuleUnchanged {
			st.updated = now // else the time of the last change
		}
		st.yaml, st.hunt, st.outcome = r.YAML, r.Hunt, r.Outcome
		stored[r.Key] = st
		if _, seen := final[r.Key]; !seen {
			order = append(order, r.Key)
		}
		final[r.Key] = []any{r.Key, nullStr(r.SigmaID), r.Name, r.Title, r.Kind, nullStr(r.Status), nullStr(r.Level), r.Severity, r.Outcome,
			jsonArray(r.Reasons), jsonArray(r.OnlyIn), jsonArray(r.Attack), jsonArray(r.Tags), jsonArray(r.FalsePositives), jsonArray(r.References),
			nullStr(r.Author), r.Licence, r.File, r.Doc, r.YAML, nullStr(r.Hunt), st.enabled, st.imported, st.updated}
	}
	if len(old) > 0 {
		if _, err := tx.ExecContext(ctx, `DELETE FROM stored_rules WHERE key IN (SELECT unnest(from_json(?::JSON, '["VARCHAR"]')))`, jsonArray(old)); err != nil {
			return nil, fmt.Errorf("rule store: %w", err)
		}
	}
	list := `from_json(?::JSON, '["VARCHAR"]')`
	ins := &batchInsert{tx: tx, into: "stored_rules (" + storedRuleColumns + ")",
		row: "(?, ?, ?, ?, ?, ?, ?, ?, ?, " + strings.Repeat(list+", ", 6) + "?, ?, ?, ?, ?, ?, ?, ?, ?)"}
	defer ins.close()
	for _, k := range order {
		if err := ins.add(ctx, final[k]...); err != nil {
			return nil, fmt.Errorf("rule store: saving: %w", err)
		}
	}
	if err := ins.flush(ctx); err != nil {
		return nil, fmt.Errorf("rule store: saving: %w", err)
	}
	return out, tx.Commit()
}

// StoredRules lists the rule store in order of file, document and key, with their YAML and
// hunt text.
func (s *Store) StoredRules(ctx context.Context, fn func(StoredRule) error) error {
	rows, err := s.db.QueryContext(ctx, `SELECT key, coalesce(sigma_id, ''), name, title, kind, coalesce(status, ''), coalesce(level, ''), severity, outcome,
		to_json(reasons)::VARCHAR, to_json(only_in)::VARCHAR, to_json(attack)::VARCHAR, to_json(tags)::VARCHAR, to_json(falsepositives)::VARCHAR,
		to_json(refs)::VARCHAR, coalesce(author, ''), licence, file, doc, yaml, coalesce(hunt, ''), enabled, imported_at, updated_at
		FROM stored_rules ORDER BY file, doc, key`)
	if err != nil {
		return fmt.Errorf("rule store: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r StoredRule
		var lists [6]string
		if err := rows.Scan(&r.Key, &r.SigmaID, &r.Name, &r.Title, &r.Kind, &r.Status, &r.Level, &r.Severity, &r.Outcome,
			&lists[0], &lists[1], &lists[2], &lists[3], &lists[4], &lists[5], &r.Author, &r.Licence, &r.File, &r.Doc, &r.YAML, &r.Hunt,
			&r.Enabled, &r.ImportedAt, &r.UpdatedAt); err != nil {
			return err
		}
		for i, dst := range []*[]string{&r.Reasons, &r.OnlyIn, &r.Attack, &r.Tags, &r.FalsePositives, &r.References} {
			if err := json.Unmarshal([]byte(lists[i]), dst); err != nil {
				return fmt.Errorf("rule store: %s: %w", r.Key, err)
			}
			if *dst == nil {
				*dst = []string{}
			}
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return rows.Err()
}

// SetRulesEnabled turns stored rules on or off, each named by its key (Sigma id) or rule name.
// It returns the names it did not find.
func (s *Store) SetRulesEnabled(ctx context.Context, refs []string, enabled bool) (missing []string, err error) {
	for _, ref := range refs {
		res, err := s.db.ExecContext(ctx, `UPDATE stored_rules SET enabled = ? WHERE key = ? OR name = ?`, enabled, ref, ref)
		if err != nil {
			return nil, fmt.Errorf("rule store: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 && !slices.Contains(missing, ref) {
			missing = append(missing, ref)
		}
	}
	return missing, nil
}
