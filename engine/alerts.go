package engine

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// AlertRule is what the store needs of a detection rule to record its alerts: its metadata and
// the SQL (compiled by the hunting language, run here as a string) that returns one column,
// evidence (BIGINT[]), the ids of the events behind each result row.
type AlertRule struct {
	Name       string
	Title      string
	Severity   string
	Confidence float64
	Attack     []string
	SQL        string
	Args       []any
	// EventRows says each result row is one event (a filter rule). Such rows are grouped into
	// one alert per host (for events without one: source address, else user) and UTC hour
	// (AlertGroupWindow); otherwise each row is one alert.
	EventRows bool
	// Measure is the kind of anomaly measure the rule's rows carry, "" for none: MeasureZScore,
	// MeasureMAD, MeasureRarity, MeasureRegularity or MeasureFirstSeen. Except for first_seen,
	// SQL then returns a second column, measure (a number), beside evidence; each alert keeps the
	// strongest measure of its rows (the largest absolute z-score or regularity, the smallest
	// rarity count).
	Measure string
}

// The kinds of AlertRule.Measure, as the hunting language names its anomaly stages' measures.
const (
	MeasureZScore     = "zscore"     // outlier ... method zscore: the z-score
	MeasureMAD        = "mad"        // outlier ... method mad: the modified z-score
	MeasureRarity     = "rarity"     // rare: the count of the combination
	MeasureRegularity = "regularity" // beacon: 1 - jitter
	MeasureFirstSeen  = "first_seen" // first_seen: never seen before for its key (no value)
)

// measureAgg is the aggregate keeping the strongest measure of an alert's rows.
func measureAgg(kind, col string) string {
	switch kind {
	case MeasureRarity:
		return "min(" + col + ")"
	case MeasureZScore, MeasureMAD:
		return "max(abs(" + col + "))"
	}
	return "max(" + col + ")"
}

// AlertGroupWindow is the time bucket that groups the matching events of a filter rule into
// alerts, per host (or source address, or user).
const AlertGroupWindow = time.Hour

// Alert is one stored alert.
type Alert struct {
	ID         int64               `json:"id"`
	RunID      int64               `json:"run_id"`
	Rule       string              `json:"rule"`
	Title      string              `json:"title"`
	Severity   string              `json:"severity"`
	Confidence float64             `json:"confidence"`
	Attack     []string            `json:"attack"`
	First      *time.Time          `json:"first"`
	Last       *time.Time          `json:"last"`
	Entities   map[string][]string `json:"entities"`
	Evidence   []int64             `json:"evidence"`
	Sources    []string            `json:"sources"`
	CreatedAt  time.Time           `json:"created_at"`
	// Measure is the alert's anomaly measure (AlertRule.Measure) and MeasureKind its kind;
	// nil and "" for rules without one.
	Measure     *float64 `json:"measure,omitempty"`
	MeasureKind string   `json:"measure_kind,omitempty"`
}

// AlertEntityKinds are the keys of Alert.Entities, each from one events column of the evidence.
var AlertEntityKinds = []struct{ Kind, Column string }{
	{"user", "user_key"},
	{"target_user", "target_user_key"},
	{"host", "host_key"},
	{"src_ip", "src_ip"},
	{"dst_ip", "dst_ip"},
	{"process", "process_name"},
	{"domain", "domain"},
	{"hash", "hash"},
}

// StartHunt records a new hunt run and returns its id.
func (s *Store) StartHunt(ctx context.Context, since time.Time, ruleFiles []string) (int64, error) {
	var id int64
	if err := s.db.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) + 1 FROM hunt_runs`).Scan(&id); err != nil {
		return 0, fmt.Errorf("starting hunt: %w", err)
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO hunt_runs (id, started_at, since, rule_files) VALUES (?, ?, ?, from_json(?::JSON, '["VARCHAR"]'))`,
		id, time.Now().UTC(), nullTime(since.UTC()), jsonArray(ruleFiles))
	if err != nil {
		return 0, fmt.Errorf("starting hunt: %w", err)
	}
	return id, nil
}

// FinishHunt records the end of a run: how many rules ran, how many new alerts they wrote, and
// the rules that failed.
func (s *Store) FinishHunt(ctx context.Context, run int64, rules, alerts int, errs []string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE hunt_runs SET finished_at = ?, rules = ?, alerts = ?, errors = from_json(?::JSON, '["VARCHAR"]') WHERE id = ?`,
		time.Now().UTC(), rules, alerts, jsonArray(errs), run)
	return err
}

// jsonArray is a list of text as a JSON array for from_json(?::JSON, '["VARCHAR"]'): [] for
// none, so the stored list is empty rather than NULL (jsonList gives NULL for none).
func jsonArray(ss []string) string {
	if len(ss) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(ss)
	return string(b)
}

// RuleResult is what one rule found in a run.
type RuleResult struct {
	Alerts int // alerts the rule raised
	New    int // of those, not already stored from an earlier run (same rule, same evidence)
}

// RunRule runs one rule and writes its alerts under run. An alert whose rule and evidence equal
// a stored alert's is not written again, so hunting twice over the same events adds nothing.
func (s *Store) RunRule(ctx context.Context, run int64, r AlertRule) (RuleResult, error) {
	var res RuleResult
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return res, err
	}
	defer conn.Close()
	defer conn.ExecContext(context.WithoutCancel(ctx), `DROP TABLE IF EXISTS temp.trawl_hits; DROP TABLE IF EXISTS temp.trawl_alerts`)
	measure := `NULL::DOUBLE`
	if r.Measure != "" && r.Measure != MeasureFirstSeen {
		measure = `TRY_CAST(measure AS DOUBLE)`
	}
	if _, err := conn.ExecContext(ctx, `CREATE OR REPLACE TEMP TABLE trawl_hits AS SELECT row_number() OVER () AS n, evidence, `+measure+` AS measure FROM (`+r.SQL+`) WHERE len(evidence) > 0`, r.Args...); err != nil {
		return res, fmt.Errorf("rule %s: %w", r.Name, err)
	}
	grouping, hitN := `u.n`, `n`
	if r.EventRows {
		hitN = `0`
		grouping = `coalesce(e.host_key, e.src_ip, e.user_key), time_bucket(to_microseconds(` + fmt.Sprint(AlertGroupWindow.Microseconds()) + `), e.time)`
	}
	var ents []string
	for _, k := range AlertEntityKinds {
		ents = append(ents, "'"+k.Kind+"': list_sort(list_distinct(list(e."+QuoteIdent(k.Column)+")))")
	}
	q := `CREATE OR REPLACE TEMP TABLE trawl_alerts AS
		SELECT min(e.time) AS first, max(e.time) AS last, min(e.id) AS first_id,
			list(e.id ORDER BY e.time NULLS FIRST, e.id) AS ids,
			to_json({` + strings.Join(ents, ", ") + `}) AS entities,
			list_sort(list_distinct(list(f.path))) AS sources, ` + measureAgg(r.Measure, "u.measure") + ` AS measure
		FROM (SELECT ` + hitN + ` AS n, eid, ` + measureAgg(r.Measure, "measure") + ` AS measure
			FROM (SELECT n, unnest(evidence) AS eid, measure FROM trawl_hits) GROUP BY 1, 2) u
		JOIN events e ON e.id = u.eid
		LEFT JOIN files f ON f.id = e.file_id
		GROUP BY ` + grouping
	if _, err := conn.ExecContext(ctx, q); err != nil {
		return res, fmt.Errorf("rule %s: grouping alerts: %w", r.Name, err)
	}
	if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM trawl_alerts`).Scan(&res.Alerts); err != nil {
		return res, err
	}
	out, err := conn.ExecContext(ctx, `INSERT INTO alerts (id, run_id, rule, title, severity, confidence, attack, first, last,
			entities, evidence, sources, created_at, measure, measure_kind)
		SELECT (SELECT coalesce(max(id), 0) FROM alerts) + row_number() OVER (ORDER BY a.first NULLS LAST, a.first_id),
			?, ?, ?, ?, ?, from_json(?::JSON, '["VARCHAR"]'), a.first, a.last, a.entities, a.ids, a.sources, ?, a.measure, ?
		FROM trawl_alerts a
		WHERE NOT EXISTS (SELECT 1 FROM alerts x WHERE x.rule = ? AND x.evidence = a.ids)`,
		run, r.Name, r.Title, r.Severity, r.Confidence, jsonArray(r.Attack), time.Now().UTC(), nullStr(r.Measure), r.Name)
	if err != nil {
		return res, fmt.Errorf("rule %s: writing alerts: %w", r.Name, err)
	}
	n, _ := out.RowsAffected()
	res.New = int(n)
	return res, nil
}

// AlertFilter selects alerts; the zero value selects all.
type AlertFilter struct {
	Rule  string // exact rule name
	RunID int64
	IDs   []int64 // these alerts only (when not empty)
}

// Alerts lists stored alerts in time order (first evidence), then id.
func (s *Store) Alerts(ctx context.Context, f AlertFilter, fn func(Alert) error) error {
	q := `SELECT id, run_id, rule, title, severity, confidence, to_json(attack)::VARCHAR, first, last, entities::VARCHAR,
		to_json(evidence)::VARCHAR, to_json(sources)::VARCHAR, created_at, measure, coalesce(measure_kind, '') FROM alerts`
	var conds []string
	var args []any
	if f.Rule != "" {
		conds = append(conds, "rule = ?")
		args = append(args, f.Rule)
	}
	if f.RunID != 0 {
		conds = append(conds, "run_id = ?")
		args = append(args, f.RunID)
	}
	if len(f.IDs) > 0 {
		conds = append(conds, `id IN (SELECT unnest(from_json(?::JSON, '["BIGINT"]')))`)
		args = append(args, jsonText(f.IDs))
	}
	if len(conds) > 0 {
		q += " WHERE " + strings.Join(conds, " AND ")
	}
	q += " ORDER BY first NULLS LAST, id"
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("listing alerts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var a Alert
		var attack, ents, evidence, sources string
		var first, last sql.NullTime
		var measure sql.NullFloat64
		if err := rows.Scan(&a.ID, &a.RunID, &a.Rule, &a.Title, &a.Severity, &a.Confidence, &attack, &first, &last, &ents, &evidence, &sources, &a.CreatedAt,
			&measure, &a.MeasureKind); err != nil {
			return fmt.Errorf("listing alerts: %w", err)
		}
		if measure.Valid {
			a.Measure = &measure.Float64
		}
		a.First, a.Last = timePtr(first), timePtr(last)
		all := map[string][]string{}
		err := errors.Join(json.Unmarshal([]byte(attack), &a.Attack), json.Unmarshal([]byte(ents), &all),
			json.Unmarshal([]byte(evidence), &a.Evidence), json.Unmarshal([]byte(sources), &a.Sources))
		if err != nil {
			return fmt.Errorf("alert %d: %w", a.ID, err)
		}
		a.Entities = map[string][]string{}
		for k, v := range all {
			if len(v) > 0 {
				a.Entities[k] = v
			}
		}
		if a.Attack == nil {
			a.Attack = []string{}
		}
		if a.Sources == nil {
			a.Sources = []string{}
		}
		a.CreatedAt = a.CreatedAt.UTC()
		if err := fn(a); err != nil {
			return err
		}
	}
	return rows.Err()
}

// ErrNoAlert is returned for an alert id the store does not have.
var ErrNoAlert = errors.New("no such alert")

// AlertEvidence streams the evidence events of one alert, in the alert's order (time), with the
// file and line each came from: the alert explained event by event.
func (s *Store) AlertEvidence(ctx context.Context, id int64, fn func(cols []string, row []any) error) error {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM alerts WHERE id = ?`, id).Scan(&n); err != nil {
		return fmt.Errorf("alert %d: %w", id, err)
	}
	if n == 0 {
		return fmt.Errorf("alert %d: %w", id, ErrNoAlert)
	}
	return s.QueryFunc(ctx, `SELECT e.id, e.time, f.path AS file, e.line, e.category, e.event_code, e.action, e.outcome,
			e.host, e."user", e.src_ip, e.dst_ip, e.process_name, coalesce(e.message, e.raw) AS text
		FROM (SELECT unnest(evidence) AS eid, generate_subscripts(evidence, 1) AS pos FROM alerts WHERE id = ?) a
		JOIN events e ON e.id = a.eid
		LEFT JOIN files f ON f.id = e.file_id
		ORDER BY a.pos`, []any{id}, fn)
}
