package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"trawl/bench"
	"trawl/dsl"
	"trawl/engine"
	"trawl/event"
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

// sharedRun is how runSigmaRules ran the rules: per rule, its result and (for a rule run on
// its own) its time; and how many shared scans and rules in them there were.
type sharedRun struct {
	results []engine.RuleResult
	ms      []float64 // per rule; for rules of a shared scan, the scan's time split evenly
	scans   int
	shared  int
}

// runSigmaRules runs checked rules in run: the plain filter rules grouped by the category they
// read, each group in one shared scan (engine.RunRulesShared, in batches of batch rules), and
// the others (stats, sequences, filters the shared scan cannot take) one by one with RunRule.
func runSigmaRules(ctx context.Context, st *engine.Store, run int64, rules []*dsl.CheckedRule, opt dsl.Options, batch int, log func(string, ...any)) (sharedRun, error) {
	return runSigmaRulesWith(ctx, st, run, rules, opt, batch, true, true, false, log)
}

// runSigmaRulesWith is runSigmaRules; with paths, the JSON paths the rules of a scope read
// are extracted once per event, and where the rules read only those paths and plain event
// columns, into a distinct table (one row per distinct combination of the values they read)
// on which their conditions run once per combination. With prefilter (and paths), a rule that
// requires an image name tests the row's image base name first (cmd_benchsigma_prefilter.go).
func runSigmaRulesWith(ctx context.Context, st *engine.Store, run int64, rules []*dsl.CheckedRule, opt dsl.Options, batch int, paths, distinctOK, prefilter bool, log func(string, ...any)) (sharedRun, error) {
	out := sharedRun{results: make([]engine.RuleResult, len(rules)), ms: make([]float64, len(rules))}
	cat := dsl.EventCatalogue()
	// The conditions leave out --since: the scan's scope applies it (so that the time of
	// each event is not one more value the distinct table must keep apart).
	fopt := opt
	fopt.Since = time.Time{}
	// Rules are grouped per scope: the category they read, narrowed to a dataset when the
	// condition requires one (Windows channel rules read every category but test the
	// channel first).
	groups := map[engine.ScanScope][]int{}
	var order []engine.ScanScope
	for i, cr := range rules {
		f, ok := dsl.RuleFilter(cr, cat, 1, fopt)
		if !ok {
			start := time.Now()
			res, err := st.RunRule(ctx, run, alertRule(cr))
			if err != nil {
				return out, err
			}
			out.results[i], out.ms[i] = res, msSince(start)
			continue
		}
		sc := engine.ScanScope{Category: f.Category, Dataset: requiredDataset(f.Cond, f.Args, 1), Since: opt.Since}
		if _, seen := groups[sc]; !seen {
			order = append(order, sc)
		}
		groups[sc] = append(groups[sc], i)
	}
	if batch < 1 {
		batch = 1
	}
	for _, scope := range order {
		ms := groups[scope]
		// Every batch's conditions, written over the path columns of the whole scope.
		var pc *dsl.PathColumns
		// Rules reading every event of every dataset test cheap columns first, which leave
		// few rows for the JSON paths: a path table of every event would cost more than it
		// saves.
		if paths && (scope.Category != "" || scope.Dataset != "") {
			pc = &dsl.PathColumns{Columns: lowerOnce}
		}
		type batchOf struct {
			part   []int
			shared []engine.SharedRule
			args   []any
		}
		var batches []batchOf
		read := map[string]bool{} // the event columns the conditions read
		distinct := pc != nil && distinctOK
		bases := map[string]bool{} // the image fields whose base names the pre-filter tests
		filtered := 0
		for lo := 0; lo < len(ms); lo += batch {
			bt := batchOf{part: ms[lo:min(lo+batch, len(ms))]}
			for _, m := range bt.part {
				// Renumber the rule's own parameters ($1..$n) after those of the batch so far.
				var f dsl.Filter
				if pc != nil {
					f, _ = dsl.RuleFilterPaths(rules[m], cat, len(bt.args)+1, fopt, pc)
				} else {
					f, _ = dsl.RuleFilter(rules[m], cat, len(bt.args)+1, fopt)
				}
				if distinct && !columnsRead(f.Cond, read) {
					distinct = false
				}
				bt.args = append(bt.args, f.Args...)
				cond := f.Cond
				if pc != nil && prefilter {
					if names, ok := ruleImageNames(rules[m], cat); ok {
						pre, more := prefilterSQL(names, len(bt.args)+1)
						cond = "(" + pre + " AND " + cond + ")"
						bt.args = append(bt.args, more...)
						for ref := range names {
							bases[ref] = true
						}
						filtered++
					}
				}
				bt.shared = append(bt.shared, engine.SharedRule{AlertRule: alertRule(rules[m]), Cond: cond})
			}
			batches = append(batches, bt)
		}
		var table *engine.PathTable
		if pc != nil && (len(pc.List) > 0 || distinct || len(bases) > 0) {
			start, cpu0 := time.Now(), cpuMs()
			cols := make([]engine.PathColumn, len(pc.List))
			for i, p := range pc.List {
				cols[i] = engine.PathColumn{Column: p.Column, Path: p.Path, Name: p.Name, Lower: p.Lower}
			}
			for _, f := range imageFields {
				if bases[f.ref] {
					cols = append(cols, f.col)
				}
			}
			var err error
			kind := "path table"
			if distinct {
				kind = "distinct table"
				table, err = st.ExtractDistinct(ctx, run, scope, cols, sortedKeys(read))
			} else {
				table, err = st.ExtractScope(ctx, run, scope, cols)
			}
			if err != nil {
				return out, err
			}
			if log != nil {
				n, _ := table.Rows(ctx)
				log("%s of %s (%d columns, %d rows, %d of %d rules pre-filtered by image): %.0f ms (%.0f ms CPU)", kind, scopeName(scope), len(cols)+len(read), n, filtered, len(ms), msSince(start), cpuMs()-cpu0)
			}
		}
		for _, bt := range batches {
			part := bt.part
			start, cpu0 := time.Now(), cpuMs()
			res, err := st.RunRulesScoped(ctx, run, scope, bt.shared, bt.args, table)
			if err != nil {
				table.Drop(ctx)
				return out, err
			}
			if log != nil {
				log("shared scan of %d rules of %s: %.0f ms (%.0f ms CPU), first rule %s", len(part), scopeName(scope), msSince(start), cpuMs()-cpu0, rules[part[0]].Name.Name)
			}
			each := msSince(start) / float64(len(part))
			for j, m := range part {
				out.results[m], out.ms[m] = res[j], each
			}
			out.scans++
			out.shared += len(part)
		}
		if err := table.Drop(ctx); err != nil {
			return out, err
		}
	}
	return out, nil
}

func scopeName(sc engine.ScanScope) string {
	s := fmt.Sprintf("category %q", sc.Category)
	if sc.Dataset != "" {
		s += fmt.Sprintf(", dataset %q", sc.Dataset)
	}
	return s
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// columnsRead adds to read the event columns that cond (a condition written over a path
// table's columns) reads, and reports whether a distinct table can serve it: it reads only
// event columns and path columns (trawl_path_N, trawl_lower_N), and neither the raw record
// nor the JSON fields, which differ for every event.
func columnsRead(cond string, read map[string]bool) bool {
	ok := true
	for i := 0; i < len(cond); i++ {
		switch cond[i] {
		case '\'':
			j := strings.IndexByte(cond[i+1:], '\'')
			if j < 0 {
				return false
			}
			i += j + 1
		case '"':
			j := strings.IndexByte(cond[i+1:], '"')
			if j < 0 {
				return false
			}
			name := cond[i+1 : i+1+j]
			i += j + 1
			switch {
			case strings.HasPrefix(name, "trawl_path_") || strings.HasPrefix(name, "trawl_lower_") || strings.HasPrefix(name, "trawl_base_"):
			case name == "raw" || name == "fields" || !isEventColumn(name):
				ok = false
			default:
				read[name] = true
			}
		}
	}
	return ok
}

func isEventColumn(name string) bool {
	_, ok := event.ColumnByName(name)
	return ok
}

// datasetTest is a condition's test that the dataset is the value of its parameter.
var datasetTest = regexp.MustCompile(`^\(?"dataset" = \$([0-9]+)\)?$`)

// requiredDataset is the dataset a condition requires (a conjunct of it at the top level tests
// dataset == value), or "" when it requires none. args are its parameters, numbered from
// first. Every binary AND and OR the hunting language writes is in parentheses.
func requiredDataset(cond string, args []any, first int) string {
	for _, c := range conjuncts(cond) {
		m := datasetTest.FindStringSubmatch(strings.TrimSpace(c))
		if m == nil {
			continue
		}
		n, err := strconv.Atoi(m[1])
		if err != nil || n < first || n-first >= len(args) {
			continue
		}
		if v, ok := args[n-first].(string); ok && v != "" {
			return v
		}
	}
	return ""
}

// conjuncts splits a condition into the terms of its top-level conjunction, descending into
// parenthesised conjunctions; a condition with a top-level OR is one term.
func conjuncts(cond string) []string {
	s := strings.TrimSpace(cond)
	for len(s) > 1 && s[0] == '(' && closing(s, 0) == len(s)-1 {
		s = strings.TrimSpace(s[1 : len(s)-1])
	}
	var parts []string
	depth, last := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\'', '"':
			j := strings.IndexByte(s[i+1:], s[i])
			if j < 0 {
				return []string{s}
			}
			i += j + 1
		case '(':
			depth++
		case ')':
			depth--
		case ' ':
			if depth != 0 {
				continue
			}
			if strings.HasPrefix(s[i:], " OR ") {
				return []string{s}
			}
			if strings.HasPrefix(s[i:], " AND ") {
				parts = append(parts, s[last:i])
				last = i + len(" AND ")
			}
		}
	}
	if len(parts) == 0 {
		return []string{s}
	}
	parts = append(parts, s[last:])
	var out []string
	for _, p := range parts {
		out = append(out, conjuncts(p)...)
	}
	return out
}

// closing is the index of the parenthesis closing the one at open, or -1.
func closing(s string, open int) int {
	depth := 0
	for i := open; i < len(s); i++ {
		switch s[i] {
		case '\'', '"':
			j := strings.IndexByte(s[i+1:], s[i])
			if j < 0 {
				return -1
			}
			i += j + 1
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

// lowerOnce are the event columns a shared scan lowers once per event for all its rules' tests
// that ignore case: every text column but raw (the whole record, too big to copy; keyword
// searches lower it in each test).
var lowerOnce = func() map[string]bool {
	m := map[string]bool{}
	for _, c := range event.Columns {
		if c.Type == event.TypeString && c.Name != "raw" {
			m[c.Name] = true
		}
	}
	return m
}()

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
func cpuMs() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e6
}

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
