package text

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

var sanitizeTests = []struct {
	name, in, want string
}{
	{"plain", "user alice logged in", "user alice logged in"},
	{"empty", "", ""},
	{"unicode kept", "Zürich 東京 café ✓", "Zürich 東京 café ✓"},
	{"windows path kept", `C:\Windows\System32\cmd.exe`, `C:\Windows\System32\cmd.exe`},
	{"osc 52 clipboard", "x\x1b]52;c;cm0gLXJmIH4=\x07y", `x\x1b]52;c;cm0gLXJmIH4=\x07y`},
	{"osc 52 with ST", "\x1b]52;c;ZWNobyBoaQ==\x1b\\", `\x1b]52;c;ZWNobyBoaQ==\x1b\`},
	{"window title", "\x1b]0;pwned\x07", `\x1b]0;pwned\x07`},
	{"csi cursor moves", "ok\x1b[2J\x1b[H\x1b[10;20Hfake", `ok\x1b[2J\x1b[H\x1b[10;20Hfake`},
	{"sgr colour", "\x1b[31mred\x1b[0m", `\x1b[31mred\x1b[0m`},
	{"8-bit CSI (C1)", "a\u009b2Jb", `a\u009b2Jb`},
	{"C1 OSC", "\u009d0;t\u009c", `\u009d0;t\u009c`},
	{"raw C1 byte is invalid UTF-8", "a\x9bb", `a\x9bb`},
	{"newline tab cr", "a\nb\tc\rd", `a\nb\tc\rd`},
	{"NUL and bell", "a\x00b\x07", `a\x00b\x07`},
	{"DEL", "a\x7fb", `a\x7fb`},
	{"backspace overwrite", "admin\x08\x08\x08\x08\x08guest", `admin\x08\x08\x08\x08\x08guest`},
	{"bidi override", "invoice\u202Efdp.exe", `invoice\u202efdp.exe`},
	{"bidi isolates", "\u2066a\u2069\u2067b\u2068c", `\u2066a\u2069\u2067b\u2068c`},
	{"LRM RLM", "a\u200Eb\u200Fc", `a\u200eb\u200fc`},
	{"zero width space and BOM", "ad\u200Bmin\uFEFF", `ad\u200bmin\ufeff`},
	{"line separator", "a\u2028b", `a\u2028b`},
	{"unicode tag", "a\U000E0041b", `a\U000e0041b`},
	{"invalid utf-8", "a\xff\xfeb", `a\xff\xfeb`},
	{"truncated utf-8", "caf\xc3", `caf\xc3`},
}

func TestSanitize(t *testing.T) {
	t.Parallel()
	for _, tc := range sanitizeTests {
		t.Run(tc.name, func(t *testing.T) {
			got := Sanitize(tc.in)
			if got != tc.want {
				t.Errorf("Sanitize(%q) = %q, want %q", tc.in, got, tc.want)
			}
			checkSafe(t, got)
		})
	}
}

// checkSafe fails if s could drive a terminal: any C0/C1 control, DEL, invalid UTF-8 or an
// invisible layout character.
func checkSafe(t *testing.T, s string) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Errorf("invalid UTF-8 in %q", s)
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || unsafeRune(r) {
			t.Errorf("unsafe rune %U in %q", r, s)
		}
	}
}

func TestSanitizePlainDoesNotAllocate(t *testing.T) {
	s := "Nov 26 08:00:00 host sshd[1]: Failed password for root from 10.0.0.1 port 22"
	if n := testing.AllocsPerRun(100, func() { _ = Sanitize(s) }); n != 0 {
		t.Errorf("Sanitize of plain text allocates %v times", n)
	}
}

func TestTruncate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in    string
		width int
		want  string
	}{
		{"hello", 10, "hello"},
		{"hello", 5, "hello"},
		{"hello world", 5, "hell…"},
		{"hello", 0, ""},
		{"hello", -3, ""},
		{"東京都庁", 5, "東京…"},
		{"東京都庁", 8, "東京都庁"},
		{"ab", 1, "…"},
	}
	for _, tc := range tests {
		got := Truncate(tc.in, tc.width)
		if got != tc.want {
			t.Errorf("Truncate(%q, %d) = %q, want %q", tc.in, tc.width, got, tc.want)
		}
		if w := ansi.StringWidth(got); w > max(tc.width, 0) {
			t.Errorf("Truncate(%q, %d) is %d cells wide", tc.in, tc.width, w)
		}
	}
}

func TestTail(t *testing.T) {
	for _, tc := range []struct {
		in    string
		width int
		want  string
	}{
		{"/var/log/auth.log", 8, "auth.log"},
		{"short", 10, "short"},
		{"short", 5, "short"},
		{"abc", 0, ""},
		{"", 3, ""},
		{"ab東京", 3, "京"}, // the wide 東 does not fit in the one cell left
		{"ab東京", 4, "東京"},
		{"x日本語", 5, "本語"},
	} {
		if got := Tail(tc.in, tc.width); got != tc.want {
			t.Errorf("Tail(%q, %d) = %q, want %q", tc.in, tc.width, got, tc.want)
		}
		if w := ansi.StringWidth(Tail(tc.in, tc.width)); w > max(tc.width, 0) {
			t.Errorf("Tail(%q, %d) is %d cells", tc.in, tc.width, w)
		}
	}
}

func TestClip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		width    int
		want     string
	}{
		{"fits", "abc", 10, "abc"},
		{"escape counts its width", "\x1b[2J", 6, `\x1b[…`},
		{"escape fits", "\x1b[2J", 8, `\x1b[2J`},
		{"huge line", strings.Repeat("A", 1<<20), 10, "AAAAAAAAA…"},
		{"huge line of escapes", strings.Repeat("\x1b", 1<<20), 9, `\x1b\x1b…`},
		{"huge line of zero-width marks cut is still marked", "ab" + strings.Repeat("\u0301", 1<<16), 10, "ab" + strings.Repeat("\u0301", 71) + "…"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Clip(tc.in, tc.width)
			if got != tc.want {
				t.Errorf("Clip = %q, want %q", got, tc.want)
			}
			if w := ansi.StringWidth(got); w > tc.width {
				t.Errorf("Clip is %d cells wide, want at most %d", w, tc.width)
			}
			checkSafe(t, got)
		})
	}
}

func TestPad(t *testing.T) {
	t.Parallel()
	if got := Pad("ab", 5); got != "ab   " {
		t.Errorf("Pad = %q", got)
	}
	if got := Pad("東京都", 5); got != "東京…" {
		t.Errorf("Pad = %q", got)
	}
	if got := Pad("東京", 5); ansi.StringWidth(got) != 5 {
		t.Errorf("Pad = %q, %d cells", got, ansi.StringWidth(got))
	}
}

func TestLines(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in    string
		limit int
		want  []string
	}{
		{"one", 0, []string{"one"}},
		{"a\r\nb\n\x1b[2Jc", 0, []string{"a", "b", `\x1b[2Jc`}},
		{"a\nb\nc\nd", 2, []string{"a", "… 3 more lines"}},
		{"a\nb", 2, []string{"a", "b"}},
		{"a\rb", 0, []string{`a\rb`}},
	}
	for _, tc := range tests {
		got := Lines(tc.in, tc.limit)
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("Lines(%q, %d) = %q, want %q", tc.in, tc.limit, got, tc.want)
		}
	}
}

func FuzzSanitize(f *testing.F) {
	for _, tc := range sanitizeTests {
		f.Add(tc.in, 20)
	}
	f.Add(strings.Repeat("\x1b]52;c;", 50), 3)
	f.Fuzz(func(t *testing.T, s string, width int) {
		width %= 500
		out := Sanitize(s)
		checkSafe(t, out)
		if firstUnsafe(s) < 0 && out != s {
			t.Fatalf("safe text changed: %q -> %q", s, out)
		}
		// Nothing is removed: every input rune that is safe appears in order in the output.
		if len(out) < len(s) {
			t.Fatalf("output shorter than input: %q -> %q", s, out)
		}
		c := Clip(s, width)
		checkSafe(t, c)
		if w := ansi.StringWidth(c); w > max(width, 0) {
			t.Fatalf("Clip(%q, %d) = %q is %d cells", s, width, c, w)
		}
		for _, l := range Lines(s, 3) {
			checkSafe(t, l)
		}
	})
}

func TestPlural(t *testing.T) {
	for _, tc := range []struct {
		n    int
		want string
	}{{0, "0 queries"}, {1, "1 query"}, {2, "2 queries"}, {1234, "1234 queries"}} {
		if got := Plural(tc.n, "query", "queries"); got != tc.want {
			t.Errorf("Plural(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}
