package sigma

import (
	"path"
	"strings"
)

// condition compiles one condition expression: search names, and, or, not, parentheses,
// "1 of PATTERN", "all of PATTERN", "1 of them", "all of them".
func (c *converter) condition(src string) (string, error) {
	if i := strings.Index(src, "|"); i >= 0 {
		return "", unsupported("condition %q: aggregations after | (count() by ...) are replaced by correlation rules, not supported yet", strings.TrimSpace(src))
	}
	toks := tokenize(src)
	if len(toks) == 0 {
		return "", unsupported("empty condition")
	}
	p := &condParser{c: c, toks: toks, src: src}
	e, err := p.or()
	if err != nil {
		return "", err
	}
	if p.i < len(p.toks) {
		return "", unsupported("condition %q: unexpected %q", src, p.toks[p.i])
	}
	return e, nil
}

func tokenize(s string) []string {
	var out []string
	cur := ""
	flush := func() {
		if cur != "" {
			out = append(out, cur)
			cur = ""
		}
	}
	for _, r := range s {
		switch {
		case r == '(' || r == ')':
			flush()
			out = append(out, string(r))
		case r == ' ' || r == '\t' || r == '\n' || r == '\r':
			flush()
		default:
			cur += string(r)
		}
	}
	flush()
	return out
}

type condParser struct {
	c     *converter
	toks  []string
	i     int
	src   string
	depth int
	size  int // text written so far, bounded by maxQueryBytes
}

// maxQueryBytes bounds the text a condition expands to (each reference repeats its search).
const maxQueryBytes = 1 << 20

// search compiles a named search once per rule and counts its text against maxQueryBytes.
func (p *condParser) search(s *Search) (string, error) {
	e, ok := p.c.searches[s]
	if !ok {
		var err error
		if e, err = p.c.search(s); err != nil {
			return "", err
		}
		if p.c.searches == nil {
			p.c.searches = map[*Search]string{}
		}
		p.c.searches[s] = e
	}
	p.size += len(e)
	if p.size > maxQueryBytes {
		return "", unsupported("the condition expands to more than %d bytes", maxQueryBytes)
	}
	return e, nil
}

// maxConditionDepth bounds nested parentheses and nots, as the language bounds expressions.
const maxConditionDepth = 100

func (p *condParser) peek() string {
	if p.i < len(p.toks) {
		return strings.ToLower(p.toks[p.i])
	}
	return ""
}

func (p *condParser) or() (string, error) { return p.chain("or", p.and) }

func (p *condParser) and() (string, error) { return p.chain("and", p.not) }

// chain parses operands joined by op (or, and): one operand as it is, several each in
// parentheses.
func (p *condParser) chain(op string, operand func() (string, error)) (string, error) {
	l, err := operand()
	if err != nil {
		return "", err
	}
	parts := []string{l}
	for p.peek() == op {
		p.i++
		r, err := operand()
		if err != nil {
			return "", err
		}
		parts = append(parts, r)
	}
	if len(parts) == 1 {
		return l, nil
	}
	for i, s := range parts {
		parts[i] = paren(s)
	}
	return strings.Join(parts, " "+op+" "), nil
}

func (p *condParser) not() (string, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxConditionDepth {
		return "", unsupported("condition nests deeper than %d", maxConditionDepth)
	}
	if p.peek() == "not" {
		p.i++
		x, err := p.not()
		if err != nil {
			return "", err
		}
		return "not " + paren(x), nil
	}
	return p.primary()
}

func (p *condParser) primary() (string, error) {
	t := p.peek()
	switch {
	case t == "":
		return "", unsupported("condition %q ends too early", p.src)
	case t == "(":
		p.i++
		x, err := p.or()
		if err != nil {
			return "", err
		}
		if p.peek() != ")" {
			return "", unsupported("condition %q: missing )", p.src)
		}
		p.i++
		return "(" + x + ")", nil
	case t == "1" || t == "any" || t == "all":
		if p.i+1 >= len(p.toks) || strings.ToLower(p.toks[p.i+1]) != "of" {
			break
		}
		if p.i+2 >= len(p.toks) {
			return "", unsupported("condition %q: %s of what?", p.src, t)
		}
		pattern := p.toks[p.i+2]
		p.i += 3
		names := p.matching(pattern)
		if len(names) == 0 {
			return "", unsupported("condition %q: no search matches %q", p.src, pattern)
		}
		var parts []string
		for _, n := range names {
			e, err := p.search(n)
			if err != nil {
				return "", err
			}
			parts = append(parts, paren(e))
		}
		if len(parts) == 1 {
			return parts[0], nil
		}
		op := " or "
		if t == "all" {
			op = " and "
		}
		return "(" + strings.Join(parts, op) + ")", nil
	case t == ")" || t == "and" || t == "or" || t == "of":
		return "", unsupported("condition %q: unexpected %q", p.src, p.toks[p.i])
	case t == "near":
		return "", unsupported("condition %q: near is not supported", p.src)
	}
	name := p.toks[p.i]
	p.i++
	s := p.c.find(name)
	if s == nil {
		return "", unsupported("condition %q names %q, which is not a search of the detection", p.src, name)
	}
	return p.search(s)
}

// matching lists the searches a "1 of"/"all of" pattern names, in file order: them is every
// search (except those starting with _); otherwise a glob.
func (p *condParser) matching(pattern string) []*Search {
	var out []*Search
	for _, s := range p.c.rule.Detection {
		if strings.EqualFold(pattern, "them") {
			if !strings.HasPrefix(s.Name, "_") {
				out = append(out, s)
			}
			continue
		}
		if ok, _ := path.Match(pattern, s.Name); ok {
			out = append(out, s)
		}
	}
	return out
}

func (c *converter) find(name string) *Search {
	for _, s := range c.rule.Detection {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// paren wraps e in parentheses unless it is already one unit.
func paren(e string) string {
	if isUnit(e) {
		return e
	}
	return "(" + e + ")"
}

// isUnit reports whether e needs no parentheses next to and/not: one parenthesised group, or
// an expression without a top-level and/or.
func isUnit(e string) bool {
	unit := true
	scanCode(e, func(i, depth int) bool {
		if e[i] == ' ' && depth == 0 && (strings.HasPrefix(e[i:], " and ") || strings.HasPrefix(e[i:], " or ")) {
			unit = false
		}
		return unit
	})
	return unit
}

// unwrap drops parentheses around the whole of e.
func unwrap(e string) string {
	for strings.HasPrefix(e, "(") && strings.HasSuffix(e, ")") && closing(e) == len(e)-1 {
		e = e[1 : len(e)-1]
	}
	return e
}

// closing is the index of the parenthesis closing e's first one, skipping string literals.
func closing(e string) int {
	at := -1
	scanCode(e, func(i, depth int) bool {
		if e[i] == ')' && depth == 0 {
			at = i
		}
		return at < 0
	})
	return at
}

// scanCode calls visit with the index of each byte of e outside string literals ("..." with
// backslash escapes, '...' without) and the parenthesis depth after that byte, until visit
// returns false.
func scanCode(e string, visit func(i, depth int) bool) {
	depth := 0
	inStr := byte(0)
	for i := 0; i < len(e); i++ {
		ch := e[i]
		if inStr != 0 {
			if ch == '\\' && inStr == '"' {
				i++
				continue
			}
			if ch == inStr {
				inStr = 0
			}
			continue
		}
		switch ch {
		case '"', '\'':
			inStr = ch
			continue
		case '(':
			depth++
		case ')':
			depth--
		}
		if !visit(i, depth) {
			return
		}
	}
}
