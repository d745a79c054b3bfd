package rules

import (
	"sort"
	"strings"
	"testing"
)

// The pack's rules are parsed, checked and tested by the trawl package's TestBuiltinRules (which
// can reach the store); this checks only that the files are embedded.
func TestFiles(t *testing.T) {
	fs := Files()
	if len(fs) < 3 {
		t.Fatalf("%d rule files embedded, want at least 3", len(fs))
	}
	names := make([]string, len(fs))
	for i, f := range fs {
		names[i] = f.Name
		if !strings.HasSuffix(f.Name, ".hunt") || !strings.Contains(f.Text, "rule ") {
			t.Errorf("%s does not look like a rule file", f.Name)
		}
	}
	if !sort.StringsAreSorted(names) {
		t.Errorf("files not in name order: %v", names)
	}
}
