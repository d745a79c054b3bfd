// Package importer is the workbench's Import screen: a small file browser (enter opens a
// folder, space marks, backspace goes up, / types a path or glob with tab completion), the
// import of what was marked with a progress bar per file (bytes read of the file, events,
// rejects, rate) fed by progress messages while it runs, cancellable with esc, then a summary
// per file (format detected, events, rejects, skipped as already imported) from which a file's
// rejects open as a list paged from the store.
package importer

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"trawl/engine"
	"trawl/importers"
	"trawl/themes"
	"trawl/tui"
)

// Phase is what the screen shows.
type Phase int

const (
	PhaseBrowse  Phase = iota // the file browser
	PhaseRunning              // an import with its progress bars
	PhaseSummary              // the outcome per file
	PhaseRejects              // the rejects of one file
)

func (p Phase) String() string {
	switch p {
	case PhaseBrowse:
		return "browse"
	case PhaseRunning:
		return "running"
	case PhaseSummary:
		return "summary"
	case PhaseRejects:
		return "rejects"
	}
	return "Phase(?)"
}

// Throttle is the least time between two progress messages of an import (about 10 a second).
const Throttle = 100 * time.Millisecond

// DirListedMsg is a folder listing for request Seq of screen Owner.
type DirListedMsg struct {
	Owner, Seq int
	Dir        string
	Entries    []Entry
	More       bool // the folder has more entries than were read
	Err        error
}

// CompletedMsg is the tab completion of the typed path Typed, for request Seq of screen Owner.
type CompletedMsg struct {
	Owner, Seq int
	Typed      string
	Text       string
	Matches    []string
}

// WritableMsg says whether the store takes imports (Err nil) for screen Owner.
type WritableMsg struct {
	Owner int
	Err   error
}

// FileProgress is how far one file of an import has come.
type FileProgress struct {
	File      string
	Size      int64
	BytesRead int64
	Events    int64
	Rejects   int64
	Started   bool
	Done      bool
	Rate      float64 // events a second since the file was first seen; 0 when not known yet
}

// ProgressMsg is the state of import Seq of screen Owner: every file, in import order.
type ProgressMsg struct {
	Owner, Seq int
	Files      []FileProgress
	Elapsed    time.Duration
}

// FinishedMsg ends import Seq of screen Owner: a result per file (in import order), or Err when
// the paths could not be read at all. Cancelled says the import was cancelled.
type FinishedMsg struct {
	Owner, Seq int
	Results    []engine.FileResult
	Elapsed    time.Duration
	Cancelled  bool
	Err        error
}

// RejectsLoadedMsg is a page of a file's rejects for request Seq of screen Owner.
type RejectsLoadedMsg struct {
	Owner, Seq int
	File       string
	Page       RejectPage
	Err        error
}

// Deps is what the Import screen is built from.
type Deps struct {
	Source Source
	// Dir is the folder the browser starts in (empty: the working directory).
	Dir string
	// Now is the clock for rates and elapsed times (nil: time.Now).
	Now func() time.Time
}

// Model is the Import screen.
type Model struct {
	id     int
	src    Source
	theme  *themes.Theme
	Keys   KeyMap
	now    func() time.Time
	width  int
	height int
	phase  Phase

	writable error // why the store takes no imports; nil when it does
	notice   string

	// The browser.
	dir        string
	entries    []Entry
	more       bool
	listErr    error
	listSeq    int
	listing    bool
	sel, top   int
	marked     map[string]bool
	hidden     bool
	typing     bool
	input      tui.Input
	compSeq    int
	compHint   []string
	selectName string // the entry to select when the listing arrives (the folder just left)

	// The import.
	runSeq     int
	cancel     context.CancelFunc
	done       <-chan struct{} // closed when the import has ended (or was cancelled)
	ch         chan tea.Msg
	cancelling bool
	base       string // the browser's folder when the import started, to show paths from
	files      []FileProgress
	elapsed    time.Duration
	results    []engine.FileResult
	cancelled  bool
	runErr     error
	fsel, ftop int
	follow     bool // the running list follows the file being imported

	// The rejects list.
	rejFile  string
	rejPage  RejectPage
	rejSeq   int
	rejSel   int
	rejErr   error
	rejLoad  bool
	pageSize int
}

// lastID numbers Import screens, so one's messages are not taken by another.
var lastID atomic.Int64

// New builds the Import screen; Init lists the starting folder.
func New(deps Deps, theme *themes.Theme) Model {
	dir := deps.Dir
	if dir == "" {
		dir = "."
	}
	now := deps.Now
	if now == nil {
		now = time.Now
	}
	m := Model{
		id: int(lastID.Add(1)), src: deps.Source, theme: theme, Keys: DefaultKeyMap(), now: now,
		dir: filepath.Clean(dir), marked: map[string]bool{}, input: tui.Input{Prompt: "path: ", Limit: 4096},
	}
	m.SetSize(80, 24)
	return m
}

// ID is the screen's id, carried as Owner by its messages.
func (m Model) ID() int { return m.id }

// Phase is what the screen shows.
func (m Model) Phase() Phase { return m.phase }

// Dir is the browser's folder.
func (m Model) Dir() string { return m.dir }

// Marked is the marked paths, sorted.
func (m Model) Marked() []string {
	out := make([]string, 0, len(m.marked))
	for p := range m.marked {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// Results is the outcome of the last import, one per file.
func (m Model) Results() []engine.FileResult { return m.results }

// Running says an import is under way.
func (m Model) Running() bool { return m.phase == PhaseRunning }

// Capturing says the screen wants every key, those the root would take included: while a path
// is typed, and while an import runs (esc cancels it).
func (m Model) Capturing() bool { return m.typing || m.phase == PhaseRunning }

// WantsKey says the screen uses a key the root would otherwise take for itself: backspace (up a
// folder in the browser, back to the summary from the rejects) and esc (back to the summary).
func (m Model) WantsKey(msg tea.KeyPressMsg) bool {
	switch m.phase {
	case PhaseBrowse:
		return msg.String() == "backspace"
	case PhaseRejects:
		return key.Matches(msg, m.Keys.Back)
	case PhaseRunning:
		return true
	}
	return false
}

// Cancel cancels a running import (the file being imported is rolled back; files already done
// stay imported). In the workbench the root cancels it through the Screen's "import" job.
func (m Model) Cancel() {
	if m.cancel != nil {
		m.cancel()
	}
}

// SetSize gives the screen its area.
func (m *Model) SetSize(w, h int) {
	m.width, m.height = max(w, 40), max(h, 8)
	m.pageSize = max(m.height-5-m.detailHeight()-1, 1) // the rejects list's rows
	m.scroll()
}

// Init lists the starting folder and asks whether the store takes imports.
func (m *Model) Init() tea.Cmd {
	id, src := m.id, m.src
	return tea.Batch(m.list(m.dir), func() tea.Msg {
		return WritableMsg{Owner: id, Err: src.Writable(context.Background())}
	})
}

// list reads a folder in a command.
func (m *Model) list(dir string) tea.Cmd {
	m.listSeq++
	m.listing = true
	id, seq, hidden := m.id, m.listSeq, m.hidden
	return func() tea.Msg {
		es, more, err := listDir(dir, hidden)
		return DirListedMsg{Owner: id, Seq: seq, Dir: dir, Entries: es, More: more, Err: err}
	}
}

// Update handles keys and the screen's own messages.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	switch msg := msg.(type) {
	case WritableMsg:
		if msg.Owner == m.id {
			m.writable = msg.Err
		}
		return m, nil
	case DirListedMsg:
		if msg.Owner != m.id || msg.Seq != m.listSeq {
			return m, nil
		}
		m.listing = false
		if msg.Err != nil {
			m.listErr = msg.Err
			return m, nil
		}
		m.dir, m.entries, m.more, m.listErr = msg.Dir, msg.Entries, msg.More, nil
		m.sel, m.top = 0, 0
		for i, e := range m.entries {
			if e.Name == m.selectName {
				m.sel = i + 1 // row 0 is ../
			}
		}
		m.selectName = ""
		m.scroll()
		return m, nil
	case CompletedMsg:
		if msg.Owner != m.id || msg.Seq != m.compSeq || !m.typing || m.input.Value != msg.Typed {
			return m, nil
		}
		m.input.Value, m.compHint = msg.Text, msg.Matches
		return m, nil
	case ProgressMsg:
		if msg.Owner != m.id || msg.Seq != m.runSeq || m.phase != PhaseRunning {
			return m, nil
		}
		m.files, m.elapsed = msg.Files, msg.Elapsed
		m.followRunning()
		return m, m.wait()
	case FinishedMsg:
		if msg.Owner != m.id || msg.Seq != m.runSeq || m.phase != PhaseRunning {
			return m, nil
		}
		return m.finish(msg), nil
	case RejectsLoadedMsg:
		if msg.Owner != m.id || msg.Seq != m.rejSeq {
			return m, nil
		}
		m.rejLoad = false
		m.rejErr = msg.Err
		if msg.Err == nil {
			m.rejPage = msg.Page
			m.rejSel = min(m.rejSel, max(len(msg.Page.Rows)-1, 0))
		}
		return m, nil
	case tea.KeyPressMsg:
		return m.key(msg)
	}
	return m, nil
}

func (m Model) key(msg tea.KeyPressMsg) (Model, tea.Cmd) {
	if m.typing {
		return m.typeKey(msg)
	}
	switch m.phase {
	case PhaseRunning:
		if key.Matches(msg, m.Keys.Cancel) && !m.cancelling {
			m.cancelling = true
			m.Cancel()
			return m, nil
		}
		if sel := moveIn(m.fsel, len(m.files), m.listHeight()/2, msg, m.Keys); sel != m.fsel {
			m.fsel, m.follow = sel, false // the analyst scrolls: stop following the import
		}
		m.scroll()
		return m, nil
	case PhaseSummary:
		switch {
		case key.Matches(msg, m.Keys.New):
			m.phase, m.notice = PhaseBrowse, ""
			return m, m.list(m.dir)
		case key.Matches(msg, m.Keys.Rejects):
			return m.openRejects()
		}
		m.fsel = moveIn(m.fsel, len(m.results), m.listHeight(), msg, m.Keys)
		m.scroll()
		return m, nil
	case PhaseRejects:
		return m.rejectsKey(msg)
	}
	return m.browseKey(msg)
}

// moveIn moves a cursor over n rows for a movement key, page rows at a time for page keys.
func moveIn(sel, n, page int, msg tea.KeyPressMsg, k KeyMap) int {
	switch {
	case key.Matches(msg, k.Up):
		sel--
	case key.Matches(msg, k.Down):
		sel++
	case key.Matches(msg, k.PageUp):
		sel -= max(page, 1)
	case key.Matches(msg, k.PageDown):
		sel += max(page, 1)
	case key.Matches(msg, k.First):
		sel = 0
	case key.Matches(msg, k.Last):
		sel = n - 1
	}
	return min(max(sel, 0), max(n-1, 0))
}

// rows of the browser: ../ then the entries.
func (m Model) rows() int { return len(m.entries) + 1 }

// entryAt is the browser row i's entry; row 0 (the parent) has none.
func (m Model) entryAt(i int) (Entry, bool) {
	if i <= 0 || i > len(m.entries) {
		return Entry{}, false
	}
	return m.entries[i-1], true
}

func (m Model) browseKey(msg tea.KeyPressMsg) (Model, tea.Cmd) {
	m.notice = ""
	switch {
	case key.Matches(msg, m.Keys.Parent):
		return m.up()
	case key.Matches(msg, m.Keys.Open):
		if m.sel == 0 {
			return m.up()
		}
		e, ok := m.entryAt(m.sel)
		if !ok {
			return m, nil
		}
		if e.Dir {
			return m, m.list(filepath.Join(m.dir, e.Name))
		}
		m.toggle(filepath.Join(m.dir, e.Name))
		return m, nil
	case key.Matches(msg, m.Keys.Mark):
		if e, ok := m.entryAt(m.sel); ok {
			m.toggle(filepath.Join(m.dir, e.Name))
			m.sel = min(m.sel+1, m.rows()-1)
			m.scroll()
		}
		return m, nil
	case key.Matches(msg, m.Keys.Path):
		m.typing, m.compHint = true, nil
		m.input.Value = m.dir + string(filepath.Separator)
		if m.dir == "." {
			m.input.Value = ""
		}
		return m, nil
	case key.Matches(msg, m.Keys.Hidden):
		m.hidden = !m.hidden
		if e, ok := m.entryAt(m.sel); ok {
			m.selectName = e.Name
		}
		return m, m.list(m.dir)
	case key.Matches(msg, m.Keys.Import):
		paths := m.Marked()
		if len(paths) == 0 {
			if e, ok := m.entryAt(m.sel); ok {
				paths = []string{filepath.Join(m.dir, e.Name)}
			}
		}
		return m.start(paths)
	}
	m.sel = moveIn(m.sel, m.rows(), m.listHeight(), msg, m.Keys)
	m.scroll()
	return m, nil
}

func (m *Model) toggle(p string) {
	if m.marked[p] {
		delete(m.marked, p)
	} else {
		m.marked[p] = true
	}
}

// up lists the parent folder, selecting the folder left.
func (m Model) up() (Model, tea.Cmd) {
	abs, err := filepath.Abs(m.dir)
	if err != nil {
		return m, nil
	}
	parent := filepath.Dir(abs)
	if parent == abs {
		return m, nil // the root
	}
	m.selectName = filepath.Base(abs)
	if !filepath.IsAbs(m.dir) && filepath.Base(m.dir) != ".." && m.dir != "." {
		parent = filepath.Dir(m.dir) // stay relative when the folder was given so
	}
	return m, m.list(parent)
}

// typeKey edits the path field: tab completes, enter takes the path (a folder opens, a file or
// the files of a pattern are marked), esc leaves it.
func (m Model) typeKey(msg tea.KeyPressMsg) (Model, tea.Cmd) {
	switch {
	case msg.String() == "esc":
		m.typing, m.compHint = false, nil
		return m, nil
	case key.Matches(msg, m.Keys.Complete):
		m.compSeq++
		id, seq, typed := m.id, m.compSeq, m.input.Value
		return m, func() tea.Msg {
			text, matches := complete(typed, 8)
			return CompletedMsg{Owner: id, Seq: seq, Typed: typed, Text: text, Matches: matches}
		}
	case msg.String() == "enter":
		p := m.input.Value
		m.typing, m.compHint = false, nil
		if p == "" {
			return m, nil
		}
		if _, err := os.Lstat(p); err != nil && hasGlob(p) { // as importers.ExpandPaths: a name that exists is no pattern
			matches, err := filepath.Glob(p)
			switch {
			case err != nil:
				m.notice = "bad pattern: " + err.Error()
			case len(matches) == 0:
				m.notice = "no file matches " + p
			default:
				for _, f := range matches {
					m.marked[filepath.Clean(f)] = true
				}
				m.notice = plural(len(matches), "path", "paths") + " marked"
			}
			return m, nil
		}
		fi, err := os.Stat(p)
		if err != nil {
			m.notice = err.Error()
			return m, nil
		}
		if fi.IsDir() {
			return m, m.list(filepath.Clean(p))
		}
		m.marked[filepath.Clean(p)] = true
		m.notice = "marked " + filepath.Clean(p)
		return m, nil
	}
	if m.input.Update(msg) {
		m.compHint = nil
	}
	return m, nil
}

// start begins importing paths (files, folders, patterns) in a goroutine; its progress comes
// back as ProgressMsg through wait, its end as FinishedMsg.
func (m Model) start(paths []string) (Model, tea.Cmd) {
	if len(paths) == 0 {
		m.notice = "nothing to import: mark files or folders with space, or type a path with /"
		return m, nil
	}
	if m.writable != nil {
		m.notice = m.writable.Error()
		return m, nil
	}
	m.runSeq++
	ctx, cancel := context.WithCancel(context.Background())
	m.cancel, m.done, m.cancelling = cancel, ctx.Done(), false
	m.phase, m.files, m.results, m.runErr, m.cancelled, m.elapsed = PhaseRunning, nil, nil, nil, false, 0
	m.fsel, m.ftop, m.follow, m.base = 0, 0, true, m.dir
	m.ch = make(chan tea.Msg, 1)
	r := &run{owner: m.id, seq: m.runSeq, src: m.src, now: m.now, ch: m.ch}
	paths = append([]string(nil), paths...)
	return m, func() tea.Msg {
		go r.do(ctx, cancel, paths)
		return <-r.ch
	}
}

// wait is the command taking the import's next message.
func (m Model) wait() tea.Cmd {
	ch := m.ch
	if ch == nil {
		return nil
	}
	return func() tea.Msg {
		msg, ok := <-ch
		if !ok {
			return nil
		}
		return msg
	}
}

func (m Model) finish(msg FinishedMsg) Model {
	m.phase, m.cancel, m.ch = PhaseSummary, nil, nil
	m.results, m.elapsed, m.cancelled, m.runErr = msg.Results, msg.Elapsed, msg.Cancelled, msg.Err
	m.fsel, m.ftop = 0, 0
	// Files imported: they are no longer marked for the next import.
	for _, r := range msg.Results {
		if r.Err == nil {
			delete(m.marked, r.File)
		}
	}
	if msg.Err == nil && !msg.Cancelled {
		m.marked = map[string]bool{}
	}
	return m
}

// followRunning keeps the first file not done in view while the analyst has not moved.
func (m *Model) followRunning() {
	if !m.follow {
		return
	}
	for i, f := range m.files {
		if !f.Done {
			m.fsel = i
			break
		}
	}
	m.scroll()
}

func (m Model) openRejects() (Model, tea.Cmd) {
	if m.fsel >= len(m.results) {
		return m, nil
	}
	r := m.results[m.fsel]
	if r.Err != nil {
		m.notice = "this file was not imported"
		return m, nil
	}
	m.phase, m.rejFile, m.rejPage, m.rejSel, m.rejErr, m.notice = PhaseRejects, r.File, RejectPage{}, 0, nil, ""
	return m, m.loadRejects(0)
}

func (m *Model) loadRejects(offset int) tea.Cmd {
	m.rejSeq++
	m.rejLoad = true
	id, seq, src, file, limit := m.id, m.rejSeq, m.src, m.rejFile, m.pageSize
	return func() tea.Msg {
		p, err := src.Rejects(context.Background(), file, offset, limit)
		return RejectsLoadedMsg{Owner: id, Seq: seq, File: file, Page: p, Err: err}
	}
}

func (m Model) rejectsKey(msg tea.KeyPressMsg) (Model, tea.Cmd) {
	p := m.rejPage
	switch {
	case key.Matches(msg, m.Keys.Back):
		m.phase = PhaseSummary
		return m, nil
	case key.Matches(msg, m.Keys.PageDown):
		if p.Offset+len(p.Rows) < p.Total {
			m.rejSel = 0
			return m, m.loadRejects(p.Offset + len(p.Rows))
		}
		m.rejSel = max(len(p.Rows)-1, 0)
		return m, nil
	case key.Matches(msg, m.Keys.PageUp):
		if p.Offset > 0 {
			m.rejSel = 0
			return m, m.loadRejects(max(p.Offset-m.pageSize, 0))
		}
		m.rejSel = 0
		return m, nil
	case key.Matches(msg, m.Keys.Down):
		if m.rejSel+1 >= len(p.Rows) && p.Offset+len(p.Rows) < p.Total {
			m.rejSel = 0
			return m, m.loadRejects(p.Offset + len(p.Rows))
		}
	case key.Matches(msg, m.Keys.Up):
		if m.rejSel == 0 && p.Offset > 0 {
			m.rejSel = m.pageSize - 1
			return m, m.loadRejects(max(p.Offset-m.pageSize, 0))
		}
	}
	m.rejSel = moveIn(m.rejSel, len(p.Rows), m.pageSize, msg, m.Keys)
	return m, nil
}

// run is one import: its goroutine reports progress into ch, at most one message per Throttle
// (a newer state replaces one not yet taken), then the results, and closes ch.
type run struct {
	owner, seq int
	src        Source
	now        func() time.Time
	ch         chan tea.Msg

	mu    sync.Mutex
	start time.Time
	last  time.Time
	index map[string]int
	files []FileProgress
	seen  []time.Time // when each file was first reported
}

func (r *run) do(ctx context.Context, cancel context.CancelFunc, paths []string) {
	defer close(r.ch)
	defer cancel()
	r.start = r.now()
	files, err := importers.ExpandPaths(paths)
	if err == nil && len(files) == 0 {
		err = errors.New("no files found in the marked folders")
	}
	if err != nil {
		r.ch <- FinishedMsg{Owner: r.owner, Seq: r.seq, Err: err, Elapsed: r.now().Sub(r.start)}
		return
	}
	r.index = make(map[string]int, len(files))
	r.files = make([]FileProgress, len(files))
	r.seen = make([]time.Time, len(files))
	for i, f := range files {
		r.index[f] = i
		r.files[i] = FileProgress{File: f}
		if fi, err := os.Stat(f); err == nil {
			r.files[i].Size = fi.Size()
		}
	}
	r.mu.Lock()
	r.send(true)
	r.mu.Unlock()
	results := r.src.Import(ctx, files, r.progress)
	// A progress message not yet taken is stale now: the results replace it.
	select {
	case <-r.ch:
	default:
	}
	r.ch <- FinishedMsg{Owner: r.owner, Seq: r.seq, Results: results, Elapsed: r.now().Sub(r.start), Cancelled: ctx.Err() != nil}
}

// progress is the engine's progress callback (called from import goroutines).
func (r *run) progress(p engine.Progress) {
	r.mu.Lock()
	defer r.mu.Unlock()
	i, ok := r.index[p.File]
	if !ok {
		return
	}
	now := r.now()
	if r.seen[i].IsZero() {
		r.seen[i] = now
	}
	f := &r.files[i]
	f.Started, f.Done = true, p.Done
	f.BytesRead, f.Events, f.Rejects = p.BytesRead, p.Events, p.Rejects
	if p.Size > 0 {
		f.Size = p.Size
	}
	if d := now.Sub(r.seen[i]); d >= 200*time.Millisecond {
		f.Rate = float64(f.Events) / d.Seconds()
	}
	if now.Sub(r.last) >= Throttle {
		r.send(false)
	}
}

// send offers the current state to the screen without waiting: when the last message has not
// been taken yet, it is replaced by this newer one. Called with mu held.
func (r *run) send(first bool) {
	r.last = r.now()
	msg := ProgressMsg{Owner: r.owner, Seq: r.seq, Files: append([]FileProgress(nil), r.files...), Elapsed: r.last.Sub(r.start)}
	if first {
		r.ch <- msg
		return
	}
	select {
	case r.ch <- msg:
	default:
		select { // replace the stale one
		case <-r.ch:
		default:
		}
		select {
		case r.ch <- msg:
		default:
		}
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return itoa(int64(n)) + " " + many
}
