package importers

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// ReadJSONArray streams the elements of JSON arrays of objects, for formats that ship records
// as one big array: a top-level array (key == "", as Suricata's pretty-printed alert dumps) or
// an array held by one member of a top-level object (key == "Records", as CloudTrail files).
// Several top-level values in a row (concatenated files, one per line) are read in turn.
//
// Memory stays bounded: elements are cut out of the stream one at a time by a small structural
// scanner (strings, escapes and bracket depth; no recursion), each decoded on its own. fn gets
// every element that is a JSON object as a Line whose Text is the element's text, Num its first
// line and Offset its first byte, exactly as ReadJSONLines does, so a format shares one record
// function between both layouts. Elements that are not objects, do not decode or are longer
// than MaxLine become rejects, as does any error fn returns (a *FieldError names the field);
// reading then goes on with the next element. When the stream itself is broken (garbage between
// elements, input ending inside an element, a top-level value of the wrong kind) and no next
// element can be found, everything from there to the end becomes one reject that says so.
// Only a read error or the sink's error stops it.
func ReadJSONArray(ctx context.Context, r io.Reader, key string, sink Sink, fn func(l Line, obj map[string]any) error) error {
	s := &arrayScanner{br: bufio.NewReaderSize(r, 256<<10), line: 1, ctx: ctx, sink: sink, fn: fn}
	err := s.run(key)
	if errors.Is(err, errStreamDone) {
		err = nil
	}
	if err != nil {
		return err
	}
	return ctx.Err()
}

// ReadJSONRecords reads the JSON records of a format that ships them either as JSON lines or
// as one big array: an input whose first member is key (key != "", as CloudTrail's
// {"Records":[...]}) or that starts with '[' is read with ReadJSONArray, anything else with
// ReadJSONLines. It only peeks at the head to decide.
func ReadJSONRecords(ctx context.Context, in Input, key string, sink Sink, fn func(l Line, obj map[string]any) error) error {
	br, ok := in.R.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(in.R, 64<<10)
	}
	head, err := br.Peek(br.Size())
	if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
		return err
	}
	h := bytes.TrimLeft(head, " \t\r\n")
	switch {
	case key != "" && FirstJSONKey(h) == key:
		return ReadJSONArray(ctx, br, key, sink, fn)
	case len(h) > 0 && h[0] == '[':
		return ReadJSONArray(ctx, br, "", sink, fn)
	}
	in.R = br
	return ReadJSONLines(ctx, in, sink, fn)
}

// CompactJSON writes a pretty-printed element of a JSON array (a Line from ReadJSONArray) on
// one line, as the record would be in a JSON-lines file, for Event.Raw; text that is already one
// line, or that does not compact, is returned as it is.
func CompactJSON(raw []byte) string {
	if bytes.IndexByte(raw, '\n') < 0 {
		return string(raw)
	}
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return string(raw)
	}
	return b.String()
}

// errStreamDone ends the scan once the rest of the input has been reported.
var errStreamDone = errors.New("stream done")

type arrayScanner struct {
	br   *bufio.Reader
	off  int64 // bytes consumed
	line int64 // line of the next byte, 1-based
	n    int64 // elements seen, for cancellation checks
	buf  []byte
	ctx  context.Context
	sink Sink
	fn   func(Line, map[string]any) error
}

func (s *arrayScanner) run(key string) error {
	for {
		c, err := s.peek()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if key == "" {
			if c != '[' {
				return s.rejectRest("expected a JSON array of objects, found " + quoteByte(c))
			}
			s.take()
			if err := s.array(); err != nil {
				return err
			}
			continue
		}
		if c != '{' {
			return s.rejectRest(fmt.Sprintf("expected a JSON object holding a %q array, found %s", key, quoteByte(c)))
		}
		if err := s.object(key); err != nil {
			return err
		}
	}
}

// object walks the members of a top-level object, streaming the one named key and skipping
// the others without keeping them.
func (s *arrayScanner) object(key string) error {
	start, startLine := s.off, s.line
	s.take() // '{'
	found := false
	for first := true; ; first = false {
		c, err := s.peek()
		if err != nil {
			return s.eofOr(err, "input ends inside the top-level object")
		}
		if c == '}' && first {
			s.take()
			break
		}
		if c != '"' {
			return s.rejectRest("expected a member name in the top-level object, found " + quoteByte(c))
		}
		raw, _, err := s.value(1 << 16)
		if err != nil {
			return s.eofOr(err, "input ends inside a member name")
		}
		var name string
		if json.Unmarshal(raw, &name) != nil {
			return s.rejectRest("invalid member name in the top-level object")
		}
		if c, err = s.peek(); err != nil {
			return s.eofOr(err, "input ends after a member name")
		}
		if c != ':' {
			return s.rejectRest("expected ':' after member name, found " + quoteByte(c))
		}
		s.take()
		if c, err = s.peek(); err != nil {
			return s.eofOr(err, "input ends after a member name")
		}
		if name == key && c == '[' {
			found = true
			s.take()
			if err := s.array(); err != nil {
				return err
			}
		} else {
			vOff, vLine := s.off, s.line
			kept, _, err := s.value(RejectKeep)
			if err != nil {
				return s.eofOr(err, "input ends inside member "+name)
			}
			if name == key {
				found = true
				if err := s.sink.Reject(Reject{Line: vLine, Offset: vOff, Field: key, Reason: "is not an array", Raw: kept}); err != nil {
					return err
				}
			}
		}
		if c, err = s.peek(); err != nil {
			return s.eofOr(err, "input ends inside the top-level object")
		}
		s.take()
		if c == '}' {
			break
		}
		if c != ',' {
			return s.rejectRest("expected ',' or '}' in the top-level object, found " + quoteByte(c))
		}
	}
	if !found {
		return s.sink.Reject(Reject{Line: startLine, Offset: start, Field: key, Reason: fmt.Sprintf("object has no %q array", key)})
	}
	return nil
}

// array reads elements after the opening '[' up to and including the closing ']'.
func (s *arrayScanner) array() error {
	c, err := s.peek()
	if err != nil {
		return s.eofOr(err, "input ends inside the array")
	}
	if c == ']' {
		s.take()
		return nil
	}
	for {
		if err := s.element(); err != nil {
			return err
		}
		c, err := s.peek()
		if err != nil {
			return s.eofOr(err, "input ends inside the array (no closing ']')")
		}
		switch c {
		case ']':
			s.take()
			return nil
		case ',':
			s.take()
			// a trailing comma before ']' is tolerated
			if c, err := s.peek(); err == nil && c == ']' {
				s.take()
				return nil
			}
		default:
			return s.rejectRest("expected ',' or ']' after an array element, found " + quoteByte(c))
		}
	}
}

// element cuts one element out of the stream and hands it on.
func (s *arrayScanner) element() error {
	if s.n++; s.n&1023 == 0 && s.ctx.Err() != nil {
		return s.ctx.Err()
	}
	start, line := s.off, s.line
	raw, total, err := s.value(MaxLine)
	if err != nil {
		if err != io.ErrUnexpectedEOF {
			return err
		}
		keep := raw
		if len(keep) > RejectKeep {
			keep = keep[:RejectKeep]
		}
		reason := fmt.Sprintf("input ends inside an array element (%d bytes from its start to the end were not read as records)", total)
		if rerr := s.sink.Reject(Reject{Line: line, Offset: start, Reason: reason, Raw: keep}); rerr != nil {
			return rerr
		}
		return errStreamDone
	}
	l := Line{Text: raw, Num: line, Offset: start}
	if total > MaxLine {
		keep := raw[:min(len(raw), RejectKeep)]
		reason := fmt.Sprintf("array element of %d bytes is longer than the %d-byte limit (first %d bytes kept)", total, MaxLine, len(keep))
		return s.sink.Reject(Reject{Line: line, Offset: start, Reason: reason, Raw: keep})
	}
	return jsonRecord(l, s.sink, s.fn)
}

// value reads one JSON value from the current position (after whitespace), keeping at most
// keep bytes of it in s.buf; total is its full length. It checks structure only (strings and
// bracket depth), not validity: the decoder judges the kept text. Input ending inside the value
// gives io.ErrUnexpectedEOF with what was kept.
func (s *arrayScanner) value(keep int) (raw []byte, total int64, err error) {
	s.buf = s.buf[:0]
	put := func(c byte) {
		if len(s.buf) < keep {
			s.buf = append(s.buf, c)
		}
		total++
	}
	depth := 0
	inString, escaped := false, false
	for {
		c, err := s.br.ReadByte()
		if err != nil {
			if err == io.EOF {
				if depth == 0 && !inString && total > 0 {
					return s.buf, total, nil // a bare scalar at the very end
				}
				return s.buf, total, io.ErrUnexpectedEOF
			}
			return s.buf, total, err
		}
		if !inString && depth == 0 && total > 0 && (c == ',' || c == ']' || c == '}' || c == ':' || isSpace(c)) {
			// the end of a bare scalar (number, true, false, null)
			s.br.UnreadByte()
			return s.buf, total, nil
		}
		s.off++
		if c == '\n' {
			s.line++
		}
		put(c)
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
				if depth == 0 {
					return s.buf, total, nil
				}
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			depth--
			if depth <= 0 {
				return s.buf, total, nil
			}
		}
	}
}

// peek skips whitespace and returns the next byte without consuming it.
func (s *arrayScanner) peek() (byte, error) {
	for {
		c, err := s.br.ReadByte()
		if err != nil {
			return 0, err
		}
		if !isSpace(c) {
			s.br.UnreadByte()
			return c, nil
		}
		s.off++
		if c == '\n' {
			s.line++
		}
	}
}

// take consumes the byte peek returned.
func (s *arrayScanner) take() {
	c, _ := s.br.ReadByte()
	s.off++
	if c == '\n' {
		s.line++
	}
}

// eofOr turns an unexpected end of input into the reject that ends the stream; other read
// errors stop the read.
func (s *arrayScanner) eofOr(err error, reason string) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		if rerr := s.sink.Reject(Reject{Line: s.line, Offset: s.off, Reason: "truncated: " + reason}); rerr != nil {
			return rerr
		}
		return errStreamDone
	}
	return err
}

// rejectRest reports everything from the current position to the end of the input as one
// reject (keeping its first RejectKeep bytes) and ends the scan: there is no way to find the
// next element.
func (s *arrayScanner) rejectRest(reason string) error {
	start, line := s.off, s.line
	keep, _ := s.br.Peek(RejectKeep)
	keep = bytes.Clone(keep)
	n, err := io.Copy(io.Discard, s.br)
	if err != nil {
		return err
	}
	s.off += n
	reason = fmt.Sprintf("%s; the remaining %d bytes could not be read as records", reason, n)
	if err := s.sink.Reject(Reject{Line: line, Offset: start, Reason: reason, Raw: keep}); err != nil {
		return err
	}
	return errStreamDone
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func quoteByte(c byte) string { return fmt.Sprintf("%q", rune(c)) }

// FirstJSONKey returns the name of the first member of the JSON object that head starts with
// (after whitespace), or "" when head does not start with an object or the name is cut off.
// Formats use it to tell a wrapped array ({"Records":[...]}) from JSON lines.
func FirstJSONKey(head []byte) string {
	head = bytes.TrimLeft(head, " \t\r\n")
	if len(head) == 0 || head[0] != '{' {
		return ""
	}
	head = bytes.TrimLeft(head[1:], " \t\r\n")
	if len(head) == 0 || head[0] != '"' {
		return ""
	}
	for i := 1; i < len(head) && i < 1024; i++ {
		switch head[i] {
		case '\\':
			i++
		case '"':
			var k string
			if json.Unmarshal(head[:i+1], &k) != nil {
				return ""
			}
			return k
		}
	}
	return ""
}
