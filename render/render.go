// Package render writes tabular results as an aligned text table, JSON lines (one object per
// row) or CSV. Every listing command of the CLI goes through it, so the formats agree.
package render

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// Format is an output format.
type Format string

const (
	Table Format = "table"
	JSON  Format = "json"
	CSV   Format = "csv"
)

// ParseFormat checks a --format value.
func ParseFormat(s string) (Format, error) {
	switch Format(s) {
	case Table, JSON, CSV:
		return Format(s), nil
	}
	return "", fmt.Errorf("unknown format %q (want table, json or csv)", s)
}

// Writer writes rows in one format. Create it with New, call Row per row, then Flush.
type Writer struct {
	w       io.Writer
	f       Format
	cols    []string
	tw      *tabwriter.Writer
	cw      *csv.Writer
	keys    [][]byte      // JSON: each column's quoted key, made once
	line    []byte        // JSON: the row being written, reused
	val     bytes.Buffer  // JSON: one value as enc writes it, reused
	enc     *json.Encoder // JSON: writes into val, without HTML escaping
	started bool
	// MaxCell truncates table cells to this many characters (0: 80).
	MaxCell int
}

// New returns a writer for the given columns.
func New(w io.Writer, f Format, cols []string) *Writer {
	wr := &Writer{w: w, f: f, cols: cols}
	switch f {
	case CSV:
		wr.cw = csv.NewWriter(w)
	case JSON:
		for _, c := range cols {
			k, _ := json.Marshal(c)
			wr.keys = append(wr.keys, k)
		}
		wr.enc = json.NewEncoder(&wr.val)
		wr.enc.SetEscapeHTML(false)
	default:
		wr.tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	}
	return wr
}

func (w *Writer) header() error {
	if w.started {
		return nil
	}
	w.started = true
	switch w.f {
	case CSV:
		return w.cw.Write(w.cols)
	case Table:
		_, err := fmt.Fprintln(w.tw, strings.ToUpper(strings.Join(w.cols, "\t")))
		return err
	}
	return nil
}

// Row writes one row; vals line up with the columns.
func (w *Writer) Row(vals []any) error {
	if err := w.header(); err != nil {
		return err
	}
	switch w.f {
	case JSON:
		b := append(w.line[:0], '{')
		for i, k := range w.keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, k...)
			b = append(b, ':')
			w.val.Reset()
			if err := w.enc.Encode(jsonValue(vals[i])); err != nil {
				return err
			}
			b = append(b, bytes.TrimSuffix(w.val.Bytes(), []byte("\n"))...)
		}
		w.line = append(b, '}', '\n')
		_, err := w.w.Write(w.line)
		return err
	case CSV:
		rec := make([]string, len(vals))
		for i, v := range vals {
			rec[i] = Text(v)
		}
		return w.cw.Write(rec)
	default:
		max := w.MaxCell
		if max == 0 {
			max = 80
		}
		cells := make([]string, len(vals))
		for i, v := range vals {
			cells[i] = Cell(Text(v), max)
		}
		_, err := fmt.Fprintln(w.tw, strings.Join(cells, "\t"))
		return err
	}
}

// Flush finishes the output (the header is written even for no rows in table and CSV form).
func (w *Writer) Flush() error {
	if err := w.header(); err != nil {
		return err
	}
	switch w.f {
	case CSV:
		w.cw.Flush()
		return w.cw.Error()
	case Table:
		return w.tw.Flush()
	}
	return nil
}

// Text renders a value as plain text: times in RFC 3339 UTC, NULL as empty.
func Text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []byte:
		return string(x)
	case time.Time:
		return x.UTC().Format("2006-01-02T15:04:05.999999Z")
	case *time.Time:
		if x == nil {
			return ""
		}
		return Text(*x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case fmt.Stringer:
		return x.String()
	}
	return fmt.Sprint(v)
}

// lineBreaks turns line breaks and tabs into spaces: a table row is one line, and Windows
// messages are full of CRLF. Built once: Cell runs for every cell of every row.
var lineBreaks = strings.NewReplacer("\r\n", " ", "\t", " ", "\n", " ", "\r", " ")

// Cell makes log text safe for a terminal table: control and escape sequences become visible
// escapes, tabs and newlines become spaces, and it is cut to max characters.
func Cell(s string, max int) string {
	// Line breaks and tabs become spaces first; every other control character is then shown
	// as an escape.
	s = lineBreaks.Replace(s)
	s = Sanitize(s)
	if ansi.StringWidth(s) > max {
		s = ansi.Truncate(s, max-1, "") + "…"
	}
	return s
}

// Sanitize replaces terminal control characters (C0 except tab and newline, DEL, C1, and the
// ESC that starts every escape sequence) with visible escapes such as \x1b, so hostile log text
// cannot drive the terminal. Bytes that are not UTF-8 become \xNN too: a lone 0x9b byte is CSI
// to a terminal in 8-bit mode.
func Sanitize(s string) string {
	clean := true
	for i, r := range s {
		if isControl(r) || (r == utf8.RuneError && !strings.HasPrefix(s[i:], "\uFFFD")) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case isControl(r) && r < 0x100:
			fmt.Fprintf(&b, `\x%02x`, r)
		case isControl(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

func isControl(r rune) bool {
	return (r < 0x20 && r != '\t' && r != '\n') || r == 0x7f || (r >= 0x80 && r < 0xa0) ||
		r == 0x2028 || r == 0x2029 || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
}

func jsonValue(v any) any {
	switch x := v.(type) {
	case time.Time:
		return Text(x)
	case []byte:
		return string(x)
	}
	return v
}
