package timeline

import (
	"os"
	"testing"

	"trawl/engine"
	"trawl/event"
	"trawl/themes"
	"trawl/tui/screentest"
)

// benchStore opens the store named by TRAWL_TUI_BENCH_DB (e.g. a 10-million-event demo store)
// read-only, else the small fixture.
func benchStore(b *testing.B) *engine.Store {
	if p := os.Getenv("TRAWL_TUI_BENCH_DB"); p != "" {
		st, err := engine.Open(b.Context(), p, engine.Options{ReadOnly: true})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { st.Close() })
		return st
	}
	return screentest.Store(b)
}

// BenchmarkPageDown is keypress to render for a page down through a user's timeline (each
// press past the page read from the store; at the end it starts over from the first event).
// TRAWL_TUI_BENCH_USER chooses the user (default grace.popescu, of the generated scenarios).
func BenchmarkPageDown(b *testing.B) {
	th, _ := themes.ByName("dark")
	user := os.Getenv("TRAWL_TUI_BENCH_USER")
	if user == "" {
		user = "grace.popescu"
	}
	m := New(NewStoreSource(benchStore(b)), th)
	m.SetSize(160, 48)
	m.SetPageSize(m.listHeight())
	m = screentest.Drive(b, m, screentest.Run(m.SetScope(Scope{Kind: event.EntityUser, Value: user}))...)
	for b.Loop() {
		key := "pgdown"
		if m.page.AtEnd && m.sel == len(m.page.Events)-1 {
			key = "home"
		}
		m = screentest.Drive(b, m, screentest.Key(key))
		_ = m.View()
	}
}
