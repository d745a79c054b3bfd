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
	// Dataset is the dataset the where stages require (a test dataset == 'value' in their
	// top-level conjunction, never under an OR or a NOT), or "": a shared scan can narrow its
	// scope to it (Windows channel rules read every category but test the channel first).
	Dataset string
}

// FilterOf writes a checked query as a Filter with its parameters numbered $first, $first+1,
// ..., or reports false when it is not a plain filter over the events table (a sequence, a stage
// other than where, a let list, or a read of the derived features view).
func FilterOf(ch *Checked, first int, opt Options) (f Filter, ok bool) {
	return filterOf(ch, first, opt, nil)
}

// PathColumns names the JSON paths that filters read (fields.EventData.Hashes) as columns of a
// path table, so that a shared scan extracts each path once per event for all its rules
// (engine.ExtractPaths) instead of once per test: a rule testing one record field against a
// list of 100 values otherwise parses the record 100 times. The zero value is ready to use;
// one PathColumns serves every rule of a scan.
type PathColumns struct {
	List  []PathColumn
	index map[[2]string]int
	// lower maps the SQL of a column or path column to the name of its lowered column.
	lower map[string]string
	// bySQL maps the SQL of a path column to its entry.
	bySQL map[string]int
	// Columns, when set, says which event columns hold text worth lowering once per event;
	// nil lowers none.
	Columns map[string]bool
}

// PathColumn is one column of a path table: the JSON path Path ($."EventData"."Hashes", every
// key quoted; the checker refuses keys holding " or \) read from the JSON column Column, named
// Name in the table; with Lower, that text (or with no Path the column Column itself)
// lower-cased.
type PathColumn struct {
	Column, Path, Name string
	Lower              bool
}

// column names the column holding path of the JSON column col, adding it when new.
func (p *PathColumns) column(col, path string) string {
	if p.index == nil {
		p.index = map[[2]string]int{}
	}
	k := [2]string{col, path}
	if i, ok := p.index[k]; ok {
		return p.List[i].Name
	}
	p.index[k] = len(p.List)
	name := fmt.Sprintf("trawl_path_%d", len(p.List)+1)
	p.List = append(p.List, PathColumn{Column: col, Path: path, Name: name})
	if p.bySQL == nil {
		p.bySQL = map[string]int{}
	}
	p.bySQL[quoteIdent(name)] = len(p.List) - 1
	return name
}

// lowered names the lowered column of sql, a quoted event column of Columns or a path column,
// adding it when new; false for anything else.
func (p *PathColumns) lowered(sql string) (string, bool) {
	if name, ok := p.lower[sql]; ok {
		return name, true
	}
	e := PathColumn{Lower: true}
	if i, ok := p.bySQL[sql]; ok {
		e.Column, e.Path = p.List[i].Column, p.List[i].Path
	} else {
		found := false
		for col := range p.Columns {
			if quoteIdent(col) == sql {
				e.Column, found = col, true
				break
			}
		}
		if !found {
			return "", false
		}
	}
	if p.lower == nil {
		p.lower = map[string]string{}
	}
	e.Name = fmt.Sprintf("trawl_lower_%d", len(p.List)+1)
	p.List = append(p.List, e)
	p.lower[sql] = e.Name
	return e.Name, true
}

// FilterOfPaths is FilterOf with every JSON path the condition reads written as a column of
// paths (added to it when new): the condition must then be evaluated over the events joined
// with a table holding those columns.
func FilterOfPaths(ch *Checked, first int, opt Options, paths *PathColumns) (Filter, bool) {
	if paths == nil {
		return Filter{}, false
	}
	return filterOf(ch, first, opt, paths)
}

func filterOf(ch *Checked, first int, opt Options, paths *PathColumns) (f Filter, ok bool) {
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
	c := &compiler{ch: ch, opt: opt, args: make([]any, first-1), paths: paths}
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
	for _, st := range q.Stages {
		if f.Dataset = requiredDataset(st.(*Where).Cond); f.Dataset != "" {
			break
		}
	}
	if strings.Count(f.Cond, "$") < len(f.Args) {
		return Filter{}, false // fewer placeholders than args: not a condition to trust
	}
	return f, true
}

// requiredDataset is the dataset e requires: the value of a test dataset == 'value' (not
// empty) in its top-level conjunction, the first from the left, or "".
func requiredDataset(e Expr) string {
	b, ok := e.(*Binary)
	if !ok {
		return ""
	}
	switch b.Op {
	case "and":
		if d := requiredDataset(b.L); d != "" {
			return d
		}
		return requiredDataset(b.R)
	case "==":
		f, isRef := b.L.(*FieldRef)
		l, isLit := b.R.(*Literal)
		if isRef && isLit && f.Name == "dataset" && len(f.Path) == 0 && l.Kind == LitString {
			v, _ := value(l).(string)
			return v
		}
	}
	return ""
}

// RuleFilter is FilterOf for a checked rule: its query is checked again against cat.
func RuleFilter(cr *CheckedRule, cat Catalogue, first int, opt Options) (Filter, bool) {
	return ruleFilter(cr, cat, first, opt, nil)
}

// RuleFilterPaths is FilterOfPaths for a checked rule.
func RuleFilterPaths(cr *CheckedRule, cat Catalogue, first int, opt Options, paths *PathColumns) (Filter, bool) {
	if paths == nil {
		return Filter{}, false
	}
	return ruleFilter(cr, cat, first, opt, paths)
}

func ruleFilter(cr *CheckedRule, cat Catalogue, first int, opt Options, paths *PathColumns) (Filter, bool) {
	ch := RecheckRule(cr, cat)
	if ch == nil {
		return Filter{}, false
	}
	return filterOf(ch, first, opt, paths)
}

// RecheckRule is a rule's query parsed and checked again against cat, as RuleFilter checks it,
// or nil when it does not parse or check: a caller writing one rule's filter several times
// (FilterOf, FilterOfPaths, with other parameter numbers) checks it once.
func RecheckRule(cr *CheckedRule, cat Catalogue) *Checked {
	if cr == nil || cr.Rule == nil {
		return nil
	}
	q, err := Parse(cr.QueryText)
	if err != nil {
		return nil
	}
	ch, err := Check(q, cat)
	if err != nil {
		return nil
	}
	return ch
}
