package workbench

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	casefiles "trawl/cases"
	"trawl/tui"
	"trawl/tui/screentest"
)

// hostile is log text that would drive a terminal if drawn as is: a colour change, a window
// title, a screen clear and cursor home, a bell, an OSC 52 clipboard write, an 8-bit CSI and a
// bidi override.
const hostile = "ok \x1b[31mRED\x1b[0m \x1b]0;pwned\x07 \x1b[2J\x1b[H \x1b]52;c;cm0gLXJmIH4=\x07 \u009b6n \u202eexe.txt"

// hostileStore answers every query with hostile text in every text field.
type hostileStore struct{}

var hostileTime = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func (hostileStore) item() tui.QueueItem {
	return tui.QueueItem{Kind: "alert", ID: 7, Rule: "r" + hostile, Title: "t" + hostile, Severity: "high" + hostile,
		Attack: []string{"T1110", hostile}, First: &hostileTime, Last: &hostileTime, Evidence: 1,
		Entities: map[string][]string{"user": {hostile}, "host": {hostile}, hostile: {hostile}}}
}

func (h hostileStore) Queue(ctx context.Context, q tui.QueueQuery) (tui.QueuePage, error) {
	inc, _ := h.Incident(ctx, 1)
	return tui.QueuePage{Items: []tui.QueueItem{inc.QueueItem, h.item()}, Total: 2}, nil
}

func (h hostileStore) Alert(ctx context.Context, id int64) (tui.AlertDetail, error) {
	return tui.AlertDetail{QueueItem: h.item(), Run: 1, Sources: []string{hostile},
		Factors: []tui.Factor{{Name: hostile, Points: 5, Reason: hostile}}}, nil
}

func (h hostileStore) Incident(ctx context.Context, id int64) (tui.IncidentDetail, error) {
	inc := h.item()
	inc.Kind, inc.Priority, inc.Score, inc.Alerts = "incident", 1, 90, 1
	return tui.IncidentDetail{QueueItem: inc, Rank: 1, Tactics: []string{hostile}, Narrative: hostile + " " + hostile,
		Factors: []tui.Factor{{Name: hostile, Points: 90, Reason: hostile}}, AlertList: []tui.QueueItem{h.item()}}, nil
}

func (hostileStore) Evidence(ctx context.Context, alert int64, offset, limit int) (tui.Rows, error) {
	cols := []string{"id", "time", "file", "host", "user", "action", "outcome", "text", hostile}
	return tui.Rows{Cols: cols, Rows: [][]any{{int64(1), hostileTime, hostile, hostile, hostile, hostile, hostile, hostile, hostile}}, Total: 1}, nil
}

func (hostileStore) Record(ctx context.Context, event int64) (tui.Record, error) {
	return tui.Record{ID: event, File: hostile, Line: 1, Raw: hostile + "\n" + hostile, Fields: `{"msg":"\u001b]0;pwned\u0007","` + "\\u001b[2J" + `":1}`}, nil
}

func (hostileStore) Overview(ctx context.Context, buckets, top int) (tui.Overview, error) {
	return tui.Overview{Events: 1, Alerts: 1, From: hostileTime, To: hostileTime, Bucket: time.Hour,
		Sources:  []tui.SourceVolume{{Source: hostile, Counts: []int64{1}, Total: 1}},
		Tactics:  []tui.TacticCount{{Tactic: hostile, Alerts: 1}},
		Entities: []tui.EntityCount{{Kind: "user", Value: hostile, Alerts: 1}}}, nil
}

func (hostileStore) KPIs(ctx context.Context) (casefiles.KPIs, error) {
	return casefiles.KPIs{Cases: 1, Verdicts: map[string]int{"open": 1}}, nil
}

// sgr matches the styling sequences lipgloss writes; any other escape in a view is a leak.
var sgr = regexp.MustCompile(`\x1b\[[0-9;:]*m`)

// checkEscaped fails if view carries any control sequence but styling, or lacks the escaped
// form of the hostile text.
func checkEscaped(t *testing.T, screen, view string) {
	t.Helper()
	rest := sgr.ReplaceAllString(view, "")
	for i, r := range rest {
		if (r < 0x20 && r != '\n') || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == 0x202e {
			t.Errorf("%s: control character %U at byte %d: %q", screen, r, i, rest[max(i-20, 0):min(i+20, len(rest))])
			return
		}
	}
	plain := ansi.Strip(view)
	if !strings.Contains(plain, `\x1b`) {
		t.Errorf("%s: the escaped text is not shown:\n%s", screen, plain)
	}
}

// TestHostileTextEscapedEverywhere shows a log line with terminal escapes in every screen of
// the workbench (queue, incident, alert detail with fields and raw record, overview, help, palette,
// status bar) at both golden sizes, and checks that it arrives escaped.
func TestHostileTextEscapedEverywhere(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		for _, theme := range []string{"dark", "no-color", "high-contrast"} {
			c := newCtx(t, hostileStore{}, theme)
			m := start(t, c, Options{DB: hostile}, size[0], size[1])
			checkEscaped(t, "queue", m.Render())
			drive(t, m, keys("/")...)
			drive(t, m, tea.PasteMsg{Content: hostile})
			drive(t, m, screentest.Type("x")...)
			checkEscaped(t, "queue filter", m.Render())
			drive(t, m, keys("esc", "enter")...)
			checkEscaped(t, "incident", m.Render())
			drive(t, m, keys("esc", "j", "enter")...)
			checkEscaped(t, "alert", m.Render())
			drive(t, m, keys("r")...)
			checkEscaped(t, "alert raw", m.Render())
			drive(t, m, keys("2")...)
			checkEscaped(t, "overview", m.Render())
			drive(t, m, keys("?")...)
			checkEscaped(t, "help", m.Render())
			drive(t, m, keys("esc", ":")...)
			drive(t, m, screentest.Type("alert ")...)
			drive(t, m, tea.KeyPressMsg{Code: 0x1b, Text: hostile})
			checkEscaped(t, "palette", m.Render())
			drive(t, m, keys("enter")...)
			checkEscaped(t, "status error", m.Render())
			if !strings.Contains(ansi.Strip(m.Render()), `alert: "ok \x1b[31mRED`) {
				t.Errorf("the status bar lacks the error:\n%s", ansi.Strip(m.Render()))
			}
		}
	}
}

// TestHostileFixtureEvents opens the real fixture's hostile events (screentest.HostileEvents)
// through the store: their timeline as the entity view shows it.
func TestHostileFixtureEvents(t *testing.T) {
	store, opt := engineOpts(t)
	c := newCtx(t, store, "dark")
	m := start(t, c, opt, 160, 48)
	drive(t, m, keys(":")...)
	drive(t, m, screentest.Type("host "+screentest.HostileHost)...)
	drive(t, m, keys("enter")...)
	if !strings.Contains(m.Current().Title(), screentest.HostileHost) {
		t.Fatalf("on %s", m.Current().Title())
	}
	checkEscaped(t, "entity timeline", m.Render())
}
