package hunt

import (
	"context"
	"encoding/json"
	"fmt"
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

// Run implements Source: the compiled query wrapped in LIMIT/OFFSET, so DuckDB returns one page
// (plus one row to tell whether more follow).
func (s *StoreSource) Run(ctx context.Context, src string, offset, limit int) (Page, error) {
	c, err := dsl.Build(src, s.Catalogue)
	if err != nil {
		return Page{}, err
	}
	limit = max(limit, 1)
	offset = max(offset, 0)
	q := fmt.Sprintf("SELECT * FROM (%s) AS hunt_page LIMIT %d OFFSET %d", strings.TrimRight(strings.TrimSpace(c.SQL), ";"), limit+1, offset)
	p := Page{Offset: offset}
	var keep []int
	err = s.Store.QueryFunc(ctx, q, c.Args, func(cols []string, row []any) error {
		if keep == nil {
			keep = []int{}
			for i, c := range cols {
				if c != dsl.EvidenceColumn {
					keep = append(keep, i)
					p.Columns = append(p.Columns, c)
				}
			}
		}
		if len(p.Rows) == limit {
			p.More = true
			return nil
		}
		r := make([]string, len(keep))
		for j, i := range keep {
			r[j] = cellText(row[i])
		}
		p.Rows = append(p.Rows, r)
		return nil
	})
	if err != nil {
		return Page{}, fmt.Errorf("running query: %w", err)
	}
	if p.Columns == nil {
		for _, col := range c.Columns {
			if col.Name != dsl.EvidenceColumn {
				p.Columns = append(p.Columns, col.Name)
			}
		}
	}
	return p, nil
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
