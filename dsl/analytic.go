package dsl

import (
	"maps"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The analytic stages: outlier (a value far from its entity's own baseline), beacon (periodic
// connections) and lookup (rows whose field is in a named list or table), and the let
// declarations that name inline lists.

// Let names a list of values before the query: let admins = ["alice", "bob"].
type Let struct {
	Span   Span
	Name   *Ident
	Values []*Literal
}

func (l *Let) NodeSpan() Span { return l.Span }

// Outlier scores each row's Metric against a baseline of the earlier rows of the same key
// (within Over when given): z-score (mean and standard deviation) or MAD (median and median
// absolute deviation), and keeps the rows whose score is at least Threshold in absolute value.
type Outlier struct {
	Span      Span
	Metric    *Ident
	By        []*Ident
	Over      *Literal // nil, or a duration
	Method    *Ident   // nil (zscore), zscore or mad
	Threshold *Literal // nil (3 for zscore, 3.5 for mad), or a number

	timeCol string // set by the checker: the column ordering the baseline, "" when none
}

// Beacon finds pairs (by default src_ip, dst_ip) whose events come at regular intervals: it
// measures the gaps between consecutive events of each pair and keeps the pairs with at least
// Min events whose jitter (median absolute deviation of the gaps over their median) is at most
// MaxJitter.
type Beacon struct {
	Span      Span
	By        []*Ident
	Min       *Literal // nil (10), or an int
	MaxJitter *Literal // nil (0.2), or a number

	keys  []string // set by the checker: the keys, By or the default pair
	hasID bool     // set by the checker: the input has event ids, listed as evidence
}

// Lookup keeps the rows whose On field holds a value of a list or table, and adds the table's
// other columns named AS_COLUMN. List is a let name or a catalogue table (Name), or a file
// (Path, read by the caller through the catalogue).
type Lookup struct {
	Span Span
	Name *Ident   // nil when Path is set
	Path *Literal // a quoted file path
	On   *Ident
	As   *Ident // nil: named after the list, table or file

	let   *Let   // set by the checker when Name is a let list
	table *Table // set by the checker when the lookup reads a table
	keys  any    // a table's key values converted to the field's type ([]string or []int64)
	added []Column
}

func (s *Outlier) NodeSpan() Span { return s.Span }
func (s *Beacon) NodeSpan() Span  { return s.Span }
func (s *Lookup) NodeSpan() Span  { return s.Span }
func (*Outlier) stage()           {}
func (*Beacon) stage()            {}
func (*Lookup) stage()            {}

// Defaults of the analytic stages.
const (
	DefaultZScoreThreshold = 3.0
	DefaultMADThreshold    = 3.5
	DefaultBeaconMin       = 10
	DefaultBeaconJitter    = 0.2
)

func (l *lowerer) let(g *gLet) *Let {
	lt := &Let{Span: l.span(g.Pos, g.EndPos), Name: l.ident(g.Name)}
	for _, v := range g.Values {
		lt.Values = append(lt.Values, l.literal(v))
	}
	return lt
}

func (l *lowerer) number(g *gNumber) *Literal {
	if g == nil {
		return nil
	}
	return l.literal(&gLiteral{Pos: g.Pos, EndPos: g.EndPos, Float: ptrIf(strings.Contains(g.Text, "."), g.Text), Int: ptrIf(!strings.Contains(g.Text, "."), g.Text)})
}

func ptrIf(ok bool, s string) *string {
	if !ok {
		return nil
	}
	return &s
}

func (l *lowerer) outlier(sp Span, g *gOutlier) *Outlier {
	s := &Outlier{Span: sp, Metric: l.ident(g.Metric), By: l.idents(g.By), Threshold: l.number(g.Threshold)}
	if g.Over != nil {
		s.Over = l.duration(g.Over)
	}
	if g.Method != nil {
		s.Method = l.ident(g.Method)
	}
	return s
}

func (l *lowerer) beacon(sp Span, g *gBeacon) *Beacon {
	s := &Beacon{Span: sp, By: l.idents(g.By), MaxJitter: l.number(g.MaxJitter)}
	if g.Min != nil {
		s.Min = l.int(g.Min)
	}
	return s
}

func (l *lowerer) lookup(sp Span, g *gLookup) *Lookup {
	s := &Lookup{Span: sp, On: l.ident(g.On)}
	if g.Path != nil {
		s.Path = l.literal(g.Path)
		if s.Path.Kind != LitString {
			l.errorf(s.Path.Span, `write a list's name, or a file in quotes: lookup "admins.csv" on user`, "lookup needs a list name or a file path in quotes")
		}
	} else {
		s.Name = l.ident(g.Name)
	}
	if g.As != nil {
		s.As = l.ident(g.As)
	}
	return s
}

// lets checks the inline lists: unique names, at least one value, all of one kind.
func (c *checker) lets(lets []*Let) {
	c.letMap = map[string]*Let{}
	for _, lt := range lets {
		c.checkName(lt.Name)
		if _, dup := c.letMap[lt.Name.Name]; dup {
			c.errorf(lt.Name, "", "list %q is declared twice", lt.Name.Name)
			continue
		}
		c.letMap[lt.Name.Name] = lt
		if len(lt.Values) == 0 {
			c.errorf(lt, "", "list %q is empty", lt.Name.Name)
			continue
		}
		for _, v := range lt.Values {
			switch v.Kind {
			case LitString, LitInt, LitIP:
			default:
				c.errorf(v, `lists hold text, whole numbers or IP addresses: let admins = ["alice", "bob"]`, "a list cannot hold %s", v.Text)
				continue
			}
			if first := lt.Values[0]; (v.Kind == LitInt) != (first.Kind == LitInt) {
				c.errorf(v, "", "list %q mixes numbers and text", lt.Name.Name)
			}
		}
	}
}

// addColumns appends columns a stage produces, refusing names already in the schema.
func (c *checker) addColumns(n Node, stage string, cols []Column) {
	for _, col := range cols {
		if _, ok := c.column(col.Name); ok {
			c.errorf(n, "rename or drop it first, e.g. fields - "+col.Name, "%s adds a column %q, which is already among the fields", stage, col.Name)
			continue
		}
		c.schema = append(c.schema, col)
	}
}

// orderColumn is the column that puts the rows of a stage's input in time: time, or the
// window_start of a windowed stats. "" when there is neither.
func (c *checker) orderColumn() string {
	for _, n := range []string{"time", "window_start"} {
		if col, ok := c.column(n); ok && col.Type == TypeTime {
			return n
		}
	}
	return ""
}

func (c *checker) keyColumns(ids []*Ident) {
	seen := map[string]bool{}
	for _, k := range ids {
		if _, ok := c.column(k.Name); !ok {
			c.unknownField(k, k.Name)
		} else if seen[k.Name] {
			c.errorf(k, "", "field %q is listed twice", k.Name)
		}
		seen[k.Name] = true
	}
}

func (c *checker) outlier(s *Outlier) {
	if col, ok := c.column(s.Metric.Name); !ok {
		c.unknownField(s.Metric, s.Metric.Name)
	} else if !col.Type.numeric() {
		c.errorf(s.Metric, "outlier scores numbers: count them first, e.g. stats count() as n by user window 1h | outlier n by user", "outlier needs a number, but %s is %s", s.Metric.Name, col.Type)
	}
	c.keyColumns(s.By)
	for _, k := range s.By {
		if k.Name == s.Metric.Name {
			c.errorf(k, "", "%s is both the metric and a key", k.Name)
		}
	}
	if s.Method != nil {
		switch m := strings.ToLower(s.Method.Name); m {
		case "zscore", "mad":
			s.Method.Name = m
		default:
			hint := suggest(m, []string{"zscore", "mad"})
			if hint == "" {
				hint = "methods are zscore (mean and standard deviation) and mad (median and median absolute deviation)"
			}
			c.errorf(s.Method, hint, "unknown outlier method %q", s.Method.Name)
		}
	}
	if s.Threshold != nil {
		if v := numberValue(s.Threshold); v <= 0 {
			c.errorf(s.Threshold, "", "the threshold must be above 0")
		}
	}
	s.timeCol = c.orderColumn()
	if s.Over != nil && s.timeCol == "" {
		c.errorf(s.Over, "use outlier on events, or after stats ... window", "over needs the time or window_start column, which is not in this stage's input")
	}
	c.addColumns(s, "outlier", []Column{
		{Name: "baseline", Type: TypeFloat, Doc: "mean (zscore) or median (mad) of the baseline"},
		{Name: "spread", Type: TypeFloat, Doc: "standard deviation (zscore) or median absolute deviation (mad) of the baseline"},
		{Name: "baseline_count", Type: TypeInt, Doc: "number of values in the baseline"},
		{Name: "deviation", Type: TypeFloat, Doc: "value minus baseline"},
		{Name: "score", Type: TypeFloat, Doc: "z-score, or modified z-score for mad"},
	})
}

func numberValue(l *Literal) float64 {
	switch v := l.Value.(type) {
	case int64:
		return float64(v)
	case float64:
		return v
	}
	return 0
}

func (c *checker) beacon(s *Beacon) {
	if !c.needTime(s, "beacon") {
		return
	}
	if len(s.By) == 0 {
		s.keys = []string{"src_ip", "dst_ip"}
		for _, k := range s.keys {
			if _, ok := c.column(k); !ok {
				c.errorf(s, "name the pair with by, e.g. beacon by host, domain", "beacon pairs src_ip and dst_ip by default, but %s is not in this stage's input", k)
				return
			}
		}
	} else {
		c.keyColumns(s.By)
		s.keys = identNames(s.By)
	}
	if s.Min != nil {
		if n, _ := s.Min.Value.(int64); n < 3 {
			c.errorf(s.Min, "", "beacon needs a minimum of at least 3 events (2 intervals)")
		}
	}
	if s.MaxJitter != nil && numberValue(s.MaxJitter) <= 0 {
		c.errorf(s.MaxJitter, "", "max_jitter must be above 0")
	}
	var out []Column
	for _, k := range s.keys {
		col, _ := c.column(k)
		out = append(out, col)
	}
	out = append(out,
		Column{Name: "count", Type: TypeInt, Doc: "events of the pair"},
		Column{Name: "first", Type: TypeTime, Doc: "time of the first event"},
		Column{Name: "last", Type: TypeTime, Doc: "time of the last event"},
		Column{Name: "mean_interval", Type: TypeFloat, Doc: "mean seconds between consecutive events"},
		Column{Name: "median_interval", Type: TypeFloat, Doc: "median seconds between consecutive events"},
		Column{Name: "stddev_interval", Type: TypeFloat, Doc: "standard deviation of the intervals, seconds"},
		Column{Name: "mad_interval", Type: TypeFloat, Doc: "median absolute deviation of the intervals, seconds"},
		Column{Name: "cv", Type: TypeFloat, Doc: "coefficient of variation: stddev_interval / mean_interval"},
		Column{Name: "jitter", Type: TypeFloat, Doc: "mad_interval / median_interval: 0 for a perfect beacon"},
		Column{Name: "score", Type: TypeFloat, Doc: "regularity, 1 - jitter (at least 0)"},
	)
	if col, ok := c.column("id"); ok && col.Type == TypeInt {
		s.hasID = true
		out = append(out, Column{Name: "evidence", Type: TypeList, Doc: "ids of the pair's events, in time order"})
	}
	for _, col := range out[len(s.keys):] {
		if slices.Contains(s.keys, col.Name) {
			c.errorf(s, "rename it with eval first", "beacon adds a column %q, which is one of its keys", col.Name)
		}
	}
	c.schema = out
}

func (c *checker) lookup(s *Lookup) {
	field, ok := c.column(s.On.Name)
	if !ok {
		c.unknownField(s.On, s.On.Name)
	}
	if s.As != nil {
		c.checkName(s.As)
	}
	name := ""
	switch {
	case s.Name != nil && c.letMap[s.Name.Name] != nil:
		s.let = c.letMap[s.Name.Name]
		if ok {
			for _, v := range s.let.Values {
				c.lookupValue(s, v, field.Type)
			}
		}
		return
	case s.Name != nil:
		tc, isTC := c.cat.(TableCatalogue)
		var t *Table
		if isTC {
			t, _ = tc.Table(s.Name.Name)
		}
		if t == nil {
			names := slices.Sorted(maps.Keys(c.letMap))
			if isTC {
				names = append(names, tableNames(tc)...)
			}
			hint := suggest(s.Name.Name, names)
			if hint == "" {
				hint = `declare it before the query: let ` + s.Name.Name + ` = ["a", "b"], or give a file: lookup "list.csv" on ` + s.On.Name
			}
			c.errorf(s.Name, hint, "unknown list %q", s.Name.Name)
			return
		}
		s.table, name = t, s.Name.Name
	default:
		path, _ := s.Path.Value.(string)
		tc, isTC := c.cat.(TableCatalogue)
		if !isTC {
			c.errorf(s.Path, "", "lookup files cannot be read here")
			return
		}
		t, err := tc.File(path)
		if err != nil {
			c.errorf(s.Path, "", "%v", err)
			return
		}
		s.table = t
		name = fileListName(path)
	}
	if s.As != nil {
		name = s.As.Name
	}
	if name == "" {
		c.errorf(s.Path, "name it: lookup \"...\" on "+s.On.Name+" as NAME", "the file's name is not a plain name for its columns")
		return
	}
	if !ok {
		return
	}
	c.lookupTable(s, field, name)
}

// tableNames lists the names of a catalogue's declared tables, for hints.
func tableNames(tc TableCatalogue) []string {
	if t, ok := tc.(*tableCatalogue); ok {
		return slices.Sorted(maps.Keys(t.tables))
	}
	return nil
}

// fileListName names a lookup file's columns after its base name without extension: bad_ips
// for "intel/bad_ips.csv". It is "" when that is not a plain name.
func fileListName(path string) string {
	base := path[strings.LastIndexAny(path, `/\`)+1:]
	if i := strings.IndexByte(base, '.'); i >= 0 {
		base = base[:i]
	}
	base = strings.ToLower(strings.ReplaceAll(base, "-", "_"))
	if !isIdent(base) || IsKeyword(base) || strings.HasPrefix(base, "__") {
		return ""
	}
	return base
}

// lookupValue checks one inline list value against the looked-up field's type.
func (c *checker) lookupValue(s *Lookup, v *Literal, t Type) {
	vt := c.expr(v)
	vt = c.coerce(v, vt, t)
	if !comparable(t, vt) {
		c.errorf(v, compareHint(t, vt), "list %q holds %s, but %s is %s", s.let.Name.Name, vt, s.On.Name, t)
	}
}

// lookupTable checks a table lookup: the key compared with the field, and the columns it adds.
func (c *checker) lookupTable(s *Lookup, field Column, name string) {
	t := s.table
	if t.From == "" && slices.Contains(columnNames(t.Columns), s.On.Name) && t.Key != s.On.Name {
		// A file's key is the column named after the field, else its first column.
		cp := *t
		cp.Key = s.On.Name
		s.table, t = &cp, &cp
	}
	col := slices.IndexFunc(t.Columns, func(c Column) bool { return c.Name == t.Key })
	if col < 0 {
		c.errorf(s, "", "table %s has no key column %q", t.Name, t.Key)
		return
	}
	key := t.Columns[col]
	if t.From == "" {
		// Values read from a file are text: convert the keys to the field's type here, so a
		// bad value is reported with its line rather than silently never matching.
		switch field.Type {
		case TypeString, TypeUnknown:
			keys := make([]string, len(t.Rows))
			for i, r := range t.Rows {
				keys[i] = r[col]
			}
			s.keys = keys
		case TypeInt:
			keys := make([]int64, 0, len(t.Rows))
			for i, r := range t.Rows {
				n, err := strconv.ParseInt(strings.TrimSpace(r[col]), 10, 64)
				if err != nil {
					c.errorf(s.Path, "", "%s line %d: %s: %q is not a whole number, but %s is an int", t.Name, tableLine(t, i), t.Key, r[col], s.On.Name)
					return
				}
				keys = append(keys, n)
			}
			s.keys = keys
		case TypeIP:
			keys := make([]string, 0, len(t.Rows))
			for i, r := range t.Rows {
				a, err := netip.ParseAddr(strings.TrimSpace(r[col]))
				if err != nil {
					c.errorf(s.Path, "lookup compares whole addresses; test networks with in", "%s line %d: %s: %q is not an IP address", t.Name, tableLine(t, i), t.Key, r[col])
					return
				}
				keys = append(keys, a.Unmap().String())
			}
			s.keys = keys
		default:
			c.errorf(s.On, "", "lookup cannot match a file's text against %s, which is %s", s.On.Name, field.Type)
			return
		}
	} else if !comparable(field.Type, key.Type) && !(field.Type == TypeIP && key.Type == TypeString) {
		c.errorf(s.On, "", "cannot look up %s (%s) in %s, whose key %s is %s", s.On.Name, field.Type, t.Name, t.Key, key.Type)
		return
	}
	var added []Column
	for _, col := range t.Columns {
		if col.Name == t.Key {
			continue
		}
		if !isIdent(col.Name) {
			c.errorf(s, "", "column %q of %s is not a plain name", col.Name, t.Name)
			return
		}
		added = append(added, Column{Name: name + "_" + col.Name, Type: col.Type, Doc: col.Doc})
	}
	s.added = added
	c.addColumns(s, "lookup", added)
}

// tableLine is the line of a table row in its file, for messages.
func tableLine(t *Table, row int) int {
	if row < len(t.Lines) {
		return t.Lines[row]
	}
	return row + 2 // a header line, then rows from line 2
}

func columnNames(cols []Column) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.Name
	}
	return out
}

// madScale turns a median absolute deviation into the modified z-score of Iglewicz and
// Hoaglin: 0.6745 (x - median) / MAD, comparable with a z-score for normal data.
const madScale = "0.6745"

// outlier compiles to two CTEs: the baseline of each row as window aggregates over the earlier
// rows of its key (peers at the same time excluded), then the deviation and score, keeping the
// rows at or above the threshold.
func (c *compiler) outlier(s *Outlier) {
	m := quoteIdent(s.Metric.Name)
	var w []string
	if len(s.By) > 0 {
		w = append(w, "PARTITION BY "+strings.Join(quoteAll(identNames(s.By)), ", "))
	}
	switch {
	case s.timeCol == "":
		// No time: every other row of the key is the baseline.
		w = append(w, "ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING EXCLUDE CURRENT ROW")
	case s.Over != nil:
		w = append(w, "ORDER BY "+quoteIdent(s.timeCol)+" RANGE BETWEEN to_microseconds("+c.param(s.Over.Value.(time.Duration).Microseconds())+") PRECEDING AND CURRENT ROW EXCLUDE GROUP")
	default:
		w = append(w, "ORDER BY "+quoteIdent(s.timeCol)+" RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW EXCLUDE GROUP")
	}
	center, spread := "avg", "stddev_samp"
	thr := DefaultZScoreThreshold
	mad := s.Method != nil && s.Method.Name == "mad"
	if mad {
		center, spread, thr = "median", "mad", DefaultMADThreshold
	}
	if s.Threshold != nil {
		thr = numberValue(s.Threshold)
	}
	win := "OVER (" + strings.Join(w, " ") + ")"
	c.add("SELECT *, " + center + "(" + m + ") " + win + " AS " + quoteIdent("baseline") +
		", " + spread + "(" + m + ") " + win + " AS " + quoteIdent("spread") +
		", count(" + m + ") " + win + " AS " + quoteIdent("baseline_count") + " FROM " + c.prev)
	dev := "(" + m + " - " + quoteIdent("baseline") + ")"
	score := dev + " / " + quoteIdent("spread")
	if mad {
		score = madScale + " * " + score
	}
	score = "CASE WHEN " + quoteIdent("spread") + " > 0 THEN " + score + " END"
	c.add("SELECT *, " + dev + " AS " + quoteIdent("deviation") + ", " + score + " AS " + quoteIdent("score") +
		" FROM " + c.prev + " WHERE abs(" + score + ") >= " + c.param(thr))
	c.cols = append(c.cols, "baseline", "spread", "baseline_count", "deviation", "score")
}

// beacon compiles to three CTEs: each event of a pair with the seconds since the pair's
// previous event; the pair's count, times and interval statistics; then cv, jitter and score,
// keeping the regular pairs; and a fourth gathering the evidence ids of the pairs kept.
func (c *compiler) beacon(s *Beacon) {
	keys := quoteAll(s.keys)
	tm := quoteIdent("time")
	var notNull []string
	for _, k := range append([]string{tm}, keys...) {
		notNull = append(notNull, k+" IS NOT NULL")
	}
	order := tm
	sel := strings.Join(keys, ", ") + ", " + tm
	if s.hasID {
		order += ", " + quoteIdent("id")
		sel += ", " + quoteIdent("id")
	}
	iv := quoteIdent("__interval")
	c.add("SELECT " + sel + ", (epoch_us(" + tm + ") - lag(epoch_us(" + tm + ")) OVER (PARTITION BY " + strings.Join(keys, ", ") + " ORDER BY " + order + ")) / 1000000.0 AS " + iv +
		" FROM " + c.prev + " WHERE " + strings.Join(notNull, " AND "))
	aggs := []string{
		"count(*) AS " + quoteIdent("count"),
		"min(" + tm + ") AS " + quoteIdent("first"),
		"max(" + tm + ") AS " + quoteIdent("last"),
		"avg(" + iv + ") AS " + quoteIdent("mean_interval"),
		"median(" + iv + ") AS " + quoteIdent("median_interval"),
		"stddev_samp(" + iv + ") AS " + quoteIdent("stddev_interval"),
		"mad(" + iv + ") AS " + quoteIdent("mad_interval"),
	}
	events := c.prev
	c.add("SELECT " + strings.Join(keys, ", ") + ", " + strings.Join(aggs, ", ") + " FROM " + c.prev + " GROUP BY " + strings.Join(keys, ", "))
	min := int64(DefaultBeaconMin)
	if s.Min != nil {
		min = s.Min.Value.(int64)
	}
	maxJitter := DefaultBeaconJitter
	if s.MaxJitter != nil {
		maxJitter = numberValue(s.MaxJitter)
	}
	jitter := "CASE WHEN " + quoteIdent("median_interval") + " > 0 THEN " + quoteIdent("mad_interval") + " / " + quoteIdent("median_interval") + " END"
	cols := append(append([]string(nil), s.keys...), "count", "first", "last", "mean_interval", "median_interval", "stddev_interval", "mad_interval")
	sel = strings.Join(quoteAll(cols), ", ") +
		", CASE WHEN " + quoteIdent("mean_interval") + " > 0 THEN " + quoteIdent("stddev_interval") + " / " + quoteIdent("mean_interval") + " END AS " + quoteIdent("cv") +
		", " + jitter + " AS " + quoteIdent("jitter") +
		", greatest(0.0, 1.0 - " + jitter + ") AS " + quoteIdent("score")
	cols = append(cols, "cv", "jitter", "score")
	c.add("SELECT " + sel + " FROM " + c.prev + " WHERE " + quoteIdent("count") + " >= " + c.param(min) + " AND " + jitter + " <= " + c.param(maxJitter))
	if s.hasID {
		// The evidence of the pairs kept only: ordering every pair's ids costs far more.
		var on []string
		for _, k := range keys {
			on = append(on, "e."+k+" = b."+k)
		}
		c.add("SELECT b.*, (SELECT list(e." + quoteIdent("id") + " ORDER BY e." + tm + ", e." + quoteIdent("id") + ") FROM " + events + " e WHERE " + strings.Join(on, " AND ") + ") AS " + quoteIdent("evidence") + " FROM " + c.prev + " b")
		cols = append(cols, "evidence")
	}
	c.cols = cols
	c.hidden = nil
	// Each row is a pair; its evidence is the list of its events.
	c.perEvent = false
	c.ev = evNone
	if s.hasID {
		c.ev, c.evCol = evList, "evidence"
	}
	c.order = []orderKey{{name: "jitter"}}
	for _, k := range s.keys {
		c.order = append(c.order, orderKey{name: k})
	}
}

// lookup compiles an inline list to IN with one parameter per value, and a table to a join on
// its key, each key's first row (by the table's columns) only, so no row is repeated. A file's
// values are bound as one list parameter per column.
func (c *compiler) lookup(s *Lookup) {
	field := quoteIdent(s.On.Name)
	if s.let != nil {
		items := make([]string, len(s.let.Values))
		for i, v := range s.let.Values {
			items[i] = c.expr(v)
		}
		c.add("SELECT * FROM " + c.prev + " WHERE " + field + " IN (" + strings.Join(items, ", ") + ")")
		return
	}
	t := s.table
	key := quoteIdent(t.Key)
	var from string
	if t.From != "" {
		from = t.From
	} else {
		var cols []string
		for i, col := range t.Columns {
			if col.Name == t.Key {
				cols = append(cols, "unnest("+c.param(s.keys)+") AS "+key)
				continue
			}
			vals := make([]string, len(t.Rows))
			for j, r := range t.Rows {
				vals[j] = r[i]
			}
			cols = append(cols, "nullif(unnest("+c.param(vals)+"), "+sqlString("")+") AS "+quoteIdent(col.Name))
		}
		from = "SELECT " + strings.Join(cols, ", ")
	}
	if len(s.added) == 0 {
		c.add("SELECT * FROM " + c.prev + " WHERE " + field + " IN (SELECT " + key + " FROM (" + from + "))")
		return
	}
	order := quoteAll(columnNames(t.Columns))
	sel := []string{"p.*"}
	i := 0
	for _, col := range t.Columns {
		if col.Name == t.Key {
			continue
		}
		sel = append(sel, "t."+quoteIdent(col.Name)+" AS "+quoteIdent(s.added[i].Name))
		c.cols = append(c.cols, s.added[i].Name)
		i++
	}
	c.add("SELECT " + strings.Join(sel, ", ") + " FROM " + c.prev + " p JOIN (SELECT * FROM (" + from + ") QUALIFY row_number() OVER (PARTITION BY " + key + " ORDER BY " + strings.Join(order, ", ") + ") = 1) t ON p." + field + " = t." + key)
}

func letString(lt *Let) string {
	vals := make([]string, len(lt.Values))
	for i, v := range lt.Values {
		vals[i] = literalString(v)
	}
	return "let " + lt.Name.Name + " = [" + strings.Join(vals, ", ") + "]"
}

func analyticString(st Stage) string {
	switch s := st.(type) {
	case *Outlier:
		out := "outlier " + s.Metric.Name
		if len(s.By) > 0 {
			out += " by " + joinIdents(s.By)
		}
		if s.Over != nil {
			out += " over " + s.Over.Text
		}
		if s.Method != nil {
			out += " method " + strings.ToLower(s.Method.Name)
		}
		if s.Threshold != nil {
			out += " threshold " + literalString(s.Threshold)
		}
		return out
	case *Beacon:
		out := "beacon"
		if len(s.By) > 0 {
			out += " by " + joinIdents(s.By)
		}
		if s.Min != nil {
			out += " min " + s.Min.Text
		}
		if s.MaxJitter != nil {
			out += " max_jitter " + literalString(s.MaxJitter)
		}
		return out
	case *Lookup:
		out := "lookup "
		if s.Path != nil {
			out += literalString(s.Path)
		} else {
			out += s.Name.Name
		}
		out += " on " + s.On.Name
		if s.As != nil {
			out += " as " + s.As.Name
		}
		return out
	}
	return ""
}
