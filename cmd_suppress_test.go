package main

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"trawl/internal/testutil"
)

func TestSuppressAuthor(t *testing.T) {
	for _, c := range []struct{ flag, analyst, user, login, want string }{
		{"tester", "ann", "bob", "root", "tester"},
		{"", "ann", "bob", "root", "ann"},
		{"", "", "bob", "root", "bob"},
		{"", "", "", "root", "root"},
	} {
		t.Setenv("TRAWL_ANALYST", c.analyst)
		t.Setenv("TRAWL_USER", c.user)
		t.Setenv("USER", c.login)
		if got := author(c.flag); got != c.want {
			t.Errorf("author(%q) with TRAWL_ANALYST=%q TRAWL_USER=%q USER=%q = %q, want %q", c.flag, c.analyst, c.user, c.login, got, c.want)
		}
	}
}

func TestCLISuppress(t *testing.T) {
	t.Setenv("TRAWL_ANALYST", "")
	t.Setenv("TRAWL_USER", "analyst")
	dir := t.TempDir()
	db := filepath.Join(dir, "t.duckdb")
	log := writeFile(t, filepath.Join(dir, "a.log"), kvLog)
	rules := writeFile(t, filepath.Join(dir, "kv.hunt"), kvRules)
	if _, _, code := trawl(t, "--db", db, "suppress", "list"); code == 0 {
		t.Error("suppress list on a missing store succeeded")
	}
	mustTrawl(t, "--db", db, "import", log)
	if out, errs, code := trawl(t, "--db", db, "hunt", "--rules", rules); code != 0 || strings.Contains(errs, "hidden") {
		t.Fatalf("hunt: %d %s%s", code, out, errs)
	}
	// Alerts: 1 kv_failures ws1 (alice, bob), 2 kv_failures ws2 (carol), 3 kv_spray 10.0.0.1.
	out, errs, code := trawl(t, "--db", db, "suppress", "add", "carol-test", "--rule", "kv_*", "--entity", "user=CORP\\Carol",
		"--entity", "host=WS?", "--reason", "carol's test account", "--author", "tester", "--expires", "2099-01-01", "-f", "json")
	if code != 0 {
		t.Fatalf("suppress add: %d %s%s", code, out, errs)
	}
	if !strings.Contains(errs, ", 1 suppressed;") {
		t.Errorf("suppress add does not rescore the queue: %s", errs)
	}
	rows := jsonLines(t, out)
	if len(rows) != 1 || rows[0]["hits"] != 1.0 || rows[0]["expires"] != "2099-01-01T00:00:00Z" || rows[0]["author"] != "tester" {
		t.Errorf("suppress add printed %v", rows)
	}
	if ents, ok := rows[0]["entities"].([]any); !ok || len(ents) != 2 || ents[0] != `user=CORP\Carol` {
		t.Errorf("entities %v", rows[0]["entities"])
	}
	out, errs, code = trawl(t, "--db", db, "suppress", "from-alert", "3", "--reason", "scanner", "--for", "30d", "-f", "csv")
	if code != 0 || !strings.HasPrefix(out, "name,rule,entities,expires,expired,hits,reason,author,created_at,from_alert\n") ||
		!strings.Contains(out, "fp-alert-3,kv_spray,user=alice user=bob host=ws1 src_ip=10.0.0.1,") || !strings.HasSuffix(out, ",3\n") {
		t.Errorf("from-alert: %d\n%s%s", code, out, errs)
	}
	out, _, _ = trawl(t, "--db", db, "suppress", "from-alert", "1", "--reason", "x", "--dry-run", "-f", "csv")
	if !strings.HasSuffix(out, "fp-alert-1,kv_failures,user=alice user=bob host=ws1 src_ip=10.0.0.1,,false,0,x,analyst,,1\n") {
		t.Errorf("from-alert --dry-run:\n%s", out)
	}
	out, _, _ = trawl(t, "--db", db, "sql", "-f", "csv", "SELECT alert_id, suppression FROM alert_suppressions ORDER BY 1")
	if out != "alert_id,suppression\n2,carol-test\n3,fp-alert-3\n" {
		t.Errorf("alert_suppressions (the dry run stored nothing):\n%s", out)
	}

	// The list, with the creation times and the from-alert expiry masked: read the golden file.
	out, _, code = trawl(t, "--db", db, "suppress", "list", "-f", "csv")
	if code != 0 {
		t.Fatalf("suppress list: %d", code)
	}
	masked := regexp.MustCompile(`20\d\d-\d\d-\d\dT[0-9:.]+Z`).ReplaceAllStringFunc(out, func(s string) string {
		if strings.HasPrefix(s, "2099") {
			return s
		}
		return "TIME"
	})
	testutil.Golden(t, filepath.Join("testdata", "suppress_list.golden.csv"), []byte(masked))

	out, errs, code = trawl(t, "--db", db, "suppress", "test", "carol-test", "-f", "csv")
	if code != 0 || strings.Count(out, "\n") != 2 || !strings.Contains(out, "\n2,kv_failures,") || !strings.Contains(errs, "matches 1 alerts") {
		t.Errorf("suppress test: %d\n%s%s", code, out, errs)
	}
	_, errs, code = trawl(t, "--db", db, "hunt", "--rules", rules)
	if code != 0 || !strings.Contains(errs, "2 alerts hidden by suppressions") {
		t.Errorf("hunt again: %d %s", code, errs)
	}
	if _, errs, code = trawl(t, "--db", db, "suppress", "remove", "carol-test"); code != 0 || !strings.Contains(errs, "removed suppression carol-test") {
		t.Errorf("remove: %d %s", code, errs)
	}
	out, _, _ = trawl(t, "--db", db, "sql", "-f", "csv", "SELECT count(*) AS n FROM alert_suppressions")
	if out != "n\n1\n" {
		t.Errorf("after remove:\n%s", out)
	}

	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"comma is part of a pattern", []string{"suppress", "add", "comma", "--rule", "r", "--entity", "user=a,b", "--reason", "r", "-f", "csv"}, 0, ""},
		{"bad entity", []string{"suppress", "add", "x", "--rule", "r", "--entity", "colour=red", "--reason", "r"}, 2, "--entity \"colour=red\": want KIND=PATTERN"},
		{"both expiries", []string{"suppress", "add", "x", "--rule", "r", "--reason", "r", "--for", "1d", "--expires", "2099-01-01"}, 2, "--expires and --for can't be used together"},
		{"bad span", []string{"suppress", "add", "x", "--rule", "r", "--reason", "r", "--for", "0d"}, 2, "--for \"0d\""},
		{"past expiry", []string{"suppress", "add", "x", "--rule", "r", "--reason", "r", "--expires", "2001-01-01"}, 1, "not in the future"},
		{"no reason", []string{"suppress", "add", "x", "--rule", "r"}, 2, "--reason"},
		{"duplicate", []string{"suppress", "add", "fp-alert-3", "--rule", "r", "--reason", "r"}, 1, "a suppression of that name exists"},
		{"remove unknown, hostile name", []string{"suppress", "remove", "nope\x1b[2J"}, 1, "no such suppression"},
		{"test unknown", []string{"suppress", "test", "nope"}, 1, "suppression nope: no such suppression"},
		{"from unknown alert", []string{"suppress", "from-alert", "99", "--reason", "r"}, 1, "alert 99: no such alert"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, errs, code := trawl(t, append([]string{"--db", db}, tc.args...)...)
			if code != tc.code || !strings.Contains(errs, tc.want) {
				t.Errorf("code %d, stderr %q; want %d and %q", code, errs, tc.code, tc.want)
			}
		})
	}
	// A suppression that matches nothing lists no alerts (not every alert).
	out, errs, code = trawl(t, "--db", db, "suppress", "test", "comma", "-f", "csv")
	if code != 0 || strings.Count(out, "\n") != 1 || !strings.Contains(errs, "matches 0 alerts") {
		t.Errorf("suppress test of a suppression without hits: %d\n%s%s", code, out, errs)
	}
}
