package importers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"trawl/event"
)

// Field is one row of a format's mapping table: a source field and the event column it fills.
type Field struct {
	Src string // source field name (a dotted path for nested JSON)
	Col string // event column name (see event.Columns)
}

// FieldMap is a format's mapping table, kept as one readable table per format. Rows are applied
// in order; a later row for the same column overwrites an earlier one only when its source field
// is present and not empty, so alternatives can be listed from weakest to strongest.
type FieldMap []Field

// Validate checks that every column of the table exists. Formats call it from tests.
func (m FieldMap) Validate() error {
	var errs []error
	for _, f := range m {
		if !event.Settable(f.Col) {
			errs = append(errs, fmt.Errorf("mapping %s -> %s: no such column", f.Src, f.Col))
		}
	}
	return errors.Join(errs...)
}

// FieldError is a source field whose value does not fit its column.
type FieldError struct {
	Field string
	Err   error
}

func (e *FieldError) Error() string { return fmt.Sprintf("field %s: %v", e.Field, e.Err) }
func (e *FieldError) Unwrap() error { return e.Err }

// Apply fills ev from the table, reading source fields through get. The first value that does
// not parse for its column stops it with a *FieldError naming the source field.
func (m FieldMap) Apply(ev *event.Event, get func(src string) (string, bool)) error {
	for _, f := range m {
		v, ok := get(f.Src)
		if !ok || strings.TrimSpace(v) == "" {
			continue
		}
		if err := ev.Set(f.Col, v); err != nil {
			return SetError(f.Src, err)
		}
	}
	return nil
}

// SetError is the *FieldError of a value of source field src that (*event.Event).Set refused
// with err. Set names the column; the reject names the source field instead. An error that
// wraps nothing (an unknown column) is kept whole, so Err is never nil.
func SetError(src string, err error) *FieldError {
	if inner := errors.Unwrap(err); inner != nil {
		err = inner
	}
	return &FieldError{Field: src, Err: err}
}

// RejectOf turns an error about one record into a Reject, naming the field when err is (or
// wraps) a *FieldError. raw is copied by the sink, not here.
func RejectOf(l Line, err error) Reject {
	r := Reject{Line: l.Num, Offset: l.Offset, Reason: err.Error(), Raw: l.Text}
	var fe *FieldError
	if errors.As(err, &fe) {
		r.Field, r.Reason = fe.Field, fe.Err.Error()
	}
	return r
}

// DecodeObject parses one JSON object, keeping numbers as json.Number so that large integers
// and their spelling survive. Anything but an object is an error, as is anything after it.
// The result is what encoding/json's Decoder with UseNumber gives (see jsondecode.go).
func DecodeObject(b []byte) (map[string]any, error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '{' {
		return nil, errNotObject
	}
	return DecodeObjectString(string(b)) // the result's strings share this one copy
}

// DecodeObjectString is DecodeObject of text already held in a string: it makes no copy, so
// the strings of the result share s's memory.
func DecodeObjectString(s string) (map[string]any, error) {
	s = strings.TrimSpace(s)
	if len(s) == 0 || s[0] != '{' {
		return nil, errNotObject
	}
	m, err := decodeJSONObjectString(s)
	if err != nil {
		return nil, fmt.Errorf("invalid JSON: %v", err)
	}
	return m, nil
}

// Get finds a value in a decoded JSON object: the literal key first (flattened exports use
// dotted names such as "id.orig_h"), then a dotted path through nested objects, where any
// level may itself hold a literal dotted key ({"a":{"b.c":1}} answers "a.b.c"). Shorter
// segments are tried first.
func Get(m map[string]any, key string) (any, bool) {
	if v, ok := m[key]; ok {
		return v, true
	}
	for i := 0; i < len(key); i++ {
		if key[i] != '.' {
			continue
		}
		if next, ok := m[key[:i]].(map[string]any); ok {
			if v, ok := Get(next, key[i+1:]); ok {
				return v, true
			}
		}
	}
	return nil, false
}

// Text renders a decoded JSON value as the text a mapping table sets: strings as they are,
// numbers as written, booleans as true/false, null as "", objects and arrays as compact JSON.
func Text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case json.Number:
		return x.String()
	case bool:
		if x {
			return "true"
		}
		return "false"
	case float64:
		return fmt.Sprint(x)
	default:
		b, err := json.Marshal(x)
		if err != nil {
			return fmt.Sprint(x)
		}
		return string(b)
	}
}

// Truncate cuts s to its first n bytes, marked with "…", for quoting log text in a message.
func Truncate[T string | []byte](s T, n int) string {
	if len(s) <= n {
		return string(s)
	}
	return string(s[:n]) + "…"
}

// GetText is Get then Text; absent and null values give ("", false).
func GetText(m map[string]any, key string) (string, bool) {
	v, ok := Get(m, key)
	if !ok || v == nil {
		return "", false
	}
	return Text(v), true
}

// ReadJSONLines calls fn with every JSON object of a JSON-lines input. Blank lines are
// skipped; a line that is not a JSON object becomes a reject, as does any error fn returns for
// its record (a *FieldError names the field). Only a read error or the sink's error stops it.
func ReadJSONLines(ctx context.Context, in Input, sink Sink, fn func(l Line, obj map[string]any) error) error {
	return ReadLines(ctx, in.R, sink, func(l Line) error { return ParseJSONLine(l, sink, fn) })
}

// ParseJSONLine is one line of ReadJSONLines, for a LineParser's ParseLine: a blank line is
// skipped, a line that is not a JSON object or whose fn fails becomes a reject, and only the
// sink's error (from Emit or Reject) is returned.
func ParseJSONLine(l Line, sink Sink, fn func(l Line, obj map[string]any) error) error {
	if len(bytes.TrimSpace(l.Text)) == 0 {
		return nil
	}
	return jsonRecord(l, sink, fn)
}

// jsonRecord decodes the JSON object of one record (a line, or an element of ReadJSONArray)
// and hands it to fn; a record that is not an object, or whose fn fails, becomes a reject.
// Only the sink's error is returned.
func jsonRecord(l Line, sink Sink, fn func(l Line, obj map[string]any) error) error {
	obj, err := DecodeObject(l.Text)
	if err == nil {
		err = fn(l, obj)
	}
	if err != nil {
		var se sinkError
		if errors.As(err, &se) {
			return se.err
		}
		return sink.Reject(RejectOf(l, err))
	}
	return nil
}

// sinkError marks an error that came from the sink and must stop the read rather than become
// a reject.
type sinkError struct{ err error }

func (e sinkError) Error() string { return e.err.Error() }
func (e sinkError) Unwrap() error { return e.err }

// Emit hands an event to the sink from inside a ReadJSONLines callback, marking a sink failure
// so that it stops the read instead of becoming a reject.
func Emit(sink Sink, l Line, ev *event.Event) error {
	if err := sink.Event(Record{Line: l.Num, Offset: l.Offset}, ev); err != nil {
		return sinkError{err}
	}
	return nil
}

// SniffJSONLines returns the decoded JSON objects in the complete lines of head (at most max),
// for formats that sniff by field names. A head that does not start with a JSON object gives
// nil.
func SniffJSONLines(head []byte, max int) []map[string]any {
	var out []map[string]any
	for len(head) > 0 && len(out) < max {
		i := bytes.IndexByte(head, '\n')
		if i < 0 {
			break // incomplete last line
		}
		line := bytes.TrimSpace(head[:i])
		head = head[i+1:]
		if len(line) == 0 {
			continue
		}
		obj, err := DecodeObject(line)
		if err != nil {
			return out
		}
		out = append(out, obj)
	}
	if len(out) == 0 && len(head) > 0 && len(head) < SniffSize {
		if obj, err := DecodeObject(head); err == nil { // a whole small file without final newline
			out = append(out, obj)
		}
	}
	return out
}
