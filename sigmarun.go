package main

// The Sigma rule runner of trawl hunt (and of trawl bench sigma): plain filter rules grouped
// per scope into shared scans, the others one by one. It lived in cmd_benchsigma.go, where it
// was first measured.

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"trawl/dsl"
	"trawl/engine"
	"trawl/event"
)

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
	// Each rule's query is parsed and checked against cat once (dsl.RuleFilter would do it at
	// every call); its condition is written from that for its scope and again for its batch.
	checked := make([]*dsl.Checked, len(rules))
	for i, cr := range rules {
		checked[i] = dsl.RecheckRule(cr, cat)
		var f dsl.Filter
		ok := false
		if checked[i] != nil {
			f, ok = dsl.FilterOf(checked[i], 1, fopt)
		}
		if !ok {
			start := time.Now()
			res, err := st.RunRule(ctx, run, alertRule(cr))
			if err != nil {
				return out, err
			}
			out.results[i], out.ms[i] = res, msSince(start)
			continue
		}
		sc := engine.ScanScope{Category: f.Category, Dataset: f.Dataset, Since: opt.Since}
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
					f, _ = dsl.FilterOfPaths(checked[m], len(bt.args)+1, fopt, pc)
				} else {
					f, _ = dsl.FilterOf(checked[m], len(bt.args)+1, fopt)
				}
				if distinct && !columnsRead(f.Cond, read) {
					distinct = false
				}
				bt.args = append(bt.args, f.Args...)
				cond := f.Cond
				if pc != nil && prefilter {
					if names, ok := imageNames(checked[m].Query); ok {
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
