package dsl

import (
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Compiled is a query ready for DuckDB: SQL with $1..$n placeholders, the values to bind to
// them, and the columns it returns.
type Compiled struct {
	SQL     string
	Args    []any
	Columns []Column
	// EvidenceSQL is the same query returning one column, evidence (BIGINT[]): the ids of the
	// events behind each result row, with the same Args. It is "" when the query loses them
	// (e.g. fields drops id). Rules run it to write alerts.
	EvidenceSQL string
	// EventRows says each result row is one event (a filter query), so alerts group rows;
	// otherwise each row (a stats, rare or sequence row) is one alert.
	EventRows bool
	// Measure says the rows carry an anomaly measure: the query's last analytic stage is
	// outlier, rare, beacon or first_seen and its measure column is still there. nil otherwise.
	Measure *Measure
	// MeasureSQL is EvidenceSQL with a second column, measure, holding Measure.Column's value
	// (NULL for first_seen, which has no column). "" when Measure is nil or EvidenceSQL is "".
	MeasureSQL string
}

// Measure is how unusual an anomaly stage found each row, and where that is.
type Measure struct {
	// Kind is "zscore" or "mad" (outlier: its score), "rarity" (rare: the count of the
	// combination, smaller is rarer), "regularity" (beacon: its score, 1 - jitter) or
	// "first_seen" (the value was never seen before for its key; no column).
	Kind string
	// Column is the output column holding it: score, count, or "" for first_seen.
	Column string
}

// Options adjust compilation.
type Options struct {
	// Since, when set, limits every read of the events table to events at or after it.
	Since time.Time
}

// Evidence modes: how the current rows name the events behind them.
const (
	evNone = iota // lost
	evRows        // each row is an event: its id column
	evList        // a list column of event ids (c.evCol)
)

// EvidenceColumn is the hidden column of event ids the compiler carries through stats and rare.
const EvidenceColumn = "__evidence"

// Build parses, checks and compiles src against cat. Errors are Errors with spans; render them
// with FormatError. A panic anywhere inside is recovered into an internal error.
func Build(src string, cat Catalogue) (out *Compiled, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, Errors{{Stage: "compile", Span: spanAt(src, 0, 0), Msg: fmt.Sprintf("internal error: %v", r), Hint: "please report this query"}}
		}
	}()
	q, err := Parse(src)
	if err != nil {
		return nil, err
	}
	ch, err := Check(q, cat)
	if err != nil {
		return nil, err
	}
	return Compile(ch)
}

// Compile turns a checked query into SQL: one common table expression per pipeline stage, then
// a final SELECT in the query's order. Every value written in the query is a bound parameter.
func Compile(ch *Checked) (out *Compiled, err error) {
	return CompileWith(ch, Options{})
}

// CompileWith is Compile with options.
func CompileWith(ch *Checked, opt Options) (out *Compiled, err error) {
	if ch == nil || ch.Query == nil {
		return nil, errors.New("dsl: Compile needs a checked query")
	}
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, Errors{{Stage: "compile", Span: ch.Query.Span, Msg: fmt.Sprintf("internal error: %v", r), Hint: "please report this query"}}
		}
	}()
	c := &compiler{ch: ch, opt: opt}
	q := ch.Query
	if q.Sequence != nil {
		c.sequence(q.Sequence)
	} else {
		c.source(q.Source)
	}
	for _, st := range q.Stages {
		c.stage(st)
	}
	var b strings.Builder
	b.WriteString("WITH\n")
	for i, cte := range c.ctes {
		if i > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, "%s AS (\n  %s\n)", cte.name, cte.body)
	}
	with := b.String()
	out = &Compiled{Args: c.args, Columns: ch.Columns}
	evSel := ""
	switch c.ev {
	case evRows:
		evSel = "\nSELECT [" + quoteIdent("id") + "] AS " + quoteIdent("evidence")
		out.EventRows = true
	case evList:
		evSel = "\nSELECT " + quoteIdent(c.evCol) + " AS " + quoteIdent("evidence")
		out.EventRows = c.perEvent
	}
	if evSel != "" {
		out.EvidenceSQL = with + evSel + " FROM " + c.prev
		if m := c.measure; m != nil && (m.Column == "" || c.has(m.Column)) {
			col := "NULL"
			if m.Column != "" {
				col = quoteIdent(m.Column)
			}
			out.Measure = m
			out.MeasureSQL = with + evSel + ", " + col + " AS " + quoteIdent("measure") + " FROM " + c.prev
		}
	}
	b.WriteString("\nSELECT *")
	if len(c.hidden) > 0 {
		b.WriteString(" EXCLUDE (" + strings.Join(quoteAll(c.hidden), ", ") + ")")
	}
	b.WriteString(" FROM " + c.prev)
	if len(c.order) > 0 {
		b.WriteString(" ORDER BY " + c.orderBy())
	}
	out.SQL = b.String()
	return out, nil
}

type cte struct{ name, body string }

type orderKey struct {
	name string
	desc bool
}

type compiler struct {
	ch    *Checked
	opt   Options
	ev    int    // evidence mode: evNone, evRows or evList
	evCol string // the evidence list column in evList mode
	// perEvent says each row is still one event (no stats, rare or sequence yet).
	perEvent bool
	args     []any
	ctes     []cte
	prev     string     // name of the latest CTE
	cols     []string   // columns of prev
	order    []orderKey // the order rows are in, applied by head, dedup and the final SELECT
	hidden   []string   // columns of prev kept only to remember the order, dropped at the end
	measure  *Measure   // the anomaly measure of the rows, from the last analytic stage; nil none
	// paths, when set, turns every read of a JSON path into a column of the path table it names
	// (FilterOfPaths), instead of json_extract_string on the record.
	paths *PathColumns
}

func quoteAll(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = quoteIdent(n)
	}
	return out
}

func (c *compiler) param(v any) string {
	c.args = append(c.args, v)
	return "$" + strconv.Itoa(len(c.args))
}

func (c *compiler) add(body string) {
	name := "s" + strconv.Itoa(len(c.ctes)+1)
	c.ctes = append(c.ctes, cte{name, body})
	c.prev = name
}

func (c *compiler) has(col string) bool {
	for _, n := range c.cols {
		if n == col {
			return true
		}
	}
	return false
}

func (c *compiler) orderBy() string {
	parts := make([]string, len(c.order))
	for i, k := range c.order {
		parts[i] = quoteIdent(k.name)
		if k.desc {
			parts[i] += " DESC"
		}
	}
	return strings.Join(parts, ", ")
}

func (c *compiler) source(s *Source) {
	c.cols = nil
	for _, col := range c.catalogue() {
		c.cols = append(c.cols, col.Name)
	}
	body := "SELECT * FROM " + c.table()
	var conds []string
	if s.Category != AllEvents {
		conds = append(conds, quoteIdent("category")+" = "+c.param(categoryValue(s.Category)))
	}
	conds = append(conds, c.sinceConds()...)
	if len(conds) > 0 {
		body += " WHERE " + strings.Join(conds, " AND ")
	}
	c.add(body)
	c.defaultOrder()
	c.ev = evNone
	if c.has("id") {
		c.ev = evRows
	}
	c.perEvent = true
}

// sinceConds limits a read of the events table to Options.Since.
func (c *compiler) sinceConds() []string {
	if c.opt.Since.IsZero() {
		return nil
	}
	return []string{quoteIdent("time") + " >= " + c.param(c.opt.Since.UTC())}
}

// evidenceAgg is the aggregate that gathers the evidence of grouped rows, or "" when the rows
// have none.
func (c *compiler) evidenceAgg() string {
	switch c.ev {
	case evRows:
		return "list(" + quoteIdent("id") + " ORDER BY " + quoteIdent("id") + ") AS " + quoteIdent(EvidenceColumn)
	case evList:
		return "list_sort(list_distinct(flatten(list(" + quoteIdent(c.evCol) + ")))) AS " + quoteIdent(EvidenceColumn)
	}
	return ""
}

// keepEvidence saves the evidence in the hidden column before eval overwrites the column that
// holds it (id of event rows, or a sequence's evidence), so an alert still names its events.
func (c *compiler) keepEvidence(name string) {
	switch {
	case c.ev == evRows && name == "id":
		c.add("SELECT *, [" + quoteIdent("id") + "] AS " + quoteIdent(EvidenceColumn) + " FROM " + c.prev)
	case c.ev == evList && name == c.evCol && c.evCol != EvidenceColumn:
		c.add("SELECT *, " + quoteIdent(c.evCol) + " AS " + quoteIdent(EvidenceColumn) + " FROM " + c.prev)
	default:
		return
	}
	c.ev, c.evCol = evList, EvidenceColumn
	c.cols = append(c.cols, EvidenceColumn)
	c.hidden = append(c.hidden, EvidenceColumn)
}

// grouped records that an aggregating stage carried the evidence as the hidden column (when
// agg, from evidenceAgg, is not empty).
func (c *compiler) grouped(agg string) {
	c.perEvent = false
	if agg == "" {
		c.ev = evNone
		return
	}
	c.ev, c.evCol = evList, EvidenceColumn
	c.cols = append(c.cols, EvidenceColumn)
	c.hidden = append(c.hidden, EvidenceColumn)
}

func (c *compiler) catalogue() []Column {
	// The source columns are the schema before any stage ran: recover them from the checker's
	// view of the catalogue, which Check copied from cat.Columns().
	return c.ch.sourceCols
}

func (c *compiler) defaultOrder() {
	c.order = nil
	for _, n := range []string{"time", "id"} {
		if c.has(n) {
			c.order = append(c.order, orderKey{name: n})
		}
	}
}

func (c *compiler) stage(st Stage) {
	c.trackMeasure(st)
	switch s := st.(type) {
	case *Where:
		c.add("SELECT * FROM " + c.prev + " WHERE " + c.expr(s.Cond))
	case *Stats:
		c.stats(s)
	case *Eval:
		for _, a := range s.Assigns {
			c.keepEvidence(a.Name.Name)
			e := c.expr(a.Expr)
			if c.has(a.Name.Name) {
				c.add("SELECT * REPLACE (" + e + " AS " + quoteIdent(a.Name.Name) + ") FROM " + c.prev)
			} else {
				c.add("SELECT *, " + e + " AS " + quoteIdent(a.Name.Name) + " FROM " + c.prev)
				c.cols = append(c.cols, a.Name.Name)
			}
		}
	case *Fields:
		c.fields(s)
	case *Sort:
		// No CTE of its own: the order is applied where it matters (head, dedup, the end), so
		// rows are sorted once. Earlier order keys break ties, which makes sort stable.
		var order []orderKey
		seen := map[string]bool{}
		for _, k := range s.Keys {
			if !seen[k.Name.Name] {
				order = append(order, orderKey{name: k.Name.Name, desc: k.Desc})
				seen[k.Name.Name] = true
			}
		}
		for _, k := range c.order {
			if !seen[k.name] && c.has(k.name) {
				order = append(order, k)
			}
		}
		c.order = order
	case *Head:
		body := "SELECT * FROM " + c.prev
		if len(c.order) > 0 {
			body += " ORDER BY " + c.orderBy()
		}
		c.add(body + " LIMIT " + c.param(s.N.Value))
	case *Dedup:
		keys := make([]string, len(s.Names))
		for i, n := range s.Names {
			keys[i] = quoteIdent(n.Name)
		}
		over := "PARTITION BY " + strings.Join(keys, ", ")
		if len(c.order) > 0 {
			over += " ORDER BY " + c.orderBy()
		}
		c.add("SELECT * FROM " + c.prev + " QUALIFY row_number() OVER (" + over + ") = 1")
	case *Rare:
		c.rare(s)
	case *Outlier:
		c.outlier(s)
	case *Beacon:
		c.beacon(s)
	case *Lookup:
		c.lookup(s)
	case *FirstSeen:
		keys := quoteAll(identNames(s.By))
		all := append(append([]string(nil), keys...), quoteAll(identNames(s.Names))...)
		order := quoteIdent("time")
		if c.has("id") {
			order += ", " + quoteIdent("id")
		}
		cond := "row_number() OVER (PARTITION BY " + strings.Join(all, ", ") + " ORDER BY " + order + ") = 1"
		if len(keys) > 0 {
			cond += " AND row_number() OVER (PARTITION BY " + strings.Join(keys, ", ") + " ORDER BY " + order + ") > 1"
		} else {
			cond += " AND row_number() OVER (ORDER BY " + order + ") > 1"
		}
		notNull := []string{quoteIdent("time") + " IS NOT NULL"}
		for _, n := range all {
			notNull = append(notNull, n+" IS NOT NULL")
		}
		c.add("SELECT * FROM " + c.prev + " WHERE " + strings.Join(notNull, " AND ") + " QUALIFY " + cond)
	}
}

// trackMeasure records which column holds the rows' anomaly measure after st: an analytic
// stage sets it, an aggregation or a sequence loses it, eval over its column or fields without
// it (checked at the end) drop it; where, sort, head, dedup and lookup keep it.
func (c *compiler) trackMeasure(st Stage) {
	switch s := st.(type) {
	case *Outlier:
		kind := "zscore"
		if s.Method != nil && s.Method.Name == "mad" {
			kind = "mad"
		}
		c.measure = &Measure{Kind: kind, Column: "score"}
	case *Rare:
		c.measure = &Measure{Kind: "rarity", Column: "count"}
	case *Beacon:
		c.measure = &Measure{Kind: "regularity", Column: "score"}
	case *FirstSeen:
		c.measure = &Measure{Kind: "first_seen"}
	case *Stats:
		c.measure = nil
	case *Eval:
		for _, a := range s.Assigns {
			if c.measure != nil && a.Name.Name == c.measure.Column {
				c.measure = nil
			}
		}
	case *Fields:
		if c.measure != nil && c.measure.Column != "" && slices.ContainsFunc(s.Names, func(n *Ident) bool { return n.Name == c.measure.Column }) == s.Drop {
			c.measure = nil
		}
	}
}

// fields keeps or drops columns. When the columns that define the current order go, the order
// is kept as a hidden row number, so head, dedup and the final SELECT can still use it.
func (c *compiler) fields(s *Fields) {
	named := map[string]bool{}
	for _, n := range s.Names {
		named[n.Name] = true
	}
	var keep []string
	if s.Drop {
		for _, col := range c.cols {
			if !named[col] {
				keep = append(keep, col)
			}
		}
	} else {
		for _, n := range s.Names {
			keep = append(keep, n.Name)
		}
	}
	kept := map[string]bool{}
	for _, k := range keep {
		kept[k] = true
	}
	var hidden []string
	if s.Drop {
		hidden = c.hidden // SELECT * EXCLUDE keeps them
	}
	var extra []string
	lost := false
	for _, k := range c.order {
		if !kept[k.name] {
			lost = true
		}
	}
	// The evidence survives fields: the id column of event rows becomes a hidden list, and a
	// list column not kept stays as a hidden one.
	switch {
	case c.ev == evRows && !kept["id"]:
		extra = append(extra, "["+quoteIdent("id")+"] AS "+quoteIdent(EvidenceColumn))
		hidden = append(hidden, EvidenceColumn)
		c.ev, c.evCol = evList, EvidenceColumn
	case c.ev == evList && !kept[c.evCol] && !(s.Drop && !named[c.evCol]):
		extra = append(extra, quoteIdent(c.evCol)+" AS "+quoteIdent(EvidenceColumn))
		if !slices.Contains(hidden, EvidenceColumn) {
			hidden = append(hidden, EvidenceColumn)
		}
		c.evCol = EvidenceColumn
	}
	if lost {
		name := "__order" + strconv.Itoa(len(c.ctes)+1)
		extra = append(extra, "row_number() OVER (ORDER BY "+c.orderBy()+") AS "+quoteIdent(name))
		c.order = []orderKey{{name: name}}
		hidden = append(hidden, name)
	}
	var sel string
	if s.Drop {
		sel = "SELECT * EXCLUDE (" + strings.Join(quoteAll(identNames(s.Names)), ", ") + ")"
	} else {
		sel = "SELECT " + strings.Join(quoteAll(keep), ", ")
	}
	for _, e := range extra {
		sel += ", " + e
	}
	c.add(sel + " FROM " + c.prev)
	c.cols = append(keep, hidden...)
	c.hidden = hidden
}

// identNames lists the names in the order written.
func identNames(names []*Ident) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = n.Name
	}
	return out
}

// rare counts each combination and orders the least frequent first.
func (c *compiler) rare(s *Rare) {
	names := append(identNames(s.By), identNames(s.Names)...)
	sel := quoteAll(names)
	group := make([]string, len(names))
	for i := range names {
		group[i] = strconv.Itoa(i + 1)
	}
	sel = append(sel, "count(*) AS "+quoteIdent("count"))
	hasTime := c.has("time")
	if hasTime {
		sel = append(sel, "min("+quoteIdent("time")+") AS "+quoteIdent("first"), "max("+quoteIdent("time")+") AS "+quoteIdent("last"))
	}
	agg := c.evidenceAgg()
	if agg != "" {
		sel = append(sel, agg)
	}
	c.add("SELECT " + strings.Join(sel, ", ") + " FROM " + c.prev + " GROUP BY " + strings.Join(group, ", "))
	c.order = []orderKey{{name: "count"}}
	for _, n := range names {
		c.order = append(c.order, orderKey{name: n})
	}
	c.cols = append(names, "count")
	if hasTime {
		c.cols = append(c.cols, "first", "last")
	}
	c.hidden = nil
	c.grouped(agg)
}

func (c *compiler) stats(s *Stats) {
	var sel, group []string
	c.order, c.hidden = nil, nil
	var cols []string
	from := c.prev
	if s.Window != nil {
		size := "to_microseconds(" + c.param(s.Window.Value.(time.Duration).Microseconds()) + ")"
		w := "time_bucket(" + size + ", " + quoteIdent("time") + ")"
		if s.Every != nil {
			// Sliding windows: each row joins every window [start, start + size) holding it,
			// the starts being multiples of the step.
			hop := "to_microseconds(" + c.param(s.Every.Value.(time.Duration).Microseconds()) + ")"
			last := "time_bucket(" + hop + ", " + quoteIdent("time") + ")"
			from = "(SELECT *, unnest(generate_series(" + last + " - " + size + " + " + hop + ", " + last + ", " + hop + ")) AS " + quoteIdent("__window") + " FROM " + c.prev + ")"
			w = quoteIdent("__window")
		}
		sel = append(sel, w+" AS "+quoteIdent("window_start"))
		group = append(group, strconv.Itoa(len(sel)))
		cols = append(cols, "window_start")
	}
	for _, k := range s.By {
		sel = append(sel, c.expr(k.Expr)+" AS "+quoteIdent(k.Name))
		group = append(group, strconv.Itoa(len(sel)))
		cols = append(cols, k.Name)
	}
	for _, name := range cols {
		c.order = append(c.order, orderKey{name: name})
	}
	for _, a := range s.Aggs {
		sel = append(sel, c.call(a.Call)+" AS "+quoteIdent(a.Name))
		cols = append(cols, a.Name)
	}
	agg := c.evidenceAgg()
	if agg != "" {
		sel = append(sel, agg)
	}
	body := "SELECT " + strings.Join(sel, ", ") + " FROM " + from
	if len(group) > 0 {
		body += " GROUP BY " + strings.Join(group, ", ")
	}
	c.add(body)
	c.cols = cols
	c.grouped(agg)
}

// value is the Go value a literal binds as.
func value(l *Literal) any {
	if l.Coerced != nil {
		return l.Coerced
	}
	switch v := l.Value.(type) {
	case netip.Addr:
		return v.Unmap().String()
	case time.Duration:
		return v.Microseconds()
	}
	return l.Value
}

func (c *compiler) expr(e Expr) string {
	switch x := e.(type) {
	case *Literal:
		if x.Kind == LitNull {
			return "NULL"
		}
		return c.param(value(x))
	case *FieldRef:
		if len(x.Path) > 0 && c.paths != nil {
			return quoteIdent(c.paths.column(x.Name, jsonPath(x.Path)))
		}
		if len(x.Path) > 0 {
			return "json_extract_string(" + quoteIdent(x.Name) + ", " + c.param(jsonPath(x.Path)) + ")"
		}
		return quoteIdent(x.Name)
	case *Call:
		return c.call(x)
	case *Unary:
		return "(-" + c.expr(x.X) + ")"
	case *Binary:
		l, r := c.expr(x.L), c.expr(x.R)
		switch x.Op {
		case "and":
			return "(" + l + " AND " + r + ")"
		case "or":
			return "(" + l + " OR " + r + ")"
		case "==":
			return "(" + l + " = " + r + ")"
		case "!=":
			return "(" + l + " IS DISTINCT FROM " + r + ")"
		case "=~":
			return "(" + c.lower(l) + " = " + c.lower(r) + ")"
		case "!~":
			return "(" + c.lower(l) + " IS DISTINCT FROM " + c.lower(r) + ")"
		case "<", "<=", ">", ">=", "+", "-", "*", "/", "%":
			return "(" + l + " " + x.Op + " " + r + ")"
		}
		panic("unknown operator " + x.Op)
	case *Not:
		return "(NOT coalesce(" + c.expr(x.X) + ", false))"
	case *In:
		return c.negate(x.Not, c.in(x))
	case *InCIDR:
		return c.negate(x.Not, c.cidr(c.expr(x.X), x.CIDR))
	case *StrMatch:
		return c.strMatch(x)
	case *Regex:
		return "regexp_matches(" + c.expr(x.X) + ", " + c.param(x.Pattern.Value) + ")"
	case *IsNull:
		if x.Not {
			return "(" + c.expr(x.X) + " IS NOT NULL)"
		}
		return "(" + c.expr(x.X) + " IS NULL)"
	}
	panic(fmt.Sprintf("unknown expression %T", e))
}

func (c *compiler) negate(not bool, cond string) string {
	if not {
		return "(NOT coalesce(" + cond + ", false))"
	}
	return cond
}

func (c *compiler) call(x *Call) string {
	f := funcs[strings.ToLower(x.Name.Name)]
	args := make([]string, len(x.Args))
	types := make([]Type, len(x.Args))
	for i, a := range x.Args {
		types[i] = c.ch.types[a]
		if i == f.Const-1 {
			// A checked whole number (Check refused anything else) that DuckDB needs as a constant.
			args[i] = strconv.FormatInt(a.(*Literal).Value.(int64), 10)
			continue
		}
		args[i] = c.expr(a)
	}
	return f.SQL(args, types)
}

func (c *compiler) in(x *In) string {
	lhs := c.expr(x.X)
	if x.Fold {
		lhs = c.lower(lhs)
	}
	var items, cidrs []string
	for _, it := range x.List {
		if lit, ok := it.(*Literal); ok && lit.Kind == LitCIDR {
			cidrs = append(cidrs, c.cidr(lhs, lit))
			continue
		}
		if e, ok := it.(*Expansion); ok {
			for _, v := range e.Values {
				p := c.param(v.Value)
				if x.Fold {
					p = "lower(" + p + ")"
				}
				items = append(items, p)
			}
			continue
		}
		v := c.expr(it)
		if x.Fold {
			v = "lower(" + v + ")"
		}
		items = append(items, v)
	}
	var parts []string
	if len(items) > 0 {
		parts = append(parts, "("+lhs+" IN ("+strings.Join(items, ", ")+"))")
	}
	parts = append(parts, cidrs...)
	if len(parts) == 1 {
		return parts[0]
	}
	return "(" + strings.Join(parts, " OR ") + ")"
}

// ipv4Pattern guards the octet arithmetic in cidr when no whole octet is fixed.
const ipv4Pattern = `[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}`

// cidr tests whether the IPv4 address text x (stored in canonical dotted-quad form) lies in the
// literal's network. The whole octets the network fixes are a text prefix ("10.1."), which DuckDB
// tests fast; a partly fixed octet is compared as a number with its range. All bounds are
// bound parameters.
func (c *compiler) cidr(x string, lit *Literal) string {
	p := lit.Value.(netip.Prefix).Masked()
	if !p.Addr().Is4() {
		return c.cidr6(x, p)
	}
	a := p.Addr().As4()
	whole, rest := p.Bits()/8, p.Bits()%8
	var conds []string
	if whole == 4 {
		return "(" + x + " = " + c.param(p.Addr().String()) + ")"
	}
	if whole > 0 {
		var prefix strings.Builder
		for i := range whole {
			prefix.WriteString(strconv.Itoa(int(a[i])) + ".")
		}
		conds = append(conds, "starts_with("+x+", "+c.param(prefix.String())+")")
	} else {
		conds = append(conds, "regexp_full_match("+x+", "+sqlString(ipv4Pattern)+")")
	}
	if rest > 0 {
		lo := int64(a[whole])
		hi := lo | (int64(1)<<(8-rest) - 1)
		octet := "TRY_CAST(split_part(" + x + ", '.', " + strconv.Itoa(whole+1) + ") AS BIGINT)"
		conds = append(conds, octet+" BETWEEN "+c.param(lo)+" AND "+c.param(hi))
	}
	return "(" + strings.Join(conds, " AND ") + ")"
}

var strFuncs = map[string]string{"contains": "contains", "startswith": "starts_with", "endswith": "ends_with"}

func (c *compiler) strMatch(x *StrMatch) string {
	raw := c.expr(x.X) // once: it may hold a parameter (a JSON path)
	lhs := raw
	if !x.CaseSensitive {
		lhs = c.lower(raw)
	}
	parts := make([]string, len(x.Values))
	values := x.Values
	if x.Mode != MatchAll && x.Op != "like" {
		// Many plain literals: one regular expression for all of them (below), the value read
		// and lower-cased once instead of once per literal.
		var alt []string
		values, alt = literalAlternation(x)
		parts = parts[:len(values)]
		for _, a := range alt {
			parts = append(parts, "regexp_matches("+lhs+", "+c.param(a)+")")
		}
	}
	for i, v := range values {
		if e, ok := v.(*Expansion); ok {
			parts[i] = c.expansionMatch(x, lhs, e)
			continue
		}
		if x.Op == "like" {
			// LIKE with \ as its escape; the pattern converted from the glob is bound.
			op := " ILIKE "
			if x.CaseSensitive {
				op = " LIKE "
			}
			parts[i] = "(" + raw + op + c.param(globToLike(v.(*Literal).Value.(string))) + " ESCAPE " + sqlString(`\`) + ")"
			continue
		}
		rhs := c.expr(v)
		if !x.CaseSensitive {
			rhs = "lower(" + rhs + ")"
		}
		parts[i] = strFuncs[x.Op] + "(" + lhs + ", " + rhs + ")"
	}
	if len(parts) == 1 {
		return parts[0]
	}
	join := " OR "
	if x.Mode == MatchAll {
		join = " AND "
	}
	return "(" + strings.Join(parts, join) + ")"
}

// lower is lower(sql); with a path table, a column or path column lowered is itself a column of
// the table, lowered once per event for every test of every rule of the scan.
func (c *compiler) lower(sql string) string {
	if c.paths != nil {
		if name, ok := c.paths.lowered(sql); ok {
			return quoteIdent(name)
		}
	}
	return "lower(" + sql + ")"
}

// minAlternation is how many plain literals a contains/startswith/endswith any test needs before
// they are matched as one regular expression: below it, the separate tests cost no more.
const minAlternation = 4

// maxAlternation bounds the length of one alternation pattern, well inside RE2's program size.
const maxAlternation = 4000

// literalAlternation splits the values of an any-test into those tested one by one (returned
// first, in order) and, when there are at least minAlternation plain string literals (an
// expansion's values count each) whose
// lower-case form is certain, those literals as alternation patterns of RE2 (escaped, anchored
// for startswith and endswith) matching exactly when one of the tests would: contains(x, v) is
// a substring match, like an unanchored literal. A case-insensitive test compares lower(x) with
// lower(v); the pattern holds v lower-cased here, which is only done where Go and DuckDB surely
// agree: ASCII letters, and characters that have no case at all (digits, symbols, emoji).
func literalAlternation(x *StrMatch) (rest []Expr, patterns []string) {
	var lits []string
	text := func(lit *Literal) (string, bool) {
		s, isText := "", false
		if lit.Kind == LitString && lit.Coerced == nil {
			s, isText = lit.Value.(string)
		}
		if isText && !x.CaseSensitive {
			s, isText = foldLiteral(s)
		}
		return s, isText
	}
	for _, v := range x.Values {
		switch v := v.(type) {
		case *Literal:
			if s, ok := text(v); ok {
				lits = append(lits, s)
				continue
			}
		case *Expansion:
			// An expansion (windash) in an any-test is any of its values: they join the
			// alternation when all of them can.
			var vs []string
			for _, l := range v.Values {
				if s, ok := text(l); ok {
					vs = append(vs, s)
				}
			}
			if len(vs) == len(v.Values) && len(vs) > 0 {
				lits = append(lits, vs...)
				continue
			}
		}
		rest = append(rest, v)
	}
	if len(lits) < minAlternation {
		return x.Values, nil
	}
	pre, post := "", ""
	switch x.Op {
	case "startswith":
		pre = "^"
	case "endswith":
		post = "$"
	}
	var cur []string
	size := 0
	flush := func() {
		if len(cur) > 0 {
			patterns = append(patterns, pre+"(?:"+strings.Join(cur, "|")+")"+post)
		}
		cur, size = nil, 0
	}
	for _, l := range lits {
		q := regexp.QuoteMeta(l)
		if size+len(q) > maxAlternation {
			flush()
		}
		cur = append(cur, q)
		size += len(q) + 1
	}
	flush()
	return rest, patterns
}

// foldLiteral lower-cases s as DuckDB's lower() does, reporting false when that is not certain:
// a letter outside ASCII (whose case mappings may differ between Unicode versions and
// libraries). Characters without case pass unchanged.
func foldLiteral(s string) (string, bool) {
	if !utf8.ValidString(s) {
		return "", false
	}
	for _, r := range s {
		if r >= utf8.RuneSelf && (unicode.SimpleFold(r) != r || unicode.ToLower(r) != r || unicode.ToUpper(r) != r || unicode.IsLetter(r)) {
			return "", false
		}
	}
	return strings.ToLower(s), true
}

// globToLike turns a glob (* any text, ? one character, everything else itself, backslashes
// included, so Windows paths read naturally) into a LIKE pattern escaped with \.
func globToLike(glob string) string {
	var b strings.Builder
	for i := 0; i < len(glob); i++ {
		switch ch := glob[i]; ch {
		case '*':
			b.WriteByte('%')
		case '?':
			b.WriteByte('_')
		case '%', '_', '\\':
			b.WriteByte('\\')
			b.WriteByte(ch)
		default:
			b.WriteByte(ch)
		}
	}
	return b.String()
}

// jsonPath builds a DuckDB JSON path with every key quoted: $."EventData"."TargetImage". The
// checker has refused keys holding " or \, which the path syntax cannot escape.
func jsonPath(keys []string) string {
	var b strings.Builder
	b.WriteString("$")
	for _, k := range keys {
		b.WriteString(`."` + k + `"`)
	}
	return b.String()
}

// quoteIdent quotes an SQL identifier. Every column and alias goes through it.
func quoteIdent(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// sqlString writes s as an SQL string constant. It is used only for text this package itself
// defines (patterns, separators, aggregate names), never for query values, which are bound; it
// still escapes rigorously: quotes doubled, and NUL (which DuckDB strings cannot hold) refused.
func sqlString(s string) string {
	if strings.IndexByte(s, 0) >= 0 {
		panic("sqlString: NUL in constant")
	}
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// sequence compiles `sequence by K within W [step] by E ... then [step] by E`: each step's events
// with their keys (the columns K, then the step's own key expressions E, named after the first
// step's), and for a counted step, the time of the n-th most recent match and the ids of the n
// matches; then each step joined to the chain so far on the keys, strictly later, all within W
// of the start.
func (c *compiler) sequence(s *Sequence) {
	var names []string // the keys' output names, header keys first
	for _, k := range s.By {
		names = append(names, k.Name)
	}
	if len(s.Steps) > 0 {
		for _, k := range s.Steps[0].By {
			names = append(names, k.Name)
		}
	}
	keys := quoteAll(names)
	within := s.Within.Value.(time.Duration).Microseconds()
	tm, id := quoteIdent("time"), quoteIdent("id")
	var steps []string
	for _, st := range s.Steps {
		n := int64(1)
		if st.Count != nil {
			n = st.Count.Value.(int64)
		}
		// The keys as this step computes them: header columns, then the step's expressions.
		exprs := make([]string, 0, len(keys))
		for _, k := range s.By {
			exprs = append(exprs, quoteIdent(k.Name))
		}
		for _, k := range st.By {
			exprs = append(exprs, c.expr(k.Expr))
		}
		conds := []string{tm + " IS NOT NULL"}
		sel := make([]string, len(exprs))
		for i, e := range exprs {
			conds = append(conds, e+" IS NOT NULL")
			sel[i] = e
			if e != keys[i] {
				sel[i] += " AS " + keys[i]
			}
		}
		if st.Source.Category != AllEvents {
			conds = append(conds, quoteIdent("category")+" = "+c.param(categoryValue(st.Source.Category)))
		}
		if st.Where != nil {
			conds = append(conds, c.expr(st.Where))
		}
		conds = append(conds, c.sinceConds()...)
		win := "ORDER BY " + tm + ", " + id
		if len(exprs) > 0 {
			win = "PARTITION BY " + strings.Join(exprs, ", ") + " " + win
		}
		// n is a checked integer (1..10000): DuckDB needs window frame offsets as constants.
		body := "SELECT " + strings.Join(append(sel, tm, id), ", ") + ", "
		if n == 1 {
			body += tm + " AS " + quoteIdent("start") + ", [" + id + "] AS " + quoteIdent("ids")
		} else {
			off := strconv.FormatInt(n-1, 10)
			body += "lag(" + tm + ", " + off + ") OVER (" + win + ") AS " + quoteIdent("start") +
				", list(" + id + ") OVER (" + win + " ROWS BETWEEN " + off + " PRECEDING AND CURRENT ROW) AS " + quoteIdent("ids")
		}
		body += " FROM " + c.table() + " WHERE " + strings.Join(conds, " AND ")
		c.add(body)
		steps = append(steps, c.prev)
	}
	w := c.param(within)
	c.add("SELECT " + strings.Join(append(slices.Clone(keys), quoteIdent("start")+" AS "+quoteIdent("first"), tm+" AS "+quoteIdent("last"),
		id+" AS "+quoteIdent("last_id"), quoteIdent("ids")+" AS "+quoteIdent("evidence")), ", ") + " FROM " + steps[0] +
		" WHERE " + quoteIdent("start") + " IS NOT NULL AND " + tm + " <= " + quoteIdent("start") + " + to_microseconds(" + w + ")")
	for _, step := range steps[1:] {
		var on []string
		for _, k := range keys {
			on = append(on, "m."+k+" = q."+k)
		}
		on = append(on, "q."+quoteIdent("start")+" > m."+quoteIdent("last"), "q."+tm+" <= m."+quoteIdent("first")+" + to_microseconds("+w+")")
		mk := make([]string, len(keys))
		for i, k := range keys {
			mk[i] = "m." + k
		}
		c.add("SELECT " + strings.Join(append(mk, "m."+quoteIdent("first"), "q."+tm+" AS "+quoteIdent("last"), "q."+id+" AS "+quoteIdent("last_id"),
			"list_concat(m."+quoteIdent("evidence")+", q."+quoteIdent("ids")+") AS "+quoteIdent("evidence")), ", ") +
			" FROM " + c.prev + " m JOIN " + step + " q ON " + strings.Join(on, " AND "))
	}
	// One match per completing event: the one that started last (the tightest). Matches that
	// start at the same time are told apart by their evidence, the highest ids first, so the
	// choice is the same every run and is the most recent in import order: without it DuckDB
	// picked whichever row its join yielded first.
	c.add("SELECT " + strings.Join(append(slices.Clone(keys), quoteIdent("first"), quoteIdent("last"), quoteIdent("evidence")), ", ") + " FROM " + c.prev +
		" QUALIFY row_number() OVER (PARTITION BY " + strings.Join(append(slices.Clone(keys), quoteIdent("last_id")), ", ") + " ORDER BY " + quoteIdent("first") + " DESC, " + quoteIdent("evidence") + " DESC) = 1")
	c.cols = append(slices.Clone(names), "first", "last", "evidence")
	// Matches that start at the same time for the same keys are ordered by when they completed
	// and then by their evidence, so rows (and which ones head keeps) are the same every run.
	c.order = []orderKey{{name: "first"}}
	for _, n := range names {
		c.order = append(c.order, orderKey{name: n})
	}
	c.order = append(c.order, orderKey{name: "last"}, orderKey{name: "evidence"})
	c.ev, c.evCol = evList, "evidence"
}
