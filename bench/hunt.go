package bench

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"trawl/dsl"
	"trawl/engine"
	"trawl/generate"
	"trawl/importers"
	"trawl/rules"
)

// handFiles are hand-written DuckDB queries, one per built-in rule (handsql/RULE.sql), answering
// the rule's question directly against the events table. Each returns either a column `id`
// (one row per matching event, for filter rules) or a column `evidence` (BIGINT[]: the ids of
// the events behind one result row, for stats, sequence, beacon and first_seen rules).
//
//go:embed handsql/*.sql
var handFiles embed.FS

// HuntRule is a rule of the built-in pack with its hand-written SQL.
type HuntRule struct {
	Name string
	Rule *dsl.CheckedRule
	Hand string // the hand-written query
}

// PackRules compiles the built-in rule pack and pairs every rule with its hand-written query. A
// rule without one, or a hand-written query without its rule, is an error.
func PackRules() ([]HuntRule, error) {
	hand := map[string]string{}
	names, err := fs.Glob(handFiles, "handsql/*.sql")
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		b, err := handFiles.ReadFile(n)
		if err != nil {
			return nil, err
		}
		hand[strings.TrimSuffix(filepath.Base(n), ".sql")] = string(b)
	}
	var out []HuntRule
	for _, f := range rules.Files() {
		rs, err := dsl.ParseRules(f.Name, f.Text)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.Name, err)
		}
		for _, r := range rs {
			cr, _, err := dsl.CheckRule(r, dsl.EventCatalogue(), nil, dsl.Options{})
			if err != nil {
				return nil, fmt.Errorf("%s: rule %s: %w", f.Name, r.Name.Name, err)
			}
			h, ok := hand[r.Name.Name]
			if !ok {
				return nil, fmt.Errorf("rule %s (%s) has no hand-written query bench/handsql/%s.sql", r.Name.Name, f.Name, r.Name.Name)
			}
			delete(hand, r.Name.Name)
			out = append(out, HuntRule{Name: r.Name.Name, Rule: cr, Hand: h})
		}
	}
	for n := range hand {
		return nil, fmt.Errorf("bench/handsql/%s.sql: no built-in rule of that name", n)
	}
	return out, nil
}

// Answer is what a rule's query says, reduced so that two queries can be compared: the result
// rows that name at least one event (those become alerts), each as its sorted set of evidence
// event ids. Two queries give the same answer when these multisets are equal: for a filter
// rule, the same events; for a stats, sequence, beacon or first_seen rule, the same groups of
// events. Rows counts them and Digest is an MD5 over them in sorted order.
type Answer struct {
	Rows   int64
	Digest string
}

// evidenceOf wraps a hand-written query so that it returns one column, evidence: a query whose
// first column is id gets a one-id list per row.
func evidenceOf(ctx context.Context, st *engine.Store, q string) (string, error) {
	var first string
	err := st.QueryFunc(ctx, "DESCRIBE SELECT * FROM (\n"+q+"\n)", nil, func(cols []string, row []any) error {
		if first == "" {
			first = fmt.Sprint(row[0])
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	switch first {
	case "evidence":
		return "SELECT evidence FROM (\n" + q + "\n)", nil
	case "id":
		return "SELECT [id] AS evidence FROM (\n" + q + "\n)", nil
	}
	return "", fmt.Errorf("the first column is %q: want id (BIGINT) or evidence (BIGINT[])", first)
}

// keysSQL is the answer's rows, one text key per row.
func keysSQL(evidence string) string {
	return "SELECT list_sort(list_distinct(evidence))::VARCHAR AS k FROM (\n" + evidence + "\n) WHERE len(evidence) > 0"
}

// answer runs q (its evidence form) and reduces its result to an Answer.
func answer(ctx context.Context, st *engine.Store, evidence string, args []any) (Answer, error) {
	var a Answer
	q := "SELECT count(*), coalesce(md5(string_agg(k, ';' ORDER BY k)), '') FROM (" + keysSQL(evidence) + ")"
	err := st.QueryFunc(ctx, q, args, func(_ []string, row []any) error {
		n, ok := row[0].(int64)
		if !ok {
			return fmt.Errorf("count is %T", row[0])
		}
		a.Rows, a.Digest = n, fmt.Sprint(row[1])
		return nil
	})
	return a, err
}

// keys lists an answer's rows (each a sorted id list as text, e.g. "[3, 7]"), sorted: what a
// test prints to show how two answers differ.
func keys(ctx context.Context, st *engine.Store, evidence string, args []any) ([]string, error) {
	var out []string
	err := st.QueryFunc(ctx, keysSQL(evidence)+" ORDER BY k", args, func(_ []string, row []any) error {
		out = append(out, fmt.Sprint(row[0]))
		return nil
	})
	return out, err
}

// Comparison is one rule's DSL and hand-written answers over a store.
type Comparison struct {
	Rule      string
	DSL, Hand Answer
	DSLKeys   []string // filled by Compare when the answers differ
	HandKeys  []string
	DSLErr    error
	HandErr   error
}

// Same says the two answers agree.
func (c Comparison) Same() bool {
	return c.DSLErr == nil && c.HandErr == nil && c.DSL == c.Hand
}

// Compare runs every rule's compiled query and hand-written query over st and compares their
// answers; for a rule whose answers differ it also lists both sides' rows.
func Compare(ctx context.Context, st *engine.Store, rs []HuntRule) []Comparison {
	out := make([]Comparison, 0, len(rs))
	for _, r := range rs {
		c := Comparison{Rule: r.Name}
		dslSQL := r.Rule.Compiled.EvidenceSQL
		c.DSL, c.DSLErr = answer(ctx, st, dslSQL, r.Rule.Compiled.Args)
		var handSQL string
		handSQL, c.HandErr = evidenceOf(ctx, st, r.Hand)
		if c.HandErr == nil {
			c.Hand, c.HandErr = answer(ctx, st, handSQL, nil)
		}
		if !c.Same() && c.DSLErr == nil && c.HandErr == nil {
			c.DSLKeys, c.DSLErr = keys(ctx, st, dslSQL, r.Rule.Compiled.Args)
			c.HandKeys, c.HandErr = keys(ctx, st, handSQL, nil)
		}
		out = append(out, c)
	}
	return out
}

// Diff describes how the answers differ: rows only one side has (the first few).
func (c Comparison) Diff() string {
	if c.DSLErr != nil || c.HandErr != nil {
		return fmt.Sprintf("dsl error: %v; hand error: %v", c.DSLErr, c.HandErr)
	}
	count := func(ks []string) map[string]int {
		m := map[string]int{}
		for _, k := range ks {
			m[k]++
		}
		return m
	}
	d, h := count(c.DSLKeys), count(c.HandKeys)
	var onlyD, onlyH []string
	for k, n := range d {
		for range n - h[k] {
			onlyD = append(onlyD, k)
		}
	}
	for k, n := range h {
		for range n - d[k] {
			onlyH = append(onlyH, k)
		}
	}
	sort.Strings(onlyD)
	sort.Strings(onlyH)
	clip := func(s []string) string {
		if len(s) > 5 {
			return strings.Join(s[:5], " ") + fmt.Sprintf(" ... (%d in all)", len(s))
		}
		return strings.Join(s, " ")
	}
	return fmt.Sprintf("dsl %d rows, hand %d rows; only dsl: %s; only hand: %s", c.DSL.Rows, c.Hand.Rows, clip(onlyD), clip(onlyH))
}

// ImportGenerated imports the logs that `trawl generate` wrote into dir (not its ground truth)
// into the store st, as `trawl import DIR` does (the same importers.ExpandPaths).
func ImportGenerated(ctx context.Context, st *engine.Store, dir string) error {
	files, err := importers.ExpandPaths([]string{dir}) // leaves out the ground truth
	if err != nil {
		return err
	}
	for _, r := range st.ImportFiles(ctx, files, engine.ImportOptions{}) {
		if r.Err != nil {
			return fmt.Errorf("importing %s: %w", r.File, r.Err)
		}
		if r.Rejects > 0 {
			return fmt.Errorf("importing %s: %d rejects in generated logs", r.File, r.Rejects)
		}
	}
	return nil
}

// HuntOptions configure HuntBench.
type HuntOptions struct {
	Dir    string // holds hunt-N/logs (the generated logs) and hunt-N/store.duckdb, kept for reuse
	Events int    // generated events
	Runs   int    // timed runs of each query at least; the best is kept
	// MinRuleTime: a rule whose Runs rounds took less gets more rounds, up to this much time
	// (and 25 rounds).
	MinRuleTime time.Duration
	Log         func(format string, args ...any)
	// Hunt runs the whole pack over the store at db as `trawl hunt` does; nil skips that step.
	Hunt func(ctx context.Context, db string) error
}

// HuntResult is one rule's timing: its compiled query and its hand-written query, each the
// best of the runs, over the same store in the same process.
type HuntResult struct {
	Rule      string  `json:"rule"`
	Kind      string  `json:"kind"` // filter, or aggregate (stats, sequence, beacon, ...)
	DSLMs     float64 `json:"dsl_ms"`
	HandMs    float64 `json:"hand_ms"`
	Ratio     float64 `json:"ratio"` // DSL time / hand time
	Rows      int64   `json:"rows"`
	HandRows  int64   `json:"hand_rows"`
	Same      bool    `json:"same_answer"`
	Slow      bool    `json:"slower_than_2x"` // and at least SlowFloorMs slower
	PeakRSSMB float64 `json:"peak_rss_mb"`
}

// HuntSummary is the whole pack.
type HuntSummary struct {
	Events     int64   `json:"events"`
	Rules      int     `json:"rules"`
	DSLMs      float64 `json:"dsl_ms"`  // sum of the rules' best DSL times
	HandMs     float64 `json:"hand_ms"` // sum of the rules' best hand times
	HuntMs     float64 `json:"hunt_ms"` // the pack run as trawl hunt runs it, wall time
	Different  int     `json:"different_answers"`
	Slow       int     `json:"slower_than_2x"`
	WorstRule  string  `json:"worst_rule"`
	WorstRatio float64 `json:"worst_ratio"`
	// The worst among rules whose hand-written query takes SlowFloorMs or more.
	WorstTimedRule  string  `json:"worst_timed_rule"`
	WorstTimedRatio float64 `json:"worst_timed_ratio"`
	PeakRSSMB       float64 `json:"peak_rss_mb"`
}

// SlowFloorMs: a rule is flagged slower than 2x only when its compiled query also takes at least
// this much longer than the hand-written one. Below it the difference is the fixed cost of a
// query (preparing it with bound parameters, planning its CTEs: about half a millisecond),
// not the work the query does.
const SlowFloorMs = 2.0

// maxRounds bounds the extra rounds HuntBench gives a quick rule.
const maxRounds = 25

// GeneratedStore generates seeded logs of events into dir/name-events/logs and imports them into
// dir/name-events/store.duckdb unless an earlier run left them (each step leaves a .done marker
// when it completes), returning the store's path. trawl bench hunt and bench sigma share it.
func GeneratedStore(ctx context.Context, dir, name string, events int, log func(format string, args ...any)) (string, error) {
	base := filepath.Join(dir, fmt.Sprintf("%s-%d", name, events))
	logs, db := filepath.Join(base, "logs"), filepath.Join(base, "store.duckdb")
	if _, err := os.Stat(logs + ".done"); err != nil {
		os.RemoveAll(logs)
		os.Remove(db)
		os.Remove(db + ".wal")
		os.Remove(db + ".done")
		if err := os.MkdirAll(logs, 0o755); err != nil {
			return "", err
		}
		log("generating %d events into %s", events, logs)
		if _, err := generate.Run(ctx, generate.Config{Events: events, Seed: 1}, generate.DirOpener(logs)); err != nil {
			return "", err
		}
		if err := os.WriteFile(logs+".done", nil, 0o644); err != nil {
			return "", err
		}
	}
	if _, err := os.Stat(db + ".done"); err != nil {
		os.Remove(db)
		os.Remove(db + ".wal")
		log("importing %s into %s", logs, db)
		st, err := engine.Open(ctx, db, engine.Options{MemoryMB: 384}) // as trawl import does
		if err != nil {
			return "", err
		}
		err = ImportGenerated(ctx, st, logs)
		if cerr := st.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return "", err
		}
		if err := os.WriteFile(db+".done", nil, 0o644); err != nil {
			return "", err
		}
	}
	return db, nil
}

// HuntBench times every rule of the built-in pack against its hand-written query over a store of
// generated events, alternating the two within each run, and checks that both give the same
// answer; then it runs the whole pack as trawl hunt does. report is called after each rule.
func HuntBench(ctx context.Context, opt HuntOptions, report func(HuntResult)) (HuntSummary, error) {
	var sum HuntSummary
	if opt.Runs <= 0 {
		opt.Runs = 1
	}
	if opt.Log == nil {
		opt.Log = func(string, ...any) {}
	}
	rs, err := PackRules()
	if err != nil {
		return sum, err
	}
	if err := os.MkdirAll(opt.Dir, 0o755); err != nil {
		return sum, err
	}
	db, err := GeneratedStore(ctx, opt.Dir, "hunt", opt.Events, opt.Log)
	if err != nil {
		return sum, err
	}
	ResetPeakRSS()
	st, err := engine.Open(ctx, db, engine.Options{})
	if err != nil {
		return sum, err
	}
	defer func() {
		if st != nil {
			st.Close()
		}
	}()
	if err := st.QueryFunc(ctx, "SELECT count(*) FROM events", nil, func(_ []string, row []any) error {
		sum.Events, _ = row[0].(int64)
		return nil
	}); err != nil {
		return sum, err
	}
	sum.Rules = len(rs)
	for i, r := range rs {
		opt.Log("[%d/%d] %s", i+1, len(rs), r.Name)
		res := HuntResult{Rule: r.Name, Kind: "aggregate"}
		if r.Rule.Compiled.EventRows {
			res.Kind = "filter"
		}
		dslQ, args := r.Rule.Compiled.EvidenceSQL, r.Rule.Compiled.Args
		handQ, err := evidenceOf(ctx, st, r.Hand)
		if err != nil {
			return sum, fmt.Errorf("bench/handsql/%s.sql: %w", r.Name, err)
		}
		var dslA, handA Answer
		// At least Runs rounds; quick queries get more (until both sides took MinRuleTime, at
		// most maxRounds), so that the best of them is not one unlucky scheduling slice on a
		// loaded machine.
		start := time.Now()
		for run := 0; run < opt.Runs || (time.Since(start) < opt.MinRuleTime && run < maxRounds); run++ {
			timeOne := func(q string, args []any, best *float64, a *Answer) error {
				t0 := time.Now()
				got, err := answer(ctx, st, q, args)
				ms := float64(time.Since(t0).Microseconds()) / 1000
				if err != nil {
					return err
				}
				if run == 0 || ms < *best {
					*best = ms
				}
				*a = got
				return nil
			}
			first, second := func() error { return timeOne(dslQ, args, &res.DSLMs, &dslA) },
				func() error { return timeOne(handQ, nil, &res.HandMs, &handA) }
			if run%2 == 1 {
				first, second = second, first
			}
			if err := first(); err != nil {
				return sum, fmt.Errorf("rule %s: %w", r.Name, err)
			}
			if err := second(); err != nil {
				return sum, fmt.Errorf("rule %s: %w", r.Name, err)
			}
		}
		res.Rows, res.HandRows, res.Same = dslA.Rows, handA.Rows, dslA == handA
		if res.HandMs > 0 {
			res.Ratio = res.DSLMs / res.HandMs
		}
		res.Slow = res.Ratio > 2 && res.DSLMs-res.HandMs >= SlowFloorMs
		res.PeakRSSMB = PeakRSSMB()
		sum.DSLMs += res.DSLMs
		sum.HandMs += res.HandMs
		if !res.Same {
			sum.Different++
		}
		if res.Slow {
			sum.Slow++
		}
		if res.Ratio > sum.WorstRatio {
			sum.WorstRatio, sum.WorstRule = res.Ratio, r.Name
		}
		if res.HandMs >= SlowFloorMs && res.Ratio > sum.WorstTimedRatio {
			sum.WorstTimedRatio, sum.WorstTimedRule = res.Ratio, r.Name
		}
		report(res)
	}
	if opt.Hunt != nil {
		// trawl hunt opens the store itself: this process must let go of it first.
		err := st.Close()
		st = nil
		if err != nil {
			return sum, err
		}
		opt.Log("running the pack as trawl hunt does")
		t0 := time.Now()
		if err := opt.Hunt(ctx, db); err != nil {
			return sum, fmt.Errorf("running the pack as trawl hunt: %w", err)
		}
		sum.HuntMs = float64(time.Since(t0).Microseconds()) / 1000
	}
	sum.PeakRSSMB = PeakRSSMB()
	return sum, nil
}
