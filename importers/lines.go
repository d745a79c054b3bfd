package importers

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"

	"trawl/event"
)

// MaxLine is the longest line a text format accepts. A longer line becomes a reject that keeps
// its first RejectKeep bytes, and reading goes on after it: memory stays bounded whatever the
// input.
const MaxLine = 16 << 20

// RejectKeep is how much of an overlong record a reject keeps.
const RejectKeep = 64 << 10

// Line is one line of a text input, without its line terminator (\n or \r\n).
type Line struct {
	Text   []byte // valid only until the callback returns
	Num    int64  // 1-based
	Offset int64  // byte offset of the line's first byte
}

// ReadLines calls fn for every line of r. Lines longer than MaxLine are reported to sink as
// rejects and skipped. fn's error stops the read and is returned, as is a read error; a
// cancelled ctx stops it with ctx.Err().
func ReadLines(ctx context.Context, r io.Reader, sink Sink, fn func(Line) error) error {
	br := bufio.NewReaderSize(r, 1<<20)
	var (
		num, off int64
		long     []byte // a line that spans several buffers, up to MaxLine
		longLen  int64  // its full length so far
	)
	for {
		chunk, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			if longLen+int64(len(chunk)) <= MaxLine {
				long = append(long, chunk...)
			}
			longLen += int64(len(chunk))
			continue
		}
		if err != nil && err != io.EOF {
			return err
		}
		if len(chunk) == 0 && longLen == 0 { // clean EOF
			return ctx.Err()
		}
		total := longLen + int64(len(chunk))
		line := chunk
		if longLen > 0 && total <= MaxLine {
			long = append(long, chunk...)
			line = long
		}
		num++
		start := off
		off += total
		if total > MaxLine {
			keep := long
			if len(keep) > RejectKeep {
				keep = keep[:RejectKeep]
			}
			reason := fmt.Sprintf("line of %d bytes is longer than the %d-byte limit (first %d bytes kept)", total, MaxLine, len(keep))
			if rerr := sink.Reject(Reject{Line: num, Offset: start, Reason: reason, Raw: keep}); rerr != nil {
				return rerr
			}
		} else {
			line = bytes.TrimSuffix(line, []byte("\n"))
			line = bytes.TrimSuffix(line, []byte("\r"))
			if ferr := fn(Line{Text: line, Num: num, Offset: start}); ferr != nil {
				return ferr
			}
		}
		long, longLen = long[:0], 0
		if err == io.EOF {
			return ctx.Err()
		}
		if num&1023 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
	}
}

// ParseEvent is one line of a format whose every non-blank line is one record: a blank line is
// skipped, parse's error becomes the line's reject, and its event goes to the sink. Only the
// sink's error is returned.
func ParseEvent(l Line, sink Sink, parse func(text []byte) (*event.Event, error)) error {
	if len(bytes.TrimSpace(l.Text)) == 0 {
		return nil
	}
	ev, err := parse(l.Text)
	if err != nil {
		return sink.Reject(RejectOf(l, err))
	}
	return sink.Event(Record{Line: l.Num, Offset: l.Offset}, ev)
}

// SniffLines shows good the first max non-blank lines of head (without their \n or \r\n) and
// says how many it saw and how many good accepted. A last line without a newline is seen only
// when head is shorter than SniffSize (the whole input); otherwise the sniff window cut it.
func SniffLines(head []byte, max int, good func(line []byte) bool) (lines, ok int) {
	for len(head) > 0 && lines < max {
		i := bytes.IndexByte(head, '\n')
		if i < 0 {
			if len(head) >= SniffSize {
				break // cut short by the sniff window
			}
			i = len(head)
		}
		line := bytes.TrimSuffix(head[:i], []byte("\r"))
		head = head[min(i+1, len(head)):]
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		lines++
		if good(line) {
			ok++
		}
	}
	return lines, ok
}
