package dsl

import (
	"net/netip"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// seedQueries are every golden and error-case input.
func seedQueries(t testing.TB) []string {
	var out []string
	for _, dir := range []string{"golden", "errors"} {
		for _, name := range goldenCases(t, dir) {
			out = append(out, readInput(t, filepath.Join("testdata", dir, name, "input.hunt")))
		}
	}
	return out
}

var placeholder = regexp.MustCompile(`\$([0-9]+)`)

// checkCompiled asserts what must hold for any compiled query: no statement separator or SQL
// comment in the text, and placeholders $1..$n exactly matching the bound arguments.
func checkCompiled(t *testing.T, src string, c *Compiled) {
	t.Helper()
	if strings.Contains(c.SQL, ";") || strings.Contains(c.SQL, "--") || strings.Contains(c.SQL, "/*") {
		t.Fatalf("SQL of %q contains a separator or comment:\n%s", src, c.SQL)
	}
	seen := map[int]bool{}
	for _, m := range placeholder.FindAllStringSubmatch(c.SQL, -1) {
		n, _ := strconv.Atoi(m[1])
		if n < 1 || n > len(c.Args) {
			t.Fatalf("SQL of %q uses $%d with %d args", src, n, len(c.Args))
		}
		seen[n] = true
	}
	if len(seen) != len(c.Args) {
		t.Fatalf("SQL of %q uses %d of its %d args", src, len(seen), len(c.Args))
	}
}

func checkErrors(t *testing.T, src string, err error) {
	t.Helper()
	es, ok := err.(Errors)
	if !ok {
		t.Fatalf("error for %q is %T, want Errors", src, err)
	}
	for _, e := range es {
		if strings.Contains(e.Msg, "internal error") {
			t.Fatalf("internal error for %q: %v", src, e)
		}
		if e.Span.Start.Offset < 0 || e.Span.End.Offset > len(src) || e.Span.Start.Offset > e.Span.End.Offset {
			t.Fatalf("span %+v outside %q", e.Span, src)
		}
		if e.Span.Start.Line < 1 || e.Span.Start.Col < 1 {
			t.Fatalf("bad position %+v for %q", e.Span.Start, src)
		}
	}
	_ = FormatError(src, err)
}

// FuzzParse: any text parses, checks and compiles without panicking; errors have spans inside
// the input; a query that checks always compiles, to SQL whose placeholders match its args.
func FuzzParse(f *testing.F) {
	for _, q := range seedQueries(f) {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, src string) {
		q, err := Parse(src)
		if err != nil {
			checkErrors(t, src, err)
			return
		}
		printed := q.String()
		ch, err := Check(q, EventCatalogue())
		if err != nil {
			checkErrors(t, src, err)
			return
		}
		c, err := Compile(ch)
		if err != nil {
			t.Fatalf("%q checked but did not compile: %v", src, err)
		}
		checkCompiled(t, src, c)
		checkRoundTrip(t, src, printed, c)
	})
}

// stringTokens returns the byte ranges of the string literals in src.
func stringTokens(src string) [][2]int {
	toks, err := huntLexer.LexString("", src)
	if err != nil {
		return nil
	}
	syms := huntLexer.Symbols()
	var out [][2]int
	for {
		tok, err := toks.Next()
		if err != nil || tok.EOF() {
			return out
		}
		if tok.Type == syms["String"] || tok.Type == syms["RawString"] {
			out = append(out, [2]int{tok.Pos.Offset, tok.Pos.Offset + len(tok.Value)})
		}
	}
}

// FuzzCompile replaces every string literal of a known-good query with arbitrary text (quotes,
// semicolons, SQL, control characters) and requires the SQL to stay byte-for-byte the same:
// literal text only ever reaches DuckDB through the argument list.
func FuzzCompile(f *testing.F) {
	payloads := []string{`x'); DROP TABLE events; --`, `"; SELECT 1; --`, `\`, `'`, `''`, `$1`, `?`, "a\x00b", "\n--", `/* */`, `%_`, `é"'\"`}
	qs := seedQueries(f)
	for i, q := range qs {
		f.Add(q, payloads[i%len(payloads)])
	}
	f.Fuzz(func(t *testing.T, src, payload string) {
		if !utf8.ValidString(payload) {
			return
		}
		orig, err := Build(src, EventCatalogue())
		if err != nil {
			checkErrors(t, src, err)
			return
		}
		checkCompiled(t, src, orig)
		ranges := stringTokens(src)
		if len(ranges) == 0 {
			return
		}
		var b strings.Builder
		last := 0
		for _, r := range ranges {
			b.WriteString(src[last:r[0]])
			b.WriteString(Quote(payload))
			last = r[1]
		}
		b.WriteString(src[last:])
		mutated := b.String()
		got, err := Build(mutated, EventCatalogue())
		if err != nil {
			// The payload may not fit where it went (a time, an IP, a regex): that must be a
			// clean error, never an internal one.
			checkErrors(t, mutated, err)
			return
		}
		checkCompiled(t, mutated, got)
		if _, err := netip.ParsePrefix(payload); err == nil {
			return // a network in an IP list legitimately compiles to a range test
		}
		if got.SQL != orig.SQL {
			t.Fatalf("string literals changed the SQL\nquery: %s\npayload: %q\nbefore:\n%s\nafter:\n%s", src, payload, orig.SQL, got.SQL)
		}
		found := false
		for _, a := range got.Args {
			if s, ok := a.(string); ok && strings.Contains(s, payload) {
				found = true
			}
		}
		if !found && payload != "" && !strings.ContainsAny(payload, "\x00") {
			t.Logf("payload %q not among args %v (coerced to a time or an IP?)", payload, got.Args)
		}
	})
}

func TestQuoteRoundTrip(t *testing.T) {
	for _, s := range []string{"", "plain", `a"b`, `C:\Windows\`, "tab\tnl\nnul\x00bell\x07", "é中文", "\x7f"} {
		q, err := Parse("events | where user == " + Quote(s))
		if err != nil {
			t.Fatalf("Quote(%q) = %s does not parse: %v", s, Quote(s), err)
		}
		lit := q.Stages[0].(*Where).Cond.(*Binary).R.(*Literal)
		if lit.Value != s {
			t.Errorf("Quote(%q) read back as %q", s, lit.Value)
		}
	}
}

// TestLiteralsNeverChangeSQL runs the FuzzCompile property over every golden case and every
// hostile payload, and checks the property was really exercised.
func TestLiteralsNeverChangeSQL(t *testing.T) {
	payloads := []string{`x'); DROP TABLE events; --`, `"; SELECT 1; --`, `\`, `'`, `''`, `$1`, `?`, "a\x00b", "\n--", `/* */`, `%_`, `é"'\"`, `\u{41}`, `' OR '1'='1`}
	compared := 0
	for _, name := range goldenCases(t, "golden") {
		src := readInput(t, filepath.Join("testdata", "golden", name, "input.hunt"))
		orig, err := Build(src, EventCatalogue())
		if err != nil {
			t.Fatal(err)
		}
		ranges := stringTokens(src)
		for _, p := range payloads {
			var b strings.Builder
			last := 0
			for _, r := range ranges {
				b.WriteString(src[last:r[0]])
				b.WriteString(Quote(p))
				last = r[1]
			}
			b.WriteString(src[last:])
			got, err := Build(b.String(), EventCatalogue())
			if err != nil {
				continue // e.g. a payload that is not a time, where a time was compared
			}
			compared++
			if got.SQL != orig.SQL {
				t.Errorf("%s with %q: SQL changed:\n%s", name, p, got.SQL)
			}
			n := 0
			for _, a := range got.Args {
				if a == p || a == globToLike(p) { // like binds the glob as a LIKE pattern
					n++
				}
			}
			if len(ranges) > 0 && n == 0 {
				t.Errorf("%s with %q: payload not bound as an argument: %v", name, p, got.Args)
			}
		}
	}
	if compared < 100 {
		t.Errorf("only %d mutated queries compiled; the property is barely tested", compared)
	}
}

// checkRoundTrip requires the canonical print of a query to parse, print the same again, and
// compile to the same SQL and arguments as the original.
func checkRoundTrip(t *testing.T, src, printed string, c *Compiled) {
	t.Helper()
	q2, err := Parse(printed)
	if err != nil {
		t.Fatalf("canonical form of %q does not parse:\n%s\n%v", src, printed, FormatError(printed, err))
	}
	if again := q2.String(); again != printed {
		t.Fatalf("printing is not stable for %q:\n%s\n%s", src, printed, again)
	}
	c2, err := Build(printed, EventCatalogue())
	if err != nil {
		t.Fatalf("canonical form of %q does not compile:\n%s\n%v", src, printed, FormatError(printed, err))
	}
	if c2.SQL != c.SQL || !reflect.DeepEqual(c2.Args, c.Args) {
		t.Fatalf("canonical form of %q compiles differently:\n%s\n%s\n%v\n%s\n%v", src, printed, c.SQL, c.Args, c2.SQL, c2.Args)
	}
}

// TestPrintRoundTrip prints every golden case in canonical form and checks it means the same.
func TestPrintRoundTrip(t *testing.T) {
	for _, name := range goldenCases(t, "golden") {
		src := readInput(t, filepath.Join("testdata", "golden", name, "input.hunt"))
		q, err := Parse(src)
		if err != nil {
			t.Fatal(err)
		}
		printed := q.String()
		c, err := Build(src, EventCatalogue())
		if err != nil {
			t.Fatal(err)
		}
		checkRoundTrip(t, src, printed, c)
	}
}

// TestSQLConstants checks the only string constants in compiled SQL are the package's own, and
// that sqlString escapes what it is given.
func TestSQLConstants(t *testing.T) {
	allowed := map[string]bool{sqlString(ipv4Pattern): true, sqlString(base64Pattern): true, sqlString(`[0-9+/=]`): true, sqlString(""): true, sqlString("entropy"): true, sqlString("."): true, sqlString("UTC"): true, sqlString(`\`): true}
	constant := regexp.MustCompile(`'(?:[^']|'')*'`)
	n := 0
	for _, name := range goldenCases(t, "golden") {
		src := readInput(t, filepath.Join("testdata", "golden", name, "input.hunt"))
		c, err := Build(src, EventCatalogue())
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range constant.FindAllString(c.SQL, -1) {
			n++
			if !allowed[k] {
				t.Errorf("%s: unexpected constant %s in SQL", name, k)
			}
		}
	}
	if n == 0 {
		t.Error("no constants found: the golden cases no longer cover them")
	}
	for in, want := range map[string]string{"": "''", "it's": "'it''s'", "''": "''''''", `\'`: `'\'''`} {
		if got := sqlString(in); got != want {
			t.Errorf("sqlString(%q) = %s, want %s", in, got, want)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("sqlString accepted a NUL")
		}
	}()
	sqlString("a\x00")
}
