package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"trawl/event"
	"trawl/importers"
)

// kvFormat is a test-only format ("kv-test: time=... user=... ip=...") so the CLI can be tested
// without depending on any real importer.
type kvFormat struct{}

func (kvFormat) Name() string        { return "kvtest" }
func (kvFormat) Description() string { return "test format" }
func (kvFormat) Sniff(head []byte) int {
	if bytes.HasPrefix(head, []byte("kv-test:")) {
		return 100
	}
	return 0
}
func (kvFormat) Read(ctx context.Context, in importers.Input, sink importers.Sink) error {
	return importers.ReadLines(ctx, in.R, sink, func(l importers.Line) error {
		ev := event.Event{Category: "logon", Raw: string(l.Text)}
		for _, kv := range strings.Fields(strings.TrimPrefix(string(l.Text), "kv-test:")) {
			k, v, _ := strings.Cut(kv, "=")
			if err := ev.Set(k, v); err != nil {
				return sink.Reject(importers.RejectOf(l, &importers.FieldError{Field: k, Err: err}))
			}
		}
		return sink.Event(importers.Record{Line: l.Num, Offset: l.Offset}, &ev)
	})
}

func init() { importers.Register(kvFormat{}) }

func trawl(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return out.String(), errb.String(), code
}

// mustTrawl runs trawl and fails the test at once unless it exits 0; it returns stdout.
func mustTrawl(t *testing.T, args ...string) string {
	t.Helper()
	out, errs, code := trawl(t, args...)
	if code != 0 {
		t.Fatalf("trawl %s: code %d\n%s%s", strings.Join(args, " "), code, out, errs)
	}
	return out
}

func jsonLines(t *testing.T, s string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("not a JSON line: %q: %v", l, err)
		}
		out = append(out, m)
	}
	return out
}

func TestCLIImportStatsEventsSQL(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "t.duckdb")
	logs := filepath.Join(dir, "logs")
	os.Mkdir(logs, 0o755)
	os.WriteFile(filepath.Join(logs, "a.log"), []byte("kv-test: time=2024-01-02T03:04:05Z user=CORP\\Alice src_ip=10.0.0.1\nkv-test: time=2024-01-02T04:00:00Z user=bob src_ip=bogus\n"), 0o644)
	os.WriteFile(filepath.Join(logs, "b.log"), []byte("kv-test: time=2024-01-03T00:00:00Z user=alice@corp.local src_ip=::ffff:10.0.0.1\n"), 0o644)

	out, errs, code := trawl(t, "--db", db, "import", "--format", "json", logs)
	if code != 0 {
		t.Fatalf("import: code %d, %s%s", code, out, errs)
	}
	if rows := jsonLines(t, out); len(rows) != 2 || rows[0]["events"] != 1.0 || rows[0]["rejects"] != 1.0 {
		t.Errorf("import rows = %v", rows)
	}
	// Importing again adds nothing.
	out, _, code = trawl(t, "--db", db, "import", "--format", "csv", logs)
	if code != 0 || strings.Count(out, "skipped") != 2 {
		t.Errorf("re-import: %d %s", code, out)
	}

	out, _, code = trawl(t, "--db", db, "stats", "--format", "json")
	rows := jsonLines(t, out)
	if code != 0 || len(rows) != 1 {
		t.Fatalf("stats: %d %q", code, out)
	}
	for _, k := range []string{"source", "events", "rejects", "first", "last"} {
		if _, ok := rows[0][k]; !ok {
			t.Errorf("stats json lacks %q: %v", k, rows[0])
		}
	}
	if rows[0]["source"] != "kvtest" || rows[0]["events"] != 2.0 || rows[0]["rejects"] != 1.0 || rows[0]["first"] != "2024-01-02T03:04:05Z" {
		t.Errorf("stats = %v", rows[0])
	}

	out, _, _ = trawl(t, "--db", db, "stats", "--by", "file", "--format", "json")
	rows = jsonLines(t, out)
	if len(rows) != 2 || rows[0]["file"] != filepath.Join(logs, "a.log") || rows[0]["events"] != 1.0 || rows[0]["rejects"] != 1.0 || rows[0]["source"] != "kvtest" {
		t.Errorf("stats by file = %v", rows)
	}

	out, _, code = trawl(t, "--db", db, "events", "--entity", "user=ALICE", "--format", "json")
	rows = jsonLines(t, out)
	if code != 0 || len(rows) != 2 || rows[0]["src_ip"] != "10.0.0.1" || rows[1]["src_ip"] != "10.0.0.1" {
		t.Errorf("events for alice = %v", rows)
	}
	out, _, _ = trawl(t, "--db", db, "events", "--from", "2024-01-03", "--format", "csv")
	if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 2 || !strings.HasPrefix(lines[0], "id,time,") {
		t.Errorf("events --from csv = %q", out)
	}

	out, _, code = trawl(t, "--db", db, "rejects", "--format", "json")
	rows = jsonLines(t, out)
	if code != 0 || len(rows) != 1 || rows[0]["field"] != "src_ip" || rows[0]["line"] != 2.0 {
		t.Errorf("rejects = %v", rows)
	}

	out, _, code = trawl(t, "--db", db, "sql", "--format", "json", "SELECT count(*) AS n FROM events")
	if code != 0 || strings.TrimSpace(out) != `{"n":2}` {
		t.Errorf("sql: %d %q", code, out)
	}
	_, errs, code = trawl(t, "--db", db, "sql", "DELETE FROM events")
	if code == 0 || !strings.Contains(errs, "reading statements only") {
		t.Errorf("sql DELETE: %d %q", code, errs)
	}
}

func TestCLIErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"no database", []string{"--db", filepath.Join(dir, "none.duckdb"), "stats"}, 1, "no trawl database"},
		{"bad format flag", []string{"--db", filepath.Join(dir, "x.duckdb"), "stats", "--format", "xml"}, 2, "format"},
		{"no such path", []string{"--db", filepath.Join(dir, "x.duckdb"), "import", filepath.Join(dir, "missing")}, 2, "no such file"},
		{"bad entity", []string{"--db", filepath.Join(dir, "x.duckdb"), "events", "--entity", "colour=red"}, 1, "KIND=VALUE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errs, code := trawl(t, tt.args...)
			if code != tt.code || !strings.Contains(errs, tt.msg) {
				t.Errorf("code %d (want %d), stderr %q (want %q)", code, tt.code, errs, tt.msg)
			}
		})
	}
}

// registeredEcho is a command added through registerCommand, as cmd_*.go files do.
type registeredEcho struct {
	Word string `arg:""`
}

func (c *registeredEcho) Run(g *Globals) error {
	_, err := fmt.Fprintln(g.Stdout, "echo", c.Word)
	return err
}

func TestRegisterCommand(t *testing.T) {
	saved := commands
	defer func() { commands = saved }()
	registerCommand("echo-test", "Print a word.", func() any { return &registeredEcho{} })
	for _, word := range []string{"one", "two"} { // a fresh struct each run
		var out, errs bytes.Buffer
		if code := run([]string{"echo-test", word}, &out, &errs); code != 0 || out.String() != "echo "+word+"\n" {
			t.Fatalf("run echo-test %s: code %d, out %q, err %q", word, code, out.String(), errs.String())
		}
	}
}
