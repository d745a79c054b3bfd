package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCLILookup: a lookup file next to a .hunt file is read relative to it, its values are
// bound as parameters (never in the SQL), and a bad value is reported with its line.
func TestCLILookup(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "t.duckdb")
	log := filepath.Join(dir, "a.log")
	os.WriteFile(log, []byte("kv-test: time=2024-01-02T03:04:05Z user=alice src_ip=10.0.0.1 dst_port=22 outcome=failure\n"+
		"kv-test: time=2024-01-02T03:06:00Z user=bob src_ip=192.168.1.1 outcome=success\n"), 0o644)
	mustTrawl(t, "--db", db, "import", log)
	os.Mkdir(filepath.Join(dir, "hunts"), 0o755)
	os.WriteFile(filepath.Join(dir, "hunts", "admins.csv"), []byte("user,team\nalice,it'); DROP TABLE events; --\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "hunts", "q.hunt"), []byte(`logon | lookup "admins.csv" on user | fields user, admins_team`+"\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "hunts", "bad.hunt"), []byte(`logon | lookup "admins.csv" on dst_port`+"\n"), 0o644)

	out, errs, code := trawl(t, "--db", db, "query", "-f", "csv", "@"+filepath.Join(dir, "hunts", "q.hunt"))
	if code != 0 || out != "user,admins_team\nalice,it'); DROP TABLE events; --\n" {
		t.Fatalf("code %d, stdout %q, stderr %q", code, out, errs)
	}
	out, errs, code = trawl(t, "--db", db, "query", "--explain", "@"+filepath.Join(dir, "hunts", "q.hunt"))
	if code != 0 || strings.Contains(strings.Split(out, ";\n")[0], "DROP") || !strings.Contains(out, "DROP TABLE") {
		t.Fatalf("explain: code %d, stdout %q, stderr %q", code, out, errs)
	}
	_, errs, code = trawl(t, "--db", db, "query", "@"+filepath.Join(dir, "hunts", "bad.hunt"))
	if code != 2 || !strings.Contains(errs, `admins.csv line 2: user: "alice" is not a whole number`) {
		t.Fatalf("bad file: code %d, stderr %q", code, errs)
	}
	_, errs, code = trawl(t, "--db", db, "query", `logon | lookup "missing.csv" on user`)
	if code != 2 || !strings.Contains(errs, "missing.csv") {
		t.Fatalf("missing file: code %d, stderr %q", code, errs)
	}
}
