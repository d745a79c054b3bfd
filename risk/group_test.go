package risk

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"trawl/internal/testutil"
)

// ev is a compact alert for the tables: rule, severity, minutes after the start, entities as
// "kind=value" words.
func ev(id int64, rule, sev string, minute int, ents ...string) Alert {
	a := Alert{ID: id, Rule: rule, Title: "Title of " + rule, Severity: sev, Confidence: 1, First: at(0, 0, minute), Last: at(0, 0, minute), Events: 1, Entities: map[string][]string{}}
	for _, e := range ents {
		k, v, _ := strings.Cut(e, "=")
		a.Entities[k] = append(a.Entities[k], v)
	}
	return a
}

// incidentSets renders which alerts share an incident: "1,2 3" means 1 and 2 together, 3
// alone; alerts in no incident are left out.
func incidentSets(res *Result) string {
	var parts []string
	for _, inc := range res.Incidents {
		ids := slices.Clone(inc.Alerts)
		slices.Sort(ids)
		var s []string
		for _, id := range ids {
			s = append(s, fmt.Sprint(id))
		}
		parts = append(parts, strings.Join(s, ","))
	}
	slices.Sort(parts)
	return strings.Join(parts, " ")
}

// filler is n high alerts of distinct rules, each naming ent and a user of its own: enough to
// make ent a hub under the test policy.
func filler(first int64, n int, ent string) []Alert {
	var out []Alert
	for i := 0; i < n; i++ {
		out = append(out, ev(first+int64(i), fmt.Sprintf("fill%d", i), "high", 3000+i*600, ent, fmt.Sprintf("user=filler%d", i)))
	}
	return out
}

func TestGrouping(t *testing.T) {
	pol := DefaultPolicy()
	pol.Grouping.HubMinAlerts = 10
	pol.Grouping.HubShare = 0.3
	tests := []struct {
		name   string
		alerts []Alert
		want   string
		cx     Context
	}{
		{"a host name and an address of one asset join",
			[]Alert{ev(1, "a", "high", 0, "host=ws22"), ev(2, "b", "high", 5, "src_ip=10.1.3.22")}, "1,2",
			Context{Assets: map[string]Asset{"host:ws22": {Key: "ws22"}, "ip:10.1.3.22": {Key: "ws22"}}}},
		{"addresses in one network asset do not join",
			[]Alert{ev(1, "a", "high", 0, "src_ip=10.1.3.22"), ev(2, "b", "high", 5, "src_ip=10.1.3.23")}, "1 2",
			Context{Assets: map[string]Asset{"ip:10.1.3.22": {Key: "10.1.0.0/16", Network: true}, "ip:10.1.3.23": {Key: "10.1.0.0/16", Network: true}}}},
		{"two aliases of one identity join",
			[]Alert{ev(1, "a", "high", 0, "user=corp\\vera"), ev(2, "b", "high", 5, "user=vera@corp.example")}, "1,2",
			Context{Identities: map[string]Identity{"corp\\vera": {Key: "vera"}, "vera@corp.example": {Key: "vera"}}}},
		{"shared host within the window joins",
			[]Alert{ev(1, "a", "high", 0, "host=ws1"), ev(2, "b", "high", 60, "host=ws1")}, "1,2", Context{}},
		{"shared host after the window does not",
			[]Alert{ev(1, "a", "high", 0, "host=ws1"), ev(2, "b", "high", 25*60, "host=ws1")}, "1 2", Context{}},
		{"joined transitively: host, then user, then address",
			[]Alert{ev(1, "a", "high", 0, "host=ws1", "user=bob"), ev(2, "b", "high", 30, "user=bob", "host=srv"),
				ev(3, "c", "high", 90, "host=srv", "src_ip=10.0.0.9"), ev(4, "d", "high", 100, "dst_ip=10.0.0.9")}, "1,2,3,4", Context{}},
		{"the window runs from the latest end of the joined alerts",
			[]Alert{func() Alert { a := ev(1, "a", "high", 0, "host=ws1"); a.Last = at(2, 0, 0); return a }(),
				ev(2, "b", "high", 60*60, "host=ws1")}, "1,2", Context{}},
		{"a source address joins the same destination address",
			[]Alert{ev(1, "a", "high", 0, "src_ip=10.0.0.5"), ev(2, "b", "high", 5, "dst_ip=10.0.0.5")}, "1,2", Context{}},
		{"user and target_user are one user",
			[]Alert{ev(1, "a", "high", 0, "user=root"), ev(2, "b", "high", 5, "target_user=root")}, "1,2", Context{}},
		{"process names join nothing",
			[]Alert{ev(1, "a", "high", 0, "process=powershell.exe", "host=ws1"), ev(2, "b", "high", 5, "process=powershell.exe", "host=ws2")}, "1 2", Context{}},
		{"a kind with more than wide_values values joins nothing (spray targets)",
			[]Alert{ev(1, "spray", "high", 0, "src_ip=203.0.113.9", "user=a", "user=b", "user=c", "user=d", "user=e", "user=f"),
				ev(2, "x", "high", 30, "user=c", "host=ws3")}, "1 2", Context{}},
		{"the spray still joins by its source address",
			[]Alert{ev(1, "spray", "high", 0, "src_ip=203.0.113.9", "user=a", "user=b", "user=c", "user=d", "user=e", "user=f"),
				ev(2, "x", "high", 30, "src_ip=203.0.113.9", "host=ws3")}, "1,2", Context{}},
		{"a hub (in 30% of alerts, and at least 10) joins nothing",
			append([]Alert{ev(1, "a", "high", 0, "host=dc01", "user=amy"), ev(2, "b", "high", 30, "host=dc01", "user=ben")}, filler(100, 10, "host=dc01")...),
			"1 100 101 102 103 104 105 106 107 108 109 2", Context{}},
		{"below the hub cut the same entity joins",
			append([]Alert{ev(1, "a", "high", 0, "host=dc01", "user=amy"), ev(2, "b", "high", 30, "host=dc01", "user=ben")}, filler(100, 3, "host=fs9")...),
			"1,2 100,101,102", Context{}},
		{"auto-closed alerts are in no incident",
			[]Alert{ev(1, "a", "info", 0, "host=ws1"), ev(2, "b", "high", 5, "host=ws1"), ev(3, "c", "info", 10, "host=ws1", "user=z"), ev(4, "d", "high", 15, "user=z")}, "2 4", Context{}},
		{"suppressed alerts are in no incident",
			[]Alert{ev(1, "a", "high", 0, "host=ws1"), func() Alert { a := ev(2, "b", "high", 5, "host=ws1"); a.Suppressed = "backup job"; return a }()}, "1", Context{}},
		{"duplicates collapse and stay in their incident",
			[]Alert{ev(1, "a", "high", 0, "host=ws1"), ev(2, "a", "high", 10, "host=ws1"), ev(3, "a", "high", 20, "host=ws1")}, "1,2,3", Context{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := Run(tc.alerts, tc.cx, pol)
			if got := incidentSets(res); got != tc.want {
				t.Errorf("incidents %q, want %q", got, tc.want)
			}
			total := res.Summary.Suppressed
			for _, n := range res.Summary.Actions {
				total += n
			}
			if total != len(tc.alerts) {
				t.Errorf("summary counts %d alerts, want %d", total, len(tc.alerts))
			}
		})
	}
}

func TestCollapse(t *testing.T) {
	alerts := []Alert{
		ev(5, "a", "high", 20, "host=ws1", "user=bob"),
		ev(3, "a", "high", 0, "user=bob", "host=ws1"),
		ev(4, "a", "high", 10, "host=ws1", "user=bob"),
		ev(6, "a", "high", 30, "host=ws1"),
		ev(7, "b", "high", 40, "host=ws1", "user=bob"),
	}
	res := Run(alerts, Context{}, DefaultPolicy())
	got := map[int64][2]int64{}
	for _, s := range res.Alerts {
		got[s.AlertID] = [2]int64{int64(s.Duplicates), s.Primary}
	}
	want := map[int64][2]int64{5: {3, 3}, 3: {3, 3}, 4: {3, 3}, 6: {1, 6}, 7: {1, 7}}
	for id, w := range want {
		if got[id] != w {
			t.Errorf("alert %d: duplicates, primary %v, want %v", id, got[id], w)
		}
	}
	if res.Summary.Collapsed != 3 {
		t.Errorf("collapsed %d, want 3", res.Summary.Collapsed)
	}
	if inc := res.Incidents[0]; inc.Collapsed != 3 || len(inc.Alerts) != 5 || !slices.Equal(inc.Alerts, []int64{3, 4, 5, 6, 7}) {
		t.Errorf("incident: collapsed %d, alerts %v", inc.Collapsed, inc.Alerts)
	}
}

func TestEntityRisk(t *testing.T) {
	var alerts []Alert
	// Eight low alerts of different rules on ws1 over a day; one critical on ws2.
	for i := 0; i < 8; i++ {
		alerts = append(alerts, ev(int64(i+1), fmt.Sprintf("low%d", i), "low", i*180, "host=ws1"))
	}
	alerts = append(alerts, ev(20, "crit", "critical", 0, "host=ws2"))
	// The same low rule 30 times on ws3: repeats add less and less.
	for i := 0; i < 30; i++ {
		alerts = append(alerts, ev(int64(100+i), "noisy", "low", i*10, "host=ws3"))
	}
	// Two high alerts on ws4 ten days apart: the first left the window before the second.
	alerts = append(alerts, ev(200, "h1", "high", 0, "host=ws4"), ev(201, "h2", "high", 10*24*60, "host=ws4"))
	res := Run(alerts, Context{}, DefaultPolicy())
	risk := map[string]EntityRisk{}
	for _, e := range res.Entities {
		risk[e.Kind+"="+e.Value] = e
	}
	score := map[int64]int{}
	for _, s := range res.Alerts {
		score[s.AlertID] = s.Score
	}
	if risk["host=ws1"].Risk <= risk["host=ws2"].Risk {
		t.Errorf("eight lows on ws1 (%.1f) should outrank one critical on ws2 (%.1f)", risk["host=ws1"].Risk, risk["host=ws2"].Risk)
	}
	if r := risk["host=ws2"].Risk; r != float64(score[20]) {
		t.Errorf("ws2 risk %.1f, want its one alert's score %d", r, score[20])
	}
	if r, one := risk["host=ws3"].Risk, float64(score[100]); r >= 2*one || r < one {
		t.Errorf("ws3: 30 repeats of one alert give %.1f, want between %.0f and %.0f", r, one, 2*one)
	}
	if r := risk["host=ws4"].Risk; r != float64(max(score[200], score[201])) {
		t.Errorf("ws4 risk %.1f: alerts ten days apart should not add up", r)
	}
	if e := risk["host=ws1"]; e.Alerts != 8 || e.Rules != 8 {
		t.Errorf("ws1: %d alerts, %d rules", e.Alerts, e.Rules)
	}
	// Decay: two equal alerts one half-life apart give 1.5 times one.
	res = Run([]Alert{ev(1, "a", "high", 0, "host=h"), ev(2, "b", "high", 24*60, "host=h")}, Context{}, DefaultPolicy())
	if got, one := res.Entities[0].Risk, float64(res.Alerts[0].Score); got != 1.5*one {
		t.Errorf("decay: %.2f, want 1.5 × %.0f", got, one)
	}
}

// policyCases are TestPolicy's table; they also seed FuzzReadPolicy.
var policyCases = []struct {
	name, yaml, err string
	check           func(Policy) bool
}{
	{"empty file keeps the defaults", "", "", func(p Policy) bool {
		return p.ActionFor(29) == AutoClose && p.ActionFor(30) == Queue && p.ActionFor(70) == Escalate && p.PriorityFor(80) == "P1" && p.PriorityFor(0) == "P4"
	}},
	{"a section replaces the default one", "actions:\n  - action: queue\n    below: 90\n  - action: escalate\n", "", func(p Policy) bool {
		return p.ActionFor(0) == Queue && p.ActionFor(95) == Escalate && p.PriorityFor(60) == DefaultPolicy().PriorityFor(60)
	}},
	{"durations in days", "entity_risk:\n  half_life: 2d\n", "", func(p Policy) bool { return time.Duration(p.EntityRisk.HalfLife) == 48*time.Hour }},
	{"a zero knob keeps its default", "entity_risk:\n  threshold: 0\n  window: 2d\ngrouping:\n  wide_values: 0\n", "", func(p Policy) bool {
		def := DefaultPolicy()
		return p.EntityRisk.Threshold == def.EntityRisk.Threshold && p.Grouping.WideValues == def.Grouping.WideValues &&
			time.Duration(p.EntityRisk.Window) == 48*time.Hour && p.EntityRisk.HalfLife == def.EntityRisk.HalfLife
	}},
	{"unknown action", "actions:\n  - action: ignore\n", "unknown action \"ignore\"", nil},
	{"open band not last", "actions:\n  - action: queue\n  - action: escalate\n    below: 10\n", "only the last band", nil},
	{"bands out of order", "actions:\n  - action: queue\n    below: 50\n  - action: escalate\n    below: 40\n  - action: escalate\n", "is not above", nil},
	{"priorities out of order", "priorities:\n  - priority: P1\n    min: 10\n  - priority: P2\n    min: 20\n", "must be below", nil},
	{"bad duration", "grouping:\n  window: soon\n", "duration \"soon\"", nil},
	{"unknown key", "grouping:\n  windw: 1h\n", "field windw not found", nil},
	{"hub share above 1", "grouping:\n  hub_share: 2\n", "hub_share 2", nil},
}

func TestPolicy(t *testing.T) {
	for _, tc := range policyCases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := ReadPolicy(strings.NewReader(tc.yaml))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tc.check(p) {
				t.Errorf("policy %+v", p)
			}
		})
	}
}

// TestScoreGolden scores a small story with context and compares every alert's factors and
// every incident with testdata/score.golden.json (go test ./risk -update rewrites it).
func TestScoreGolden(t *testing.T) {
	alerts := []Alert{
		ev(1, "ssh_brute_force", "medium", 0, "src_ip=203.0.113.45", "host=bastion01", "user=root", "user=admin"),
		ev(2, "ssh_brute_force_then_success", "high", 20, "src_ip=203.0.113.45", "host=bastion01", "user=deploy"),
		ev(3, "sudo_root_shell", "medium", 25, "host=bastion01", "user=deploy", "target_user=root"),
		ev(4, "cloud_upload", "medium", 600, "src_ip=10.1.3.22", "dst_ip=162.125.6.20", "domain=content.dropboxapi.com"),
		ev(5, "usb_storage", "low", 590, "host=ws22", "user=vera"),
		ev(6, "net_recon", "low", 900, "host=ws30", "user=sam"),
	}
	alerts[0].Confidence, alerts[0].Attack, alerts[0].Events = 0.8, []string{"T1110.001"}, 412
	alerts[1].Confidence, alerts[1].Attack = 0.8, []string{"T1110.001", "T1021.004"}
	alerts[2].Confidence, alerts[2].Attack = 0.5, []string{"T1548.003"}
	alerts[3].Confidence, alerts[3].Attack, alerts[3].Measure = 0.5, []string{"T1567.002"}, 0.7
	alerts[4].Confidence, alerts[4].Attack = 0.3, []string{"T1052.001"}
	alerts[5].Confidence, alerts[5].Attack = 0.4, []string{"T1087.001", "attack.t9999"}
	cx := Context{
		Assets: map[string]Asset{
			"host:bastion01": {Key: "bastion01", Criticality: 3, InternetFacing: true},
			"host:ws22":      {Key: "ws22", Criticality: 2, Owner: "vera"},
			"ip:10.1.3.22":   {Key: "ws22", Criticality: 2, Owner: "vera"},
		},
		Identities: map[string]Identity{
			"deploy": {Key: "deploy", Privileged: true, ServiceAccount: true, NoMFA: true},
			"vera":   {Key: "vera", Status: "leaving", LeaveDate: time.Date(2026, 3, 13, 0, 0, 0, 0, time.UTC)},
		},
		Intel: map[int64][]IntelMatch{1: {{Value: "203.0.113.45", Indicator: "203.0.113.0/24", Source: "feed", Confidence: 50}}},
	}
	res := Run(alerts, cx, DefaultPolicy())
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	for _, s := range res.Alerts {
		checkSum(t, fmt.Sprint("alert ", s.AlertID), s.Score, s.Factors)
		enc.Encode(s)
	}
	for _, inc := range res.Incidents {
		checkSum(t, fmt.Sprint("incident ", inc.ID), inc.Score, inc.Factors)
		enc.Encode(inc)
	}
	enc.Encode(res.Summary)
	testutil.Golden(t, "testdata/score.golden.json", []byte(b.String()))
}

// FuzzReadPolicy: any file gives a policy or an error, never a panic, and an accepted policy
// maps every score to an action and a priority.
func FuzzReadPolicy(f *testing.F) {
	f.Add(string(DefaultPolicyYAML()))
	for _, tc := range policyCases {
		f.Add(tc.yaml)
	}
	for _, s := range []string{"[1, 2", "{a: [}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ReadPolicy(strings.NewReader(s))
		if err != nil {
			return
		}
		for _, score := range []int{-1, 0, 29, 30, 69, 70, 100, 1000} {
			switch p.ActionFor(score) {
			case AutoClose, Queue, Escalate:
			default:
				t.Fatalf("score %d: action %q", score, p.ActionFor(score))
			}
			if p.PriorityFor(score) == "" {
				t.Fatalf("score %d: no priority", score)
			}
		}
	})
}

// TestInvariants checks, over noise with suppressions and alerts without a time, what must
// hold for any input: factors sum to scores, queued alerts are in exactly one incident and
// the others in none, duplicates are counted right, incidents list their alerts in time
// order and rank in score order, and the summary adds up.
func TestInvariants(t *testing.T) {
	alerts := noiseAlerts(3000, 7, 1)
	for i := range alerts {
		switch i % 97 {
		case 0:
			alerts[i].Suppressed = "known scanner"
		case 1:
			alerts[i].First, alerts[i].Last = time.Time{}, time.Time{}
		}
	}
	res := Run(alerts, scenarioContext(0), DefaultPolicy())
	byID := map[int64]Alert{}
	for _, a := range alerts {
		byID[a.ID] = a
	}
	in := map[int64]int64{}
	for _, inc := range res.Incidents {
		for k, id := range inc.Alerts {
			if prev, ok := in[id]; ok {
				t.Fatalf("alert %d in incidents %d and %d", id, prev, inc.ID)
			}
			in[id] = inc.ID
			if k > 0 && byID[id].First.Before(byID[inc.Alerts[k-1]].First) {
				t.Errorf("incident %d lists alert %d before %d", inc.ID, inc.Alerts[k-1], id)
			}
		}
		if inc.ID != slices.Min(inc.Alerts) {
			t.Errorf("incident id %d, smallest alert %d", inc.ID, slices.Min(inc.Alerts))
		}
	}
	for i := 1; i < len(res.Incidents); i++ {
		a, b := res.Incidents[i-1], res.Incidents[i]
		if a.Score < b.Score || (a.Score == b.Score && a.Raw < b.Raw) || b.Rank != i+1 {
			t.Errorf("rank %d (%d/%d) before rank %d (%d/%d)", a.Rank, a.Score, a.Raw, b.Rank, b.Score, b.Raw)
		}
	}
	groups := map[int64]int{}
	for _, s := range res.Alerts {
		groups[s.Primary]++
	}
	counted := map[Action]int{}
	for _, s := range res.Alerts {
		checkSum(t, fmt.Sprint("alert ", s.AlertID), s.Score, s.Factors)
		queued := s.Suppressed == "" && s.Action != AutoClose
		if _, ok := in[s.AlertID]; ok != queued || (ok && in[s.AlertID] != s.Incident) {
			t.Errorf("alert %d (%s, %q): incident %d, listed in %d", s.AlertID, s.Action, s.Suppressed, s.Incident, in[s.AlertID])
		}
		if groups[s.Primary] != s.Duplicates {
			t.Errorf("alert %d: %d duplicates, its group has %d", s.AlertID, s.Duplicates, groups[s.Primary])
		}
		if s.Suppressed == "" {
			counted[s.Action]++
		}
	}
	if !maps.Equal(counted, res.Summary.Actions) || res.Summary.Suppressed != len(alerts)/97+1 || res.Summary.Collapsed != len(groups) {
		t.Errorf("summary %+v, counted %v, %d groups", res.Summary, counted, len(groups))
	}
}
