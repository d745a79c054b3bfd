package hunt

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"trawl/dsl"
	"trawl/engine"
	"trawl/render"
)

// Source is what the hunt console needs of the store: checking a query as it is typed, and
// one page of a query's results at a time (never the whole result in memory).
type Source interface {
	// Check parses and checks src. Its error is dsl.Errors (each with a span) for a query
	// that does not parse or check.
	Check(src string) error
	// Run runs src and returns up to limit rows starting at row offset.
	Run(ctx context.Context, src string, offset, limit int) (Page, error)
}

// Page is one page of results: the rows [Offset, Offset+len(Rows)) as text, and whether more
// rows follow.
type Page struct {
	Columns []string
	Rows    [][]string
	Offset  int
	More    bool
	// Hidden are result columns left out of the table (raw, fields).
	Hidden []string
}

// StoreSource runs hunts on an engine store.
type StoreSource struct {
	Store     *engine.Store
	Catalogue dsl.Catalogue
}

// NewStoreSource is the hunt console's Source over st. cat is what queries check against;
// nil means the events table and the store's context tables (no lookup files).
func NewStoreSource(st *engine.Store, cat dsl.Catalogue) *StoreSource {
	if cat == nil {
		cat = dsl.WithTables(dsl.EventCatalogue(), dsl.StoreTables(), nil)
	}
	return &StoreSource{Store: st, Catalogue: cat}
}

// Check implements Source.
func (s *StoreSource) Check(src string) error {
	_, err := dsl.Build(src, s.Catalogue)
	return err
}

// Run implements Source. Only one page is read: the compiled query wrapped in LIMIT/OFFSET
// (one row more, to tell whether more follow). When its rows are events (a filter query keeping
// id), the page's ids are found first by a narrow query, which DuckDB answers without reading
// the wide columns of every match, and then only those rows are read. The raw record and the
// parsed fields object are left out of the table (Page.Hidden): they are the widest columns by
// far and never fit a table cell.
func (s *StoreSource) Run(ctx context.Context, src string, offset, limit int) (Page, error) {
	c, err := dsl.Build(src, s.Catalogue)
	if err != nil {
		return Page{}, err
	}
	limit = max(limit, 1)
	offset = max(offset, 0)
	sqlText := strings.TrimRight(strings.TrimSpace(c.SQL), ";")
	p := Page{Offset: offset}
	var hide []string
	hasID := false
	for _, col := range c.Columns {
		switch col.Name {
		case "raw", "fields":
			// Only from whole event rows: a query that picked a few columns with fields
			// shows what it picked.
			if len(c.Columns) > wholeRow {
				hide = append(hide, engine.QuoteIdent(col.Name))
				p.Hidden = append(p.Hidden, col.Name)
			}
		case "id":
			hasID = true
		}
	}
	sel := "*"
	if len(hide) > 0 {
		sel = "* EXCLUDE (" + strings.Join(hide, ", ") + ")"
	}
	q := fmt.Sprintf("SELECT %s FROM (%s) AS hunt_page LIMIT %d OFFSET %d", sel, sqlText, limit+1, offset)
	args := c.Args
	var order map[int64]int
	if c.EventRows && hasID {
		ids, err := s.pageIDs(ctx, sqlText, c.Args, offset, limit+1)
		if err != nil {
			return Page{}, err
		}
		if len(ids) == 0 {
			return s.emptyPage(p, c), nil
		}
		p.More = len(ids) > limit
		if p.More {
			ids = ids[:limit]
		}
		order = map[int64]int{}
		lo, hi := ids[0], ids[0]
		marks := make([]string, len(ids))
		args = append([]any{}, c.Args...)
		for i, id := range ids {
			order[id] = i
			lo, hi = min(lo, id), max(hi, id)
			marks[i] = "$" + strconv.Itoa(len(c.Args)+3+i)
		}
		args = append(args, lo, hi)
		for _, id := range ids {
			args = append(args, id)
		}
		q = fmt.Sprintf("SELECT %s FROM (%s) AS hunt_page WHERE id BETWEEN $%d AND $%d AND id IN (%s)",
			sel, sqlText, len(c.Args)+1, len(c.Args)+2, strings.Join(marks, ", "))
	}
	var keep []int
	idCol := -1
	type keyed struct {
		pos int
		row []string
	}
	var rows []keyed
	err = s.Store.QueryFunc(ctx, q, args, func(cols []string, row []any) error {
		if keep == nil {
			keep = []int{}
			for i, c := range cols {
				if c == "id" {
					idCol = i
				}
				if c != dsl.EvidenceColumn {
					keep = append(keep, i)
					p.Columns = append(p.Columns, c)
				}
			}
		}
		if order == nil && len(rows) == limit {
			p.More = true
			return nil
		}
		r := make([]string, len(keep))
		for j, i := range keep {
			r[j] = cellText(row[i])
		}
		pos := len(rows)
		if order != nil && idCol >= 0 {
			if id, ok := row[idCol].(int64); ok {
				pos = order[id]
			}
		}
		rows = append(rows, keyed{pos, r})
		return nil
	})
	if err != nil {
		return Page{}, fmt.Errorf("running query: %w", err)
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].pos < rows[j].pos })
	for _, r := range rows {
		p.Rows = append(p.Rows, r.row)
	}
	if p.Columns == nil {
		return s.emptyPage(p, c), nil
	}
	return p, nil
}

// wholeRow is how many columns make a result "whole event rows" rather than chosen columns.
const wholeRow = 12

// pageIDs are the ids of rows [offset, offset+n) of an event query, read without its other
// columns.
func (s *StoreSource) pageIDs(ctx context.Context, sqlText string, args []any, offset, n int) ([]int64, error) {
	var ids []int64
	q := fmt.Sprintf("SELECT id FROM (%s) AS hunt_ids LIMIT %d OFFSET %d", sqlText, n, offset)
	err := s.Store.QueryFunc(ctx, q, args, func(_ []string, row []any) error {
		if id, ok := row[0].(int64); ok {
			ids = append(ids, id)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("running query: %w", err)
	}
	return ids, nil
}

// emptyPage names the columns of a query that returned no rows.
func (s *StoreSource) emptyPage(p Page, c *dsl.Compiled) Page {
	p.Columns = nil
	for _, col := range c.Columns {
		if col.Name != dsl.EvidenceColumn && !slices.Contains(p.Hidden, col.Name) {
			p.Columns = append(p.Columns, col.Name)
		}
	}
	return p
}

// cellText is a result value as text; lists and objects (the fields column) as JSON.
func cellText(v any) string {
	switch v.(type) {
	case map[string]any, []any:
		if b, err := json.Marshal(v); err == nil {
			return string(b)
		}
	}
	return render.Text(v)
}
