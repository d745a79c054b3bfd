package sigma

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"trawl/internal/testutil"
)

// TestCorpusOutcomes converts every SigmaHQ rule of the samples (rules and
// rules-emerging-threats) and records each outcome in a golden file, so a change in what
// compiles shows in review. At least 98% must compile fully.
func TestCorpusOutcomes(t *testing.T) {
	root := testutil.Sample(t, "sigma")
	var lines []string
	var n [3]int
	for _, dir := range []string{"rules", "rules-emerging-threats"} {
		base := filepath.Join(root, dir)
		if _, err := os.Stat(base); err != nil {
			continue
		}
		err := filepath.WalkDir(base, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".yml") {
				return err
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, path)
			rel = filepath.ToSlash(rel)
			res := ConvertFile(rel, b, Options{})
			n[res.Outcome]++
			line := rel + ": " + res.Outcome.String()
			if len(res.Reasons) > 0 {
				line += ": " + strings.Join(res.Reasons, "; ")
			}
			lines = append(lines, line)
			if res.Outcome != Unsupported && res.Checked == nil {
				t.Errorf("%s: %s without a checked rule", rel, res.Outcome)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	total := n[0] + n[1] + n[2]
	if total == 0 {
		t.Skip("no Sigma rules in the samples")
	}
	pct := 100 * float64(n[Compiled]) / float64(total)
	summary := fmt.Sprintf("%d rules: %d compiled (%.1f%%), %d partial, %d unsupported", total, n[Compiled], pct, n[Partial], n[Unsupported])
	t.Log(summary)
	testutil.Golden(t, "testdata/outcomes.golden", []byte(summary+"\n"+strings.Join(lines, "\n")+"\n"))
	if pct < 98 {
		t.Errorf("only %.1f%% of the rules compile fully, want at least 98%%", pct)
	}
}
