package engine

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"trawl/cases"
)

// caseStore is alertStore with two alerts: 1, SSH failures from 203.0.113.5 (events 1-3, 6;
// T1110.001, high), and 2, the success after them (event 4; T1021.004, medium).
func caseStore(t *testing.T) *Store {
	t.Helper()
	s := alertStore(t)
	run, err := s.StartHunt(t.Context(), time.Time{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []AlertRule{
		{Name: "ssh_fail", Title: "SSH failures", Severity: "high", Attack: []string{"T1110.001"},
			SQL: `SELECT list(id ORDER BY id) AS evidence FROM events WHERE outcome = 'failure' AND src_ip = '203.0.113.5'`},
		{Name: "ssh_success_after", Title: "Login after failures", Severity: "medium", Attack: []string{"T1021.004"},
			SQL: `SELECT list(id) AS evidence FROM events WHERE outcome = 'success' AND src_ip = '203.0.113.5'`},
	} {
		if _, err := s.RunRule(t.Context(), run, r); err != nil {
			t.Fatal(err)
		}
	}
	// Known detection times for the KPIs: the first evidence is 10:00.
	if _, err := s.db.Exec(`UPDATE alerts SET created_at = CASE id WHEN 1 THEN TIMESTAMP '2026-03-02 10:30:00' ELSE TIMESTAMP '2026-03-02 10:40:00' END`); err != nil {
		t.Fatal(err)
	}
	return s
}

func clock(hhmm string) time.Time {
	t, err := time.Parse("2006-01-02 15:04", "2026-03-02 "+hhmm)
	if err != nil {
		panic(err)
	}
	return t
}

func TestCaseLifecycle(t *testing.T) {
	s := caseStore(t)
	ctx := t.Context()
	d, err := s.DraftFromAlerts(ctx, []int64{2, 1, 2})
	if err != nil {
		t.Fatal(err)
	}
	if d.Title != "SSH failures and 1 more alert(s)" || d.Severity != "high" || !cmp.Equal(d.Alerts, []int64{2, 1}) {
		t.Errorf("draft = %+v", d)
	}
	d.Assignee = "alice"
	id, err := s.CreateCase(ctx, Actor{"alice", clock("11:00")}, d)
	if err != nil || id != 1 {
		t.Fatalf("CreateCase = %d, %v", id, err)
	}
	by := func(name, at string) Actor { return Actor{name, clock(at)} }
	steps := []struct {
		name string
		do   func() error
	}{
		{"status", func() error { return s.SetCaseField(ctx, id, by("alice", "11:02"), "status", "investigating") }},
		{"note", func() error {
			_, err := s.AddCaseNote(ctx, id, by("bob", "11:05"), "<script>alert(1)</script>\x1b[2J")
			return err
		}},
		{"tasks", func() error {
			_, err := s.AddCaseTasks(ctx, id, by("alice", "11:06"), []NewTask{{Text: "block 203.0.113.5", Phase: "contain", Source: "playbook:brute-force"}, {Text: "reset deploy"}})
			return err
		}},
		{"done", func() error { return s.CompleteCaseTask(ctx, id, by("alice", "11:20"), 1) }},
		{"done again", func() error { return s.CompleteCaseTask(ctx, id, by("alice", "11:21"), 1) }},
		{"pin", func() error { return s.PinCaseEvent(ctx, id, by("alice", "11:22"), 8) }},
		{"pin carried", func() error { return s.PinCaseEvent(ctx, id, by("alice", "11:23"), 4) }},
		{"contained", func() error { return s.SetCaseField(ctx, id, by("alice", "11:25"), "status", "contained") }},
		{"same status", func() error { return s.SetCaseField(ctx, id, by("alice", "11:26"), "status", "contained") }},
		{"verdict", func() error { return s.SetCaseField(ctx, id, by("alice", "11:40"), "verdict", "tp") }},
		{"closed", func() error { return s.SetCaseField(ctx, id, by("alice", "11:45"), "status", "closed") }},
	}
	for _, st := range steps {
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
	}
	c, err := s.Case(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if c.Status != cases.StatusClosed || c.Verdict != cases.VerdictTruePositive || c.Assignee != "alice" || c.Severity != "high" {
		t.Errorf("case = %s %s %s %s", c.Status, c.Verdict, c.Assignee, c.Severity)
	}
	var evidence []int64
	var pinned []int64
	for _, e := range c.Evidence {
		evidence = append(evidence, e.ID)
		if e.Pinned {
			pinned = append(pinned, e.ID)
		}
	}
	// Evidence in time order: 1 (10:00), 2, 3, 4 (10:03), 8 (10:20, pinned), 6 (12:10).
	if !cmp.Equal(evidence, []int64{1, 2, 3, 4, 8, 6}) || !cmp.Equal(pinned, []int64{4, 8}) || c.EvidenceN != 6 {
		t.Errorf("evidence %v, pinned %v, count %d", evidence, pinned, c.EvidenceN)
	}
	if c.First == nil || !c.First.Equal(clock("10:00")) || !c.Last.Equal(clock("12:10")) {
		t.Errorf("range %v to %v", c.First, c.Last)
	}
	var techs []string
	for _, tc := range c.Techniques {
		techs = append(techs, tc.ID+" "+tc.Name+" / "+strings.Join(tc.Tactics, ","))
	}
	if diff := cmp.Diff([]string{"T1110.001 Brute Force: Password Guessing / Credential Access", "T1021.004 Remote Services: SSH / Lateral Movement"}, techs); diff != "" {
		t.Errorf("techniques (-want +got):\n%s", diff)
	}
	var ents []string
	for _, e := range c.Entities {
		ents = append(ents, e.Kind+"="+e.Value)
	}
	if diff := cmp.Diff([]string{"host=bastion", "process=sshd", "src_ip=203.0.113.5", "user=admin", "user=deploy", "user=oracle", "user=root"}, ents); diff != "" {
		t.Errorf("entities (-want +got):\n%s", diff)
	}
	var hist []string
	for _, h := range c.History {
		hist = append(hist, strings.Join(slices.DeleteFunc([]string{h.At.Format("15:04"), h.Actor, string(h.Action), h.Field, h.Old + ">" + h.New}, func(s string) bool { return s == "" }), " "))
	}
	want := []string{
		"11:00 alice create >SSH failures and 1 more alert(s)",
		"11:00 alice set status >new",
		"11:00 alice set severity >high",
		"11:00 alice set assignee >alice",
		"11:00 alice set narrative >" + d.Narrative,
		"11:00 alice link_alert >2",
		"11:00 alice link_alert >1",
		"11:00 alice entity >user=admin",
		"11:00 alice entity >user=oracle",
		"11:00 alice entity >user=root",
		"11:00 alice entity >host=bastion",
		"11:00 alice entity >src_ip=203.0.113.5",
		"11:00 alice entity >process=sshd",
		"11:00 alice entity >user=deploy",
		"11:00 alice technique >T1110.001",
		"11:00 alice technique >T1021.004",
		"11:02 alice set status new>investigating",
		"11:05 bob note 1 ><script>alert(1)</script>\x1b[2J",
		"11:06 alice task_add 1 >block 203.0.113.5",
		"11:06 alice task_add 2 >reset deploy",
		"11:20 alice task_done 1 open>done",
		"11:22 alice pin >8",
		"11:23 alice pin >4",
		"11:25 alice set status investigating>contained",
		"11:40 alice set verdict >true_positive",
		"11:45 alice set status contained>closed",
	}
	if diff := cmp.Diff(want, hist); diff != "" {
		t.Errorf("history (-want +got):\n%s", diff)
	}
	head, problems, err := s.VerifyCase(ctx, id)
	if err != nil || len(problems) != 0 || head != c.HeadHash || len(head) != 64 {
		t.Errorf("VerifyCase = %q, %v, %v", head, problems, err)
	}
	if !c.UpdatedAt.Equal(clock("11:45")) {
		t.Errorf("updated_at %v", c.UpdatedAt)
	}

	// KPIs from the known times: first evidence 10:00, first alert 10:30 (TTD 30m), contained
	// 11:25 (TTR 55m); analyst time 11:00 → 11:25 with no pause over 30m, then 11:40, 11:45: 45m.
	all, err := s.CasesForMetrics(ctx)
	if err != nil {
		t.Fatal(err)
	}
	k := cases.ComputeKPIs(all, time.Time{}, time.Time{})
	if k.MTTD == nil || *k.MTTD != 30*60 || k.MTTR == nil || *k.MTTR != 55*60 || k.AnalystTime == nil || *k.AnalystTime != 45*60 {
		t.Errorf("KPIs = %+v", k)
	}
	rs := cases.ComputeRuleStats(all)
	if len(rs) != 2 || rs[0].Rule != "ssh_fail" || rs[0].Verdicts["true_positive"] != 1 || rs[0].AnalystSeconds != 45*60/2 {
		t.Errorf("rule stats = %+v", rs)
	}

	list, err := s.CaseList(ctx, CaseFilter{Status: "closed"})
	if err != nil || len(list) != 1 || list[0].Alerts != 2 || list[0].OpenTasks != 1 {
		t.Errorf("CaseList = %+v, %v", list, err)
	}
	if list, _ := s.CaseList(ctx, CaseFilter{Status: "new"}); len(list) != 0 {
		t.Errorf("new cases: %+v", list)
	}
}

func TestCaseTamperDetected(t *testing.T) {
	for _, tc := range []struct {
		name, sql, want string
	}{
		{"history edited", `UPDATE case_history SET new = 'bob' WHERE seq = 4`, "history entry 4: content does not match"},
		{"history deleted", `DELETE FROM case_history WHERE seq = 5`, "history entry 6: out of sequence"},
		{"status changed behind trawl's back", `UPDATE cases SET status = 'closed'`, `status is "closed" but the history says "investigating"`},
		{"note edited", `UPDATE case_notes SET text = 'all fine'`, "note 1 differs"},
		{"task ticked off silently", `UPDATE case_tasks SET done_at = now()`, "done tasks: 1 is stored but not in the history"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := caseStore(t)
			ctx := t.Context()
			d, _ := s.DraftFromAlerts(ctx, []int64{1})
			d.Assignee = "alice"
			id, err := s.CreateCase(ctx, Actor{Name: "alice"}, d)
			if err != nil {
				t.Fatal(err)
			}
			s.SetCaseField(ctx, id, Actor{Name: "alice"}, "status", "investigating")
			s.AddCaseNote(ctx, id, Actor{Name: "alice"}, "looked at it")
			s.AddCaseTasks(ctx, id, Actor{Name: "alice"}, []NewTask{{Text: "x"}})
			if _, problems, _ := s.VerifyCase(ctx, id); len(problems) != 0 {
				t.Fatalf("intact case has problems: %v", problems)
			}
			if _, err := s.db.Exec(tc.sql); err != nil {
				t.Fatal(err)
			}
			_, problems, err := s.VerifyCase(ctx, id)
			if err != nil || !strings.Contains(strings.Join(problems, "\n"), tc.want) {
				t.Errorf("VerifyCase problems = %q, %v; want %q", problems, err, tc.want)
			}
		})
	}
}

func TestCaseChangeErrors(t *testing.T) {
	s := caseStore(t)
	ctx := t.Context()
	d, _ := s.DraftFromAlerts(ctx, []int64{1})
	id, err := s.CreateCase(ctx, Actor{Name: "alice"}, d)
	if err != nil {
		t.Fatal(err)
	}
	before, _ := s.Case(ctx, id)
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"missing case", s.SetCaseField(ctx, 99, Actor{Name: "a"}, "status", "closed"), "case 99: no such case"},
		{"bad status", s.SetCaseField(ctx, id, Actor{Name: "a"}, "status", "done"), `unknown status "done"`},
		{"bad verdict", s.SetCaseField(ctx, id, Actor{Name: "a"}, "verdict", "maybe"), `unknown verdict "maybe"`},
		{"bad field", s.SetCaseField(ctx, id, Actor{Name: "a"}, "created_by", "x"), `case field "created_by" cannot be set`},
		{"no author", s.SetCaseField(ctx, id, Actor{}, "status", "closed"), "needs an author"},
		{"missing event", s.PinCaseEvent(ctx, id, Actor{Name: "a"}, 999), "no event 999"},
		{"missing task", s.CompleteCaseTask(ctx, id, Actor{Name: "a"}, 5), "no task 5"},
		{"bad phase", func() error {
			_, err := s.AddCaseTasks(ctx, id, Actor{Name: "a"}, []NewTask{{Text: "x", Phase: "pray"}})
			return err
		}(), `phase "pray"`},
		{"empty note", func() error { _, err := s.AddCaseNote(ctx, id, Actor{Name: "a"}, " "); return err }(), "empty note"},
		{"missing alert", func() error { _, err := s.DraftFromAlerts(ctx, []int64{1, 42}); return err }(), "alert 42: no such alert"},
	} {
		if tc.err == nil || !strings.Contains(tc.err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.name, tc.err, tc.want)
		}
	}
	if err := s.SetCaseField(ctx, 99, Actor{Name: "a"}, "status", "closed"); !errors.Is(err, ErrNoCase) {
		t.Errorf("missing case error %v is not ErrNoCase", err)
	}
	after, _ := s.Case(ctx, id)
	if len(after.History) != len(before.History) || after.Status != cases.StatusNew {
		t.Errorf("failed changes left %d history entries (had %d), status %s", len(after.History), len(before.History), after.Status)
	}
}

func TestCaseEntityContext(t *testing.T) {
	s := caseStore(t)
	ctx := t.Context()
	dir := t.TempDir()
	assets := filepath.Join(dir, "assets.csv")
	people := filepath.Join(dir, "people.csv")
	os.WriteFile(assets, []byte("name,owner,criticality,environment,internet_facing\nbastion,infra,high,dmz,yes\n"), 0o644)
	os.WriteFile(people, []byte("user,display_name,department,privileged,service_account\ndeploy,Deploy Bot,platform,no,yes\n"), 0o644)
	for _, p := range []string{assets, people} {
		if _, err := s.ImportContext(ctx, p, ""); err != nil {
			t.Fatal(err)
		}
	}
	d, _ := s.DraftFromAlerts(ctx, []int64{2})
	id, err := s.CreateCase(ctx, Actor{Name: "a"}, d)
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.Case(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, e := range c.Entities {
		got[e.Kind+"="+e.Value] = e.Context
	}
	want := map[string]string{
		"host=bastion":       "asset bastion: owner infra, criticality 4, dmz, internet-facing",
		"user=deploy":        "identity deploy (Deploy Bot): platform, service account",
		"src_ip=203.0.113.5": "",
		"process=sshd":       "",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("entity context (-want +got):\n%s", diff)
	}
}

// TestHistoryAppendOnly: no statement in the engine updates or deletes case history rows.
func TestHistoryAppendOnly(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`(?i)(update\s+case_history|delete\s+from\s+case_history|truncate\s+case_history|drop\s+table\s+case_history)`)
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if m := re.Find(b); m != nil {
			t.Errorf("%s: %q: case history is append-only", f, m)
		}
	}
}

// TestLinkCaseAlerts: linking an alert adds its evidence and only the entities and techniques
// the case lacked, each with a history entry; linking it again records nothing.
func TestLinkCaseAlerts(t *testing.T) {
	s := caseStore(t)
	ctx := t.Context()
	d, err := s.DraftFromAlerts(ctx, []int64{1})
	if err != nil {
		t.Fatal(err)
	}
	id, err := s.CreateCase(ctx, Actor{"alice", clock("11:00")}, d)
	if err != nil {
		t.Fatal(err)
	}
	before, err := s.Case(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	for _, at := range []string{"11:10", "11:15"} {
		if err := s.LinkCaseAlerts(ctx, id, Actor{"bob", clock(at)}, []int64{2, 1}); err != nil {
			t.Fatalf("link at %s: %v", at, err)
		}
	}
	c, err := s.Case(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	var added []string
	for _, h := range c.History[len(before.History):] {
		added = append(added, h.At.Format("15:04")+" "+h.Actor+" "+string(h.Action)+" "+h.New)
	}
	want := []string{"11:10 bob link_alert 2", "11:10 bob entity user=deploy", "11:10 bob technique T1021.004"}
	if diff := cmp.Diff(want, added); diff != "" {
		t.Errorf("history added (-want +got):\n%s", diff)
	}
	if before.EvidenceN != 4 || c.EvidenceN != 5 || len(c.Alerts) != 2 || len(c.Techniques) != 2 {
		t.Errorf("evidence %d then %d, %d alerts, %d techniques", before.EvidenceN, c.EvidenceN, len(c.Alerts), len(c.Techniques))
	}
	if _, problems, err := s.VerifyCase(ctx, id); err != nil || len(problems) != 0 {
		t.Errorf("VerifyCase: %v, %v", problems, err)
	}
	// Without evidence: the same case less its events (still counted).
	lite, err := s.CaseWithoutEvidence(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(lite.Evidence) != 0 || lite.EvidenceN != c.EvidenceN || !cmp.Equal(lite.Alerts, c.Alerts) ||
		!cmp.Equal(lite.Techniques, c.Techniques) || !cmp.Equal(lite.History, c.History) || len(lite.Entities) != len(c.Entities) {
		t.Errorf("CaseWithoutEvidence = %+v\nCase = %+v", lite, c)
	}
	if _, err := s.CaseWithoutEvidence(ctx, id+1); !errors.Is(err, ErrNoCase) {
		t.Errorf("CaseWithoutEvidence of a missing case: %v", err)
	}
	// For the metrics: the same fields, alerts and history, in a few queries for all cases.
	all, err := s.CasesForMetrics(ctx)
	if err != nil || len(all) != 1 {
		t.Fatalf("CasesForMetrics = %d cases, %v", len(all), err)
	}
	m := all[0]
	lite.Incidents, lite.Entities, lite.Techniques, lite.Notes, lite.Tasks = m.Incidents, m.Entities, m.Techniques, m.Notes, m.Tasks
	if diff := cmp.Diff(lite, m); diff != "" {
		t.Errorf("CasesForMetrics differs from the case (-case +metrics):\n%s", diff)
	}
}
