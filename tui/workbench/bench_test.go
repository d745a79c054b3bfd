package workbench

import (
	"context"
	"os"
	"slices"
	"testing"
	"time"

	"trawl/bench"
	"trawl/engine"
	"trawl/tui"
)

// benchStore is the store the keypress benchmarks run on: TRAWL_TUI_BENCH_DB names one (a
// scored store, e.g. ten million generated events imported and hunted), else the scored
// fixture of the tests.
func benchStore(b *testing.B) (tui.Store, Options) {
	path := os.Getenv("TRAWL_TUI_BENCH_DB")
	if path == "" {
		return engineOpts(b)
	}
	st, err := engine.Open(context.Background(), path, engine.Options{ReadOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	return tui.EngineStore{S: st}, Options{DB: path, Engine: st}
}

// BenchmarkKeypress measures keypress to render: the key goes through Update, every query it
// starts runs to its end (as the program would run its commands) and the screen is drawn.
// Besides ns/op it reports the median and 99th percentile in ms.
func BenchmarkKeypress(b *testing.B) {
	cases := []struct {
		name  string
		setup []string // keys that reach the screen measured
		keys  []string // keys pressed in turn, one per op
		reset []string // keys pressed after each op, not measured (back to where the op starts)
	}{
		{"queue-scroll", nil, []string{"j", "j", "j", "k", "pgdown", "g"}, nil},
		{"alert-evidence-page", []string{"enter", "enter"}, []string{"pgdown", "pgdown", "g"}, nil},
		// Every op is a pivot (the entity view opened and filled: profile, first timeline page,
		// intel and related entities); going back to the alert is not counted.
		{"pivot", []string{"enter", "enter"}, []string{"p"}, []string{"esc"}},
		{"timeline-page", []string{"enter", "enter", "p"}, []string{"pgdown", "pgdown", "home"}, nil},
		{"overview-reload", []string{"2"}, []string{"ctrl+r"}, nil},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			store, opt := benchStore(b)
			c := newCtx(b, store, "dark")
			m := start(b, c, opt, 160, 48)
			drive(b, m, keys(tc.setup...)...)
			msgs, reset := keys(tc.keys...), keys(tc.reset...)
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := range b.N {
				t0 := time.Now()
				drive(b, m, msgs[i%len(msgs)])
				_ = m.Render()
				lat = append(lat, time.Since(t0))
				if len(reset) > 0 {
					b.StopTimer()
					drive(b, m, reset...)
					_ = m.Render()
					b.StartTimer()
				}
			}
			b.StopTimer()
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[min(len(lat)*99/100, len(lat)-1)].Microseconds())/1000, "p99-ms")
			if mb := bench.PeakRSSMB(); mb > 0 {
				b.ReportMetric(mb, "peak-rss-MB")
			}
		})
	}
}
