package overview

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"trawl/cases"
	"trawl/engine"
	"trawl/event"
	"trawl/themes"
	"trawl/tui"
	"trawl/tui/screentest"
)

func TestMain(m *testing.M) { screentest.Main(m) }

func open(t *testing.T, w, h int) (*tui.Context, *Model) {
	t.Helper()
	th, _ := themes.ByName("dark")
	c := tui.NewContext(tui.EngineStore{S: screentest.Store(t)}, th)
	m := New(c)
	m.SetSize(w, h)
	tui.Drain(c, m, m.Init())
	if !m.loaded {
		t.Fatalf("overview did not load: %v", m.err)
	}
	return c, m
}

func TestGolden(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		w, h := size[0], size[1]
		t.Run(fmt.Sprintf("%dx%d", w, h), func(t *testing.T) {
			_, m := open(t, w, h)
			screentest.Golden(t, fmt.Sprintf("overview_%dx%d", w, h), m.View(), w, h)
		})
	}
}

func TestPivotFromTopEntity(t *testing.T) {
	c, m := open(t, 80, 24)
	if len(m.ov.Entities) < 2 {
		t.Fatalf("%d top entities", len(m.ov.Entities))
	}
	msgs := tui.Press(c, m, screentest.Key("j"), screentest.Key("enter"))
	e := m.ov.Entities[1]
	want := tui.OpenMsg{Target: tui.Target{Kind: "entity", Entity: tui.EntityKind(e.Kind), Value: e.Value}}
	if len(msgs) != 1 || msgs[0] != want {
		t.Errorf("j enter: %v, want %v", msgs, want)
	}
	view := ansi.Strip(m.View())
	for _, s := range []string{"Event volume per source", "Alerts by ATT&CK tactic", "Credential Access", e.Value} {
		if !strings.Contains(view, s) {
			t.Errorf("view lacks %q", s)
		}
	}
}

// kpiStore is an in-memory store with one true-positive case at known times: its evidence
// starts 30m before the alert was raised, it was contained 55m after the alert, and its
// history runs 40m, 55m and 60m after the alert (analyst time 15m + 5m = 20m).
func kpiStore(t *testing.T) tui.Store {
	t.Helper()
	ctx := t.Context()
	st, err := engine.Open(ctx, ":memory:", engine.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	// The store stamps an alert with the wall clock, so the times are set relative to it;
	// the KPIs round to the minute, so the milliseconds the rule takes do not show.
	t0 := time.Now().UTC()
	evs := []event.Event{
		{Time: t0.Add(-30 * time.Minute), Category: "logon", User: "root", SrcIP: "203.0.113.5", Outcome: "failure", Host: "bastion"},
		{Time: t0.Add(-29 * time.Minute), Category: "logon", User: "root", SrcIP: "203.0.113.5", Outcome: "success", Host: "bastion"},
	}
	if err := st.InsertEvents(ctx, "auth.log", evs); err != nil {
		t.Fatal(err)
	}
	run, err := st.StartHunt(ctx, time.Time{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.RunRule(ctx, run, engine.AlertRule{Name: "ssh_fail", Title: "SSH failures", Severity: "high", Attack: []string{"T1110.001"},
		SQL: `SELECT list(id ORDER BY id) AS evidence FROM events WHERE src_ip = '203.0.113.5'`}); err != nil {
		t.Fatal(err)
	}
	d, err := st.DraftFromAlerts(ctx, []int64{1})
	if err != nil {
		t.Fatal(err)
	}
	by := func(m int) engine.Actor {
		return engine.Actor{Name: "alice", At: t0.Add(time.Duration(m) * time.Minute)}
	}
	id, err := st.CreateCase(ctx, by(40), d)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SetCaseField(ctx, id, by(55), "status", "contained"); err != nil {
		t.Fatal(err)
	}
	if err := st.SetCaseField(ctx, id, by(60), "verdict", "tp"); err != nil {
		t.Fatal(err)
	}
	return tui.EngineStore{S: st}
}

func TestKPIPanel(t *testing.T) {
	store := kpiStore(t)
	th, _ := themes.ByName("dark")
	for _, tc := range []struct {
		w, h int
		want []string
	}{
		{80, 24, []string{
			"SOC KPIs · all cases  cases 1 · TP 1 · benign TP 0 · FP 0 · open 0",
			"MTTD 30m · MTTR 55m · FP rate 0.0% · TP yield 100.0% · analyst 20m/case",
		}},
		{160, 48, []string{
			"SOC KPIs · all cases",
			" cases                  1         1 true positive · 0 benign true positive · 0 false positive · 0 open",
			" mean time to detect    30m       first malicious event to first alert, true positives",
			" mean time to respond   55m       first alert to containment, true positives",
			" false-positive rate    0.0%      false-positive cases / cases with a verdict",
			" true-positive yield    100.0%    alerts in true-positive cases / alerts in cases with a verdict",
			" analyst time per case  20m       history activity, pauses over 30m left out",
		}},
	} {
		t.Run(fmt.Sprintf("%dx%d", tc.w, tc.h), func(t *testing.T) {
			c := tui.NewContext(store, th)
			m := New(c)
			m.SetSize(tc.w, tc.h)
			tui.Drain(c, m, m.Init())
			if !m.kpiLoaded {
				t.Fatalf("KPIs did not load: %v", m.kpiErr)
			}
			view := ansi.Strip(m.View())
			for _, s := range tc.want {
				if !strings.Contains(view, s) {
					t.Errorf("view lacks %q:\n%s", s, view)
				}
			}
		})
	}
}

// TestKPIStale: a KPI answer that a reload has replaced is dropped, and the panel shows the
// newer one.
func TestKPIStale(t *testing.T) {
	th, _ := themes.ByName("dark")
	c := tui.NewContext(kpiStore(t), th)
	m := New(c)
	m.SetSize(80, 24)
	tui.Drain(c, m, m.Init())
	old := m.loadKPI()
	fresh := m.loadKPI()
	stale := old().(tui.QueryFinishedMsg)
	stale.Rows = cases.KPIs{}
	if c.Finish(stale) {
		t.Fatal("the replaced KPI job counts as current")
	}
	tui.Drain(c, m, fresh)
	if m.kpi.Cases != 1 {
		t.Errorf("panel holds %d cases, want 1", m.kpi.Cases)
	}
}

// failingKPIs is the fixture store whose KPIs cannot be read.
type failingKPIs struct{ tui.EngineStore }

func (failingKPIs) KPIs(context.Context) (cases.KPIs, error) {
	return cases.KPIs{}, errors.New("no cases table")
}

// TestKPIError: a failed KPI load shows in the panel and the status line, and leaves the rest
// of the overview as it is.
func TestKPIError(t *testing.T) {
	th, _ := themes.ByName("dark")
	c := tui.NewContext(failingKPIs{tui.EngineStore{S: screentest.Store(t)}}, th)
	m := New(c)
	m.SetSize(80, 24)
	msgs := tui.Drain(c, m, m.Init())
	if !m.loaded || m.kpiErr == nil {
		t.Fatalf("loaded %v, KPI error %v", m.loaded, m.kpiErr)
	}
	failed := false
	for _, msg := range msgs {
		if e, ok := msg.(tui.StatusMsg); ok && e.Err != nil && strings.Contains(e.Err.Error(), "no cases table") {
			failed = true
		}
	}
	if !failed {
		t.Errorf("no error message for the status line: %v", msgs)
	}
	view := ansi.Strip(m.View())
	for _, s := range []string{"SOC KPIs · all cases  error: no cases table", "Event volume per source", "Credential Access"} {
		if !strings.Contains(view, s) {
			t.Errorf("view lacks %q:\n%s", s, view)
		}
	}
}

// TestKPIsWithoutCaseTables: an old store, opened read-only, that has no case tables shows "no
// cases yet" in the KPI panel, not an error.
func TestKPIsWithoutCaseTables(t *testing.T) {
	src := screentest.Store(t).Path()
	path := filepath.Join(t.TempDir(), "old.duckdb")
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	w, err := engine.Open(ctx, path, engine.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, tb := range []string{"case_history", "case_notes", "case_techniques", "case_entities", "case_events", "case_incidents", "case_alerts", "cases"} {
		if err := w.QueryFunc(ctx, "DROP TABLE IF EXISTS "+tb, nil, func([]string, []any) error { return nil }); err != nil {
			t.Fatalf("dropping %s: %v", tb, err)
		}
	}
	w.Close()
	st, err := engine.Open(ctx, path, engine.Options{ReadOnly: true, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	th, _ := themes.ByName("dark")
	c := tui.NewContext(tui.EngineStore{S: st}, th)
	m := New(c)
	m.SetSize(80, 24)
	tui.Drain(c, m, m.Init())
	v := ansi.Strip(m.View())
	if m.kpiErr != nil || !strings.Contains(v, "no cases yet") {
		t.Errorf("KPI panel of a store without case tables (err %v):\n%s", m.kpiErr, v)
	}
}
