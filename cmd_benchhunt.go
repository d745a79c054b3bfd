package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"trawl/bench"
)

// BenchHuntCmd times the built-in rule pack over generated events, each rule's compiled query
// against a hand-written DuckDB query for the same question (bench/handsql), in the same run.
type BenchHuntCmd struct {
	OutputFlags
	Events  int           `help:"Generated events (all attack scenarios plus baseline)." default:"1000000"`
	Runs    int           `help:"Timed runs of each query, the compiled one and the hand-written one alternately; the best is reported." default:"3"`
	MinTime time.Duration `help:"A rule whose runs took less than this gets more (up to 25), so that quick queries are not judged on one noisy run." default:"1s" name:"min-time"`
	Dir     string        `help:"Where the generated logs and their store go (default: a folder in the temporary directory); they are kept and reused by later runs with the same --events."`
	NoHunt  bool          `help:"Skip running the whole pack as trawl hunt does."`
}

func (c *BenchHuntCmd) Run(g *Globals) error {
	dir := c.Dir
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "trawl-bench")
	}
	opt := bench.HuntOptions{Dir: dir, Events: c.Events, Runs: c.Runs, MinRuleTime: c.MinTime,
		Log: func(format string, args ...any) { fmt.Fprintf(g.Stderr, format+"\n", args...) }}
	if !c.NoHunt {
		// The pack, as `trawl hunt` runs it: the same command over the bench's store.
		opt.Hunt = func(ctx context.Context, db string) error {
			h := &HuntCmd{OutputFlags: OutputFlags{Format: "json"}, MemoryMB: 1024} // trawl hunt's default limit
			return h.Run(&Globals{DB: db, Ctx: ctx, Stdout: io.Discard, Stderr: io.Discard})
		}
	}
	w := c.keptWriter(g.Stdout, []string{"rule", "kind", "rows", "dsl_ms", "hand_ms", "ratio", "same_answer", "flag", "peak_rss_mb"})
	flag := func(r bench.HuntResult) string {
		switch {
		case !r.Same:
			return fmt.Sprintf("DIFFERENT ANSWER (hand: %d rows)", r.HandRows)
		case r.Slow:
			return "SLOWER THAN 2x"
		case r.Ratio > 2:
			return fmt.Sprintf("over 2x but under %g ms apart: per-query overhead", bench.SlowFloorMs)
		}
		return ""
	}
	sum, err := bench.HuntBench(g.Ctx, opt, func(r bench.HuntResult) {
		w.row([]any{r.Rule, r.Kind, r.Rows, round(r.DSLMs, 1), round(r.HandMs, 1), round(r.Ratio, 2), r.Same, flag(r), round(r.PeakRSSMB, 0)})
	})
	if err == nil {
		ratio := 0.0
		if sum.HandMs > 0 {
			ratio = sum.DSLMs / sum.HandMs
		}
		note := fmt.Sprintf("%d rules over %d events; worst ratio %.2f (%s), %.2f (%s) among rules of %g ms or more; %d slower than 2x; %d different answers",
			sum.Rules, sum.Events, sum.WorstRatio, sum.WorstRule, sum.WorstTimedRatio, sum.WorstTimedRule, bench.SlowFloorMs, sum.Slow, sum.Different)
		w.row([]any{"(all rules, sum of best times)", "pack", nil, round(sum.DSLMs, 1), round(sum.HandMs, 1), round(ratio, 2), sum.Different == 0, note, round(sum.PeakRSSMB, 0)})
		if opt.Hunt != nil {
			w.row([]any{"(trawl hunt, whole pack, wall time)", "pack", nil, round(sum.HuntMs, 1), nil, nil, nil, "", round(sum.PeakRSSMB, 0)})
		}
	}
	err = w.flush(err)
	if err == nil && sum.Different > 0 {
		err = fmt.Errorf("%d rules gave a different answer than their hand-written SQL", sum.Different)
	}
	return err
}
