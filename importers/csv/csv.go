// Package csv reads delimited text with a header row: CSV, TSV, and the semicolon and pipe
// variants, the delimiter sniffed from the first lines. Columns are filled from header names by
// the shared guess table (importers/guess) or by map.<column>=<header name> options; every
// cell is kept in Event.Fields under its header name.
//
// Records are framed here, a line at a time with a small quote-state machine, so that a
// quoted value may span lines but an unterminated quote cannot make a record grow past
// importers.MaxLine; each framed record is then split by encoding/csv (LazyQuotes, any field
// count).
//
// A row whose field count differs from the header's is a reject naming the line and the first
// missing field. A value that does not parse for an explicitly mapped column (map.time=When
// with "05.03.2024" in it) is a reject naming the field; a value that does not parse for a
// guessed column is passed over for the next candidate name and stays in Fields, because a
// wrong guess must not cost the analyst the row.
package csv

import (
	"bufio"
	"bytes"
	"context"
	stdcsv "encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"trawl/event"
	"trawl/importers"
	"trawl/importers/guess"
)

// SniffScore is what Sniff answers for text that parses as a table: low, because
// CSV-looking text is common and every specific format must win over it.
const SniffScore = 5

// Delimiters are the separators Sniff and Read consider, in order of preference on a tie.
var Delimiters = []rune{',', '\t', ';', '|'}

// Format is the CSV/TSV format. The zero value sniffs the delimiter and guesses the mapping.
type Format struct {
	delim    rune // 0: sniff
	explicit guess.Explicit
}

func init() { importers.Register(Format{}) }

func (Format) Name() string { return "csv" }
func (Format) Description() string {
	return "CSV/TSV with a header row (comma, tab, semicolon or pipe), columns guessed from the header or set with map.<column>=<header>"
}

// WithOptions takes map.<column>=<header name> settings and delimiter=<one character>
// (or "tab").
func (f Format) WithOptions(opts map[string]string) (importers.Format, error) {
	rest := map[string]string{}
	for k, v := range opts {
		if k != "delimiter" {
			rest[k] = v
			continue
		}
		d, err := parseDelimiter(v)
		if err != nil {
			return nil, err
		}
		f.delim = d
	}
	ex, err := guess.ParseOptions(rest)
	if err != nil {
		return nil, err
	}
	f.explicit = ex
	return f, nil
}

func parseDelimiter(v string) (rune, error) {
	switch strings.ToLower(v) {
	case "tab", `\t`:
		return '\t', nil
	}
	r, n := utf8.DecodeRuneInString(v)
	if n == 0 || n != len(v) || r == '"' || r == '\r' || r == '\n' || r == utf8.RuneError {
		return 0, fmt.Errorf("option delimiter: want one character or \"tab\", got %q", v)
	}
	return r, nil
}

// Sniff answers SniffScore when the first lines of head split into a consistent table of at
// least two columns under one of the Delimiters.
func (Format) Sniff(head []byte) int {
	head = bytes.TrimPrefix(head, utf8BOM)
	if len(head) == 0 || head[0] == '{' || head[0] == '[' || head[0] == '<' || head[0] == '#' {
		return 0
	}
	if bytes.IndexByte(head, 0) >= 0 {
		return 0 // binary; invalid UTF-8 alone is fine (Latin-1 spreadsheet exports)
	}
	if _, ok := sniffDelimiter(head); ok {
		return SniffScore
	}
	return 0
}

var utf8BOM = []byte("\xef\xbb\xbf")

// trimIncomplete drops a last line cut short by the end of head (unless head is all there is).
func trimIncomplete(head []byte) []byte {
	if len(head) < importers.SniffSize {
		return head
	}
	if i := bytes.LastIndexByte(head, '\n'); i >= 0 {
		return head[:i+1]
	}
	return head
}

// sniffDelimiter picks the delimiter under which the header has most columns and the rows
// after it agree with it. ok is false when none gives a table of two columns or more.
func sniffDelimiter(head []byte) (rune, bool) {
	head = trimIncomplete(head)
	best, bestCols, bestScore := ',', 0, 0.0
	for _, d := range Delimiters {
		r := stdcsv.NewReader(bytes.NewReader(head))
		r.Comma, r.LazyQuotes, r.FieldsPerRecord = d, true, -1
		hdr, err := r.Read()
		if err != nil || len(hdr) < 2 {
			continue
		}
		rows, same := 0, 0
		for rows < 50 {
			rec, err := r.Read()
			if err != nil {
				break
			}
			rows++
			if len(rec) == len(hdr) {
				same++
			}
		}
		score := 1.0 // a header alone: a table with no rows yet
		if rows > 0 {
			score = float64(same) / float64(rows)
		}
		if score < 0.6 { // some ragged rows are rejects, not a reason to doubt the table
			continue
		}
		if score > bestScore || (score == bestScore && len(hdr) > bestCols) {
			best, bestCols, bestScore = d, len(hdr), score
		}
	}
	return best, bestCols >= 2
}

// Read imports every data row. A row whose field count differs from the header's, or whose
// explicitly mapped value does not fit its column, is a reject naming the line and field. An
// explicit mapping naming a header that does not exist is an error: the analyst asked for it.
func (f Format) Read(ctx context.Context, in importers.Input, sink importers.Sink) error {
	br := bufio.NewReaderSize(in.R, importers.SniffSize)
	delim := f.delim
	if delim == 0 {
		head, err := br.Peek(importers.SniffSize)
		if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
			return fmt.Errorf("%s: %w", in.Name, err)
		}
		delim, _ = sniffDelimiter(bytes.TrimPrefix(head, utf8BOM))
	}
	t := &table{f: f, delim: delim, sink: sink, name: in.Name}
	err := importers.ReadLines(ctx, br, sink, t.line)
	if err != nil {
		return err
	}
	return t.flush()
}

// maxColumns is the most columns a header may have. Naming and planning a column costs a few
// hundred bytes, so a single 16 MB line of eight million empty columns would take gigabytes;
// real tables stay far below this (Excel stops at 16384).
const maxColumns = 1 << 16

// table is the state of one Read: the record being framed, the header and the plan.
type table struct {
	f     Format
	delim rune
	sink  importers.Sink
	name  string

	rec     []byte // the record framed so far (lines joined by \n)
	recLine int64
	recOff  int64
	inQuote bool
	header  []string
	// noHeader says why the header line was refused; every record after it is a reject.
	noHeader string
	plan     guess.Plan
	index    map[string]int // header name -> position

	csvr *stdcsv.Reader // shared by the records while they agree with the framing
	feed *feeder
	fed  int64 // bytes fed to csvr
}

// line frames records: a line continues the current record while a quoted value is open. A
// record that would outgrow importers.MaxLine is rejected and framing starts afresh with the line
// that overflowed it, so that one stray quote cannot swallow the rest of the file.
func (t *table) line(l importers.Line) error {
	if len(t.rec) == 0 && !t.inQuote {
		if len(bytes.TrimSpace(l.Text)) == 0 {
			return nil // blank lines between records
		}
		t.recLine, t.recOff = l.Num, l.Offset
	} else {
		if len(t.rec)+1+len(l.Text) > importers.MaxLine {
			keep := t.rec
			if len(keep) > importers.RejectKeep {
				keep = keep[:importers.RejectKeep]
			}
			t.rec, t.inQuote = t.rec[:0], false
			err := t.sink.Reject(importers.Reject{Line: t.recLine, Offset: t.recOff, Raw: keep,
				Reason: fmt.Sprintf("quoted value runs past %d bytes (unterminated quote?); reading resumes on line %d", importers.MaxLine, l.Num)})
			if err != nil {
				return err
			}
			return t.line(l)
		}
		t.rec = append(t.rec, '\n')
	}
	t.rec = append(t.rec, l.Text...)
	t.inQuote = scanQuotes(l.Text, t.delim, t.inQuote)
	if t.inQuote {
		return nil
	}
	return t.record()
}

// flush handles a record left open at EOF (an unterminated quote): it is read as it is.
func (t *table) flush() error {
	if len(t.rec) == 0 {
		return nil
	}
	return t.record()
}

// scanQuotes follows the quoting of one line from state inQuote and returns the state at its
// end. It agrees with encoding/csv's LazyQuotes reading: a quote opens a quoted value only at
// the start of a field; inside one, "" is a quote and a quote closes the value only before a
// delimiter or the end of the line.
func scanQuotes(line []byte, delim rune, inQuote bool) bool {
	inQuote, _ = scanDelims(line, delim, inQuote)
	return inQuote
}

// scanDelims is scanQuotes that also counts the delimiters outside quoted values.
func scanDelims(line []byte, delim rune, inQuote bool) (bool, int) {
	delims := 0
	atStart := !inQuote
	for i := 0; i < len(line); {
		r, n := rune(line[i]), 1
		if r >= utf8.RuneSelf {
			r, n = utf8.DecodeRune(line[i:])
		}
		switch {
		case inQuote:
			if r == '"' {
				if i+1 < len(line) && line[i+1] == '"' {
					n = 2
				} else if i+1 == len(line) || nextRune(line[i+1:]) == delim {
					inQuote = false
				}
			}
		case r == delim:
			atStart = true
			delims++
			i += n
			continue
		case atStart && r == '"':
			inQuote = true
		}
		atStart = false
		i += n
	}
	return inQuote, delims
}

// fieldCount is how many fields encoding/csv finds in a framed record, counted without
// splitting it.
func fieldCount(raw []byte, delim rune) int {
	n, inQuote := 1, false
	for line := range bytes.SplitSeq(raw, []byte("\n")) {
		var d int
		inQuote, d = scanDelims(line, delim, inQuote)
		n += d
	}
	return n
}

func nextRune(b []byte) rune {
	r, _ := utf8.DecodeRune(b)
	return r
}

// record splits the framed record and turns it into the header or an event.
func (t *table) record() error {
	raw := t.rec
	t.rec = t.rec[:0]
	l := importers.Line{Text: raw, Num: t.recLine, Offset: t.recOff}
	// Splitting costs about a hundred bytes a field: a record of millions of fields is counted
	// first and refused without being split. No header can have that many columns.
	if bytes.Count(raw, []byte(string(t.delim))) >= maxColumns {
		if n := fieldCount(raw, t.delim); n > maxColumns {
			if t.header == nil && t.noHeader == "" {
				t.noHeader = fmt.Sprintf("no usable header: line %d has %d columns, more than the %d a header may have", t.recLine, n, maxColumns)
				return t.sink.Reject(importers.RejectOf(l, errors.New(t.noHeader)))
			}
			return t.sink.Reject(importers.RejectOf(l, fmt.Errorf("row has %d fields, more than the %d a table may have", n, maxColumns)))
		}
	}
	fields, err := t.split(raw)
	if err != nil {
		return t.sink.Reject(importers.RejectOf(l, fmt.Errorf("unreadable row: %v", err)))
	}
	if t.header == nil {
		if t.noHeader != "" {
			return t.sink.Reject(importers.RejectOf(l, errors.New(t.noHeader)))
		}
		return t.setHeader(fields)
	}
	ev, err := t.event(fields, raw)
	if err != nil {
		return t.sink.Reject(importers.RejectOf(l, err))
	}
	return t.sink.Event(importers.Record{Line: t.recLine, Offset: t.recOff}, ev)
}

// split cuts one framed record into fields with encoding/csv. One csv.Reader serves the
// whole input, fed a record at a time: creating one per record costs more than the parsing.
// Should the reader ever read the record differently from the framing (end it early, or ask
// for more), it is dropped and the record is read alone by a fresh one.
func (t *table) split(raw []byte) ([]string, error) {
	if t.csvr == nil {
		t.feed = &feeder{}
		t.csvr = t.newReader(t.feed)
		t.fed = 0
	}
	t.feed.b = append(append(t.feed.buf[:0], raw...), '\n')
	t.feed.buf = t.feed.b[:0]
	t.feed.eof = false
	t.fed += int64(len(raw) + 1)
	fields, err := t.csvr.Read()
	if err == nil && !t.feed.eof && len(t.feed.b) == 0 && t.csvr.InputOffset() == t.fed {
		return fields, nil
	}
	t.csvr = nil
	return t.newReader(bytes.NewReader(raw)).Read()
}

func (t *table) newReader(r io.Reader) *stdcsv.Reader {
	cr := stdcsv.NewReader(r)
	cr.Comma, cr.LazyQuotes, cr.FieldsPerRecord = t.delim, true, -1
	return cr
}

// feeder hands the shared csv.Reader one record, then io.EOF.
type feeder struct {
	b   []byte // what is left of the record
	buf []byte // b's storage, reused
	eof bool   // the reader asked for more than the record
}

func (f *feeder) Read(p []byte) (int, error) {
	if len(f.b) == 0 {
		f.eof = true
		return 0, io.EOF
	}
	n := copy(p, f.b)
	f.b = f.b[n:]
	return n, nil
}

func (t *table) setHeader(fields []string) error {
	if len(fields) > 0 {
		fields[0] = strings.TrimPrefix(fields[0], "\ufeff")
	}
	t.header = make([]string, len(fields))
	t.index = make(map[string]int, len(fields))
	nextSuffix := map[string]int{} // per repeated name, the first suffix not yet tried
	for i, h := range fields {
		h = strings.TrimSpace(h)
		if h == "" {
			h = fmt.Sprintf("column_%d", i+1)
		}
		if _, dup := t.index[h]; dup { // a repeated name gets a suffix: no cell is lost
			// Suffixes tried before for this name are taken for good, so the search resumes
			// where it stopped: a header of a million equal names stays linear.
			base := strings.TrimSpace(fields[i])
			n := max(nextSuffix[base], 2)
			for ; ; n++ {
				h = fmt.Sprintf("%s_%d", base, n)
				if _, dup := t.index[h]; !dup {
					break
				}
			}
			nextSuffix[base] = n + 1
		}
		t.header[i] = h
		t.index[h] = i
	}
	explicit := guess.Explicit{}
	for col, name := range t.f.explicit {
		h, ok := t.lookup(name)
		if !ok {
			return fmt.Errorf("%s: option map.%s=%s: no column %q in the header (%s)", t.name, col, name, name, strings.Join(t.header, ", "))
		}
		explicit[col] = h
	}
	t.plan = guess.Build(t.header, explicit)
	return nil
}

// lookup finds a header name exactly, else ignoring case and punctuation.
func (t *table) lookup(name string) (string, bool) {
	if _, ok := t.index[name]; ok {
		return name, true
	}
	n := guess.Norm(name)
	for _, h := range t.header {
		if guess.Norm(h) == n && n != "" {
			return h, true
		}
	}
	return "", false
}

func (t *table) event(fields []string, raw []byte) (*event.Event, error) {
	if len(fields) != len(t.header) {
		name := ""
		if len(fields) < len(t.header) {
			name = t.header[len(fields)]
			return nil, &importers.FieldError{Field: name, Err: fmt.Errorf("row has %d fields, the header has %d (%s and after are missing)", len(fields), len(t.header), name)}
		}
		return nil, fmt.Errorf("row has %d fields, the header has %d (extra fields from field %d)", len(fields), len(t.header), len(t.header)+1)
	}
	ev := &event.Event{SourceType: "csv", Raw: string(raw), Fields: make(map[string]any, len(fields))}
	for i, v := range fields {
		ev.Fields[t.header[i]] = v
	}
	err := t.plan.Apply(ev, func(h string) (string, bool) {
		i, ok := t.index[h]
		if !ok {
			return "", false
		}
		return fields[i], true
	})
	if err != nil {
		return nil, err // a *importers.FieldError naming the field
	}
	return ev, nil
}
