// Package text is the last resort for logs no specific format claims: any text file imports
// line by line, each line an event whose message is the line, with the time taken from a
// leading timestamp when one is recognised. Nothing is lost, and the lines are searchable and
// on the timeline, even before trawl has a reader for their format.
package text

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"trawl/event"
	"trawl/importers"
)

// SniffScore is the lowest score a format gives: every other format that recognises a file
// wins over text.
const SniffScore = 1

// Format reads any text log.
type Format struct{}

func init() { importers.Register(Format{}) }

func (Format) Name() string { return "text" }
func (Format) Description() string {
	return "any other text log, one event per line (time from a leading timestamp when recognised)"
}

// Sniff accepts input that is mostly printable text with line breaks.
func (Format) Sniff(head []byte) int {
	if len(head) == 0 {
		return 0
	}
	sample := head
	if len(sample) > 8192 {
		sample = sample[:8192]
	}
	if !bytes.ContainsAny(sample, "\n") && len(head) >= 8192 {
		return 0 // one huge line: not a line log
	}
	bad := 0
	for i := 0; i < len(sample); {
		r, size := utf8.DecodeRune(sample[i:])
		if (r == utf8.RuneError && size == 1 && len(sample)-i >= utf8.UTFMax) || (r < 0x20 && r != '\n' && r != '\r' && r != '\t') {
			bad++
		}
		i += size
	}
	if bad*50 > len(sample) { // more than 2% binary
		return 0
	}
	return SniffScore
}

func (f Format) Read(ctx context.Context, in importers.Input, sink importers.Sink) error {
	return importers.ReadEachLine(ctx, in, sink, f.ParseLine)
}

// stamp is a leading timestamp shape and its layout.
type stamp struct {
	re     *regexp.Regexp
	layout string
}

// stamps are tried in order; the first whose pattern matches the start of the line and
// parses wins. Times without a zone are taken as UTC.
var stamps = []stamp{
	{regexp.MustCompile(`^\[?(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?)\]?`), ""},
	{regexp.MustCompile(`^\[((?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ \d]\d \d{2}:\d{2}:\d{2}(?:\.\d+)? \d{4})\]`), "Mon Jan _2 15:04:05 2006"},
	{regexp.MustCompile(`^\[(\d{2}/(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4})\]`), "02/Jan/2006:15:04:05 -0700"},
	{regexp.MustCompile(`^(\d{10}(?:\.\d+)?)\s`), ""},
}

// ParseLine makes one event of a line. Blank lines are skipped.
func (Format) ParseLine(l importers.Line, sink importers.Sink) error {
	line := string(l.Text)
	if strings.TrimSpace(line) == "" {
		return nil
	}
	ev := event.Event{SourceType: "text", Message: line, Raw: line}
	for _, s := range stamps {
		m := s.re.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		var t time.Time
		var err error
		if s.layout == "" {
			t, err = event.ParseTime(strings.Replace(m[1], ",", ".", 1))
		} else {
			t, err = time.Parse(s.layout, m[1])
		}
		if err == nil {
			ev.Time = t.UTC()
			break
		}
	}
	return sink.Event(importers.Record{Line: l.Num, Offset: l.Offset}, &ev)
}
