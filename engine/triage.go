package engine

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Triage statuses of an alert (table alert_triage; no row is TriageNew).
const (
	TriageNew          = "new"
	TriageAcknowledged = "acknowledged"
	TriageAssigned     = "assigned"
	TriageClosed       = "closed"
)

// TriageStatuses lists the statuses in workflow order.
var TriageStatuses = []string{TriageNew, TriageAcknowledged, TriageAssigned, TriageClosed}

// ErrReadOnly is returned by writes to a store opened read-only.
var ErrReadOnly = errors.New("the store is open read-only")

// ReadOnly reports whether the store was opened without write access.
func (s *Store) ReadOnly() bool { return s.readOnly }

// Triage is the triage state of one alert.
type Triage struct {
	AlertID  int64
	Status   string
	Assignee string
	By       string    // who changed it last
	At       time.Time // when (UTC)
}

// TriageChange sets the status (and, with Assignee set, the assignee) of alerts: those listed
// and every alert of the incidents listed (of the last scoring run).
type TriageChange struct {
	Alerts    []int64
	Incidents []int64
	Status    string  // one of TriageStatuses
	Assignee  *string // nil keeps the assignee
	By        string  // the analyst
	At        time.Time
}

// SetTriage applies c in one statement and returns the number of alerts it changed. An id that
// names no alert changes nothing.
func (s *Store) SetTriage(ctx context.Context, c TriageChange) (int, error) {
	if s.readOnly {
		return 0, ErrReadOnly
	}
	if !slices.Contains(TriageStatuses, c.Status) {
		return 0, fmt.Errorf("triage status %q: use one of %s", c.Status, strings.Join(TriageStatuses, ", "))
	}
	if len(c.Alerts) == 0 && len(c.Incidents) == 0 {
		return 0, nil
	}
	if strings.TrimSpace(c.By) == "" {
		return 0, errors.New("triage: who is changing it? (set $TRAWL_ANALYST)")
	}
	at := c.At
	if at.IsZero() {
		at = time.Now()
	}
	assignee, keep := "", c.Assignee == nil
	if c.Assignee != nil {
		assignee = *c.Assignee
	}
	var conds []string
	args := []any{c.Status, assignee, c.By, at.UTC()}
	if len(c.Alerts) > 0 {
		conds = append(conds, `id IN (`+sqlMarks(len(c.Alerts))+`)`)
		for _, id := range c.Alerts {
			args = append(args, id)
		}
	}
	if len(c.Incidents) > 0 {
		conds = append(conds, `id IN (SELECT alert_id FROM incident_alerts WHERE incident_id IN (`+sqlMarks(len(c.Incidents))+`))`)
		for _, id := range c.Incidents {
			args = append(args, id)
		}
	}
	args = append(args, keep)
	res, err := s.db.ExecContext(ctx, `INSERT INTO alert_triage (alert_id, status, assignee, updated_by, updated_at)
		SELECT id, ?, ?, ?, ? FROM alerts WHERE `+strings.Join(conds, ` OR `)+`
		ON CONFLICT (alert_id) DO UPDATE SET status = excluded.status,
			assignee = CASE WHEN ? THEN alert_triage.assignee ELSE excluded.assignee END,
			updated_by = excluded.updated_by, updated_at = excluded.updated_at`, args...)
	if err != nil {
		return 0, fmt.Errorf("setting the triage status: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("setting the triage status: %w", err)
	}
	return int(n), nil
}

// TriageOf reads the triage state of every alert that has one, by alert id (alerts missing
// from the map are new).
func (s *Store) TriageOf(ctx context.Context) (map[int64]Triage, error) {
	out := map[int64]Triage{}
	err := s.scanRows(ctx, `SELECT alert_id, status, assignee, updated_by, updated_at FROM alert_triage`, nil, func(r *sql.Rows) error {
		var t Triage
		if err := r.Scan(&t.AlertID, &t.Status, &t.Assignee, &t.By, &t.At); err != nil {
			return err
		}
		t.At = t.At.UTC()
		out[t.AlertID] = t
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading the triage status: %w", err)
	}
	return out, nil
}

// HasTable reports whether the store has a table (or view) of that name in its main schema: an
// old store opened read-only may lack the newer ones.
func (s *Store) HasTable(ctx context.Context, name string) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM duckdb_tables() WHERE table_name = $1 AND schema_name = 'main')
		+ (SELECT count(*) FROM duckdb_views() WHERE view_name = $1 AND schema_name = 'main')`, name).Scan(&n)
	return n > 0, err
}
