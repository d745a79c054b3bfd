package hunt

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"trawl/dsl"
	"trawl/tui/text"
)

// gutterWidth is the line-number column of the editor: "nnn│".
const gutterWidth = 4

// editorLines draws the editor in h rows: line numbers, highlighted text, the cursor, and under
// each line holding an error a caret line pointing at the error's column with its message.
func (m Model) editorLines(h int) []string {
	src := m.editor.Value()
	lines := strings.Split(src, "\n")
	toks := dsl.Tokens(src)
	errs := m.Errors()
	row, col := m.editor.Line(), m.editor.Column()
	avail := max(m.width-gutterWidth, 1)

	// Horizontal scroll: keep the cursor's column in view.
	xoff := 0
	if row < len(lines) {
		cx := text.Width(text.Sanitize(prefixRunes(lines[row], col)))
		if cx >= avail {
			xoff = cx - avail + 1
		}
	}

	// Each source line with its caret lines: visual rows, and which belongs to the cursor line.
	type vrow struct {
		s      string
		source int
	}
	var rows []vrow
	start := 0
	for i, l := range lines {
		ls, le := start, start+len(l)
		start = le + 1
		cursor := -1
		if i == row && m.focus == FocusEditor {
			cursor = len(prefixRunes(l, col))
		}
		body := m.highlight(src, ls, le, toks, errs, cursor)
		body = ansi.Cut(body, xoff, xoff+avail)
		rows = append(rows, vrow{m.gutter(i+1, i == row) + body, i})
		for _, e := range errs {
			if e.Span.Start.Offset < ls || e.Span.Start.Offset > le {
				continue
			}
			rows = append(rows, vrow{m.caret(src, ls, le, e, xoff, avail), i})
		}
	}

	// Vertical scroll: the cursor line and its carets in view.
	first := 0
	for j, r := range rows {
		if r.source == row {
			last := j
			for last+1 < len(rows) && rows[last+1].source == row {
				last++
			}
			if last >= first+h {
				first = last - h + 1
			}
			break
		}
	}
	out := make([]string, 0, h)
	for j := first; j < len(rows) && len(out) < h; j++ {
		out = append(out, rows[j].s)
	}
	for len(out) < h {
		out = append(out, m.theme.Subtle.Render(strings.Repeat(" ", gutterWidth-1)+"~"))
	}
	return out
}

// gutter is a line number.
func (m Model) gutter(n int, current bool) string {
	s := fmt.Sprintf("%3d", n%1000) + "│"
	if current {
		return m.theme.Muted.Render(s)
	}
	return m.theme.Subtle.Render(s)
}

// caret is the line under an error: ^~~~ under its span (within its first line), then the
// message when it fits.
func (m Model) caret(src string, ls, le int, e *dsl.Error, xoff, avail int) string {
	so := min(max(e.Span.Start.Offset, ls), le)
	eo := min(max(e.Span.End.Offset, so), le)
	pad := text.Width(text.Sanitize(src[ls:so])) - xoff
	span := max(text.Width(text.Sanitize(src[so:eo])), 1)
	if pad < 0 {
		span = max(span+pad, 1)
		pad = 0
	}
	s := strings.Repeat(" ", pad) + "^" + strings.Repeat("~", span-1) + " " + e.Msg
	return strings.Repeat(" ", gutterWidth) + m.theme.Error.Render(text.Clip(s, avail))
}

// highlight styles src[ls:le] by token, underlining text inside an error's span and drawing the
// cursor (a byte offset into the line, -1 for none) in reverse.
func (m Model) highlight(src string, ls, le int, toks []dsl.Token, errs []*dsl.Error, cursor int) string {
	var b strings.Builder
	inErr := func(off int) bool {
		for _, e := range errs {
			if off >= e.Span.Start.Offset && (off < e.Span.End.Offset || off == e.Span.Start.Offset) {
				return true
			}
		}
		return false
	}
	for ti, t := range toks {
		if t.End <= ls || t.Start >= le {
			continue
		}
		st := m.tokenStyle(src, toks, ti)
		// Split the token's part of the line where the error underline or the cursor changes.
		off := max(t.Start, ls)
		end := min(t.End, le)
		for off < end {
			_, size := utf8.DecodeRuneInString(src[off:end])
			next := off + size
			style := st
			if inErr(off) {
				style = m.theme.Syn.Error
			}
			isCursor := off-ls == cursor
			for next < end && inErr(next) == inErr(off) && next-ls != cursor && !isCursor {
				_, size = utf8.DecodeRuneInString(src[next:end])
				next += size
			}
			if isCursor {
				style = m.theme.Selected.Reverse(true)
			}
			b.WriteString(style.Render(text.Sanitize(src[off:next])))
			off = next
		}
	}
	if cursor >= le-ls {
		b.WriteString(m.theme.Selected.Reverse(true).Render(" "))
	}
	return b.String()
}

// tokenStyle is the syntax style of toks[i]: identifiers followed by ( are functions.
func (m Model) tokenStyle(src string, toks []dsl.Token, i int) lipgloss.Style {
	syn := m.theme.Syn
	switch toks[i].Kind {
	case dsl.TokenKeyword:
		return syn.Keyword
	case dsl.TokenString:
		return syn.String
	case dsl.TokenNumber:
		return syn.Number
	case dsl.TokenComment:
		return syn.Comment
	case dsl.TokenOp:
		return syn.Operator
	case dsl.TokenInvalid:
		return syn.Error
	case dsl.TokenIdent:
		for j := i + 1; j < len(toks); j++ {
			if toks[j].Kind == dsl.TokenWhitespace {
				continue
			}
			if src[toks[j].Start:toks[j].End] == "(" {
				return syn.Function
			}
			break
		}
		return syn.Field
	}
	return m.theme.Base
}

// prefixRunes is the first n runes of s.
func prefixRunes(s string, n int) string {
	i := 0
	for n > 0 && i < len(s) {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
		n--
	}
	return s[:i]
}
