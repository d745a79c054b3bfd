package workbench

import (
	"strings"
	"testing"

	"trawl/event"
	"trawl/tui/screentest"
)

// TestEntityTimelineKey: t on the entity view opens the timeline screen of that entity.
func TestEntityTimelineKey(t *testing.T) {
	store, opt := engineOpts(t)
	c := newCtx(t, store, "dark")
	m := start(t, c, opt, 80, 24)
	drive(t, m, keys(":")...)
	drive(t, m, screentest.Type("user admin")...)
	drive(t, m, keys("enter")...)
	if _, ok := m.Current().(*entityScreen); !ok {
		t.Fatalf(":user admin opened %T", m.Current())
	}
	drive(t, m, keys("t")...)
	tl, ok := m.Current().(*timelineScreen)
	if !ok {
		t.Fatalf("t on the entity view opened %T (status %q)", m.Current(), m.status)
	}
	if sc := tl.m.Scope(); sc.Kind != event.EntityUser || sc.Value != "admin" {
		t.Errorf("timeline scope %+v, want user admin", sc)
	}
	if !strings.Contains(m.Current().Title(), "user admin") {
		t.Errorf("title %q", m.Current().Title())
	}
	// Back returns to the entity view.
	drive(t, m, keys("esc")...)
	if _, ok := m.Current().(*entityScreen); !ok {
		t.Errorf("esc from the timeline went to %T", m.Current())
	}
}
