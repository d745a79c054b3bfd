package evtx

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"trawl/event"
	"trawl/importers"
	"trawl/importers/windows"
)

func init() { importers.Register(Format{}) }

// Format is the "evtx" importer: binary Windows event logs, every record normalized through
// windows.Normalize with Raw holding the record as JSON (RenderJSON).
type Format struct {
	// Workers decode chunks in parallel; 0 means GOMAXPROCS.
	Workers int
}

// Name implements importers.Format.
func (Format) Name() string { return "evtx" }

// Description implements importers.Format.
func (Format) Description() string { return "Windows XML Event Log files (.evtx, binary)" }

// Sniff implements importers.Format: the EVTX file magic is certain.
func (Format) Sniff(head []byte) int {
	if bytes.HasPrefix(head, fileMagic) {
		return 100
	}
	return 0
}

// Read implements importers.Format. Chunks and records that fail their checks, and records
// whose values do not fit the event model, become rejects; the rest become events in file
// order.
func (f Format) Read(ctx context.Context, in importers.Input, sink importers.Sink) error {
	file, err := NewReader(in.R)
	if err != nil {
		return fmt.Errorf("%s: %w", in.Name, err)
	}
	var buf []byte
	err = file.Walk(ctx, f.Workers, func(e Entry) error {
		if rj := e.Reject; rj != nil {
			return sinkErr(sink.Reject(importers.Reject{Offset: rj.Offset, Raw: rj.Raw,
				Reason: fmt.Sprintf("chunk %d: %s", rj.Chunk, rj.Reason)}))
		}
		r := e.Record
		buf = r.AppendJSON(buf[:0])
		ev := &event.Event{SourceType: "evtx", Raw: string(buf)}
		if err := windows.Normalize(r.Windows(), ev); err != nil {
			rej := importers.RejectOf(importers.Line{Offset: r.Offset, Text: buf}, err)
			rej.Reason = fmt.Sprintf("chunk %d, record %d: %s", r.Chunk, r.ID, rej.Reason)
			return sinkErr(sink.Reject(rej))
		}
		return sinkErr(sink.Event(importers.Record{Offset: r.Offset}, ev))
	})
	var se sinkError
	if errors.As(err, &se) {
		return se.err
	}
	if err != nil {
		return fmt.Errorf("%s: %w", in.Name, err)
	}
	return nil
}

// sinkError marks an error of the sink, returned as is.
type sinkError struct{ err error }

func (e sinkError) Error() string { return e.err.Error() }

func sinkErr(err error) error {
	if err == nil {
		return nil
	}
	return sinkError{err}
}
