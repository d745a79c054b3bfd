package main

import (
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"trawl/internal/testutil"
)

func TestCLIEntityShow(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "t.duckdb")
	log := writeFile(t, filepath.Join(dir, "a.log"), "kv-test: time=2024-01-02T03:04:05Z user=alice src_ip=10.0.0.1 outcome=failure host=ws1\n"+
		"kv-test: time=2024-01-02T03:05:00Z user=bob src_ip=10.0.0.1 outcome=failure host=ws1\n"+
		"kv-test: time=2024-01-02T03:06:00Z user=CORP\\bob src_ip=10.0.0.1 outcome=success host=ws1\n"+
		"kv-test: time=2024-01-04T09:00:00Z user=robert.b@corp.example src_ip=10.0.0.9 outcome=failure host=ws2\n"+
		"kv-test: time=2024-01-04T09:30:00Z user=mallory src_ip=10.0.0.9 outcome=failure host=ws2\x1b[31m\n")
	ids := writeFile(t, filepath.Join(dir, "identities.csv"), "user,aliases,department,privileged\nbob,robert.b@corp.example,IT,Y\n")
	rules := writeFile(t, filepath.Join(dir, "kv.hunt"), kvRules)
	for _, args := range [][]string{{"import", log}, {"context", "import", ids}, {"hunt", "--rules", rules}} {
		mustTrawl(t, append([]string{"--db", db}, args...)...)
	}
	// bob's alias robert.b resolves to bob: four events, on two days.
	out, errs, code := trawl(t, "--db", db, "entity", "show", "user=ROBERT.B@corp.example")
	if code != 0 {
		t.Fatalf("entity show: %d %s%s", code, out, errs)
	}
	// The risk numbers belong to the scoring policy (docs/scoring.md), not to this command.
	riskLine := regexp.MustCompile(`(?m)^  risk:      [0-9.]+ from [0-9]+ alerts of [0-9]+ rules, peak at \S+$`)
	if !riskLine.MatchString(out) {
		t.Errorf("no risk line after hunt scored the alerts:\n%s", out)
	}
	out = riskLine.ReplaceAllString(out, "  risk:      RISK")
	testutil.Golden(t, filepath.Join("testdata", "entity_show.golden.txt"), []byte(out))

	out, errs, code = trawl(t, "--db", db, "entity", "show", "user=bob", "-f", "json", "--limit", "1")
	if code != 0 {
		t.Fatalf("entity show json: %d %s%s", code, out, errs)
	}
	var p map[string]any
	if err := json.Unmarshal([]byte(out), &p); err != nil || strings.Count(strings.TrimSpace(out), "\n") != 0 {
		t.Fatalf("not one JSON object: %v\n%s", err, out)
	}
	// Scripts and the TUI rely on these names (docs/entity.md).
	for _, k := range []string{"kind", "value", "key", "keys", "identity", "from", "to", "events", "first_seen", "last_seen", "sources",
		"activity", "sparkline", "context", "intel", "alerts", "alerts_total", "related", "timeline", "risk"} {
		if _, ok := p[k]; !ok {
			t.Errorf("profile lacks %q", k)
		}
	}
	if p["events"] != 3.0 || len(p["timeline"].([]any)) != 1 || p["identity"] != "bob" || p["alerts_total"] != 4.0 {
		t.Errorf("profile: events %v, timeline %v, identity %v, alerts %v", p["events"], p["timeline"], p["identity"], p["alerts_total"])
	}

	out, _, code = trawl(t, "--db", db, "entity", "show", "host=ws1", "-f", "csv", "--from", "2024-01-02T03:05:00Z", "--to", "2024-01-03")
	if code != 0 || !strings.HasPrefix(out, "id,time,source_type,") || strings.Count(out, "\n") != 3 {
		t.Errorf("entity show csv (the timeline):\n%s", out)
	}

	// A hostile host name comes out as visible escapes, never as a terminal sequence.
	out, _, code = trawl(t, "--db", db, "entity", "show", "host=ws2\x1b[31m")
	if code != 0 || strings.Contains(out, "\x1b") || !strings.Contains(out, `ws2\x1b[31m`) || !strings.Contains(out, "events:    1") {
		t.Errorf("hostile host: %d\n%s", code, out)
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"entity", "show", "colour=red"}, 2, "want KIND=VALUE"},
		{[]string{"entity", "show", "ip=not-an-ip"}, 1, `"not-an-ip" is not an IP address`},
		{[]string{"entity", "show", "user=x", "--from", "yesterday"}, 2, "--from"},
		{[]string{"entity", "show", "user=x'; DROP TABLE events; --"}, 0, ""},
	} {
		_, errs, code := trawl(t, append([]string{"--db", db}, tc.args...)...)
		if code != tc.code || !strings.Contains(errs, tc.want) {
			t.Errorf("%q: code %d, stderr %q; want %d and %q", tc.args, code, errs, tc.code, tc.want)
		}
	}
	if out, _, _ := trawl(t, "--db", db, "sql", "-f", "csv", "SELECT count(*) AS n FROM events"); out != "n\n5\n" {
		t.Errorf("events after hostile refs:\n%s", out)
	}
}
