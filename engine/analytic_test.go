package engine

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"trawl/dsl"
	"trawl/internal/testutil"
)

// analyticCatalogue mirrors the dsl tests' catalogue for testdata/analytic: the events table,
// the store's context tables, the tables of dsl/testdata/lookup/tables.json and lookup files
// read relative to the dsl directory.
func analyticCatalogue(t testing.TB) dsl.TableCatalogue {
	t.Helper()
	dir := filepath.Join("..", "dsl")
	b, err := os.ReadFile(filepath.Join(dir, "testdata", "lookup", "tables.json"))
	if err != nil {
		t.Fatal(err)
	}
	var extra []*dsl.Table
	if err := json.Unmarshal(b, &extra); err != nil {
		t.Fatal(err)
	}
	return dsl.WithTables(dsl.EventCatalogue(), append(dsl.StoreTables(), extra...), func(path string) (*dsl.Table, error) {
		f, err := os.Open(filepath.Join(dir, path))
		if err != nil {
			return nil, err
		}
		defer f.Close()
		return dsl.ReadTableCSV(path, f, "")
	})
}

// analyticStore opens a store holding csvPath's events and the watchlist table the lookup
// cases read.
func analyticStore(t *testing.T, csvPath string) *Store {
	t.Helper()
	s, err := Open(t.Context(), ":memory:", Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	path, err := filepath.Abs(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.ExecContext(t.Context(), `INSERT INTO events BY NAME SELECT * FROM read_csv($1, header = true, all_varchar = true)`, path); err != nil {
		t.Fatalf("loading %s: %v", path, err)
	}
	for _, q := range []string{
		`CREATE TABLE watchlist (ip VARCHAR, reason VARCHAR, added TIMESTAMP)`,
		`INSERT INTO watchlist VALUES ('8.8.8.8', 'resolver abuse', '2024-02-01'), ('8.8.8.8', 'again', '2024-02-02'), ('10.0.0.1', 'domain controller', '2024-01-15'), ('192.0.2.99', 'unused', NULL)`,
		`INSERT INTO intel (id, type, value, source, confidence, file, imported_at) VALUES (1, 'ipv4', '8.8.8.8', 'feed-a', 40, 'feed.csv', now())`,
	} {
		if _, err := s.db.ExecContext(t.Context(), q); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// TestAnalyticGolden runs the dsl analytic cases on DuckDB, each over its own events.csv when
// it has one (generated regular and irregular series), else the shared hand-built events, and
// compares the rows with output.csv.
func TestAnalyticGolden(t *testing.T) {
	cat := analyticCatalogue(t)
	root := filepath.Join("..", "dsl", "testdata", "analytic")
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		t.Run(e.Name(), func(t *testing.T) {
			dir := filepath.Join(root, e.Name())
			events := filepath.Join(dir, "events.csv")
			if _, err := os.Stat(events); err != nil {
				events = filepath.Join("..", "dsl", "testdata", "events.csv")
			}
			s := analyticStore(t, events)
			src, err := os.ReadFile(filepath.Join(dir, "input.hunt"))
			if err != nil {
				t.Fatal(err)
			}
			c, err := dsl.Build(string(src), cat)
			if err != nil {
				t.Fatalf("%s", dsl.FormatError(string(src), err))
			}
			tb, err := s.Query(t.Context(), c.SQL, c.Args...)
			if err != nil {
				t.Fatalf("%v\n%s", err, c.SQL)
			}
			if tb.Columns == nil {
				for _, col := range c.Columns {
					tb.Columns = append(tb.Columns, col.Name)
				}
			}
			testutil.Golden(t, filepath.Join(dir, "output.csv"), csvRows(t, tb))
		})
	}
}
