// Package text makes log content safe to draw on a terminal. Log text is hostile: an escape
// sequence in a log line could set the clipboard (OSC 52), move the cursor, rename the window or
// reorder the line with bidi overrides. Every string that came from a log goes through Sanitize
// (or Clip, which also fits it to a width) before it reaches a View.
//
// Nothing is removed silently: every control character, escape, invalid byte and invisible
// format character is drawn as a visible escape in Go syntax (\x1b, \n, \u202e, \xff), so the
// analyst sees that it was there. Backslashes themselves are kept as they are, so Windows paths
// stay readable; an escape written by Sanitize cannot be told from the same four characters in
// the log, which is acceptable for reading and never dangerous.
package text

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// Ellipsis marks text cut to fit.
const Ellipsis = "…"

// Sanitize returns s with every control character (C0, DEL, C1), every invalid UTF-8 byte and
// every invisible character that can change how text is laid out (bidi embeddings, overrides and
// isolates, zero-width spaces, line and paragraph separators, byte order marks, Unicode tags)
// replaced by a visible escape. Printable text comes back unchanged, without allocating when s
// is plain ASCII. Newlines and tabs are escaped too: the result is always one line.
func Sanitize(s string) string {
	i := firstUnsafe(s)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	b.WriteString(s[:i])
	appendSanitized(&b, s[i:])
	return b.String()
}

// firstUnsafe is the byte offset of the first byte Sanitize would change, or -1.
func firstUnsafe(s string) int {
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7f {
			i++
			continue
		}
		if c < 0x80 {
			return i
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && n == 1) || unsafeRune(r) {
			return i
		}
		i += n
	}
	return -1
}

func appendSanitized(b *strings.Builder, s string) {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			writeHexByte(b, `\x`, s[i])
		case r < 0x80 && (r < 0x20 || r == 0x7f):
			writeControl(b, byte(r))
		case unsafeRune(r):
			writeU(b, r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
}

// writeControl writes a C0 control or DEL the way Go source spells it.
func writeControl(b *strings.Builder, c byte) {
	switch c {
	case '\n':
		b.WriteString(`\n`)
	case '\r':
		b.WriteString(`\r`)
	case '\t':
		b.WriteString(`\t`)
	default:
		writeHexByte(b, `\x`, c)
	}
}

const hexDigits = "0123456789abcdef"

func writeHexByte(b *strings.Builder, prefix string, c byte) {
	b.WriteString(prefix)
	b.WriteByte(hexDigits[c>>4])
	b.WriteByte(hexDigits[c&0xf])
}

// writeU writes r as \uXXXX or \UXXXXXXXX.
func writeU(b *strings.Builder, r rune) {
	if r > 0xffff {
		b.WriteString(`\U`)
		for shift := 28; shift >= 0; shift -= 4 {
			b.WriteByte(hexDigits[(r>>shift)&0xf])
		}
		return
	}
	b.WriteString(`\u`)
	for shift := 12; shift >= 0; shift -= 4 {
		b.WriteByte(hexDigits[(r>>shift)&0xf])
	}
}

// unsafeRune reports whether a non-ASCII rune must be escaped: C1 controls (a terminal may
// read U+009B as CSI), bidi controls, invisible spacing and separators, BOM and tags.
func unsafeRune(r rune) bool {
	switch {
	case r >= 0x80 && r <= 0x9f: // C1 controls
		return true
	case r == 0x061c, r == 0x200e, r == 0x200f: // Arabic letter mark, LRM, RLM
		return true
	case r >= 0x202a && r <= 0x202e: // LRE, RLE, PDF, LRO, RLO
		return true
	case r >= 0x2066 && r <= 0x2069: // LRI, RLI, FSI, PDI
		return true
	case r == 0x200b, r == 0x2060, r == 0xfeff: // zero-width space, word joiner, BOM
		return true
	case r == 0x2028, r == 0x2029: // line and paragraph separators
		return true
	case r >= 0xe0000 && r <= 0xe007f: // Unicode tags (invisible)
		return true
	case r >= 0xfff9 && r <= 0xfffb: // interlinear annotation controls
		return true
	}
	return false
}

// Width is the display width of s in terminal cells, as lipgloss measures it.
func Width(s string) int { return ansi.StringWidth(s) }

// Truncate cuts already-safe text s to at most width cells, ending it with an ellipsis when
// something was cut. Wide characters are never split. Width <= 0 gives "".
func Truncate(s string, width int) string {
	if width <= 0 {
		return ""
	}
	if len(s) <= width && isPlainASCII(s) {
		return s
	}
	if ansi.StringWidth(s) <= width {
		return s
	}
	return ansi.Truncate(s, width, Ellipsis)
}

// Tail is the end of already-safe text s that fits in width cells (wide characters are never
// split): for a one-line field whose cursor is at the end. Width <= 0 gives "".
func Tail(s string, width int) string {
	w, i := 0, len(s)
	for i > 0 {
		r, n := utf8.DecodeLastRuneInString(s[:i])
		rw := Width(string(r))
		if w+rw > width {
			break
		}
		w += rw
		i -= n
	}
	return s[i:]
}

// Clip sanitizes hostile text s and fits it into width cells. Only the start of an overlong s
// is looked at, so a megabyte-long log line costs no more to draw than a short one.
func Clip(s string, width int) string {
	if width <= 0 {
		return ""
	}
	// Each cell needs at least one byte of output; an escape takes up to 10 cells for 1-4 input
	// bytes. Keep generously more than can be shown (zero-width marks take bytes but no cells).
	limit := 8*width + 64
	cut := false
	if len(s) > limit {
		s = s[:limit]
		cut = true
	}
	out := Truncate(Sanitize(s), width)
	if cut && !strings.HasSuffix(out, Ellipsis) {
		// The input went on past what was kept; say so even if the kept part fits.
		out = Truncate(out, max(width-1, 0))
		if !strings.HasSuffix(out, Ellipsis) {
			out = ansi.Truncate(out, max(width-1, 0), "") + Ellipsis
		}
	}
	return out
}

// Pad clips hostile text s to width cells and pads it with spaces to exactly width cells, for
// table columns.
func Pad(s string, width int) string {
	out := Clip(s, width)
	if w := ansi.StringWidth(out); w < width {
		out += strings.Repeat(" ", width-w)
	}
	return out
}

// Lines sanitizes multi-line hostile text: it splits s on newlines (dropping a \r before one)
// and sanitizes each line, so a raw record can be shown over several rows. At most limit lines
// are returned (limit <= 0: no limit); if more exist, the last returned line says how many were
// left out.
func Lines(s string, limit int) []string {
	var out []string
	for n := 0; ; n++ {
		line, rest, more := strings.Cut(s, "\n")
		if limit > 0 && n == limit-1 && more {
			out = append(out, "… "+strconv.Itoa(strings.Count(rest, "\n")+2)+" more lines")
			return out
		}
		out = append(out, Sanitize(strings.TrimSuffix(line, "\r")))
		if !more {
			return out
		}
		s = rest
	}
}

func isPlainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

// Plural is n and the noun for it: "1 event", "3 events".
func Plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
