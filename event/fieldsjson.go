package event

import (
	"bytes"
	"encoding/json"
	"math"
	"math/bits"
	"slices"
	"strconv"
	"sync"
	"unicode/utf8"
)

// AppendFieldsJSON appends the JSON text of m (an Event's Fields) to dst: byte for byte what
// encoding/json's Encoder with SetEscapeHTML(false) writes, without the final newline. Keys are
// sorted, '<', '>' and '&' are kept as they are, invalid UTF-8 becomes \ufffd, and numbers,
// times and everything else are spelled as encoding/json spells them. It is several times
// faster for the types importers put in Fields (maps, slices, strings, json.Number, integers,
// floats, booleans, nil); any other type, and anything nested deeper than 1000 levels (where
// encoding/json starts looking for cycles), goes through encoding/json. On error (a NaN or
// infinite float, an invalid json.Number, a type encoding/json cannot encode) it returns dst
// unchanged and the error encoding/json would give.
func AppendFieldsJSON(dst []byte, m map[string]any) ([]byte, error) {
	e := fieldsEncoders.Get().(*fieldsEncoder)
	out, err := e.value(dst, m, 0)
	clear(e.keys[:cap(e.keys)])
	if cap(e.keys) <= 1<<12 {
		e.keys = e.keys[:0]
		fieldsEncoders.Put(e)
	}
	if err != nil {
		return dst, err
	}
	return out, nil
}

// maxFieldsDepth is the nesting depth from which AppendFieldsJSON hands a value to
// encoding/json, which then detects cycles instead of recursing forever.
const maxFieldsDepth = 1000

// fieldsEncoder holds the sorted keys of the maps being written, innermost last.
type fieldsEncoder struct {
	keys []string
}

var fieldsEncoders = sync.Pool{New: func() any { return new(fieldsEncoder) }}

func (e *fieldsEncoder) value(b []byte, v any, depth int) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		return appendJSONString(b, x), nil
	case json.Number:
		if x == "" {
			return append(b, '0'), nil // as encoding/json does
		}
		if !isJSONNumber(string(x)) {
			return appendWithEncodingJSON(b, v) // its error
		}
		return append(b, x...), nil
	case bool:
		return strconv.AppendBool(b, x), nil
	case int:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case int32:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int16:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int8:
		return strconv.AppendInt(b, int64(x), 10), nil
	case uint:
		return strconv.AppendUint(b, uint64(x), 10), nil
	case uint64:
		return strconv.AppendUint(b, x, 10), nil
	case uint32:
		return strconv.AppendUint(b, uint64(x), 10), nil
	case uint16:
		return strconv.AppendUint(b, uint64(x), 10), nil
	case uint8:
		return strconv.AppendUint(b, uint64(x), 10), nil
	case float64:
		if math.IsInf(x, 0) || math.IsNaN(x) {
			return appendWithEncodingJSON(b, v) // its error
		}
		return appendJSONFloat(b, x, 64), nil
	case float32:
		if math.IsInf(float64(x), 0) || math.IsNaN(float64(x)) {
			return appendWithEncodingJSON(b, v)
		}
		return appendJSONFloat(b, float64(x), 32), nil
	case []string:
		if x == nil {
			return append(b, "null"...), nil
		}
		b = append(b, '[')
		for i, s := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, s)
		}
		return append(b, ']'), nil
	}
	if depth >= maxFieldsDepth {
		return appendWithEncodingJSON(b, v)
	}
	switch x := v.(type) {
	case map[string]any:
		if x == nil {
			return append(b, "null"...), nil
		}
		base := len(e.keys)
		for k := range x {
			e.keys = append(e.keys, k)
		}
		slices.Sort(e.keys[base:])
		b = append(b, '{')
		var err error
		for i := range len(x) {
			if i > 0 {
				b = append(b, ',')
			}
			k := e.keys[base+i] // by index: nested maps may move e.keys
			b = appendJSONString(b, k)
			b = append(b, ':')
			if b, err = e.value(b, x[k], depth+1); err != nil {
				return b, err
			}
		}
		clear(e.keys[base:])
		e.keys = e.keys[:base]
		return append(b, '}'), nil
	case []any:
		if x == nil {
			return append(b, "null"...), nil
		}
		b = append(b, '[')
		var err error
		for i, el := range x {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = e.value(b, el, depth+1); err != nil {
				return b, err
			}
		}
		return append(b, ']'), nil
	case map[string]string:
		if x == nil {
			return append(b, "null"...), nil
		}
		base := len(e.keys)
		for k := range x {
			e.keys = append(e.keys, k)
		}
		slices.Sort(e.keys[base:])
		b = append(b, '{')
		for i, k := range e.keys[base:] {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, k)
			b = append(b, ':')
			b = appendJSONString(b, x[k])
		}
		clear(e.keys[base:])
		e.keys = e.keys[:base]
		return append(b, '}'), nil
	}
	return appendWithEncodingJSON(b, v)
}

// appendWithEncodingJSON appends what encoding/json's Encoder writes for v.
func appendWithEncodingJSON(b []byte, v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return b, err
	}
	return append(b, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...), nil
}

// plainJSON marks the ASCII bytes a JSON string holds as they are (HTML characters included).
var plainJSON = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

const hexDigits = "0123456789abcdef"

// appendJSONString appends s quoted as encoding/json quotes it without HTML escaping.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	b = AppendJSONStringBody(b, s)
	return append(b, '"')
}

// AppendJSONStringBody appends the body of the JSON string literal for s, without the
// quotes, as encoding/json writes it without HTML escaping: invalid UTF-8 becomes \ufffd and
// U+2028 and U+2029 are escaped.
func AppendJSONStringBody(b []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); {
		i = plainASCIIRun(s, i)
		if i >= len(s) {
			break
		}
		c := s[i]
		if c < utf8.RuneSelf {
			if plainJSON[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		// U+2028 and U+2029 are valid in JSON but not in JavaScript: encoding/json always
		// escapes them.
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	return append(b, s[start:]...)
}

// isJSONNumber reports whether s is a number in JSON's grammar.
func isJSONNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
			n++
		}
		return n
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && '1' <= s[i] && s[i] <= '9':
		digits()
	default:
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(s)
}

// appendJSONFloat appends the finite f as encoding/json does (ES6 number formatting).
func appendJSONFloat(b []byte, f float64, bits int) []byte {
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 {
		if bits == 64 && (abs < 1e-6 || abs >= 1e21) || bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21) {
			format = 'e'
		}
	}
	b = strconv.AppendFloat(b, f, format, -1, bits)
	if format == 'e' {
		// clean up e-09 to e-9
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// plainASCIIRun returns the index of the first byte at or after i that AppendJSONStringBody must
// look at (a quote, a backslash, a control character or a non-ASCII byte), or len(s). It tests
// eight bytes at a time.
func plainASCIIRun(s string, i int) int {
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	for ; i+8 <= len(s); i += 8 {
		t := s[i : i+8]
		x := uint64(t[0]) | uint64(t[1])<<8 | uint64(t[2])<<16 | uint64(t[3])<<24 |
			uint64(t[4])<<32 | uint64(t[5])<<40 | uint64(t[6])<<48 | uint64(t[7])<<56
		q := x ^ (lo * '"')
		bs := x ^ (lo * '\\')
		// the high bit of each byte that is below 0x20, a quote, a backslash or from 0x80;
		// the lowest one marked is exact (borrows can only mark bytes above it)
		if m := ((x-lo*0x20)&^x | (q-lo)&^q | (bs-lo)&^bs | x) & hi; m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
	}
	for i < len(s) && s[i] < utf8.RuneSelf && plainJSON[s[i]] {
		i++
	}
	return i
}
