// Package importers turns log files into normalized events. Each format is one Format value,
// registered by name; Detect chooses a format from a file's first bytes (never its name). A
// format reads a stream and hands every record to a Sink either as an event or as a reject with
// its reason, so that nothing is lost in silence. Importers never touch the store.
package importers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"sync"

	"trawl/event"
)

// SniffSize is how many leading bytes Detect shows each format.
const SniffSize = 64 << 10

// Reject is an input record that could not become an event.
type Reject struct {
	Line   int64  // 1-based line number for text formats, 0 when not line-oriented
	Offset int64  // byte offset of the record in the (decompressed) input
	Field  string // the offending field, when one is to blame
	Reason string
	Raw    []byte
}

func (r Reject) Error() string {
	loc := fmt.Sprintf("offset %d", r.Offset)
	if r.Line > 0 {
		loc = fmt.Sprintf("line %d", r.Line)
	}
	if r.Field != "" {
		return fmt.Sprintf("%s: field %s: %s", loc, r.Field, r.Reason)
	}
	return fmt.Sprintf("%s: %s", loc, r.Reason)
}

// Record locates an event in its input.
type Record struct {
	Line   int64
	Offset int64
}

// Sink receives what a format reads. Implementations must copy what they keep: the reader may
// reuse the Event and the Raw buffer after the call returns. An error from the sink stops the
// read and is returned by Read.
type Sink interface {
	Event(rec Record, ev *event.Event) error
	Reject(r Reject) error
}

// Discard is a Sink that drops everything: for sniffing a head with a reader, and benchmarks.
var Discard Sink = discard{}

type discard struct{}

func (discard) Event(Record, *event.Event) error { return nil }
func (discard) Reject(Reject) error              { return nil }

// Input is one decompressed input stream.
type Input struct {
	Name string    // the path as given, for messages
	R    io.Reader // the decompressed content, from its first byte
	Size int64     // size of the original file when known, else -1 (for progress only)
}

// Format reads one log format.
type Format interface {
	// Name is the format's registry key, as given to --format and stored as source_type.
	Name() string
	// Description says in a line what the format is.
	Description() string
	// Sniff rates how likely it is that head (the first bytes of a decompressed input, at most
	// SniffSize) is this format: 0 never, 100 certain. Generic formats answer low.
	Sniff(head []byte) int
	// Read streams the input to sink, in bounded memory, until EOF, ctx is done or the sink
	// fails. Malformed records become rejects; only an unreadable input is an error.
	Read(ctx context.Context, in Input, sink Sink) error
}

// Configurable is a format that takes options (the CSV column mapping, for instance).
type Configurable interface {
	Format
	// WithOptions returns a copy of the format configured by opts (key=value settings).
	WithOptions(opts map[string]string) (Format, error)
}

var (
	mu       sync.RWMutex
	registry = map[string]Format{}
)

// Register adds a format; formats register themselves from init functions. Registering one
// name twice panics: it is a programming error.
func Register(f Format) {
	mu.Lock()
	defer mu.Unlock()
	if _, dup := registry[f.Name()]; dup {
		panic("importers: format registered twice: " + f.Name())
	}
	registry[f.Name()] = f
}

// Lookup finds a format by name.
func Lookup(name string) (Format, bool) {
	mu.RLock()
	defer mu.RUnlock()
	f, ok := registry[name]
	return f, ok
}

// Formats lists the registered formats by name.
func Formats() []Format {
	mu.RLock()
	defer mu.RUnlock()
	out := make([]Format, 0, len(registry))
	for _, f := range registry {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	return out
}

// ErrUnknownFormat is returned by Detect when no format recognises the input.
var ErrUnknownFormat = errors.New("unrecognised log format")

// Detect picks the format that rates head highest. Ties go to the name first in order, so
// detection is deterministic.
func Detect(head []byte) (Format, error) {
	var best Format
	bestScore := 0
	for _, f := range Formats() {
		if s := f.Sniff(head); s > bestScore {
			best, bestScore = f, s
		}
	}
	if best == nil {
		return nil, ErrUnknownFormat
	}
	return best, nil
}

// LineParser is a format whose records are single lines that can be parsed independently of
// each other: JSON lines, access logs, CEF. The store then parses one file on several cores and
// keeps the records in file order. Its Read must be equivalent to ReadEachLine with ParseLine.
type LineParser interface {
	Format
	// ParseLine turns one line into events or rejects for sink. It is called from several
	// goroutines at once, each with its own sink, so it must not keep state between lines.
	ParseLine(l Line, sink Sink) error
}

// ReadEachLine is Read for a LineParser: every line of the input through parse, in order.
func ReadEachLine(ctx context.Context, in Input, sink Sink, parse func(Line, Sink) error) error {
	return ReadLines(ctx, in.R, sink, func(l Line) error { return parse(l, sink) })
}
