package dsl

import (
	"encoding/base64"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf16"
)

// Expanders are functions of literal text that stand for a list of values, computed when the
// query is checked: what Sigma's base64, base64offset, wide/utf16 and windash modifiers say.
// They may appear only where a list of alternatives is meant: after contains, startswith,
// endswith (any of the values matches) and inside in (...).

// Expansion is an expander call with the values it stands for, set by the checker.
type Expansion struct {
	Span   Span
	Call   *Call
	Values []*Literal
}

func (e *Expansion) NodeSpan() Span { return e.Span }
func (*Expansion) expr()            {}

// expander computes the values of one call from its arguments (text or bytes of an inner
// encoding call).
type expander struct {
	Name    string
	Doc     string
	Example string
	// Bytes says the result is an encoding (not text) that only base64 and base64offset take.
	Bytes bool
	Fn    func(arg []byte) ([][]byte, error)
}

var expanders = map[string]*expander{}

// maxWindashForms bounds the variants windash makes: 5 per dash, for every combination.
const maxWindashForms = 625

// windashAt finds the dashes and slashes that start an option: after a non-word character or
// the start, before a word character (pySigma's \B[-/]\b).
var windashAt = regexp.MustCompile(`(^|[^A-Za-z0-9_])[-/][A-Za-z0-9_]`)

// windashChars are what Windows command lines accept in place of an option's dash.
var windashChars = []string{"-", "/", "\u2013", "\u2014", "\u2015"}

func init() {
	for _, e := range []*expander{
		{Name: "base64", Doc: "the text encoded in base64 (as Sigma's base64 modifier)", Example: `command_line contains base64("http://")`,
			Fn: func(b []byte) ([][]byte, error) { return [][]byte{[]byte(base64.StdEncoding.EncodeToString(b))}, nil }},
		{Name: "base64offset", Doc: "the three base64 forms of the text at each offset inside a longer encoded string (as Sigma's base64offset)", Example: `command_line contains base64offset("IEX (")`,
			Fn: func(b []byte) ([][]byte, error) { return base64Offsets(b), nil }},
		{Name: "wide", Bytes: true, Doc: "the text as UTF-16LE, for base64 and base64offset (Sigma's wide and utf16le)", Example: `command_line contains base64offset(wide("IEX"))`,
			Fn: func(b []byte) ([][]byte, error) { return [][]byte{encodeUTF16(string(b), false, false)}, nil }},
		{Name: "utf16le", Bytes: true, Doc: "the text as UTF-16LE, for base64 and base64offset", Example: `command_line contains base64(utf16le("IEX"))`,
			Fn: func(b []byte) ([][]byte, error) { return [][]byte{encodeUTF16(string(b), false, false)}, nil }},
		{Name: "utf16be", Bytes: true, Doc: "the text as UTF-16BE, for base64 and base64offset", Example: `command_line contains base64(utf16be("IEX"))`,
			Fn: func(b []byte) ([][]byte, error) { return [][]byte{encodeUTF16(string(b), true, false)}, nil }},
		{Name: "utf16", Bytes: true, Doc: "the text as UTF-16LE after a byte order mark, for base64 and base64offset", Example: `command_line contains base64(utf16("IEX"))`,
			Fn: func(b []byte) ([][]byte, error) { return [][]byte{encodeUTF16(string(b), false, true)}, nil }},
		{Name: "windash", Doc: "the text with each option dash or slash as -, /, en dash, em dash and horizontal bar, every combination (as Sigma's windash)", Example: `command_line contains windash("-enc")`,
			Fn: windash},
	} {
		expanders[e.Name] = e
	}
}

// base64Offsets is pySigma's base64offset: the text shifted by 0, 1 and 2 bytes inside an
// encoded stream, with the characters that depend on the unknown neighbours cut off.
func base64Offsets(b []byte) [][]byte {
	start := []int{0, 2, 3}
	endCut := []int{0, 3, 2}
	var out [][]byte
	for i := range 3 {
		enc := base64.StdEncoding.EncodeToString(append([]byte(strings.Repeat(" ", i)), b...))
		end := len(enc) - endCut[(len(b)+i)%3]
		if start[i] < end {
			out = append(out, []byte(enc[start[i]:end]))
		}
	}
	return out
}

func encodeUTF16(s string, bigEndian, bom bool) []byte {
	units := utf16.Encode([]rune(s))
	if bom {
		units = append([]uint16{0xFEFF}, units...)
	}
	out := make([]byte, 0, 2*len(units))
	for _, u := range units {
		if bigEndian {
			out = append(out, byte(u>>8), byte(u))
		} else {
			out = append(out, byte(u), byte(u>>8))
		}
	}
	return out
}

func windash(b []byte) ([][]byte, error) {
	s := string(b)
	var at []int
	for _, m := range windashAt.FindAllStringSubmatchIndex(s, -1) {
		at = append(at, m[3]) // the dash follows the (possibly empty) first group
	}
	forms := 1
	for range at {
		forms *= len(windashChars)
		if forms > maxWindashForms {
			return nil, fmt.Errorf("windash would make more than %d variants; split the text", maxWindashForms)
		}
	}
	out := make([][]byte, 0, forms)
	for n := range forms {
		var sb strings.Builder
		last, k := 0, n
		for _, i := range at {
			sb.WriteString(s[last:i])
			sb.WriteString(windashChars[k%len(windashChars)])
			k /= len(windashChars)
			last = i + 1
		}
		sb.WriteString(s[last:])
		out = append(out, []byte(sb.String()))
	}
	return out, nil
}

// expandValue turns an expander call among a list of alternatives into an Expansion; other
// values are returned as they are.
func (c *checker) expandValue(v Expr) Expr {
	call, ok := v.(*Call)
	if !ok {
		return v
	}
	e, ok := expanders[strings.ToLower(call.Name.Name)]
	if !ok {
		return v
	}
	vals, err := c.expandCall(call)
	x := &Expansion{Span: call.Span, Call: call}
	if err != nil {
		c.errorf(call, "for example: "+e.Example, "%v", err)
		return x
	}
	if e.Bytes {
		c.errorf(call, "encode it: base64offset("+ExprString(call)+")", "%s() gives bytes, which only base64() and base64offset() take", e.Name)
		return x
	}
	for _, b := range vals {
		x.Values = append(x.Values, &Literal{Span: call.Span, Kind: LitString, Text: Quote(string(b)), Value: string(b)})
		c.out.types[x.Values[len(x.Values)-1]] = TypeString
	}
	c.out.types[x] = TypeString
	return x
}

func (c *checker) expandCall(call *Call) ([][]byte, error) {
	e := expanders[strings.ToLower(call.Name.Name)]
	if len(call.Args) != 1 {
		return nil, fmt.Errorf("%s() takes 1 argument, got %d", e.Name, len(call.Args))
	}
	var arg []byte
	switch a := call.Args[0].(type) {
	case *Literal:
		s, ok := a.Value.(string)
		if !ok {
			return nil, fmt.Errorf("%s() needs text in quotes", e.Name)
		}
		arg = []byte(s)
	case *Call:
		inner, ok := expanders[strings.ToLower(a.Name.Name)]
		if !ok || !inner.Bytes || (e.Name != "base64" && e.Name != "base64offset") {
			return nil, fmt.Errorf("%s() needs text in quotes", e.Name)
		}
		bs, err := c.expandCall(a)
		if err != nil {
			return nil, err
		}
		arg = bs[0]
	default:
		return nil, fmt.Errorf("%s() needs text in quotes", e.Name)
	}
	if e.Bytes {
		out, err := e.Fn(arg)
		return out, err
	}
	return e.Fn(arg)
}

// expansionMatch is one value of contains/startswith/endswith that is an expansion: any of
// its values.
func (c *compiler) expansionMatch(x *StrMatch, lhs string, e *Expansion) string {
	parts := make([]string, len(e.Values))
	for i, v := range e.Values {
		rhs := c.param(v.Value)
		if !x.CaseSensitive {
			rhs = "lower(" + rhs + ")"
		}
		parts[i] = strFuncs[x.Op] + "(" + lhs + ", " + rhs + ")"
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return "(" + strings.Join(parts, " OR ") + ")"
}
