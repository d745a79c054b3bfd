package engine

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"trawl/event"
)

// TestSchemaDocumented keeps docs/schema.md honest: every column of the events table, files
// and rejects is documented, and the events table has every catalogue column.
func TestSchemaDocumented(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "docs", "schema.md"))
	if err != nil {
		t.Fatal(err)
	}
	st, err := Open(context.Background(), ":memory:", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cols, err := st.Columns(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, c := range cols {
		have[c] = true
		if !strings.Contains(string(doc), "| `"+c+"` |") {
			t.Errorf("events column %s is not documented in docs/schema.md", c)
		}
	}
	for _, c := range event.Columns {
		if !have[c.Name] {
			t.Errorf("catalogue column %s is missing from the events table", c.Name)
		}
	}
	// files and rejects are described in prose: each column must appear in backticks in its
	// own section.
	for _, table := range []string{"files", "rejects"} {
		_, section, ok := strings.Cut(string(doc), "## `"+table+"`")
		if !ok {
			t.Errorf("docs/schema.md has no section for %s", table)
			continue
		}
		section, _, _ = strings.Cut(section, "\n## ")
		tab, err := st.Query(context.Background(), `SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position`, table)
		if err != nil {
			t.Fatal(err)
		}
		if len(tab.Rows) == 0 {
			t.Errorf("no columns found for %s", table)
		}
		for _, r := range tab.Rows {
			c := r[0].(string)
			if !strings.Contains(section, "`"+c+"`") {
				t.Errorf("%s column %s is not documented in its section of docs/schema.md", table, c)
			}
		}
	}
}
