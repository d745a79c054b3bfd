package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCLIHostileText: log text with terminal escapes is stored as it came (the JSON output
// carries the escapes, JSON-escaped), while the table outputs of events and rejects, which go
// to a terminal, show them as visible \xNN and hold no control byte and no invalid UTF-8.
func TestCLIHostileText(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "t.duckdb")
	log := filepath.Join(dir, "escapes.log")
	lines := []string{
		"kv-test: time=2024-01-02T03:04:05Z user=\x1b[2J\x1b[Hroot message=clear\x1b[2Jscreen",
		"kv-test: time=2024-01-02T03:04:06Z user=bob message=osc52\x1b]52;c;ZWNobyBwd25lZA==\x07clip",
		"kv-test: time=2024-01-02T03:04:07Z user=carol host=\xc2\x9b31mred message=bell\x07\x07",
		"kv-test: time=2024-01-02T03:04:08Z user=dave message=raw\x9bc1\xffbyte\x00nul",
	}
	reject := "kv-test: time=2024-01-02T03:04:09Z user=eve src_ip=\x1b[2J\x9b\xff\x00\x07"
	os.WriteFile(log, []byte(strings.Join(append(lines, reject), "\n")+"\n"), 0o644)
	mustTrawl(t, "--db", db, "import", log)

	out, errs, code := trawl(t, "--db", db, "events", "--format", "table")
	if code != 0 {
		t.Fatalf("events: %d %s", code, errs)
	}
	for _, bad := range []string{"\x1b", "\x07", "\x00", "\u009b", "\x9b", "\xff"} {
		if strings.Contains(out, bad) {
			t.Errorf("table output holds %q:\n%q", bad, out)
		}
	}
	for _, visible := range []string{`\x1b[2J`, `\x1b]52;c;`, `\x9b31m`, `\x07`} {
		if !strings.Contains(out, visible) {
			t.Errorf("table output lacks the visible escape %q:\n%s", visible, out)
		}
	}

	// Rejects keep their raw bytes as they came (a BLOB): the table must still be harmless.
	out, errs, code = trawl(t, "--db", db, "rejects", "--format", "table")
	if code != 0 || !strings.Contains(strings.ToLower(out), `\x1b[2j\x9b\xff\x00\x07`) {
		t.Errorf("rejects: %d %s\n%q", code, errs, out)
	}
	for _, bad := range []string{"\x1b", "\x07", "\x00", "\x9b", "\xff"} {
		if strings.Contains(out, bad) {
			t.Errorf("rejects table output holds %q:\n%q", bad, out)
		}
	}

	out, _, _ = trawl(t, "--db", db, "events", "--format", "json")
	rows := jsonLines(t, out)
	if len(rows) != len(lines) {
		t.Fatalf("%d events, want %d", len(rows), len(lines))
	}
	if rows[0]["user"] != "\x1b[2J\x1b[Hroot" || rows[1]["message"] != "osc52\x1b]52;c;ZWNobyBwd25lZA==\x07clip" ||
		rows[2]["host"] != "\u009b31mred" || rows[3]["message"] != `raw\x9bc1\xffbyte\x00nul` {
		t.Errorf("stored text changed: %q %q %q %q", rows[0]["user"], rows[1]["message"], rows[2]["host"], rows[3]["message"])
	}

	// An entity's profile as JSON: the C1 control in carol's host, and a bidi override, leave
	// JSON-escaped, never as the raw characters.
	out, errs, code = trawl(t, "--db", db, "entity", "show", "user=carol", "-f", "json")
	if code != 0 || !strings.Contains(out, `\u009b31mred`) {
		t.Errorf("entity show -f json: %d %s\n%s", code, errs, out)
	}
	if strings.Contains(out, "\u009b") {
		t.Errorf("entity show -f json holds a raw C1 control:\n%q", out)
	}
}
