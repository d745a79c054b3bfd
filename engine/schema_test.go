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
}
