package dsl

import (
	"fmt"
	"strings"
)

// Filter is a filter query (a source and where stages, nothing else) written as one condition
// over the events table, so that many rules reading one category can share a scan: one pass
// computes every rule's condition for each event (engine.RunRulesShared).
type Filter struct {
	Category string // the stored category the source reads; "" for every event
	Cond     string // the SQL condition: the where stages (and Options.Since); null counts as false
	Args     []any  // its parameters, numbered from the first given to FilterOf
}

// FilterOf writes a checked query as a Filter with its parameters numbered $first, $first+1,
// ..., or reports false when it is not a plain filter over the events table (a sequence, a stage
// other than where, a let list, or a read of the derived features view).
func FilterOf(ch *Checked, first int, opt Options) (f Filter, ok bool) {
	if ch == nil || ch.Query == nil || first < 1 {
		return Filter{}, false
	}
	q := ch.Query
	if q.Sequence != nil || q.Source == nil || len(q.Lets) > 0 || ch.from != "" {
		return Filter{}, false
	}
	for _, st := range q.Stages {
		if _, isWhere := st.(*Where); !isWhere {
			return Filter{}, false
		}
	}
	defer func() {
		if r := recover(); r != nil {
			f, ok = Filter{}, false
		}
	}()
	c := &compiler{ch: ch, opt: opt, args: make([]any, first-1)}
	// The where stages joined with AND, as they are: a null counts as false in a WHERE or a
	// CASE WHEN alike, and DuckDB tests the terms of a conjunction in turn, each only on the
	// rows the earlier ones keep (a wrapping function would make it compute every term of
	// every row).
	conds := c.sinceConds()
	for _, st := range q.Stages {
		conds = append(conds, c.expr(st.(*Where).Cond))
	}
	if len(conds) == 0 {
		conds = []string{"true"}
	}
	if q.Source.Category != AllEvents {
		f.Category = categoryValue(q.Source.Category)
	}
	f.Cond = "(" + strings.Join(conds, " AND ") + ")"
	f.Args = c.args[first-1:]
	if n := strings.Count(f.Cond, "$"); n < len(f.Args) {
		panic(fmt.Sprintf("FilterOf: %d placeholders for %d args", n, len(f.Args)))
	}
	return f, true
}

// RuleFilter is FilterOf for a checked rule: its query is checked again against cat.
func RuleFilter(cr *CheckedRule, cat Catalogue, first int, opt Options) (Filter, bool) {
	if cr == nil || cr.Rule == nil {
		return Filter{}, false
	}
	q, err := Parse(cr.QueryText)
	if err != nil {
		return Filter{}, false
	}
	ch, err := Check(q, cat)
	if err != nil {
		return Filter{}, false
	}
	return FilterOf(ch, first, opt)
}
