package tui

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"trawl/themes"
)

func TestQueryDropsStaleResults(t *testing.T) {
	th, _ := themes.ByName("dark")
	c := NewContext(nil, th)
	owner := c.NewID()
	var firstCtx context.Context
	first := c.Query(owner, "page", func(ctx context.Context) (any, error) {
		firstCtx = ctx
		return 1, ctx.Err()
	})
	second := c.Query(owner, "page", func(ctx context.Context) (any, error) { return 2, nil })
	other := c.Query(owner, "detail", func(ctx context.Context) (any, error) { return 3, nil })
	if c.Running() != 2 {
		t.Errorf("running = %d, want 2 (the first job was cancelled)", c.Running())
	}
	m1 := first().(QueryFinishedMsg)
	if !errors.Is(firstCtx.Err(), context.Canceled) || !errors.Is(m1.Err, context.Canceled) {
		t.Errorf("the replaced job was not cancelled: %v", m1.Err)
	}
	m2 := second().(QueryFinishedMsg)
	m3 := other().(QueryFinishedMsg)
	if c.Finish(m1) {
		t.Error("a replaced job's result is current")
	}
	if !c.Finish(m2) || m2.Rows != 2 || m2.Owner != owner || m2.Slot != "page" {
		t.Errorf("the latest job's result is stale: %+v", m2)
	}
	if !c.Finish(m3) || c.Running() != 0 {
		t.Errorf("another slot's job: running %d", c.Running())
	}

	// Cancelling a screen's jobs drops their results.
	late := c.Query(owner, "page", func(ctx context.Context) (any, error) { return nil, nil })
	c.CancelOwner(owner)
	if c.Finish(late().(QueryFinishedMsg)) || c.Running() != 0 {
		t.Error("a job of a closed screen is current")
	}
}

func TestQueueSortCycles(t *testing.T) {
	s := SortPriority
	seen := map[string]bool{}
	for range 4 {
		seen[s.String()] = true
		s = s.Next()
	}
	if s != SortPriority || len(seen) != 4 {
		t.Errorf("sorts %v, back to %s", seen, s)
	}
}

func TestFuzzyLike(t *testing.T) {
	for in, want := range map[string]string{"brt": "%b%r%t%", "A_%": `%a%\_%\%%`, `x\`: `%x%\\%`} {
		if got := fuzzyLike(in); got != want {
			t.Errorf("fuzzyLike(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestWidths(t *testing.T) {
	cols := []Column{{Width: 8}, {Flex: 2}, {Width: 4}, {Flex: 1}}
	for _, total := range []int{80, 160, 20} {
		w := Widths(cols, total)
		sum := len(cols) - 1
		for _, x := range w {
			sum += x
		}
		if total >= 20 && sum != total {
			t.Errorf("Widths(%d) = %v, sum %d", total, w, sum)
		}
		if w[1] < w[3] {
			t.Errorf("Widths(%d) = %v: flex 2 narrower than flex 1", total, w)
		}
	}
}

func TestScroll(t *testing.T) {
	for _, tc := range []struct{ cursor, top, rows, total, want int }{
		{0, 0, 5, 20, 0},    // in view
		{4, 0, 5, 20, 0},    // last row in view
		{5, 0, 5, 20, 1},    // one below: moves by one
		{12, 0, 5, 20, 8},   // far below: the cursor on the last row
		{3, 8, 5, 20, 3},    // above: the cursor on the first row
		{19, 17, 5, 20, 15}, // the last screen is kept full
		{2, 0, 5, 3, 0},     // fewer rows than fit
	} {
		if got := Scroll(tc.cursor, tc.top, tc.rows, tc.total); got != tc.want {
			t.Errorf("Scroll(cursor %d, top %d, rows %d, total %d) = %d, want %d", tc.cursor, tc.top, tc.rows, tc.total, got, tc.want)
		}
	}
}

func TestAgeAndSparkline(t *testing.T) {
	now := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
	for d, want := range map[time.Duration]string{30 * time.Second: "30s", 5 * time.Minute: "5m", 30 * time.Hour: "30h", 72 * time.Hour: "3d", 800 * 24 * time.Hour: "2y", -time.Hour: "future"} {
		at := now.Add(-d)
		if got := Age(now, &at); got != want {
			t.Errorf("Age(%v) = %q, want %q", d, got, want)
		}
	}
	if Age(now, nil) != "-" {
		t.Error("Age(nil)")
	}
	if got := Sparkline([]int64{0, 1, 2, 4, 8}, 5); got != " ▁▂▄█" {
		t.Errorf("Sparkline = %q", got)
	}
	if got := Sparkline([]int64{8, 0, 0, 0, 0, 0, 0, 8}, 4); got != "█  █" {
		t.Errorf("Sparkline resampled = %q", got)
	}
}

func TestChips(t *testing.T) {
	th, _ := themes.ByName("no-color")
	c := NewContext(nil, th)
	ents := map[string][]string{"user": {"alice", "bob"}, "host": {"ws1"}, "zz": {"\x1b[2J"}}
	for _, tc := range []struct {
		width int
		want  string
	}{
		{80, `user:alice user:bob host:ws1 zz:\x1b[2J`},
		{25, "user:alice user:bob +2"},
		{8, "user… +3"}, // the first chip cut to what is left beside the count
	} {
		got := ansi.Strip(c.Chips(ents, EntityKinds, tc.width))
		if got != tc.want {
			t.Errorf("Chips(%d) = %q, want %q", tc.width, got, tc.want)
		}
		if ansi.StringWidth(got) > tc.width {
			t.Errorf("Chips(%d) = %q is too wide", tc.width, got)
		}
	}
}
