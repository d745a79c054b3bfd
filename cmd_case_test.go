package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"trawl/engine"
	"trawl/internal/testutil"
)

// hostileNote is a note with a script tag, an OSC title change, colour and screen-clearing
// escapes, a Markdown link and a bidi override: it must come out inert everywhere.
const hostileNote = "<script>alert(1)</script>\x1b]0;pwned\x07\x1b[2J\x1b[31mred [x](javascript:alert(2)) \u202eevil"

// demoStore imports the committed demo data and runs the built-in rules over it.
func demoStore(t *testing.T) string {
	t.Helper()
	db := demoImport(t)
	mustTrawl(t, "--db", db, "hunt")
	return db
}

// demoImport imports the committed demo data into a new store, not hunted yet.
func demoImport(t *testing.T) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "demo.duckdb")
	mustTrawl(t, "--db", db, "import", filepath.Join(testutil.RepoRoot(t), "demo", "generated"))
	return db
}

// alertIDs returns the ids of the alerts of a rule.
func alertIDs(t *testing.T, db, rule string) []string {
	t.Helper()
	out, errs, code := trawl(t, "--db", db, "alerts", "--rule", rule, "-f", "json")
	if code != 0 {
		t.Fatalf("alerts: %s", errs)
	}
	var ids []string
	for _, a := range jsonLines(t, out) {
		ids = append(ids, fmt.Sprint(a["id"]))
	}
	if len(ids) == 0 {
		t.Fatalf("no %s alerts", rule)
	}
	return ids
}

// TestCaseLifeOnDemo walks a case through its whole life on the demo data: opened from the SSH
// brute-force alerts, worked (playbook tasks, a hostile note, a pin, status changes, a verdict),
// verified and exported in every format.
func TestCaseLifeOnDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("imports the demo data")
	}
	db := demoStore(t)
	t.Setenv("TRAWL_ANALYST", "alice")
	ids := append(alertIDs(t, db, "ssh_brute_force"), alertIDs(t, db, "ssh_brute_force_then_success")...)
	out := mustTrawl(t, "--db", db, "case", "new", "--from-alerts", strings.Join(ids, ","), "--assignee", "bob", "--format", "json")
	var c map[string]any
	if err := json.Unmarshal([]byte(out), &c); err != nil {
		t.Fatalf("case new json: %v\n%s", err, out)
	}
	if c["id"] != 1.0 || c["status"] != "new" || c["severity"] != "high" || c["assignee"] != "bob" || len(c["alerts"].([]any)) != len(ids) {
		t.Errorf("new case: id %v status %v severity %v assignee %v alerts %d", c["id"], c["status"], c["severity"], c["assignee"], len(c["alerts"].([]any)))
	}
	ents := fmt.Sprint(c["entities"])
	for _, want := range []string{"203.0.113.45", "bastion01", "deploy"} {
		if !strings.Contains(ents, want) {
			t.Errorf("entities lack %s: %s", want, ents)
		}
	}
	techs, _ := json.Marshal(c["techniques"])
	if !strings.Contains(string(techs), `{"id":"T1110.001","name":"Brute Force: Password Guessing","tactics":["Credential Access"]}`) {
		t.Errorf("techniques: %s", techs)
	}
	if c["first"] != "2026-03-02T02:41:12.328Z" || c["evidence_count"].(float64) < 100 {
		t.Errorf("first %v, %v evidence events", c["first"], c["evidence_count"])
	}

	db1 := []string{"--db", db, "case"}
	run := func(args ...string) string { return mustTrawl(t, append(append([]string(nil), db1...), args...)...) }
	run("status", "1", "investigating")
	run("note", "1", hostileNote)
	pb := run("playbook", "1")
	if !strings.Contains(pb, "$ sudo nft add rule inet filter input ip saddr '203.0.113.45' counter drop") || !strings.Contains(pb, "PS $ Disable-ADAccount -Identity 'deploy'") {
		t.Errorf("playbook output:\n%s", pb)
	}
	run("playbook", "1", "--add")
	var withTasks map[string]any
	json.Unmarshal([]byte(run("show", "1", "-f", "json")), &withTasks)
	if tasks := withTasks["tasks"].([]any); len(tasks) < 10 || tasks[0].(map[string]any)["source"] != "playbook:brute-force" || tasks[0].(map[string]any)["phase"] != "contain" {
		t.Errorf("playbook tasks: %d, first %v", len(tasks), tasks[0])
	}
	run("task", "1", "add", "Call", "the", "bastion", "owner", "--phase", "collect", "--author", "carol")
	run("task", "1", "done", "1")
	run("pin", "1", "1")
	run("status", "1", "contained")
	run("verdict", "1", "true_positive")
	run("status", "1", "closed")

	// History: every change, with who did it.
	var shown map[string]any
	json.Unmarshal([]byte(run("show", "1", "-f", "json")), &shown)
	var lines []string
	for _, h := range shown["history"].([]any) {
		m := h.(map[string]any)
		if m["action"] == "set" && (m["field"] == "status" || m["field"] == "verdict") || m["action"] == "note" || m["action"] == "task_done" || m["action"] == "pin" {
			lines = append(lines, fmt.Sprintf("%s %s %s %s>%s", m["actor"], m["action"], m["field"], m["old"], m["new"]))
		}
	}
	want := []string{"alice set status >new", "alice set status new>investigating", "alice note 1 >" + hostileNote,
		"alice task_done 1 open>done", "alice pin  >1", "alice set status investigating>contained",
		"alice set verdict >true_positive", "alice set status contained>closed"}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("history:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	if tl := fmt.Sprint(shown["timeline"]); !strings.Contains(tl, "kind:note") || !strings.Contains(tl, "kind:alert") || !strings.Contains(tl, "kind:event") {
		t.Error("timeline lacks notes, alerts or events")
	}
	list := jsonLines(t, run("list", "-f", "json"))
	if len(list) != 1 || list[0]["id"] != 1.0 || list[0]["status"] != "closed" || list[0]["verdict"] != "true_positive" || list[0]["alerts"] != float64(len(ids)) {
		t.Errorf("case list: %v", list)
	}
	if out := run("verify", "1"); !strings.HasPrefix(out, "case 1: history intact, head ") {
		t.Errorf("verify: %s", out)
	}

	// The hostile note is inert in the terminal output and in every report.
	table := run("show", "1", "--events", "300")
	if strings.ContainsAny(table, "\x1b\x07\u202e") || !strings.Contains(table, `\x1b]0;pwned`) {
		t.Errorf("case show leaks control characters")
	}
	dir := t.TempDir()
	for _, f := range []string{"md", "html", "json"} {
		path := filepath.Join(dir, "case."+f)
		run("export", "1", "--format", f, "--out", path)
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		s := string(b)
		if strings.Contains(s, "<script") || strings.ContainsAny(s, "\x1b\x07\u202e") {
			t.Errorf("%s report: the hostile note is not inert", f)
		}
		for _, want := range map[string][]string{
			"md":   {"## Executive summary", "## Timeline", "| T1110.001 | Brute Force: Password Guessing | Credential Access |", "- [x] ", "## Verdict\n\ntrue positive"},
			"html": {"<svg", "@media print", "Brute Force: Password Guessing", "&lt;script&gt;"},
			"json": {`"schema": "trawl.case.report/v1"`, `"verdict": "true_positive"`, `\u003cscript\u003e`},
		}[f] {
			if !strings.Contains(s, want) {
				t.Errorf("%s report lacks %q", f, want)
			}
		}
	}
	if out := mustTrawl(t, "--db", db, "case", "export", "1", "-f", "json"); !json.Valid([]byte(out)) {
		t.Error("export to stdout is not JSON")
	}

	// KPIs: one true-positive case; the time to respond is minutes (the test just ran), the time
	// to detect is months (the demo events are from March and the hunt ran now).
	var k map[string]any
	json.Unmarshal([]byte(mustTrawl(t, "--db", db, "kpi", "-f", "json")), &k)
	if k["cases"] != 1.0 || k["false_positive_rate"] != 0.0 || k["true_positive_yield"] != 1.0 || k["mttd_seconds"].(float64) < 86400 || k["mttr_seconds"].(float64) > 600 {
		t.Errorf("kpi = %v", k)
	}
	byRule := map[string]map[string]any{}
	for _, r := range jsonLines(t, mustTrawl(t, "--db", db, "kpi", "--rules", "-f", "json")) {
		byRule[r["rule"].(string)] = r
	}
	if r := byRule["ssh_brute_force"]; r == nil || r["true_positive"] != 1.0 || r["true_positive_rate"] != "100.0%" || r["alerts_in_cases"] != float64(len(ids)-1) || r["alert_volume"] != float64(len(ids)-1) {
		t.Errorf("kpi --rules ssh_brute_force = %v", r)
	}
	if r := byRule["password_spraying"]; r == nil || r["cases"] != 0.0 || r["alert_volume"].(float64) < 1 || r["true_positive_rate"] != nil {
		t.Errorf("kpi --rules password_spraying = %v", r)
	}
	if a, b := mustTrawl(t, "--db", db, "kpi", "--rules", "-f", "json"), mustTrawl(t, "--db", db, "rules", "stats", "-f", "json"); a != b {
		t.Errorf("rules stats differs from kpi --rules:\n%s\n%s", b, a)
	}
	if out := mustTrawl(t, "--db", db, "kpi", "--from", "2099-01-01"); !strings.Contains(out, "cases") || !strings.Contains(out, "cases created 2099-01-01") {
		t.Errorf("kpi --from:\n%s", out)
	}

	// A false positive offers suppressions (the feedback loop).
	mustTrawl(t, "--db", db, "case", "new", "--from-alerts", ids[0])
	_, errs, code := trawl(t, "--db", db, "case", "verdict", "2", "fp")
	if code != 0 || !strings.Contains(errs, "suggests suppressing rule ssh_brute_force") {
		t.Errorf("verdict fp: %d %s", code, errs)
	}
	_, errs, code = trawl(t, "--db", db, "case", "verdict", "2", "fp", "--suppress")
	if code != 0 || !strings.Contains(errs, "suppression fp-alert-"+ids[0]+" added: rule ssh_brute_force where ") {
		t.Errorf("verdict fp --suppress: %d %s", code, errs)
	}
	if out := mustTrawl(t, "--db", db, "suppress", "list", "-f", "csv"); !strings.Contains(out, "fp-alert-"+ids[0]+",ssh_brute_force,") || !strings.Contains(out, ",\"false positive, case 2 (") {
		t.Errorf("suppress list after verdict fp --suppress:\n%s", out)
	}

	// Incidents, when the alerts are scored: the case takes the incident's narrative.
	st, err := engine.Open(t.Context(), db, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Score(t.Context(), engine.ScoreOptions{}); err != nil {
		t.Fatal(err)
	}
	inc, err := st.Incident(t.Context(), 1)
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	var ic map[string]any
	json.Unmarshal([]byte(mustTrawl(t, "--db", db, "case", "new", "--from-incident", "1", "-f", "json")), &ic)
	if ic["narrative"] != inc.Narrative || fmt.Sprint(ic["incidents"]) != "[1]" || ic["title"] != inc.Title || len(ic["alerts"].([]any)) != len(inc.AlertList) {
		t.Errorf("case from incident: %v %v %v; incident %q %q", ic["title"], ic["incidents"], ic["narrative"], inc.Title, inc.Narrative)
	}
}

func TestCaseCLIErrors(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "t.duckdb")
	log := writeFile(t, filepath.Join(dir, "a.log"), "kv-test: time=2024-01-02T03:04:05Z user=alice src_ip=10.0.0.1 outcome=failure host=ws1\n"+
		"kv-test: time=2024-01-02T03:05:00Z user=bob src_ip=10.0.0.1 outcome=failure host=ws1\n")
	mustTrawl(t, "--db", db, "import", log)
	rules := writeFile(t, filepath.Join(dir, "kv.hunt"), kvRules)
	mustTrawl(t, "--db", db, "hunt", "--rules", rules)
	t.Setenv("TRAWL_ANALYST", "")
	t.Setenv("USER", "")
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"case", "new", "--from-alerts", "1"}, 2, "pass --author or set TRAWL_ANALYST"},
		{[]string{"case", "new", "--from-alerts", "1", "--from-incident", "2", "--author", "a"}, 2, "can't be used together"},
		{[]string{"case", "new", "--from-alerts", "1,x", "--author", "a"}, 2, `--from-alerts: "x" is not an id`},
		{[]string{"case", "new", "--from-alerts", "9", "--author", "a"}, 1, "alert 9: no such alert"},
		{[]string{"case", "new", "--from-incident", "99", "--author", "a"}, 1, "incident 99"},
		{[]string{"case", "show", "5"}, 1, "case 5: no such case"},
		{[]string{"case", "status", "1", "done", "--author", "a"}, 2, `unknown status "done"`},
		{[]string{"case", "verdict", "1", "tp", "--suppress", "--author", "a"}, 2, "--suppress goes with a false_positive"},
		{[]string{"case", "note", "7", "x", "--author", "a"}, 1, "case 7: no such case"},
		{[]string{"kpi", "--to", "soon"}, 2, "--to"},
	} {
		out, errs, code := trawl(t, append([]string{"--db", db}, tc.args...)...)
		if code != tc.code || !strings.Contains(errs, tc.want) {
			t.Errorf("trawl %s: code %d, %s%s; want %d and %q", strings.Join(tc.args, " "), code, out, errs, tc.code, tc.want)
		}
	}
	// A playbook --add writes to the case: without a store it says so and creates none.
	none := filepath.Join(dir, "none.duckdb")
	if _, errs, code := trawl(t, "--db", none, "case", "playbook", "1", "--add", "--author", "a"); code != 1 || !strings.Contains(errs, "no trawl database") {
		t.Errorf("case playbook --add without a store: code %d, %s", code, errs)
	}
	if _, err := os.Stat(none); err == nil {
		t.Errorf("case playbook --add created %s", none)
	}
	// A silent edit of the history is reported by verify with exit code 1.
	mustTrawl(t, "--db", db, "case", "new", "--from-alerts", "1", "--author", "a")
	if out := mustTrawl(t, "--db", db, "case", "link", "1", "2", "--author", "a", "-f", "json"); !strings.Contains(out, `"alerts":2`) {
		t.Errorf("case link: %s", out)
	}
	st, err := engine.Open(t.Context(), db, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Query(t.Context(), `UPDATE case_history SET actor = 'mallory' WHERE seq = 2`); err != nil {
		t.Fatal(err)
	}
	st.Close()
	out, errs, code := trawl(t, "--db", db, "case", "verify", "1")
	if code != 1 || !strings.Contains(out, "history entry 2: content does not match its hash") {
		t.Errorf("verify after tampering: %d %s%s", code, out, errs)
	}
}

// killHelperEnv names the database the helper process edits until it is killed.
const killHelperEnv = "TRAWL_CASE_KILL_DB"

// TestCaseKillHelper is not a test: TestCaseSurvivesKill runs the test binary with
// killHelperEnv set, and this edits case 1 through the CLI's run (what main calls) in a loop,
// printing the number of each edit that finished, until it is killed.
func TestCaseKillHelper(t *testing.T) {
	db := os.Getenv(killHelperEnv)
	if db == "" {
		t.Skip("helper process for TestCaseSurvivesKill")
	}
	statuses := []string{"investigating", "contained", "eradicated", "closed", "new"}
	for i := 0; ; i++ {
		var args []string
		switch i % 5 {
		case 0:
			args = []string{"case", "note", "1", fmt.Sprintf("round %s note %d %s", os.Getenv("TRAWL_CASE_KILL_ROUND"), i, strings.Repeat("x", i%300))}
		case 1:
			args = []string{"case", "status", "1", statuses[(i/5)%len(statuses)]}
		case 2:
			args = []string{"case", "task", "1", "add", fmt.Sprintf("task %d", i)}
		case 3:
			args = []string{"case", "task", "1", "done", strconv.Itoa(i/5 + 1)}
		case 4:
			args = []string{"case", "assign", "1", fmt.Sprintf("analyst%d", i)}
		}
		if code := run(append([]string{"--db", db}, args...), io.Discard, os.Stderr); code != 0 {
			fmt.Fprintf(os.Stderr, "edit %d (%v) failed\n", i, args)
			os.Exit(3)
		}
		fmt.Println(i)
	}
}

// TestCaseSurvivesKill kills a process editing a case with SIGKILL at random points, several
// times, and checks after each that the store opens, the history chain verifies, the case
// agrees with its history, and every edit the process finished is there (the one in flight may
// or may not be).
func TestCaseSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a subprocess")
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "t.duckdb")
	log := writeFile(t, filepath.Join(dir, "a.log"), "kv-test: time=2024-01-02T03:04:05Z user=alice src_ip=10.0.0.1 outcome=failure host=ws1\n"+
		"kv-test: time=2024-01-02T03:05:00Z user=bob src_ip=10.0.0.1 outcome=failure host=ws1\n")
	mustTrawl(t, "--db", db, "import", log)
	mustTrawl(t, "--db", db, "hunt", "--rules", writeFile(t, filepath.Join(dir, "kv.hunt"), kvRules))
	mustTrawl(t, "--db", db, "case", "new", "--from-alerts", "1,2", "--author", "setup")
	history := func() int {
		var c map[string]any
		out := mustTrawl(t, "--db", db, "case", "show", "1", "-f", "json")
		if err := json.Unmarshal([]byte(out), &c); err != nil {
			t.Fatal(err)
		}
		return len(c["history"].([]any))
	}
	base := history()
	done := 0 // edits finished in earlier rounds
	for round, wait := range []time.Duration{0, 7 * time.Millisecond, 23 * time.Millisecond, 41 * time.Millisecond, 3 * time.Millisecond,
		13 * time.Millisecond, 57 * time.Millisecond, 1 * time.Millisecond} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCaseKillHelper$", "-test.count=1")
		cmd.Env = append(os.Environ(), killHelperEnv+"="+db, "TRAWL_ANALYST=editor", fmt.Sprintf("TRAWL_CASE_KILL_ROUND=%d", round))
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Let it finish a few edits, then kill it at a different moment each round.
		sc := bufio.NewScanner(stdout)
		last := -1
		for sc.Scan() {
			if n, err := strconv.Atoi(sc.Text()); err == nil {
				last = n
			}
			if last >= 4+round {
				break
			}
		}
		time.Sleep(wait)
		cmd.Process.Kill() // SIGKILL
		for sc.Scan() {
			if n, err := strconv.Atoi(sc.Text()); err == nil {
				last = n
			}
		}
		err = cmd.Wait()
		if last < 0 || !strings.Contains(fmt.Sprint(err), "killed") {
			t.Fatalf("round %d: helper ended with %v after %d edits:\n%s", round, err, last+1, stderr.String())
		}
		out, errs, code := trawl(t, "--db", db, "case", "verify", "1")
		if code != 0 {
			t.Fatalf("round %d: after kill: verify: %d %s%s", round, code, out, errs)
		}
		// Every note the helper finished is stored; the one in flight may be too.
		var c map[string]any
		json.Unmarshal([]byte(mustTrawl(t, "--db", db, "case", "show", "1", "-f", "json")), &c)
		notes := 0
		for _, n := range c["notes"].([]any) {
			if strings.HasPrefix(n.(map[string]any)["text"].(string), fmt.Sprintf("round %d note ", round)) {
				notes++
			}
		}
		finished := last/5 + 1 // notes are edits 0, 5, 10, ...
		if notes < finished || notes > finished+1 {
			t.Errorf("round %d: %d notes stored after %d finished note edits", round, notes, finished)
		}
		got := history() - base
		if got < done+finished {
			t.Errorf("round %d: %d history entries after %d finished edits (%d before)", round, got, last+1, done)
		}
		t.Logf("round %d: killed after %d finished edits; %d notes of this round stored; %d history entries in all", round, last+1, notes, got)
		done = got
	}
}

// TestCaseSurvivesKillBinary builds the trawl binary and runs it to edit a case again and
// again, each run killed with SIGKILL after a different delay (before, during and after its
// transaction). After every kill the store must open, the history chain and the case must
// verify, every edit whose process exited normally must be stored, and nothing else.
func TestCaseSurvivesKillBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "trawl")
	goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goTool); err != nil {
		if goTool, err = exec.LookPath("go"); err != nil {
			t.Skip("no go command to build the binary with")
		}
	}
	build := exec.Command(goTool, "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	db := filepath.Join(dir, "t.duckdb")
	log := writeFile(t, filepath.Join(dir, "a.log"), "kv-test: time=2024-01-02T03:04:05Z user=alice src_ip=10.0.0.1 outcome=failure host=ws1\n")
	mustTrawl(t, "--db", db, "import", log)
	mustTrawl(t, "--db", db, "hunt", "--rules", writeFile(t, filepath.Join(dir, "kv.hunt"), kvRules))
	mustTrawl(t, "--db", db, "case", "new", "--from-alerts", "1", "--author", "setup")

	committed, killed := map[string]bool{}, map[string]bool{}
	statuses := []string{"investigating", "contained", "closed", "new"}
	for i := range 24 {
		note := fmt.Sprintf("binary note %d", i)
		args := [][]string{
			{"case", "note", "1", note},
			{"case", "status", "1", statuses[i%len(statuses)]},
			{"case", "task", "1", "add", note},
		}[i%3]
		cmd := exec.Command(bin, append([]string{"--db", db}, append(args, "--author", "killer")...)...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		delay := time.Duration(i*53%400) * time.Millisecond
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		var err error
		select {
		case err = <-exited:
		case <-time.After(delay):
			cmd.Process.Kill()
			err = <-exited
		}
		if i%3 == 0 {
			if err == nil {
				committed[note] = true
			} else {
				killed[note] = true
			}
		}
		out, errs, code := trawl(t, "--db", db, "case", "verify", "1")
		if code != 0 {
			t.Fatalf("edit %d (%v) killed after %v: verify: %d %s%s", i, args, delay, code, out, errs)
		}
	}
	var c map[string]any
	json.Unmarshal([]byte(mustTrawl(t, "--db", db, "case", "show", "1", "-f", "json")), &c)
	stored := map[string]bool{}
	for _, n := range c["notes"].([]any) {
		stored[n.(map[string]any)["text"].(string)] = true
	}
	for n := range committed {
		if !stored[n] {
			t.Errorf("%q was committed (the process exited normally) but is not stored", n)
		}
	}
	for n := range stored {
		if !committed[n] && !killed[n] {
			t.Errorf("%q is stored but was never written", n)
		}
	}
	survived := 0
	for n := range killed {
		if stored[n] {
			survived++
		}
	}
	t.Logf("%d note edits finished, %d killed (%d of those had committed before the kill); %d history entries", len(committed), len(killed), survived, len(c["history"].([]any)))
	if len(committed) == 0 || len(killed) == 0 {
		// The delays are chosen to do both; a very slow or very fast machine may not.
		t.Logf("warning: the delays did not both kill some edits and let some finish")
	}
}
