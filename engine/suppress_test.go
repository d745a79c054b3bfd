package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"trawl/internal/testutil"
)

// suppressStore holds hand-made alerts (no events): id -> rule and entities.
func suppressStore(t *testing.T) *Store {
	t.Helper()
	s, err := Open(t.Context(), ":memory:", Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	alerts := []struct {
		rule string
		ents map[string][]string
	}{
		{"backup_copy", map[string][]string{"user": {"svc_backup"}, "host": {"bkp01"}, "src_ip": {"10.0.0.5"}}},              // 1
		{"backup_copy", map[string][]string{"user": {"alice"}, "host": {"bkp02"}}},                                           // 2
		{"backup_copy", map[string][]string{"user": {"svc_backup"}, "host": {"ws01"}}},                                       // 3
		{"lateral_smb", map[string][]string{"user": {"svc_backup"}, "host": {"bkp03"}}},                                      // 4
		{"encoded_ps", map[string][]string{"user": {"bob"}, "host": {"ws01"}, "process": {"PowerShell.exe"}}},                // 5
		{"weird", map[string][]string{"user": {"o'brien%_x"}, "host": {"h_1"}}},                                              // 6
		{"weird", map[string][]string{"user": {"o'brienzzx"}, "host": {"hx1"}}},                                              // 7
		{"spray", map[string][]string{"user": {"a", "b", "c", "d", "e"}, "src_ip": {"203.0.113.5"}, "dst_ip": {"10.0.0.1"}}}, // 8
		{"weird", map[string][]string{"user": {"a*b"}, "target_user": {"Administrator"}}},                                    // 9
		{"weird", map[string][]string{"user": {"axxb"}}},                                                                     // 10
	}
	for i, a := range alerts {
		full := map[string][]string{}
		for _, k := range AlertEntityKinds {
			full[k.Kind] = a.ents[k.Kind]
			if full[k.Kind] == nil {
				full[k.Kind] = []string{}
			}
		}
		ents, _ := json.Marshal(full)
		_, err := s.db.ExecContext(t.Context(), `INSERT INTO alerts (id, run_id, rule, title, severity, confidence, attack, first, last, entities, evidence, sources, created_at) VALUES (?, 1, ?, ?, 'low', 0.5, [], NULL, NULL, ?, [], [], now())`,
			i+1, a.rule, a.rule+" title", string(ents))
		if err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func entityPatterns(t *testing.T, refs ...string) []EntityPattern {
	t.Helper()
	var out []EntityPattern
	for _, r := range refs {
		p, err := ParseEntityPattern(r)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

func hidden(t *testing.T, s *Store) map[string][]int64 {
	t.Helper()
	tb, err := s.Query(t.Context(), `SELECT suppression, list(alert_id ORDER BY alert_id) FROM alert_suppressions GROUP BY 1 ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]int64{}
	for _, r := range tb.Rows {
		for _, id := range r[1].([]any) {
			out[r[0].(string)] = append(out[r[0].(string)], id.(int64))
		}
	}
	return out
}

func TestSuppressionMatching(t *testing.T) {
	for _, tc := range []struct {
		name     string
		rule     string
		entities []string
		want     []int64
	}{
		{"rule and user", "backup_copy", []string{"user=svc_backup"}, []int64{1, 3}},
		{"two conditions", "backup_copy", []string{"user=svc_backup", "host=BKP*"}, []int64{1}},
		{"case and one-character wildcard", "BACKUP_COPY", []string{"user=SVC_Backup", "host=bkp0?"}, []int64{1}},
		{"user with domain resolves to its key", "backup_copy", []string{`user=CORP\svc_backup`}, []int64{1, 3}},
		{"user UPN resolves to its key", "backup_copy", []string{`user=svc_backup@corp.example`}, []int64{1, 3}},
		{"host FQDN resolves to its key", "backup_copy", []string{`host=BKP01.corp.example.`}, []int64{1}},
		{"rule glob", "backup_*", []string{"user=svc_backup"}, []int64{1, 3}},
		{"any rule", "*", []string{"user=svc_backup"}, []int64{1, 3, 4}},
		{"rule alone", "encoded_ps", nil, []int64{5}},
		{"process by base name, any case", "*", []string{`process=C:\Windows\System32\powershell.EXE`}, []int64{5}},
		{"ip reads both addresses", "spray", []string{"ip=10.0.0.1"}, []int64{8}},
		{"src_ip reads only the source", "spray", []string{"src_ip=10.0.0.1"}, nil},
		{"ip normalized", "spray", []string{"src_ip=::ffff:203.0.113.5"}, []int64{8}},
		{"two values of one kind both present", "spray", []string{"user=a", "user=e"}, []int64{8}},
		{"two values of one kind, one absent", "spray", []string{"user=a", "user=zz"}, nil},
		{"percent and underscore are literal", "weird", []string{"user=o'brien%_x"}, []int64{6}},
		{"underscore literal in host", "weird", []string{"host=h_1"}, []int64{6}},
		{"quote with glob", "weird", []string{"user=o'brien*"}, []int64{6, 7}},
		{"bracketed star is literal", "weird", []string{"user=a[*]b"}, []int64{9}},
		{"star is a wildcard", "weird", []string{"user=a*b"}, []int64{9, 10}},
		{"target_user kind", "*", []string{"target_user=administrator"}, []int64{9}},
		{"hostile rule text", `x'; DROP TABLE alerts; --`, []string{"user=*"}, nil},
		{"hostile pattern text", "*", []string{`user=') OR 1=1 --`}, nil},
		{"backslash is literal", "*", []string{`host=h\_1`}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := suppressStore(t)
			_, err := s.AddSuppression(t.Context(), Suppression{Name: "s1", Rule: tc.rule, Entities: entityPatterns(t, tc.entities...), Reason: "test"})
			if err != nil {
				t.Fatal(err)
			}
			got := hidden(t, s)["s1"]
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("hidden alerts (-want +got):\n%s", diff)
			}
			ids, err := s.SuppressionTest(t.Context(), "s1")
			if err != nil {
				t.Fatal(err)
			}
			if len(ids) == 0 {
				ids = nil
			}
			if diff := cmp.Diff(tc.want, ids); diff != "" {
				t.Errorf("SuppressionTest (-want +got):\n%s", diff)
			}
			sp, err := s.Suppression(t.Context(), "s1")
			if err != nil {
				t.Fatal(err)
			}
			if sp.Hits != int64(len(tc.want)) {
				t.Errorf("hits = %d, want %d", sp.Hits, len(tc.want))
			}
			if n := count(t, s, `SELECT count(*) FROM alerts`); n != 10 {
				t.Errorf("%d alerts left", n)
			}
		})
	}
}

// TestSuppressionKindNames: the kinds an error message offers are exactly the kinds
// SuppressionKinds accepts (the list is written out for its order, so it could drift).
func TestSuppressionKindNames(t *testing.T) {
	names := suppressionKindNames()
	seen := map[string]bool{}
	for _, n := range names {
		if _, ok := SuppressionKinds[n]; !ok || seen[n] {
			t.Errorf("suppressionKindNames offers %q, unknown or repeated", n)
		}
		seen[n] = true
	}
	if len(seen) != len(SuppressionKinds) {
		t.Errorf("suppressionKindNames %v, SuppressionKinds has %d kinds", names, len(SuppressionKinds))
	}
}

func TestSuppressionInvalid(t *testing.T) {
	s := suppressStore(t)
	for _, tc := range []struct {
		name string
		sp   Suppression
		want string
	}{
		{"no reason", Suppression{Name: "a", Rule: "x"}, "a reason is required"},
		{"no name", Suppression{Rule: "x", Reason: "r"}, "empty name"},
		{"everything", Suppression{Name: "a", Rule: "**", Reason: "r"}, "would hide every alert"},
		{"expired", Suppression{Name: "a", Rule: "x", Reason: "r", Expires: ptr(time.Now().Add(-time.Hour))}, "not in the future"},
		{"control character", Suppression{Name: "a\x1b[2J", Rule: "x", Reason: "r"}, "control character"},
		{"unknown kind", Suppression{Name: "a", Rule: "x", Reason: "r", Entities: []EntityPattern{{"colour", "red"}}}, `unknown entity kind "colour"`},
		{"placeholder user", Suppression{Name: "a", Rule: "x", Reason: "r", Entities: []EntityPattern{{"user", "-"}}}, "names no user"},
		{"long pattern", Suppression{Name: "a", Rule: "x", Reason: "r", Entities: []EntityPattern{{"user", strings.Repeat("x", 2000)}}}, "longer than"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.AddSuppression(t.Context(), tc.sp)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
	for _, ref := range []string{"user", "=x", "colour=red", "user=", "user=a\x00b"} {
		if _, err := ParseEntityPattern(ref); err == nil {
			t.Errorf("ParseEntityPattern(%q) accepted", ref)
		}
	}
	if _, err := s.AddSuppression(t.Context(), Suppression{Name: "dup", Rule: "x", Reason: "r"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddSuppression(t.Context(), Suppression{Name: "dup", Rule: "y", Reason: "r"}); !errors.Is(err, ErrSuppressionExists) {
		t.Errorf("duplicate: %v", err)
	}
	if err := s.RemoveSuppression(t.Context(), "nope"); !errors.Is(err, ErrNoSuppression) {
		t.Errorf("remove missing: %v", err)
	}
}

func ptr[T any](v T) *T { return &v }

// TestSuppressionExpiryAndHits: an expired suppression stops hiding alerts at the next apply
// and keeps its last count; two suppressions may hide one alert; removing one brings its alerts
// back.
func TestSuppressionExpiryAndHits(t *testing.T) {
	s := suppressStore(t)
	start := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	timeNow = func() time.Time { return start }
	t.Cleanup(func() { timeNow = func() time.Time { return time.Now().UTC() } })
	add := func(sp Suppression) {
		t.Helper()
		sp.Reason = "known backup job"
		if _, err := s.AddSuppression(t.Context(), sp); err != nil {
			t.Fatal(err)
		}
	}
	add(Suppression{Name: "backup-user", Rule: "*", Entities: entityPatterns(t, "user=svc_backup"), Expires: ptr(start.Add(24 * time.Hour))})
	add(Suppression{Name: "backup-host", Rule: "backup_copy", Entities: entityPatterns(t, "host=bkp*")})
	want := map[string][]int64{"backup-user": {1, 3, 4}, "backup-host": {1, 2}}
	if diff := cmp.Diff(want, hidden(t, s)); diff != "" {
		t.Errorf("before expiry (-want +got):\n%s", diff)
	}
	hits := func() string {
		all, err := s.Suppressions(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		var parts []string
		for _, sp := range all {
			parts = append(parts, fmt.Sprintf("%s:%d:%v", sp.Name, sp.Hits, sp.Expired))
		}
		return strings.Join(parts, " ")
	}
	if got := hits(); got != "backup-host:2:false backup-user:3:false" {
		t.Errorf("hits %s", got)
	}
	timeNow = func() time.Time { return start.Add(25 * time.Hour) }
	n, err := s.ApplySuppressions(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("%d alerts hidden after expiry, want 2", n)
	}
	if diff := cmp.Diff(map[string][]int64{"backup-host": {1, 2}}, hidden(t, s)); diff != "" {
		t.Errorf("after expiry (-want +got):\n%s", diff)
	}
	if got := hits(); got != "backup-host:2:false backup-user:3:true" {
		t.Errorf("hits %s", got)
	}
	// The expired rule can still be tested.
	if ids, err := s.SuppressionTest(t.Context(), "backup-user"); err != nil || len(ids) != 3 {
		t.Errorf("test expired: %v %v", ids, err)
	}
	if err := s.RemoveSuppression(t.Context(), "backup-host"); err != nil {
		t.Fatal(err)
	}
	if got := hidden(t, s); len(got) != 0 {
		t.Errorf("after remove: %v", got)
	}
}

func TestSuppressionFromAlert(t *testing.T) {
	for _, tc := range []struct {
		alert int64
		want  string // golden-like: the stored rule, or the error
	}{
		{1, "fp-alert-1 rule=backup_copy user=svc_backup host=bkp01 src_ip=10.0.0.5 hides [1]"},
		{8, "fp-alert-8 rule=spray src_ip=203.0.113.5 dst_ip=10.0.0.1 hides [8]"},
		{9, "fp-alert-9 rule=weird user=a[*]b target_user=Administrator hides [9]"},
		{6, "fp-alert-6 rule=weird user=o'brien%_x host=h_1 hides [6]"},
		{99, "error: alert 99: no such alert"},
	} {
		t.Run(fmt.Sprint(tc.alert), func(t *testing.T) {
			s := suppressStore(t)
			sp, err := s.SuppressionFromAlert(t.Context(), tc.alert, "benign", time.Time{})
			var got string
			if err != nil {
				got = "error: " + err.Error()
			} else {
				ents := make([]string, len(sp.Entities))
				for i, e := range sp.Entities {
					ents[i] = e.String()
				}
				got = fmt.Sprintf("%s rule=%s %s hides %v", sp.Name, sp.Rule, strings.Join(ents, " "), hidden(t, s)[sp.Name])
				if sp.FromAlert != tc.alert || sp.Reason != "benign" || sp.Hits == 0 {
					t.Errorf("stored %+v", sp)
				}
			}
			if got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
	s := suppressStore(t)
	if _, err := s.db.ExecContext(t.Context(), `INSERT INTO alerts (id, run_id, rule, title, severity, confidence, attack, first, last, entities, evidence, sources, created_at) VALUES (11, 1, 'wide', 't', 'low', 0.5, [], NULL, NULL, '{"user": ["a","b","c","d"]}', [], [], now())`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SuppressionFromAlert(t.Context(), 11, "x", time.Time{}); err == nil || !strings.Contains(err.Error(), "add a suppression by hand") {
		t.Errorf("alert with only wide kinds: %v", err)
	}
}

// TestSuppressionList is the stored form as JSON: read the golden file.
func TestSuppressionList(t *testing.T) {
	s := suppressStore(t)
	start := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	timeNow = func() time.Time { return start }
	t.Cleanup(func() { timeNow = func() time.Time { return time.Now().UTC() } })
	if _, err := s.AddSuppression(t.Context(), Suppression{Name: "backup", Rule: "backup_*", Entities: entityPatterns(t, "user=svc_backup", "host=BKP*"),
		Reason: "nightly backup copies", Author: "alice", Expires: ptr(start.Add(30 * 24 * time.Hour))}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SuppressionFromAlert(t.Context(), 6, `a "quoted" <reason>`, time.Time{}); err != nil {
		t.Fatal(err)
	}
	all, err := s.Suppressions(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.MarshalIndent(all, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	testutil.Golden(t, "testdata/suppressions.golden.json", append(b, '\n'))
}

// suppressionPatternSeeds are the patterns of the tests above, and some odd ones.
var suppressionPatternSeeds = []string{"svc_backup", "BKP*", "bkp0?", `CORP\svc_backup`, "o'brien%_x", "a[*]b", "a*b", "[", "[]", "[[]]", "*?*",
	`') OR 1=1 --`, "h\\_1", "::ffff:10.0.0.1", "ünïcödé*", "\xff\xfe"}

// FuzzSuppressionPattern: a pattern never panics; GlobEscape makes any text a glob without
// wildcards whose literal is that text; and the LIKE form of an escaped value matches the value
// itself (checked by the same matching SQL in TestSuppressionMatching; here by its pieces).
func FuzzSuppressionPattern(f *testing.F) {
	for _, s := range suppressionPatternSeeds {
		for _, k := range []string{"user", "host", "ip", "process", "domain"} {
			f.Add(k, s)
		}
	}
	f.Fuzz(func(t *testing.T, kind, pattern string) {
		if p, err := ParseEntityPattern(kind + "=" + pattern); err == nil {
			conditionLike(p)
		}
		g := parseGlob(GlobEscape(pattern))
		if g.wildcard || g.literal() != pattern {
			t.Errorf("GlobEscape(%q) parses to %+v", pattern, g)
		}
		if l := g.like(); strings.ContainsAny(strings.NewReplacer(`\\`, "", `\%`, "", `\_`, "").Replace(l), `%_`) {
			t.Errorf("escaped %q has a LIKE wildcard: %q", pattern, l)
		}
	})
}
