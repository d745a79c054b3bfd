package dsl

import (
	"errors"
	"fmt"
	"math"
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// MaxQueryBytes bounds the query text Parse accepts.
const MaxQueryBytes = 64 << 10

// Parse reads a query into an AST. Errors are Errors (each with a span); a panic inside the
// parser is recovered and reported as an internal error rather than crashing the caller.
func Parse(src string) (q *Query, err error) {
	defer func() {
		if r := recover(); r != nil {
			q, err = nil, Errors{{Stage: "parse", Span: Span{Start: Pos{0, 1, 1}, End: Pos{0, 1, 1}}, Msg: fmt.Sprintf("internal error in the parser: %v", r), Hint: "please report this query"}}
		}
	}()
	if len(src) > MaxQueryBytes {
		return nil, Errors{{Stage: "parse", Span: spanAt(src, MaxQueryBytes, MaxQueryBytes+1), Msg: fmt.Sprintf("query is longer than %d bytes", MaxQueryBytes)}}
	}
	if !utf8.ValidString(src) {
		off := invalidUTF8At(src)
		return nil, Errors{{Stage: "parse", Span: spanAt(src, off, off+1), Msg: "query is not valid UTF-8"}}
	}
	code, e := checkNesting(src)
	if e != nil {
		return nil, Errors{e}
	}
	if !code {
		return nil, Errors{{Stage: "parse", Span: spanAt(src, 0, 0), Msg: "empty query", Hint: `start with an event category, e.g. logon | where outcome == "failure"`}}
	}
	g, perr := parser.ParseString("", src)
	if perr != nil {
		return nil, Errors{parseError(src, perr)}
	}
	l := &lowerer{src: src, lines: newLineIndex(src)}
	q = l.query(g)
	if len(l.errs) > 0 {
		return nil, l.errs.sorted()
	}
	return q, nil
}

// invalidUTF8At is the offset of the first byte of src that is not valid UTF-8, len(src) when
// there is none.
func invalidUTF8At(src string) int {
	off := 0
	for off < len(src) {
		r, n := utf8.DecodeRuneInString(src[off:])
		if r == utf8.RuneError && n <= 1 {
			break
		}
		off += n
	}
	return off
}

// MaxNesting bounds how deeply parentheses, brackets and prefix operators (not, -) may nest.
const MaxNesting = 100

// checkNesting refuses queries nested deeper than MaxNesting before the parser recurses into
// them. In the same pass it reports whether src holds any code besides comments and whitespace
// (up to the first token the lexer cannot read, which the parser reports).
func checkNesting(src string) (code bool, e *Error) {
	toks, err := huntLexer.LexString("", src)
	if err != nil {
		return strings.TrimSpace(src) != "", nil // the parser reports lexing errors with better context
	}
	syms := huntLexer.Symbols()
	depth, prefix := 0, 0
	for {
		t, err := toks.Next()
		if err != nil || t.EOF() {
			return code, nil
		}
		if t.Type == syms["Comment"] || t.Type == syms["Whitespace"] {
			continue
		}
		code = true
		switch v := strings.ToLower(t.Value); v {
		case "(", "[":
			depth++
		case ")", "]":
			depth--
		}
		if v := strings.ToLower(t.Value); v == "not" || v == "-" {
			prefix++
		} else {
			prefix = 0
		}
		if depth+prefix > MaxNesting {
			return code, &Error{Stage: "parse", Span: spanAt(src, t.Pos.Offset, t.Pos.Offset+len(t.Value)), Msg: fmt.Sprintf("expression nested more than %d deep", MaxNesting), Hint: "split it with eval, or simplify it"}
		}
	}
}

// parseError turns a participle error into an Error spanning the offending token, with a hint
// when the token looks like a misspelt keyword.
func parseError(src string, err error) *Error {
	var pe participle.Error
	if !errors.As(err, &pe) {
		return &Error{Stage: "parse", Span: spanAt(src, 0, 0), Msg: err.Error()}
	}
	off := min(max(pe.Position().Offset, 0), len(src))
	tok := tokenAt(src, off)
	if strings.TrimSpace(tok) == "" {
		// At the end: point just after the last thing written, not at a trailing newline.
		off = len(strings.TrimRightFunc(stripTrailingComment(src), unicode.IsSpace))
		tok = ""
	}
	e := &Error{Stage: "parse", Span: spanAt(src, off, off+len(tok)), Msg: readableExpectation(pe.Message())}
	if tok == "" {
		e.Msg = "unexpected end of query"
		if i := strings.Index(pe.Message(), "(expected"); i >= 0 {
			e.Msg += " " + readableExpectation(pe.Message()[i:])
		}
		if strings.Contains(pe.Message(), `"then"`) {
			e.Msg = "a sequence needs at least two steps"
			e.Hint = `join steps with then: [logon where outcome == "failure"] then [logon where outcome == "success"]`
		}
		return e
	}
	if isIdent(tok) {
		prev := prevToken(src, off)
		if prev != "|" && slices.Contains(stageNames, strings.ToLower(tok)) {
			e.Hint = "stages are separated by |, e.g. logon | " + strings.ToLower(tok) + " ..."
			return e
		}
		var cands []string
		switch prev {
		case "|":
			cands = stageNames
		default:
			cands = append(append([]string(nil), keywords...), stageNames...)
		}
		if s := closest(strings.ToLower(tok), cands); s != "" && s != strings.ToLower(tok) {
			e.Hint = fmt.Sprintf("did you mean %q?", s)
		}
	}
	if tok == "." {
		e.Hint = "fields, sort, dedup, rare and first_seen take column names: name a JSON key first with eval, e.g. eval image = fields.EventData.Image"
	}
	if strings.HasPrefix(tok, `"`) && !strings.HasSuffix(tok, `"`) || tok == `"` {
		e.Msg = "unterminated string"
		e.Hint = `close it with " on the same line`
	}
	if tok == "'" {
		e.Msg = "unterminated string"
		e.Hint = `close it with ' on the same line`
	}
	return e
}

// grammarWords turns participle's names for grammar structs into words for the analyst.
var grammarWords = strings.NewReplacer(
	"GStage", "a stage (where, stats, eval, fields, sort, head, dedup)",
	"GIdent", "a name",
	"GOr", "an expression",
	"GAdd", "a value",
	"GAgg", "an aggregate such as count()",
	"GCall", "a function call",
	"GKey", "a field",
	"GDuration", "a duration such as 10m",
	"GInt", "a whole number",
	"GLiteral", "a value",
	"GRegex", "a regular expression in quotes",
	"GIn", "a list in parentheses or a network",
	"GStrArgs", "text or a list in parentheses",
	"GIsNull", "null or not null",
	"GStep", "a step in brackets: [category where ...]",
	"GSortKey", "a field to sort by",
	"GAssign", "NAME = expression",
	"GFields", "field names",
	"GSort", "fields to sort by",
	"GEval", "NAME = expression",
	"GStats", "an aggregate such as count()",
	"GByStage", "field names",
	"GOutlier", "a numeric field",
	"GBeacon", "by, min or max_jitter",
	"GLookup", "a list name or a quoted file",
	"GLet", "let NAME = [...]",
	"GNumber", "a number",
	"GSequence", "sequence by ...",
	"GPredOps", "an operator",
	"GPrimary", "a value",
	"GUnary", "a value",
	"GNot", "a condition",
	"GAnd", "a condition",
	"GPred", "a condition",
	"GMul", "a value",
	"GQuery", "a query",
	"<ident>", "a name",
	"<keyword>", "a keyword",
	"<string>", "text in quotes",
	"<int>", "a whole number",
	"<eof>", "the end of the query",
)

func readableExpectation(msg string) string { return grammarWords.Replace(msg) }

// stripTrailingComment drops a comment on the last line, so an error at the end of the query
// points at the end of the code.
func stripTrailingComment(src string) string {
	toks, err := huntLexer.LexString("", src)
	if err != nil {
		return src
	}
	syms := huntLexer.Symbols()
	end := 0
	for {
		t, err := toks.Next()
		if err != nil || t.EOF() {
			return src[:end]
		}
		if t.Type != syms["Comment"] && t.Type != syms["Whitespace"] {
			end = t.Pos.Offset + len(t.Value)
		}
	}
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// tokenAt returns the text of the token starting at off ("" at the end), or the rest of the
// line when the lexer cannot read a token there.
func tokenAt(src string, off int) string {
	if off >= len(src) {
		return ""
	}
	toks, err := huntLexer.LexString("", src[off:])
	if err == nil {
		if t, err := toks.Next(); err == nil && !t.EOF() {
			return t.Value
		}
	}
	_, n := utf8.DecodeRuneInString(src[off:])
	return src[off : off+n]
}

// prevToken returns the last non-space token before off, or "".
func prevToken(src string, off int) string {
	toks, err := huntLexer.LexString("", src[:off])
	if err != nil {
		return ""
	}
	syms := huntLexer.Symbols()
	last := ""
	for {
		t, err := toks.Next()
		if err != nil || t.EOF() {
			return last
		}
		if t.Type != syms["Comment"] && t.Type != syms["Whitespace"] {
			last = t.Value
		}
	}
}

// spanAt builds a span from byte offsets, computing lines and rune columns.
func spanAt(src string, start, end int) Span {
	return Span{Start: posAt(src, start), End: posAt(src, max(start, end))}
}

func posAt(src string, off int) Pos {
	off = min(max(off, 0), len(src))
	ls := strings.LastIndexByte(src[:off], '\n') + 1
	return Pos{Offset: off, Line: strings.Count(src[:off], "\n") + 1, Col: utf8.RuneCountInString(src[ls:off]) + 1}
}

// lineIndex answers offset → line and column in constant time, so lowering a large query is
// linear: it records where each line starts and how many runes precede each byte.
type lineIndex struct {
	starts []int   // byte offset of each line's first byte
	runes  []int32 // runes[i]: runes in src[:i]
}

func newLineIndex(src string) *lineIndex {
	ix := &lineIndex{starts: []int{0}, runes: make([]int32, len(src)+1)}
	var n int32
	for i := 0; i < len(src); i++ {
		ix.runes[i] = n
		if src[i]&0xC0 != 0x80 { // not a UTF-8 continuation byte
			n++
		}
		if src[i] == '\n' {
			ix.starts = append(ix.starts, i+1)
		}
	}
	ix.runes[len(src)] = n
	return ix
}

func (ix *lineIndex) pos(off int) Pos {
	off = min(max(off, 0), len(ix.runes)-1)
	line := sort.SearchInts(ix.starts, off+1) // lines starting at or before off
	start := ix.starts[line-1]
	return Pos{Offset: off, Line: line, Col: int(ix.runes[off]-ix.runes[start]) + 1}
}

// lowerer turns grammar structs into the AST, collecting literal errors.
type lowerer struct {
	src   string
	lines *lineIndex
	errs  Errors
}

func (l *lowerer) span(p, e lexer.Position) Span { return l.spanAt(p.Offset, e.Offset) }

func (l *lowerer) spanAt(start, end int) Span {
	return Span{Start: l.lines.pos(start), End: l.lines.pos(max(start, end))}
}

func (l *lowerer) errorf(sp Span, hint, format string, args ...any) {
	l.errs = append(l.errs, &Error{Stage: "parse", Span: sp, Msg: fmt.Sprintf(format, args...), Hint: hint})
}

func (l *lowerer) query(g *gQuery) *Query {
	q := &Query{Span: l.span(g.Pos, g.EndPos)}
	for _, lt := range g.Lets {
		q.Lets = append(q.Lets, l.let(lt))
	}
	if g.Sequence != nil {
		q.Sequence = l.sequence(g.Sequence)
	} else {
		q.Source = &Source{Span: l.span(g.Source.Pos, g.Source.EndPos), Category: g.Source.Name}
	}
	for _, s := range g.Stages {
		if st := l.stage(s); st != nil {
			q.Stages = append(q.Stages, st)
		}
	}
	return q
}

func (l *lowerer) ident(g *gIdent) *Ident {
	return &Ident{Span: l.span(g.Pos, g.EndPos), Name: g.Name}
}

func (l *lowerer) idents(gs []*gIdent) []*Ident {
	var out []*Ident
	for _, g := range gs {
		out = append(out, l.ident(g))
	}
	return out
}

func (l *lowerer) sequence(g *gSequence) *Sequence {
	s := &Sequence{Span: l.span(g.Pos, g.EndPos), Within: l.duration(g.Within), By: l.idents(g.By)}
	for _, st := range g.Steps {
		step := &Step{Span: l.span(st.Pos, st.EndPos), Source: &Source{Span: l.span(st.Source.Pos, st.Source.EndPos), Category: st.Source.Name}}
		if st.Where != nil {
			step.Where = l.or(st.Where)
		}
		for _, k := range st.By {
			step.By = append(step.By, l.key(k))
		}
		if st.Count != nil {
			step.Count = l.int(st.Count)
		}
		s.Steps = append(s.Steps, step)
	}
	return s
}

// key lowers a grouping key of stats or of a sequence step.
func (l *lowerer) key(k *gKey) *Key {
	key := &Key{Span: l.span(k.Pos, k.EndPos), Expr: l.add(k.Expr)}
	if k.As != nil {
		key.As = l.ident(k.As)
	}
	return key
}

func (l *lowerer) duration(g *gDuration) *Literal {
	sp := l.span(g.Pos, g.EndPos)
	d, err := parseDuration(g.Text)
	if err != nil {
		l.errorf(sp, "durations are a whole number and a unit: ms, s, m, h, d or w (10m, 36h, 7d)", "%v", err)
	}
	return &Literal{Span: sp, Kind: LitDuration, Text: g.Text, Value: d}
}

func (l *lowerer) int(g *gInt) *Literal {
	sp := l.span(g.Pos, g.EndPos)
	n, err := strconv.ParseInt(g.Text, 10, 64)
	if err != nil {
		l.errorf(sp, "", "integer %s is out of range", g.Text)
	}
	return &Literal{Span: sp, Kind: LitInt, Text: g.Text, Value: n}
}

var durationUnits = map[string]time.Duration{
	"ms": time.Millisecond, "s": time.Second, "m": time.Minute, "h": time.Hour, "d": 24 * time.Hour, "w": 7 * 24 * time.Hour,
}

// parseDuration reads 10m, 36h, 7d, 250ms.
func parseDuration(s string) (time.Duration, error) {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	unit, ok := durationUnits[s[i:]]
	if i == 0 || !ok {
		return 0, fmt.Errorf("bad duration %q", s)
	}
	n, err := strconv.ParseInt(s[:i], 10, 64)
	if err != nil || n > math.MaxInt64/int64(unit) {
		return 0, fmt.Errorf("duration %s is too long", s)
	}
	if n == 0 {
		return 0, fmt.Errorf("duration %s is zero", s)
	}
	return time.Duration(n) * unit, nil
}

func (l *lowerer) stage(g *gStage) Stage {
	sp := l.span(g.Pos, g.EndPos)
	switch {
	case g.Where != nil:
		return &Where{Span: sp, Cond: l.or(g.Where)}
	case g.Stats != nil:
		s := &Stats{Span: sp}
		for _, a := range g.Stats.Aggs {
			agg := &Agg{Span: l.span(a.Pos, a.EndPos), Call: l.call(a.Call)}
			if a.As != nil {
				agg.As = l.ident(a.As)
			}
			s.Aggs = append(s.Aggs, agg)
		}
		for _, k := range g.Stats.By {
			s.By = append(s.By, l.key(k))
		}
		if g.Stats.Window != nil {
			s.Window = l.duration(g.Stats.Window)
		}
		if g.Stats.Every != nil {
			s.Every = l.duration(g.Stats.Every)
		}
		return s
	case g.Eval != nil:
		e := &Eval{Span: sp}
		for _, a := range g.Eval.Assigns {
			e.Assigns = append(e.Assigns, &Assign{Span: l.span(a.Pos, a.EndPos), Name: l.ident(a.Name), Expr: l.or(a.Expr)})
		}
		return e
	case g.Fields != nil:
		return &Fields{Span: sp, Drop: g.Fields.Drop, Names: l.idents(g.Fields.Names)}
	case g.Sort != nil:
		s := &Sort{Span: sp}
		for _, k := range g.Sort.Keys {
			s.Keys = append(s.Keys, &SortKey{Span: l.span(k.Pos, k.EndPos), Name: l.ident(k.Name), Desc: strings.EqualFold(k.Dir, "desc")})
		}
		return s
	case g.Head != nil:
		return &Head{Span: sp, N: l.int(g.Head)}
	case g.Dedup != nil:
		return &Dedup{Span: sp, Names: l.idents(g.Dedup.Names)}
	case g.Rare != nil:
		return &Rare{Span: sp, Names: l.idents(g.Rare.Names), By: l.idents(g.Rare.By)}
	case g.FirstSeen != nil:
		return &FirstSeen{Span: sp, Names: l.idents(g.FirstSeen.Names), By: l.idents(g.FirstSeen.By)}
	case g.Outlier != nil:
		return l.outlier(sp, g.Outlier)
	case g.Beacon != nil:
		return l.beacon(sp, g.Beacon)
	case g.Lookup != nil:
		return l.lookup(sp, g.Lookup)
	}
	return nil
}

func (l *lowerer) or(g *gOr) Expr {
	x := l.and(g.Left)
	for _, r := range g.Right {
		y := l.and(r)
		x = &Binary{Span: Span{Start: x.NodeSpan().Start, End: y.NodeSpan().End}, Op: "or", L: x, R: y}
	}
	return x
}

func (l *lowerer) and(g *gAnd) Expr {
	x := l.not(g.Left)
	for _, r := range g.Right {
		y := l.not(r)
		x = &Binary{Span: Span{Start: x.NodeSpan().Start, End: y.NodeSpan().End}, Op: "and", L: x, R: y}
	}
	return x
}

func (l *lowerer) not(g *gNot) Expr {
	if g.Not != nil {
		return &Not{Span: l.span(g.Pos, g.EndPos), X: l.not(g.Not)}
	}
	return l.pred(g.Pred)
}

func (l *lowerer) pred(g *gPred) Expr {
	x := l.add(g.Left)
	t := g.Tail
	if t == nil {
		return x
	}
	sp := l.span(g.Pos, g.EndPos)
	switch {
	case t.Cmp != "":
		return &Binary{Span: sp, Op: t.Cmp, OpPos: l.spanAt(t.Pos.Offset, t.Pos.Offset+len(t.Cmp)), L: x, R: l.add(t.Right)}
	case t.Is != nil:
		return &IsNull{Span: sp, X: x, Not: t.Is.Not}
	case t.In != nil:
		if t.In.CIDR != nil {
			lit := l.literal(t.In.CIDR)
			switch lit.Kind {
			case LitCIDR:
			case LitIP, LitString:
				// src_ip in 10.0.0.1 or in "10.0.0.0/8": a one-item list.
				return &In{Span: sp, X: x, Not: t.NotIn, Fold: t.In.Fold, List: []Expr{lit}}
			default:
				l.errorf(lit.Span, "write in (a, b, c) or in 10.0.0.0/8", "in needs a list in parentheses or a network")
				return &In{Span: sp, X: x, Not: t.NotIn, Fold: t.In.Fold, List: []Expr{lit}}
			}
			if t.In.Fold {
				l.errorf(lit.Span, "write in~ only before a parenthesised list of strings", "in~ cannot take a network prefix")
			}
			return &InCIDR{Span: sp, X: x, Not: t.NotIn, CIDR: lit}
		}
		in := &In{Span: sp, X: x, Not: t.NotIn, Fold: t.In.Fold}
		for _, e := range t.In.List {
			in.List = append(in.List, l.add(e))
		}
		return in
	case t.Str != "":
		op := strings.ToLower(t.Str)
		m := &StrMatch{Span: sp, X: x, Op: strings.TrimSuffix(op, "_cs"), CaseSensitive: strings.HasSuffix(op, "_cs")}
		switch strings.ToLower(t.StrArgs.Mode) {
		case "all":
			m.Mode = MatchAll
		case "any":
			m.Mode = MatchAny
		}
		if t.StrArgs.One != nil {
			m.Values = []Expr{l.add(t.StrArgs.One)}
		} else {
			for _, e := range t.StrArgs.List {
				m.Values = append(m.Values, l.add(e))
			}
			if m.Mode == MatchOne {
				m.Mode = MatchAny
			}
		}
		return m
	case t.Regex != nil:
		return &Regex{Span: sp, X: x, Pattern: l.literal(t.Regex.Lit)}
	}
	return x
}

func (l *lowerer) add(g *gAdd) Expr {
	x := l.mul(g.Left)
	for _, r := range g.Right {
		y := l.mul(r.Right)
		x = &Binary{Span: Span{Start: x.NodeSpan().Start, End: y.NodeSpan().End}, Op: r.Op, OpPos: l.spanAt(r.Pos.Offset, r.Pos.Offset+1), L: x, R: y}
	}
	return x
}

func (l *lowerer) mul(g *gMul) Expr {
	x := l.unary(g.Left)
	for _, r := range g.Right {
		y := l.unary(r.Right)
		x = &Binary{Span: Span{Start: x.NodeSpan().Start, End: y.NodeSpan().End}, Op: r.Op, OpPos: l.spanAt(r.Pos.Offset, r.Pos.Offset+1), L: x, R: y}
	}
	return x
}

func (l *lowerer) unary(g *gUnary) Expr {
	if g.Neg != nil {
		x := l.unary(g.Neg)
		sp := l.span(g.Pos, g.EndPos)
		// Fold -literal into the literal so -5 is one bound value.
		if lit, ok := x.(*Literal); ok {
			switch v := lit.Value.(type) {
			case int64:
				return &Literal{Span: sp, Kind: LitInt, Text: "-" + lit.Text, Value: -v}
			case float64:
				return &Literal{Span: sp, Kind: LitFloat, Text: "-" + lit.Text, Value: -v}
			}
		}
		return &Unary{Span: sp, Op: "-", X: x}
	}
	p := g.Primary
	switch {
	case p.Lit != nil:
		return l.literal(p.Lit)
	case p.Call != nil:
		return l.call(p.Call)
	case p.Field != nil:
		f := &FieldRef{Span: l.span(p.Field.Pos, p.Field.EndPos), Name: p.Field.Name}
		for _, k := range p.Field.Path {
			if k.Ident != nil {
				f.Path = append(f.Path, *k.Ident)
				continue
			}
			s, _, err := unquote(*k.String)
			if err != nil {
				l.errorf(f.Span, `keys in [...] are double-quoted strings: fields["id.orig_h"]`, "%v", err)
			}
			f.Path = append(f.Path, s)
		}
		return f
	default:
		return l.or(p.Paren)
	}
}

func (l *lowerer) call(g *gCall) *Call {
	c := &Call{Span: l.span(g.Pos, g.EndPos), Name: l.ident(g.Name)}
	for _, a := range g.Args {
		c.Args = append(c.Args, l.or(a))
	}
	return c
}

func (l *lowerer) literal(g *gLiteral) *Literal {
	sp := l.span(g.Pos, g.EndPos)
	lit := &Literal{Span: sp}
	switch {
	case g.CIDR != nil:
		lit.Kind, lit.Text = LitCIDR, *g.CIDR
		p, err := netip.ParsePrefix(*g.CIDR)
		if err != nil {
			l.errorf(sp, "write a network as address/bits, e.g. 10.0.0.0/8", "bad network prefix %s", *g.CIDR)
		} else if p.Masked() != p {
			l.errorf(sp, fmt.Sprintf("did you mean %s?", p.Masked()), "network prefix %s has host bits set", *g.CIDR)
		}
		lit.Value = p.Masked()
	case g.IP != nil:
		lit.Kind, lit.Text = LitIP, *g.IP
		a, err := netip.ParseAddr(*g.IP)
		if err != nil {
			l.errorf(sp, "", "bad IP address %s", *g.IP)
		}
		lit.Value = a
	case g.Duration != nil:
		return l.duration(&gDuration{Pos: g.Pos, EndPos: g.EndPos, Text: *g.Duration})
	case g.Float != nil:
		lit.Kind, lit.Text = LitFloat, *g.Float
		f, err := strconv.ParseFloat(*g.Float, 64)
		if err != nil {
			l.errorf(sp, "", "number %s is out of range", *g.Float)
		}
		lit.Value = f
	case g.Int != nil:
		return l.int(&gInt{Pos: g.Pos, EndPos: g.EndPos, Text: *g.Int})
	case g.String != nil:
		lit.Kind, lit.Text = LitString, *g.String
		s, bad, err := unquote(*g.String)
		if err != nil {
			l.errorf(l.spanAt(sp.Start.Offset+bad, sp.Start.Offset+bad+2), `inside "..." only \" \\ \n \r \t \0 and \u{...} are escapes; write regexes and Windows paths in single quotes: 'C:\Windows'`, "%v", err)
		}
		lit.Value = s
	case g.RawString != nil:
		lit.Kind, lit.Text = LitString, *g.RawString
		lit.Value = (*g.RawString)[1 : len(*g.RawString)-1]
	case g.True || g.False:
		lit.Kind, lit.Value = LitBool, g.True
		lit.Text = strconv.FormatBool(g.True)
	default:
		lit.Kind, lit.Text, lit.Value = LitNull, "null", nil
	}
	return lit
}

// unquote decodes a double-quoted string. On a bad escape it returns the byte offset of the
// backslash within q.
func unquote(q string) (string, int, error) {
	body := q[1 : len(q)-1]
	var b strings.Builder
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		if i+1 >= len(body) {
			return "", i + 1, errors.New("string ends in a lone backslash")
		}
		i++
		switch body[i] {
		case '"':
			b.WriteByte('"')
		case '\\':
			b.WriteByte('\\')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case '0':
			b.WriteByte(0)
		case 'u':
			end := strings.IndexByte(body[i:], '}')
			if i+1 >= len(body) || body[i+1] != '{' || end < 0 {
				return "", i, errors.New(`bad \u escape: write \u{1F600}`)
			}
			n, err := strconv.ParseUint(body[i+2:i+end], 16, 32)
			if err != nil || !utf8.ValidRune(rune(n)) {
				return "", i, fmt.Errorf(`bad \u escape %q`, body[i-1:i+end+1])
			}
			b.WriteRune(rune(n))
			i += end
		default:
			return "", i, fmt.Errorf(`unknown escape \%c in a string`, body[i])
		}
	}
	return b.String(), 0, nil
}

// Quote writes s as a double-quoted string literal of the language, so generated queries (Sigma
// rules, the workbench) can embed any text safely. s must be valid UTF-8.
func Quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case 0:
			b.WriteString(`\0`)
		default:
			if r < 0x20 || r == 0x7f {
				fmt.Fprintf(&b, `\u{%x}`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}
