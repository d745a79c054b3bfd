package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCLIQuery(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "t.duckdb")
	log := filepath.Join(dir, "a.log")
	os.WriteFile(log, []byte("kv-test: time=2024-01-02T03:04:05Z user=alice src_ip=10.0.0.1 outcome=failure\n"+
		"kv-test: time=2024-01-02T03:05:00Z user=alice src_ip=10.0.0.1 outcome=failure\n"+
		"kv-test: time=2024-01-02T03:06:00Z user=bob src_ip=192.168.1.1 outcome=success\n"), 0o644)
	mustTrawl(t, "--db", db, "import", log)
	hunt := filepath.Join(dir, "q.hunt")
	os.WriteFile(hunt, []byte("# failures per source\nlogon | where outcome == \"failure\" | stats count() as n by src_ip\n"), 0o644)

	cases := []struct {
		name     string
		args     []string
		code     int
		out, err string // substrings expected in stdout and stderr
	}{
		{"table", []string{"query", `logon | where src_ip in 10.0.0.0/8 | stats count() as n, values(user) as users by src_ip`}, 0, "SRC_IP    N  USERS\n10.0.0.1  2  [alice]\n", ""},
		{"json", []string{"query", "-f", "json", `logon | where user == "bob" | fields user, src_ip`}, 0, `{"user":"bob","src_ip":"192.168.1.1"}` + "\n", ""},
		{"csv", []string{"query", "-f", "csv", `logon | stats dcount(user) as users`}, 0, "users\n2\n", ""},
		{"file", []string{"query", "-f", "csv", "@" + hunt}, 0, "src_ip,n\n10.0.0.1,2\n", ""},
		{"no rows", []string{"query", "-f", "csv", `logon | where user == "nobody" | fields user`}, 0, "user\n", ""},
		{"explain", []string{"query", "--explain", `logon | where user == "a'b" | head 5`}, 0, "-- $2 = \"a'b\" (string)\n-- $3 = 5 (int64)\n", ""},
		{"bad query", []string{"query", `logon | where usr == "x"`}, 2, "", "1:15: unknown field \"usr\"\n  logon | where usr == \"x\"\n                ^~~\n  hint: did you mean \"user\"?"},
		{"bad explain", []string{"query", "--explain", `logon | stats`}, 2, "", "unexpected end of query"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, errs, code := trawl(t, append([]string{"--db", db}, tc.args...)...)
			if code != tc.code {
				t.Fatalf("code %d, want %d; stdout %q stderr %q", code, tc.code, out, errs)
			}
			if !strings.Contains(out, tc.out) {
				t.Errorf("stdout %q does not contain %q", out, tc.out)
			}
			if !strings.Contains(errs, tc.err) {
				t.Errorf("stderr %q does not contain %q", errs, tc.err)
			}
		})
	}
}
