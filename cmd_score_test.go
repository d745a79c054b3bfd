package main

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"trawl/internal/testutil"
	"trawl/risk"
)

// scenarioInventory is the estate of the generated company (generate/world.go): its servers
// and the two workstations of the stories with their owners, the phished user, the insider
// (leaving) and the admin whose password is dumped (privileged).
const (
	scenarioAssets = `hostname,ip_addresses,owner,business_criticality,environment,internet_facing
DC01,10.10.10.10,it-infra,5,prod,no
SQL01,10.10.10.21,dba-team,5,prod,no
FS01,10.10.10.20,it-infra,4,prod,no
APP01,10.10.10.22,app-team,3,prod,no
bastion01,10.10.30.10,ops,3,prod,yes
web01,172.16.5.10,web-team,3,dmz,yes
WS07,10.10.20.27,grace.popescu,2,corp,no
WS22,10.10.20.42,vera.tanaka,2,corp,no
`
	scenarioIdentities = `user,department,role,privileged,service_account,mfa,status
grace.popescu,Finance,Accountant,no,no,yes,active
vera.tanaka,Sales,Account manager,no,no,yes,leaving on 2026-03-13
julia.novak,IT,Domain administrator,yes,no,yes,active
deploy,IT,Deployment,yes,yes,no,active
`
)

func factorList(v any) []string {
	var out []string
	fs, _ := v.([]any)
	for _, f := range fs {
		if m, ok := f.(map[string]any); ok {
			out = append(out, m["name"].(string))
		}
	}
	return out
}

func strList(v any) []string {
	var out []string
	l, _ := v.([]any)
	for _, x := range l {
		out = append(out, x.(string))
	}
	return out
}

// TestScoreGeneratedScenarios generates every scenario, imports and hunts it with the built-in
// pack, loads the inventory and scores: the intrusion story on WS07 (phishing, encoded
// PowerShell, beaconing, LSASS dump) must be the first incident, and the insider's story on WS22
// (file-share copy spike, password-protected archive, upload to Dropbox; a leaving employee)
// must be one incident in the top three, with the factors that put it there.
func TestScoreGeneratedScenarios(t *testing.T) {
	if testing.Short() {
		t.Skip("generates, imports and hunts")
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "gen.duckdb")
	gen := filepath.Join(dir, "gen")
	for _, args := range [][]string{
		{"generate", "--events", "20000", "--out", gen},
		{"--db", db, "import", gen},
	} {
		mustTrawl(t, args...)
	}
	// Before any scoring there are no incidents to list.
	if _, errs, code := trawl(t, "--db", db, "incidents"); code != 1 || !strings.Contains(errs, "not been scored") {
		t.Errorf("incidents before scoring: %d %s", code, errs)
	}
	_, errs, code := trawl(t, "--db", db, "hunt")
	if code != 0 || !strings.Contains(errs, "list them with trawl incidents") {
		t.Fatalf("hunt: %d %s", code, errs)
	}
	assets := filepath.Join(dir, "assets.csv")
	ids := filepath.Join(dir, "identities.csv")
	os.WriteFile(assets, []byte(scenarioAssets), 0o644)
	os.WriteFile(ids, []byte(scenarioIdentities), 0o644)
	mustTrawl(t, "--db", db, "context", "import", assets, ids)
	out, errs, code := trawl(t, "--db", db, "score")
	if code != 0 || !strings.HasPrefix(out, "scored 21 alerts") {
		t.Fatalf("score: %d %s%s", code, out, errs)
	}
	out, errs, code = trawl(t, "--db", db, "incidents", "-f", "json")
	if code != 0 {
		t.Fatalf("incidents: %d %s", code, errs)
	}
	incs := jsonLines(t, out)
	for _, key := range []string{"id", "priority", "score", "title", "tactics", "techniques", "entities", "first", "last", "alerts", "narrative"} {
		if _, ok := incs[0][key]; !ok {
			t.Errorf("incident JSON lacks %q: %v", key, incs[0])
		}
	}
	intrusion, insider := -1, -1
	for i, inc := range incs {
		ents, _ := inc["entities"].(map[string]any)
		if slices.Contains(strList(ents["host"]), "ws07") && slices.Contains(strList(inc["tactics"]), "Credential Access") {
			intrusion = i
		}
		if slices.Contains(strList(ents["asset"]), "ws22") {
			insider = i
		}
		t.Logf("#%d %s %v %s: %v", i+1, inc["priority"], inc["score"], inc["title"], inc["tactics"])
	}
	if intrusion != 0 {
		t.Errorf("the intrusion on WS07 ranks %d, want 1", intrusion+1)
	}
	if nar, _ := incs[0]["narrative"].(string); !strings.Contains(nar, "PowerShell started with an encoded command (rule encoded_powershell) by user grace.popescu") {
		t.Errorf("intrusion narrative: %s", nar)
	}
	// The insider: the copy spike, the archive, the uploads and her disabled account are one incident of two
	// tactics, in the top three. Scores are relative to the store (rarity, percentiles), so
	// the test asserts the rank and the factors rather than the points.
	if insider < 0 {
		t.Fatal("no incident for the insider on WS22")
	}
	t.Logf("insider ranks %d of %d", insider+1, len(incs))
	if insider > 2 {
		t.Errorf("the insider's incident ranks %d, want the top three", insider+1)
	}
	if p := incs[insider]["priority"]; p != "P1" && p != "P2" {
		t.Errorf("insider priority %v, want P1 or P2", p)
	}
	if tac := strList(incs[insider]["tactics"]); !slices.Contains(tac, "Collection") || !slices.Contains(tac, "Exfiltration") {
		t.Errorf("insider tactics %v, want Collection and Exfiltration", tac)
	}
	out, errs, code = trawl(t, "--db", db, "incident", "show", "-f", "json", idText(incs[insider]["id"]))
	if code != 0 {
		t.Fatalf("incident show: %d %s", code, errs)
	}
	shown := jsonLines(t, out)
	if got := factorList(shown[0]["factors"]); !slices.Contains(got, "top_alert") || !slices.Contains(got, "more_alerts") || !slices.Contains(got, "kill_chain") {
		t.Errorf("insider incident factors %v, want top_alert, more_alerts and kill_chain", got)
	}
	list, _ := shown[0]["alert_list"].([]any)
	// The factors of each of her alerts: who she is (leaving, collecting or exfiltrating) on
	// every one, and how far the copy spike is from her own hours on the first.
	wantFactors := map[string][]string{
		"file_access_spike":       {"severity", "confidence", "leaving_identity", "flight_risk", "rule_rarity", "anomaly"},
		"archive_with_password":   {"severity", "confidence", "leaving_identity", "flight_risk"},
		"cloud_storage_upload":    {"severity", "confidence", "leaving_identity", "flight_risk"},
		"large_outbound_transfer": {"severity", "confidence", "leaving_identity", "flight_risk"},
		// The generator disables her account in the morning of the copy (a weekend date moved
		// back to Friday), so the disable and the archive fall on one day.
		"account_disabled_around_data_staging": {"severity", "confidence", "leaving_identity", "flight_risk"},
	}
	seen := map[string]bool{}
	for _, x := range list {
		a := x.(map[string]any)
		rule, _ := a["rule"].(string)
		want, ok := wantFactors[rule]
		if !ok {
			t.Errorf("insider incident has an alert of rule %s", rule)
			continue
		}
		seen[rule] = true
		got := factorList(a["factors"])
		for _, w := range want {
			if !slices.Contains(got, w) {
				t.Errorf("insider alert %v (%s) factors %v lack %s", a["id"], rule, got, w)
			}
		}
		if rule == "file_access_spike" {
			for _, f := range a["factors"].([]any) {
				if m := f.(map[string]any); m["name"] == "anomaly" && !strings.Contains(m["detail"].(string), "z-score") {
					t.Errorf("anomaly factor without its z-score: %v", m)
				}
			}
		}
		ents, _ := a["entities"].(map[string]any)
		if rule != "large_outbound_transfer" && !slices.Contains(strList(ents["user"]), "vera.tanaka") {
			t.Errorf("insider alert %v (%s) does not name her: %v", a["id"], rule, ents)
		}
	}
	for rule := range wantFactors {
		if !seen[rule] {
			t.Errorf("insider incident lacks an alert of %s", rule)
		}
	}
	// Every incident shows the alerts it counts.
	for _, inc := range incs {
		out, _, _ := trawl(t, "--db", db, "incident", "show", "-f", "json", idText(inc["id"]))
		shown := jsonLines(t, out)
		if list, _ := shown[0]["alert_list"].([]any); float64(len(list)) != inc["alerts"] {
			t.Errorf("incident %v shows %d alerts, counts %v", inc["id"], len(list), inc["alerts"])
		}
	}
	// The table view of the top incident and the alerts list with its new columns.
	out, _, code = trawl(t, "--db", db, "incident", "show", idText(incs[0]["id"]))
	for _, want := range []string{"score:\n", "what happened:\n", "alerts:\n", "top_alert", "kill_chain"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("incident show lacks %q:\n%s", want, out)
		}
	}
	out, _, _ = trawl(t, "--db", db, "alerts", "-f", "csv")
	if !strings.HasPrefix(out, "id,rule,title,severity,confidence,attack,first,last,entities,evidence,sources,run_id,score,action,status,assignee\n") {
		t.Errorf("alerts header: %s", strings.SplitN(out, "\n", 2)[0])
	}
	// --priority filters.
	out, _, _ = trawl(t, "--db", db, "incidents", "-f", "json", "--priority", "p4")
	for _, inc := range jsonLines(t, out) {
		if inc["priority"] != "P4" {
			t.Errorf("--priority p4 gave %v", inc)
		}
	}
}

// idText is a JSON number as command-line text.
func idText(v any) string {
	f, _ := v.(float64)
	return strconv.FormatFloat(f, 'f', -1, 64)
}

func TestScoreCLIErrors(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "t.duckdb")
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("actions:\n  - action: ignore\n"), 0o644)
	tests := []struct {
		name string
		args []string
		code int
		err  string
	}{
		{"bad policy", []string{"--db", db, "score", "--policy", bad}, 2, `bad.yaml: policy: actions[0]: unknown action "ignore"`},
		{"missing policy", []string{"--db", db, "score", "--policy", filepath.Join(dir, "none.yaml")}, 2, "no such file"},
		{"missing store", []string{"--db", db, "score"}, 1, "no trawl database"},
		{"incident id not a number", []string{"--db", db, "incident", "show", "x"}, 2, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, errs, code := trawl(t, tc.args...)
			if code != tc.code || !strings.Contains(errs, tc.err) {
				t.Errorf("code %d, stderr %s", code, errs)
			}
		})
	}
	out, _, code := trawl(t, "score", "--show-policy")
	if code != 0 {
		t.Fatal(code)
	}
	if string(risk.DefaultPolicyYAML()) != out {
		t.Error("--show-policy differs from the embedded policy")
	}
}

// kvFiles writes the kv-test log, its rules and its context files into dir, and names the
// store there: what the incident tests below start from.
func kvFiles(t *testing.T, dir string) (db, log, rules, assets, ids string) {
	t.Helper()
	return filepath.Join(dir, "t.duckdb"),
		writeFile(t, filepath.Join(dir, "a.log"), kvLog),
		writeFile(t, filepath.Join(dir, "kv.hunt"), kvRules),
		writeFile(t, filepath.Join(dir, "assets.csv"), kvAssets),
		writeFile(t, filepath.Join(dir, "ids.csv"), kvIdentities)
}

// TestIncidentsGolden scores the kv-test log of TestCLIHuntAndAlerts with a little context and
// compares trawl incidents -f csv and trawl incident show with goldens under testdata/
// (go test . -run TestIncidentsGolden -update rewrites them).
func TestIncidentsGolden(t *testing.T) {
	dir := t.TempDir()
	db, log, rules, assets, ids := kvFiles(t, dir)
	for _, args := range [][]string{
		{"--db", db, "import", log},
		{"--db", db, "context", "import", assets, ids},
		{"--db", db, "hunt", "--rules", rules},
	} {
		mustTrawl(t, args...)
	}
	out, errs, code := trawl(t, "--db", db, "incidents", "-f", "csv")
	if code != 0 {
		t.Fatalf("incidents: %d %s", code, errs)
	}
	testutil.Golden(t, "testdata/incidents.golden.csv", []byte(out))
	out, errs, code = trawl(t, "--db", db, "incident", "show", "1")
	if code != 0 {
		t.Fatalf("incident show: %d %s", code, errs)
	}
	testutil.Golden(t, "testdata/incident_show.golden.txt", []byte(out))
	if _, errs, code := trawl(t, "--db", db, "incident", "show", "99"); code != 1 || !strings.Contains(errs, "incident 99: no such incident") {
		t.Errorf("unknown incident: %d %s", code, errs)
	}
}

// TestContextAndIntelRescore: loading context after the hunt scores the alerts again, so the
// queue comes out as if the context had been there first (the golden of TestIncidentsGolden);
// intel does too, with the policy of the latest run, and --no-rescore leaves the scores alone.
func TestContextAndIntelRescore(t *testing.T) {
	dir := t.TempDir()
	db, log, rules, assets, ids := kvFiles(t, dir)
	iocs := writeFile(t, filepath.Join(dir, "iocs.txt"), "10.0.0.9\n")
	policy := writeFile(t, filepath.Join(dir, "policy.yaml"), string(risk.DefaultPolicyYAML()))
	must := func(args ...string) (string, string) {
		t.Helper()
		out, errs, code := trawl(t, append([]string{"--db", db}, args...)...)
		if code != 0 {
			t.Fatalf("%v: %d %s%s", args, code, out, errs)
		}
		return out, errs
	}
	// before the first scoring, context is only loaded
	must("import", log)
	if _, errs := must("context", "import", "--no-rescore", assets); strings.Contains(errs, "scored") {
		t.Errorf("context import scored a store never scored: %s", errs)
	}
	must("hunt", "--rules", rules)
	before, _ := must("incidents", "-f", "csv")
	if _, errs := must("context", "import", "--no-rescore", ids); strings.Contains(errs, "scored") {
		t.Errorf("--no-rescore scored: %s", errs)
	}
	if out, _ := must("incidents", "-f", "csv"); out != before {
		t.Errorf("--no-rescore changed the queue:\n%s\nwas\n%s", out, before)
	}
	if _, errs := must("context", "import", ids); !strings.Contains(errs, "scored 3 alerts") {
		t.Errorf("context import did not rescore: %s", errs)
	}
	out, _ := must("incidents", "-f", "csv")
	if out == before {
		t.Error("the identities changed nothing in the queue")
	}
	want, err := os.ReadFile("testdata/incidents.golden.csv")
	if err != nil {
		t.Fatal(err)
	}
	if out != string(want) {
		t.Errorf("context loaded after the hunt gives\n%s\nnot what loading it first gives\n%s", out, want)
	}
	// intel, scored with the team's policy file that the latest run used
	must("score", "--policy", policy)
	if _, errs := must("intel", "import", iocs); !strings.Contains(errs, "scored 3 alerts") {
		t.Errorf("intel import did not rescore: %s", errs)
	}
	pol, _ := must("sql", "SELECT policy FROM score_runs ORDER BY id DESC LIMIT 1", "-f", "csv")
	if pol != "policy\n"+policy+"\n" {
		t.Errorf("the rescoring after intel used policy %q, want %s", pol, policy)
	}
	fs, _ := must("sql", "SELECT a.id, s.factors FROM alerts a JOIN alert_scores s ON s.alert_id = a.id ORDER BY a.id", "-f", "csv")
	if n := strings.Count(fs, "threat_intel"); n != 1 || !strings.Contains(fs, "10.0.0.9 matches indicator 10.0.0.9") {
		t.Errorf("want one threat_intel factor, on the alert of 10.0.0.9, after the intel import:\n%s", fs)
	}
	// a policy file that went away: the built-in one, said so
	if err := os.Remove(policy); err != nil {
		t.Fatal(err)
	}
	if _, errs := must("intel", "import", iocs); !strings.Contains(errs, "cannot be read now") || !strings.Contains(errs, "scored 3 alerts") {
		t.Errorf("missing policy file: %s", errs)
	}
}
