package dsl

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/sahilm/fuzzy"
)

// Error is one problem in a query, with the text it is about.
type Error struct {
	Stage string // parse, check or compile
	Span  Span
	Msg   string
	Hint  string // may be empty
}

func (e *Error) Error() string {
	return fmt.Sprintf("%d:%d: %s", e.Span.Start.Line, e.Span.Start.Col, e.Msg)
}

// Errors is every problem found, in source order.
type Errors []*Error

func (es Errors) Error() string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "\n")
}

func (es Errors) sorted() Errors {
	sort.SliceStable(es, func(i, j int) bool { return es[i].Span.Start.Offset < es[j].Span.Start.Offset })
	return es
}

// FormatError renders err for a person: for each query error, `line:col: message`, the source
// line, a caret and tildes under the offending text, and the hint. Other errors print as is.
func FormatError(src string, err error) string {
	var es Errors
	var one *Error
	switch {
	case errors.As(err, &es):
	case errors.As(err, &one):
		es = Errors{one}
	default:
		return err.Error()
	}
	var b strings.Builder
	for i, e := range es {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString(e.Error())
		b.WriteString("\n")
		line, start, width := lineOf(src, e.Span)
		b.WriteString("  ")
		b.WriteString(line)
		b.WriteString("\n  ")
		// Copy tabs so the caret lines up however the terminal expands them.
		for _, r := range line[:start] {
			if r == '\t' {
				b.WriteByte('\t')
			} else {
				b.WriteByte(' ')
			}
		}
		b.WriteString("^")
		b.WriteString(strings.Repeat("~", max(width-1, 0)))
		b.WriteString("\n")
		if e.Hint != "" {
			b.WriteString("  hint: ")
			b.WriteString(e.Hint)
			b.WriteString("\n")
		}
	}
	return b.String()
}

// lineOf returns the source line holding sp's start (control characters shown as '?'), the byte
// index of the start within it, and how many runes to underline (at least one, at most to the
// end of the line).
func lineOf(src string, sp Span) (line string, start, width int) {
	off := min(max(sp.Start.Offset, 0), len(src))
	ls := strings.LastIndexByte(src[:off], '\n') + 1
	le := strings.IndexByte(src[off:], '\n')
	if le < 0 {
		le = len(src)
	} else {
		le += off
	}
	end := min(max(sp.End.Offset, off), le)
	clean := func(s string) string {
		return strings.Map(func(r rune) rune {
			if r == '\t' {
				return r
			}
			if r < 0x20 || r == 0x7f || r == utf8.RuneError {
				return '?'
			}
			return r
		}, s)
	}
	before := clean(src[ls:off])
	line = before + clean(src[off:le])
	width = max(utf8.RuneCountInString(clean(src[off:end])), 1)
	return line, len(before), width
}

// suggest returns a "did you mean" hint for name among candidates, or "".
func suggest(name string, candidates []string) string {
	if best := closest(name, candidates); best != "" {
		return fmt.Sprintf("did you mean %q?", best)
	}
	return ""
}

// closest picks the candidate most like name: a fuzzy (subsequence) match first, else the
// nearest by edit distance when it is close enough to be a typo.
func closest(name string, candidates []string) string {
	if name == "" || len(candidates) == 0 {
		return ""
	}
	lname := strings.ToLower(name)
	best, bestD := "", 3
	for _, c := range candidates {
		if d := editDistance(lname, strings.ToLower(c)); d < bestD {
			best, bestD = c, d
		}
	}
	if best != "" && bestD <= max(1, len(name)/3) {
		return best
	}
	if len(name) >= 3 {
		if ms := fuzzy.Find(lname, candidates); len(ms) > 0 {
			return ms[0].Str
		}
	}
	return ""
}

// editDistance is the Damerau-Levenshtein (optimal string alignment) distance in runes.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	if len(ra) > 64 || len(rb) > 64 {
		return 1 << 30
	}
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range rb {
		d[0][j+1] = j + 1
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}
