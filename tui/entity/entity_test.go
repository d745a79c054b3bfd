package entity

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

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

func newModel(t *testing.T, src Source, w, h int) Model {
	t.Helper()
	th, err := themes.ByName("dark")
	if err != nil {
		t.Fatal(err)
	}
	if src == nil {
		src = NewStoreSource(screentest.Store(t))
	}
	m := New(src, th)
	m.SetSize(w, h)
	return m
}

// open opens an entity and runs its loads.
func open(t *testing.T, m Model, kind event.Entity, value string) Model {
	t.Helper()
	return screentest.Drive(t, m, screentest.Run(m.Open(kind, value))...)
}

func TestScreens(t *testing.T) {
	for _, sz := range sizes {
		t.Run(sz.name, func(t *testing.T) {
			m := newModel(t, nil, sz.width, sz.height)
			m = open(t, m, event.EntityUser, "grace.popescu")
			p := m.Profile()
			if p.Events == 0 || p.AlertsTotal == 0 || len(p.Related) == 0 || len(p.Activity) == 0 {
				t.Fatalf("thin profile: %+v", p)
			}
			screentest.Golden(t, "user_"+sz.name, m.View(), sz.width, sz.height)

			// Hostile text, in the profile and the timeline, arrives escaped.
			m = open(t, m, event.EntityHost, screentest.HostileHost)
			v := ansi.Strip(m.View())
			if strings.ContainsAny(v, "\x1b\x07\x00") || !strings.Contains(v, `\x1b[31mRED`) {
				t.Errorf("hostile text not escaped:\n%s", v)
			}
			screentest.Golden(t, "hostile_"+sz.name, m.View(), sz.width, sz.height)
		})
	}
}

// TestPivotBackForward pivots from a timeline field, then walks back and forward.
func TestPivotBackForward(t *testing.T) {
	m := newModel(t, nil, 80, 24)
	m = open(t, m, event.EntityHost, screentest.HostileHost)
	// enter opens the fields panel; the user field is second (entity fields come first).
	m = screentest.Drive(t, m, screentest.Keys("enter", "down", "enter")...)
	if r, _ := m.Current(); r != (Ref{event.EntityUser, screentest.HostileUser}) {
		t.Fatalf("after pivoting on the user field: %v, want user=%s", r, screentest.HostileUser)
	}
	if tl := m.Timeline().Scope(); tl.Kind != event.EntityUser || tl.Value != screentest.HostileUser {
		t.Errorf("timeline scope %v after the pivot", tl)
	}
	m = screentest.Drive(t, m, screentest.Keys("[")...)
	if r, _ := m.Current(); r.Kind != event.EntityHost {
		t.Errorf("back: %v, want the host", r)
	}
	m = screentest.Drive(t, m, screentest.Keys("]")...)
	if r, _ := m.Current(); r.Kind != event.EntityUser {
		t.Errorf("forward: %v, want the user", r)
	}
	// Opening another entity from the middle of the history drops the forward part.
	m = screentest.Drive(t, m, screentest.Keys("[")...)
	m = open(t, m, event.EntityIP, "203.0.113.66")
	h, at := m.History()
	if len(h) != 2 || at != 1 || h[1].Kind != event.EntityIP {
		t.Errorf("history %v at %d, want [host ip] at 1", h, at)
	}
	// A related entity opens with enter once the related panel has the focus.
	m = screentest.Drive(t, m, screentest.Keys("shift+tab", "enter")...)
	if r, _ := m.Current(); r.Kind == event.EntityIP {
		t.Errorf("enter on a related entity did not open it (still %v)", r)
	}
}

// fakeSource answers profiles named after the value, and empty timelines.
type fakeSource struct{}

func (fakeSource) Profile(ctx context.Context, kind event.Entity, value string) (Profile, error) {
	return Profile{Kind: kind, Value: value, Events: int64(len(value))}, nil
}

func (fakeSource) Details(ctx context.Context, kind event.Entity, value string) (Details, error) {
	return Details{Related: []Related{{Kind: event.EntityHost, Value: "of-" + value, Events: 1}}}, nil
}

func (fakeSource) Events(context.Context, timeline.PageRequest) (timeline.Page, error) {
	return timeline.Page{AtStart: true, AtEnd: true}, nil
}

func (fakeSource) Detail(_ context.Context, id int64) (timeline.Event, error) {
	return timeline.Event{ID: id, Complete: true}, nil
}

func (fakeSource) Histogram(context.Context, timeline.Scope, time.Duration, time.Time, time.Time) ([]timeline.Bucket, error) {
	return nil, nil
}

func TestStaleProfileDropped(t *testing.T) {
	m := newModel(t, fakeSource{}, 80, 24)
	first := m.Open(event.EntityUser, "a")
	second := m.Open(event.EntityUser, "bb")
	m = screentest.Drive(t, m, screentest.Run(second)...)
	m = screentest.Drive(t, m, screentest.Run(first)...)
	if got := m.Profile().Value; got != "bb" {
		t.Errorf("profile of %q shown, want bb (the first came back late)", got)
	}
	// Another view's profile with the current sequence number is not taken.
	m, _ = m.Update(ProfileFinishedMsg{Owner: m.ID() + 1000, Seq: m.seq, Profile: Profile{Value: "other"}})
	if got := m.Profile().Value; got != "bb" {
		t.Errorf("profile of %q shown, want bb (another view's came in)", got)
	}
}

// TestDetailsStreamIn: the header and the timeline draw before intel and related entities are
// in (their panels say loading), these fill in when they come, in either order, and stale or
// foreign ones are dropped.
func TestDetailsStreamIn(t *testing.T) {
	split := func(msgs []tea.Msg) (rest []tea.Msg, details tea.Msg) {
		for _, msg := range msgs {
			if _, ok := msg.(DetailsFinishedMsg); ok {
				details = msg
			} else {
				rest = append(rest, msg)
			}
		}
		return rest, details
	}
	m := newModel(t, fakeSource{}, 80, 24)
	rest, details := split(screentest.Run(m.Open(event.EntityUser, "abc")))
	if details == nil || len(rest) < 2 {
		t.Fatalf("open asked for %v and %v", rest, details)
	}
	m = screentest.Drive(t, m, rest...)
	v := ansi.Strip(m.View())
	if !strings.Contains(v, "3 events") || strings.Count(v, "loading…") != 2 || len(m.Profile().Related) != 0 {
		t.Errorf("before the details: related %v, view\n%s", m.Profile().Related, v)
	}
	// Another view's details, and an earlier request's, are not taken.
	m = screentest.Drive(t, m, DetailsFinishedMsg{Owner: m.ID() + 1000, Seq: m.seq, Details: Details{Related: []Related{{Value: "foreign"}}}},
		DetailsFinishedMsg{Owner: m.ID(), Seq: m.seq - 1, Details: Details{Related: []Related{{Value: "stale"}}}})
	if len(m.Profile().Related) != 0 {
		t.Errorf("stale or foreign details taken: %v", m.Profile().Related)
	}
	m = screentest.Drive(t, m, details)
	v = ansi.Strip(m.View())
	if got := m.Profile().Related; len(got) != 1 || got[0].Value != "of-abc" || strings.Contains(v, "loading") || !strings.Contains(v, "host=of-abc") {
		t.Errorf("after the details: related %v, view\n%s", got, v)
	}
	if m.cancel != nil {
		t.Error("the reads' context is held after both came in")
	}

	// Details first, then the profile: both stay.
	rest, details = split(screentest.Run(m.Open(event.EntityUser, "wxyz")))
	m = screentest.Drive(t, m, details)
	m = screentest.Drive(t, m, rest...)
	if p := m.Profile(); p.Events != 4 || len(p.Related) != 1 || p.Related[0].Value != "of-wxyz" {
		t.Errorf("details before the profile: %+v", p)
	}
}
