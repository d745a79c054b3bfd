package importer

import (
	"bufio"
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

	"trawl/engine"
	"trawl/importers"
	_ "trawl/importers/all" // the formats of the sample files
	"trawl/internal/testutil"
	"trawl/themes"
	"trawl/tui"
	"trawl/tui/screentest"
)

var sizes = []struct {
	name          string
	width, height int
}{{"80x24", 80, 24}, {"160x48", 160, 48}}

// fakeSource answers with fixed results and rejects; with block, Import waits for its context
// to be cancelled and reports every file cancelled.
type fakeSource struct {
	writable error
	results  []engine.FileResult
	rejects  []Reject
	block    bool
	started  chan struct{}
}

func (f *fakeSource) Writable(context.Context) error { return f.writable }

func (f *fakeSource) Import(ctx context.Context, files []string, progress func(engine.Progress)) []engine.FileResult {
	if f.block {
		if f.started != nil {
			close(f.started)
		}
		<-ctx.Done()
		out := make([]engine.FileResult, len(files))
		for i, p := range files {
			out[i] = engine.FileResult{File: p, Err: ctx.Err()}
		}
		return out
	}
	return f.results
}

func (f *fakeSource) Rejects(_ context.Context, file string, offset, limit int) (RejectPage, error) {
	p := RejectPage{Offset: offset, Total: len(f.rejects)}
	for i := offset; i < len(f.rejects) && i < offset+limit; i++ {
		p.Rows = append(p.Rows, f.rejects[i])
	}
	return p, nil
}

func theme(t *testing.T) *themes.Theme {
	t.Helper()
	th, err := themes.ByName("dark")
	if err != nil {
		t.Fatal(err)
	}
	return th
}

// newModel is a screen over src browsing dir, its first listing read.
func newModel(t *testing.T, src Source, dir string, w, h int) Model {
	t.Helper()
	m := New(Deps{Source: src, Dir: dir}, theme(t))
	m.SetSize(w, h)
	return screentest.Drive(t, m, screentest.Run(m.Init())...)
}

// keys is the key presses of names (screentest.Keys).
var keys = screentest.Keys

func TestBrowse(t *testing.T) {
	for _, sz := range sizes {
		t.Run(sz.name, func(t *testing.T) {
			m := newModel(t, &fakeSource{}, "testdata/browse", sz.width, sz.height)
			// Rows: ../, sub/, zeek/, README.md, app.jsonl, auth.log.
			m = screentest.Drive(t, m, keys("down", "down", "space", "down", "down", "space")...)
			want := []string{"testdata/browse/auth.log", "testdata/browse/zeek"}
			if got := m.Marked(); strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("marked %v, want %v", got, want)
			}
			screentest.Golden(t, "browse_"+sz.name, m.View(), sz.width, sz.height)

			// enter opens a folder, backspace goes back up with that folder selected.
			m = screentest.Drive(t, m, keys("home", "down", "enter")...)
			if m.Dir() != "testdata/browse/sub" || len(m.entries) != 1 || m.entries[0].Name != "cron.log" {
				t.Fatalf("after enter on sub/: folder %q, entries %v", m.Dir(), m.entries)
			}
			m = screentest.Drive(t, m, keys("backspace")...)
			if e, _ := m.entryAt(m.sel); m.Dir() != "testdata/browse" || e.Name != "sub" {
				t.Errorf("after backspace: folder %q, selected %q; want testdata/browse, sub", m.Dir(), e.Name)
			}

			// A typed path with tab completion: "testdata/browse/su" completes to the folder.
			m = screentest.Drive(t, m, keys("/", "ctrl+u")...)
			m = screentest.Drive(t, m, screentest.Type("testdata/browse/su")...)
			m = screentest.Drive(t, m, keys("tab")...)
			if m.input.Value != "testdata/browse/sub/" {
				t.Errorf("tab completed to %q, want testdata/browse/sub/", m.input.Value)
			}
			screentest.Golden(t, "path_"+sz.name, m.View(), sz.width, sz.height)
			// A glob marks what it matches.
			m = screentest.Drive(t, m, keys("ctrl+u")...)
			m = screentest.Drive(t, m, screentest.Type("testdata/browse/sub/*.log\n")...)
			if !m.marked["testdata/browse/sub/cron.log"] || m.typing {
				t.Errorf("the glob did not mark sub/cron.log: %v (typing %v)", m.Marked(), m.typing)
			}
		})
	}
}

// runningModel has started an import of the marked files (the command is not run: the test
// sends the progress messages itself).
func runningModel(t *testing.T, src Source, w, h int) Model {
	t.Helper()
	m := newModel(t, src, "testdata/browse", w, h)
	m = screentest.Drive(t, m, keys("down", "down", "space", "space", "space", "space")...)
	var cmd tea.Cmd
	m, cmd = m.Update(screentest.Key("i"))
	if cmd == nil || m.Phase() != PhaseRunning {
		t.Fatalf("i did not start an import: phase %v", m.Phase())
	}
	return m
}

func progressMsg(m Model) ProgressMsg {
	return ProgressMsg{Owner: m.id, Seq: m.runSeq, Elapsed: 2500 * time.Millisecond, Files: []FileProgress{
		{File: "testdata/browse/app.jsonl", Size: 4 << 20, BytesRead: 4 << 20, Events: 52000, Rejects: 3, Started: true, Done: true},
		{File: "testdata/browse/auth.log", Size: 10 << 20, BytesRead: 3 << 20, Events: 20480, Rejects: 0, Started: true, Rate: 14500},
		{File: "testdata/browse/zeek/conn.log", Size: 2 << 20},
	}}
}

func finishedMsg(m Model) FinishedMsg {
	return FinishedMsg{Owner: m.id, Seq: m.runSeq, Elapsed: 7 * time.Second, Results: []engine.FileResult{
		{File: "testdata/browse/app.jsonl", Format: "jsonl", Events: 52000, Rejects: 3},
		{File: "testdata/browse/auth.log", Format: "syslog", Events: 71234},
		{File: "testdata/browse/zeek/conn.log", Skipped: true},
		{File: "/elsewhere/broken.bin", Err: errors.New("/elsewhere/broken.bin: no format recognises this content")},
	}}
}

func TestRunningAndSummary(t *testing.T) {
	rejects := []Reject{
		{Line: 7, Field: "ts", Reason: "not a time: \"yesterday\"", Raw: `{"ts":"yesterday","msg":"x"}`, RawBytes: 28},
		{Line: 19, Reason: "invalid JSON: unexpected end", Raw: "{\"msg\":\"\x1b]52;c;cHduZWQ=\x07 clipboard\"", RawBytes: 900},
		{Offset: 4096, Reason: "line longer than 1 MiB", Raw: strings.Repeat("A", 300), RawBytes: 2 << 20},
	}
	for _, sz := range sizes {
		t.Run(sz.name, func(t *testing.T) {
			src := &fakeSource{rejects: rejects}
			m := runningModel(t, src, sz.width, sz.height)
			if !m.Capturing() {
				t.Error("a running import does not take esc (Capturing false)")
			}
			m, cmd := m.Update(progressMsg(m))
			if cmd == nil {
				t.Error("a progress message did not wait for the next one")
			}
			screentest.Golden(t, "running_"+sz.name, m.View(), sz.width, sz.height)

			// A progress message of another screen, or of an earlier import, is dropped.
			stale := progressMsg(m)
			stale.Seq--
			stale.Files = nil
			m, _ = m.Update(stale)
			other := progressMsg(m)
			other.Owner++
			other.Files = nil
			m, _ = m.Update(other)
			if len(m.files) != 3 {
				t.Errorf("a stale or foreign progress message was taken: %d files", len(m.files))
			}

			m, _ = m.Update(finishedMsg(m))
			if m.Phase() != PhaseSummary || m.Capturing() {
				t.Fatalf("after the finished message: phase %v, capturing %v", m.Phase(), m.Capturing())
			}
			screentest.Golden(t, "summary_"+sz.name, m.View(), sz.width, sz.height)

			// enter on the first file lists its rejects, escaped.
			m = screentest.Drive(t, m, keys("enter")...)
			if m.Phase() != PhaseRejects || len(m.rejPage.Rows) != 3 {
				t.Fatalf("enter: phase %v with %d rejects", m.Phase(), len(m.rejPage.Rows))
			}
			m = screentest.Drive(t, m, keys("down")...)
			v := m.View()
			if strings.Contains(ansi.Strip(v), "\x1b") || !strings.Contains(ansi.Strip(v), `{"msg":"\x1b]52;c;cHduZWQ=\x07 clipboard"`) {
				t.Errorf("the hostile reject is not escaped:\n%s", ansi.Strip(v))
			}
			screentest.Golden(t, "rejects_"+sz.name, v, sz.width, sz.height)
			if !m.WantsKey(screentest.Key("esc")) {
				t.Error("the rejects list does not ask the root for esc")
			}
			m = screentest.Drive(t, m, keys("esc")...)
			if m.Phase() != PhaseSummary {
				t.Errorf("esc from the rejects: phase %v, want summary", m.Phase())
			}
			m = screentest.Drive(t, m, keys("n")...)
			if m.Phase() != PhaseBrowse || len(m.Marked()) != 0 {
				t.Errorf("n: phase %v, marked %v; want the browser with nothing marked", m.Phase(), m.Marked())
			}
		})
	}
}

// TestRejectsPaging pages through 25 rejects 5 at a time.
func TestRejectsPaging(t *testing.T) {
	var rs []Reject
	for i := range 25 {
		rs = append(rs, Reject{Line: int64(i + 1), Reason: "bad"})
	}
	m := runningModel(t, &fakeSource{rejects: rs}, 80, 14) // 5 rows a page
	m, _ = m.Update(finishedMsg(m))
	m = screentest.Drive(t, m, keys("enter")...)
	if len(m.rejPage.Rows) != 5 {
		t.Fatalf("first page has %d rows, want 5", len(m.rejPage.Rows))
	}
	for i := range 12 {
		if got := m.rejPage.Rows[m.rejSel].Line; got != int64(i+1) {
			t.Fatalf("going down, reject %d shows line %d", i+1, got)
		}
		m = screentest.Drive(t, m, keys("down")...)
	}
	m = screentest.Drive(t, m, keys("pgdown", "pgdown")...)
	if m.rejPage.Offset != 20 {
		t.Errorf("after two more pages the offset is %d, want 20", m.rejPage.Offset)
	}
	m = screentest.Drive(t, m, keys("pgup")...)
	if m.rejPage.Offset != 15 {
		t.Errorf("pgup: offset %d, want 15", m.rejPage.Offset)
	}
}

// TestImportSamples imports real sample files through the screen's command into a fresh store.
func TestImportSamples(t *testing.T) {
	conn := testutil.Sample(t, "zeek/mordor-lsass-campaign-01/conn.log")
	dns := testutil.Sample(t, "zeek/mordor-lsass-campaign-01/dns.log")
	dir := t.TempDir()
	// A JSON lines file with two broken records among three good ones.
	bad := filepath.Join(dir, "app.jsonl")
	lines := `{"timestamp":"2026-03-02T08:00:00Z","event":"login","user":"alice"}` + "\n" +
		`{"timestamp":"2026-03-02T08:00:01Z","event":` + "\n" +
		`{"timestamp":"2026-03-02T08:00:02Z","event":"login","user":"bob"}` + "\n" +
		"not json at all \x1b[31mred\x1b[0m\n" +
		`{"timestamp":"2026-03-02T08:00:03Z","event":"logout","user":"alice"}` + "\n"
	if err := os.WriteFile(bad, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := engine.Open(t.Context(), filepath.Join(dir, "trawl.db"), engine.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	src := StoreSource{S: st, Workers: 1}

	m := newModel(t, src, dir, 160, 48)
	if m.writable != nil {
		t.Fatalf("a store opened for writing is not writable: %v", m.writable)
	}
	m.marked = map[string]bool{conn: true, dns: true, bad: true}
	m = screentest.Drive(t, m, keys("i")...)
	if m.Phase() != PhaseSummary {
		t.Fatalf("after the import the phase is %v", m.Phase())
	}
	got := map[string]engine.FileResult{}
	for _, r := range m.Results() {
		got[r.File] = r
	}
	for _, tc := range []struct {
		file            string
		format          string
		events, rejects int64
	}{
		{conn, "zeek", 112, 0},
		{dns, "zeek", 96, 0},
		{bad, "jsonl", 3, 2},
	} {
		r := got[tc.file]
		if r.Err != nil || r.Format != tc.format || r.Events != tc.events || r.Rejects != tc.rejects {
			t.Errorf("%s: format %q, %d events, %d rejects, err %v; want %s, %d, %d", filepath.Base(tc.file), r.Format, r.Events, r.Rejects, r.Err, tc.format, tc.events, tc.rejects)
		}
	}
	var n int64
	err = st.QueryFunc(t.Context(), `SELECT count(*) FROM events`, nil, func(_ []string, row []any) error {
		n = row[0].(int64)
		return nil
	})
	if err != nil || n != 112+96+3 {
		t.Errorf("the store holds %d events (err %v), want %d", n, err, 112+96+3)
	}

	// The rejects of app.jsonl, from the store, with the escape shown escaped.
	for i, r := range m.Results() {
		if r.File == bad {
			m.fsel = i
		}
	}
	m = screentest.Drive(t, m, keys("enter")...)
	if m.rejErr != nil || m.rejPage.Total != 2 || len(m.rejPage.Rows) != 2 {
		t.Fatalf("rejects of app.jsonl: %+v, err %v", m.rejPage, m.rejErr)
	}
	if r := m.rejPage.Rows[0]; r.Line != 2 || r.Reason == "" {
		t.Errorf("first reject: line %d, reason %q; want line 2 with a reason", r.Line, r.Reason)
	}
	if r := m.rejPage.Rows[1]; r.Line != 4 || !strings.Contains(r.Raw, "\x1b[31mred") {
		t.Errorf("second reject: line %d, raw %q; want line 4 holding the escape", r.Line, r.Raw)
	}
	v := ansi.Strip(m.View())
	if strings.Contains(v, "\x1b") || !strings.Contains(v, `not json at all \x1b[31mred\x1b[0m`) {
		t.Errorf("the reject's raw text is not shown escaped:\n%s", v)
	}

	// The same files again are skipped as already imported.
	m = screentest.Drive(t, m, keys("esc", "n")...)
	m.marked = map[string]bool{conn: true, bad: true}
	m = screentest.Drive(t, m, keys("i")...)
	for _, r := range m.Results() {
		if !r.Skipped || r.Events != 0 {
			t.Errorf("%s imported again: skipped %v, %d events", r.File, r.Skipped, r.Events)
		}
	}
	if v := ansi.Strip(m.View()); !strings.Contains(v, "skipped: already imported") {
		t.Errorf("the summary does not say the files were skipped:\n%s", v)
	}
}

// TestReadOnlyStore: a store opened read-only says so and refuses to start.
func TestReadOnlyStore(t *testing.T) {
	db := filepath.Join(t.TempDir(), "trawl.db")
	st, err := engine.Open(t.Context(), db, engine.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	ro, err := engine.Open(t.Context(), db, engine.Options{ReadOnly: true, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ro.Close() })
	m := newModel(t, StoreSource{S: ro}, "testdata/browse", 80, 24)
	if !errors.Is(m.writable, ErrReadOnly) {
		t.Fatalf("a read-only store is writable: %v", m.writable)
	}
	m = screentest.Drive(t, m, keys("down", "down", "i")...)
	if m.Phase() != PhaseBrowse {
		t.Errorf("an import started on a read-only store: phase %v", m.Phase())
	}
	screentest.Golden(t, "readonly_80x24", m.View(), 80, 24)
}

// TestCancel: esc cancels a running import; the root cancelling its jobs does too.
func TestCancel(t *testing.T) {
	src := &fakeSource{block: true, started: make(chan struct{})}
	m := runningModel(t, src, 80, 24)
	if _, cmd := m.Update(screentest.Key("i")); cmd != nil {
		t.Error("i while an import runs started something")
	}

	// A fresh model whose start command we run step by step.
	m = newModel(t, src, "testdata/browse", 80, 24)
	m = screentest.Drive(t, m, keys("down", "down", "space")...)
	m, cmd := m.Update(screentest.Key("i"))
	first := cmd()
	m, wait := m.Update(first)
	<-src.started
	m, _ = m.Update(screentest.Key("esc"))
	if !m.cancelling {
		t.Error("esc did not cancel")
	}
	done := make(chan tea.Msg)
	go func() { done <- wait() }()
	select {
	case msg := <-done:
		m, _ = m.Update(msg)
	case <-time.After(10 * time.Second):
		t.Fatal("the import did not end after esc")
	}
	if m.Phase() != PhaseSummary || !m.cancelled {
		t.Fatalf("after cancelling: phase %v, cancelled %v", m.Phase(), m.cancelled)
	}
	if v := ansi.Strip(m.View()); !strings.Contains(v, "cancelled: not imported") {
		t.Errorf("the summary does not say the file was cancelled:\n%s", v)
	}

	// Through the root: quitting cancels every job, the import with them.
	src = &fakeSource{block: true, started: make(chan struct{})}
	c := tui.NewContext(nil, theme(t))
	s := NewScreenOf(c, Deps{Source: src, Dir: "testdata/browse"})
	s.SetSize(80, 24)
	for _, msg := range screentest.Run(s.Init()) {
		s.Update(msg)
	}
	s.Update(screentest.Key("down"))
	s.Update(screentest.Key("down"))
	s.Update(screentest.Key("space"))
	cmd = s.Update(screentest.Key("i"))
	if c.Running() != 1 {
		t.Fatalf("the running import is not a job of the root: %d running", c.Running())
	}
	msgs := make(chan tea.Msg, 4)
	go func() {
		for _, msg := range screentest.Run(cmd) {
			msgs <- msg
		}
	}()
	<-src.started
	c.CancelAll()
	deadline := time.After(10 * time.Second)
	for s.Model().Phase() == PhaseRunning {
		select {
		case msg := <-msgs:
			if next := s.Update(msg); next != nil {
				go func() {
					for _, msg := range screentest.Run(next) {
						msgs <- msg
					}
				}()
			}
		case <-deadline:
			t.Fatal("the import did not end when the root cancelled its jobs")
		}
	}
	if !s.Model().cancelled {
		t.Error("the import ended without being cancelled")
	}
}

// TestTypedBracketName: a typed path holding [ that names an existing file marks that file, as
// importers.ExpandPaths then takes it, instead of being globbed into something else.
func TestTypedBracketName(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"a[1].log", "a1.log"} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("x\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	m := newModel(t, &fakeSource{}, dir, 80, 24)
	for _, tc := range []struct{ typed, want string }{
		{"a[1].log", "a[1].log"}, // exists as written
		{"a[12].log", "a1.log"},  // a pattern
	} {
		m = screentest.Drive(t, m, keys("/", "ctrl+u")...)
		m = screentest.Drive(t, m, screentest.Type(filepath.Join(dir, tc.typed)+"\n")...)
		if got := m.Marked(); len(got) != 1 || got[0] != filepath.Join(dir, tc.want) {
			t.Errorf("typed %s: marked %v, want only %s", tc.typed, got, tc.want)
		}
		m.marked = map[string]bool{}
	}
}

// TestHostileFileName: a file name with terminal escapes is drawn escaped in the browser, while
// importing and in the summary.
func TestHostileFileName(t *testing.T) {
	dir := t.TempDir()
	name := "evil\x1b[31mred\x1b]0;pwned\x07.log"
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte("x\n"), 0o644); err != nil {
		t.Skipf("this file system refuses the name: %v", err)
	}
	m := newModel(t, &fakeSource{results: []engine.FileResult{{File: p, Format: "syslog", Events: 1}}}, dir, 80, 24)
	check := func(where, want string) {
		t.Helper()
		v := m.View()
		screentest.Screen(t, v, 80, 24) // fails on any control character
		if !strings.Contains(ansi.Strip(v), want) {
			t.Errorf("%s: the name is not shown escaped:\n%s", where, ansi.Strip(v))
		}
	}
	check("browser", `evil\x1b[31mred\x1b]0;pwned\x07.log`)
	m = screentest.Drive(t, m, keys("down", "space")...)
	var cmd tea.Cmd
	m, cmd = m.Update(screentest.Key("i"))
	first := cmd()
	m, _ = m.Update(first)
	check("running", `evil\x1b[31mred\x1b]0;pwned\x07.log`)
	m, _ = m.Update(FinishedMsg{Owner: m.id, Seq: m.runSeq, Results: []engine.FileResult{{File: p, Format: "syslog", Events: 1}}})
	check("summary", `evil\x1b[31mred`) // the file column is narrow at 80 cells
}

func TestExpand(t *testing.T) {
	got, err := importers.ExpandPaths([]string{"testdata/browse", "testdata/browse/auth.log", "testdata/browse/sub/*.log"})
	if err != nil {
		t.Fatal(err)
	}
	want := "testdata/browse/app.jsonl testdata/browse/auth.log testdata/browse/sub/cron.log testdata/browse/zeek/conn.log"
	if strings.Join(got, " ") != want {
		t.Errorf("expand = %v, want %s (README.md left out, no duplicates)", got, want)
	}
	if _, err := importers.ExpandPaths([]string{"testdata/browse/*.nothing"}); err == nil {
		t.Error("a pattern matching nothing is not an error")
	}
}

func TestFormatting(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{itoa(0), "0"}, {itoa(999), "999"}, {itoa(1000), "1,000"}, {itoa(1234567), "1,234,567"}, {itoa(-4200), "-4,200"},
		{humanBytes(512), "512 B"}, {humanBytes(1536), "1.5 KB"}, {humanBytes(10 << 20), "10.0 MB"},
		{humanCount(950), "950"}, {humanCount(14500), "14k"}, {humanCount(1234), "1.2k"}, {humanCount(2.5e6), "2.5M"},
		{shortDuration(2500 * time.Millisecond), "2.5s"}, {shortDuration(75 * time.Second), "1m15s"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

// floodSource reports progress for every event of one file with a clock that moves 1 ms per
// call, as a fast import would.
type floodSource struct {
	clock *fakeClock
	n     int
}

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func (f *floodSource) Writable(context.Context) error { return nil }

func (f *floodSource) Import(_ context.Context, files []string, progress func(engine.Progress)) []engine.FileResult {
	for i := 1; i <= f.n; i++ {
		f.clock.advance(time.Millisecond)
		progress(engine.Progress{File: files[0], BytesRead: int64(i), Size: int64(f.n), Events: int64(i)})
	}
	progress(engine.Progress{File: files[0], BytesRead: int64(f.n), Size: int64(f.n), Events: int64(f.n), Done: true})
	return []engine.FileResult{{File: files[0], Format: "jsonl", Events: int64(f.n)}}
}

func (f *floodSource) Rejects(context.Context, string, int, int) (RejectPage, error) {
	return RejectPage{}, nil
}

// TestProgressThrottled: 3000 progress reports over 3 seconds of (fake) time come to the screen
// as at most one message per Throttle, each newer than the last, then the results.
func TestProgressThrottled(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)}
	src := &floodSource{clock: clock, n: 3000}
	m := New(Deps{Source: src, Dir: "testdata/browse", Now: clock.now}, theme(t))
	m.SetSize(80, 24)
	m = screentest.Drive(t, m, screentest.Run(m.Init())...)
	m = screentest.Drive(t, m, keys("down", "down", "down", "down", "space")...) // app.jsonl
	m, cmd := m.Update(screentest.Key("i"))
	progressMsgs, last := 0, int64(-1)
	for cmd != nil {
		msg := cmd()
		if p, ok := msg.(ProgressMsg); ok {
			progressMsgs++
			if ev := p.Files[0].Events; ev < last {
				t.Errorf("progress went back from %d to %d events", last, ev)
			} else {
				last = ev
			}
		}
		m, cmd = m.Update(msg)
	}
	if m.Phase() != PhaseSummary || len(m.Results()) != 1 || m.Results()[0].Events != 3000 {
		t.Fatalf("phase %v, results %+v", m.Phase(), m.Results())
	}
	// 3 s of reports at one message per 100 ms, plus the first (all files waiting).
	t.Logf("%d progress messages", progressMsgs)
	if progressMsgs < 1 || progressMsgs > 3*int(time.Second/Throttle)+2 {
		t.Errorf("%d progress messages for 3 s of import, want at most %d", progressMsgs, 3*int(time.Second/Throttle)+2)
	}
}

// TestReadsDuringImport: while the screen imports into a store, the workbench's reads of the
// same store (the queue, the overview) keep answering.
func TestReadsDuringImport(t *testing.T) {
	if testing.Short() {
		t.Skip("imports 100,000 lines")
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "big.jsonl")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	for i := range 100000 {
		fmt.Fprintf(w, `{"timestamp":"2026-03-02T08:%02d:%02dZ","event":"login","user":"u%d","src_ip":"10.0.0.%d"}`+"\n", i/60%60, i%60, i%50, i%200)
	}
	if err := errors.Join(w.Flush(), f.Close()); err != nil {
		t.Fatal(err)
	}
	st, err := engine.Open(t.Context(), filepath.Join(dir, "trawl.db"), engine.Options{Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	m := newModel(t, StoreSource{S: st, Workers: 1}, dir, 80, 24)
	m.marked = map[string]bool{p: true}

	done := make(chan Model)
	go func() { done <- screentest.Drive(t, m, screentest.Key("i")) }()
	reads, readErrs := 0, 0
	es := tui.EngineStore{S: st}
	for running := true; running; {
		select {
		case m = <-done:
			running = false
		default:
			if _, err := es.Queue(t.Context(), tui.QueueQuery{Limit: 20}); err != nil {
				t.Errorf("queue read during the import: %v", err)
				readErrs++
			}
			if _, err := es.Overview(t.Context(), 20, 5); err != nil {
				t.Errorf("overview read during the import: %v", err)
				readErrs++
			}
			reads++
		}
	}
	if r := m.Results(); len(r) != 1 || r[0].Err != nil || r[0].Events != 100000 {
		t.Fatalf("import results %+v", r)
	}
	t.Logf("%d rounds of reads during the import, %d failed", reads, readErrs)
	if reads == 0 {
		t.Error("no read ran during the import")
	}
}

// TestRunThrottle calls the progress callback 3000 times over 3 s of fake time, taking every
// message at once: one message per Throttle gets through, with the rate since the file began.
func TestRunThrottle(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)}
	r := &run{owner: 1, seq: 1, now: clock.now, ch: make(chan tea.Msg, 1), start: clock.now(),
		index: map[string]int{"a": 0}, files: []FileProgress{{File: "a"}}, seen: make([]time.Time, 1)}
	got := 0
	var last ProgressMsg
	take := func() {
		select {
		case msg := <-r.ch:
			got++
			last = msg.(ProgressMsg)
		default:
		}
	}
	for i := 1; i <= 3000; i++ {
		clock.advance(time.Millisecond)
		r.progress(engine.Progress{File: "a", BytesRead: int64(i), Size: 3000, Events: int64(i)})
		take()
	}
	if got < 29 || got > 31 {
		t.Errorf("%d messages for 3000 reports over 3 s, want 30 (one per %v)", got, Throttle)
	}
	if f := last.Files[0]; f.Events < 2900 || f.Rate < 999 || f.Rate > 1001 {
		t.Errorf("last message: %d events at %.0f events/s, want about 3000 at 1000/s", f.Events, f.Rate)
	}
}

// FuzzViewInert puts one string into every text the screen draws from outside (file names,
// formats, errors, reject fields and records) and checks every phase fits its area and draws no
// control character.
func FuzzViewInert(f *testing.F) {
	for _, s := range []string{"plain.log", "evil\x1b[31mred\x1b]0;pwned\x07.log", "\x1b]52;c;cHduZWQ=\x07", "tab\there\r\n", "\u202eevil-rtl",
		"\xff\xfe invalid", "wide 日本語のファイル名.log", strings.Repeat("long ", 2000), ""} {
		f.Add(s)
	}
	th, err := themes.ByName("dark")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		src := &fakeSource{rejects: []Reject{{Line: 1, Field: s, Reason: s, Raw: s, RawBytes: int64(len(s)) + 10}}}
		for _, sz := range sizes {
			m := New(Deps{Source: src, Dir: "testdata/browse"}, th)
			m.SetSize(sz.width, sz.height)
			m.entries = []Entry{{Name: s}, {Name: s, Dir: true}}
			m.marked[filepath.Join(m.dir, s)] = true
			m.notice = s
			screentest.Screen(t, m.View(), sz.width, sz.height)
			m.typing, m.input.Value, m.compHint = true, s, []string{s, s}
			screentest.Screen(t, m.View(), sz.width, sz.height)
			m.typing = false
			m, _ = m.start([]string{s})
			m, _ = m.Update(ProgressMsg{Owner: m.id, Seq: m.runSeq, Files: []FileProgress{{File: s, Size: 10, BytesRead: 5, Events: 1, Started: true, Rate: 3}, {File: s, Done: true}}})
			screentest.Screen(t, m.View(), sz.width, sz.height)
			m, _ = m.Update(FinishedMsg{Owner: m.id, Seq: m.runSeq, Results: []engine.FileResult{
				{File: s, Format: s, Events: 1, Rejects: 1, Compression: s}, {File: s, Err: errors.New(s)}, {File: s, Skipped: true}}, Err: nil})
			screentest.Screen(t, m.View(), sz.width, sz.height)
			m.runErr = errors.New(s)
			screentest.Screen(t, m.View(), sz.width, sz.height)
			m.runErr = nil
			m = screentest.Drive(t, m, screentest.Key("enter"))
			if m.Phase() != PhaseRejects {
				t.Fatalf("enter on the summary: phase %v", m.Phase())
			}
			screentest.Screen(t, m.View(), sz.width, sz.height)
		}
	})
}
