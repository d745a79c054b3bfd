package dsl

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"trawl/attack"
	"trawl/internal/testutil"
)

// attackLookup is the lookup main uses: an active technique of the embedded tables.
func attackLookup(id string) (bool, string) {
	res := attack.Resolve(id)
	if res.Kind == attack.KindTechnique && res.Status == attack.StatusActive {
		return true, ""
	}
	return false, res.Note
}

// renderRules prints parsed and checked rules for the goldens: every attribute, the query as
// written and its evidence SQL, and each test with its events as JSON.
func renderRules(t *testing.T, src string, rules []*Rule) string {
	t.Helper()
	var b strings.Builder
	for _, r := range rules {
		fmt.Fprintf(&b, "rule %s (%d:%d-%d:%d)\n", r.Name.Name, r.Span.Start.Line, r.Span.Start.Col, r.Span.End.Line, r.Span.End.Col)
		fmt.Fprintf(&b, "  title: %q\n  description: %q\n  severity: %s\n  confidence: %g\n", r.Title, r.Description, r.Severity, r.Confidence)
		fmt.Fprintf(&b, "  attack: %q\n  tags: %q\n  false_positives: %q\n  references: %q\n", r.AttackIDs(), r.TagValues(), itemValues(r.FalsePositives), itemValues(r.References))
		fmt.Fprintf(&b, "  query: %s\n", r.QueryText)
		cr, warns, err := CheckRule(r, EventCatalogue(), attackLookup, Options{})
		for _, w := range warns {
			b.WriteString("  warning: " + strings.ReplaceAll(FormatError(src, Errors{w}), "\n", "\n    ") + "\n")
		}
		if err != nil {
			b.WriteString("  error: " + strings.ReplaceAll(FormatError(src, err), "\n", "\n    ") + "\n")
		} else {
			fmt.Fprintf(&b, "  event rows: %v\n  evidence SQL:\n    %s\n", cr.Compiled.EventRows, strings.ReplaceAll(cr.Compiled.EvidenceSQL, "\n", "\n    "))
		}
		for _, tc := range r.Tests {
			fmt.Fprintf(&b, "  test %q: expect %d, %d events\n", tc.Name, tc.Expect, len(tc.Events))
			for i, ev := range tc.Events {
				if i == 3 && len(tc.Events) > 4 {
					fmt.Fprintf(&b, "    ... %d more\n", len(tc.Events)-4)
					continue
				}
				if i > 3 && i < len(tc.Events)-1 {
					continue
				}
				j, err := json.Marshal(map[string]any{"time": ev.Time, "category": ev.Category, "user": ev.User, "src_ip": ev.SrcIP,
					"dst_ip": ev.DstIP, "event_code": ev.EventCode, "outcome": ev.Outcome, "fields": ev.Fields})
				if err != nil {
					t.Fatal(err)
				}
				fmt.Fprintf(&b, "    %s\n", j)
			}
		}
	}
	return b.String()
}

// TestRuleFiles parses and checks every testdata/rules/<case>/input.hunt: output.txt holds the
// rules as understood (with warnings and check errors), error.txt the parse errors.
func TestRuleFiles(t *testing.T) {
	for _, name := range goldenCases(t, "rules") {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join("testdata", "rules", name)
			src := readInput(t, filepath.Join(dir, "input.hunt"))
			rules, err := ParseRules("input.hunt", src)
			if err != nil {
				checkErrors(t, src, err)
				testutil.Golden(t, filepath.Join(dir, "error.txt"), []byte(FormatError(src, err)))
				if _, err := os.Stat(filepath.Join(dir, "output.txt")); err == nil {
					t.Error("output.txt exists but the file does not parse")
				}
				return
			}
			if _, err := os.Stat(filepath.Join(dir, "error.txt")); err == nil {
				t.Error("error.txt exists but the file parses")
			}
			testutil.Golden(t, filepath.Join(dir, "output.txt"), []byte(renderRules(t, src, rules)))
		})
	}
}

func TestRuleDefaults(t *testing.T) {
	src := `rule r { title "t" severity low query sequence by host within 1m [iam] then [process] test { expect none event { host = "a" } event { category = "process", host = "a" } } }`
	rs, err := ParseRules("x.hunt", src)
	if err != nil {
		t.Fatal(FormatError(src, err))
	}
	r := rs[0]
	if r.Confidence != 0.6 {
		t.Errorf("default confidence %g, want 0.6 (medium)", r.Confidence)
	}
	evs := r.Tests[0].Events
	if evs[0].Category != "iam" || evs[1].Category != "process" {
		t.Errorf("categories %q %q: want the first step's for events without one, and explicit ones kept", evs[0].Category, evs[1].Category)
	}
	if !evs[0].Time.Equal(TestEpoch) || evs[1].Time.Sub(evs[0].Time).Seconds() != 1 {
		t.Errorf("times %v %v: want the epoch, then a second later", evs[0].Time, evs[1].Time)
	}
}

func TestRuleRepeatEvery(t *testing.T) {
	src := `rule r { title "t" severity low query network
	  test { expect 1 event repeat 3 every 5m { src_ip = 10.0.0.1, time = "2026-03-01T10:00:00Z" } event { src_ip = 10.0.0.2 } } }`
	rs, err := ParseRules("x.hunt", src)
	if err != nil {
		t.Fatal(FormatError(src, err))
	}
	var got []string
	for _, ev := range rs[0].Tests[0].Events {
		got = append(got, ev.Time.Format("15:04:05")+" "+ev.SrcIP)
	}
	want := "10:00:00 10.0.0.1,10:05:00 10.0.0.1,10:10:00 10.0.0.1,10:10:01 10.0.0.2"
	if strings.Join(got, ",") != want {
		t.Errorf("got %s, want %s", strings.Join(got, ","), want)
	}
}

// TestRuleQueryInjection: hostile text in a rule's strings and test events never reaches the
// SQL: only bound parameters do.
func TestRuleQueryInjection(t *testing.T) {
	src := `rule r { title "x'; DROP TABLE events; --" severity low
	  query logon | where user == "'; DROP TABLE events; --" | stats count() by src_ip
	  test { expect none event { user = "'; DROP TABLE alerts; --" } } }`
	rs, err := ParseRules("x.hunt", src)
	if err != nil {
		t.Fatal(FormatError(src, err))
	}
	cr, _, err := CheckRule(rs[0], EventCatalogue(), nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, sql := range []string{cr.Compiled.SQL, cr.Compiled.EvidenceSQL} {
		if strings.Contains(sql, "DROP") {
			t.Errorf("user text reached the SQL:\n%s", sql)
		}
	}
}

func FuzzParseRules(f *testing.F) {
	entries, _ := os.ReadDir(filepath.Join("testdata", "rules"))
	for _, e := range entries {
		if b, err := os.ReadFile(filepath.Join("testdata", "rules", e.Name(), "input.hunt")); err == nil {
			f.Add(string(b))
		}
	}
	f.Add(`rule a { title "t" severity low query logon test { expect 1 event '{"user": 1}' } }`)
	f.Fuzz(func(t *testing.T, src string) {
		rules, err := ParseRules("fuzz.hunt", src)
		if err != nil {
			checkErrors(t, src, err)
			return
		}
		for _, r := range rules {
			_, _, err := CheckRule(r, EventCatalogue(), nil, Options{})
			var es Errors
			if err != nil && !errors.As(err, &es) {
				t.Fatalf("check error is %T: %v", err, err)
			}
			for _, e := range es {
				if strings.Contains(e.Msg, "internal error") {
					t.Fatalf("internal error: %v", e)
				}
			}
		}
	})
}

func TestRuleTestEventLimit(t *testing.T) {
	var b strings.Builder
	b.WriteString(`rule r { title "t" severity low query logon test { expect none`)
	for range MaxTestEvents/maxRepeat + 1 {
		b.WriteString(` event repeat 10000 { user = "a" }`)
	}
	b.WriteString(" } }")
	_, err := ParseRules("x.hunt", b.String())
	if err == nil || !strings.Contains(err.Error(), "at most 100000 events") {
		t.Fatalf("err = %v", err)
	}
}
