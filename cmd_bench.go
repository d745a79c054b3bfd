package main

import (
	"io"
	"math"
	"os"
	"path/filepath"

	"trawl/bench"
	"trawl/render"
)

// BenchCmd runs trawl's end-to-end benchmarks.
type BenchCmd struct {
	Import BenchImportCmd `cmd:"" help:"Import throughput for JSON lines and syslog, on one core and all cores, against DuckDB loading the same file raw."`
	Hunt   BenchHuntCmd   `cmd:"" help:"The built-in rule pack over generated events: each rule's compiled query against hand-written SQL for the same question (same answer checked), and the whole pack as trawl hunt runs it."`
	Sigma  BenchSigmaCmd  `cmd:"" help:"Sigma rules over generated events: each rule on its own and the filter rules in shared scans per category, time and peak memory per million events, the slowest rules."`
	Evtx   BenchEvtxCmd   `cmd:"" help:"EVTX decoding speed (records/s, MB/s) on one core and all cores over the sample .evtx files and a large file built from their chunks, against libevtx's evtxexport and python-evtx's evtx_dump.py."`
}

// BenchEvtxCmd measures EVTX decoding against the reference tools.
type BenchEvtxCmd struct {
	OutputFlags
	Samples  string `help:"Folder searched for .evtx files (default: $$TRAWL_SAMPLES, else ../shared/samples)."`
	LargeMB  int    `help:"Size in MB of the large file built from the samples' chunks (0: none)." default:"200" name:"large-mb"`
	Dir      string `help:"Where the large file goes (default: a folder in the temporary directory, kept for reuse)."`
	PythonMB int    `help:"evtx_dump.py reads only this many MB of the large file (a file built the same way): it decodes about 100 records a second." default:"10" name:"python-mb"`
	Runs     int    `help:"Timed runs of trawl per measurement; the best is reported (the reference tools run once)." default:"2"`
	Install  bool   `help:"Install missing reference tools (libevtx-utils, python3-evtx) with apt-get first (make bench installs them itself)."`
}

func (c *BenchEvtxCmd) Run(g *Globals) error {
	dir := c.Dir
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "trawl-bench")
	}
	samples := c.Samples
	if samples == "" {
		samples = os.Getenv("TRAWL_SAMPLES")
	}
	if samples == "" {
		samples = filepath.Join("..", "shared", "samples")
	}
	w := c.keptWriter(g.Stdout, []string{"workload", "tool", "cores", "files", "mb", "records", "seconds", "mb_s", "records_s", "peak_rss_mb", "vs_evtxexport", "vs_evtx_dump_py", "note"})
	err := bench.EvtxBench(g.Ctx, bench.EvtxOptions{Samples: samples, Dir: dir, LargeMB: c.LargeMB, PythonMB: c.PythonMB, Runs: c.Runs, Install: c.Install, Log: g.Stderr}, func(r bench.EvtxResult) {
		w.row([]any{r.Workload, r.Tool, r.Cores, r.Files, round(float64(r.Bytes)/1e6, 1), r.Records, round(r.Seconds, 3), round(r.MBs, 1), int64(r.RecordsS), round(r.PeakRSSMB, 0), round(r.VsEvtxexport, 2), round(r.VsPython, 2), r.Note})
	})
	return w.flush(err)
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
	w := c.keptWriter(g.Stdout, []string{"workload", "cores", "mb", "events", "trawl_mb_s", "trawl_events_s", "duckdb_raw_mb_s", "ratio", "trawl_cpu_s", "duckdb_raw_cpu_s", "cpu_ratio", "peak_rss_mb", "floor_ratio", "floor_cpu_s", "floor_cpu_ratio"})
	err := bench.ImportBench(g.Ctx, bench.ImportOptions{Dir: dir, Events: c.Events, Runs: c.Runs}, func(r bench.Result) {
		w.row([]any{r.Workload, r.Cores, round(float64(r.Bytes)/1e6, 1), r.Events, round(r.TrawlMBs, 1), int64(r.TrawlEvS), round(r.RawMBs, 1), round(r.Ratio, 2), round(r.TrawlCPU, 2), round(r.RawCPU, 2), round(r.CPURatio, 2), round(r.PeakRSSMB, 0), round(r.FloorRatio, 2), round(r.FloorCPU, 2), round(r.FloorCPURatio, 2)})
	})
	return w.flush(err)
}

// keptWriter is a writer for rows given to a callback that cannot return an error (the bench
// package's report functions): the first write error is kept for the end.
func (o OutputFlags) keptWriter(out io.Writer, cols []string) *keptWriter {
	return &keptWriter{w: o.writer(out, cols)}
}

type keptWriter struct {
	w   *render.Writer
	err error // the first error of row
}

func (k *keptWriter) row(vals []any) {
	if k.err == nil {
		k.err = k.w.Row(vals)
	}
}

// flush ends the output and returns err, else the first write error, else Flush's.
func (k *keptWriter) flush(err error) error {
	if err == nil {
		err = k.err
	}
	if ferr := k.w.Flush(); err == nil {
		err = ferr
	}
	return err
}

// round rounds f to digits decimals, half away from zero.
func round(f float64, digits int) float64 {
	p := math.Pow10(digits)
	return math.Round(f*p) / p
}
