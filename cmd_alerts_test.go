package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"trawl/engine"
)

// TestAlertsTriageColumns: `trawl alerts` shows the triage status the workbench stored (status
// and assignee, after the existing columns), new when nobody touched the alert.
func TestAlertsTriageColumns(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "t.duckdb")
	log := writeFile(t, filepath.Join(dir, "a.log"), "kv-test: time=2024-01-02T03:04:05Z user=alice src_ip=10.0.0.1 outcome=failure host=ws1\n"+
		"kv-test: time=2024-01-02T03:05:00Z user=bob src_ip=10.0.0.1 outcome=failure host=ws1\n"+
		"kv-test: time=2024-01-02T09:00:00Z user=carol src_ip=10.0.0.9 outcome=failure host=ws2\n")
	rules := writeFile(t, filepath.Join(dir, "kv.hunt"), kvRules)
	for _, args := range [][]string{{"--db", db, "import", log}, {"--db", db, "hunt", "--rules", rules}} {
		mustTrawl(t, args...)
	}
	st, err := engine.Open(context.Background(), db, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	bob := "bob"
	if _, err := st.SetTriage(context.Background(), engine.TriageChange{Alerts: []int64{1}, Status: engine.TriageAssigned, Assignee: &bob, By: "alice"}); err != nil {
		t.Fatal(err)
	}
	st.Close()

	out, errs, code := trawl(t, "--db", db, "alerts", "-f", "json")
	if code != 0 {
		t.Fatalf("alerts: %d %s", code, errs)
	}
	rows := jsonLines(t, out)
	if len(rows) < 2 {
		t.Fatalf("%d alerts", len(rows))
	}
	for _, a := range rows {
		want := map[string]any{"status": "new", "assignee": ""}
		if a["id"] == 1.0 {
			want = map[string]any{"status": "assigned", "assignee": "bob"}
		}
		for k, v := range want {
			if a[k] != v {
				t.Errorf("alert %v: %s = %v, want %v", a["id"], k, a[k], v)
			}
		}
		if _, ok := a["rule"]; !ok {
			t.Errorf("alert %v lost its rule field: %v", a["id"], a)
		}
	}
	out, _, _ = trawl(t, "--db", db, "alerts", "-f", "csv")
	lines := strings.Split(out, "\n")
	if !strings.HasSuffix(lines[0], ",score,action,status,assignee") || !strings.HasSuffix(lines[1], ",assigned,bob") {
		t.Errorf("alerts csv:\n%s", out)
	}
}
