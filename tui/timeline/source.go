package timeline

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"trawl/dsl"
	"trawl/engine"
	"trawl/event"
	"trawl/render"
)

// Scope is which events a timeline shows: those about an entity, the rows of a hunting-language
// query that returns events, or the evidence of one alert.
type Scope struct {
	Kind    event.Entity // with Value: events about one entity
	Value   string
	Query   string // a filter query (each row an event)
	AlertID int64
	Start   time.Time // where the first page begins (zero: the first event)
}

// String names the scope for a title: user=alice, alert 12, or the query.
func (s Scope) String() string {
	switch {
	case s.Kind != event.EntityNone:
		return s.Kind.String() + "=" + s.Value
	case s.AlertID != 0:
		return "alert " + strconv.FormatInt(s.AlertID, 10)
	case s.Query != "":
		return s.Query
	}
	return "all events"
}

// Cursor is a place in time order: events are ordered by time, then id.
type Cursor struct {
	Time time.Time
	ID   int64
}

// PageRequest asks for up to Limit events after From (Forward; at or after when Inclusive) or
// before it (Backward), in time order either way.
type PageRequest struct {
	Scope     Scope
	From      Cursor
	Backward  bool
	Inclusive bool
	Limit     int
}

// Field is one non-empty column of an event; Entity says what it can be pivoted to.
type Field struct {
	Name   string
	Value  string
	Entity event.Entity
}

// Event is one event of a timeline, with its columns as text (log text, unsanitized).
type Event struct {
	ID       int64
	Time     time.Time
	Fields   []Field
	Evidence bool // evidence of some alert
	// Complete says Fields holds every non-empty column (from Detail), not only the row's.
	Complete bool
}

// Get is the value of a column, "" when empty.
func (e Event) Get(name string) string {
	for _, f := range e.Fields {
		if f.Name == name {
			return f.Value
		}
	}
	return ""
}

// Page is a run of events in time order; AtStart and AtEnd say nothing comes before or after.
type Page struct {
	Events         []Event
	AtStart, AtEnd bool
}

// Bucket is the count of events (and of alert evidence among them) in [Start, Start+width).
type Bucket struct {
	Start    time.Time
	Count    int64
	Evidence int64
}

// Source is what a timeline needs of the store: pages of events in time order, and counts per
// time bucket for the activity strip.
type Source interface {
	// Events reads a page with the columns a timeline row shows (Event.Complete false).
	Events(ctx context.Context, req PageRequest) (Page, error)
	// Detail reads every column of one event (Complete true), for the fields panel.
	Detail(ctx context.Context, id int64) (Event, error)
	Histogram(ctx context.Context, scope Scope, width time.Duration, from, to time.Time) ([]Bucket, error)
}

// StoreSource reads timelines from an engine store.
type StoreSource struct {
	Store     *engine.Store
	Catalogue dsl.Catalogue // what Query scopes compile against; nil means the events table
}

// NewStoreSource is a timeline Source over st.
func NewStoreSource(st *engine.Store) *StoreSource {
	return &StoreSource{Store: st, Catalogue: dsl.WithTables(dsl.EventCatalogue(), dsl.StoreTables(), nil)}
}

// detailColumns are the event columns a timeline reads: all of the event model's but the
// parsed fields object (raw stays: the original record).
var detailColumns = func() []string {
	var cols []string
	for _, c := range event.Columns {
		if c.Name != "fields" && c.Name != "time" {
			cols = append(cols, c.Name)
		}
	}
	return cols
}()

// listColumns are what a page reads for its rows: long text columns (raw, command lines,
// URLs) cost a decompression of their whole segment per row group touched, so the selected
// event's other columns come from Detail.
var listColumns = []string{"source_type", "category", "event_code", "action", "outcome", "host", "user", "target_user",
	"src_ip", "dst_ip", "dst_port", "process_name", "message"}

// rowColumns are the columns a page's rows read from events: id, time and listColumns.
var rowColumns = "id, time, " + quoted(listColumns)

var entityOf = func() map[string]event.Entity {
	m := map[string]event.Entity{}
	for _, c := range event.Columns {
		m[c.Name] = c.Entity
	}
	return m
}()

// scopeSQL is the condition selecting a scope's events, with its arguments; placeholders are
// $n numbered from 1.
func (s *StoreSource) scopeSQL(sc Scope) (string, []any, error) {
	switch {
	case sc.Kind != event.EntityNone:
		cond, args, err := engine.EntityCondition(sc.Kind, sc.Value)
		if err != nil {
			return "", nil, err
		}
		return numberPlaceholders(cond, 1), args, nil
	case sc.AlertID != 0:
		return "id IN (SELECT unnest(evidence) FROM alerts WHERE id = $1)", []any{sc.AlertID}, nil
	case sc.Query != "":
		c, err := dsl.Build(sc.Query, s.Catalogue)
		if err != nil {
			return "", nil, err
		}
		if !c.EventRows || !slices.ContainsFunc(c.Columns, func(col dsl.Column) bool { return col.Name == "id" }) {
			return "", nil, fmt.Errorf("a timeline needs a query whose rows are events (a filter keeping id)")
		}
		return "id IN (SELECT id FROM (" + strings.TrimRight(strings.TrimSpace(c.SQL), ";") + ") AS q)", c.Args, nil
	}
	return "TRUE", nil, nil
}

// scopeRows is the scope's events that also meet extra (a condition whose placeholders follow
// the scope's), as the text after FROM, with the scope's arguments. An entity found in either of
// two columns (a user acting or targeted, an address as source or destination) is read as the
// union of two one-column scans, the second leaving out the rows of the first: DuckDB pushes a
// one-column filter into the scan and reads the other columns only where it matched, whereas an
// OR over two columns makes it read every column it needs of every row.
func (s *StoreSource) scopeRows(sc Scope, extra func(first int) string) (string, []any, error) {
	var a, b, v string
	switch sc.Kind {
	case event.EntityUser:
		v, a, b = event.UserKey(sc.Value), "user_key = $1", "target_user_key = $1 AND (user_key IS NULL OR user_key <> $1)"
	case event.EntityIP:
		if v = event.NormalizeIP(sc.Value); v == "" {
			break // scopeSQL says why
		}
		a, b = "src_ip = $1", "dst_ip = $1 AND (src_ip IS NULL OR src_ip <> $1)"
	}
	if a != "" {
		x := extra(2)
		return "(SELECT * FROM events WHERE " + a + " AND " + x + " UNION ALL SELECT * FROM events WHERE " + b + " AND " + x + ") AS events", []any{v}, nil
	}
	cond, args, err := s.scopeSQL(sc)
	if err != nil {
		return "", nil, err
	}
	return "events WHERE " + cond + " AND " + extra(len(args)+1), args, nil
}

// numberPlaceholders turns each ? of cond into $n, n counting from first. (EntityCondition's
// conditions hold no ? inside quotes.)
func numberPlaceholders(cond string, first int) string {
	var b strings.Builder
	for _, r := range cond {
		if r == '?' {
			b.WriteString("$" + strconv.Itoa(first))
			first++
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Events implements Source with keyset paging on (time, id): DuckDB reads one page.
func (s *StoreSource) Events(ctx context.Context, req PageRequest) (Page, error) {
	p, _, err := s.EventsWithin(ctx, req, time.Time{})
	return p, err
}

// EventsWithin is Events with the read bounded at bound (zero: unbounded): time < bound going
// forward, time > bound going backward, so that DuckDB's zone maps on time skip the row groups
// beyond it. full says more than a page lay within the bound: the page is then the one Events
// returns. A bounded read that is not full returns no page (the caller tries a wider bound).
func (s *StoreSource) EventsWithin(ctx context.Context, req PageRequest, bound time.Time) (p Page, full bool, err error) {
	limit := max(req.Limit, 1)
	bounded := !bound.IsZero()
	var order string
	rows, args, err := s.scopeRows(req.Scope, func(n int) string {
		t, id := "$"+strconv.Itoa(n), "$"+strconv.Itoa(n+1)
		within := ""
		switch {
		case bounded && req.Backward:
			within = " AND time > $" + strconv.Itoa(n+2)
		case bounded:
			within = " AND time < $" + strconv.Itoa(n+2)
		}
		switch {
		case req.Backward:
			order = "time DESC, id DESC"
			return "time IS NOT NULL AND time <= " + t + " AND (time < " + t + " OR id < " + id + ")" + within
		case req.Inclusive:
			order = "time, id"
			return "time IS NOT NULL AND time >= " + t + " AND (time > " + t + " OR id >= " + id + ")" + within
		}
		order = "time, id"
		return "time IS NOT NULL AND time >= " + t + " AND (time > " + t + " OR id > " + id + ")" + within
	})
	if err != nil {
		return Page{}, false, err
	}
	args = append(args, req.From.Time.UTC(), req.From.ID)
	if bounded {
		args = append(args, bound)
	}
	// Two steps, as engine's entity timeline does: the page's ids by a narrow top-N over (time,
	// id), then the wide columns of those rows only (rowsOfIDs). One wide top-N would read every
	// column of every match.
	q := fmt.Sprintf(`SELECT id FROM %s ORDER BY %s LIMIT %d`, rows, order, limit+1)
	var ids []int64
	err = s.Store.QueryFunc(ctx, q, args, func(_ []string, row []any) error {
		ids = append(ids, row[0].(int64))
		return nil
	})
	if err != nil {
		return Page{}, false, fmt.Errorf("reading the timeline: %w", err)
	}
	more := len(ids) > limit
	if bounded && !more {
		return Page{}, false, nil
	}
	if more {
		ids = ids[:limit]
	}
	if len(ids) > 0 {
		q, args := rowsOfIDs(ids)
		err = s.Store.QueryFunc(ctx, q, args, func(_ []string, row []any) error {
			p.Events = append(p.Events, eventOf(row, listColumns))
			return nil
		})
		if err != nil {
			return Page{}, false, fmt.Errorf("reading the timeline: %w", err)
		}
	}
	if req.Backward {
		p.AtStart = !more
	} else {
		p.AtEnd = !more
	}
	return p, more, nil
}

// idGap is how far apart two event ids may be for their rows to be read in one id range.
const idGap = 8192

// rowsOfIDs is the query reading the rows of events by id (id, time, whether the event is
// alert evidence, and listColumns), in time order, with its args. The ids of a page are often
// far apart (an entity's events in several files, imported side by side), and one id range
// around them all would make DuckDB read the wide columns of every row group in between: the
// ids are read in ranges of near ones instead, one scan each, so that the id column's zone maps
// skip everything else. Whether a row is evidence is asked once, of the page's rows.
func rowsOfIDs(ids []int64) (string, []any) {
	sorted := slices.Sorted(slices.Values(ids))
	var parts []string
	var args []any
	for i := 0; i < len(sorted); {
		j := i + 1
		for j < len(sorted) && sorted[j]-sorted[j-1] <= idGap {
			j++
		}
		parts = append(parts, `SELECT `+rowColumns+`
			FROM events WHERE id BETWEEN ? AND ? AND id IN (`+strings.TrimSuffix(strings.Repeat("?, ", j-i), ", ")+`)`)
		args = append(args, sorted[i], sorted[j-1])
		for _, id := range sorted[i:j] {
			args = append(args, id)
		}
		i = j
	}
	return `SELECT id, time, id IN (SELECT unnest(evidence) FROM alerts) AS evidence, ` + quoted(listColumns) +
		` FROM (` + strings.Join(parts, " UNION ALL ") + `) AS page ORDER BY time, id`, args
}

// Histogram implements Source: counts per bucket of width in [from, to).
func (s *StoreSource) Histogram(ctx context.Context, scope Scope, width time.Duration, from, to time.Time) ([]Bucket, error) {
	rows, args, err := s.scopeRows(scope, func(n int) string {
		return fmt.Sprintf("time >= $%d AND time < $%d", n, n+1)
	})
	if err != nil {
		return nil, err
	}
	args = append(args, from.UTC(), to.UTC())
	// The bucket width is a whole number of seconds from the zoom table, never user text.
	q := fmt.Sprintf(`SELECT time_bucket(INTERVAL '%d seconds', time) AS b, count(*),
			count(*) FILTER (WHERE id IN (SELECT unnest(evidence) FROM alerts))
		FROM %s GROUP BY b ORDER BY b`, int64(width/time.Second), rows)
	var out []Bucket
	err = s.Store.QueryFunc(ctx, q, args, func(_ []string, row []any) error {
		out = append(out, Bucket{Start: row[0].(time.Time).UTC(), Count: row[1].(int64), Evidence: row[2].(int64)})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("counting the timeline: %w", err)
	}
	return out, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Detail implements Source: one event, every column.
func (s *StoreSource) Detail(ctx context.Context, id int64) (Event, error) {
	q := `SELECT id, time, id IN (SELECT unnest(evidence) FROM alerts) AS evidence, ` + quoted(detailColumns) +
		` FROM events WHERE id = $1`
	var e Event
	found := false
	err := s.Store.QueryFunc(ctx, q, []any{id}, func(_ []string, row []any) error {
		e, found = eventOf(row, detailColumns), true
		e.Complete = true
		return nil
	})
	if err != nil {
		return Event{}, fmt.Errorf("reading event %d: %w", id, err)
	}
	if !found {
		return Event{}, fmt.Errorf("event %d is not in the store", id)
	}
	return e, nil
}

// eventOf reads a row of id, time, evidence and cols.
func eventOf(row []any, cols []string) Event {
	e := Event{ID: row[0].(int64), Evidence: row[2] == true}
	if t, ok := row[1].(time.Time); ok {
		e.Time = t.UTC()
	}
	for i, c := range cols {
		if v := render.Text(row[3+i]); v != "" {
			e.Fields = append(e.Fields, Field{Name: c, Value: v, Entity: entityOf[c]})
		}
	}
	// Fields that open an entity first: they are what an analyst pivots on.
	slices.SortStableFunc(e.Fields, func(a, b Field) int {
		return boolInt(a.Entity == event.EntityNone) - boolInt(b.Entity == event.EntityNone)
	})
	return e
}

func quoted(cols []string) string {
	q := make([]string, len(cols))
	for i, c := range cols {
		q[i] = engine.QuoteIdent(c)
	}
	return strings.Join(q, ", ")
}
