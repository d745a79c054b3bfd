package dsl

import (
	"fmt"
	"strings"
	"testing"
)

// tokenTests are the lexer's cases: each source with its tokens as renderTokens prints them.
var tokenTests = []struct {
	name, src, want string
}{
	{"pipeline", `logon | where outcome == "failure"`, `ident:logon whitespace:" " op:| whitespace:" " keyword:where whitespace:" " ident:outcome whitespace:" " op:== whitespace:" " string:"\"failure\""`},
	{"numbers and comment", "net # c\n| head 10", `ident:net whitespace:" " comment:"# c" whitespace:"\n" op:| whitespace:" " keyword:head whitespace:" " number:10`},
	{"stage name as a field", "x | where fields == 1", `ident:x whitespace:" " op:| whitespace:" " keyword:where whitespace:" " ident:fields whitespace:" " op:== whitespace:" " number:1`},
	{"unreadable rest", `logon | where x == "open`, `ident:logon whitespace:" " op:| whitespace:" " keyword:where whitespace:" " ident:x whitespace:" " op:== whitespace:" " invalid:"\"open"`},
	{"empty", "", ``},
}

func TestTokens(t *testing.T) {
	t.Parallel()
	for _, tc := range tokenTests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := renderTokens(t, tc.src)
			if got != tc.want {
				t.Errorf("Tokens(%q)\n got %s\nwant %s", tc.src, got, tc.want)
			}
		})
	}
}

// renderTokens prints each token as kind:text and checks that they cover src in order.
func renderTokens(t *testing.T, src string) string {
	t.Helper()
	var parts []string
	pos := 0
	for _, tk := range Tokens(src) {
		if tk.Start != pos || tk.End <= tk.Start || tk.End > len(src) {
			t.Fatalf("token %v does not follow offset %d in %q", tk, pos, src)
		}
		pos = tk.End
		text := src[tk.Start:tk.End]
		if strings.ContainsAny(text, " \n\"#") {
			text = fmt.Sprintf("%q", text)
		}
		parts = append(parts, tk.Kind.String()+":"+text)
	}
	if pos != len(src) {
		t.Fatalf("tokens end at %d of %d", pos, len(src))
	}
	return strings.Join(parts, " ")
}

func FuzzTokens(f *testing.F) {
	for _, tc := range tokenTests {
		f.Add(tc.src)
	}
	for _, s := range []string{`x == "open`, "\x00\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		renderTokens(t, src)
	})
}
