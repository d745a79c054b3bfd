package entity

import (
	"os"
	"slices"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"trawl/engine"
	"trawl/event"
	"trawl/themes"
	"trawl/tui/screentest"
	"trawl/tui/timeline"
)

// BenchmarkPivot is keypress to render for opening an entity (profile and first timeline page),
// alternating between two users, over the store named by TRAWL_TUI_BENCH_DB or the fixture.
// Commands run at once, as the program runs them; first-p50/p99-ms is until the header (the
// profile) and the first timeline page are drawn, p50/p99-ms until every read is in and drawn.
func BenchmarkPivot(b *testing.B) {
	var st *engine.Store
	if p := os.Getenv("TRAWL_TUI_BENCH_DB"); p != "" {
		var err error
		if st, err = engine.Open(b.Context(), p, engine.Options{ReadOnly: true}); err != nil {
			b.Fatal(err)
		}
		defer st.Close()
	} else {
		st = screentest.Store(b)
	}
	th, _ := themes.ByName("dark")
	m := New(NewStoreSource(st), th)
	m.SetSize(160, 48)
	users := []string{"grace.popescu", "julia.novak"}
	var first, all []time.Duration
	i := 0
	for b.Loop() {
		i++
		t0 := time.Now()
		var f time.Duration
		profile, page := false, false
		m = runConcurrently(m, m.Open(event.EntityUser, users[i%2]), func(m Model, msg tea.Msg) {
			switch msg.(type) {
			case ProfileFinishedMsg:
				profile = true
			case timeline.PageFinishedMsg:
				page = true
			}
			if f == 0 && profile && page {
				_ = m.View()
				f = time.Since(t0)
			}
		})
		_ = m.View()
		all = append(all, time.Since(t0))
		first = append(first, f)
	}
	report := func(lat []time.Duration, prefix string) {
		slices.Sort(lat)
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, prefix+"p50-ms")
		b.ReportMetric(float64(lat[min(len(lat)*99/100, len(lat)-1)].Microseconds())/1000, prefix+"p99-ms")
	}
	report(first, "first-")
	report(all, "")
}

// runConcurrently runs cmd as the program would: every command of a batch in its own goroutine,
// their messages through Update one at a time as they arrive, and the commands Update returns
// likewise, until none is left. after sees the model after each message.
func runConcurrently(m Model, cmd tea.Cmd, after func(Model, tea.Msg)) Model {
	results := make(chan tea.Msg)
	pending := 0
	start := func(c tea.Cmd) {
		if c == nil {
			return
		}
		pending++
		go func() { results <- c() }()
	}
	start(cmd)
	for pending > 0 {
		msg := <-results
		pending--
		if batch, ok := msg.(tea.BatchMsg); ok {
			for _, c := range batch {
				start(c)
			}
			continue
		}
		if msg == nil {
			continue
		}
		var next tea.Cmd
		m, next = m.Update(msg)
		after(m, msg)
		start(next)
	}
	return m
}
