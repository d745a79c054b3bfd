package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"trawl/bench"
	"trawl/dsl"
	"trawl/engine"
	"trawl/render"
	"trawl/sigma"
)

// BenchSigmaCmd times Sigma rules over generated events: every rule on its own, as trawl hunt
// runs rules, and the filter rules in shared scans (one pass per category computing every
// rule's condition), with time and peak memory per million events and the slowest rules.
type BenchSigmaCmd struct {
	OutputFlags
	Events     int      `help:"Generated events (all attack scenarios plus baseline)." default:"1000000"`
	Rules      []string `help:"Sigma rule files or folders (default: the windows rules of the samples, $$TRAWL_SAMPLES or ../shared/samples, sigma/rules and sigma/rules-emerging-threats)." type:"path"`
	Product    string   `help:"Only rules of this logsource product (empty: all)." default:"windows"`
	Store      string   `help:"Run over this existing store (e.g. the EVTX samples imported with trawl import) instead of generated events; it is only read." type:"path"`
	Dir        string   `help:"Where the generated logs and their store go (default: a folder in the temporary directory, kept and reused with the same --events)."`
	Slowest    int      `help:"How many of the slowest rules to list." default:"10"`
	NoSolo     bool     `help:"Skip running each rule on its own (only the shared scans)."`
	Batch      int      `help:"Rules per shared scan." default:"100"`
	Shared     bool     `help:"Also run the filter rules in shared scans, as trawl hunt runs Sigma rules (docs/sigma.md)."`
	NoPaths    bool     `help:"Shared scans without path tables: every test reads its JSON path from the record."`
	NoDistinct bool     `help:"Shared scans test every event, not each distinct combination of the values the rules read once (the worst case: logs where no two events share them)."`
	Prefilter  bool     `help:"Shared scans with the image pre-filter: each rule that requires an image name tests the row's image base name first (measured: no gain, docs/sigma.md)."`
	Before     bool     `help:"Run the shared scans both without and with path tables, for comparison."`
	MemoryMB   int      `help:"DuckDB memory limit in MB (0: DuckDB's default, 80% of the memory)." default:"1024"`
	Threads    int      `help:"DuckDB worker threads (0: one per core)."`
}

func msSince(t time.Time) float64 { return float64(time.Since(t).Microseconds()) / 1000 }

func (c *BenchSigmaCmd) Run(g *Globals) error {
	log := func(format string, args ...any) { fmt.Fprintf(g.Stderr, "trawl: "+format+"\n", args...) }
	paths := c.Rules
	if len(paths) == 0 {
		root := os.Getenv("TRAWL_SAMPLES")
		if root == "" {
			root = filepath.Join("..", "shared", "samples")
		}
		for _, d := range []string{"rules", "rules-emerging-threats"} {
			if p := filepath.Join(root, "sigma", d); dirExists(p) {
				paths = append(paths, p)
			}
		}
		if len(paths) == 0 {
			return fmt.Errorf("no Sigma rules: give --rules, or the samples under %s", root)
		}
	}
	files, err := readSigmaFiles(paths)
	if err != nil {
		return err
	}
	var rules []*dsl.CheckedRule
	var skipped int
	for _, r := range sigma.ConvertAll(files, sigma.Options{}) {
		switch {
		case r.Checked == nil || len(r.OnlyIn) > 0:
			skipped++
		case c.Product != "" && (r.Rule == nil || r.Rule.Correlation == nil && r.Rule.Logsource.Product != c.Product):
			skipped++
		default:
			rules = append(rules, r.Checked)
		}
	}
	log("%d rules to run (%d others: unsupported, of another product, or only inside correlations)", len(rules), skipped)
	dir := c.Dir
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "trawl-bench")
	}
	db := c.Store
	if db == "" {
		// The store of trawl bench hunt (the same seed and size), which this bench only
		// reads: make bench generates and imports ten million events once.
		if db, err = bench.GeneratedStore(g.Ctx, dir, "hunt", c.Events, log); err != nil {
			return err
		}
	}
	// The store is read, never written: the hunt runs, alerts and scan tables go to a scratch
	// store (removed at the end) over its events.
	scratch, err := os.MkdirTemp("", "trawl-bench-sigma-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(scratch)
	st, err := engine.OpenOverlay(g.Ctx, filepath.Join(scratch, "scratch.duckdb"), db, engine.Options{MemoryMB: c.MemoryMB, Threads: c.Threads})
	if err != nil {
		return err
	}
	defer st.Close()
	var events int64
	tb, err := st.Query(g.Ctx, `SELECT count(*) FROM events`)
	if err != nil {
		return err
	}
	if len(tb.Rows) == 1 {
		events, _ = tb.Rows[0][0].(int64)
	}
	perMillion := func(ms float64) float64 {
		if events == 0 {
			return 0
		}
		return ms / (float64(events) / 1e6)
	}
	w := c.writer(g.Stdout, []string{"run", "rules", "events", "ms", "ms_per_million_events", "cpu_ms", "peak_rss_mb", "alerts", "note"})
	alertsOf := func(rs []engine.RuleResult) int {
		n := 0
		for _, r := range rs {
			n += r.Alerts
		}
		return n
	}
	var solo []engine.RuleResult
	var soloMs []float64
	if !c.NoSolo {
		run, err := st.StartHunt(g.Ctx, time.Time{}, []string{"bench sigma (each rule)"})
		if err != nil {
			return err
		}
		bench.ResetPeakRSS()
		start, cpu0 := time.Now(), cpuMs()
		for _, cr := range rules {
			t := time.Now()
			res, err := st.RunRule(g.Ctx, run, alertRule(cr))
			if err != nil {
				return err
			}
			solo, soloMs = append(solo, res), append(soloMs, msSince(t))
			if d := soloMs[len(soloMs)-1]; d >= 1000 {
				log("slow rule %s: %.0f ms", cr.Name.Name, d)
			}
			if n := len(solo); n%200 == 0 {
				log("%d of %d rules run, %.0f s", n, len(rules), msSince(start)/1000)
			}
		}
		ms := msSince(start)
		if err := w.Row([]any{"each rule on its own", len(rules), events, round(ms, 0), round(perMillion(ms), 0), round(cpuMs()-cpu0, 0), round(bench.PeakRSSMB(), 0), alertsOf(solo), "as trawl hunt ran rules"}); err != nil {
			return err
		}
	}
	if !c.Shared {
		return c.slowest(w, rules, soloMs, events, perMillion)
	}
	// The shared scans: with path tables (the JSON paths of a category extracted once per
	// event), and with --before also as they ran before path tables, each checked against the
	// rule-by-rule run (or the other shared run).
	modes := []bool{!c.NoPaths}
	if c.Before {
		modes = []bool{false, true}
	}
	var times []float64
	var ref []engine.RuleResult
	refName := "on its own"
	if solo != nil {
		ref = solo
	}
	for _, paths := range modes {
		name := "shared scans, path tables"
		if !paths {
			name = "shared scans, JSON read per test"
		}
		run, err := st.StartHunt(g.Ctx, time.Time{}, []string{"bench sigma (" + name + ")"})
		if err != nil {
			return err
		}
		bench.ResetPeakRSS()
		start, cpu0 := time.Now(), cpuMs()
		sh, err := runSigmaRulesWith(g.Ctx, st, run, rules, dsl.Options{}, c.Batch, paths, !c.NoDistinct, c.Prefilter, log)
		if err != nil {
			return err
		}
		ms, cpu := msSince(start), cpuMs()-cpu0
		note := fmt.Sprintf("%d filter rules in %d scans, %d others one by one", sh.shared, sh.scans, len(rules)-sh.shared)
		if ref != nil {
			var differ []string
			for i := range rules {
				// The same count, and (after the rule-by-rule run, whose alerts are stored)
				// none new: an alert whose evidence differs in one event is new.
				if ref[i].Alerts != sh.results[i].Alerts || solo != nil && sh.results[i].New != 0 {
					differ = append(differ, rules[i].Name.Name)
				}
			}
			if len(differ) > 0 {
				note += fmt.Sprintf("; %d rules gave other alert counts than %s: %s", len(differ), refName, strings.Join(differ, ", "))
			} else {
				note += "; every rule raised the same alerts as " + refName
				if solo != nil {
					note += " (same evidence)"
				}
			}
		} else {
			ref, refName = sh.results, "in the "+name
		}
		if err := w.Row([]any{name, len(rules), events, round(ms, 0), round(perMillion(ms), 0), round(cpu, 0), round(bench.PeakRSSMB(), 0), alertsOf(sh.results), note}); err != nil {
			return err
		}
		times = sh.ms
	}
	if soloMs != nil {
		times = soloMs
	}
	return c.slowest(w, rules, times, events, perMillion)
}

// cpuMs is the processor time this process (all its threads, DuckDB's included) has used, in
// ms: on a machine shared with other work, wall time alone overstates the cost.
func cpuMs() float64 { return bench.CPUSeconds() * 1000 }

// slowest lists the slowest rules: on their own, or (with --no-solo) their share of the shared
// scans; none when nothing was timed (--no-solo without --shared).
func (c *BenchSigmaCmd) slowest(w *render.Writer, rules []*dsl.CheckedRule, times []float64, events int64, perMillion func(float64) float64) error {
	if len(times) == 0 {
		return w.Flush()
	}
	idx := make([]int, len(rules))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return times[idx[a]] > times[idx[b]] })
	for _, i := range idx[:min(c.Slowest, len(idx))] {
		if err := w.Row([]any{"slow: " + rules[i].Name.Name, 1, events, round(times[i], 1), round(perMillion(times[i]), 1), nil, nil, nil, strings.TrimSpace(firstLine(rules[i].QueryText))}); err != nil {
			return err
		}
	}
	return w.Flush()
}

func dirExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}
