package dsl

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Checked is a query that passed the checker, with the type of every expression and the
// columns each stage produces. Compile takes it.
type Checked struct {
	Query   *Query
	Columns []Column // what the query returns
	types   map[Expr]Type
	// cidrItems marks In lists on an IP whose items include networks.
	cidrItems map[*In]bool
	// sourceCols is the schema before the first stage.
	sourceCols []Column
	// from is the derived view the sources read when the query names a derived column.
	from string
}

// Check validates q against cat: sources, fields, functions, types, durations and regexes. All
// problems are collected, each with its span. Check fills Agg.Name, Key.Name and
// Literal.Coerced in q.
func Check(q *Query, cat Catalogue) (*Checked, error) {
	c := &checker{cat: cat, out: &Checked{Query: q, types: map[Expr]Type{}, cidrItems: map[*In]bool{}}}
	c.lets(q.Lets)
	if q.Sequence != nil {
		c.sequence(q.Sequence)
	} else {
		c.source(q.Source)
		c.schema = c.sourceSchema()
	}
	c.out.sourceCols = slices.Clone(c.schema)
	for _, st := range q.Stages {
		c.stage(st)
	}
	if len(c.errs) > 0 {
		return nil, c.errs.sorted()
	}
	c.out.Columns = c.schema
	return c.out, nil
}

type checker struct {
	cat    Catalogue
	out    *Checked
	schema []Column
	errs   Errors
	letMap map[string]*Let // inline lists by name
}

func (c *checker) errorf(n Node, hint, format string, args ...any) {
	c.errs = append(c.errs, &Error{Stage: "check", Span: n.NodeSpan(), Msg: fmt.Sprintf(format, args...), Hint: hint})
}

func (c *checker) column(name string) (Column, bool) {
	for _, col := range c.schema {
		if col.Name == name {
			return col, true
		}
	}
	return Column{}, false
}

func (c *checker) names() []string {
	out := make([]string, len(c.schema))
	for i, col := range c.schema {
		out[i] = col.Name
	}
	return out
}

func (c *checker) source(s *Source) {
	name := strings.ToLower(s.Category)
	if name == AllEvents || slices.Contains(c.cat.Categories(), categoryValue(name)) {
		s.Category = name
		return
	}
	names := []string{AllEvents}
	for _, cat := range c.cat.Categories() {
		names = append(names, sourceName(cat))
	}
	hint := suggest(name, names)
	if hint == "" {
		hint = "sources are " + strings.Join(names[1:], ", ") + " and events (every event)"
	}
	c.errorf(s, hint, "unknown event category %q", s.Category)
}

func (c *checker) stage(st Stage) {
	switch s := st.(type) {
	case *Where:
		c.condition(s.Cond, "where")
	case *Stats:
		c.stats(s)
	case *Eval:
		for _, a := range s.Assigns {
			c.checkName(a.Name)
			t := c.expr(a.Expr)
			if t == TypeNull {
				t = TypeUnknown
			}
			if i := slices.IndexFunc(c.schema, func(col Column) bool { return col.Name == a.Name.Name }); i >= 0 {
				c.schema[i] = Column{Name: a.Name.Name, Type: t}
			} else {
				c.schema = append(c.schema, Column{Name: a.Name.Name, Type: t})
			}
		}
	case *Fields:
		seen := map[string]bool{}
		var keep []Column
		for _, n := range s.Names {
			if seen[n.Name] {
				c.errorf(n, "", "field %q is listed twice", n.Name)
				continue
			}
			seen[n.Name] = true
			col, ok := c.column(n.Name)
			if !ok {
				c.unknownField(n, n.Name)
				continue
			}
			keep = append(keep, col)
		}
		if s.Drop {
			keep = nil
			for _, col := range c.schema {
				if !seen[col.Name] {
					keep = append(keep, col)
				}
			}
			if len(keep) == 0 {
				c.errorf(s, "", "fields - would drop every column")
			}
		}
		c.schema = keep
	case *Sort:
		for _, k := range s.Keys {
			if col, ok := c.column(k.Name.Name); !ok {
				c.unknownField(k.Name, k.Name.Name)
			} else if col.Type == TypeJSON {
				c.errorf(k.Name, "", "cannot sort by %s: it is %s", k.Name.Name, col.Type)
			}
		}
	case *Head:
		if n, _ := s.N.Value.(int64); n < 1 {
			c.errorf(s.N, "", "head needs a count of at least 1")
		}
	case *Dedup:
		for _, n := range s.Names {
			if _, ok := c.column(n.Name); !ok {
				c.unknownField(n, n.Name)
			}
		}
	case *Rare:
		var out []Column
		seen := map[string]bool{}
		for _, n := range append(append([]*Ident(nil), s.By...), s.Names...) {
			col, ok := c.column(n.Name)
			if !ok {
				c.unknownField(n, n.Name)
				continue
			}
			if seen[n.Name] {
				c.errorf(n, "", "field %q is listed twice", n.Name)
				continue
			}
			seen[n.Name] = true
			out = append(out, col)
		}
		extra := []Column{{Name: "count", Type: TypeInt}}
		if col, ok := c.column("time"); ok && col.Type == TypeTime {
			extra = append(extra, Column{Name: "first", Type: TypeTime}, Column{Name: "last", Type: TypeTime})
		}
		for _, e := range extra {
			if seen[e.Name] {
				c.errorf(s, "rename it with eval first", "rare adds a column %q, which is already among the fields", e.Name)
			}
		}
		c.schema = append(out, extra...)
	case *Outlier:
		c.outlier(s)
	case *Beacon:
		c.beacon(s)
	case *Lookup:
		c.lookup(s)
	case *FirstSeen:
		c.needTime(s, "first_seen")
		seen := map[string]bool{}
		for _, n := range append(append([]*Ident(nil), s.By...), s.Names...) {
			if _, ok := c.column(n.Name); !ok {
				c.unknownField(n, n.Name)
			} else if seen[n.Name] {
				c.errorf(n, "", "field %q is listed twice", n.Name)
			}
			seen[n.Name] = true
		}
	}
}

// nameKey names a key (a grouping key or a sequence key, what) after its as NAME, else after
// the field it reads; a key that is neither is an error, and nameKey reports false.
func (c *checker) nameKey(k *Key, what string) bool {
	if k.As != nil {
		c.checkName(k.As)
		k.Name = k.As.Name
		return true
	}
	if f, ok := k.Expr.(*FieldRef); ok && f.OutName() != "" {
		k.Name = f.OutName()
		return true
	}
	c.errorf(k, "write EXPRESSION as NAME", "name this %s", what)
	return false
}

// checkName refuses names the compiler keeps for itself.
func (c *checker) checkName(id *Ident) {
	if strings.HasPrefix(id.Name, "__") {
		c.errorf(id, "", "names starting with __ are reserved")
	}
}

func (c *checker) unknownField(n Node, name string) {
	hint := suggest(name, append(c.names(), c.derivedNames()...))
	if hint == "" && len(c.schema) <= 12 {
		hint = "the fields here are " + strings.Join(c.names(), ", ")
	}
	c.errorf(n, hint, "unknown field %q", name)
}

func (c *checker) needTime(n Node, what string) bool {
	col, ok := c.column("time")
	if !ok || col.Type != TypeTime {
		c.errorf(n, "use it before stats or fields remove the time column", "%s needs the time column, which is not in this stage's input", what)
		return false
	}
	return true
}

func (c *checker) stats(s *Stats) {
	var out []Column
	seen := map[string]Node{}
	add := func(n Node, name string, t Type) {
		if prev, dup := seen[name]; dup {
			_ = prev
			c.errorf(n, "give one of them another name with as", "stats would produce two columns named %q", name)
			return
		}
		seen[name] = n
		out = append(out, Column{Name: name, Type: t})
	}
	if s.Window != nil && c.needTime(s.Window, "window") {
		add(s.Window, "window_start", TypeTime)
	}
	if s.Every != nil {
		size, _ := s.Window.Value.(time.Duration)
		hop, _ := s.Every.Value.(time.Duration)
		switch {
		case hop <= 0 || size <= 0:
		case size%hop != 0 || hop > size:
			c.errorf(s.Every, fmt.Sprintf("e.g. window %s every %s", s.Window.Text, suggestHop(size)), "the window (%s) must be a whole number of steps (every %s)", s.Window.Text, s.Every.Text)
		case size/hop > maxWindowsPerRow:
			c.errorf(s.Every, fmt.Sprintf("e.g. window %s every %s", s.Window.Text, suggestHop(size)), "every %s puts each row in %d windows of %s; at most %d are allowed", s.Every.Text, size/hop, s.Window.Text, maxWindowsPerRow)
		}
	}
	for _, k := range s.By {
		t := c.expr(k.Expr)
		if !c.nameKey(k, "grouping key") {
			continue
		}
		add(k, k.Name, t)
	}
	for _, a := range s.Aggs {
		name := strings.ToLower(a.Call.Name.Name)
		f, ok := funcs[name]
		if !ok || !f.Agg {
			hint := suggest(name, FuncNames(true))
			if hint == "" {
				hint = "stats takes " + strings.Join(FuncNames(true), ", ")
			}
			if ok {
				c.errorf(a.Call.Name, hint, "%s() is not an aggregate", name)
			} else {
				c.errorf(a.Call.Name, hint, "unknown aggregate %s()", a.Call.Name.Name)
			}
			continue
		}
		t := c.call(a.Call, true)
		switch {
		case a.As != nil:
			c.checkName(a.As)
			a.Name = a.As.Name
		case len(a.Call.Args) == 1:
			if fr, ok := a.Call.Args[0].(*FieldRef); ok && fr.OutName() != "" {
				a.Name = name + "_" + fr.OutName()
			} else {
				a.Name = name
			}
		default:
			a.Name = name
		}
		add(a, a.Name, t)
	}
	c.schema = out
}

// maxWindowsPerRow bounds how many sliding windows one row may fall in (window / every), since
// each row is counted once per window.
const maxWindowsPerRow = 1440

// suggestHop proposes a step for sliding windows of size: a tenth of it, at least a second.
func suggestHop(size time.Duration) string {
	for _, h := range []struct {
		d    time.Duration
		text string
	}{{24 * time.Hour, "1d"}, {time.Hour, "1h"}, {10 * time.Minute, "10m"}, {time.Minute, "1m"}, {10 * time.Second, "10s"}} {
		if size%h.d == 0 && size/h.d >= 2 && size/h.d <= 60 {
			return h.text
		}
	}
	return "1s"
}

// condition checks an expression that must be true or false.
func (c *checker) condition(e Expr, where string) {
	if t := c.expr(e); t != TypeBool && t != TypeUnknown {
		c.errorf(e, "compare it with something, e.g. x == 1, or test x is not null", "%s needs a condition (true or false), but this is %s", where, t)
	}
}

func (c *checker) expr(e Expr) Type {
	t := c.expr1(e)
	c.out.types[e] = t
	return t
}

func (c *checker) expr1(e Expr) Type {
	switch x := e.(type) {
	case *Literal:
		switch x.Kind {
		case LitString:
			return TypeString
		case LitInt:
			return TypeInt
		case LitFloat:
			return TypeFloat
		case LitBool:
			return TypeBool
		case LitNull:
			return TypeNull
		case LitDuration:
			c.errorf(x, "durations go after window and within", "a duration cannot be used as a value here")
			return TypeUnknown
		case LitIP:
			return TypeIP
		case LitCIDR:
			c.errorf(x, "write FIELD in "+x.Text, "a network can only follow in")
			return TypeUnknown
		}
	case *FieldRef:
		col, ok := c.column(x.Name)
		if !ok {
			if f, isFunc := funcs[strings.ToLower(x.Name)]; isFunc {
				c.errorf(x, fmt.Sprintf("%s is a function; for example: %s", f.Name, f.Example), "unknown field %q", x.Name)
				return TypeUnknown
			}
			c.unknownField(x, x.Name)
			return TypeUnknown
		}
		if len(x.Path) > 0 {
			if col.Type != TypeJSON && col.Type != TypeUnknown {
				c.errorf(x, "only the json column (fields) has keys inside it", "%s is %s and has no keys", x.Name, col.Type)
				return TypeUnknown
			}
			for _, k := range x.Path {
				if k == "" || strings.ContainsAny(k, "\"\\") || !utf8.ValidString(k) {
					c.errorf(x, "", "key %q cannot be looked up: keys must be non-empty and hold no \" or \\", k)
					return TypeUnknown
				}
			}
			return TypeString
		}
		return col.Type
	case *Call:
		name := strings.ToLower(x.Name.Name)
		f, ok := funcs[name]
		if !ok {
			if e, isExp := expanders[name]; isExp {
				c.errorf(x, "for example: "+e.Example, "%s() stands for a list of values: use it after contains, startswith or endswith, or in (...)", e.Name)
				return TypeUnknown
			}
			c.errorf(x.Name, suggest(name, FuncNames(false)), "unknown function %s()", x.Name.Name)
			for _, a := range x.Args {
				c.expr(a)
			}
			return TypeUnknown
		}
		if f.Agg {
			c.errorf(x, "aggregates go in stats: stats "+name+"(...) by ...", "%s() is an aggregate and cannot be used here", name)
			return TypeUnknown
		}
		return c.call(x, false)
	case *Unary:
		t := c.expr(x.X)
		if !t.numeric() {
			c.errorf(x, "", "cannot negate %s", t)
			return TypeUnknown
		}
		return t
	case *Binary:
		return c.binary(x)
	case *Not:
		c.condition(x.X, "not")
		return TypeBool
	case *In:
		return c.in(x)
	case *InCIDR:
		t := c.expr(x.X)
		if t != TypeIP && t != TypeUnknown {
			c.errorf(x.X, "network membership works on IP fields such as src_ip and dst_ip", "in %s needs an IP address, but this is %s", x.CIDR.Text, t)
		}
		c.checkPrefix(x.CIDR)
		return TypeBool
	case *StrMatch:
		c.wantString(x.X, x.Op)
		for i, v := range x.Values {
			if x.Op != "like" {
				x.Values[i] = c.expandValue(v)
				if _, ok := x.Values[i].(*Expansion); ok {
					continue
				}
			}
			if lit, ok := v.(*Literal); x.Op == "like" && (!ok || lit.Kind != LitString) {
				c.errorf(v, `write the pattern in quotes: like 'C:\Windows\*\cmd.exe'`, "like needs a pattern in quotes")
				continue
			}
			c.wantString(v, x.Op)
		}
		return TypeBool
	case *Regex:
		c.wantString(x.X, "matches")
		if x.Pattern.Kind != LitString {
			c.errorf(x.Pattern, `write the pattern in single quotes: matches '^\d+$'`, "matches needs a regular expression in quotes")
			return TypeBool
		}
		if _, err := regexp.Compile(x.Pattern.Value.(string)); err != nil {
			msg := err.Error()
			msg = strings.TrimPrefix(msg, "error parsing regexp: ")
			c.errorf(x.Pattern, "patterns use RE2 syntax (no backreferences or lookaround); (?i) ignores case", "bad regular expression: %s", msg)
		}
		return TypeBool
	case *IsNull:
		c.expr(x.X)
		return TypeBool
	}
	return TypeUnknown
}

func (c *checker) call(x *Call, inStats bool) Type {
	f := funcs[strings.ToLower(x.Name.Name)]
	var types []Type
	for i, a := range x.Args {
		if inStats && containsAgg(a) {
			c.errorf(a, "", "aggregates cannot be nested")
			types = append(types, TypeUnknown)
			continue
		}
		if lit, ok := a.(*Literal); ok && lit.Kind == LitDuration && i < len(f.Args) && f.Args[i] == TypeDuration {
			c.out.types[a] = TypeDuration // a duration is a value only where a function asks for one
			types = append(types, TypeDuration)
			continue
		}
		types = append(types, c.expr(a))
	}
	if minArgs := len(f.Args) - f.Optional; len(x.Args) < minArgs || len(x.Args) > len(f.Args) {
		want := fmt.Sprintf("%d arguments", len(f.Args))
		switch {
		case f.Optional > 0:
			want = fmt.Sprintf("%d to %d arguments", minArgs, len(f.Args))
		case len(f.Args) == 1:
			want = "1 argument"
		}
		c.errorf(x, "for example: "+f.Example, "%s() takes %s, got %d", f.Name, want, len(x.Args))
		return TypeUnknown
	}
	for i, a := range x.Args {
		if !accepts(f.Args[i], types[i]) {
			c.errorf(a, "for example: "+f.Example, "%s() wants %s, but this is %s", f.Name, f.Args[i].describe(), types[i])
			return TypeUnknown
		}
	}
	if f.Check != nil {
		if msg := f.Check(types); msg != "" {
			c.errorf(x, "for example: "+f.Example, "%s", msg)
			return TypeUnknown
		}
	}
	if f.Const > 0 && len(x.Args) >= f.Const {
		a := x.Args[f.Const-1]
		if n, isInt := literalInt(a); !isInt || n < f.ConstMin || n > f.ConstMax {
			c.errorf(a, "for example: "+f.Example, "%s() wants a whole number from %d to %d written here", f.Name, f.ConstMin, f.ConstMax)
			return TypeUnknown
		}
	}
	if f.NeedTime && !c.needTime(x, f.Name+"()") {
		return TypeUnknown
	}
	return f.Ret(types)
}

// literalInt is the value of e when it is an int literal.
func literalInt(e Expr) (int64, bool) {
	lit, ok := e.(*Literal)
	if !ok || lit == nil || lit.Kind != LitInt {
		return 0, false
	}
	n, isInt := lit.Value.(int64)
	return n, isInt
}

func containsAgg(e Expr) bool {
	found := false
	walkExpr(e, func(e Expr) {
		if call, ok := e.(*Call); ok {
			if f, ok := funcs[strings.ToLower(call.Name.Name)]; ok && f.Agg {
				found = true
			}
		}
	})
	return found
}

func (c *checker) wantString(e Expr, op string) {
	if t := c.expr(e); t != TypeString && t != TypeUnknown {
		hint := ""
		if t == TypeInt || t == TypeIP {
			hint = "compare numbers and addresses with ==, or turn them into text with string(...)"
		}
		c.errorf(e, hint, "%s works on text, but this is %s", op, t)
	}
}

func (c *checker) checkPrefix(lit *Literal) bool {
	p, ok := lit.Value.(netip.Prefix)
	if !ok {
		return false
	}
	if p.Addr().Zone() != "" {
		c.errorf(lit, "", "a network cannot have a zone")
		return false
	}
	return true
}

var orderOps = map[string]bool{"<": true, "<=": true, ">": true, ">=": true}

func (c *checker) binary(x *Binary) Type {
	switch x.Op {
	case "and", "or":
		c.condition(x.L, x.Op)
		c.condition(x.R, x.Op)
		return TypeBool
	case "+", "-", "*", "/", "%":
		lt, rt := c.expr(x.L), c.expr(x.R)
		if !lt.numeric() || !rt.numeric() {
			c.errorf(x, "arithmetic works on numbers (int and float fields)", "%s needs numbers, but this is %s %s %s", x.Op, lt, x.Op, rt)
			return TypeUnknown
		}
		if lt == TypeFloat || rt == TypeFloat || x.Op == "/" {
			return TypeFloat
		}
		if lt == TypeUnknown || rt == TypeUnknown {
			return TypeUnknown
		}
		return TypeInt
	case "=~", "!~":
		c.wantString(x.L, x.Op)
		c.wantString(x.R, x.Op)
		return TypeBool
	}
	lt, rt := c.expr(x.L), c.expr(x.R)
	if lt == TypeNull || rt == TypeNull {
		n := x.R
		if lt == TypeNull {
			n = x.L
		}
		hint := "write FIELD is null"
		if x.Op == "!=" {
			hint = "write FIELD is not null"
		}
		c.errorf(n, hint, "nothing equals null")
		return TypeBool
	}
	lt, rt = c.coerce(x.L, lt, rt), c.coerce(x.R, rt, lt)
	if !comparable(lt, rt) {
		c.errorf(x, compareHint(lt, rt), "cannot compare %s with %s", lt, rt)
		return TypeBool
	}
	if orderOps[x.Op] {
		t := lt
		if t == TypeUnknown {
			t = rt
		}
		switch t {
		case TypeBool, TypeIP, TypeJSON, TypeList:
			hint := ""
			if t == TypeIP {
				hint = "test networks with in, e.g. src_ip in 10.0.0.0/8"
			}
			c.errorf(x, hint, "%s values have no order: %s cannot compare them", t, x.Op)
		}
	}
	return TypeBool
}

func compareHint(a, b Type) string {
	if a == TypeString && b == TypeInt || a == TypeInt && b == TypeString {
		return `numbers are written without quotes (dst_port == 443); text with quotes (event_code == "4625")`
	}
	return ""
}

func comparable(a, b Type) bool {
	if a == TypeUnknown || b == TypeUnknown || a == b {
		return true
	}
	return a.numeric() && b.numeric()
}

// coerce converts a string literal to the type it is compared with (a time or an IP address),
// reporting text that cannot be converted. It returns the literal's new type.
func (c *checker) coerce(e Expr, t, other Type) Type {
	lit, ok := e.(*Literal)
	if !ok {
		return t
	}
	switch {
	case lit.Kind == LitString && other == TypeTime:
		tm, err := parseTimeLiteral(lit.Value.(string))
		if err != nil {
			c.errorf(lit, "write times as 2024-01-31, 2024-01-31 13:45:00 or 2024-01-31T13:45:00Z (UTC unless an offset is given)", "cannot read %s as a time", lit.Text)
			return TypeUnknown
		}
		lit.Coerced = tm
		c.out.types[e] = TypeTime
		return TypeTime
	case lit.Kind == LitString && other == TypeIP:
		a, err := netip.ParseAddr(lit.Value.(string))
		if err != nil {
			hint := ""
			if strings.Contains(lit.Value.(string), "/") {
				hint = "test networks with in: src_ip in 10.0.0.0/8"
			}
			c.errorf(lit, hint, "%s is not an IP address", lit.Text)
			return TypeUnknown
		}
		lit.Coerced = a.Unmap().String()
		c.out.types[e] = TypeIP
		return TypeIP
	case lit.Kind == LitIP:
		lit.Coerced = lit.Value.(netip.Addr).String()
	}
	return t
}

var timeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02"}

func parseTimeLiteral(s string) (time.Time, error) {
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("bad time %q", s)
}

func (c *checker) in(x *In) Type {
	t := c.expr(x.X)
	if x.Fold && t != TypeString && t != TypeUnknown {
		c.errorf(x.X, "use in for numbers and addresses", "in~ compares text ignoring case, but this is %s", t)
		return TypeBool
	}
	for i, item := range x.List {
		if x.List[i] = c.expandValue(item); x.List[i] != item {
			if t != TypeString && t != TypeUnknown {
				c.errorf(item, "", "%s() gives text, but this is %s", x.List[i].(*Expansion).Call.Name.Name, t)
			}
			continue
		}
		lit, isLit := item.(*Literal)
		if isLit && lit.Kind == LitCIDR {
			if t != TypeIP && t != TypeUnknown {
				c.errorf(lit, "", "a network in the list needs an IP field on the left, but this is %s", t)
			} else if c.checkPrefix(lit) {
				c.out.cidrItems[x] = true
			}
			c.out.types[item] = TypeIP
			continue
		}
		if isLit && lit.Kind == LitString && t == TypeIP && strings.Contains(lit.Value.(string), "/") {
			p, err := netip.ParsePrefix(lit.Value.(string))
			if err != nil {
				c.errorf(lit, "write a network as address/bits, e.g. 10.0.0.0/8", "%s is not a network", lit.Text)
				continue
			}
			*lit = Literal{Span: lit.Span, Kind: LitCIDR, Text: lit.Text, Value: p.Masked()}
			if c.checkPrefix(lit) {
				c.out.cidrItems[x] = true
			}
			c.out.types[item] = TypeIP
			continue
		}
		it := c.expr(item)
		if it == TypeNull {
			c.errorf(item, "test missing values with is null", "null is never in a list")
			continue
		}
		it = c.coerce(item, it, t)
		if x.Fold {
			if it != TypeString && it != TypeUnknown {
				c.errorf(item, "", "in~ compares text, but this is %s", it)
			}
			continue
		}
		if !comparable(t, it) {
			c.errorf(item, compareHint(t, it), "cannot compare %s with %s", t, it)
		}
	}
	return TypeBool
}

// walkExpr calls fn on e and every expression inside it.
func walkExpr(e Expr, fn func(Expr)) {
	if e == nil {
		return
	}
	fn(e)
	switch x := e.(type) {
	case *Call:
		for _, a := range x.Args {
			walkExpr(a, fn)
		}
	case *Unary:
		walkExpr(x.X, fn)
	case *Binary:
		walkExpr(x.L, fn)
		walkExpr(x.R, fn)
	case *Not:
		walkExpr(x.X, fn)
	case *In:
		walkExpr(x.X, fn)
		for _, a := range x.List {
			walkExpr(a, fn)
		}
	case *InCIDR:
		walkExpr(x.X, fn)
	case *StrMatch:
		walkExpr(x.X, fn)
		for _, a := range x.Values {
			walkExpr(a, fn)
		}
	case *Regex:
		walkExpr(x.X, fn)
	case *IsNull:
		walkExpr(x.X, fn)
	}
}

// sequence checks a sequence source and sets the schema it produces.
func (c *checker) sequence(s *Sequence) {
	c.schema = c.sourceSchema()
	var out []Column
	seen := map[string]bool{}
	for _, k := range s.By {
		col, ok := c.column(k.Name)
		if !ok {
			c.unknownField(k, k.Name)
			continue
		}
		seen[k.Name] = true
		out = append(out, col)
	}
	if _, ok := c.column("time"); !ok {
		c.errorf(s, "", "sequence needs a time column")
	}
	if _, ok := c.column("id"); !ok {
		c.errorf(s, "", "sequence needs an id column")
	}
	// Step keys: every step names the same number; the first step's names name the columns.
	var stepKeys []Column
	for i, st := range s.Steps {
		c.source(st.Source)
		if st.Where != nil {
			c.condition(st.Where, "a sequence step")
		}
		if st.Count != nil {
			if n, _ := st.Count.Value.(int64); n < 1 || n > 10000 {
				c.errorf(st.Count, "", "a step count must be between 1 and 10000")
			}
		}
		if i > 0 && len(st.By) != len(s.Steps[0].By) {
			c.errorf(st, "write the same number of keys after each step: [...] by a, b", "this step has %d keys, the first step %d", len(st.By), len(s.Steps[0].By))
			continue
		}
		for j, k := range st.By {
			t := c.expr(k.Expr)
			if t == TypeJSON || t == TypeList || t == TypeBool {
				c.errorf(k, "", "a sequence key cannot be %s", t)
			}
			if i > 0 {
				k.Name = s.Steps[0].By[j].Name
				if want := stepKeys[j].Type; t != want && t != TypeUnknown && want != TypeUnknown {
					c.errorf(k, "", "this key is %s, the first step's %s", t, want)
				}
				continue
			}
			c.nameKey(k, "key")
			if k.Name != "" && seen[k.Name] {
				c.errorf(k, "give it another name with as", "two sequence keys are named %q", k.Name)
			}
			seen[k.Name] = true
			stepKeys = append(stepKeys, Column{Name: k.Name, Type: t})
		}
	}
	for _, n := range []string{"first", "last", "evidence"} {
		if seen[n] {
			c.errorf(s, "give the key another name with as", "a sequence key may not be named %q: the output has a column of that name", n)
		}
	}
	out = append(out, stepKeys...)
	c.schema = append(out,
		Column{Name: "first", Type: TypeTime, Doc: "time of the first event of the sequence"},
		Column{Name: "last", Type: TypeTime, Doc: "time of the last event of the sequence"},
		Column{Name: "evidence", Type: TypeList, Doc: "ids of the sequence's events, in order"},
	)
}
