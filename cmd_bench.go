package main

import (
	"os"
	"path/filepath"

	"trawl/bench"
)

// BenchCmd runs trawl's end-to-end benchmarks.
type BenchCmd struct {
	Import BenchImportCmd `cmd:"" help:"Import throughput for JSON lines and syslog, on one core and all cores, against DuckDB loading the same file raw."`
}

// BenchImportCmd measures import throughput.
type BenchImportCmd struct {
	OutputFlags
	Events int    `help:"Events per corpus file." default:"1000000"`
	Dir    string `help:"Where the corpus and scratch databases go (default: a folder in the temporary directory, kept for reuse)."`
	Runs   int    `help:"Timed runs per measurement; the best is reported." default:"2"`
}

func (c *BenchImportCmd) Run(g *Globals) error {
	dir := c.Dir
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "trawl-bench")
	}
	w := c.writer(g.Stdout, []string{"workload", "cores", "mb", "events", "trawl_mb_s", "trawl_events_s", "duckdb_raw_mb_s", "ratio", "peak_rss_mb"})
	err := bench.ImportBench(g.Ctx, bench.ImportOptions{Dir: dir, Events: c.Events, Runs: c.Runs}, func(r bench.Result) {
		w.Row([]any{r.Workload, r.Cores, round(float64(r.Bytes)/1e6, 1), r.Events, round(r.TrawlMBs, 1), int64(r.TrawlEvS), round(r.RawMBs, 1), round(r.Ratio, 2), round(r.PeakRSSMB, 0)})
	})
	if ferr := w.Flush(); err == nil {
		err = ferr
	}
	return err
}

func round(f float64, digits int) float64 {
	p := 1.0
	for range digits {
		p *= 10
	}
	return float64(int64(f*p+0.5)) / p
}
