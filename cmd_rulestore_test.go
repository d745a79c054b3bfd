package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSigmaImport covers the rule store: sigma import (added, unchanged, updated by id),
// sigma list, enable and disable, rules list, and trawl hunt running the stored rules with the
// built-in pack.
func TestSigmaImport(t *testing.T) {
	dir := t.TempDir()
	rules := filepath.Join(dir, "rules")
	if err := os.Mkdir(rules, 0o755); err != nil {
		t.Fatal(err)
	}
	corr := filepath.Join(rules, "mr_whoami_twice.yml")
	corrYAML := `title: Whoami twice
id: 22222222-2222-2222-2222-222222222222
level: high
author: Jane Doe
falsepositives: [admins]
references: [https://example.org/whoami]
tags: [attack.discovery, attack.t1033]
correlation:
  type: event_count
  rules: [whoami]
  group-by: [CommandLine]
  timespan: 1h
  condition: {gte: 2}
`
	os.WriteFile(corr, []byte(corrYAML), 0o644)
	writeFile(t, filepath.Join(rules, "proc_creation_win_whoami.yml"), whoamiSigma)
	os.WriteFile(filepath.Join(rules, "proc_creation_win_ipconfig.yml"), []byte(`title: Ipconfig
id: 44444444-4444-4444-4444-444444444444
level: low
tags: [attack.t1685]
logsource: {product: windows, category: process_creation}
detection:
  sel:
    Image|endswith: '\ipconfig.exe'
  condition: sel
`), 0o644)
	os.WriteFile(filepath.Join(rules, "bad.yml"), []byte("title: Bad\nlogsource: {product: windows}\ndetection:\n  sel:\n    Image|nope: x\n  condition: sel\n"), 0o644)
	os.WriteFile(filepath.Join(rules, "broken.yml"), []byte("title: [x\n"), 0o644)

	db := filepath.Join(dir, "t.duckdb")
	logs := filepath.Join(dir, "p.json")
	writeFile(t, logs, whoamiEvents)
	mustTrawl(t, "--db", db, "import", logs)

	out, errs, code := trawl(t, "--db", db, "sigma", "import", rules)
	if code != 0 || !strings.Contains(out, "5 sigma rules: 3 compiled (60.0%), 0 partial, 2 unsupported; 1 run only inside correlations; rule store: 4 added, 0 updated, 0 unchanged, 1 not stored") ||
		!strings.Contains(out, "bad.yml: bad: unsupported: ") || !strings.Contains(out, "broken.yml: broken: unsupported: ") || !strings.Contains(out, "; not stored\n") {
		t.Errorf("sigma import: %d %s %s", code, out, errs)
	}
	out, _, _ = trawl(t, "--db", db, "sigma", "import", "--format", "json", rules)
	rows := jsonLines(t, out)
	if len(rows) != 5 {
		t.Fatalf("sigma import json: %s", out)
	}
	for _, r := range rows {
		want := "unchanged"
		if strings.HasSuffix(r["file"].(string), "broken.yml") {
			want = "not stored"
		}
		if r["stored"] != want || r["enabled"] != (want != "not stored") {
			t.Errorf("re-import: %v, want %s (enabled unless not stored)", r, want)
		}
	}

	// The stored metadata: severity, ATT&CK ids (v19 with its v18 technique), licence, YAML.
	out, _, code = trawl(t, "--db", db, "sigma", "list", "--format", "json")
	rows = jsonLines(t, out)
	byKey := map[string]map[string]any{}
	for _, r := range rows {
		byKey[r["key"].(string)] = r
	}
	c := byKey["22222222-2222-2222-2222-222222222222"]
	if code != 0 || len(rows) != 4 || c == nil || c["kind"] != "correlation" || c["severity"] != "high" || c["runs"] != true || c["author"] != "Jane Doe" {
		t.Errorf("sigma list: %s", out)
	}
	if ip := byKey["44444444-4444-4444-4444-444444444444"]; ip == nil || !strings.HasPrefix(strings.Join(strList(ip["attack"]), ","), "T1685,T") || ip["severity"] != "low" {
		t.Errorf("ATT&CK v19 id not resolved: %v", ip)
	}
	if w := byKey["33333333-3333-3333-3333-333333333333"]; w == nil || w["runs"] != false || len(strList(w["only_in"])) != 1 {
		t.Errorf("rule inside a correlation: %v", w)
	}
	if b := byKey["name:bad"]; b == nil || b["outcome"] != "unsupported" || b["runs"] != false {
		t.Errorf("unsupported rule: %v", b)
	}

	// Re-import of the same id with a change updates it and keeps its enabled flag.
	if _, errs, code := trawl(t, "--db", db, "sigma", "disable", "mr_whoami_twice"); code != 0 {
		t.Fatalf("disable: %s", errs)
	}
	os.WriteFile(corr, []byte(strings.Replace(corrYAML, "gte: 2", "gte: 3", 1)), 0o644)
	out, _, _ = trawl(t, "--db", db, "sigma", "import", corr, filepath.Join(rules, "proc_creation_win_whoami.yml"))
	if !strings.Contains(out, "rule store: 0 added, 1 updated, 1 unchanged, 0 not stored") {
		t.Errorf("update: %s", out)
	}
	out, _, _ = trawl(t, "--db", db, "sigma", "list", "--format", "json")
	for _, r := range jsonLines(t, out) {
		if r["key"] == "22222222-2222-2222-2222-222222222222" && (r["enabled"] != false || r["runs"] != false) {
			t.Errorf("the update turned the rule on again: %v", r)
		}
	}
	if _, errs, code := trawl(t, "--db", db, "sigma", "enable", "nope"); code != 1 || !strings.Contains(errs, "no stored rule with id or name nope") {
		t.Errorf("enable nope: %d %s", code, errs)
	}
	os.WriteFile(corr, []byte(corrYAML), 0o644)
	trawl(t, "--db", db, "sigma", "import", corr, filepath.Join(rules, "proc_creation_win_whoami.yml"))
	if _, errs, code := trawl(t, "--db", db, "sigma", "enable", "22222222-2222-2222-2222-222222222222"); code != 0 {
		t.Fatalf("enable: %s", errs)
	}

	// rules list shows the stored rules hunt runs after the pack.
	out, errs, _ = trawl(t, "--db", db, "rules", "list", "-f", "csv")
	if !strings.Contains(out, "mr_whoami_twice,Whoami twice,high,0.6,T1033,0,store:") || !strings.Contains(errs, "2 stored rules do not run") {
		t.Errorf("rules list: %s %s", out, errs)
	}

	// hunt runs the pack and the stored rules that run.
	out, errs, code = trawl(t, "--db", db, "hunt", "-f", "csv")
	if code != 0 || !strings.Contains(out, "mr_whoami_twice,high,T1033,1,1,") || !strings.Contains(out, "proc_creation_win_ipconfig,low,") ||
		!strings.Contains(out, "password_spraying") || strings.Contains(out, "proc_creation_win_whoami,") ||
		!strings.Contains(errs, "rule store: 4 rules, 2 run, 0 disabled, 1 only inside correlations, 1 unsupported, 0 refused") {
		t.Errorf("hunt: %d %s %s", code, out, errs)
	}
	trawl(t, "--db", db, "sigma", "disable", "mr_whoami_twice")
	if out, errs, _ = trawl(t, "--db", db, "hunt", "-f", "csv"); strings.Contains(out, "mr_whoami_twice") || !strings.Contains(errs, "1 disabled") {
		t.Errorf("hunt with the rule disabled: %s %s", out, errs)
	}
	// hunt --rules runs only those rules.
	if _, errs, _ = trawl(t, "--db", db, "hunt", "--sigma", corr); strings.Contains(errs, "rule store:") {
		t.Errorf("hunt --sigma ran the store: %s", errs)
	}
}
