package engine

import (
	"os"
	"path/filepath"
	"testing"

	"trawl/dsl"
)

// TestEvidenceGolden runs the evidence SQL of every dsl golden case on the hand-built events: it
// must return one list per result row, each naming events that exist, and exactly one event per
// row when rows are events. (A global stats over no rows has none: RunRule writes no alert.)
func TestEvidenceGolden(t *testing.T) {
	s := huntStore(t)
	root := filepath.Join("..", "dsl", "testdata", "golden")
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[int64]bool{}
	if err := s.QueryFunc(t.Context(), `SELECT id FROM events`, nil, func(_ []string, row []any) error {
		ids[row[0].(int64)] = true
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		t.Run(e.Name(), func(t *testing.T) {
			src, err := os.ReadFile(filepath.Join(root, e.Name(), "input.hunt"))
			if err != nil {
				t.Fatal(err)
			}
			c, err := s.CompileQuery(string(src))
			if err != nil {
				t.Fatalf("%s", dsl.FormatError(string(src), err))
			}
			if c.EvidenceSQL == "" {
				t.Fatal("no evidence SQL")
			}
			rows, err := s.Query(t.Context(), c.SQL, c.Args...)
			if err != nil {
				t.Fatal(err)
			}
			ev, err := s.Query(t.Context(), c.EvidenceSQL, c.Args...)
			if err != nil {
				t.Fatalf("evidence SQL: %v\n%s", err, c.EvidenceSQL)
			}
			if len(ev.Rows) != len(rows.Rows) {
				t.Fatalf("%d evidence rows for %d result rows", len(ev.Rows), len(rows.Rows))
			}
			for i, r := range ev.Rows {
				if r[0] == nil && !c.EventRows && len(ev.Rows) == 1 {
					continue // a global stats over no rows: no evidence, and RunRule writes no alert
				}
				list, ok := r[0].([]any)
				if !ok || len(list) == 0 {
					t.Errorf("row %d: evidence %v", i, r[0])
					continue
				}
				if c.EventRows && len(list) != 1 {
					t.Errorf("row %d is an event but has evidence %v", i, list)
				}
				for _, id := range list {
					if n, ok := id.(int64); !ok || !ids[n] {
						t.Errorf("row %d: evidence id %v is not an event", i, id)
					}
				}
			}
		})
	}
}
