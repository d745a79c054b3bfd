package importers

import (
	"encoding/json"
	"errors"
	"unicode/utf8"
)

// This file is a JSON object scanner for readers that want the members of an object without
// building its maps: ScanObject checks the whole text against the JSON grammar exactly as
// DecodeObjectString does (it accepts the same texts, with the same error messages) and lists
// the keys and values of the object and of the objects nested in it, down to a depth the
// caller chooses, as slices of the text. A reader of a known record shape then allocates
// nothing but what it keeps. The values are decoded only when asked (JSONMember.Text), as
// DecodeObject and Text would give them.

// errNotObject is DecodeObjectString's error for text that does not start with '{'.
var errNotObject = errors.New("not a JSON object")

// JSONKind is the kind of a JSON value.
type JSONKind uint8

const (
	JSONString JSONKind = iota + 1
	JSONNumber
	JSONTrue
	JSONFalse
	JSONNull
	JSONArray
	JSONObject
)

// JSONMember is one key and its value in an object read by ScanObject.
type JSONMember struct {
	// Key is the decoded key (escapes resolved, invalid UTF-8 as U+FFFD), as the key of
	// DecodeObject's map. It is a slice of the scanned text unless it had to be decoded.
	Key string
	// Value is the value as written: for a string the text between its quotes, for anything
	// else the whole value (a container from its opening to its closing bracket).
	Value string
	// Parent is the index of the member whose object value holds this member, -1 for a
	// member of the scanned object itself.
	Parent int32
	Kind   JSONKind
	// escaped: a string value holds a backslash escape.
	escaped bool
}

// Text is the value as importers.Text renders DecodeObject's value: a string decoded, a number
// as written, true or false, "" for null, an array or object as compact JSON (sorted keys,
// the last of duplicate keys).
func (m *JSONMember) Text() string {
	switch m.Kind {
	case JSONString:
		if !m.escaped && utf8.ValidString(m.Value) {
			return m.Value
		}
		return string(AppendJSONUnquoted(make([]byte, 0, len(m.Value)), m.Value)) // escapes only shrink it
	case JSONNumber:
		return m.Value
	case JSONTrue:
		return "true"
	case JSONFalse:
		return "false"
	case JSONNull:
		return ""
	}
	// A container: decode it as DecodeObject does and render it as Text does.
	return Text(m.Decoded())
}

// Decoded is the value as DecodeObject gives it: a string decoded, a json.Number as written,
// true or false, nil for null, an array or object as []any or map[string]any.
func (m *JSONMember) Decoded() any {
	switch m.Kind {
	case JSONString:
		return m.Text()
	case JSONNumber:
		return json.Number(m.Value)
	case JSONTrue:
		return true
	case JSONFalse:
		return false
	case JSONNull:
		return nil
	}
	// An array or object: rare (a mapping that names one), so the wrapping copy does not
	// matter.
	obj, err := DecodeObjectString(`{"v":` + m.Value + `}`)
	if err != nil {
		return nil // cannot happen: ScanObject checked the value
	}
	return obj["v"]
}

// JSONScanner scans JSON objects; it keeps its scratch space from one object to the next, so
// that a reader that keeps one scanner per goroutine allocates nothing for scanning. The zero
// value is ready to use.
type JSONScanner struct {
	members []JSONMember
	frames  []scanFrame
	buf     []byte
}

// scanFrame is an object or array being scanned.
type scanFrame struct {
	obj    bool
	record bool  // its members are listed (an object no deeper than the caller's depth)
	depth  int32 // nesting depth of a listed object: the scanned object is 0
	member int32 // the member whose value this container is, -1 for none
	start  int   // index of its opening bracket
}

// ScanObject checks s, a JSON object as DecodeObjectString takes it (white space around it is
// trimmed by the caller: s must start with '{' and end with its closing '}', or be refused),
// and returns the members of the object and of the objects nested in it up to maxDepth
// levels deep (the scanned object is at depth 0), in the order they are written, each after
// its parent. Duplicate keys are listed each time they occur. Members inside arrays are not
// listed. The result is valid until the next call. The error for s not starting with '{' is
// "not a JSON object"; any other is what DecodeObjectString reports after its "invalid JSON: ".
func (sc *JSONScanner) ScanObject(s string, maxDepth int) ([]JSONMember, error) {
	members, err := sc.scan(s, maxDepth)
	// Keep only modest scratch space: one huge object must not pin its memory.
	if cap(sc.members) > 1<<14 || cap(sc.frames) > 1<<10 || cap(sc.buf) > 1<<16 {
		defer func() { *sc = JSONScanner{} }()
	}
	if err != nil {
		return nil, err
	}
	return members, nil
}

func (sc *JSONScanner) scan(s string, maxDepth int) ([]JSONMember, error) {
	sc.members, sc.frames = sc.members[:0], sc.frames[:0]
	if len(s) == 0 || s[0] != '{' {
		return nil, errNotObject
	}
	var (
		i    int
		err  error
		pend int32 = -1 // the member whose value comes next, -1 for a value not listed
	)
	for {
		// Read one value at i.
		i = skipSpace(s, i)
		if i >= len(s) {
			return nil, errJSONEOF
		}
		start := i
		var (
			kind    JSONKind
			escaped bool
		)
		switch c := s[i]; c {
		case '{', '[':
			if len(sc.frames) >= maxJSONDepth {
				return nil, jsonSyntaxError(c, "exceeded max depth")
			}
			i = skipSpace(s, i+1)
			if i >= len(s) {
				return nil, errJSONEOF
			}
			if c == '[' {
				if s[i] == ']' {
					i++
					kind = JSONArray
					break
				}
				sc.frames = append(sc.frames, scanFrame{member: pend, start: start})
				pend = -1
				continue
			}
			if s[i] == '}' {
				i++
				kind = JSONObject
				break
			}
			f := scanFrame{obj: true, member: pend, start: start}
			if n := len(sc.frames); n == 0 {
				f.record = true
			} else if parent := &sc.frames[n-1]; pend >= 0 && int(parent.depth) < maxDepth {
				f.record, f.depth = true, parent.depth+1
			}
			sc.frames = append(sc.frames, f)
			if i, pend, err = sc.key(s, i, &sc.frames[len(sc.frames)-1]); err != nil {
				return nil, err
			}
			continue
		case '"':
			if i, escaped, err = scanString(s, i); err != nil {
				return nil, err
			}
			kind = JSONString
		case 't':
			if i, err = literal(s, i, "true"); err != nil {
				return nil, err
			}
			kind = JSONTrue
		case 'f':
			if i, err = literal(s, i, "false"); err != nil {
				return nil, err
			}
			kind = JSONFalse
		case 'n':
			if i, err = literal(s, i, "null"); err != nil {
				return nil, err
			}
			kind = JSONNull
		default:
			if c != '-' && (c < '0' || c > '9') {
				return nil, jsonSyntaxError(c, "looking for beginning of value")
			}
			if i, err = number(s, i); err != nil {
				return nil, err
			}
			kind = JSONNumber
		}

		// Have a value from start to i: give it to its member, closing containers that end
		// here.
	have:
		for {
			if pend >= 0 {
				m := &sc.members[pend]
				m.Kind, m.escaped = kind, escaped
				if kind == JSONString {
					m.Value = s[start+1 : i-1]
				} else {
					m.Value = s[start:i]
				}
			}
			n := len(sc.frames)
			if n == 0 {
				if i = skipSpace(s, i); i < len(s) {
					return nil, errDataAfter
				}
				return sc.members, nil
			}
			f := &sc.frames[n-1]
			if i = skipSpace(s, i); i >= len(s) {
				return nil, errJSONEOF
			}
			c := s[i]
			i++
			switch {
			case c == ',' && f.obj:
				if i, pend, err = sc.key(s, skipSpace(s, i), f); err != nil {
					return nil, err
				}
				break have
			case c == ',':
				pend = -1
				break have
			case c == '}' && f.obj:
				kind = JSONObject
			case c == ']' && !f.obj:
				kind = JSONArray
			case f.obj:
				return nil, jsonSyntaxError(c, "after object key:value pair")
			default:
				return nil, jsonSyntaxError(c, "after array element")
			}
			start, escaped, pend = f.start, false, f.member
			sc.frames = sc.frames[:n-1]
		}
	}
}

// key reads an object key and its colon at i in the object f, listing the key when f's
// members are listed; it returns the index after the colon and the member listed (or -1).
func (sc *JSONScanner) key(s string, i int, f *scanFrame) (int, int32, error) {
	if i >= len(s) {
		return i, -1, errJSONEOF
	}
	if s[i] != '"' {
		return i, -1, jsonSyntaxError(s[i], "looking for beginning of object key string")
	}
	start := i + 1
	i, escaped, err := scanString(s, i)
	if err != nil {
		return i, -1, err
	}
	k := s[start : i-1]
	if i = skipSpace(s, i); i >= len(s) {
		return i, -1, errJSONEOF
	}
	if s[i] != ':' {
		return i, -1, jsonSyntaxError(s[i], "after object key")
	}
	if !f.record {
		return i + 1, -1, nil
	}
	if escaped || !utf8.ValidString(k) {
		sc.buf = AppendJSONUnquoted(sc.buf[:0], k)
		k = string(sc.buf)
	}
	sc.members = append(sc.members, JSONMember{Key: k, Parent: f.member})
	return i + 1, int32(len(sc.members) - 1), nil
}

// scanString checks the string whose opening quote is at i and returns the index after its
// closing quote, and whether it holds an escape. Its errors are those of objDecoder.str.
func scanString(s string, i int) (int, bool, error) {
	j := i + 1
	escaped := false
	for {
		j = plainRun(s, j)
		if j >= len(s) {
			return j, escaped, errJSONEOF
		}
		switch c := s[j]; {
		case c == '"':
			return j + 1, escaped, nil
		case c == '\\':
			escaped = true
			j++
			if j >= len(s) {
				return j, escaped, errJSONEOF
			}
			c = s[j]
			j++
			switch c {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				for k := 0; k < 4; k++ {
					if j >= len(s) {
						return j, escaped, errJSONEOF
					}
					if unhex(s[j]) < 0 {
						return j, escaped, jsonSyntaxError(s[j], `in \u hexadecimal character escape`)
					}
					j++
				}
			default:
				return j - 1, escaped, jsonSyntaxError(c, "in string escape code")
			}
		default:
			return j, escaped, jsonSyntaxError(c, "in string literal")
		}
	}
}

// AppendJSONUnquoted appends the decoded text of raw, the text between the quotes of a JSON
// string that ScanObject accepted, to dst: escapes resolved, a lone surrogate escape and each
// byte of invalid UTF-8 as U+FFFD, as DecodeObject decodes strings.
func AppendJSONUnquoted(dst []byte, raw string) []byte {
	dst, _, _ = appendUnquoted(dst, raw, 0) // raw has no closing quote: it ends at errJSONEOF
	return dst
}
