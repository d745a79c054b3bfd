package sigma

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"trawl/dsl"
)

// File is one rule file: its name (for messages and rule names) and its text.
type File struct {
	Name string
	Src  []byte
}

// ConvertAll converts the rules of several files together, so a correlation rule finds the
// rules it names (by id or name attribute) in its own file first, then in the others. Every
// YAML document gets a Result, in file and document order; a file that cannot be read as YAML
// gets one unsupported Result. Rules that a correlation names, and that it does not generate on
// their own (generate: false, the default), have OnlyIn set: they run only inside it.
func ConvertAll(files []File, opt Options) []Result {
	s := &ruleSet{opt: opt, byRef: map[string][]*setEntry{}}
	for _, f := range files {
		rs, err := ParseAll(f.Name, f.Src)
		if err != nil {
			s.entries = append(s.entries, &setEntry{res: Result{File: f.Name, Name: ruleName(f.Name, ""), Outcome: Unsupported, Reasons: []string{err.Error()}}})
			continue
		}
		for _, r := range rs {
			e := &setEntry{rule: r}
			s.entries = append(s.entries, e)
			for _, ref := range []string{r.ID, r.Name} {
				if ref != "" {
					s.byRef[ref] = append(s.byRef[ref], e)
				}
			}
		}
	}
	for _, e := range s.entries {
		if e.rule == nil {
			continue
		}
		if e.rule.Unsupported != "" {
			e.res = Result{File: e.rule.File, ID: e.rule.ID, Title: e.rule.Title, Name: docName(e.rule), Rule: e.rule, Outcome: Unsupported, Reasons: []string{e.rule.Unsupported}}
			e.done = true
		} else if e.rule.Correlation == nil {
			e.res, e.compiled = convertRule(e.rule, opt)
			e.done = true
		}
	}
	for _, e := range s.entries {
		if e.rule != nil && !e.done {
			s.correlation(e)
		}
	}
	out := make([]Result, len(s.entries))
	for i, e := range s.entries {
		out[i] = e.res
	}
	return out
}

type ruleSet struct {
	opt     Options
	entries []*setEntry
	byRef   map[string][]*setEntry // by id and by name attribute
}

type setEntry struct {
	rule     *Rule
	res      Result
	compiled *compiledRule // a detection rule that runs
	done     bool
	busy     bool // being converted (a correlation naming itself through others)
}

// find resolves a rule reference: an id or name, preferring a rule of the same file.
func (s *ruleSet) find(ref, file string) (*setEntry, error) {
	cands := s.byRef[ref]
	if len(cands) == 0 {
		return nil, fmt.Errorf("the rule %q it names is not among the rules read (give the file that holds it too)", ref)
	}
	var same []*setEntry
	for _, e := range cands {
		if e.rule.File == file {
			same = append(same, e)
		}
	}
	if len(same) == 1 {
		return same[0], nil
	}
	if len(cands) == 1 {
		return cands[0], nil
	}
	return nil, fmt.Errorf("the rule %q it names is ambiguous: %d rules have that id or name", ref, len(cands))
}

// member is one rule a correlation names: a detection rule, or (inside temporal_ordered) an
// event_count correlation over one detection rule, which becomes a counted step.
type member struct {
	ref   string
	e     *setEntry // the detection rule
	names []string  // the names and ids the member answers to in aliases
	count int64     // a counted step: at least this many events (0: one)
}

// correlation converts a correlation rule's entry.
func (s *ruleSet) correlation(e *setEntry) {
	if e.done {
		return
	}
	r := e.rule
	e.res = Result{File: r.File, ID: r.ID, Title: r.Title, Name: docName(r), Rule: r}
	if e.busy {
		e.res.Outcome, e.res.Reasons = Unsupported, []string{"the correlation names itself through the rules it names"}
		return
	}
	e.busy = true
	defer func() {
		e.busy, e.done = false, true
		if p := recover(); p != nil {
			e.res.Outcome, e.res.Reasons, e.res.Checked = Unsupported, []string{fmt.Sprintf("internal error converting the correlation: %v", p)}, nil
		}
	}()
	fail := func(format string, args ...any) {
		e.res.Outcome, e.res.Reasons = Unsupported, []string{fmt.Sprintf(format, args...)}
	}
	co := r.Correlation
	span, err := timespan(co.Timespan)
	if err != nil {
		fail("%v", err)
		return
	}
	c := &converter{rule: r, opt: s.opt}
	var members []*member
	for _, ref := range co.Rules {
		x, err := s.find(ref, r.File)
		if err != nil {
			fail("%v", err)
			return
		}
		m := &member{ref: ref, names: []string{ref, x.rule.Name, x.rule.ID}}
		if x.rule.Unsupported != "" {
			fail("the rule %q it names is unsupported: %s", ref, x.rule.Unsupported)
			return
		}
		if x.rule.Correlation != nil {
			s.correlation(x)
			inner := x.rule.Correlation
			cnt, why := chainable(co, inner)
			if why != "" {
				fail("it names the correlation %q (%s), which cannot be used here: %s", ref, inner.Type, why)
				return
			}
			base, err := s.find(inner.Rules[0], x.rule.File)
			if err != nil {
				fail("the correlation %q it names: %v", ref, err)
				return
			}
			m.count, m.e = cnt, base
			m.names = append(m.names, base.rule.Name, base.rule.ID, inner.Rules[0])
			if shorter(inner.Timespan, co.Timespan) {
				c.partialf("the %d events of %q must fall within this rule's timespan (%s), with the rest of the sequence; that they fall within %q's own shorter timespan (%s) is not checked", cnt, ref, co.Timespan, ref, inner.Timespan)
			} else {
				c.comments = append(c.comments, fmt.Sprintf("note: the %d events of %q and the rest of the sequence all fall within %s (so within %q's own timespan, %s)", cnt, ref, co.Timespan, ref, inner.Timespan))
			}
			markOnlyIn(x, r, co.Generate)
		} else {
			m.e = x
		}
		if m.e.rule.Correlation != nil {
			fail("the correlation %q it names refers to another correlation, which is not supported", ref)
			return
		}
		if m.e.compiled == nil {
			fail("the rule %q it names does not compile: %s", ref, strings.Join(m.e.res.Reasons, "; "))
			return
		}
		for _, p := range m.e.res.Reasons {
			c.partialf("rule %q: %s", ref, p)
		}
		markOnlyIn(m.e, r, co.Generate)
		c.attack = append(c.attack, m.e.rule.Tags...)
		members = append(members, m)
	}
	q, err := s.correlationQuery(c, co, span, members)
	if err != nil {
		fail("%v", err)
		return
	}
	e.res.Reasons = c.partial
	if len(c.partial) > 0 {
		e.res.Outcome = Partial
	}
	finish(&e.res, c.ruleText(e.res.Name, q), s.opt)
}

// shorter says whether the time span a is shorter than b (both valid).
func shorter(a, b string) bool {
	return spanSeconds(a) < spanSeconds(b)
}

// spanUnit is the length in seconds of each unit timespan accepts (and the list of them).
var spanUnit = map[byte]int64{'s': 1, 'm': 60, 'h': 3600, 'd': 86400, 'w': 604800}

func spanSeconds(s string) int64 {
	n, _ := strconv.ParseInt(s[:len(s)-1], 10, 64)
	return n * spanUnit[s[len(s)-1]]
}

// markOnlyIn records that a correlation runs x, so x does not run on its own unless the
// correlation generates it.
func markOnlyIn(x *setEntry, corr *Rule, generate bool) {
	if generate {
		return
	}
	n := docName(corr)
	if !slices.Contains(x.res.OnlyIn, n) {
		x.res.OnlyIn = append(x.res.OnlyIn, n)
	}
}

// chainable says whether inner, a correlation named by outer, can be one counted step of
// outer's sequence: an event_count over one rule with a lower bound, grouped as outer. It
// returns the count, or why not.
func chainable(outer, inner *Correlation) (int64, string) {
	if outer.Type != "temporal_ordered" {
		return 0, "only temporal_ordered can name another correlation (an event_count, as a counted step)"
	}
	if inner.Type != "event_count" {
		return 0, "is not an event_count (only an event_count can be a step of temporal_ordered)"
	}
	if len(inner.Rules) != 1 {
		return 0, "names several rules (a step counts the events of one rule)"
	}
	if len(inner.Cond) != 1 || (inner.Cond[0].Op != "gte" && inner.Cond[0].Op != "gt") {
		return 0, "has a condition other than gte or gt (a step counts at least N events)"
	}
	a, b := slices.Clone(outer.GroupBy), slices.Clone(inner.GroupBy)
	slices.Sort(a)
	slices.Sort(b)
	if !slices.Equal(a, b) {
		return 0, "groups by other fields than this rule"
	}
	n, err := strconv.ParseInt(inner.Cond[0].Value, 10, 64)
	if err != nil {
		return 0, "has a count that is not a whole number"
	}
	if inner.Cond[0].Op == "gt" {
		n++
	}
	if n < 1 || n > 10000 {
		return 0, "counts outside 1 to 10000 events"
	}
	return n, ""
}

// fieldOf is the trawl field (an expression of the language) and its type for a Sigma field of
// the correlation (a group-by field or alias, or the condition's field) in a member's events.
func fieldOf(co *Correlation, m *member, field string) (target, error) {
	name := field
	if al, ok := co.Aliases[field]; ok {
		name = ""
		for _, n := range m.names {
			if f, ok := al[n]; ok && n != "" {
				name = f
				break
			}
		}
		if name == "" {
			return target{}, fmt.Errorf("the alias %s names no field for the rule %q", field, m.ref)
		}
	}
	cv := m.e.compiled.c
	return cv.target(name), nil
}

// fieldsOf is fieldOf for each member, in order.
func fieldsOf(co *Correlation, members []*member, field string) ([]target, error) {
	ts := make([]target, len(members))
	for i, m := range members {
		t, err := fieldOf(co, m, field)
		if err != nil {
			return nil, err
		}
		ts[i] = t
	}
	return ts, nil
}

// mixedTypes says whether the members' values are not all of one type (then they are compared
// as text).
func mixedTypes(ts []target) bool {
	for _, t := range ts[1:] {
		if t.typ != ts[0].typ {
			return true
		}
	}
	return false
}

// keyName is the column name of a group-by field: its name made an identifier of the language,
// different from the names in taken.
func keyName(field string, taken map[string]bool) string {
	n := strings.Trim(nonIdent.ReplaceAllString(field, "_"), "_")
	if n == "" || n[0] >= '0' && n[0] <= '9' || dsl.IsKeyword(n) || strings.HasPrefix(n, "__") {
		n = "by_" + n
	}
	base := n
	for i := 2; taken[n]; i++ {
		n = base + "_" + strconv.Itoa(i)
	}
	taken[n] = true
	return n
}

// perMember writes one value per member as one expression: the value itself when every member
// has the same, else if(rule 1's condition, its value, if(..., ...)). Values of different types
// are compared as text.
func perMember(ts []target, conds []string) string {
	same := true
	for _, t := range ts[1:] {
		if t.expr != ts[0].expr {
			same = false
		}
	}
	if same {
		return ts[0].expr
	}
	mixed := mixedTypes(ts)
	val := func(t target) string {
		if mixed {
			return t.text()
		}
		return t.expr
	}
	out := val(ts[len(ts)-1])
	for i := len(ts) - 2; i >= 0; i-- {
		out = "if(" + conds[i] + ", " + val(ts[i]) + ", " + out + ")"
	}
	return out
}

// number is a field as a number: number columns as they are, text read with number().
func number(t target) string {
	if t.typ == dsl.TypeInt || t.typ == dsl.TypeFloat {
		return t.expr
	}
	return "number(" + t.text() + ")"
}

// correlationQuery writes the query of a correlation over its members.
func (s *ruleSet) correlationQuery(c *converter, co *Correlation, span string, members []*member) (string, error) {
	var refs []string
	for _, m := range members {
		refs = append(refs, m.ref)
	}
	summary := fmt.Sprintf("correlation: %s of %s", co.Type, strings.Join(refs, ", "))
	if len(co.GroupBy) > 0 {
		summary += "; group-by " + strings.Join(co.GroupBy, ", ")
	}
	summary += "; timespan " + co.Timespan
	if len(co.Cond) > 0 {
		var cs []string
		for _, t := range co.Cond {
			cs = append(cs, t.Op+" "+t.Value)
		}
		summary += "; condition " + strings.Join(cs, " and ")
	}
	if len(co.Field) > 0 {
		summary += " on " + strings.Join(co.Field, ", ")
	}
	if co.Percentile >= 0 {
		summary += fmt.Sprintf(" (percentile %d)", co.Percentile)
	}
	c.comments = append([]string{summary}, c.comments...)
	if co.Type == "temporal_ordered" {
		return sequenceQuery(c, co, span, members)
	}
	for _, m := range members {
		if m.count > 0 {
			return "", fmt.Errorf("%s cannot count the events of a correlation", co.Type)
		}
	}
	// The events of every member: one source when they share it, else every event with each
	// member's category in its condition.
	shared := true
	for _, m := range members[1:] {
		if m.e.compiled.source != members[0].e.compiled.source {
			shared = false
		}
	}
	conds := make([]string, len(members))
	for i, m := range members {
		conds[i] = m.e.compiled.cond(!shared)
	}
	var b strings.Builder
	switch {
	case len(members) == 1:
		cr := members[0].e.compiled
		b.WriteString(cr.source)
		if cr.where != "" {
			b.WriteString("\n    | where " + cr.where)
		}
		b.WriteString("\n    | where " + cr.match)
	case shared:
		b.WriteString(members[0].e.compiled.source)
	default:
		b.WriteString("events")
	}
	if len(members) > 1 {
		b.WriteString("\n    | where (" + strings.Join(conds, ")\n        or (") + ")")
	}
	taken := map[string]bool{"window_start": true}
	var keys, keyNames []string
	for _, g := range co.GroupBy {
		ts, err := fieldsOf(co, members, g)
		if err != nil {
			return "", err
		}
		name := keyName(g, taken)
		keyNames = append(keyNames, name)
		keys = append(keys, perMember(ts, conds)+" as "+name)
	}
	var aggs, tests []string
	switch co.Type {
	case "temporal":
		// One column per member counting its events.
		flags := make([]string, len(members))
		var evals []string
		for i, m := range members {
			flags[i] = keyName("rule_"+nonIdent.ReplaceAllString(cmp.Or(m.e.rule.Name, m.ref), "_"), taken)
			evals = append(evals, flags[i]+" = if("+conds[i]+", 1, 0)")
			aggs = append(aggs, "sum("+flags[i]+") as "+flags[i])
		}
		b.WriteString("\n    | eval " + strings.Join(evals, ", "))
		if len(co.Cond) == 0 {
			for _, f := range flags {
				tests = append(tests, f+" > 0")
			}
		} else {
			var n []string
			for _, f := range flags {
				n = append(n, "if("+f+" > 0, 1, 0)")
			}
			for _, t := range co.Cond {
				tests = append(tests, strings.Join(n, " + ")+" "+condOps[t.Op]+" "+t.Value)
			}
		}
		c.comments = append(c.comments, "note: the rules' events are counted in windows of "+span+" aligned on the clock (as Sigma backends bin them), so events in two windows are not correlated")
	default:
		agg, name := "count()", co.Type
		if co.Type != "event_count" {
			if len(co.Field) != 1 {
				return "", fmt.Errorf("%s over several fields (%s) is not supported: name one field", co.Type, strings.Join(co.Field, ", "))
			}
			ts, err := fieldsOf(co, members, co.Field[0])
			if err != nil {
				return "", err
			}
			nums := make([]target, len(ts))
			for i, t := range ts {
				nums[i] = target{number(t), dsl.TypeFloat}
			}
			switch co.Type {
			case "value_count":
				agg = "dcount(" + perMember(ts, conds) + ")"
			case "value_sum":
				agg = "sum(" + perMember(nums, conds) + ")"
			case "value_avg":
				agg = "avg(" + perMember(nums, conds) + ")"
			case "value_median":
				agg = "percentile(" + perMember(nums, conds) + ", 50)"
			case "value_percentile":
				if co.Percentile < 0 {
					return "", fmt.Errorf("value_percentile needs the percentile in its condition (percentile: 95, as pySigma reads it); the specification's example gives none")
				}
				agg = "percentile(" + perMember(nums, conds) + ", " + strconv.Itoa(co.Percentile) + ")"
			}
		}
		name = keyName(name, taken)
		aggs = append(aggs, agg+" as "+name)
		for _, t := range co.Cond {
			tests = append(tests, name+" "+condOps[t.Op]+" "+t.Value)
		}
		c.comments = append(c.comments, "note: events are counted in windows of "+span+" aligned on the clock (as Sigma backends bin them), so a burst across two windows is counted in each")
	}
	b.WriteString("\n    | stats " + strings.Join(aggs, ", "))
	if len(keys) > 0 {
		b.WriteString(" by " + strings.Join(keys, ", "))
	}
	b.WriteString(" window " + span)
	var where []string
	for _, k := range keyNames {
		where = append(where, k+" is not null")
	}
	where = append(where, tests...)
	b.WriteString("\n    | where " + strings.Join(where, " and "))
	return b.String(), nil
}

// sequenceQuery writes a temporal_ordered correlation as a sequence: one step per rule, in
// order, joined on the group-by fields.
func sequenceQuery(c *converter, co *Correlation, span string, members []*member) (string, error) {
	if len(co.Cond) > 0 && !(len(co.Cond) == 1 && co.Cond[0].Op == "gte" && co.Cond[0].Value == strconv.Itoa(len(members))) {
		return "", fmt.Errorf("temporal_ordered with a condition other than all its rules (gte: %d) is not supported", len(members))
	}
	keys := make([][]target, len(members))
	for _, g := range co.GroupBy {
		ts, err := fieldsOf(co, members, g)
		if err != nil {
			return "", err
		}
		mixed := mixedTypes(ts)
		for i, t := range ts {
			if mixed {
				t = target{t.text(), dsl.TypeString}
			}
			keys[i] = append(keys[i], t)
		}
	}
	taken := map[string]bool{"first": true, "last": true, "evidence": true}
	var names []string
	for _, g := range co.GroupBy {
		names = append(names, keyName(g, taken))
	}
	var b strings.Builder
	b.WriteString("sequence within " + span)
	for i, m := range members {
		cr := m.e.compiled
		b.WriteString("\n      ")
		if i > 0 {
			b.WriteString("then ")
		}
		b.WriteString("[" + cr.source + " where " + cr.cond(false) + "]")
		if len(keys[i]) > 0 {
			var ks []string
			for j, t := range keys[i] {
				k := t.expr
				if i == 0 {
					k += " as " + names[j]
				}
				ks = append(ks, k)
			}
			b.WriteString(" by " + strings.Join(ks, ", "))
		}
		if m.count > 0 {
			b.WriteString(" with count >= " + strconv.FormatInt(m.count, 10))
		}
	}
	return b.String(), nil
}
