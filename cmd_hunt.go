package main

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"trawl/dsl"
	"trawl/engine"
	"trawl/event"
)

// HuntCmd runs detection rules over the store and writes their alerts.
type HuntCmd struct {
	OutputFlags
	Rules []string `help:"Rule files (*.hunt) or folders of them; default the built-in pack." type:"path"`
	Since string   `help:"Only events at or after this time: RFC 3339 or a date (2026-03-01), or a span before now (24h, 7d)."`
	Sigma []string `help:"Sigma rule files (.yml) or folders of them, compiled and run too (docs/sigma.md); without --rules only these run." type:"path"`
	// DuckDB otherwise takes up to 80% of the machine's memory, and a hunt over 10 million
	// events grew past 4 GB; past the limit it spills to disk where it can. With 1024 the
	// built-in pack ran over 10 million events in the same CPU time, at 1.2 GB resident.
	MemoryMB int `name:"memory-mb" help:"Memory limit of the store's engine in MB while hunting (0: DuckDB's default, 80% of the memory); past it, work spills to disk." default:"1024"`
}

// parseSince reads --since: a time, or a span before now.
func parseSince(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if d, err := event.ParseSpan(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	t, err := parseWhen(s) // a date alone too, as the message says
	if err != nil {
		return time.Time{}, fmt.Errorf("--since %q: want a time (2026-03-01T00:00:00Z, 2026-03-01) or a span before now (24h, 7d)", s)
	}
	return t.UTC(), nil
}

// sharedScanMin is how many Sigma rules make trawl hunt run them in shared scans: below it they
// run one by one, which costs no more for a few rules.
var sharedScanMin = 50

func (c *HuntCmd) Run(g *Globals) error {
	since, err := parseSince(c.Since, time.Now().UTC())
	if err != nil {
		return exitError{code: 2, err: err}
	}
	set := &ruleSet{fileOf: map[*dsl.Rule]*ruleFile{}}
	if len(c.Sigma) == 0 || len(c.Rules) > 0 {
		if set, err = loadRules(c.Rules, dsl.Options{Since: since}); err != nil {
			return err
		}
	}
	if len(c.Sigma) > 0 {
		if err := addSigmaRules(set, c.Sigma, dsl.Options{Since: since}, g.Stderr); err != nil {
			return err
		}
	}
	if err := set.problems(g.Stderr, "\nno rule was run: fix the rule files first"); err != nil {
		return err
	}
	// The store must exist (hunting an empty new one is a mistake); it is opened for writing,
	// which also brings an older store's schema up to date (the alerts tables).
	if err := storeExists(g); err != nil {
		return err
	}
	st, err := engine.Open(g.Ctx, g.DB, engine.Options{MemoryMB: c.MemoryMB})
	if err != nil {
		return err
	}
	defer st.Close()
	if err := addStoredRules(g, st, set, c, dsl.Options{Since: since}); err != nil {
		return err
	}
	var names []string
	for _, f := range set.files {
		names = append(names, f.name)
	}
	run, err := st.StartHunt(g.Ctx, since, names)
	if err != nil {
		return err
	}
	w := c.writer(g.Stdout, []string{"rule", "severity", "attack", "alerts", "new", "ms"})
	var total, fresh int
	var failures []string
	// Many Sigma rules (tagged sigma by the compiler) run in shared scans: the filter rules of
	// one category in one pass each, reading every JSON path and lowered text once per event
	// (docs/sigma.md), which raises the same alerts as rule by rule and is several times
	// faster. Other rules run one by one, as before.
	var sigmaIdx []int
	var sigmaRules []*dsl.CheckedRule
	for i, cr := range set.checked {
		if cr.Rule != nil && slices.Contains(cr.TagValues(), "sigma") {
			sigmaIdx, sigmaRules = append(sigmaIdx, i), append(sigmaRules, cr)
		}
	}
	shared := map[int]int{} // index in set.checked -> index in sh, for the rules the shared scans ran
	var sh sharedRun
	if len(sigmaRules) >= sharedScanMin {
		if sh, err = runSigmaRules(g.Ctx, st, run, sigmaRules, dsl.Options{Since: since}, 100, nil); err != nil {
			if g.Ctx.Err() != nil {
				return g.Ctx.Err()
			}
			fmt.Fprintf(g.Stderr, "trawl: shared scans failed, running the Sigma rules one by one: %v\n", err)
		} else {
			for j, i := range sigmaIdx {
				shared[i] = j
			}
		}
	}
	for i, cr := range set.checked {
		var res engine.RuleResult
		var err error
		var ms int64
		if j, ok := shared[i]; ok {
			res, ms = sh.results[j], int64(sh.ms[j])
		} else {
			start := time.Now()
			res, err = st.RunRule(g.Ctx, run, alertRule(cr))
			ms = time.Since(start).Milliseconds()
		}
		if err != nil {
			if g.Ctx.Err() != nil {
				return g.Ctx.Err()
			}
			failures = append(failures, err.Error())
			fmt.Fprintf(g.Stderr, "trawl: %v\n", err)
			continue
		}
		total += res.Alerts
		fresh += res.New
		if err := w.Row([]any{cr.Name.Name, cr.Severity.String(), strings.Join(cr.AttackIDs(), ","), res.Alerts, res.New, ms}); err != nil {
			return err
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if err := st.FinishHunt(g.Ctx, run, len(set.checked), fresh, failures); err != nil {
		return err
	}
	hidden, err := st.ApplySuppressions(g.Ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(g.Stderr, "hunt run %d: %d rules, %d alerts (%d new); list them with trawl alerts\n", run, len(set.checked), total, fresh)
	if hidden > 0 {
		fmt.Fprintf(g.Stderr, "%d alerts hidden by suppressions (trawl suppress list)\n", hidden)
	}
	if err := scoreAgain(g, st, false); err != nil { // the incidents follow the new alerts
		return err
	}
	if len(failures) > 0 {
		return exitError{code: 1, err: fmt.Errorf("%d rules failed", len(failures))}
	}
	return nil
}
