package tui

import (
	"context"
	"errors"
	"time"

	"trawl/cases"
)

// Store is what the workbench reads and writes. EngineStore implements it over *engine.Store;
// tests may fake it. Every method is called from a job (a tea.Cmd), never from Update, and
// every list is paged: the workbench never holds a whole table.
type Store interface {
	// Queue is one page of the triage queue.
	Queue(ctx context.Context, q QueueQuery) (QueuePage, error)
	// Alert is one alert in full.
	Alert(ctx context.Context, id int64) (AlertDetail, error)
	// Incident is one incident with its alerts (ErrNotScored-like errors when the store has
	// not scored its alerts).
	Incident(ctx context.Context, id int64) (IncidentDetail, error)
	// Evidence is one page of an alert's evidence events, in the alert's order.
	Evidence(ctx context.Context, alert int64, offset, limit int) (Rows, error)
	// Record is one event's original text and parsed fields.
	Record(ctx context.Context, event int64) (Record, error)
	// Overview is event volume per source over time in buckets, alert counts by tactic and
	// the top entities.
	Overview(ctx context.Context, buckets, top int) (Overview, error)
	// KPIs are the SOC measures over every case file (cases.ComputeKPIs, as `trawl kpi`).
	KPIs(ctx context.Context) (cases.KPIs, error)
}

// Triager is the part of a Store that records triage (EngineStore has it; a store without it
// cannot acknowledge or assign).
type Triager interface {
	// SetTriage sets the status of alerts and of incidents' alerts; assign also sets the
	// assignee to the analyst. It returns the number of alerts changed.
	SetTriage(ctx context.Context, t TriageRequest) (int, error)
	// Analyst is who the changes are made by (and assigned to by "assign to me").
	Analyst() string
}

// TriageRequest is a triage change from the queue.
type TriageRequest struct {
	Alerts, Incidents []int64
	Status            string
	Assign            bool   // assign: to Assignee, or to the analyst when it is empty
	Assignee          string // with Assign
}

// ErrReadOnly is the answer to a change asked of a workbench opened read-only.
var ErrReadOnly = errors.New("opened read-only: run trawl tui --write")

// QueueSort orders the queue.
type QueueSort int

const (
	SortPriority QueueSort = iota // most severe (or highest score) first, then newest
	SortNewest                    // newest first
	SortOldest                    // oldest first
	SortRule                      // by rule name, then newest
)

var sortNames = [...]string{"priority", "newest", "oldest", "rule"}

func (s QueueSort) String() string {
	if int(s) < len(sortNames) && s >= 0 {
		return sortNames[s]
	}
	return "priority"
}

// Next is the sort after s, wrapping around.
func (s QueueSort) Next() QueueSort { return (s + 1) % QueueSort(len(sortNames)) }

// QueueQuery selects one page of the queue.
type QueueQuery struct {
	// Filter is a list of terms separated by spaces that must all match (case-insensitive):
	// a term matches if it occurs in an item's rule, title, severity, techniques or entities,
	// or if its letters occur in order in the rule name (fuzzy: "sshbf" finds ssh_bruteforce).
	Filter string
	Sort   QueueSort
	Offset int
	Limit  int
}

// QueueItem is one row of the queue: an alert (or, once the store has them, an incident).
type QueueItem struct {
	Kind       string // "alert" or "incident"
	ID         int64
	Rule       string
	Title      string
	Severity   string
	Confidence float64
	// Score and Priority are the risk score (0-100) and P1..P4 (1..4) when the store scores
	// alerts; 0 if not. Action is the triage policy's verdict on an alert (queue, escalate).
	Score    float64
	Priority int
	Action   string
	// Alerts is an incident's number of alerts.
	Alerts   int
	Attack   []string
	First    *time.Time
	Last     *time.Time
	Entities map[string][]string
	Evidence int // number of evidence events
	// Status is the triage status (engine.TriageNew, ...; "mixed" for an incident whose alerts
	// differ) and Assignee who it is assigned to, from the store.
	Status   string
	Assignee string
}

// QueuePage is a page of the queue and the number of items matching the filter in all.
type QueuePage struct {
	Items  []QueueItem
	Offset int
	Total  int
}

// AlertDetail is one alert in full.
type AlertDetail struct {
	QueueItem
	Run       int64
	Sources   []string
	CreatedAt time.Time
	// Factors explain the risk score when the store has one.
	Factors []Factor
}

// IncidentDetail is one incident: what the scoring grouped, why it ranks where it does, and
// its alerts.
type IncidentDetail struct {
	QueueItem
	Rank      int
	Tactics   []string
	Narrative string
	Factors   []Factor
	AlertList []QueueItem
}

// Factor is one part of a risk score.
type Factor struct {
	Name   string
	Points int
	Reason string
}

// Rows is a page of a table; Total counts every row, not only this page's.
type Rows struct {
	Cols   []string
	Rows   [][]any
	Offset int
	Total  int
}

// Record is one stored event's original form.
type Record struct {
	ID     int64
	File   string
	Line   int64
	Raw    string
	Fields string // JSON object of every parsed source field
}

// Overview is the store at a glance.
type Overview struct {
	Events   int64
	From, To time.Time
	Bucket   time.Duration
	Sources  []SourceVolume
	Tactics  []TacticCount
	Entities []EntityCount
	Alerts   int64
	// Scored says Entities are ranked by risk (the store's alerts are scored).
	Scored bool
}

// SourceVolume is one source's event counts per time bucket.
type SourceVolume struct {
	Source string
	Counts []int64
	Total  int64
}

// TacticCount is the number of alerts with a technique of one ATT&CK tactic.
type TacticCount struct {
	Tactic string
	Order  int // kill-chain position, for sorting
	Alerts int64
}

// EntityCount is an entity, the number of alerts naming it and, once the store is scored,
// its risk (then the list is ordered by risk).
type EntityCount struct {
	Kind, Value string
	Alerts      int64
	Risk        float64
}
