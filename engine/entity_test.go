package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"trawl/dsl"
	"trawl/event"
	"trawl/generate"
	"trawl/internal/testutil"
)

// entityStore holds hand-made events, an identity with aliases and an asset with two names
// (context files), two indicators, alerts of one rule and a suppression of one of them.
func entityStore(t *testing.T) *Store {
	t.Helper()
	s, err := Open(t.Context(), ":memory:", Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	at := func(ts string) time.Time {
		tm, err := time.Parse("2006-01-02 15:04", ts)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	auth := []event.Event{
		{Time: at("2026-03-02 10:00"), Category: "logon", User: `CORP\asmith`, Host: "WS01", SrcIP: "203.0.113.5", Outcome: "failure", ProcessName: "sshd"}, // 1
		{Time: at("2026-03-02 10:01"), Category: "logon", User: "a.smith@corp.example", Host: "ws01.corp.example", SrcIP: "203.0.113.5", Outcome: "success", ProcessName: "sshd"},
		{Time: at("2026-03-03 09:00"), Category: "process", User: "alice", Host: "ws01-old", SrcIP: "10.0.0.8", ProcessName: "powershell.exe", CommandLine: "powershell -enc AAAA"},
		{Time: at("2026-03-05 12:00"), Category: "network", User: "bob", Host: "ws02", DstIP: "203.0.113.5", Domain: "c2.evil.example"}, // 4
		{Time: at("2026-03-05 13:00"), Category: "iam", User: "bob", TargetUser: "alice", Host: "dc01", Action: "password-reset"},
		{Time: at("2026-03-05 14:00"), Category: "logon", User: "x'; DROP TABLE events; --", Host: "h%_\x1b[31m", Outcome: "failure"}, // 6
		{Category: "logon", User: "alice", Host: "ws01", Message: "no time"},
	}
	if err := s.InsertEvents(t.Context(), "auth.log", auth); err != nil {
		t.Fatal(err)
	}
	dns := []event.Event{
		{Time: at("2026-03-05 12:00"), Category: "dns", Host: "ws02", SrcIP: "10.0.0.9", Domain: "c2.evil.example"}, // 8
		{Time: at("2026-03-06 08:00"), Category: "dns", Host: "ws02", SrcIP: "10.0.0.9", Domain: "evil.example"},
	}
	if err := s.InsertEvents(t.Context(), "dns.log", dns); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ids := writeFile(t, dir, "identities.csv", "user,aliases,department,privileged,mfa,status\nalice,CORP\\asmith|a.smith@corp.example,Finance,Y,N,leaving\n")
	assets := writeFile(t, dir, "assets.csv", "hostname,hostnames,ip_addresses,business_criticality,environment\nWS01.corp.example,ws01-old,10.0.0.7,4,prod\n")
	importContext(t, s, ids, "")
	importContext(t, s, assets, "")
	iocs := writeFile(t, dir, "iocs.txt", "203.0.113.5\nevil.example\n")
	if _, err := s.ImportIntel(t.Context(), iocs, "test-feed"); err != nil {
		t.Fatal(err)
	}
	run, err := s.StartHunt(t.Context(), time.Time{}, []string{"test"})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []AlertRule{
		ruleFor(t, "failed_logon", `logon | where outcome == "failure"`, dsl.Options{}),
		ruleFor(t, "evil_domain", `dns | where domain == "evil.example" or domain == "c2.evil.example"`, dsl.Options{}),
	} {
		if _, err := s.RunRule(t.Context(), run, r); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.AddSuppression(t.Context(), Suppression{Name: "asmith-lab", Rule: "failed_logon", Entities: []EntityPattern{{"user", "asmith"}}, Reason: "lab"}); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestEntityProfileGolden profiles entities of the hand-made store; the JSON of each is a
// golden file under testdata/entity (read them: they are the documented shape).
func TestEntityProfileGolden(t *testing.T) {
	s := entityStore(t)
	for _, tc := range []struct {
		name, ref string
		opt       EntityProfileOptions
	}{
		// a.smith@corp.example is an alias of alice: her own key and CORP\asmith count too.
		{"user_alias", "user=a.smith@corp.example", EntityProfileOptions{}},
		// ws01-old is a second name of the asset WS01.
		{"host_alias", "host=WS01-OLD.corp.example", EntityProfileOptions{Limit: 2, Related: 1}},
		{"ip_intel", "ip=::ffff:203.0.113.5", EntityProfileOptions{}},
		{"domain_parent", "domain=Evil.Example.", EntityProfileOptions{}},
		{"window", "user=alice", EntityProfileOptions{From: time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 3, 6, 0, 0, 0, 0, time.UTC)}},
		{"hostile_user", "user=x'; DROP TABLE events; --", EntityProfileOptions{}},
		{"hostile_host", "host=h%_\x1b[31m", EntityProfileOptions{}},
		{"like_metacharacters", "domain=%", EntityProfileOptions{}},
		{"unknown", "hash=00ff", EntityProfileOptions{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			kind, value, err := ParseEntityRef(tc.ref)
			if err != nil {
				t.Fatal(err)
			}
			p, err := s.EntityProfile(t.Context(), kind, value, tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			b, err := json.MarshalIndent(p, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			testutil.Golden(t, filepath.Join("testdata", "entity", tc.name+".golden.json"), append(b, '\n'))
		})
	}
	if n := count(t, s, `SELECT count(*) FROM events`); n != 9 {
		t.Errorf("%d events left", n)
	}
}

func TestEntityProfileErrors(t *testing.T) {
	s := entityStore(t)
	for _, tc := range []struct {
		kind  event.Entity
		value string
		want  string
	}{
		{event.EntityIP, "not-an-ip", `"not-an-ip" is not an IP address`},
		{event.EntityUser, "-", "names no user"},
		{event.EntityNone, "x", "unknown entity kind"},
	} {
		if _, err := s.EntityProfile(t.Context(), tc.kind, tc.value, EntityProfileOptions{}); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v=%q: error %v, want %q", tc.kind, tc.value, err, tc.want)
		}
	}
}

func TestSparkline(t *testing.T) {
	for _, tc := range []struct {
		counts []int64
		want   string
	}{
		{nil, ""},
		{[]int64{0, 0}, "  "},
		{[]int64{1}, "█"},
		{[]int64{1, 8, 0, 4, 7}, "▁█ ▄▇"},
		{[]int64{1, 1000}, "▁█"},
	} {
		days := make([]DayCount, len(tc.counts))
		for i, c := range tc.counts {
			days[i] = DayCount{Events: c}
		}
		if got := Sparkline(days); got != tc.want {
			t.Errorf("Sparkline(%v) = %q, want %q", tc.counts, got, tc.want)
		}
	}
}

// checkProfile checks what must hold of any profile: counts agree with the entities view
// (computed independently), the timeline is in time order and bounded, the activity adds up.
func checkProfile(t *testing.T, s *Store, p *EntityProfile, viewKind string, opt EntityProfileOptions) {
	t.Helper()
	if want := count(t, s, `SELECT coalesce(sum(events), 0) FROM entities WHERE kind = ? AND value = ?`, viewKind, p.Key); p.Events != want {
		t.Errorf("%s %s: %d events, the entities view says %d", viewKind, p.Key, p.Events, want)
	}
	var sum int64
	for _, src := range p.Sources {
		sum += src.Events
	}
	if sum != p.Events || len(p.Sources) == 0 {
		t.Errorf("sources add up to %d of %d", sum, p.Events)
	}
	if utf8.RuneCountInString(p.Sparkline) != len(p.Activity) || len(p.Activity) == 0 || len(p.Activity) > opt.Days {
		t.Errorf("sparkline %q for %d days", p.Sparkline, len(p.Activity))
	}
	var days int64
	for _, d := range p.Activity {
		days += d.Events
	}
	if days > p.Events || days == 0 {
		t.Errorf("activity counts %d of %d events", days, p.Events)
	}
	if want := min(int64(opt.Limit), p.Events); int64(len(p.Timeline)) != want {
		t.Errorf("timeline has %d events, want %d", len(p.Timeline), want)
	}
	for i := 1; i < len(p.Timeline); i++ {
		a, b := p.Timeline[i-1], p.Timeline[i]
		if a.Time != nil && b.Time != nil && (b.Time.Before(*a.Time) || b.Time.Equal(*a.Time) && b.ID < a.ID) {
			t.Errorf("timeline out of order at %d: %v %v", i, a.Time, b.Time)
		}
	}
	perKind := map[string]int{}
	for _, r := range p.Related {
		perKind[r.Kind]++
		if r.Kind == viewKind && slices.Contains(p.Keys, r.Value) {
			t.Errorf("the entity is related to itself: %+v", r)
		}
	}
	for k, n := range perKind {
		if n > opt.Related {
			t.Errorf("%d related %s, want at most %d", n, k, opt.Related)
		}
	}
}

// TestEntityProfileGenerated profiles entities of a generated company (the generator's seeded
// scenarios), checking each profile against the entities view.
func TestEntityProfileGenerated(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and imports 20,000 records")
	}
	dir := t.TempDir()
	if _, err := generate.Run(t.Context(), generate.Config{Scenarios: []string{"all"}, Events: 20000, Seed: 1,
		Start: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), Days: 7}, generate.DirOpener(dir)); err != nil {
		t.Fatal(err)
	}
	var files []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !strings.HasSuffix(p, generate.TruthFile) {
			files = append(files, p)
		}
		return nil
	})
	s, err := Open(t.Context(), ":memory:", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, r := range s.ImportFiles(t.Context(), files, ImportOptions{}) {
		if r.Err != nil {
			t.Fatalf("%s: %v", r.File, r.Err)
		}
	}
	top, err := s.Query(t.Context(), `SELECT kind, value FROM entities WHERE kind IN ('user', 'host', 'ip', 'domain')
		QUALIFY row_number() OVER (PARTITION BY kind ORDER BY events DESC, value) <= 2 ORDER BY kind, value`)
	if err != nil {
		t.Fatal(err)
	}
	if len(top.Rows) != 8 {
		t.Fatalf("top entities: %v", top.Rows)
	}
	opt := EntityProfileOptions{Limit: 20, Related: 3, Days: 30}
	for _, r := range top.Rows {
		kind, _ := event.ParseEntity(text(r[0]))
		p, err := s.EntityProfile(t.Context(), kind, text(r[1]), opt)
		if err != nil {
			t.Fatal(err)
		}
		checkSectionsAgree(t, s, p, kind, opt)
		if text(r[0]) == "domain" {
			// A domain profile also counts its subdomains; the view counts exact names.
			if p.Events < count(t, s, `SELECT events FROM entities WHERE kind = 'domain' AND value = ?`, p.Key) {
				t.Errorf("domain %s: %d events", p.Key, p.Events)
			}
			continue
		}
		checkProfile(t, s, p, text(r[0]), opt)
		if len(p.Activity) < 7 {
			t.Errorf("%s %s: %d days of activity in a 7-day company", r[0], r[1], len(p.Activity))
		}
	}
}

// TestEntityProfileRealSample profiles the host and the logon user of a real Security log
// (Chainsaw's test EVTX: 10 events): read the golden file.
func TestEntityProfileRealSample(t *testing.T) {
	path := testutil.Sample(t, "chainsaw/tests/evtx/security_sample.evtx")
	s, err := Open(t.Context(), ":memory:", Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, r := range s.ImportFiles(t.Context(), []string{path}, ImportOptions{}) {
		if r.Err != nil {
			t.Fatalf("%s: %v", r.File, r.Err)
		}
	}
	top, err := s.Query(t.Context(), `SELECT kind, value FROM entities WHERE kind IN ('host', 'user') ORDER BY events DESC, kind, value LIMIT 2`)
	if err != nil {
		t.Fatal(err)
	}
	if len(top.Rows) != 2 {
		t.Fatalf("entities %v", top.Rows)
	}
	opt := EntityProfileOptions{Limit: 5, Related: 3, Days: 90}
	var out []*EntityProfile
	for _, r := range top.Rows {
		kind, _ := event.ParseEntity(text(r[0]))
		p, err := s.EntityProfile(t.Context(), kind, text(r[1]), opt)
		if err != nil {
			t.Fatal(err)
		}
		checkProfile(t, s, p, text(r[0]), opt)
		for i := range p.Sources {
			p.Sources[i].Source = "SAMPLE" // the sample's path is not part of the result
		}
		out = append(out, p)
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	testutil.Golden(t, filepath.Join("testdata", "entity", "security_sample.golden.json"), append(b, '\n'))
}

// BenchmarkEntityProfile profiles the busiest entity of each kind of an existing store (set
// TRAWL_BENCH_DB, e.g. one made by trawl generate --events 1000000 and trawl import).
func BenchmarkEntityProfile(b *testing.B) {
	db := os.Getenv("TRAWL_BENCH_DB")
	if db == "" {
		b.Skip("set TRAWL_BENCH_DB to a store")
	}
	s, err := Open(b.Context(), db, Options{ReadOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	top, err := s.Query(b.Context(), `SELECT kind, value, events FROM entities
		QUALIFY row_number() OVER (PARTITION BY kind ORDER BY events DESC, value) = 1 ORDER BY kind`)
	if err != nil {
		b.Fatal(err)
	}
	for _, r := range top.Rows {
		kind, _ := event.ParseEntity(text(r[0]))
		b.Run(text(r[0])+"="+text(r[1]), func(b *testing.B) {
			for b.Loop() {
				if _, err := s.EntityProfile(b.Context(), kind, text(r[1]), EntityProfileOptions{}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(intOf(r[2])), "entity-events")
		})
	}
}

// TestEntityProfileRisk: before scoring a profile has no risk; after it, an entity with alerts
// carries its accumulated risk (Store.EntityRisk), found through an alias too.
func TestEntityProfileRisk(t *testing.T) {
	s := entityStore(t)
	profile := func(ref string) *EntityProfile {
		t.Helper()
		kind, value, err := ParseEntityRef(ref)
		if err != nil {
			t.Fatal(err)
		}
		p, err := s.EntityProfile(t.Context(), kind, value, EntityProfileOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	if p := profile("host=ws02"); p.Risk != nil {
		t.Errorf("risk before scoring: %+v", p.Risk)
	}
	if _, err := s.Score(t.Context(), ScoreOptions{}); err != nil {
		t.Fatal(err)
	}
	if r := profile("host=ws02").Risk; r == nil || r.Alerts != 2 || r.Risk <= 0 {
		t.Errorf("ws02 (two evil_domain alerts) risk %+v", r)
	}
	if r := profile("hash=00ff").Risk; r != nil {
		t.Errorf("an entity without alerts has risk %+v", r)
	}
}

func TestEntityProfileOptionCaps(t *testing.T) {
	for _, tc := range []struct{ in, want EntityProfileOptions }{
		{EntityProfileOptions{}, EntityProfileOptions{Limit: 50, Related: 5, Alerts: 50, Days: 90, Sections: ProfileAll}},
		{EntityProfileOptions{Limit: -1, Related: 1, Alerts: 2, Days: 3, Sections: ProfileRelated}, EntityProfileOptions{Limit: 50, Related: 1, Alerts: 2, Days: 3, Sections: ProfileRelated}},
		{EntityProfileOptions{Limit: 1 << 40, Related: 1 << 40, Alerts: 1 << 40, Days: 1 << 40}, EntityProfileOptions{Limit: 10000, Related: 10000, Alerts: 10000, Days: 3660, Sections: ProfileAll}},
	} {
		got := tc.in
		got.defaults()
		if got != tc.want {
			t.Errorf("%+v: got %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

// The sections as they were before sources and activity shared one scan: the reference
// TestEntityProfileSectionsAgree holds the merged scan to.

func (s *Store) refProfileSources(ctx context.Context, p *EntityProfile, where string, args []any) error {
	p.Sources = []EntitySource{}
	return s.QueryFunc(ctx, `SELECT source, source_type, count(*), min(time), max(time) FROM events WHERE `+where+`
		GROUP BY source, source_type ORDER BY 3 DESC, 1, 2`, args, func(_ []string, r []any) error {
		src := EntitySource{Source: text(r[0]), SourceType: text(r[1]), Events: intOf(r[2]), First: anyTime(r[3]), Last: anyTime(r[4])}
		p.Sources = append(p.Sources, src)
		p.Events += src.Events
		if src.First != nil && (p.First == nil || src.First.Before(*p.First)) {
			p.First = src.First
		}
		if src.Last != nil && (p.Last == nil || src.Last.After(*p.Last)) {
			p.Last = src.Last
		}
		return nil
	})
}

func (s *Store) refProfileActivity(ctx context.Context, p *EntityProfile, where string, args []any, days int) error {
	p.Activity = []DayCount{}
	if p.Last == nil {
		return nil
	}
	lastDay := p.Last.Truncate(24 * time.Hour)
	firstDay := p.First.Truncate(24 * time.Hour)
	if min := lastDay.AddDate(0, 0, -(days - 1)); firstDay.Before(min) {
		firstDay = min
	}
	counts := map[string]int64{}
	err := s.QueryFunc(ctx, `SELECT strftime(time, '%Y-%m-%d'), count(*) FROM events WHERE `+where+` AND time >= ? GROUP BY 1`,
		append(append([]any{}, args...), firstDay), func(_ []string, r []any) error {
			counts[text(r[0])] = intOf(r[1])
			return nil
		})
	if err != nil {
		return err
	}
	for d := firstDay; !d.After(lastDay); d = d.AddDate(0, 0, 1) {
		day := d.Format("2006-01-02")
		p.Activity = append(p.Activity, DayCount{Day: day, Events: counts[day]})
	}
	p.Sparkline = Sparkline(p.Activity)
	return nil
}

// checkSectionsAgree holds a profile (its sections run at once, sources and activity from one
// scan) to the sections run one after another as before, and to its summary and its intel and
// related entities read apart.
func checkSectionsAgree(t *testing.T, s *Store, p *EntityProfile, kind event.Entity, opt EntityProfileOptions) {
	t.Helper()
	opt.defaults()
	want := &EntityProfile{Kind: p.Kind, Value: p.Value, From: p.From, To: p.To}
	if err := s.resolveEntity(t.Context(), kind, p.Value, want); err != nil {
		t.Fatal(err)
	}
	// The reference reads the events with one OR over the entity's columns, not entityRows.
	where, args, err := entityWhere(kind, p.Value, want.Keys)
	if err != nil {
		t.Fatal(err)
	}
	if p.From != nil || p.To != nil {
		t.Fatal("checkSectionsAgree takes no time window")
	}
	if err := s.refProfileSources(t.Context(), want, where, args); err != nil {
		t.Fatal(err)
	}
	if err := s.refProfileActivity(t.Context(), want, where, args, opt.Days); err != nil {
		t.Fatal(err)
	}
	if err := s.profileRelated(t.Context(), want, kind, "events WHERE "+where, args, false, opt.Related); err != nil {
		t.Fatal(err)
	}
	gotJSON := func(v any) string {
		b, _ := json.Marshal(v)
		return string(b)
	}
	for _, c := range []struct {
		name      string
		got, want any
	}{
		{"sources", p.Sources, want.Sources}, {"events", p.Events, want.Events}, {"first", p.First, want.First},
		{"last", p.Last, want.Last}, {"activity", p.Activity, want.Activity}, {"sparkline", p.Sparkline, want.Sparkline},
		{"related", p.Related, want.Related},
	} {
		if g, w := gotJSON(c.got), gotJSON(c.want); g != w {
			t.Errorf("%s %s: %s\n got %s\nwant %s", p.Kind, p.Value, c.name, g, w)
		}
	}
	if len(want.Sources) == 0 || len(want.Activity) == 0 {
		t.Errorf("%s %s: the reference found no sources or activity", p.Kind, p.Value)
	}
	// The summary and the slower sections read apart make up the same profile.
	opt.Sections = ProfileSummary
	sum, err := s.EntityProfile(t.Context(), kind, p.Value, opt)
	if err != nil {
		t.Fatal(err)
	}
	opt.Sections = ProfileIntel | ProfileRelated
	rest, err := s.EntityProfile(t.Context(), kind, p.Value, opt)
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Timeline) != 0 || sum.Related != nil || sum.Intel != nil || rest.Events != 0 || rest.Sources != nil || rest.Alerts != nil || len(rest.Timeline) != 0 {
		t.Errorf("%s %s: sections read that were not asked for:\nsummary %s\nrest %s", p.Kind, p.Value, gotJSON(sum), gotJSON(rest))
	}
	sum.Intel, sum.Related, sum.Timeline = rest.Intel, rest.Related, p.Timeline
	if g, w := gotJSON(sum), gotJSON(p); g != w {
		t.Errorf("%s %s: the sections read apart differ:\n got %s\nwant %s", p.Kind, p.Value, g, w)
	}
}

// TestEntityRowsCountsEachEventOnce: the union entityRows reads for users and addresses holds
// exactly the events the OR over both columns selects, once each, with and without a time
// window, including events where both columns hold the entity (user acting on herself, an
// address talking to itself).
func TestEntityRowsCountsEachEventOnce(t *testing.T) {
	s := entityStore(t)
	at := time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC)
	for i, q := range []string{
		`INSERT INTO events (id, file_id, source, source_type, time, "user", user_key, target_user, target_user_key, src_ip, dst_ip)
			VALUES (9001, 0, 'test', 'test', ?, 'Self', 'self', 'Self', 'self', '192.0.2.77', '192.0.2.77')`,
		`INSERT INTO events (id, file_id, source, source_type, time, target_user, target_user_key, dst_ip)
			VALUES (9002, 0, 'test', 'test', ?, 'Self', 'self', '192.0.2.77')`,
	} {
		if _, err := s.db.ExecContext(t.Context(), q, at.Add(time.Duration(i)*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	ents, err := s.Query(t.Context(), `SELECT DISTINCT kind, value FROM entities WHERE kind IN ('user', 'ip') ORDER BY 1, 2`)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents.Rows) < 4 {
		t.Fatalf("entities %v", ents.Rows)
	}
	from, to := time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 6, 0, 0, 0, 0, time.UTC)
	for _, r := range ents.Rows {
		kind, _ := event.ParseEntity(text(r[0]))
		value := text(r[1])
		for _, w := range []struct{ from, to *time.Time }{{nil, nil}, {&from, &to}} {
			rows, args, err := entityRows(kind, value, []string{value}, w.from, w.to)
			if err != nil {
				t.Fatal(err)
			}
			where, wargs, err := entityWhere(kind, value, []string{value})
			if err != nil {
				t.Fatal(err)
			}
			if w.from != nil {
				where += " AND time >= ? AND time < ?"
				wargs = append(wargs, *w.from, *w.to)
			}
			got, err := s.Query(t.Context(), `SELECT count(*), count(DISTINCT id), coalesce(sum(id), 0) FROM `+rows, args...)
			if err != nil {
				t.Fatal(err)
			}
			want, err := s.Query(t.Context(), `SELECT count(*), count(DISTINCT id), coalesce(sum(id), 0) FROM events WHERE `+where, wargs...)
			if err != nil {
				t.Fatal(err)
			}
			if g, o := fmt.Sprint(got.Rows), fmt.Sprint(want.Rows); g != o {
				t.Errorf("%s=%s window %v: union %s, OR %s", r[0], value, w.from != nil, g, o)
			}
		}
	}
	for _, ref := range []string{"user=self", "ip=192.0.2.77"} {
		kind, value, _ := ParseEntityRef(ref)
		p, err := s.EntityProfile(t.Context(), kind, value, EntityProfileOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if p.Events != 2 || len(p.Timeline) != 2 {
			t.Errorf("%s: %d events, timeline %d, want 2", ref, p.Events, len(p.Timeline))
		}
	}
}
