package engine

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"trawl/cases"
	"trawl/event"
)

// ErrNoCase is returned for a case id the store does not have.
var ErrNoCase = errors.New("no such case")

// Actor is who makes a change to a case, and when (zero: now). Tests fix the time.
type Actor struct {
	Name string
	At   time.Time
}

func (a Actor) at() time.Time {
	if a.At.IsZero() {
		return time.Now().UTC()
	}
	return a.At.UTC()
}

// errNoAuthor refuses a case change without an author: the history records who made each one.
var errNoAuthor = errors.New("a case change needs an author (--author, TRAWL_ANALYST or USER)")

// caseMu serialises case changes within the process: each reads the newest history entry and
// appends after it, and two at once would race for the same sequence number.
var caseMu sync.Mutex

// CaseDraft is what a new case starts with.
type CaseDraft struct {
	Title      string
	Severity   string
	Assignee   string
	Narrative  string
	Alerts     []int64
	Incidents  []int64
	Entities   []cases.Entity // kind and value
	Techniques []string
}

// DraftFromAlerts gathers what the alerts carry into a new case: their entities, ATT&CK
// techniques, the highest severity, and a title and narrative from them. Their evidence events
// come along when the case is created.
func (s *Store) DraftFromAlerts(ctx context.Context, ids []int64) (CaseDraft, error) {
	var d CaseDraft
	if len(ids) == 0 {
		return d, errors.New("no alerts given")
	}
	byID := map[int64]Alert{}
	if err := s.Alerts(ctx, AlertFilter{IDs: ids}, func(a Alert) error { byID[a.ID] = a; return nil }); err != nil {
		return d, err
	}
	var alerts []Alert
	for _, id := range ids {
		a, ok := byID[id]
		if !ok {
			return d, fmt.Errorf("alert %d: %w", id, ErrNoAlert)
		}
		if !slices.Contains(d.Alerts, id) {
			d.Alerts = append(d.Alerts, id)
			alerts = append(alerts, a)
		}
	}
	return draftOf(d, alerts), nil
}

// draftOf fills a draft holding the ids of alerts (distinct, at least one) from the alerts.
func draftOf(d CaseDraft, alerts []Alert) CaseDraft {
	sort.Slice(alerts, func(i, j int) bool { return timeBefore(alerts[i].First, alerts[j].First) })
	d.Severity = "info"
	seen := map[string]bool{}
	var lines []string
	for _, a := range alerts {
		if cases.SeverityRank(a.Severity) > cases.SeverityRank(d.Severity) {
			d.Severity = strings.ToLower(a.Severity)
		}
		d.Techniques = append(d.Techniques, a.Attack...)
		for _, k := range AlertEntityKinds {
			for _, v := range a.Entities[k.Kind] {
				if key := k.Kind + "=" + v; v != "" && !seen[key] {
					seen[key] = true
					d.Entities = append(d.Entities, cases.Entity{Kind: k.Kind, Value: v})
				}
			}
		}
		lines = append(lines, fmt.Sprintf("alert %d %s: %s (%d events, %s to %s)", a.ID, a.Rule, a.Title, len(a.Evidence), timeText(a.First), timeText(a.Last)))
	}
	d.Title = alerts[0].Title
	if len(alerts) > 1 {
		d.Title += fmt.Sprintf(" and %d more alert(s)", len(alerts)-1)
	}
	d.Narrative = strings.Join(lines, "\n")
	return d
}

func timeBefore(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a != nil
	}
	return a.Before(*b)
}

func timeText(t *time.Time) string {
	if t == nil {
		return "?"
	}
	return t.UTC().Format(time.RFC3339)
}

// CreateCase stores a new case from a draft, with the evidence events of its alerts, in one
// transaction, and returns its id.
func (s *Store) CreateCase(ctx context.Context, by Actor, d CaseDraft) (int64, error) {
	if strings.TrimSpace(by.Name) == "" {
		return 0, errNoAuthor
	}
	if strings.TrimSpace(d.Title) == "" {
		return 0, errors.New("a case needs a title")
	}
	sev, err := cases.ParseSeverity(d.Severity)
	if err != nil {
		return 0, err
	}
	caseMu.Lock()
	defer caseMu.Unlock()
	at := by.at()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	var id int64
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) + 1 FROM cases`).Scan(&id); err != nil {
		return 0, fmt.Errorf("creating case: %w", err)
	}
	fail := func(err error) (int64, error) { return 0, fmt.Errorf("creating case %d: %w", id, err) }
	if _, err := tx.ExecContext(ctx, `INSERT INTO cases (id, title, status, severity, assignee, verdict, narrative, created_at, created_by, updated_at)
		VALUES (?, ?, ?, ?, ?, '', ?, ?, ?, ?)`, id, d.Title, string(cases.StatusNew), sev, d.Assignee, d.Narrative, at, by.Name, at); err != nil {
		return fail(err)
	}
	h := []cases.Change{
		{Action: cases.ActionCreate, New: d.Title},
		{Action: cases.ActionSet, Field: "status", New: string(cases.StatusNew)},
		{Action: cases.ActionSet, Field: "severity", New: sev},
	}
	if d.Assignee != "" {
		h = append(h, cases.Change{Action: cases.ActionSet, Field: "assignee", New: d.Assignee})
	}
	if d.Narrative != "" {
		h = append(h, cases.Change{Action: cases.ActionSet, Field: "narrative", New: d.Narrative})
	}
	ch, err := linkAlerts(ctx, tx, id, d.Alerts)
	if err != nil {
		return fail(err)
	}
	h = append(h, ch...)
	for _, inc := range d.Incidents {
		if _, err := tx.ExecContext(ctx, `INSERT INTO case_incidents VALUES (?, ?) ON CONFLICT DO NOTHING`, id, inc); err != nil {
			return fail(err)
		}
		h = append(h, cases.Change{Action: cases.ActionLinkIncident, New: strconv.FormatInt(inc, 10)})
	}
	ch, err = addEntitiesAndTechniques(ctx, tx, id, d)
	if err != nil {
		return fail(err)
	}
	h = append(h, ch...)
	if err := updateRange(ctx, tx, id); err != nil {
		return fail(err)
	}
	for i := range h {
		h[i].Actor = by.Name
	}
	if err := appendHistory(ctx, tx, id, 0, "", at, h); err != nil {
		return fail(err)
	}
	if err := tx.Commit(); err != nil {
		return fail(err)
	}
	return id, nil
}

// linkAlerts links alerts (each once, in the order given) and carries their evidence events
// into the case, with one statement for all of them per table; it returns a change for each
// alert the case did not have.
func linkAlerts(ctx context.Context, tx *sql.Tx, id int64, alerts []int64) ([]cases.Change, error) {
	if len(alerts) == 0 {
		return nil, nil
	}
	const in = `(SELECT unnest(from_json(?::JSON, '["BIGINT"]')))`
	present, linked := map[int64]bool{}, map[int64]bool{}
	rows, err := tx.QueryContext(ctx, `SELECT a.id, ca.alert_id IS NOT NULL FROM alerts a
		LEFT JOIN case_alerts ca ON ca.case_id = ? AND ca.alert_id = a.id WHERE a.id IN `+in, id, jsonText(alerts))
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var a int64
		var was bool
		if err := rows.Scan(&a, &was); err != nil {
			rows.Close()
			return nil, err
		}
		present[a], linked[a] = true, was
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var fresh []int64
	var h []cases.Change
	for _, a := range alerts {
		if !present[a] {
			return nil, fmt.Errorf("alert %d: %w", a, ErrNoAlert)
		}
		if !linked[a] {
			linked[a] = true
			fresh = append(fresh, a)
			h = append(h, cases.Change{Action: cases.ActionLinkAlert, New: strconv.FormatInt(a, 10)})
		}
	}
	if len(fresh) == 0 {
		return nil, nil
	}
	list := jsonText(fresh)
	if _, err := tx.ExecContext(ctx, `INSERT INTO case_alerts SELECT ?, id, rule FROM alerts WHERE id IN `+in+` ON CONFLICT DO NOTHING`, id, list); err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO case_events
		SELECT DISTINCT ?, eid, 'alert' FROM (SELECT unnest(evidence) AS eid FROM alerts WHERE id IN `+in+`)
		ON CONFLICT DO NOTHING`, id, list); err != nil {
		return nil, err
	}
	return h, nil
}

// addEntitiesAndTechniques adds the draft's entities and ATT&CK techniques to a case and returns
// a change for each one the case did not have.
func addEntitiesAndTechniques(ctx context.Context, tx *sql.Tx, id int64, d CaseDraft) ([]cases.Change, error) {
	var h []cases.Change
	for _, e := range d.Entities {
		res, err := tx.ExecContext(ctx, `INSERT INTO case_entities VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, id, e.Kind, e.Value)
		if err != nil {
			return nil, err
		}
		if n, _ := res.RowsAffected(); n > 0 {
			h = append(h, cases.Change{Action: cases.ActionEntity, New: e.Kind + "=" + e.Value})
		}
	}
	for _, t := range cases.DescribeTechniques(d.Techniques) {
		res, err := tx.ExecContext(ctx, `INSERT INTO case_techniques VALUES (?, ?) ON CONFLICT DO NOTHING`, id, t.ID)
		if err != nil {
			return nil, err
		}
		if n, _ := res.RowsAffected(); n > 0 {
			h = append(h, cases.Change{Action: cases.ActionTechnique, New: t.ID})
		}
	}
	return h, nil
}

// updateRange sets the case's first and last from its evidence events.
func updateRange(ctx context.Context, tx *sql.Tx, id int64) error {
	_, err := tx.ExecContext(ctx, `UPDATE cases SET first = r.first, last = r.last
		FROM (SELECT min(e.time) AS first, max(e.time) AS last FROM case_events c JOIN events e ON e.id = c.event_id WHERE c.case_id = ?) r
		WHERE cases.id = ?`, id, id)
	return err
}

// appendHistory seals and inserts history entries after (lastSeq, lastHash), a batch at a time
// (a case made from many alerts has an entry per alert), and stamps the case's updated_at.
// History rows are only ever inserted.
func appendHistory(ctx context.Context, tx *sql.Tx, id, lastSeq int64, lastHash string, at time.Time, h []cases.Change) error {
	ins := &batchInsert{tx: tx, into: "case_history (case_id, seq, changed_at, actor, action, field, old, new, prev_hash, hash)",
		row: "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"}
	defer ins.close()
	for _, c := range cases.Seal(id, lastSeq, lastHash, at, h) {
		if err := ins.add(ctx, id, c.Seq, c.At, c.Actor, string(c.Action), c.Field, c.Old, c.New, c.PrevHash, c.Hash); err != nil {
			return fmt.Errorf("history entry %d: %w", c.Seq, err)
		}
	}
	if err := ins.flush(ctx); err != nil {
		return fmt.Errorf("history: %w", err)
	}
	_, err := tx.ExecContext(ctx, `UPDATE cases SET updated_at = ? WHERE id = ?`, at.UTC().Truncate(cases.Precision), id)
	return err
}

// changeCase runs one change to a case as one transaction: fn makes its changes through tx and
// returns the history entries describing them (none: nothing changed, nothing is written).
func (s *Store) changeCase(ctx context.Context, id int64, by Actor, fn func(tx *sql.Tx, at time.Time) ([]cases.Change, error)) error {
	if strings.TrimSpace(by.Name) == "" {
		return errNoAuthor
	}
	caseMu.Lock()
	defer caseMu.Unlock()
	at := by.at()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var lastSeq int64
	var lastHash string
	err = tx.QueryRowContext(ctx, `SELECT seq, hash FROM case_history WHERE case_id = ? ORDER BY seq DESC LIMIT 1`, id).Scan(&lastSeq, &lastHash)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("case %d: %w", id, ErrNoCase)
	}
	if err != nil {
		return fmt.Errorf("case %d: %w", id, err)
	}
	h, err := fn(tx, at)
	if err != nil {
		return fmt.Errorf("case %d: %w", id, err)
	}
	if len(h) == 0 {
		return nil
	}
	for i := range h {
		h[i].Actor = by.Name
	}
	if err := appendHistory(ctx, tx, id, lastSeq, lastHash, at, h); err != nil {
		return fmt.Errorf("case %d: %w", id, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("case %d: %w", id, err)
	}
	return nil
}

// caseFields are the fields SetCaseField changes, each with its check.
var caseFields = map[string]func(string) (string, error){
	"title": func(s string) (string, error) {
		if strings.TrimSpace(s) == "" {
			return "", errors.New("a case needs a title")
		}
		return s, nil
	},
	"status": func(s string) (string, error) { st, err := cases.ParseStatus(s); return string(st), err },
	"verdict": func(s string) (string, error) {
		if s == "" {
			return "", nil // withdrawn
		}
		v, err := cases.ParseVerdict(s)
		return string(v), err
	},
	"severity":  cases.ParseSeverity,
	"assignee":  func(s string) (string, error) { return strings.TrimSpace(s), nil },
	"narrative": func(s string) (string, error) { return s, nil },
}

// SetCaseField changes title, status, verdict, severity, assignee or narrative. Setting the
// value a field already has changes nothing and records nothing.
func (s *Store) SetCaseField(ctx context.Context, id int64, by Actor, field, value string) error {
	check, ok := caseFields[field]
	if !ok {
		return fmt.Errorf("case field %q cannot be set", field)
	}
	v, err := check(value)
	if err != nil {
		return err
	}
	return s.changeCase(ctx, id, by, func(tx *sql.Tx, at time.Time) ([]cases.Change, error) {
		var old string
		// field is one of caseFields' keys: a fixed column name, never user text.
		if err := tx.QueryRowContext(ctx, `SELECT `+QuoteIdent(field)+` FROM cases WHERE id = ?`, id).Scan(&old); err != nil {
			return nil, err
		}
		if old == v {
			return nil, nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE cases SET `+QuoteIdent(field)+` = ? WHERE id = ?`, v, id); err != nil {
			return nil, err
		}
		return []cases.Change{{Action: cases.ActionSet, Field: field, Old: old, New: v}}, nil
	})
}

// AddCaseNote adds a note and returns its number.
func (s *Store) AddCaseNote(ctx context.Context, id int64, by Actor, text string) (int64, error) {
	if strings.TrimSpace(text) == "" {
		return 0, errors.New("empty note")
	}
	var seq int64
	err := s.changeCase(ctx, id, by, func(tx *sql.Tx, at time.Time) ([]cases.Change, error) {
		if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0) + 1 FROM case_notes WHERE case_id = ?`, id).Scan(&seq); err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO case_notes VALUES (?, ?, ?, ?, ?)`, id, seq, at.Truncate(cases.Precision), by.Name, text); err != nil {
			return nil, err
		}
		return []cases.Change{{Action: cases.ActionNote, Field: strconv.FormatInt(seq, 10), New: text}}, nil
	})
	return seq, err
}

// NewTask is a task to add to a case.
type NewTask struct {
	Text   string
	Phase  string // contain, collect, eradicate, recover or empty
	Source string // playbook:NAME, or empty
}

// AddCaseTasks adds tasks to the checklist (all in one transaction) and returns their numbers.
func (s *Store) AddCaseTasks(ctx context.Context, id int64, by Actor, tasks []NewTask) ([]int64, error) {
	for _, t := range tasks {
		if strings.TrimSpace(t.Text) == "" {
			return nil, errors.New("empty task")
		}
		if t.Phase != "" && !slices.Contains(cases.Phases, t.Phase) {
			return nil, fmt.Errorf("phase %q: want one of %s", t.Phase, strings.Join(cases.Phases, ", "))
		}
	}
	var seqs []int64
	err := s.changeCase(ctx, id, by, func(tx *sql.Tx, at time.Time) ([]cases.Change, error) {
		var next int64
		if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0) + 1 FROM case_tasks WHERE case_id = ?`, id).Scan(&next); err != nil {
			return nil, err
		}
		var h []cases.Change
		for _, t := range tasks {
			if _, err := tx.ExecContext(ctx, `INSERT INTO case_tasks (case_id, seq, text, phase, source, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?)`,
				id, next, t.Text, t.Phase, t.Source, at.Truncate(cases.Precision), by.Name); err != nil {
				return nil, err
			}
			seqs = append(seqs, next)
			h = append(h, cases.Change{Action: cases.ActionTaskAdd, Field: strconv.FormatInt(next, 10), New: t.Text})
			next++
		}
		return h, nil
	})
	return seqs, err
}

// CompleteCaseTask ticks a task off; ticking a done task again changes nothing.
func (s *Store) CompleteCaseTask(ctx context.Context, id int64, by Actor, seq int64) error {
	return s.changeCase(ctx, id, by, func(tx *sql.Tx, at time.Time) ([]cases.Change, error) {
		var done sql.NullTime
		err := tx.QueryRowContext(ctx, `SELECT done_at FROM case_tasks WHERE case_id = ? AND seq = ?`, id, seq).Scan(&done)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("no task %d", seq)
		}
		if err != nil || done.Valid {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE case_tasks SET done_at = ?, done_by = ? WHERE case_id = ? AND seq = ?`,
			at.Truncate(cases.Precision), by.Name, id, seq); err != nil {
			return nil, err
		}
		return []cases.Change{{Action: cases.ActionTaskDone, Field: strconv.FormatInt(seq, 10), Old: "open", New: "done"}}, nil
	})
}

// PinCaseEvent adds an event to the case's evidence by hand.
func (s *Store) PinCaseEvent(ctx context.Context, id int64, by Actor, eventID int64) error {
	return s.changeCase(ctx, id, by, func(tx *sql.Tx, at time.Time) ([]cases.Change, error) {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM events WHERE id = ?`, eventID).Scan(&n); err != nil {
			return nil, err
		}
		if n == 0 {
			return nil, fmt.Errorf("no event %d", eventID)
		}
		var src sql.NullString
		if err := tx.QueryRowContext(ctx, `SELECT max(source) FROM case_events WHERE case_id = ? AND event_id = ?`, id, eventID).Scan(&src); err != nil {
			return nil, err
		}
		if src.String == "pin" {
			return nil, nil
		}
		if src.Valid { // carried from an alert: now pinned as well
			if _, err := tx.ExecContext(ctx, `UPDATE case_events SET source = 'pin' WHERE case_id = ? AND event_id = ?`, id, eventID); err != nil {
				return nil, err
			}
		} else if _, err := tx.ExecContext(ctx, `INSERT INTO case_events VALUES (?, ?, 'pin')`, id, eventID); err != nil {
			return nil, err
		}
		if err := updateRange(ctx, tx, id); err != nil {
			return nil, err
		}
		return []cases.Change{{Action: cases.ActionPin, New: strconv.FormatInt(eventID, 10)}}, nil
	})
}

// LinkCaseAlerts links more alerts to a case, with their evidence events, entities and
// techniques.
func (s *Store) LinkCaseAlerts(ctx context.Context, id int64, by Actor, alerts []int64) error {
	d, err := s.DraftFromAlerts(ctx, alerts)
	if err != nil {
		return err
	}
	return s.changeCase(ctx, id, by, func(tx *sql.Tx, at time.Time) ([]cases.Change, error) {
		h, err := linkAlerts(ctx, tx, id, d.Alerts)
		if err != nil {
			return nil, err
		}
		ch, err := addEntitiesAndTechniques(ctx, tx, id, d)
		if err != nil {
			return nil, err
		}
		return append(h, ch...), updateRange(ctx, tx, id)
	})
}

// MaxCaseEvidence is how many evidence events Case loads (pinned ones always, then the
// earliest); EvidenceN counts them all.
const MaxCaseEvidence = 5000

// Case loads a case with everything linked to it. Entities get a line of context from the
// asset and identity tables.
func (s *Store) Case(ctx context.Context, id int64) (*cases.Case, error) {
	c, err := s.loadCase(ctx, id, true)
	if err != nil {
		return nil, fmt.Errorf("case %d: %w", id, err)
	}
	return c, nil
}

// CaseWithoutEvidence loads a case like Case but without its evidence events (EvidenceN still
// counts them) and without the entities' context lines: enough to recommend playbooks or
// suggest suppressions, at a fraction of the cost for a large case.
func (s *Store) CaseWithoutEvidence(ctx context.Context, id int64) (*cases.Case, error) {
	c, err := s.loadCase(ctx, id, false)
	if err != nil {
		return nil, fmt.Errorf("case %d: %w", id, err)
	}
	return c, nil
}

func (s *Store) loadCase(ctx context.Context, id int64, full bool) (*cases.Case, error) {
	c, err := scanCase(s.db.QueryRowContext(ctx, `SELECT `+caseColumns+` FROM cases WHERE id = ?`, id).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNoCase
	}
	if err != nil {
		return nil, err
	}

	// Alerts, through the store's own alert scanning; an alert gone from the store keeps its rule.
	rows, err := s.Query(ctx, `SELECT ca.alert_id, ca.rule, a.id IS NOT NULL FROM case_alerts ca LEFT JOIN alerts a ON a.id = ca.alert_id WHERE ca.case_id = ?`, id)
	if err != nil {
		return nil, err
	}
	var present []int64
	for _, r := range rows.Rows {
		if r[2].(bool) {
			present = append(present, r[0].(int64))
		} else {
			c.Alerts = append(c.Alerts, goneAlert(r[0].(int64), r[1].(string)))
		}
	}
	if len(present) > 0 {
		err := s.Alerts(ctx, AlertFilter{IDs: present}, func(a Alert) error {
			c.Alerts = append(c.Alerts, caseAlert(a))
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	sortCaseAlerts(c.Alerts)

	if err := s.scanRows(ctx, `SELECT incident_id FROM case_incidents WHERE case_id = ? ORDER BY 1`, []any{id}, func(r *sql.Rows) error {
		var v int64
		err := r.Scan(&v)
		c.Incidents = append(c.Incidents, v)
		return err
	}); err != nil {
		return nil, err
	}
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM case_events WHERE case_id = ?`, id).Scan(&c.EvidenceN); err != nil {
		return nil, err
	}
	if full {
		if err := s.scanRows(ctx, `SELECT * FROM (
				SELECT ce.event_id, e.time, coalesce(f.path, ''), coalesce(e.line, 0), coalesce(e.category, ''), coalesce(e.action, ''),
					coalesce(e.outcome, ''), coalesce(e.host, ''), coalesce(e."user", ''), coalesce(e.src_ip::VARCHAR, ''),
					coalesce(e.dst_ip::VARCHAR, ''), coalesce(e.process_name, ''), left(coalesce(e.message, e.raw, ''), ?), ce.source = 'pin'
				FROM case_events ce LEFT JOIN events e ON e.id = ce.event_id LEFT JOIN files f ON f.id = e.file_id
				WHERE ce.case_id = ? ORDER BY ce.source = 'pin' DESC, e.time NULLS LAST, ce.event_id LIMIT ?)
			ORDER BY 2 NULLS LAST, 1`, []any{cases.MaxEventText, id, MaxCaseEvidence}, func(r *sql.Rows) error {
			var e cases.Event
			var t sql.NullTime
			err := r.Scan(&e.ID, &t, &e.File, &e.Line, &e.Category, &e.Action, &e.Outcome, &e.Host, &e.User, &e.SrcIP, &e.DstIP, &e.Process, &e.Text, &e.Pinned)
			e.Time = timePtr(t)
			c.Evidence = append(c.Evidence, e)
			return err
		}); err != nil {
			return nil, err
		}
	}
	if err := s.scanRows(ctx, `SELECT kind, value FROM case_entities WHERE case_id = ? ORDER BY kind, value`, []any{id}, func(r *sql.Rows) error {
		var e cases.Entity
		err := r.Scan(&e.Kind, &e.Value)
		if err == nil && full {
			e.Context = s.entityContextLine(ctx, e.Kind, e.Value)
		}
		c.Entities = append(c.Entities, e)
		return err
	}); err != nil {
		return nil, err
	}
	var techs []string
	if err := s.scanRows(ctx, `SELECT technique FROM case_techniques WHERE case_id = ?`, []any{id}, func(r *sql.Rows) error {
		var t string
		err := r.Scan(&t)
		techs = append(techs, t)
		return err
	}); err != nil {
		return nil, err
	}
	c.Techniques = cases.DescribeTechniques(techs)
	if err := s.scanRows(ctx, `SELECT seq, written_at, author, text FROM case_notes WHERE case_id = ? ORDER BY seq`, []any{id}, func(r *sql.Rows) error {
		var n cases.Note
		err := r.Scan(&n.Seq, &n.At, &n.Author, &n.Text)
		n.At = n.At.UTC()
		c.Notes = append(c.Notes, n)
		return err
	}); err != nil {
		return nil, err
	}
	if err := s.scanRows(ctx, `SELECT seq, text, phase, source, created_at, created_by, done_at, done_by FROM case_tasks WHERE case_id = ? ORDER BY seq`, []any{id}, func(r *sql.Rows) error {
		var t cases.Task
		var done sql.NullTime
		err := r.Scan(&t.Seq, &t.Text, &t.Phase, &t.Source, &t.CreatedAt, &t.CreatedBy, &done, &t.DoneBy)
		t.CreatedAt, t.DoneAt = t.CreatedAt.UTC(), timePtr(done)
		c.Tasks = append(c.Tasks, t)
		return err
	}); err != nil {
		return nil, err
	}
	if err := s.scanRows(ctx, `SELECT seq, changed_at, actor, action, field, old, new, prev_hash, hash FROM case_history WHERE case_id = ? ORDER BY seq`, []any{id}, func(r *sql.Rows) error {
		var h cases.Change
		var action string
		err := r.Scan(&h.Seq, &h.At, &h.Actor, &action, &h.Field, &h.Old, &h.New, &h.PrevHash, &h.Hash)
		h.At, h.Action = h.At.UTC(), cases.Action(action)
		c.History = append(c.History, h)
		return err
	}); err != nil {
		return nil, err
	}
	if n := len(c.History); n > 0 {
		c.HeadHash = c.History[n-1].Hash
	}
	return c, nil
}

// caseColumns are the columns scanCase reads, in its order.
const caseColumns = `id, title, status, severity, assignee, verdict, narrative, first, last, created_at, created_by, updated_at`

// scanCase reads a row of caseColumns into a case with empty (not nil) lists.
func scanCase(scan func(...any) error) (*cases.Case, error) {
	c := &cases.Case{Incidents: []int64{}, Alerts: []cases.Alert{}, Evidence: []cases.Event{}, Entities: []cases.Entity{},
		Techniques: []cases.Technique{}, Notes: []cases.Note{}, Tasks: []cases.Task{}, History: []cases.Change{}}
	var first, last sql.NullTime
	var status, verdict string
	if err := scan(&c.ID, &c.Title, &status, &c.Severity, &c.Assignee, &verdict, &c.Narrative, &first, &last, &c.CreatedAt, &c.CreatedBy, &c.UpdatedAt); err != nil {
		return nil, err
	}
	c.Status, c.Verdict = cases.Status(status), cases.Verdict(verdict)
	c.First, c.Last = timePtr(first), timePtr(last)
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	return c, nil
}

// caseAlert is a stored alert as a case lists it.
func caseAlert(a Alert) cases.Alert {
	return cases.Alert{ID: a.ID, Rule: a.Rule, Title: a.Title, Severity: a.Severity, Attack: a.Attack,
		First: a.First, Last: a.Last, CreatedAt: a.CreatedAt, Entities: a.Entities, Evidence: len(a.Evidence)}
}

// goneAlert is a linked alert the store no longer has: the case kept its rule.
func goneAlert(id int64, rule string) cases.Alert {
	return cases.Alert{ID: id, Rule: rule, Attack: []string{}, Entities: map[string][]string{}}
}

// sortCaseAlerts orders a case's alerts by first evidence (none last), then id.
func sortCaseAlerts(as []cases.Alert) {
	sort.Slice(as, func(i, j int) bool {
		if timeBefore(as[i].First, as[j].First) != timeBefore(as[j].First, as[i].First) {
			return timeBefore(as[i].First, as[j].First)
		}
		return as[i].ID < as[j].ID
	})
}

func (s *Store) scanRows(ctx context.Context, q string, args []any, fn func(*sql.Rows) error) error {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// entityContextLine says in one line what the asset and identity tables know of an entity.
func (s *Store) entityContextLine(ctx context.Context, kind, value string) string {
	var ent event.Entity
	switch kind {
	case "user", "target_user":
		ent = event.EntityUser
	case "host":
		ent = event.EntityHost
	case "src_ip", "dst_ip":
		ent = event.EntityIP
	default:
		return ""
	}
	ec, err := s.EntityContext(ctx, ent, value)
	if err != nil || ec == nil {
		return ""
	}
	var parts []string
	if id := ec.Identity; id != nil {
		p := "identity " + id.Key
		if id.DisplayName != "" {
			p += " (" + id.DisplayName + ")"
		}
		var attrs []string
		for _, a := range []struct {
			ok   bool
			text string
		}{{id.Department != "", id.Department}, {id.Role != "", id.Role}, {id.Privileged.V, "privileged"},
			{id.ServiceAccount.V, "service account"}, {id.Status != "", "status " + id.Status}} {
			if a.ok {
				attrs = append(attrs, a.text)
			}
		}
		if len(attrs) > 0 {
			p += ": " + strings.Join(attrs, ", ")
		}
		parts = append(parts, p)
	}
	for _, a := range ec.Assets {
		p := "asset " + a.Key
		var attrs []string
		if a.Owner != "" {
			attrs = append(attrs, "owner "+a.Owner)
		}
		if a.Criticality > 0 {
			attrs = append(attrs, fmt.Sprintf("criticality %d", a.Criticality))
		}
		if a.Environment != "" {
			attrs = append(attrs, a.Environment)
		}
		if a.InternetFacing.V {
			attrs = append(attrs, "internet-facing")
		}
		if len(attrs) > 0 {
			p += ": " + strings.Join(attrs, ", ")
		}
		parts = append(parts, p)
		if len(parts) >= 3 {
			break
		}
	}
	return strings.Join(parts, "; ")
}

// CaseFilter selects cases for CaseList; the zero value selects all.
type CaseFilter struct {
	Status   string
	Assignee string
}

// CaseList lists cases, newest first.
func (s *Store) CaseList(ctx context.Context, f CaseFilter) ([]cases.Summary, error) {
	q := `SELECT c.id, c.title, c.status, c.severity, c.assignee, c.verdict,
			(SELECT count(*) FROM case_alerts a WHERE a.case_id = c.id),
			(SELECT count(*) FROM case_tasks t WHERE t.case_id = c.id AND t.done_at IS NULL),
			c.created_at, c.updated_at
		FROM cases c WHERE (? = '' OR c.status = ?) AND (? = '' OR c.assignee = ?) ORDER BY c.id DESC`
	out := []cases.Summary{}
	err := s.scanRows(ctx, q, []any{f.Status, f.Status, f.Assignee, f.Assignee}, func(r *sql.Rows) error {
		var c cases.Summary
		var status, verdict string
		err := r.Scan(&c.ID, &c.Title, &status, &c.Severity, &c.Assignee, &verdict, &c.Alerts, &c.OpenTasks, &c.CreatedAt, &c.UpdatedAt)
		c.Status, c.Verdict = cases.Status(status), cases.Verdict(verdict)
		c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
		out = append(out, c)
		return err
	})
	return out, err
}

// VerifyCase checks a case's history chain and that the case tables agree with it. It returns
// the head hash, and the problems found (none: intact).
func (s *Store) VerifyCase(ctx context.Context, id int64) (string, []string, error) {
	c, err := s.loadCase(ctx, id, false)
	if err != nil {
		return "", nil, fmt.Errorf("case %d: %w", id, err)
	}
	head, err := cases.Verify(id, c.History)
	var problems []string
	if err != nil {
		problems = append(problems, err.Error())
	}
	problems = append(problems, cases.Consistent(c)...)
	return head, problems, nil
}

// CasesForMetrics loads every case with what the KPIs and rule statistics read
// (cases.ComputeKPIs, cases.ComputeRuleStats): its fields, alerts, evidence count and history,
// in four queries whatever the number of cases (a query per case took 7 ms each). Its evidence
// events, incidents, entities, techniques, notes and tasks are left empty.
func (s *Store) CasesForMetrics(ctx context.Context) ([]*cases.Case, error) {
	out := []*cases.Case{}
	byID := map[int64]*cases.Case{}
	if err := s.scanRows(ctx, `SELECT `+caseColumns+` FROM cases ORDER BY id`, nil, func(r *sql.Rows) error {
		c, err := scanCase(r.Scan)
		if err == nil {
			out = append(out, c)
			byID[c.ID] = c
		}
		return err
	}); err != nil {
		return nil, err
	}
	// Alerts: the store's own alert scanning for those it still has, once each however many
	// cases link them; a gone alert keeps the rule its case recorded.
	inCases := map[int64][]*cases.Case{}
	var present []int64
	if err := s.scanRows(ctx, `SELECT ca.case_id, ca.alert_id, ca.rule, a.id IS NOT NULL FROM case_alerts ca
		LEFT JOIN alerts a ON a.id = ca.alert_id ORDER BY 1, 2`, nil, func(r *sql.Rows) error {
		var caseID, alertID int64
		var rule string
		var have bool
		if err := r.Scan(&caseID, &alertID, &rule, &have); err != nil {
			return err
		}
		c := byID[caseID]
		switch {
		case c == nil:
		case !have:
			c.Alerts = append(c.Alerts, goneAlert(alertID, rule))
		default:
			if inCases[alertID] == nil {
				present = append(present, alertID)
			}
			inCases[alertID] = append(inCases[alertID], c)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if len(present) > 0 {
		if err := s.Alerts(ctx, AlertFilter{IDs: present}, func(a Alert) error {
			for _, c := range inCases[a.ID] {
				c.Alerts = append(c.Alerts, caseAlert(a))
			}
			return nil
		}); err != nil {
			return nil, err
		}
	}
	for _, c := range out {
		sortCaseAlerts(c.Alerts)
	}
	if err := s.scanRows(ctx, `SELECT case_id, count(*) FROM case_events GROUP BY 1`, nil, func(r *sql.Rows) error {
		var caseID int64
		var n int
		err := r.Scan(&caseID, &n)
		if c := byID[caseID]; c != nil {
			c.EvidenceN = n
		}
		return err
	}); err != nil {
		return nil, err
	}
	if err := s.scanRows(ctx, `SELECT case_id, seq, changed_at, actor, action, field, old, new, prev_hash, hash FROM case_history ORDER BY case_id, seq`, nil, func(r *sql.Rows) error {
		var caseID int64
		var h cases.Change
		var action string
		if err := r.Scan(&caseID, &h.Seq, &h.At, &h.Actor, &action, &h.Field, &h.Old, &h.New, &h.PrevHash, &h.Hash); err != nil {
			return err
		}
		h.At, h.Action = h.At.UTC(), cases.Action(action)
		if c := byID[caseID]; c != nil {
			c.History = append(c.History, h)
			c.HeadHash = h.Hash
		}
		return nil
	}); err != nil {
		return nil, err
	}
	return out, nil
}

// prioritySeverity maps an incident's priority to a case severity.
var prioritySeverity = map[string]string{"P1": "critical", "P2": "high", "P3": "medium", "P4": "low", "P5": "info"}

// DraftFromIncident gathers an incident into a new case: its alerts (with their evidence,
// entities and techniques), its title and narrative, and a severity from its priority (or its
// alerts' highest).
func (s *Store) DraftFromIncident(ctx context.Context, id int64) (CaseDraft, error) {
	inc, err := s.Incident(ctx, id)
	if err != nil {
		return CaseDraft{}, err
	}
	if len(inc.AlertList) == 0 {
		return CaseDraft{}, fmt.Errorf("incident %d has no alerts", id)
	}
	// The incident's alerts are loaded already, each once: the draft is made from them.
	var d CaseDraft
	alerts := make([]Alert, len(inc.AlertList))
	for i, a := range inc.AlertList {
		d.Alerts = append(d.Alerts, a.ID)
		alerts[i] = a.Alert
	}
	d = draftOf(d, alerts)
	d.Incidents = []int64{id}
	if inc.Title != "" {
		d.Title = inc.Title
	}
	if inc.Narrative != "" {
		d.Narrative = inc.Narrative
	}
	if sev, ok := prioritySeverity[strings.ToUpper(inc.Priority)]; ok && cases.SeverityRank(sev) > cases.SeverityRank(d.Severity) {
		d.Severity = sev
	}
	for _, t := range inc.Techniques {
		d.Techniques = append(d.Techniques, t.ID)
	}
	return d, nil
}

// RuleCaseStats keeps the case verdicts per rule (cases.ComputeRuleStats over the cases created
// in [from, to), either may be zero) with each rule's whole alert volume; rules that raised
// alerts but are in no case are listed too, with no verdicts.
func (s *Store) RuleCaseStats(ctx context.Context, from, to time.Time) ([]cases.RuleStats, error) {
	all, err := s.CasesForMetrics(ctx)
	if err != nil {
		return nil, err
	}
	stats := cases.ComputeRuleStats(cases.CreatedIn(all, from, to))
	at := map[string]int{}
	for i, r := range stats {
		at[r.Rule] = i
	}
	err = s.scanRows(ctx, `SELECT rule, count(*) FROM alerts GROUP BY rule`, nil, func(r *sql.Rows) error {
		var rule string
		var n int
		if err := r.Scan(&rule, &n); err != nil {
			return err
		}
		if i, ok := at[rule]; ok {
			stats[i].Volume = n
		} else {
			stats = append(stats, cases.RuleStats{Rule: rule, Volume: n, Verdicts: map[string]int{}})
		}
		return nil
	})
	sort.Slice(stats, func(i, j int) bool { return stats[i].Rule < stats[j].Rule })
	return stats, err
}
