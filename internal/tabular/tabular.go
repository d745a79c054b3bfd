// Package tabular reads small tables of records (context inventories, indicator CSVs) from CSV
// with a header line, a JSON array of objects, or JSON lines, detected by the first byte. Every
// record comes back with its line number, its fields under normalized names (lower case, spaces,
// dashes and dots as "_") and its text, or as an error naming the line.
package tabular

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"trawl/event"
	"trawl/importers"
)

// Row is one record.
type Row struct {
	Line   int64          // 1-based line where the record starts
	Fields map[string]any // normalized name -> value: string for CSV; JSON values as decoded (json.Number for numbers)
	Names  []string       // the normalized names in input order
	Raw    string         // the record's text, cut to MaxRaw bytes
}

// MaxRaw is how much of a record's text a Row keeps.
const MaxRaw = 1024

// MaxRecord is the largest record accepted; a larger JSON object is an error for its line.
const MaxRecord = 1 << 20

// Get returns a field as text: strings as they are, numbers and booleans as written, lists
// joined with "; ", objects as JSON. Missing and null fields give "", false.
func (r Row) Get(name string) (string, bool) {
	v, ok := r.Fields[name]
	if !ok || v == nil {
		return "", false
	}
	return Text(v), true
}

// Text renders a field value as text: lists joined with "; ", anything else as importers.Text
// does (strings as they are, numbers as written, objects as JSON).
func Text(v any) string {
	if v, ok := v.([]any); ok {
		parts := make([]string, 0, len(v))
		for _, x := range v {
			parts = append(parts, Text(x))
		}
		return strings.Join(parts, "; ")
	}
	return importers.Text(v)
}

// List returns a field as a list: a JSON array element by element, text split on ';', '|',
// ',' and white space. Empty items are dropped.
func List(v any) []string {
	var out []string
	switch v := v.(type) {
	case nil:
	case []any:
		for _, x := range v {
			out = append(out, List(x)...)
		}
	default:
		for _, s := range strings.FieldsFunc(Text(v), func(r rune) bool {
			return r == ';' || r == '|' || r == ',' || unicode.IsSpace(r)
		}) {
			out = append(out, s)
		}
	}
	return out
}

// Normalize is the name every header or key is reduced to.
func Normalize(name string) string {
	name = strings.TrimPrefix(strings.TrimSpace(name), "\ufeff")
	name = strings.ToLower(name)
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '.', '/':
			return '_'
		}
		return r
	}, name)
}

// Format names what Read found.
type Format string

const (
	CSV       Format = "csv"
	JSONArray Format = "json"
	JSONLines Format = "jsonl"
)

// Sniff decides the format from the first bytes.
func Sniff(head []byte) Format {
	head = bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\ufeff")), " \t\r\n")
	switch {
	case len(head) > 0 && head[0] == '[':
		return JSONArray
	case len(head) > 0 && head[0] == '{':
		return JSONLines
	}
	return CSV
}

// Read calls fn for every record of r, or bad(line, err) for a record that cannot be read;
// an error from either stops it. It returns the format found, and an error only when the input
// itself is unreadable (or fn/bad stopped it).
func Read(r io.Reader, fn func(Row) error, bad func(line int64, raw string, err error) error) (Format, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, _ := br.Peek(4096)
	f := Sniff(head)
	var err error
	switch f {
	case JSONArray:
		err = readArray(br, fn, bad)
	case JSONLines:
		err = readLines(br, fn, bad)
	default:
		err = readCSV(br, fn, bad)
	}
	return f, err
}

func readCSV(r io.Reader, fn func(Row) error, bad func(int64, string, error) error) error {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.Comment = '#'
	cr.ReuseRecord = true
	var header []string
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				if berr := bad(int64(pe.StartLine), "", pe.Err); berr != nil {
					return berr
				}
				continue
			}
			return err
		}
		line, _ := cr.FieldPos(0)
		if header == nil {
			for _, h := range rec {
				header = append(header, Normalize(h))
			}
			if len(header) == 1 && header[0] == "" {
				header = nil // a blank first line
			}
			continue
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // blank line
		}
		raw := strings.Join(rec, ",")
		if len(rec) > len(header) {
			if berr := bad(int64(line), cut(raw), fmt.Errorf("%d fields but the header has %d", len(rec), len(header))); berr != nil {
				return berr
			}
			continue
		}
		row := Row{Line: int64(line), Fields: make(map[string]any, len(header)), Names: header, Raw: cut(raw)}
		for i, v := range rec {
			if !utf8.ValidString(v) {
				if berr := bad(int64(line), cut(raw), fmt.Errorf("field %s: invalid UTF-8", header[i])); berr != nil {
					return berr
				}
				row.Fields = nil
				break
			}
			if strings.TrimSpace(v) != "" {
				row.Fields[header[i]] = strings.TrimSpace(v)
			}
		}
		if row.Fields == nil {
			continue
		}
		if err := fn(row); err != nil {
			return err
		}
	}
}

// readLines reads JSON lines with importers.ReadLines; a line over importers.MaxLine is
// reported to bad with the reader's reason.
func readLines(r io.Reader, fn func(Row) error, bad func(int64, string, error) error) error {
	return importers.ReadLines(context.Background(), r, badSink(bad), func(l importers.Line) error {
		t := bytes.TrimSpace(l.Text)
		if len(t) == 0 {
			return nil
		}
		row, err := decodeObject(t, l.Num)
		if err != nil {
			return bad(l.Num, cut(string(t)), err)
		}
		return fn(row)
	})
}

// badSink hands the rejects of importers.ReadLines (overlong lines) to a bad callback.
type badSink func(line int64, raw string, err error) error

func (b badSink) Event(importers.Record, *event.Event) error {
	return errors.New("tabular: unexpected event")
}
func (b badSink) Reject(r importers.Reject) error {
	return b(r.Line, cut(string(r.Raw)), errors.New(r.Reason))
}

func decodeObject(b []byte, line int64) (Row, error) {
	if len(b) > MaxRecord {
		return Row{}, fmt.Errorf("record longer than %d bytes", MaxRecord)
	}
	if !utf8.Valid(b) {
		return Row{}, errors.New("invalid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return Row{}, fmt.Errorf("not a JSON object: %v", err)
	}
	if dec.More() {
		return Row{}, errors.New("text after the JSON object")
	}
	if m == nil {
		return Row{}, errors.New("not a JSON object: null")
	}
	return rowOf(m, line, string(b)), nil
}

func rowOf(m map[string]any, line int64, raw string) Row {
	row := Row{Line: line, Fields: make(map[string]any, len(m)), Raw: cut(raw)}
	for k, v := range m {
		n := Normalize(k)
		row.Fields[n] = v
		row.Names = append(row.Names, n)
	}
	sort.Strings(row.Names)
	return row
}

// LineCounter counts the newlines read through it, remembering where each is, so a JSON
// decoder's byte offset can be turned into a line number.
type LineCounter struct {
	r        io.Reader
	off      int64
	newlines []int64
}

// NewLineCounter reads through r.
func NewLineCounter(r io.Reader) *LineCounter { return &LineCounter{r: r} }

func (c *LineCounter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	for i, b := range p[:n] {
		if b == '\n' {
			c.newlines = append(c.newlines, c.off+int64(i))
		}
	}
	c.off += int64(n)
	return n, err
}

// LineAt is the 1-based line of byte offset off (of bytes already read).
func (c *LineCounter) LineAt(off int64) int64 {
	return int64(sort.Search(len(c.newlines), func(i int) bool { return c.newlines[i] >= off })) + 1
}

func readArray(r io.Reader, fn func(Row) error, bad func(int64, string, error) error) error {
	lc := NewLineCounter(r)
	dec := json.NewDecoder(lc)
	dec.UseNumber()
	if _, err := dec.Token(); err != nil {
		return bad(1, "", fmt.Errorf("not a JSON array: %v", err))
	}
	for dec.More() {
		start := dec.InputOffset()
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return bad(lc.LineAt(start+1), "", fmt.Errorf("bad JSON: %v", err))
		}
		// The decoder's offset is now just past the value, and raw is exactly the value.
		line := lc.LineAt(dec.InputOffset() - int64(len(raw)))
		row, err := decodeObject(raw, line)
		if err != nil {
			if berr := bad(line, cut(string(raw)), err); berr != nil {
				return berr
			}
			continue
		}
		if err := fn(row); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil {
		return bad(lc.LineAt(dec.InputOffset()), "", fmt.Errorf("bad JSON array end: %v", err))
	}
	return nil
}

func cut(s string) string {
	if len(s) > MaxRaw {
		s = s[:MaxRaw]
		for !utf8.ValidString(s) && len(s) > 0 {
			s = s[:len(s)-1]
		}
	}
	return s
}
