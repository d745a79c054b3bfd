package engine

// Test-only helpers: engine never imports dsl (it runs SQL strings; main compiles), but its tests
// run the language's golden cases and benchmarks on real DuckDB through these.

import (
	"context"

	"trawl/dsl"
)

// Catalogue is what the hunting language may read: the events table's columns and types.
func (s *Store) Catalogue() dsl.Catalogue { return dsl.EventCatalogue() }

// CompileQuery parses, checks and compiles a hunting-language query into SQL and bound
// arguments without running it. Errors are dsl.Errors; show them with dsl.FormatError.
func (s *Store) CompileQuery(src string) (*dsl.Compiled, error) {
	return dsl.Build(src, s.Catalogue())
}

// QueryDSL compiles and runs a hunting-language query, collecting every row in memory: end the
// query with head N when the result may be large.
func (s *Store) QueryDSL(ctx context.Context, src string) (*Table, *dsl.Compiled, error) {
	c, err := s.CompileQuery(src)
	if err != nil {
		return nil, nil, err
	}
	t, err := s.Query(ctx, c.SQL, c.Args...)
	if err != nil {
		return nil, c, err
	}
	if t.Columns == nil {
		t.Columns = make([]string, len(c.Columns))
		for i, col := range c.Columns {
			t.Columns[i] = col.Name
		}
	}
	return t, c, nil
}
