package intel

import (
	"errors"
	"fmt"
	"strings"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// The STIX 2.1 patterning language (STIX 2.1 part 9), parsed whole and then reduced to the
// values an event can be matched against. The grammar structs stay private; Reduce is the API.

var patternLexer = lexer.MustSimple([]lexer.SimpleRule{
	{Name: "Whitespace", Pattern: `[ \t\r\n]+`},
	{Name: "Typed", Pattern: `[thb]'(\\.|[^'\\])*'`}, // t'timestamp', h'hex', b'base64'
	{Name: "String", Pattern: `'(\\.|[^'\\])*'`},
	{Name: "Number", Pattern: `[-+]?[0-9]+(\.[0-9]+)?`},
	{Name: "Ident", Pattern: `[a-zA-Z_][a-zA-Z0-9_-]*`},
	{Name: "Op", Pattern: `!=|<=|>=|=|<|>`},
	{Name: "Punct", Pattern: `[\[\]():.,*]`},
})

type gPattern struct {
	First *gObsTerm   `parser:"@@"`
	Rest  []*gObsNext `parser:"@@*"`
}

type gObsNext struct {
	Op   string    `parser:"@('AND' | 'OR' | 'FOLLOWEDBY')"`
	Term *gObsTerm `parser:"@@"`
}

type gObsTerm struct {
	Comp       *gCompExpr   `parser:"( '[' @@ ']'"`
	Group      *gPattern    `parser:"| '(' @@ ')' )"`
	Qualifiers []gQualifier `parser:"@@*"`
}

type gQualifier struct {
	Within  *string `parser:"  'WITHIN' @Number 'SECONDS'"`
	Repeats *string `parser:"| 'REPEATS' @Number 'TIMES'"`
	Start   *string `parser:"| 'START' @Typed"`
	Stop    string  `parser:"  'STOP' @Typed"`
}

type gCompExpr struct {
	First *gCompTerm   `parser:"@@"`
	Rest  []*gCompNext `parser:"@@*"`
}

type gCompNext struct {
	Op   string     `parser:"@('AND' | 'OR')"`
	Term *gCompTerm `parser:"@@"`
}

type gCompTerm struct {
	Group *gCompExpr   `parser:"  '(' @@ ')'"`
	Comp  *gComparison `parser:"| @@"`
}

type gComparison struct {
	Pos    lexer.Position
	Object string   `parser:"@Ident ':'"`
	First  string   `parser:"@( Ident | String )"`
	Path   []gStep  `parser:"@@*"`
	Not    bool     `parser:"@'NOT'?"`
	Op     string   `parser:"@( Op | 'IN' | 'LIKE' | 'MATCHES' | 'ISSUBSET' | 'ISSUPERSET' )"`
	Value  *gValue  `parser:"( @@"`
	Set    []gValue `parser:"| '(' @@ ( ',' @@ )* ')' )"`
}

type gStep struct {
	Name  string `parser:"  '.' @( Ident | String )"`
	Index string `parser:"| '[' @( Number | '*' ) ']'"`
}

type gValue struct {
	Str   *string `parser:"  @String"`
	Typed *string `parser:"| @Typed"`
	Num   *string `parser:"| @Number"`
	Bool  *string `parser:"| @('true' | 'false')"`
}

var patternParser = participle.MustBuild[gPattern](
	participle.Lexer(patternLexer),
	participle.Elide("Whitespace"),
	participle.UseLookahead(4),
)

// MaxPattern is the longest pattern accepted, and MaxNesting the deepest bracket nesting.
const (
	MaxPattern = 64 << 10
	MaxNesting = 100
)

// Comparison is one `object:path op value` of a pattern, as text.
type Comparison struct {
	Object string   // ipv4-addr, file, ...
	Path   string   // value, hashes.SHA-256, dst_ref.value
	Op     string   // =, IN, LIKE, ... (NOT prefixed when negated)
	Values []string // unquoted values; more than one for IN
}

func (c Comparison) String() string {
	return fmt.Sprintf("%s:%s %s %s", c.Object, c.Path, c.Op, strings.Join(quoteAll(c.Values), ", "))
}

func quoteAll(vs []string) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = "'" + v + "'"
	}
	return out
}

// Value is one matchable value a pattern reduced to.
type Value struct {
	Type  Type
	Value string
}

// Reduction is what a pattern means for matching: the values any of which is evidence, and how
// the pattern was broadened to get there.
type Reduction struct {
	Values []Value
	Note   string // "AND reduced to any of its values; WITHIN ignored", or ""
}

// ErrNotReducible marks a pattern that parses but has a comparison no indicator value expresses;
// the reader reports its indicator as skipped.
var ErrNotReducible = errors.New("pattern cannot be reduced to indicator values")

// ParsePattern parses a STIX pattern and returns its comparisons in order, and the observation
// operators, comparison operators and qualifiers it uses.
func ParsePattern(src string) (comps []Comparison, ops []string, err error) {
	if len(src) > MaxPattern {
		return nil, nil, fmt.Errorf("pattern of %d bytes is longer than %d", len(src), MaxPattern)
	}
	if d := nesting(src); d > MaxNesting {
		return nil, nil, fmt.Errorf("pattern nests brackets %d deep (at most %d)", d, MaxNesting)
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("internal error parsing pattern: %v", r)
		}
	}()
	g, err := patternParser.ParseString("", src)
	if err != nil {
		return nil, nil, err
	}
	var walkP func(p *gPattern)
	var walkC func(c *gCompExpr)
	walkC = func(c *gCompExpr) {
		terms := []*gCompTerm{c.First}
		for _, n := range c.Rest {
			ops = append(ops, n.Op)
			terms = append(terms, n.Term)
		}
		for _, t := range terms {
			if t.Group != nil {
				walkC(t.Group)
				continue
			}
			comps = append(comps, lower(t.Comp))
		}
	}
	walkT := func(t *gObsTerm) {
		if t.Comp != nil {
			walkC(t.Comp)
		} else {
			walkP(t.Group)
		}
		for _, q := range t.Qualifiers {
			switch {
			case q.Within != nil:
				ops = append(ops, "WITHIN")
			case q.Repeats != nil:
				ops = append(ops, "REPEATS")
			default:
				ops = append(ops, "START/STOP")
			}
		}
	}
	walkP = func(p *gPattern) {
		walkT(p.First)
		for _, n := range p.Rest {
			ops = append(ops, "observation "+n.Op)
			walkT(n.Term)
		}
	}
	walkP(g)
	return comps, ops, nil
}

func lower(c *gComparison) Comparison {
	var path strings.Builder
	path.WriteString(unquote(c.First))
	for _, s := range c.Path {
		if s.Index != "" {
			path.WriteString("[" + s.Index + "]")
		} else {
			path.WriteString("." + unquote(s.Name))
		}
	}
	op := c.Op
	if c.Not {
		op = "NOT " + op
	}
	vals := c.Set
	if c.Value != nil {
		vals = []gValue{*c.Value}
	}
	out := Comparison{Object: c.Object, Path: path.String(), Op: op}
	for _, v := range vals {
		out.Values = append(out.Values, v.text())
	}
	return out
}

func (v gValue) text() string {
	switch {
	case v.Str != nil:
		return unquote(*v.Str)
	case v.Typed != nil:
		return unquote((*v.Typed)[1:])
	case v.Num != nil:
		return *v.Num
	case v.Bool != nil:
		return *v.Bool
	}
	return ""
}

// unquote removes STIX single quotes and the \' and \\ escapes.
func unquote(s string) string {
	if len(s) < 2 || s[0] != '\'' || s[len(s)-1] != '\'' {
		return s
	}
	s = s[1 : len(s)-1]
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// nesting is the deepest bracket nesting of src outside quoted strings.
func nesting(src string) int {
	depth, most, quoted := 0, 0, false
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case quoted && c == '\\':
			i++
		case c == '\'':
			quoted = !quoted
		case quoted:
		case c == '(' || c == '[':
			depth++
			most = max(most, depth)
		case c == ')' || c == ']':
			depth--
		}
	}
	return most
}

// hashTypes maps STIX hash names (file:hashes.'SHA-256') to indicator types.
var hashTypes = map[string]Type{"md5": MD5, "sha-1": SHA1, "sha1": SHA1, "sha-256": SHA256, "sha256": SHA256, "sha-512": SHA512, "sha512": SHA512}

// comparisonType says which indicator type an object path holds, "" for an address whose
// value decides (IPv4, IPv6 or a network), and false when the path names nothing trawl matches.
func comparisonType(object, path string) (Type, bool) {
	switch object + ":" + path {
	case "ipv4-addr:value":
		return IPv4, true
	case "ipv6-addr:value":
		return IPv6, true
	case "domain-name:value":
		return Domain, true
	case "url:value":
		return URL, true
	case "network-traffic:src_ref.value", "network-traffic:dst_ref.value":
		return "", true
	}
	if object == "file" || object == "artifact" {
		if h, ok := strings.CutPrefix(path, "hashes."); ok {
			t, ok := hashTypes[strings.ToLower(h)]
			return t, ok
		}
	}
	return "", false
}

// Reduce parses a STIX pattern and reduces it to indicator values. Every comparison in it must
// be an equality (or IN) on an address, domain, URL or file hash; the pattern then matches
// when any of its values is seen, which is exact for OR and broader for AND, FOLLOWEDBY and
// qualifiers (the Note says so). Anything else is ErrNotReducible, wrapped with the reason.
func Reduce(src string) (Reduction, error) {
	comps, ops, err := ParsePattern(src)
	if err != nil {
		return Reduction{}, err
	}
	var red Reduction
	seen := map[Value]bool{}
	for _, c := range comps {
		t, ok := comparisonType(c.Object, c.Path)
		if !ok {
			return Reduction{}, fmt.Errorf("%w: %s compares %s:%s, which names no address, domain, URL or file hash", ErrNotReducible, short(c.String()), c.Object, c.Path)
		}
		if c.Op != "=" && c.Op != "IN" {
			return Reduction{}, fmt.Errorf("%w: %s uses %s; only = and IN give values", ErrNotReducible, short(c.String()), c.Op)
		}
		for _, v := range c.Values {
			nt, nv, err := Normalize(t, v)
			if err != nil {
				return Reduction{}, fmt.Errorf("%s: %v", short(c.String()), err)
			}
			if val := (Value{nt, nv}); !seen[val] {
				seen[val] = true
				red.Values = append(red.Values, val)
			}
		}
	}
	var notes []string
	noted := map[string]bool{}
	for _, op := range ops {
		note := ""
		switch op {
		case "OR", "observation OR":
		case "AND", "observation AND", "observation FOLLOWEDBY":
			if len(red.Values) > 1 {
				note = strings.TrimPrefix(op, "observation ") + " reduced to any of its values"
			}
		default:
			note = op + " ignored"
		}
		if note != "" && !noted[note] {
			noted[note] = true
			notes = append(notes, note)
		}
	}
	red.Note = strings.Join(notes, "; ")
	return red, nil
}
