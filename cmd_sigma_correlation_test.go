package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// whoamiSigma is a Sigma rule for whoami.exe starting, named whoami for the correlations that
// count it.
const whoamiSigma = `title: Whoami
name: whoami
id: 33333333-3333-3333-3333-333333333333
logsource: {product: windows, category: process_creation}
detection:
  sel:
    Image|endswith: '\whoami.exe'
  condition: sel
`

// whoamiEvents is two Sysmon process starts of whoami /all a minute apart, as JSON lines.
var whoamiEvents = strings.Replace(whoamiEvent, "%d", "1", 1) + strings.Replace(whoamiEvent, "%d", "2", 1)

const whoamiEvent = `{"EventID": 1, "Channel": "Microsoft-Windows-Sysmon/Operational", "Hostname": "ws1", "EventTime": "2026-01-01 10:0%d:00", "Image": "C:\\Windows\\System32\\whoami.exe", "CommandLine": "whoami /all"}` + "\n"

// TestSigmaCorrelationCLI covers correlation rules in sigma convert, sigma check and
// hunt --sigma: the correlation runs, the rule it names runs only inside it.
func TestSigmaCorrelationCLI(t *testing.T) {
	dir := t.TempDir()
	rules := filepath.Join(dir, "rules")
	if err := os.Mkdir(rules, 0o755); err != nil {
		t.Fatal(err)
	}
	corr := filepath.Join(rules, "mr_whoami_twice.yml")
	os.WriteFile(corr, []byte(`title: Whoami twice
id: 22222222-2222-2222-2222-222222222222
level: high
correlation:
  type: event_count
  rules: [whoami]
  group-by: [CommandLine]
  timespan: 1h
  condition: {gte: 2}
`), 0o644)
	base := writeFile(t, filepath.Join(rules, "proc_creation_win_whoami.yml"), whoamiSigma)

	out, errs, code := trawl(t, "sigma", "convert", corr, "--with", base)
	if code != 0 || !strings.Contains(out, "stats count() as event_count by command_line as CommandLine window 1h") || !strings.Contains(out, "rule mr_whoami_twice {") {
		t.Errorf("convert: %d %s %s", code, out, errs)
	}
	if _, errs, code := trawl(t, "sigma", "convert", corr); code != 1 || !strings.Contains(errs, `the rule "whoami" it names is not among the rules read`) {
		t.Errorf("convert without the named rule: %d %s", code, errs)
	}
	out, _, code = trawl(t, "sigma", "check", rules)
	if code != 0 || !strings.Contains(out, "2 sigma rules: 2 compiled (100.0%), 0 partial, 0 unsupported; 1 run only inside correlations") {
		t.Errorf("check: %d %s", code, out)
	}
	out, _, _ = trawl(t, "sigma", "check", "--format", "json", rules)
	rows := jsonLines(t, out)
	if len(rows) != 2 || rows[1]["rule"] != "proc_creation_win_whoami" || len(rows[1]["only_in"].([]any)) != 1 {
		t.Errorf("check json: %s", out)
	}

	db := filepath.Join(dir, "t.duckdb")
	logs := filepath.Join(dir, "p.json")
	writeFile(t, logs, whoamiEvents)
	mustTrawl(t, "--db", db, "import", logs)
	out, errs, code = trawl(t, "--db", db, "hunt", "--sigma", rules)
	if code != 0 || !strings.Contains(out, "mr_whoami_twice") || strings.Contains(out, "proc_creation_win_whoami") || !strings.Contains(errs, "1 run only inside correlations") {
		t.Errorf("hunt --sigma: %d %s %s", code, out, errs)
	}
	out, _, _ = trawl(t, "--db", db, "alerts", "--format", "json")
	if rows := jsonLines(t, out); len(rows) != 1 || rows[0]["rule"] != "mr_whoami_twice" || len(rows[0]["evidence"].([]any)) != 2 {
		t.Errorf("alerts: %s", out)
	}
}
