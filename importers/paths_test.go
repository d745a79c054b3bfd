package importers

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestExpandPaths: folders are walked without hidden entries, documentation, the generator's
// ground truth and context tables (trawl-context-*), a file named on its own is taken,
// patterns are globbed, duplicates are dropped, a name holding [ that exists is taken as it
// is, and a pattern matching nothing is an error.
func TestExpandPaths(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"a.log", "sub/b.json", "sub/.hidden.log", ".git/x", "README.md", "sub/LICENSE", "notes.md", "scenarios.json", "sub/c.evtx", "lit/x[1].log", "lit/x1.log",
		"trawl-context-assets.csv", "sub/trawl-context-identities.csv", "context-assets.csv"} {
		p := filepath.Join(dir, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{".", "README.md", "sub/*.json", "a.log"}, "a.log context-assets.csv lit/x1.log lit/x[1].log sub/b.json sub/c.evtx README.md"},
		// named on their own (or by a pattern), context tables are taken
		{[]string{"trawl-context-*.csv"}, "trawl-context-assets.csv"},
		{[]string{"lit/x[1].log"}, "lit/x[1].log"},
		{[]string{"lit/x[12].log"}, "lit/x1.log"},
	} {
		args := make([]string, len(tc.args))
		for i, a := range tc.args {
			args[i] = filepath.Join(dir, a)
		}
		got, err := ExpandPaths(args)
		if err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		var rel []string
		for _, p := range got {
			r, _ := filepath.Rel(dir, p)
			rel = append(rel, r)
		}
		if strings.Join(rel, " ") != tc.want {
			t.Errorf("ExpandPaths(%v) = %v, want %s", tc.args, rel, tc.want)
		}
	}
	if _, err := ExpandPaths([]string{filepath.Join(dir, "*.nothing")}); err == nil || !strings.Contains(err.Error(), "no file matches") {
		t.Errorf("a pattern matching nothing: %v", err)
	}
}
