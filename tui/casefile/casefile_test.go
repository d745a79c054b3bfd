package casefile

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"trawl/cases"
	"trawl/engine"
	"trawl/themes"
	"trawl/tui"
	"trawl/tui/screentest"
	"trawl/tui/tuitest"
)

func TestMain(m *testing.M) { screentest.Main(m) }

var sizes = []struct {
	name          string
	width, height int
}{{"80x24", 80, 24}, {"160x48", 160, 48}}

// base is the fixed time the test cases are worked at.
var base = time.Date(2026, time.March, 6, 9, 0, 0, 0, time.UTC)

// hostileNote is a note an analyst pasted from a log: HTML and terminal escapes.
const hostileNote = "<script>alert(1)</script> pasted: \x1b]0;pwned\x07\x1b[2J\x1b[31mRED\x1b[0m\nsecond line \u202eevil"

// clock advances a minute each time it is read, so that history entries are apart.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Minute)
	return c.t
}

// caseStore copies the fixture store into the test's directory, opened for writing, with the
// alerts' creation times fixed (the fixture's are when it was built).
func caseStore(t *testing.T) *engine.Store {
	t.Helper()
	st := tuitest.Writable(t, screentest.Store(t))
	exec(t, st, `UPDATE alerts SET created_at = coalesce(last, TIMESTAMP '2026-03-02') + INTERVAL 5 MINUTE`)
	return st
}

func exec(t *testing.T, st *engine.Store, sql string, args ...any) {
	t.Helper()
	if err := st.QueryFunc(t.Context(), sql, args, func([]string, []any) error { return nil }); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func ids(t *testing.T, st *engine.Store, sql string, args ...any) []int64 {
	t.Helper()
	var out []int64
	err := st.QueryFunc(t.Context(), sql, args, func(_ []string, row []any) error {
		out = append(out, row[0].(int64))
		return nil
	})
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return out
}

// fixture is a store with one worked case: opened from the brute-force alerts, a hostile
// event pinned, notes (one hostile), playbook tasks (one done), status and verdict set.
type fixture struct {
	st   *engine.Store
	src  StoreSource
	desk *Desk
	ctx  *tui.Context
	id   int64
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	st := caseStore(t)
	pbs, err := cases.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{t: base}
	src := StoreSource{S: st, Author: "alice", Playbooks: pbs, Now: clk.now}
	alerts := ids(t, st, `SELECT id FROM alerts WHERE rule LIKE 'ssh_brute_force%' ORDER BY id LIMIT 2`)
	if len(alerts) == 0 {
		t.Fatal("the fixture has no ssh_brute_force alert")
	}
	ctx := context.Background()
	id, err := src.Create(ctx, CreateCaseMsg{AlertIDs: alerts})
	if err != nil {
		t.Fatal(err)
	}
	hostile := ids(t, st, `SELECT id FROM events WHERE host = ? ORDER BY id LIMIT 1`, screentest.HostileHost)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(src.Pin(ctx, id, hostile[0]))
	must(src.SetField(ctx, id, "status", "investigating"))
	_, err = src.AddNote(ctx, id, "Source address is outside the VPN range; checking with the network team.")
	must(err)
	_, err = src.AddNote(ctx, id, hostileNote)
	must(err)
	n, err := src.AddPlaybookTasks(ctx, id)
	must(err)
	if n == 0 {
		t.Fatal("no playbook task for a brute-force case")
	}
	must(src.CompleteTask(ctx, id, 1))
	must(src.SetField(ctx, id, "assignee", "alice"))
	th, err := themes.ByName("dark")
	if err != nil {
		t.Fatal(err)
	}
	tc := tui.NewContext(nil, th)
	tc.Now = func() time.Time { return base.Add(3 * time.Hour) }
	return &fixture{st: st, src: src, desk: NewDesk(src), ctx: tc, id: id}
}

// open opens the case file at a size and loads it.
func (f *fixture) open(t *testing.T, w, h int) *Model {
	t.Helper()
	m := New(f.ctx, f.desk, f.id)
	m.SetSize(w, h)
	drain(t, m, m.Init())
	if m.Case() == nil {
		t.Fatalf("case not loaded: %v", m.Err())
	}
	return m
}

// drain runs cmd and what it leads to, feeding every message to m as the root would, and
// returns the messages for the root (status, open).
func drain(t *testing.T, m *Model, cmd tea.Cmd) []tea.Msg {
	t.Helper()
	var out []tea.Msg
	queue := []tea.Cmd{cmd}
	for n := 0; len(queue) > 0; n++ {
		if n > 1000 {
			t.Fatal("command loop")
		}
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		switch msg := c().(type) {
		case nil:
		case tea.BatchMsg:
			queue = append(queue, msg...)
		case CaseLoadedMsg, VerifiedMsg, WriteFinishedMsg, CaseChangedMsg:
			queue = append(queue, m.Update(msg))
		default:
			out = append(out, msg)
		}
	}
	return out
}

func press(t *testing.T, m *Model, keys ...string) {
	t.Helper()
	for _, k := range keys {
		drain(t, m, m.Update(screentest.Key(k)))
	}
}

func typeText(t *testing.T, m *Model, s string) {
	t.Helper()
	for _, k := range screentest.Type(s) {
		drain(t, m, m.Update(k))
	}
}

func TestTabsGolden(t *testing.T) {
	f := newFixture(t)
	for _, sz := range sizes {
		t.Run(sz.name, func(t *testing.T) {
			m := f.open(t, sz.width, sz.height)
			for _, tab := range Tabs {
				m.SetTab(tab)
				screentest.Golden(t, strings.ToLower(tab.String())+"_"+sz.name, m.View(), sz.width, sz.height)
			}
		})
	}
}

// TestHostileInert: a note with <script> and terminal escapes, and a pinned event carrying
// escapes, are drawn as visible escapes in every tab.
func TestHostileInert(t *testing.T) {
	f := newFixture(t)
	m := f.open(t, 160, 48)
	sawNote := false
	for _, tab := range Tabs {
		m.SetTab(tab)
		v := m.View()
		plain := ansi.Strip(v)
		if strings.ContainsAny(plain, "\x1b\x07\x00\u202e") {
			t.Errorf("%s: a control character reaches the terminal:\n%q", tab, plain)
		}
		if strings.Contains(plain, "pwned") {
			sawNote = true
			if !strings.Contains(plain, `\x1b]0;pwned\x07`) {
				t.Errorf("%s: the note's escapes are not shown escaped:\n%s", tab, plain)
			}
		}
	}
	if !sawNote {
		t.Error("the hostile note is shown in no tab")
	}
	m.SetTab(TabEvidence)
	press(t, m, "G")
	if v := ansi.Strip(m.View()); !strings.Contains(v, `\x1b[31mRED`) {
		t.Errorf("the pinned hostile event is not shown escaped:\n%s", v)
	}
}

// TestAddNote types a note (with escapes pasted in) and saves it through the store.
func TestAddNote(t *testing.T) {
	f := newFixture(t)
	m := f.open(t, 80, 24)
	notes := len(m.Case().Notes)
	press(t, m, "n")
	if !m.Capturing() {
		t.Fatal("writing a note does not capture the keys")
	}
	typeText(t, m, "Blocked at the firewall.\nTicket ")
	drain(t, m, m.Update(tea.PasteMsg{Content: "INC-42 \x1b[2J<script>"}))
	m.SetTab(TabNotes)
	screentest.Golden(t, "note_editor_80x24", m.View(), 80, 24)
	press(t, m, "ctrl+s")
	if m.Err() != nil {
		t.Fatal(m.Err())
	}
	c := m.Case()
	if len(c.Notes) != notes+1 {
		t.Fatalf("%d notes, want %d", len(c.Notes), notes+1)
	}
	if got, want := c.Notes[len(c.Notes)-1].Text, "Blocked at the firewall.\nTicket INC-42 \x1b[2J<script>"; got != want {
		t.Errorf("note stored as %q, want %q", got, want)
	}
	if v := ansi.Strip(m.View()); !strings.Contains(v, `INC-42 \x1b[2J<script>`) || !strings.Contains(v, "note 3 added") {
		t.Errorf("the new note or the notice is missing:\n%s", v)
	}
	// An empty note is refused in the screen, without a write.
	press(t, m, "n", "ctrl+s")
	if m.Err() == nil || !strings.Contains(ansi.Strip(m.View()), "error: the note is empty") {
		t.Errorf("empty note: err %v\n%s", m.Err(), ansi.Strip(m.View()))
	}
	press(t, m, "esc")
	if m.Mode() != ModeView {
		t.Error("esc does not leave the note editor")
	}
}

// TestStatusChangeInHistory picks a status; the change shows in the history tab, which still
// verifies.
func TestStatusChangeInHistory(t *testing.T) {
	f := newFixture(t)
	m := f.open(t, 160, 48)
	before := len(m.Case().History)
	press(t, m, "s")
	if m.Mode() != ModePick {
		t.Fatal("s does not open the status picker")
	}
	screentest.Golden(t, "status_picker_160x48", m.View(), 160, 48)
	press(t, m, "down", "enter") // investigating → contained
	if m.Err() != nil {
		t.Fatal(m.Err())
	}
	c := m.Case()
	if c.Status != cases.StatusContained {
		t.Fatalf("status %s, want contained", c.Status)
	}
	if len(c.History) != before+1 {
		t.Fatalf("%d history entries, want %d", len(c.History), before+1)
	}
	last := c.History[len(c.History)-1]
	if last.Action != cases.ActionSet || last.Field != "status" || last.Old != "investigating" || last.New != "contained" || last.Actor != "alice" {
		t.Errorf("last history entry %+v", last)
	}
	m.SetTab(TabHistory)
	press(t, m, "G") // the newest entries are at the end
	v := ansi.Strip(m.View())
	if !strings.Contains(v, "investigating → contained") || !strings.Contains(v, "history verified") {
		t.Errorf("history tab:\n%s", v)
	}
	if !strings.Contains(v, "status set to contained") {
		t.Errorf("no notice of the change:\n%s", v)
	}
	screentest.Golden(t, "history_after_status_160x48", m.View(), 160, 48)
}

// TestFalsePositiveOffersSuppression: the false-positive verdict shows what the alerts
// suggest; y adds the suppressions and notes them on the case.
func TestFalsePositiveOffersSuppression(t *testing.T) {
	f := newFixture(t)
	m := f.open(t, 160, 48)
	press(t, m, "v")
	for i := 0; i < 10 && m.pickOpts[m.pickSel] != string(cases.VerdictFalsePositive); i++ {
		press(t, m, "up")
	}
	press(t, m, "enter")
	if m.Mode() != ModeSuppress {
		t.Fatalf("no suppression offer after a false-positive verdict (err %v)", m.Err())
	}
	if m.Case().Verdict != cases.VerdictFalsePositive {
		t.Errorf("verdict %q", m.Case().Verdict)
	}
	screentest.Golden(t, "suppress_offer_160x48", m.View(), 160, 48)
	notes := len(m.Case().Notes)
	press(t, m, "y")
	if m.Err() != nil {
		t.Fatal(m.Err())
	}
	sups, err := f.st.Suppressions(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(sups) == 0 || !strings.HasPrefix(sups[0].Name, "fp-alert-") {
		t.Fatalf("suppressions %+v", sups)
	}
	if len(m.Case().Notes) <= notes {
		t.Error("the suppressions are not noted on the case")
	}
}

// TestTasks ticks a task off from the tasks tab; ticking a done task is refused in the screen.
func TestTasks(t *testing.T) {
	f := newFixture(t)
	m := f.open(t, 80, 24)
	m.SetTab(TabTasks)
	press(t, m, "down", "space")
	if m.Err() != nil {
		t.Fatal(m.Err())
	}
	if !m.Case().Tasks[1].Done() {
		t.Fatal("task 2 not done")
	}
	press(t, m, "up", "x")
	if m.Err() == nil || !strings.Contains(m.Err().Error(), "already done") {
		t.Errorf("ticking a done task: %v", m.Err())
	}
	// Adding the playbook again adds nothing: every step is on the checklist.
	n := len(m.Case().Tasks)
	press(t, m, "P")
	if len(m.Case().Tasks) != n || !strings.Contains(ansi.Strip(m.View()), "no playbook steps to add") {
		t.Errorf("playbook added again: %d tasks, was %d\n%s", len(m.Case().Tasks), n, ansi.Strip(m.View()))
	}
}

// TestExport writes each report format to a file from the screen.
func TestExport(t *testing.T) {
	f := newFixture(t)
	m := f.open(t, 80, 24)
	dir := t.TempDir()
	for _, ext := range []string{"md", "html", "json"} {
		path := filepath.Join(dir, "report."+ext)
		press(t, m, "e", "ctrl+u")
		typeText(t, m, path)
		press(t, m, "enter")
		if m.Err() != nil {
			t.Fatalf("%s: %v", ext, m.Err())
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if ext == "html" && (!strings.Contains(string(b), "&lt;script&gt;") || strings.Contains(string(b), "<script>alert")) {
			t.Errorf("the HTML report does not escape the hostile note")
		}
		if !strings.Contains(ansi.Strip(m.View()), ext+" report written") {
			t.Errorf("no notice:\n%s", ansi.Strip(m.View()))
		}
	}
	// A name without a known extension is refused in the screen.
	press(t, m, "e", "ctrl+u")
	typeText(t, m, "report.pdf")
	press(t, m, "enter")
	if m.Err() == nil || m.Mode() != ModeExport {
		t.Errorf("report.pdf: err %v, mode %v", m.Err(), m.Mode())
	}
	screentest.Golden(t, "export_error_80x24", m.View(), 80, 24)
}

// slowSource answers loads in the order the test releases them.
type slowSource struct {
	Source
	mu    sync.Mutex
	title []string
	calls int
}

func (s *slowSource) Case(ctx context.Context, id int64) (*cases.Case, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := &cases.Case{ID: id, Title: s.title[s.calls%len(s.title)], Status: cases.StatusNew, Severity: "low"}
	s.calls++
	return c, nil
}

func (s *slowSource) Verify(ctx context.Context, id int64) (Verification, error) {
	return Verification{Head: "h"}, nil
}

// TestStaleLoadDropped: a load answered after a newer one is dropped.
func TestStaleLoadDropped(t *testing.T) {
	src := &slowSource{title: []string{"first", "second"}}
	th, _ := themes.ByName("dark")
	tc := tui.NewContext(nil, th)
	m := New(tc, NewDesk(src), 7)
	first := screentest.Run(m.Reload())  // load "first"
	second := screentest.Run(m.Reload()) // load "second", the current one
	// The newer answer arrives first, the older one last.
	for _, msg := range append(second, first...) {
		m.Update(msg)
	}
	if got := m.Case().Title; got != "second" {
		t.Errorf("title %q: a stale load replaced the current one", got)
	}
	// A message for another case file is ignored.
	m.Update(CaseLoadedMsg{Owner: m.ID() + 1, Seq: m.loadSeq, Case: &cases.Case{Title: "other"}})
	if m.Case().Title != "second" {
		t.Error("another screen's load was taken")
	}
}

// failingSource fails every write.
type failingSource struct{ slowSource }

func (s *failingSource) SetField(ctx context.Context, id int64, field, value string) error {
	return errors.New("database is locked")
}

// TestWriteErrorShown: a failed write is shown in the screen's footer.
func TestWriteErrorShown(t *testing.T) {
	src := &failingSource{slowSource{title: []string{"a case"}}}
	th, _ := themes.ByName("dark")
	tc := tui.NewContext(nil, th)
	m := New(tc, NewDesk(src), 7)
	m.SetSize(80, 24)
	drain(t, m, m.Init())
	press(t, m, "s", "enter")
	if v := ansi.Strip(m.View()); !strings.Contains(v, "error: database is locked") {
		t.Errorf("error not shown:\n%s", v)
	}
}

// TestDeskPinAndCreate: PinEventMsg pins to the active case; CreateCaseMsg opens a case and
// asks the root to show it.
func TestDeskPinAndCreate(t *testing.T) {
	f := newFixture(t)
	d := f.desk
	ev := ids(t, f.st, `SELECT id FROM events ORDER BY id LIMIT 1`)[0]
	cmd, ok := d.Handle(PinEventMsg{EventID: ev})
	if !ok {
		t.Fatal("PinEventMsg not handled")
	}
	if msgs := screentest.Run(cmd); len(msgs) != 1 || msgs[0].(tui.StatusMsg).Err == nil {
		t.Errorf("pin with no active case: %v", msgs)
	}
	m := f.open(t, 80, 24) // makes the case active
	cmd, _ = d.Handle(PinEventMsg{EventID: ev})
	msgs := drain(t, m, cmd)
	if len(msgs) != 1 || msgs[0].(tui.StatusMsg).Err != nil {
		t.Fatalf("pin: %v", msgs)
	}
	pinned := false
	for _, e := range m.Case().Evidence {
		pinned = pinned || (e.ID == ev && e.Pinned)
	}
	if !pinned {
		t.Errorf("event %d not pinned in the reloaded case", ev)
	}
	alerts := ids(t, f.st, `SELECT id FROM alerts WHERE rule NOT LIKE 'ssh_brute_force%' ORDER BY id LIMIT 1`)
	cmd, _ = d.Handle(CreateCaseMsg{AlertIDs: alerts, Title: "from the queue"})
	var open *tui.OpenMsg
	for _, msg := range drain(t, m, cmd) {
		if o, ok := msg.(tui.OpenMsg); ok {
			open = &o
		}
	}
	if open == nil || open.Target.Kind != "case" || open.Target.ID != f.id+1 {
		t.Fatalf("create: open %+v", open)
	}
	c, err := f.src.Case(t.Context(), open.Target.ID)
	if err != nil || c.Title != "from the queue" || len(c.Alerts) != 1 {
		t.Errorf("created case %+v, %v", c, err)
	}
	cmd, _ = d.Handle(CreateCaseMsg{})
	if msgs := screentest.Run(cmd); len(msgs) != 1 || msgs[0].(tui.StatusMsg).Err == nil {
		t.Errorf("create from nothing: %v", msgs)
	}
	_ = fmt.Sprint
}

// TestOpenAlertFromTimeline: enter on an alert of the timeline asks the root to open it.
func TestOpenAlertFromTimeline(t *testing.T) {
	f := newFixture(t)
	m := f.open(t, 80, 24)
	m.SetTab(TabTimeline)
	tl := cases.Timeline(m.Case())
	want := int64(0)
	for i, e := range tl {
		if e.Kind == cases.EntryAlert {
			want = e.Ref
			break
		}
		press(t, m, "down")
		if m.cursor[TabTimeline] != i+1 {
			t.Fatalf("cursor %d, want %d", m.cursor[TabTimeline], i+1)
		}
	}
	msgs := drain(t, m, m.Update(screentest.Key("enter")))
	if len(msgs) != 1 || msgs[0] != (tui.OpenMsg{Target: tui.Target{Kind: "alert", ID: want}}) {
		t.Errorf("enter on alert %d: %v", want, msgs)
	}
	// On an event nothing opens.
	press(t, m, "g")
	if msgs := drain(t, m, m.Update(screentest.Key("enter"))); len(msgs) != 0 {
		t.Errorf("enter on an event: %v", msgs)
	}
}
