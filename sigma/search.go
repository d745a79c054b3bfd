package sigma

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"trawl/dsl"
)

// KeywordField is where field-less (keyword) searches look: the original record as imported
// (a syslog line, an EVTX record rendered as JSON, a JSON line), which holds every field's
// value. Text with a backslash or double quote is also searched in its JSON-escaped form, so
// C:\Windows matches both a plain log line and a JSON record.
const KeywordField = "raw"

// search compiles one search identifier: its maps joined with or, each map's fields with and.
func (c *converter) search(s *Search) (string, error) {
	if s.Keywords != nil {
		e, err := c.keywords(s.Keywords)
		if err != nil {
			return "", fmt.Errorf("%s (search %s, line %d)", err, s.Name, s.Keywords.Line)
		}
		return e, nil
	}
	var alts []string
	for _, m := range s.Maps {
		var parts []string
		c.recType = c.recordType(m)
		for _, fm := range m {
			if fm.Field == "" {
				// "|all: [...]": keywords with modifiers.
				e, err := c.keywords(fm)
				if err != nil {
					return "", err
				}
				parts = append(parts, e)
				continue
			}
			e, err := c.fieldMatch(fm)
			if err != nil {
				return "", unsupported("%s: %v (search %s, line %d)", fm.Field, err, s.Name, fm.Line)
			}
			parts = append(parts, e)
		}
		if len(parts) == 0 {
			// An empty map matches everything.
			parts = append(parts, "true")
		}
		if len(parts) > 1 {
			for i := range parts {
				parts[i] = paren(parts[i])
			}
		}
		alts = append(alts, strings.Join(parts, " and "))
	}
	if len(alts) == 1 {
		return alts[0], nil
	}
	for i := range alts {
		alts[i] = paren(alts[i])
	}
	return strings.Join(alts, " or "), nil
}

// mods is a field's modifiers, read.
type mods struct {
	op        string // "", contains, startswith, endswith, re, cidr, exists, fieldref, lt, lte, gt, gte
	all       bool
	cased     bool
	reFlags   string
	encode    string // base64, base64offset
	utf16     string // wide, utf16le, utf16be, utf16
	windash   bool
	expand    bool
	modifiers []string
}

var opModifiers = map[string]bool{"contains": true, "startswith": true, "endswith": true, "re": true, "cidr": true, "exists": true,
	"fieldref": true, "lt": true, "lte": true, "gt": true, "gte": true}

func readMods(list []string) (mods, error) {
	m := mods{modifiers: list}
	for _, x := range list {
		switch {
		case opModifiers[x]:
			if m.op != "" {
				return m, fmt.Errorf("modifiers %s and %s cannot be combined", m.op, x)
			}
			m.op = x
		case x == "all":
			m.all = true
		case x == "cased":
			m.cased = true
		case x == "i" || x == "m" || x == "s" || x == "ignorecase" || x == "multiline" || x == "dotall":
			m.reFlags += x[:1]
		case x == "base64" || x == "base64offset":
			m.encode = x
		case x == "wide" || x == "utf16le" || x == "utf16be" || x == "utf16":
			m.utf16 = x
		case x == "windash":
			m.windash = true
		case x == "expand":
			m.expand = true
		default:
			return m, fmt.Errorf("unknown modifier %q", x)
		}
	}
	if m.reFlags != "" && m.op != "re" {
		return m, fmt.Errorf("regular expression flags (%s) need the re modifier", m.reFlags)
	}
	if m.utf16 != "" && m.encode == "" {
		return m, fmt.Errorf("%s without base64 or base64offset gives bytes, which the store never holds as text", m.utf16)
	}
	if m.encode == "base64offset" && m.op != "contains" {
		return m, fmt.Errorf("base64offset only makes sense with contains")
	}
	return m, nil
}

// target is a trawl field with its type.
type target struct {
	expr string
	typ  dsl.Type
}

// catalogue is the events table, which every converted rule is checked against.
var catalogue = dsl.EventCatalogue()

func (c *converter) target(field string) target {
	t := c.mapping.field(c.ls, field)
	if col, ok := catalogue.Column(t); ok {
		return target{t, col.Type}
	}
	return target{t, dsl.TypeString}
}

// text is the field as text, for text operations on number and address columns.
func (t target) text() string {
	if t.typ == dsl.TypeString {
		return t.expr
	}
	return "string(" + t.expr + ")"
}

// atom is one test of a field: op and a value written in the language.
type atom struct {
	op  string
	val string
}

func (c *converter) fieldMatch(fm *FieldMatch) (string, error) {
	m, err := readMods(fm.Modifiers)
	if err != nil {
		return "", err
	}
	if rec := c.ls.Records; rec != nil {
		if strings.EqualFold(fm.Field, rec.Field) {
			return c.recordTypeMatch(fm, m)
		}
		if c.recType != "" {
			if slices.Contains(rec.Lists, c.recType) {
				return c.recordListMatch(fm, m)
			}
			t := target{"fields." + c.recType + keyPath(fm.Field), dsl.TypeString}
			return c.matchTarget(t, fm, m)
		}
	}
	return c.matchTarget(c.target(fm.Field), fm, m)
}

func (c *converter) matchTarget(t target, fm *FieldMatch, m mods) (string, error) {
	values, err := c.expandValues(fm.Values, m)
	if err != nil {
		return "", err
	}
	var atoms []atom
	for _, v := range values {
		as, err := c.valueAtoms(t, m, v)
		if err != nil {
			return "", err
		}
		atoms = append(atoms, as...)
	}
	return joinAtoms(t, atoms, m.all), nil
}

var placeholderRe = regexp.MustCompile(`%[A-Za-z0-9_.-]+%`)

// expandValues replaces %placeholders% of the expand modifier with their values.
func (c *converter) expandValues(vals []Value, m mods) ([]Value, error) {
	if !m.expand {
		return vals, nil
	}
	var out []Value
	for _, v := range vals {
		names := placeholderRe.FindAllString(v.Text, -1)
		if len(names) == 0 {
			out = append(out, v)
			continue
		}
		forms := []string{v.Text}
		for _, n := range names {
			repl, ok := c.opt.Placeholders[strings.Trim(n, "%")]
			if !ok || len(repl) == 0 {
				return nil, fmt.Errorf("placeholder %s of the expand modifier has no values (give them with --placeholder %s=VALUE)", n, strings.Trim(n, "%"))
			}
			var next []string
			for _, f := range forms {
				for _, r := range repl {
					next = append(next, strings.Replace(f, n, r, 1))
				}
			}
			forms = next
		}
		for _, f := range forms {
			out = append(out, Value{Text: f})
		}
	}
	return out, nil
}

func (c *converter) valueAtoms(t target, m mods, v Value) ([]atom, error) {
	if v.Null {
		if m.op != "" {
			return nil, fmt.Errorf("null cannot be used with %s", m.op)
		}
		return []atom{{"raw", t.expr + " is null"}}, nil
	}
	switch m.op {
	case "exists":
		switch strings.ToLower(v.Text) {
		case "true", "yes":
			return []atom{{"raw", t.expr + " is not null"}}, nil
		case "false", "no":
			return []atom{{"raw", t.expr + " is null"}}, nil
		}
		return nil, fmt.Errorf("exists takes true or false, not %q", v.Text)
	case "fieldref":
		other := c.target(v.Text)
		op := "=~"
		if m.cased || t.typ != dsl.TypeString || other.typ != dsl.TypeString {
			op = "=="
		}
		if t.typ != other.typ {
			return []atom{{"raw", t.text() + " " + op + " " + other.text()}}, nil
		}
		return []atom{{"raw", t.expr + " " + op + " " + other.expr}}, nil
	case "lt", "lte", "gt", "gte":
		n, err := strconv.ParseFloat(strings.TrimSpace(v.Text), 64)
		if err != nil {
			return nil, fmt.Errorf("%s needs a number, not %q", m.op, v.Text)
		}
		ops := map[string]string{"lt": "<", "lte": "<=", "gt": ">", "gte": ">="}
		num := strconv.FormatFloat(n, 'f', -1, 64)
		if t.typ == dsl.TypeInt || t.typ == dsl.TypeFloat {
			return []atom{{"raw", t.expr + " " + ops[m.op] + " " + num}}, nil
		}
		return []atom{{"raw", "number(" + t.text() + ") " + ops[m.op] + " " + num}}, nil
	case "re":
		flags := ""
		for _, f := range "ims" {
			if strings.ContainsRune(m.reFlags, f) {
				flags += string(f)
			}
		}
		pat := v.Text
		if flags != "" {
			pat = "(?" + flags + ")" + pat
		}
		return []atom{{"matches", lit(pat)}}, nil
	case "cidr":
		return c.cidrAtoms(t, v.Text)
	}
	if m.encode != "" {
		inner := dsl.Quote(v.Text)
		if m.utf16 != "" {
			inner = m.utf16 + "(" + inner + ")"
		}
		call := m.encode + "(" + inner + ")"
		if m.op == "" {
			return []atom{{"in", call}}, nil
		}
		return []atom{{m.op + "_cs", call}}, nil
	}
	s := parseWildcards(v.Text)
	if v.jsonForm {
		if !s.likeOK {
			return nil, nil
		}
		s.text, s.like = jsonEscape(s.text), jsonEscape(s.like)
	}
	if m.windash {
		if s.wild {
			return nil, fmt.Errorf("windash with wildcards (%q) is not supported", v.Text)
		}
		call := "windash(" + dsl.Quote(s.text) + ")"
		switch {
		case m.op == "" && m.cased:
			return []atom{{"in", call}}, nil
		case m.op == "":
			return []atom{{"in~", call}}, nil
		}
		return []atom{{m.op + cs(m.cased), call}}, nil
	}
	if t.typ == dsl.TypeInt && m.op == "" && !s.wild {
		if _, err := strconv.ParseInt(strings.TrimSpace(s.text), 10, 64); err == nil {
			return []atom{{"==", strings.TrimSpace(s.text)}}, nil
		}
	}
	if t.typ == dsl.TypeIP && m.op == "" && !s.wild && validAddr(s.text) {
		return []atom{{"==", dsl.Quote(s.text)}}, nil
	}
	if s.text == "" && m.op == "" && !s.wild {
		// Empty text: the store keeps empty columns as null.
		if t.typ != dsl.TypeString || !strings.HasPrefix(t.expr, "fields") {
			return []atom{{"raw", t.expr + " is null"}}, nil
		}
		return []atom{{"raw", "(" + t.expr + " is null or " + t.expr + ` == "")`}}, nil
	}
	if !s.wild {
		switch m.op {
		case "":
			if m.cased {
				return []atom{{"==", lit(s.text)}}, nil
			}
			return []atom{{"=~", lit(s.text)}}, nil
		default:
			return []atom{{m.op + cs(m.cased), lit(s.text)}}, nil
		}
	}
	pat := s.like
	re := s.re
	switch m.op {
	case "contains":
		pat, re = "*"+pat+"*", ".*"+re+".*"
	case "startswith":
		pat, re = pat+"*", re+".*"
	case "endswith":
		pat, re = "*"+pat, ".*"+re
	}
	if s.likeOK {
		return []atom{{"like" + cs(m.cased), lit(pat)}}, nil
	}
	flags := "(?s)"
	if !m.cased {
		flags = "(?is)"
	}
	return []atom{{"matches", lit(flags + "^" + re + "$")}}, nil
}

func cs(cased bool) string {
	if cased {
		return "_cs"
	}
	return ""
}

// joinAtoms writes the atoms of one field: any of them (all of them with the all modifier),
// grouped into lists where the language has them.
func joinAtoms(t target, atoms []atom, all bool) string {
	var order []string
	groups := map[string][]string{}
	for _, a := range atoms {
		if _, ok := groups[a.op]; !ok {
			order = append(order, a.op)
		}
		groups[a.op] = append(groups[a.op], a.val)
	}
	join := " or "
	mode := "any"
	if all {
		join, mode = " and ", "all"
	}
	var parts []string
	for _, op := range order {
		vals := groups[op]
		lhs := t.expr
		if op != "raw" && op != "==" && op != "in" && t.typ != dsl.TypeString {
			lhs = t.text()
		}
		switch op {
		case "raw":
			parts = append(parts, vals...)
		case "matches":
			for _, v := range vals {
				parts = append(parts, lhs+" matches "+v)
			}
		case "=~", "==", "in", "in~":
			if all && len(vals) > 1 {
				for _, v := range vals {
					parts = append(parts, single(lhs, op, v))
				}
				continue
			}
			if len(vals) == 1 {
				parts = append(parts, single(lhs, op, vals[0]))
				continue
			}
			listOp := "in"
			if op == "=~" || op == "in~" {
				listOp = "in~"
			}
			parts = append(parts, lhs+" "+listOp+" ("+strings.Join(vals, ", ")+")")
		default:
			if len(vals) == 1 {
				parts = append(parts, lhs+" "+op+" "+vals[0])
				continue
			}
			parts = append(parts, lhs+" "+op+" "+mode+" ("+strings.Join(vals, ", ")+")")
		}
	}
	if len(parts) == 1 {
		return parts[0]
	}
	for i := range parts {
		parts[i] = paren(parts[i])
	}
	return strings.Join(parts, join)
}

func single(lhs, op, v string) string {
	switch op {
	case "in", "in~":
		return lhs + " " + op + " (" + v + ")"
	}
	return lhs + " " + op + " " + v
}

// keywords compiles a field-less search over KeywordField: any of the values (all of them with
// |all), each as text contained anywhere in the record.
func (c *converter) keywords(fm *FieldMatch) (string, error) {
	m, err := readMods(fm.Modifiers)
	if err != nil {
		return "", unsupported("keywords: %v", err)
	}
	if m.op == "" {
		m.op = "contains"
	}
	if m.op != "contains" && m.op != "startswith" && m.op != "endswith" && m.op != "re" {
		return "", unsupported("keywords cannot take the %s modifier", m.op)
	}
	t := target{KeywordField, dsl.TypeString}
	values, err := c.expandValues(fm.Values, m)
	if err != nil {
		return "", unsupported("keywords: %v", err)
	}
	var perValue []string
	var flat []atom
	for _, v := range values {
		if v.Null {
			return "", unsupported("keywords: null is not a keyword")
		}
		forms := []Value{v}
		if w := parseWildcards(v.Text); jsonEscape(w.like) != w.like && m.op != "re" && m.encode == "" {
			forms = append(forms, Value{Text: v.Text, jsonForm: true})
		}
		var atoms []atom
		for _, f := range forms {
			as, err := c.valueAtoms(t, m, f)
			if err != nil {
				return "", unsupported("keywords: %v", err)
			}
			atoms = append(atoms, as...)
		}
		flat = append(flat, atoms...)
		perValue = append(perValue, joinAtoms(t, atoms, false))
	}
	if !m.all {
		return joinAtoms(t, flat, false), nil
	}
	if len(perValue) == 1 {
		return perValue[0], nil
	}
	for i := range perValue {
		perValue[i] = paren(perValue[i])
	}
	return strings.Join(perValue, " and "), nil
}

// jsonEscape writes s as it appears inside a JSON string (for the escapes that matter in
// searches: backslash and double quote).
func jsonEscape(s string) string { return jsonEscaper.Replace(s) }

var jsonEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`)

// wildString is a Sigma value read for wildcards: * (any text) and ? (one character), with \*,
// \? and \\ for the characters themselves.
type wildString struct {
	text   string // the value with escapes resolved (when wild is false)
	wild   bool
	like   string // a like pattern (valid when likeOK: no literal * or ?)
	likeOK bool
	re     string // an RE2 pattern of the whole value
}

func parseWildcards(s string) wildString {
	var w wildString
	var text, like, re strings.Builder
	w.likeOK = true
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch == '\\' && i+1 < len(s) && (s[i+1] == '*' || s[i+1] == '?' || s[i+1] == '\\'):
			i++
			text.WriteByte(s[i])
			like.WriteByte(s[i])
			re.WriteString(regexp.QuoteMeta(s[i : i+1]))
			if s[i] != '\\' {
				w.likeOK = false
			}
		case ch == '*':
			w.wild = true
			like.WriteByte('*')
			re.WriteString(".*")
		case ch == '?':
			w.wild = true
			like.WriteByte('?')
			re.WriteString(".")
		default:
			text.WriteByte(ch)
			like.WriteByte(ch)
			re.WriteString(regexp.QuoteMeta(s[i : i+1]))
		}
	}
	w.text, w.like, w.re = text.String(), like.String(), re.String()
	return w
}

// lit writes text as a string literal of the language: in single quotes (taken as written,
// readable for Windows paths and regular expressions) when it has a backslash and no single
// quote, else in double quotes with escapes.
func lit(s string) string {
	if strings.Contains(s, `\`) && !strings.ContainsAny(s, "'\n\r") && !hasControl(s) {
		return "'" + s + "'"
	}
	return dsl.Quote(s)
}

func hasControl(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return true
		}
	}
	return false
}

// cidrAtoms tests a field against a network: with in on address columns; on text fields (an
// address kept as text in the record) by its canonical text: the prefixes an IPv4 network's
// addresses start with, a pattern for an IPv6 network.
func (c *converter) cidrAtoms(t target, s string) ([]atom, error) {
	p, err := netip.ParsePrefix(strings.TrimSpace(s))
	if err != nil {
		if a, aerr := netip.ParseAddr(strings.TrimSpace(s)); aerr == nil {
			p = netip.PrefixFrom(a, a.BitLen())
		} else {
			return nil, fmt.Errorf("cidr: %q is not a network", s)
		}
	}
	p = p.Masked()
	if t.typ == dsl.TypeIP {
		return []atom{{"in", dsl.Quote(p.String())}}, nil
	}
	if t.typ != dsl.TypeString {
		return nil, fmt.Errorf("cidr on %s, which is not an address", t.expr)
	}
	a := p.Addr()
	if p.Bits() == a.BitLen() {
		return []atom{{"=~", dsl.Quote(a.String())}}, nil
	}
	if a.Is4() {
		b := a.As4()
		full := p.Bits() / 8
		prefix := ""
		for i := 0; i < full; i++ {
			prefix += strconv.Itoa(int(b[i])) + "."
		}
		rem := p.Bits() % 8
		if rem == 0 {
			if full == 0 {
				return []atom{{"raw", t.expr + ` matches '^\d+\.\d+\.\d+\.\d+$'`}}, nil
			}
			return []atom{{"startswith", dsl.Quote(prefix)}}, nil
		}
		var out []atom
		n := 1 << (8 - rem)
		for v := int(b[full]); v < int(b[full])+n; v++ {
			if full == 3 {
				out = append(out, atom{"=~", dsl.Quote(prefix + strconv.Itoa(v))})
			} else {
				out = append(out, atom{"startswith", dsl.Quote(prefix + strconv.Itoa(v) + ".")})
			}
		}
		return out, nil
	}
	// IPv6 in canonical text: full groups written in hex without leading zeros, then the
	// partial group's fixed nibbles.
	b := a.As16()
	groups := p.Bits() / 16
	var re strings.Builder
	re.WriteString("(?i)^")
	for i := 0; i < groups; i++ {
		g := int(b[2*i])<<8 | int(b[2*i+1])
		if g == 0 {
			return nil, fmt.Errorf("cidr %s: networks with zero groups cannot be matched on text fields yet", s)
		}
		re.WriteString(strconv.FormatInt(int64(g), 16) + ":")
	}
	if rem := p.Bits() % 16; rem != 0 {
		g := int(b[2*groups])<<8 | int(b[2*groups+1])
		if g < 0x1000 {
			return nil, fmt.Errorf("cidr %s: this network cannot be matched on text fields yet", s)
		}
		hex := fmt.Sprintf("%04x", g)
		fixed := rem / 4
		re.WriteString(hex[:fixed])
		if r := rem % 4; r != 0 {
			nib := int(hex[fixed] - '0')
			if hex[fixed] >= 'a' {
				nib = int(hex[fixed]-'a') + 10
			}
			re.WriteString("[")
			for v := nib; v < nib+(1<<(4-r)); v++ {
				re.WriteString(strconv.FormatInt(int64(v), 16))
			}
			re.WriteString("]")
			fixed++
		}
		re.WriteString(fmt.Sprintf("[0-9a-f]{%d}:", 4-fixed))
	}
	return []atom{{"matches", lit(re.String())}}, nil
}

// recordType is the record type a map's type field names (auditd), "" when it names none or
// several.
func (c *converter) recordType(m []*FieldMatch) string {
	rec := c.ls.Records
	if rec == nil {
		return ""
	}
	for _, fm := range m {
		if strings.EqualFold(fm.Field, rec.Field) && len(fm.Modifiers) == 0 && len(fm.Values) == 1 && !fm.Values[0].Null && plainKey(fm.Values[0].Text) {
			return strings.ToUpper(fm.Values[0].Text)
		}
	}
	return ""
}

// recordTypeMatch tests that an event has a record of the type.
func (c *converter) recordTypeMatch(fm *FieldMatch, m mods) (string, error) {
	if len(fm.Modifiers) > 0 {
		return "", fmt.Errorf("the record type field %s takes no modifiers here", fm.Field)
	}
	var parts []string
	for _, v := range fm.Values {
		if v.Null || !plainKey(v.Text) {
			return "", fmt.Errorf("record type %q is not a plain name", v.Text)
		}
		parts = append(parts, "fields."+strings.ToUpper(v.Text)+" is not null")
	}
	if len(parts) == 1 {
		return parts[0], nil
	}
	return "(" + strings.Join(parts, " or ") + ")", nil
}

// recordListMatch tests a field of repeated records (auditd PATH), kept as a JSON list, by its
// JSON text: "name":"value". It is approximate, and the rule is reported partial.
func (c *converter) recordListMatch(fm *FieldMatch, m mods) (string, error) {
	if m.op != "" && m.op != "contains" && m.op != "startswith" && m.op != "endswith" || m.encode != "" || m.windash || m.cased {
		return "", fmt.Errorf("repeated %s records can only be matched by value, contains, startswith or endswith", c.recType)
	}
	c.partialf("%s records repeat and are matched on their JSON text (%s.%s): approximate", c.recType, c.recType, fm.Field)
	t := target{"fields." + c.recType, dsl.TypeString}
	key := `"` + fm.Field + `":"`
	var atoms []atom
	for _, v := range fm.Values {
		if v.Null {
			return "", fmt.Errorf("null in repeated %s records", c.recType)
		}
		w := parseWildcards(v.Text)
		val := jsonEscape(w.like)
		if !w.likeOK {
			return "", fmt.Errorf("escaped wildcards in repeated %s records", c.recType)
		}
		var pat string
		switch m.op {
		case "":
			pat = "*" + key + val + `"*`
		case "contains":
			pat = "*" + key + "*" + val + `*"*`
		case "startswith":
			pat = "*" + key + val + "*"
		case "endswith":
			pat = "*" + key + "*" + val + `"*`
		}
		atoms = append(atoms, atom{"like", lit(pat)})
	}
	return joinAtoms(t, atoms, m.all), nil
}

// keyPath writes a Sigma field name as keys of a fields path.
func keyPath(name string) string {
	var b strings.Builder
	for _, part := range strings.Split(name, ".") {
		if plainKey(part) {
			b.WriteString("." + part)
		} else {
			b.WriteString("[" + quoteKey(part) + "]")
		}
	}
	return b.String()
}
