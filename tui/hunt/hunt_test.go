package hunt

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"trawl/dsl"
	"trawl/event"
	"trawl/themes"
	"trawl/tui/screentest"
	"trawl/tui/timeline"
)

func TestMain(m *testing.M) { screentest.Main(m) }

var sizes = []struct {
	name          string
	width, height int
}{{"80x24", 80, 24}, {"160x48", 160, 48}}

func theme(t *testing.T) *themes.Theme {
	t.Helper()
	th, err := themes.ByName("dark")
	if err != nil {
		t.Fatal(err)
	}
	return th
}

func newModel(t *testing.T, deps Deps, w, h int) Model {
	t.Helper()
	if deps.Source == nil {
		deps.Source = NewStoreSource(screentest.Store(t), nil)
	}
	deps.Debounce = time.Millisecond
	m := New(deps, theme(t))
	m.SetSize(w, h)
	for _, msg := range screentest.Run(m.Init()) {
		m = screentest.Drive(t, m, msg)
	}
	return m
}

const typo = `logon | where outcom == "failure"`

// caretColumn finds the caret line of the view and returns the cell column of its ^.
func caretColumn(t *testing.T, view string) int {
	t.Helper()
	for _, l := range strings.Split(ansi.Strip(view), "\n") {
		if i := strings.Index(l, "^"); i >= 0 && strings.TrimSpace(l[:i]) == "" {
			return ansi.StringWidth(l[:i])
		}
	}
	t.Fatalf("no caret line in\n%s", ansi.Strip(view))
	return -1
}

func TestScreens(t *testing.T) {
	for _, sz := range sizes {
		t.Run(sz.name, func(t *testing.T) {
			// A typo: the checker's error is drawn under "outcom", column 15 of line 1.
			m := newModel(t, Deps{}, sz.width, sz.height)
			m = screentest.Drive(t, m, screentest.Type(typo)...)
			errs := m.Errors()
			if len(errs) != 1 || errs[0].Span.Start.Line != 1 || errs[0].Span.Start.Col != 15 {
				t.Fatalf("errors = %v, want one at 1:15", errs)
			}
			if got, want := caretColumn(t, m.View()), gutterWidth+14; got != want {
				t.Errorf("caret at cell %d, want %d (under outcom)", got, want)
			}
			screentest.Golden(t, "typo_"+sz.name, m.View(), sz.width, sz.height)

			// Fixed (a character typed in the middle of the line) and run: results, no error.
			left := make([]string, len(`== "failure"`)+1)
			for i := range left {
				left[i] = "left"
			}
			m = screentest.Drive(t, m, screentest.Keys(left...)...)
			m = screentest.Drive(t, m, screentest.Type("e")...)
			m = screentest.Drive(t, m, screentest.Keys("end")...)
			m = screentest.Drive(t, m, screentest.Type("\n  | stats count() as n by host\n  | sort n desc, host")...)
			if errs := m.Errors(); len(errs) != 0 {
				t.Fatalf("fixed query still has errors: %v", errs)
			}
			m = screentest.Drive(t, m, screentest.Keys("ctrl+r")...)
			if len(m.Page().Rows) == 0 {
				t.Fatalf("no results; view:\n%s", ansi.Strip(m.View()))
			}
			screentest.Golden(t, "fixed_"+sz.name, m.View(), sz.width, sz.height)

			// A log line with terminal escapes arrives escaped.
			m = newModel(t, Deps{RulesDir: t.TempDir(), Query: `logon | where host == "` + screentest.HostileHost + `" | fields time, user, message`}, sz.width, sz.height)
			m = screentest.Drive(t, m, screentest.Keys("ctrl+r")...)
			v := m.View()
			if strings.Contains(ansi.Strip(v), "\x1b") || strings.Contains(ansi.Strip(v), "\x07") {
				t.Errorf("raw escape reached the view")
			}
			if !strings.Contains(v, `\x1b[31mRED`) {
				t.Errorf("escaped message not shown:\n%s", ansi.Strip(v))
			}
			screentest.Golden(t, "hostile_"+sz.name, v, sz.width, sz.height)

			// The save-as-rule form.
			m = screentest.Drive(t, m, screentest.Keys("ctrl+s")...)
			screentest.Golden(t, "save_"+sz.name, m.View(), sz.width, sz.height)
		})
	}
}

// fakeSource answers with canned pages and counts runs.
type fakeSource struct {
	runs int
}

func (f *fakeSource) Check(src string) error {
	if strings.Contains(src, "bad") {
		return dsl.Errors{{Stage: "check", Span: dsl.Span{Start: dsl.Pos{Offset: 0, Line: 1, Col: 1}, End: dsl.Pos{Offset: 3, Line: 1, Col: 4}}, Msg: "bad"}}
	}
	return nil
}

func (f *fakeSource) Run(ctx context.Context, src string, offset, limit int) (Page, error) {
	f.runs++
	p := Page{Columns: []string{"q", "row"}, Offset: offset, More: offset+limit < 12}
	for i := offset; i < min(offset+limit, 12); i++ {
		p.Rows = append(p.Rows, []string{src, strings.Repeat("x", i)})
	}
	return p, nil
}

func TestStaleResultsDropped(t *testing.T) {
	m := newModel(t, Deps{Source: &fakeSource{}, Query: "first"}, 80, 24)
	m, first := m.Update(screentest.Key("ctrl+r"))
	m = screentest.Drive(t, m, screentest.Keys("ctrl+a", "ctrl+k")...)
	m = screentest.Drive(t, m, screentest.Type("second")...)
	m, second := m.Update(screentest.Key("ctrl+r"))
	secondMsgs, firstMsgs := screentest.Run(second), screentest.Run(first)
	m = screentest.Drive(t, m, secondMsgs...)
	m = screentest.Drive(t, m, firstMsgs...) // the older run finishes last
	if got := m.Page().Rows[0][0]; got != "second" {
		t.Errorf("shown results are of %q, want second (the first run's came back late)", got)
	}
	// An old sequence number is dropped however it arrives.
	m, _ = m.Update(QueryFinishedMsg{Owner: m.ID(), Seq: 1, Page: Page{Columns: []string{"q"}, Rows: [][]string{{"stale"}}}})
	if got := m.Page().Rows[0][0]; got != "second" {
		t.Errorf("after a stale message results are of %q, want second", got)
	}
	// A check of older text is dropped too.
	m, _ = m.Update(CheckFinishedMsg{Owner: m.ID(), Seq: 0, Text: "second", Err: errors.New("stale")})
	if m.checkErr != nil {
		t.Errorf("stale check result was applied: %v", m.checkErr)
	}
	// Another console's result with the current sequence number is not taken either.
	m, _ = m.Update(QueryFinishedMsg{Owner: m.ID() + 1000, Seq: m.runSeq, Page: Page{Columns: []string{"q"}, Rows: [][]string{{"other"}}}})
	if got := m.Page().Rows[0][0]; got != "second" {
		t.Errorf("after another console's message results are of %q, want second", got)
	}
}

func TestPagingAndHistory(t *testing.T) {
	src := &fakeSource{}
	m := newModel(t, Deps{Source: src, Query: "a", PageSize: 5}, 80, 24)
	m = screentest.Drive(t, m, screentest.Keys("ctrl+r", "tab", "]")...)
	if p := m.Page(); p.Offset != 5 || len(p.Rows) != 5 || !p.More {
		t.Fatalf("after next page: offset %d, %d rows, more %v; want 5, 5, true", p.Offset, len(p.Rows), p.More)
	}
	if !strings.Contains(ansi.Strip(m.View()), "rows 6–10+") {
		t.Errorf("separator does not say rows 6–10+:\n%s", ansi.Strip(m.View()))
	}
	m = screentest.Drive(t, m, screentest.Keys("]")...)
	if p := m.Page(); p.Offset != 10 || len(p.Rows) != 2 || p.More {
		t.Fatalf("last page: offset %d, %d rows, more %v; want 10, 2, false", p.Offset, len(p.Rows), p.More)
	}
	m = screentest.Drive(t, m, screentest.Keys("]", "[")...) // no page after the last
	if p := m.Page(); p.Offset != 5 {
		t.Errorf("after ] on the last page then [: offset %d, want 5", p.Offset)
	}
	// History: a second query, then up at the first line brings back the first.
	m = screentest.Drive(t, m, screentest.Keys("tab", "ctrl+u")...)
	m = screentest.Drive(t, m, screentest.Type("b")...)
	m = screentest.Drive(t, m, screentest.Keys("ctrl+r", "up")...)
	if got := m.Value(); got != "a" {
		t.Errorf("up recalled %q, want a", got)
	}
	m = screentest.Drive(t, m, screentest.Keys("down")...)
	if got := m.Value(); got != "b" {
		t.Errorf("down gave %q, want b", got)
	}
	if h := m.History(); len(h) != 2 || h[0] != "a" || h[1] != "b" {
		t.Errorf("history %q, want [a b]", h)
	}
}

func TestSaveRule(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "rules")
	query := "logon\n  | where outcome == \"failure\" # a comment }\n  | stats count() as n by src_ip\n  | where n > 5"
	m := newModel(t, Deps{Query: query, RulesDir: dir}, 80, 24)
	m = screentest.Drive(t, m, screentest.Keys("ctrl+s")...)
	if m.Focus() != FocusSave {
		t.Fatalf("focus %v after ctrl+s, want save", m.Focus())
	}
	m = screentest.Drive(t, m, screentest.Type("9bad")...)
	m = screentest.Drive(t, m, screentest.Keys("enter", "enter", "enter")...)
	if m.save.err == "" || m.Focus() != FocusSave {
		t.Fatalf("a bad name was accepted (err %q)", m.save.err)
	}
	m = screentest.Drive(t, m, screentest.Keys("tab", "ctrl+u")...)
	m = screentest.Drive(t, m, screentest.Type("many_failures\nMany \"failed\" logons\n")...)
	m = screentest.Drive(t, m, screentest.Keys("ctrl+u")...)
	m = screentest.Drive(t, m, screentest.Type("high\n")...)
	if m.Focus() != FocusEditor {
		t.Fatalf("form still open: %q", m.save.err)
	}
	path := filepath.Join(dir, "many_failures.hunt")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// What `trawl rules check` does: parse, check against the events table, keep evidence.
	rs, err := dsl.ParseRules(path, string(b))
	if err != nil {
		t.Fatalf("saved rule does not parse:\n%s\n%s", b, dsl.FormatError(string(b), err))
	}
	if len(rs) != 1 || rs[0].Name.Name != "many_failures" || rs[0].Title != `Many "failed" logons` || rs[0].Severity != dsl.SeverityHigh {
		t.Errorf("saved rule %+v", rs[0])
	}
	if _, _, err := dsl.CheckRule(rs[0], dsl.EventCatalogue(), nil, dsl.Options{}); err != nil {
		t.Errorf("saved rule does not check: %v", err)
	}
	if !strings.Contains(ansi.Strip(m.View()), "saved rule to") {
		t.Errorf("no saved note in the view")
	}
	// Saving again under the same name is refused, not overwritten.
	m = screentest.Drive(t, m, screentest.Keys("ctrl+s")...)
	m = screentest.Drive(t, m, screentest.Type("many_failures\nx\n\n")...)
	if !strings.Contains(m.save.err, "already exists") {
		t.Errorf("second save: err %q, want already exists", m.save.err)
	}
}

func TestRuleRefusesBadQuery(t *testing.T) {
	f := newSaveForm(theme(t))
	f.open()
	f.inputs[fieldName].SetValue("r")
	f.inputs[fieldTitle].SetValue("t")
	if _, err := f.rule(`logon | where nope == 1`); err == nil || !strings.Contains(err.Error(), "4:23: unknown field") {
		t.Errorf("rule of a query that does not check: %v, want the checker's error at its place in the rule file", err)
	}
}

func TestBuffer(t *testing.T) {
	tests := []struct {
		name  string
		start string
		keys  []string
		want  string
		row   int
		col   int
	}{
		{"type at end", "ab", []string{"c"}, "abc", 0, 3},
		{"newline splits", "ab", []string{"left", "enter"}, "a\nb", 1, 0},
		{"backspace joins", "a\nb", []string{"home", "backspace"}, "ab", 0, 1},
		{"delete joins", "a\nb", []string{"up", "end", "delete"}, "ab", 0, 1},
		{"word delete", "where user", []string{"ctrl+w"}, "where ", 0, 6},
		{"kill to end", "where user", []string{"home", "alt+right", "ctrl+k"}, "where", 0, 5},
		{"up keeps column in range", "abcdef\nab", []string{"up"}, "abcdef\nab", 0, 2},
		{"space", "a", []string{"space"}, "a ", 0, 2},
		{"ctrl key not typed", "a", []string{"ctrl+x"}, "a", 0, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := newBuffer(true, 0)
			b.SetValue(tc.start)
			for _, k := range tc.keys {
				b.Update(screentest.Key(k))
			}
			if got := b.Value(); got != tc.want || b.Line() != tc.row || b.Column() != tc.col {
				t.Errorf("got %q at %d:%d, want %q at %d:%d", got, b.Line(), b.Column(), tc.want, tc.row, tc.col)
			}
		})
	}
	b := newBuffer(true, 0)
	b.SetValue("a\x1b[31m\tb\r\n")
	if got := b.Value(); got != "a[31m  b\n" {
		t.Errorf("control characters: %q", got)
	}
}

// FuzzBuffer types arbitrary text and keys into the editor: no panic, the cursor stays inside
// the text, and the text never holds control characters other than newlines.
func FuzzBuffer(f *testing.F) {
	f.Add("logon | where x == 1\n| head 5", "left,enter,backspace,ctrl+w,up,delete")
	f.Add("\x1b[31m\t\r\x00é世", "home,ctrl+k,end,alt+left,ctrl+u,down")
	f.Fuzz(func(t *testing.T, typed, keyList string) {
		b := newBuffer(true, 256)
		b.Insert(typed)
		for _, k := range strings.Split(keyList, ",") {
			if _, ok := knownKeys[k]; ok {
				b.Update(screentest.Key(k))
			} else {
				b.Insert(k)
			}
		}
		v := b.Value()
		if b.Line() < 0 || b.Line() >= b.LineCount() || b.Column() < 0 || b.Column() > len(b.lines[b.Line()]) {
			t.Fatalf("cursor %d:%d outside the text %q", b.Line(), b.Column(), v)
		}
		if len(v) > 256 || b.size != len(v) {
			t.Fatalf("size %d for %d bytes of text", b.size, len(v))
		}
		for _, r := range v {
			if r != '\n' && (r < 0x20 || (r >= 0x7f && r < 0xa0)) {
				t.Fatalf("control character %U in %q", r, v)
			}
		}
	})
}

var knownKeys = map[string]bool{"left": true, "right": true, "up": true, "down": true, "home": true, "end": true,
	"enter": true, "backspace": true, "delete": true, "ctrl+w": true, "ctrl+u": true, "ctrl+k": true,
	"alt+left": true, "alt+right": true, "space": true}

// FuzzEditorView draws whatever was typed with the real checker's errors: every line fits the
// width and no control character reaches the screen.
func FuzzEditorView(f *testing.F) {
	f.Add(typo)
	f.Add("logon | where x == \"\x1b[2J\"\n| stats count() by\t")
	f.Add("世界 | where 🙂 == 'x")
	f.Fuzz(func(t *testing.T, src string) {
		th, err := themes.ByName("no-color")
		if err != nil {
			t.Fatal(err)
		}
		m := New(Deps{Source: NewStoreSource(nil, nil), Query: src, Debounce: time.Nanosecond}, th)
		m.SetSize(60, 16)
		m = screentest.Drive(t, m, screentest.Run(m.Init())...)
		screentest.Screen(t, m.View(), 60, 16)
	})
}

// TestStoreSourcePages reads an event query page by page (ids first, then those rows) and
// checks the pages join up into the same rows, in the same order, as one big page.
func TestStoreSourcePages(t *testing.T) {
	src := NewStoreSource(screentest.Store(t), nil)
	const q = `logon | where outcome == "failure" | head 40`
	all, err := src.Run(t.Context(), q, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(all.Rows) != 40 || all.More {
		t.Fatalf("one page: %d rows, more %v; want 40, false", len(all.Rows), all.More)
	}
	if strings.Join(all.Hidden, ",") != "raw,fields" || slices.Contains(all.Columns, "raw") || !slices.Contains(all.Columns, "id") {
		t.Errorf("columns %v, hidden %v; want id shown, raw and fields hidden", all.Columns, all.Hidden)
	}
	var joined [][]string
	for off := 0; ; off += 7 {
		p, err := src.Run(t.Context(), q, off, 7)
		if err != nil {
			t.Fatal(err)
		}
		joined = append(joined, p.Rows...)
		if !p.More {
			break
		}
	}
	if !slices.EqualFunc(joined, all.Rows, slices.Equal[[]string]) {
		t.Errorf("pages of 7 give %d rows differing from the single page of %d", len(joined), len(all.Rows))
	}
	// A query with no rows still names its columns.
	none, err := src.Run(t.Context(), `logon | where user == "nobody-at-all"`, 0, 10)
	if err != nil || len(none.Rows) != 0 || len(none.Columns) == 0 {
		t.Errorf("empty result: %v rows, columns %v, err %v", len(none.Rows), none.Columns, err)
	}
}

// TestHighlighting checks the editor styles tokens by kind and the checker's error span.
func TestHighlighting(t *testing.T) {
	m := newModel(t, Deps{Source: NewStoreSource(nil, nil), Query: `logon | where outcom == "failure" and lower(user) == "a" and pid > 3 # note`}, 100, 24)
	v := m.View()
	syn := m.theme.Syn
	for _, want := range []struct{ name, styled string }{
		{"stage keyword", syn.Keyword.Render("where")},
		{"keyword", syn.Keyword.Render("and")},
		{"source", syn.Field.Render("logon")},
		{"string", syn.String.Render(`"failure"`)},
		{"number", syn.Number.Render("3")},
		{"function", syn.Function.Render("lower")},
		{"comment", syn.Comment.Render("# note")},
		{"error span", syn.Error.Render("outcom")},
	} {
		if !strings.Contains(v, want.styled) {
			t.Errorf("%s not drawn as %q", want.name, want.styled)
		}
	}
}

func TestChosenRawShown(t *testing.T) {
	src := NewStoreSource(screentest.Store(t), nil)
	p, err := src.Run(t.Context(), `logon | where host == "`+screentest.HostileHost+`" | fields id, time, raw`, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Hidden) != 0 || !slices.Contains(p.Columns, "raw") || len(p.Rows) != 3 {
		t.Errorf("columns %v hidden %v rows %d; want raw shown when chosen, 3 rows", p.Columns, p.Hidden, len(p.Rows))
	}
}

// TestPivotFromResults: enter on a result row opens the entity in the chosen column.
func TestPivotFromResults(t *testing.T) {
	m := newModel(t, Deps{Query: `logon | where outcome == "failure" | stats count() as n by host, user | sort n desc, host, user`}, 80, 24)
	m = screentest.Drive(t, m, screentest.Keys("ctrl+r", "tab")...)
	if len(m.Page().Rows) == 0 {
		t.Fatal("no results")
	}
	row := m.Page().Rows[0]
	if !strings.Contains(ansi.Strip(m.View()), "enter opens host="+row[0]) {
		t.Errorf("the message line does not offer the pivot:\n%s", ansi.Strip(m.View()))
	}
	_, cmd := m.Update(screentest.Key("enter"))
	if msgs := screentest.Run(cmd); len(msgs) != 1 || msgs[0] != (timeline.PivotMsg{Kind: event.EntityHost, Value: row[0]}) {
		t.Errorf("enter sent %v, want a pivot to host=%s", msgs, row[0])
	}
	m = screentest.Drive(t, m, screentest.Keys("right")...)
	_, cmd = m.Update(screentest.Key("enter"))
	if msgs := screentest.Run(cmd); len(msgs) != 1 || msgs[0] != (timeline.PivotMsg{Kind: event.EntityUser, Value: row[1]}) {
		t.Errorf("after → enter sent %v, want a pivot to user=%s", msgs, row[1])
	}
}
