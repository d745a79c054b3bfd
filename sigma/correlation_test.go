package sigma

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"trawl/internal/testutil"
)

// correlationFiles reads every rule file of testdata/correlation.
func correlationFiles(t *testing.T) []File {
	t.Helper()
	names, err := filepath.Glob(filepath.Join("testdata", "correlation", "*.yml"))
	if err != nil || len(names) == 0 {
		t.Fatalf("no correlation test files: %v", err)
	}
	sort.Strings(names)
	var out []File
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, File{Name: filepath.ToSlash(n), Src: b})
	}
	return out
}

// TestCorrelationGolden converts the correlation examples (the specification's own, with rules
// written for the ids and names they use, and hand-made ones) together, as trawl sigma check
// does with several files, and records every document's outcome and compiled rule.
func TestCorrelationGolden(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	for _, r := range ConvertAll(correlationFiles(t), Options{}) {
		fmt.Fprintf(&b, "=== %s: %s: %s", r.File, r.Name, r.Outcome)
		if len(r.Reasons) > 0 {
			fmt.Fprintf(&b, ": %s", strings.Join(r.Reasons, "; "))
		}
		if len(r.OnlyIn) > 0 {
			fmt.Fprintf(&b, " (runs only in %s)", strings.Join(r.OnlyIn, ", "))
		}
		b.WriteString("\n")
		if r.Outcome != Unsupported && r.Checked == nil {
			t.Errorf("%s: %s without a checked rule", r.Name, r.Outcome)
		}
		// The detection rules are shown by the detection tests; here the correlations.
		if strings.Contains(r.Text, "# correlation: ") {
			b.WriteString(r.Text)
		}
	}
	testutil.Golden(t, "testdata/correlation.golden", []byte(b.String()))
}
