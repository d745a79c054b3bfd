package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"trawl/attack"
	"trawl/dsl"
	"trawl/internal/testutil"
)

const kvRules = `# rules for the kv-test log
rule kv_failures {
  title "Failed logons"
  severity medium
  confidence high
  attack [T1110]
  query logon | where outcome == "failure"
  test { expect 1 event { outcome = "failure" } }
  test { expect none event { outcome = "success" } }
}

rule kv_spray {
  title "Failures for two users from one address"
  severity high
  attack [T1110.003, T9999]
  query logon | where outcome == "failure" | stats dcount(user_key) as users by src_ip | where users >= 2
  test { expect 1 event { user = "a", src_ip = 10.0.0.1, outcome = "failure" } event { user = "b", src_ip = 10.0.0.1, outcome = "failure" } }
}
`

func writeFile(t *testing.T, path, text string) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestCLIHuntAndAlerts(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "t.duckdb")
	log := writeFile(t, filepath.Join(dir, "a.log"), "kv-test: time=2024-01-02T03:04:05Z user=alice src_ip=10.0.0.1 outcome=failure host=ws1\n"+
		"kv-test: time=2024-01-02T03:05:00Z user=bob src_ip=10.0.0.1 outcome=failure host=ws1\n"+
		"kv-test: time=2024-01-02T03:06:00Z user=bob src_ip=10.0.0.1 outcome=success host=ws1\n"+
		"kv-test: time=2024-01-02T09:00:00Z user=carol src_ip=10.0.0.9 outcome=failure host=ws2\n")
	rules := writeFile(t, filepath.Join(dir, "kv.hunt"), kvRules)

	if _, _, code := trawl(t, "--db", db, "hunt", "--rules", rules); code == 0 {
		t.Error("hunt on a missing store succeeded")
	}
	if out, errs, code := trawl(t, "--db", db, "import", log); code != 0 {
		t.Fatalf("import: code %d, %s%s", code, out, errs)
	}
	out, errs, code := trawl(t, "--db", db, "hunt", "--rules", rules, "-f", "csv")
	if code != 0 {
		t.Fatalf("hunt: code %d, %s%s", code, out, errs)
	}
	if !strings.Contains(out, "kv_failures,medium,T1110,2,2,") || !strings.Contains(out, "kv_spray,high,\"T1110.003,T9999\",1,1,") {
		t.Errorf("hunt summary:\n%s", out)
	}
	if !strings.Contains(errs, `warning: `+rules+`:15:22: unknown or retired ATT&CK technique "T9999"`) || !strings.Contains(errs, "hunt run 1: 2 rules, 3 alerts (3 new)") {
		t.Errorf("hunt stderr:\n%s", errs)
	}

	out, errs, code = trawl(t, "--db", db, "alerts", "--format", "json")
	if code != 0 {
		t.Fatalf("alerts: code %d, %s%s", code, out, errs)
	}
	alerts := jsonLines(t, out)
	if len(alerts) != 3 {
		t.Fatalf("%d alerts:\n%s", len(alerts), out)
	}
	// Scripts rely on these names and shapes.
	for _, a := range alerts {
		for _, k := range []string{"id", "rule", "title", "severity", "attack", "first", "last", "entities", "evidence", "sources"} {
			if _, ok := a[k]; !ok {
				t.Errorf("alert lacks %q: %v", k, a)
			}
		}
		if _, ok := a["attack"].([]any); !ok {
			t.Errorf("attack is %T, want a list", a["attack"])
		}
		if _, ok := a["entities"].(map[string]any); !ok {
			t.Errorf("entities is %T, want an object", a["entities"])
		}
		if ev, ok := a["evidence"].([]any); !ok || len(ev) == 0 {
			t.Errorf("evidence is %v, want a list of event ids", a["evidence"])
		}
		if src, ok := a["sources"].([]any); !ok || len(src) != 1 || src[0] != log {
			t.Errorf("sources = %v, want [%s]", a["sources"], log)
		}
	}
	first := alerts[0]
	want := map[string]any{"id": 1.0, "rule": "kv_failures", "title": "Failed logons", "severity": "medium", "confidence": 0.9,
		"attack": []any{"T1110"}, "first": "2024-01-02T03:04:05Z", "last": "2024-01-02T03:05:00Z", "evidence": []any{1.0, 2.0},
		"entities": map[string]any{"user": []any{"alice", "bob"}, "host": []any{"ws1"}, "src_ip": []any{"10.0.0.1"}}}
	for k, v := range want {
		g, _ := json.Marshal(first[k])
		w, _ := json.Marshal(v)
		if string(g) != string(w) {
			t.Errorf("first alert %s = %s, want %s", k, g, w)
		}
	}
	// The evidence ids are the events: the store shows them.
	out, _, _ = trawl(t, "--db", db, "sql", "-f", "csv", "SELECT id, user FROM events WHERE id IN (1, 2) ORDER BY id")
	if out != "id,user\n1,alice\n2,bob\n" {
		t.Errorf("evidence events:\n%s", out)
	}

	out, _, code = trawl(t, "--db", db, "alerts", "--format", "csv", "--rule", "kv_spray")
	if code != 0 || !strings.HasPrefix(out, "id,rule,title,severity,confidence,attack,first,last,entities,evidence,sources,run_id\n") ||
		!strings.Contains(out, `"T1110.003,T9999"`) || !strings.Contains(out, `"1,2,4"`) && !strings.Contains(out, `"1,2"`) {
		t.Errorf("alerts csv:\n%s", out)
	}
	out, _, code = trawl(t, "--db", db, "alerts")
	if code != 0 || !strings.Contains(out, "host=ws1 src_ip=10.0.0.1 user=alice,bob") {
		t.Errorf("alerts table:\n%s", out)
	}

	// An alert explained event by event.
	out, _, code = trawl(t, "--db", db, "alerts", "--explain", "1", "-f", "csv")
	if code != 0 || !strings.HasPrefix(out, "id,time,file,line,category,") || strings.Count(out, "\n") != 3 ||
		!strings.Contains(out, "1,2024-01-02T03:04:05Z,"+log+",1,logon,") || !strings.Contains(out, "2,2024-01-02T03:05:00Z,"+log+",2,logon,") {
		t.Errorf("alerts --explain 1:\n%s", out)
	}
	if _, errs, code := trawl(t, "--db", db, "alerts", "--explain", "42"); code != 1 || !strings.Contains(errs, "alert 42: no such alert") {
		t.Errorf("alerts --explain 42: %d %s", code, errs)
	}

	// Hunting again writes nothing new.
	_, errs, code = trawl(t, "--db", db, "hunt", "--rules", rules)
	if code != 0 || !strings.Contains(errs, "hunt run 2: 2 rules, 3 alerts (0 new)") {
		t.Errorf("second hunt: %d %s", code, errs)
	}
	// --since skips the morning.
	_, errs, code = trawl(t, "--db", db, "hunt", "--rules", rules, "--since", "2024-01-02T08:00:00Z")
	if code != 0 || !strings.Contains(errs, "hunt run 3: 2 rules, 1 alerts (0 new)") {
		t.Errorf("hunt --since: %d %s", code, errs)
	}
	if _, errs, code = trawl(t, "--db", db, "hunt", "--since", "yesterday-ish"); code != 2 || !strings.Contains(errs, "--since") {
		t.Errorf("bad --since: %d %s", code, errs)
	}
}

func TestCLIRules(t *testing.T) {
	dir := t.TempDir()
	good := writeFile(t, filepath.Join(dir, "kv.hunt"), kvRules)
	bad := writeFile(t, filepath.Join(dir, "bad.hunt"), "rule broken {\n  title \"x\"\n  severity hihg\n  query logon | where usr == \"a\"\n}\n")
	failing := writeFile(t, filepath.Join(dir, "failing.hunt"), `rule wrong { title "t" severity low query logon test "says one" { expect 1 event { outcome = "x" } event { outcome = "x", host = "other" } } }`)

	cases := []struct {
		name     string
		args     []string
		code     int
		out, err string
	}{
		{"check builtin", []string{"rules", "check"}, 0, " rules in 5 files: ok (0 warnings)\n", ""},
		{"check file", []string{"rules", "check", good}, 0, "2 rules in 1 files: ok (1 warnings)\n", "unknown or retired ATT&CK technique \"T9999\""},
		{"check bad", []string{"rules", "check", bad}, 2, "", bad + ":3:12: unknown severity \"hihg\": use info, low, medium, high, critical\n    severity hihg\n             ^~~~\n  hint: did you mean \"high\"?"},
		{"check bad query", []string{"rules", "check", writeFile(t, filepath.Join(dir, "q.hunt"), "rule q { title \"x\" severity low query logon | where usr == \"a\" }")}, 2, "", `q.hunt:1:53: unknown field "usr"`},
		{"list", []string{"rules", "list", "-f", "csv", good}, 0, "rule,title,severity,confidence,attack,tests,file\nkv_failures,Failed logons,medium,0.9,T1110,2," + good + "\n", ""},
		{"test file", []string{"rules", "test", good}, 0, "2 rules, 3 tests, 0 failed\n", ""},
		{"list json", []string{"rules", "list", "-f", "json", good}, 0, `{"rule":"kv_spray","title":"Failures for two users from one address","severity":"high","confidence":0.6,"attack":["T1110.003","T9999"],"tests":1,"file":"` + good + `"}`, ""},
		{"test verbose", []string{"rules", "test", "-v", good}, 0, "ok   kv_spray: (unnamed): 1 alerts\n", ""},
		{"test failing", []string{"rules", "test", failing}, 1, "FAIL wrong: says one: 2 alerts, want 1\n", "1 rule tests failed"},
		{"test folder", []string{"rules", "test", dir}, 2, "", bad + ":3:12"},
		{"missing", []string{"rules", "check", filepath.Join(dir, "nope.hunt")}, 1, "", "no such file"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, errs, code := trawl(t, tc.args...)
			if code != tc.code || !strings.Contains(out, tc.out) || !strings.Contains(errs, tc.err) {
				t.Errorf("trawl %v: code %d (want %d)\nstdout:\n%s\nstderr:\n%s\nwant stdout containing %q and stderr containing %q", tc.args, code, tc.code, out, errs, tc.out, tc.err)
			}
		})
	}
}

// TestBuiltinRules runs the test cases of every rule of the built-in pack, and checks the pack's
// ATT&CK ids are all active techniques and every rule has a positive and a negative test.
func TestBuiltinRules(t *testing.T) {
	set, err := loadRules(nil, dsl.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(set.errors) > 0 || len(set.warnings) > 0 {
		t.Fatalf("pack does not check cleanly:\n%s%s", set.errorText(), strings.Join(set.warnings, ""))
	}
	if len(set.checked) < 8 {
		t.Errorf("%d rules in the pack, want at least 8", len(set.checked))
	}
	for _, cr := range set.checked {
		pos, neg := false, false
		for _, tc := range cr.Tests {
			pos = pos || tc.Expect > 0
			neg = neg || tc.Expect == 0
		}
		if !pos || !neg || len(cr.Attack) == 0 || cr.Title == "" || cr.Description == "" {
			t.Errorf("rule %s: want a title, a description, ATT&CK ids and positive and negative tests", cr.Name.Name)
		}
	}
	for _, r := range runRuleTests(t.Context(), set.checked) {
		t.Run(r.rule+"/"+r.test, func(t *testing.T) {
			if !r.ok() {
				t.Error(r.String())
			}
		})
	}
}

// scenarioFile is demo/generated/scenarios.json, the ground truth of the demo data.
type scenarioFile struct {
	Scenarios []struct {
		Scenario   string              `json:"scenario"`
		Technique  string              `json:"technique"`
		Techniques []string            `json:"techniques"`
		Start      time.Time           `json:"start"`
		End        time.Time           `json:"end"`
		Entities   map[string][]string `json:"entities"`
	} `json:"scenarios"`
}

// sameTechnique says whether a rule's id covers a scenario's: equal, or one the parent of the
// other (a rule for T1567 covers T1567.002).
func sameTechnique(ruleID, scenarioID string) bool {
	r, s := attack.Resolve(ruleID).ID, attack.Resolve(scenarioID).ID
	return r == s || strings.HasPrefix(s, r+".") || strings.HasPrefix(r, s+".")
}

// TestHuntDemo imports the demo data and runs the built-in pack over it: every scenario of
// scenarios.json whose techniques a rule covers must be flagged by an alert with that technique
// within the scenario's time span, and alerts outside every scenario (the benign part) must be
// few.
func TestHuntDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("imports the demo data")
	}
	b, err := os.ReadFile(filepath.Join("demo", "generated", "scenarios.json"))
	if err != nil {
		t.Skip("no demo data:", err)
	}
	var truth scenarioFile
	if err := json.Unmarshal(b, &truth); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(t.TempDir(), "demo.duckdb")
	if out, errs, code := trawl(t, "--db", db, "import", "-f", "csv", filepath.Join("demo", "generated")); code != 0 {
		t.Fatalf("import: %d %s%s", code, out, errs)
	}
	if out, errs, code := trawl(t, "--db", db, "hunt"); code != 0 {
		t.Fatalf("hunt: %d %s%s", code, out, errs)
	}
	out, errs, code := trawl(t, "--db", db, "alerts", "-f", "json")
	if code != 0 {
		t.Fatalf("alerts: %d %s", code, errs)
	}
	type alert struct {
		ID          int64               `json:"id"`
		Rule        string              `json:"rule"`
		Attack      []string            `json:"attack"`
		First, Last time.Time           `json:"-"`
		FirstS      string              `json:"first"`
		LastS       string              `json:"last"`
		Entities    map[string][]string `json:"entities"`
		Evidence    []int64             `json:"evidence"`
	}
	var alerts []alert
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var a alert
		if err := json.Unmarshal([]byte(l), &a); err != nil {
			t.Fatal(err)
		}
		a.First, _ = time.Parse(time.RFC3339Nano, a.FirstS)
		a.Last, _ = time.Parse(time.RFC3339Nano, a.LastS)
		alerts = append(alerts, a)
	}
	set, err := loadRules(nil, dsl.Options{})
	if err != nil {
		t.Fatal(err)
	}
	const slack = 5 * time.Minute
	inScenario := make([]bool, len(alerts))
	for _, sc := range truth.Scenarios {
		// Which of the scenario's techniques does the pack cover?
		var covered []string
		for _, cr := range set.checked {
			for _, id := range cr.AttackIDs() {
				for _, st := range sc.Techniques {
					if sameTechnique(id, st) && !slices.Contains(covered, st) {
						covered = append(covered, st)
					}
				}
			}
		}
		flagged := map[string]bool{}
		for i, a := range alerts {
			if a.Last.Before(sc.Start.Add(-slack)) || a.First.After(sc.End.Add(slack)) {
				continue
			}
			inScenario[i] = true
			for _, id := range a.Attack {
				for _, st := range covered {
					if sameTechnique(id, st) {
						flagged[st] = true
					}
				}
			}
		}
		for _, st := range covered {
			if !flagged[st] {
				t.Errorf("scenario %s: technique %s is covered by the pack but no alert flags it", sc.Scenario, st)
			}
		}
		t.Logf("scenario %s (%s): covered %v, flagged %v", sc.Scenario, sc.Technique, covered, flagged)
	}
	benign := map[string]int{}
	for i, a := range alerts {
		if !inScenario[i] {
			benign[a.Rule]++
		}
	}
	for rule, n := range benign {
		if n > 3 {
			t.Errorf("rule %s raised %d alerts outside every scenario", rule, n)
		}
	}
	t.Logf("%d alerts, outside scenarios: %v", len(alerts), benign)
}

// TestHuntRealSamples runs the pack over public attack captures (../shared/samples): each must
// be flagged by the rule written for it. (Other rules may flag them too: most captures begin
// with a cleared Security log, and a psexec-style payload is also a new service.)
func TestHuntRealSamples(t *testing.T) {
	if testing.Short() {
		t.Skip("imports sample logs")
	}
	want := map[string]string{ // sample -> rule that must flag it
		"web/tomcat_web_attack_and_webshell_access_log.txt":                                   "web_attack_probes",
		"loghub/OpenSSH/OpenSSH_2k.log":                                                       "ssh_brute_force",
		"evtx-attack/Defense Evasion/DE_1102_security_log_cleared.evtx":                       "security_log_cleared",
		"evtx-attack/Credential Access/sysmon_10_lsass_mimikatz_sekurlsa_logonpasswords.evtx": "lsass_memory_access",
		"evtx-attack/Lateral Movement/LM_Remote_Service02_7045.evtx":                          "new_service_outside_system_folders",
		"evtx-attack/Execution/temp_scheduled_task_4698_4699.evtx":                            "suspicious_scheduled_task",
		"deepblue/password-spray.evtx":                                                        "explicit_credentials_many_accounts",
		"deepblue/new-user-security.evtx":                                                     "account_created_then_admin",
		"evtx-to-mitre/TA0006-Credential Access/T1558-Steal or Forge Kerberos Tickets/ID4769-Kerberoast ticket with low encryption.evtx": "kerberoasting",
		"evtx-to-mitre/TA0002-Execution/T1059.001-PowerShell/ID4688-Encoded PowerShell MSF payload via process execution.evtx":           "encoded_powershell",
	}
	db := filepath.Join(t.TempDir(), "samples.duckdb")
	args := []string{"--db", db, "import", "-f", "csv"}
	paths := map[string]string{}
	for rel := range want {
		p := testutil.Sample(t, rel)
		paths[p] = rel
		args = append(args, p)
	}
	if out, errs, code := trawl(t, args...); code != 0 {
		t.Fatalf("import: %d %s%s", code, out, errs)
	}
	if out, errs, code := trawl(t, "--db", db, "hunt"); code != 0 {
		t.Fatalf("hunt: %d %s%s", code, out, errs)
	}
	out, errs, code := trawl(t, "--db", db, "alerts", "-f", "json")
	if code != 0 {
		t.Fatalf("alerts: %d %s", code, errs)
	}
	got := map[string][]string{} // sample -> rules
	for _, a := range jsonLines(t, out) {
		for _, s := range a["sources"].([]any) {
			rel := paths[s.(string)]
			if !slices.Contains(got[rel], a["rule"].(string)) {
				got[rel] = append(got[rel], a["rule"].(string))
			}
		}
	}
	for rel, rule := range want {
		if !slices.Contains(got[rel], rule) {
			t.Errorf("%s: not flagged by %s (alerts from %v)", rel, rule, got[rel])
		}
		t.Logf("%s: %v", rel, got[rel])
	}
}
