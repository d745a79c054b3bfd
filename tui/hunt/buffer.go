package hunt

import (
	"strings"
	"unicode"

	tea "charm.land/bubbletea/v2"
)

// buffer is the text being edited, in lines of runes, and the cursor. (bubbles' textarea and
// textinput would pull in a clipboard module trawl does not vendor; the console draws the text
// itself for highlighting anyway, so this is all it needs of an editor.)
type buffer struct {
	lines     [][]rune
	row, col  int
	multiline bool
	limit     int // most bytes of text; 0 means no limit
	size      int // bytes of text now
}

func newBuffer(multiline bool, limit int) buffer {
	return buffer{lines: [][]rune{nil}, multiline: multiline, limit: limit}
}

// Value is the text.
func (b *buffer) Value() string {
	parts := make([]string, len(b.lines))
	for i, l := range b.lines {
		parts[i] = string(l)
	}
	return strings.Join(parts, "\n")
}

// SetValue replaces the text, with the cursor at its end.
func (b *buffer) SetValue(s string) {
	b.lines, b.row, b.col, b.size = [][]rune{nil}, 0, 0, 0
	b.Insert(s)
}

// Line is the cursor's line (0-based), Column its rune index in the line.
func (b *buffer) Line() int      { return b.row }
func (b *buffer) Column() int    { return b.col }
func (b *buffer) LineCount() int { return len(b.lines) }

// Insert types s at the cursor: tabs become two spaces, carriage returns are dropped, other
// control characters are refused, and newlines only split lines in a multi-line buffer.
func (b *buffer) Insert(s string) {
	for _, r := range s {
		switch {
		case r == '\n' && b.multiline:
			b.newline()
		case r == '\t':
			b.insertRune(' ')
			b.insertRune(' ')
		case r == '\n' || r == '\r' || unicode.IsControl(r) || r == unicode.ReplacementChar:
		default:
			b.insertRune(r)
		}
	}
}

func (b *buffer) insertRune(r rune) {
	n := len(string(r))
	if b.limit > 0 && b.size+n > b.limit {
		return
	}
	l := b.lines[b.row]
	l = append(l[:b.col], append([]rune{r}, l[b.col:]...)...)
	b.lines[b.row] = l
	b.col++
	b.size += n
}

func (b *buffer) newline() {
	if b.limit > 0 && b.size+1 > b.limit {
		return
	}
	l := b.lines[b.row]
	rest := append([]rune(nil), l[b.col:]...)
	b.lines[b.row] = l[:b.col:b.col]
	b.lines = append(b.lines[:b.row+1], append([][]rune{rest}, b.lines[b.row+1:]...)...)
	b.row++
	b.col = 0
	b.size++
}

// Update applies an editing key; it reports whether the key was one.
func (b *buffer) Update(k tea.KeyPressMsg) bool {
	l := b.lines[b.row]
	switch k.String() {
	case "left", "ctrl+b":
		if b.col > 0 {
			b.col--
		} else if b.row > 0 {
			b.row--
			b.col = len(b.lines[b.row])
		}
	case "right", "ctrl+f":
		if b.col < len(l) {
			b.col++
		} else if b.row < len(b.lines)-1 {
			b.row++
			b.col = 0
		}
	case "up":
		if b.row > 0 {
			b.row--
			b.col = min(b.col, len(b.lines[b.row]))
		}
	case "down":
		if b.row < len(b.lines)-1 {
			b.row++
			b.col = min(b.col, len(b.lines[b.row]))
		}
	case "home", "ctrl+a":
		b.col = 0
	case "end", "ctrl+e":
		b.col = len(l)
	case "alt+left", "ctrl+left", "alt+b":
		for b.col > 0 && !isWord(l[b.col-1]) {
			b.col--
		}
		for b.col > 0 && isWord(l[b.col-1]) {
			b.col--
		}
	case "alt+right", "ctrl+right", "alt+f":
		for b.col < len(l) && !isWord(l[b.col]) {
			b.col++
		}
		for b.col < len(l) && isWord(l[b.col]) {
			b.col++
		}
	case "backspace", "ctrl+h":
		switch {
		case b.col > 0:
			b.deleteRange(b.col-1, b.col)
		case b.row > 0:
			prev := b.lines[b.row-1]
			b.col = len(prev)
			b.lines[b.row-1] = append(prev, l...)
			b.lines = append(b.lines[:b.row], b.lines[b.row+1:]...)
			b.row--
			b.size--
		}
	case "delete", "ctrl+d":
		switch {
		case b.col < len(l):
			b.deleteRange(b.col, b.col+1)
		case b.row < len(b.lines)-1:
			b.lines[b.row] = append(l, b.lines[b.row+1]...)
			b.lines = append(b.lines[:b.row+1], b.lines[b.row+2:]...)
			b.size--
		}
	case "ctrl+w", "alt+backspace":
		end := b.col
		for b.col > 0 && !isWord(l[b.col-1]) {
			b.col--
		}
		for b.col > 0 && isWord(l[b.col-1]) {
			b.col--
		}
		start := b.col
		b.col = end
		b.deleteRange(start, end)
	case "ctrl+u":
		b.deleteRange(0, b.col)
	case "ctrl+k":
		b.deleteRange(b.col, len(l))
	case "enter":
		if !b.multiline {
			return false
		}
		b.newline()
	case "space":
		b.insertRune(' ')
	default:
		if k.Text == "" || k.Mod&(tea.ModCtrl|tea.ModAlt|tea.ModMeta|tea.ModSuper|tea.ModHyper) != 0 {
			return false
		}
		b.Insert(k.Text)
	}
	return true
}

// deleteRange removes runes [from, to) of the cursor line and leaves the cursor at from.
func (b *buffer) deleteRange(from, to int) {
	l := b.lines[b.row]
	b.size -= len(string(l[from:to]))
	b.lines[b.row] = append(l[:from], l[to:]...)
	b.col = from
}

func isWord(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }
