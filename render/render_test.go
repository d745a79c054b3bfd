package render

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

var sanitizeTests = []struct{ in, want string }{
	{"plain text, tabs\tand\nnewlines", "plain text, tabs\tand\nnewlines"},
	{"Grüße 東京 \uFFFD kept", "Grüße 東京 \uFFFD kept"},
	{"clear \x1b[2J\x1b[H", `clear \x1b[2J\x1b[H`},
	{"osc52 \x1b]52;c;ZWNobyBwd25lZA==\x07", `osc52 \x1b]52;c;ZWNobyBwd25lZA==\x07`},
	{"bell \x07 cr \r del \x7f nul \x00", `bell \x07 cr \x0d del \x7f nul \x00`},
	{"c1 csi \u009b31m, nel \u0085", `c1 csi \x9b31m, nel \x85`},
	{"raw c1 byte \x9b31m", `raw c1 byte \x9b31m`}, // not UTF-8: a CSI to 8-bit terminals
	{"bad \xff\xfe and cut \xe2\x82", `bad \xff\xfe and cut \xe2\x82`},
	{"bidi \u202etxt.exe", `bidi \u202etxt.exe`},
}

func TestSanitize(t *testing.T) {
	for _, tt := range sanitizeTests {
		if got := Sanitize(tt.in); got != tt.want {
			t.Errorf("Sanitize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// safe reports why s could drive a terminal, or "" when it cannot.
func unsafeFor(s string, allowNewline bool) string {
	if !utf8.ValidString(s) {
		return "invalid UTF-8"
	}
	for _, r := range s {
		if r == '\t' || (r == '\n' && allowNewline) {
			continue
		}
		if isControl(r) {
			return "control character " + string(r)
		}
	}
	return ""
}

func FuzzSanitize(f *testing.F) {
	for _, tt := range sanitizeTests {
		f.Add(tt.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Sanitize(s)
		if why := unsafeFor(got, true); why != "" {
			t.Errorf("Sanitize(%q) = %q: %s", s, got, why)
		}
		if unsafeFor(s, true) == "" && got != s {
			t.Errorf("Sanitize(%q) changed safe text to %q", s, got)
		}
		if c := Cell(s, 20); unsafeFor(c, false) != "" || strings.Contains(c, "\n") {
			t.Errorf("Cell(%q) = %q: %s", s, c, unsafeFor(c, false))
		}
	})
}

// TestTableHasNoEscapes: a table of hostile cells carries no control byte to the terminal.
func TestTableHasNoEscapes(t *testing.T) {
	var b bytes.Buffer
	w := New(&b, Table, []string{"a", "b"})
	for _, tt := range sanitizeTests {
		if err := w.Row([]any{tt.in, []byte(tt.in)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n") {
		if why := unsafeFor(line, false); why != "" {
			t.Errorf("table line %q: %s", line, why)
		}
	}
}

func TestCellFoldsLineBreaks(t *testing.T) {
	got := Cell("Subject:\r\n\tSecurity ID:\x1b[2J x", 80)
	if want := `Subject:  Security ID:\x1b[2J x`; got != want {
		t.Errorf("Cell = %q, want %q", got, want)
	}
}

// TestJSONRows pins the JSON lines form: one object per row, keys in column order, times in
// RFC 3339 UTC, bytes as text, NULL as null, and '<', '>', '&' kept in values.
func TestJSONRows(t *testing.T) {
	var b bytes.Buffer
	w := New(&b, JSON, []string{"n", "s", "t", "raw", "none", "f", "a<b"})
	rows := [][]any{
		{int64(42), "x<y>&z \u2028\x01\"", time.Date(2026, 3, 2, 8, 15, 1, 500000000, time.FixedZone("", 3600)), []byte("bytes"), nil, 1.5, true},
		{int64(-1), "", time.Time{}, []byte(nil), nil, 1e21, map[string]any{"k": []any{1, "v"}}},
	}
	for _, r := range rows {
		if err := w.Row(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	want := `{"n":42,"s":"x<y>&z \u2028\u0001\"","t":"2026-03-02T07:15:01.5Z","raw":"bytes","none":null,"f":1.5,"a\u003cb":true}` + "\n" +
		`{"n":-1,"s":"","t":"0001-01-01T00:00:00Z","raw":"","none":null,"f":1e+21,"a\u003cb":{"k":[1,"v"]}}` + "\n"
	if got := b.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
