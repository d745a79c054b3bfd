package main

import (
	"strings"
	"testing"
)

// TestBenchSigma runs trawl bench sigma on a small generated store with the correlation test
// rules: every rule on its own and the filter rules in shared scans, with and without path
// tables, must raise the same alerts.
func TestBenchSigma(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and imports events")
	}
	dir := t.TempDir()
	out, errs, code := trawl(t, "bench", "sigma", "--events", "3000", "--dir", dir, "--rules", "sigma/testdata/correlation", "--shared", "--before", "--slowest", "3", "-f", "csv")
	if code != 0 {
		t.Fatalf("%d %s %s", code, out, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 1+3+3 || !strings.HasPrefix(lines[1], "each rule on its own,") ||
		!strings.HasPrefix(lines[2], `"shared scans, JSON read per test",`) || !strings.HasPrefix(lines[3], `"shared scans, path tables",`) ||
		!strings.Contains(lines[2], "every rule raised the same alerts as on its own") ||
		!strings.Contains(lines[3], "every rule raised the same alerts as on its own") || !strings.HasPrefix(lines[4], "slow: ") {
		t.Errorf("bench sigma:\n%s\n%s", out, errs)
	}
	// --no-solo without --shared times nothing: no slow rows (it used to index the missing times).
	out, errs, code = trawl(t, "bench", "sigma", "--events", "3000", "--dir", dir, "--rules", "sigma/testdata/correlation", "--no-solo", "-f", "csv")
	if code != 0 || strings.TrimSpace(out) != "run,rules,events,ms,ms_per_million_events,cpu_ms,peak_rss_mb,alerts,note" {
		t.Errorf("bench sigma --no-solo: exit %d\n%s\n%s", code, out, errs)
	}
}

// TestColumnsRead checks which conditions a distinct table can serve.
func TestColumnsRead(t *testing.T) {
	for _, tc := range []struct {
		cond string
		ok   bool
		read string
	}{
		{`(("action" = $1) AND ends_with("trawl_lower_1", lower($2)) AND ("command_line" ILIKE $3 ESCAPE '\'))`, true, "action command_line"},
		{`contains(lower("raw"), lower($1))`, false, ""},
		{`(json_extract_string("fields", $1) = $2)`, false, ""},
		{`("no_such_column" = $1)`, false, ""},
	} {
		read := map[string]bool{}
		ok := columnsRead(tc.cond, read)
		if ok != tc.ok || tc.ok && strings.Join(sortedKeys(read), " ") != tc.read {
			t.Errorf("%s: %v %v", tc.cond, ok, sortedKeys(read))
		}
	}
}
