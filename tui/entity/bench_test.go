package entity

import (
	"os"
	"testing"

	"trawl/engine"
	"trawl/event"
	"trawl/themes"
	"trawl/tui/screentest"
)

// BenchmarkPivot is keypress to render for opening an entity (profile and first timeline page),
// alternating between two users, over the store named by TRAWL_TUI_BENCH_DB or the fixture.
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
	i := 0
	for b.Loop() {
		i++
		m = screentest.Drive(b, m, screentest.Run(m.Open(event.EntityUser, users[i%2]))...)
		_ = m.View()
	}
}
