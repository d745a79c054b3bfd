package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"trawl/tui/hunt"
)

// TestSavedHuntRuleChecks writes rules the way the hunt console's "save as rule" does and runs
// `trawl rules check` on them: the console's rule files must be accepted by the CLI.
func TestSavedHuntRuleChecks(t *testing.T) {
	dir := t.TempDir()
	queries := map[string]string{
		"failures_by_source": "logon\n  | where outcome == \"failure\" # a } in a comment\n  | stats count() as n by src_ip\n  | where n > 5",
		"encoded_powershell": `process | where process_name == "powershell.exe" and command_line contains "-enc"`,
	}
	for name, q := range queries {
		text := hunt.RuleText(name, `A "quoted" title \ with a backslash`, "high", q)
		if err := os.WriteFile(filepath.Join(dir, name+".hunt"), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var out, errs bytes.Buffer
	if code := run([]string{"rules", "check", dir}, &out, &errs); code != 0 {
		t.Fatalf("rules check exited %d\nstdout: %s\nstderr: %s", code, out.String(), errs.String())
	}
	if !strings.Contains(out.String(), "2 rules in 2 files: ok") {
		t.Errorf("rules check said %q", out.String())
	}
}
