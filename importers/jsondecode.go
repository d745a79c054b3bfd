package importers

import (
	"encoding/json"
	"errors"
	"math/bits"
	"strconv"
	"sync"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// This file is the JSON reader behind DecodeObject, the hot path of every JSON import. It
// gives what encoding/json's Decoder with UseNumber gives when decoding into map[string]any
// (objects as map[string]any, arrays as []any, strings, json.Number as written, bool, nil;
// the last of duplicate keys wins; invalid UTF-8 in strings becomes U+FFFD; lone surrogates in
// \u escapes become U+FFFD; at most 10000 levels of nesting), with the same error texts, but
// several times faster and with a third of the allocations: the input is copied to a string
// once and strings without escapes and numbers are slices of that copy, and each object or
// array is built once at its end with its final size. (So any one string of the result keeps
// the whole copy alive: fine for an event's fields, which live as long as the event.) It does
// not recurse, so deep input cannot exhaust the stack. The one difference from the
// encoding/json version of DecodeObject: a stray '}' or ']' after the object is an error, where
// Decoder.More let it through. FuzzDecodeObject checks it against encoding/json.

// maxJSONDepth is encoding/json's nesting limit.
const maxJSONDepth = 10000

// errJSONEOF is what encoding/json's Decoder reports for input that ends inside the value.
var errJSONEOF = errors.New("unexpected EOF")

// errDataAfter is the error for anything but white space after the object.
var errDataAfter = errors.New("data after the object")

// jsonFrame is an object or array being read: where its keys and values start on the
// decoder's stacks.
type jsonFrame struct {
	obj          bool
	kbase, vbase int
}

// objDecoder holds the stacks of one decoding; it is pooled so that they are reused.
type objDecoder struct {
	s      string   // the input, shared by the strings of the result
	keys   []string // keys of the open objects, innermost last
	vals   []any    // values of the open objects and arrays, innermost last
	frames []jsonFrame
	buf    []byte // unescaping
}

var objDecoders = sync.Pool{New: func() any { return new(objDecoder) }}

// decodeJSONObjectString decodes s, which starts with '{' and has no white space at either
// end. It makes no copy of s: the strings of the result share its memory.
func decodeJSONObjectString(s string) (map[string]any, error) {
	d := objDecoders.Get().(*objDecoder)
	d.s = s
	m, err := d.run()
	d.s = ""
	if err != nil {
		clear(d.keys[:cap(d.keys)])
		clear(d.vals[:cap(d.vals)])
		d.keys, d.vals, d.frames = d.keys[:0], d.vals[:0], d.frames[:0]
	}
	// Keep only modest scratch space in the pool: one huge line must not pin its memory.
	if cap(d.vals) <= 1<<14 && cap(d.keys) <= 1<<14 && cap(d.frames) <= 1<<10 && cap(d.buf) <= 1<<16 {
		objDecoders.Put(d)
	}
	return m, err
}

// jsonSyntaxError is encoding/json's text for an unexpected byte c, with what was expected.
func jsonSyntaxError(c byte, context string) error {
	return errors.New("invalid character " + quoteChar(c) + " " + context)
}

// quoteChar formats c as encoding/json does in its errors.
func quoteChar(c byte) string {
	switch c {
	case '\'':
		return `'\''`
	case '"':
		return `'"'`
	}
	s := strconv.Quote(string(rune(c)))
	return "'" + s[1:len(s)-1] + "'"
}

// skipSpace returns the index of the first byte at or after i that is not JSON white space.
func skipSpace(s string, i int) int {
	for i < len(s) {
		switch s[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// run reads the object at the start of d.s and checks nothing follows it.
func (d *objDecoder) run() (map[string]any, error) {
	s := d.s
	i := 0
	var err error
	for {
		// Read one value at i.
		i = skipSpace(s, i)
		if i >= len(s) {
			return nil, errJSONEOF
		}
		var v any
		switch c := s[i]; c {
		case '{', '[':
			if len(d.frames) >= maxJSONDepth {
				return nil, jsonSyntaxError(c, "exceeded max depth")
			}
			i = skipSpace(s, i+1)
			if i >= len(s) {
				return nil, errJSONEOF
			}
			if c == '[' {
				if s[i] == ']' {
					i++
					v = []any{}
					break
				}
				d.frames = append(d.frames, jsonFrame{vbase: len(d.vals)})
				continue
			}
			if s[i] == '}' {
				i++
				v = map[string]any{}
				break
			}
			d.frames = append(d.frames, jsonFrame{obj: true, kbase: len(d.keys), vbase: len(d.vals)})
			if i, err = d.key(i); err != nil {
				return nil, err
			}
			continue
		case '"':
			var str string
			if str, i, err = d.str(i); err != nil {
				return nil, err
			}
			v = str
		case 't':
			if i, err = literal(s, i, "true"); err != nil {
				return nil, err
			}
			v = true
		case 'f':
			if i, err = literal(s, i, "false"); err != nil {
				return nil, err
			}
			v = false
		case 'n':
			if i, err = literal(s, i, "null"); err != nil {
				return nil, err
			}
			v = nil
		default:
			if c != '-' && (c < '0' || c > '9') {
				return nil, jsonSyntaxError(c, "looking for beginning of value")
			}
			start := i
			if i, err = number(s, i); err != nil {
				return nil, err
			}
			v = json.Number(s[start:i])
		}

		// Have a value: add it to the innermost container, closing containers that end here.
	have:
		for {
			n := len(d.frames)
			if n == 0 {
				if i = skipSpace(s, i); i < len(s) {
					return nil, errDataAfter
				}
				return v.(map[string]any), nil
			}
			d.vals = append(d.vals, v)
			f := &d.frames[n-1]
			if i = skipSpace(s, i); i >= len(s) {
				return nil, errJSONEOF
			}
			c := s[i]
			i++
			switch {
			case c == ',' && f.obj:
				if i, err = d.key(skipSpace(s, i)); err != nil {
					return nil, err
				}
				break have
			case c == ',':
				break have
			case c == '}' && f.obj:
				v = d.closeObject(f)
			case c == ']' && !f.obj:
				v = d.closeArray(f)
			case f.obj:
				return nil, jsonSyntaxError(c, "after object key:value pair")
			default:
				return nil, jsonSyntaxError(c, "after array element")
			}
			d.frames = d.frames[:n-1]
		}
	}
}

// closeObject builds the innermost object from the stacks and pops its entries.
func (d *objDecoder) closeObject(f *jsonFrame) map[string]any {
	keys, vals := d.keys[f.kbase:], d.vals[f.vbase:]
	m := make(map[string]any, len(vals))
	for k, v := range vals {
		m[keys[k]] = v // a repeated key: the last one wins, as with encoding/json
	}
	clear(keys)
	clear(vals)
	d.keys, d.vals = d.keys[:f.kbase], d.vals[:f.vbase]
	return m
}

// closeArray builds the innermost array from the stack and pops its values.
func (d *objDecoder) closeArray(f *jsonFrame) []any {
	vals := d.vals[f.vbase:]
	a := make([]any, len(vals))
	copy(a, vals)
	clear(vals)
	d.vals = d.vals[:f.vbase]
	return a
}

// key reads an object key and its colon at i, pushing the key; it returns the index after the
// colon.
func (d *objDecoder) key(i int) (int, error) {
	s := d.s
	if i >= len(s) {
		return i, errJSONEOF
	}
	if s[i] != '"' {
		return i, jsonSyntaxError(s[i], "looking for beginning of object key string")
	}
	k, i, err := d.str(i)
	if err != nil {
		return i, err
	}
	if i = skipSpace(s, i); i >= len(s) {
		return i, errJSONEOF
	}
	if s[i] != ':' {
		return i, jsonSyntaxError(s[i], "after object key")
	}
	d.keys = append(d.keys, k)
	return i + 1, nil
}

// plainString marks the bytes that a string can hold as they are: not the quote, the
// backslash or a control character. Bytes from 0x80 are plain here and checked as UTF-8 once
// the string ends.
var plainString = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// str reads the string whose opening quote is at i, returning its text and the index after
// the closing quote. A string without escapes that is valid UTF-8 is a slice of the input.
func (d *objDecoder) str(i int) (string, int, error) {
	s := d.s
	start := i + 1
	j := plainRun(s, start)
	if j >= len(s) {
		return "", j, errJSONEOF
	}
	if s[j] == '"' && utf8.ValidString(s[start:j]) {
		return s[start:j], j + 1, nil
	}
	if s[j] < 0x20 {
		return "", j, jsonSyntaxError(s[j], "in string literal")
	}
	return d.unquote(start)
}

// unquote reads the string from start (just after its opening quote), unescaping it and
// replacing invalid UTF-8 as encoding/json does.
func (d *objDecoder) unquote(start int) (string, int, error) {
	b, j, err := appendUnquoted(d.buf[:0], d.s, start)
	d.buf = b[:0]
	if err != nil {
		return "", j, err
	}
	return string(b), j, nil
}

// appendUnquoted appends the text of the JSON string in s from j (just after its opening
// quote) to its closing quote to dst: escapes resolved, a lone surrogate escape and each byte
// of invalid UTF-8 as U+FFFD, as encoding/json decodes strings. It returns dst and the index
// after the closing quote, or the error at the first byte the grammar refuses (errJSONEOF when
// s ends before the closing quote).
func appendUnquoted(dst []byte, s string, j int) ([]byte, int, error) {
	for j < len(s) {
		c := s[j]
		switch {
		case c == '"':
			return dst, j + 1, nil
		case c == '\\':
			j++
			if j >= len(s) {
				return dst, j, errJSONEOF
			}
			c = s[j]
			j++
			switch c {
			case '"', '\\', '/':
				dst = append(dst, c)
			case 'b':
				dst = append(dst, '\b')
			case 'f':
				dst = append(dst, '\f')
			case 'n':
				dst = append(dst, '\n')
			case 'r':
				dst = append(dst, '\r')
			case 't':
				dst = append(dst, '\t')
			case 'u':
				var rr rune
				for k := 0; k < 4; k++ {
					if j >= len(s) {
						return dst, j, errJSONEOF
					}
					h := unhex(s[j])
					if h < 0 {
						return dst, j, jsonSyntaxError(s[j], `in \u hexadecimal character escape`)
					}
					rr = rr<<4 | h
					j++
				}
				if utf16.IsSurrogate(rr) {
					// A pair is two escapes; anything else is one U+FFFD, and the next
					// escape is read on its own.
					if dec := utf16.DecodeRune(rr, getu4(s[j:])); dec != unicode.ReplacementChar {
						dst = utf8.AppendRune(dst, dec)
						j += 6
						continue
					}
					rr = unicode.ReplacementChar
				}
				dst = utf8.AppendRune(dst, rr)
			default:
				return dst, j - 1, jsonSyntaxError(c, "in string escape code")
			}
		case c < 0x20:
			return dst, j, jsonSyntaxError(c, "in string literal")
		case c < utf8.RuneSelf:
			// copy the run of plain ASCII at once
			k := plainASCIIRun(s, j+1)
			dst = append(dst, s[j:k]...)
			j = k
		default:
			r, size := utf8.DecodeRuneInString(s[j:])
			dst = utf8.AppendRune(dst, r) // an invalid byte gives U+FFFD
			j += size
		}
	}
	return dst, j, errJSONEOF
}

// unhex is the value of the hexadecimal digit c, or -1.
func unhex(c byte) rune {
	switch {
	case '0' <= c && c <= '9':
		return rune(c - '0')
	case 'a' <= c && c <= 'f':
		return rune(c - 'a' + 10)
	case 'A' <= c && c <= 'F':
		return rune(c - 'A' + 10)
	}
	return -1
}

// getu4 decodes a \uXXXX escape at the start of s, or returns -1.
func getu4(s string) rune {
	if len(s) < 6 || s[0] != '\\' || s[1] != 'u' {
		return -1
	}
	var r rune
	for _, c := range []byte(s[2:6]) {
		h := unhex(c)
		if h < 0 {
			return -1
		}
		r = r<<4 | h
	}
	return r
}

// literal checks that the literal word (true, false, null) is at i and returns the index
// after it.
func literal(s string, i int, word string) (int, error) {
	for k := 1; k < len(word); k++ {
		if i+k >= len(s) {
			return i + k, errJSONEOF
		}
		if s[i+k] != word[k] {
			return i + k, jsonSyntaxError(s[i+k], "in literal "+word+" (expecting "+quoteChar(word[k])+")")
		}
	}
	return i + len(word), nil
}

// number checks the number at i against the JSON grammar and returns the index after it.
func number(s string, i int) (int, error) {
	if s[i] == '-' {
		i++
		if i >= len(s) {
			return i, errJSONEOF
		}
	}
	switch c := s[i]; {
	case c == '0':
		i++
	case '1' <= c && c <= '9':
		i++
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
	default:
		return i, jsonSyntaxError(c, "in numeric literal")
	}
	if i < len(s) && s[i] == '.' {
		i++
		if i >= len(s) {
			return i, errJSONEOF
		}
		if s[i] < '0' || s[i] > '9' {
			return i, jsonSyntaxError(s[i], "after decimal point in numeric literal")
		}
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i >= len(s) {
			return i, errJSONEOF
		}
		if s[i] < '0' || s[i] > '9' {
			return i, jsonSyntaxError(s[i], "in exponent of numeric literal")
		}
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
	}
	return i, nil
}

// plainRun returns the index of the first byte at or after i that is a quote, a backslash or a
// control character, or len(s). It tests eight bytes at a time.
func plainRun(s string, i int) int {
	return scanPlain(s, i, false)
}

// plainASCIIRun is plainRun stopping at non-ASCII bytes too.
func plainASCIIRun(s string, i int) int {
	return scanPlain(s, i, true)
}

func scanPlain(s string, i int, stopHigh bool) int {
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	var high uint64
	if stopHigh {
		high = hi
	}
	for ; i+8 <= len(s); i += 8 {
		t := s[i : i+8]
		x := uint64(t[0]) | uint64(t[1])<<8 | uint64(t[2])<<16 | uint64(t[3])<<24 |
			uint64(t[4])<<32 | uint64(t[5])<<40 | uint64(t[6])<<48 | uint64(t[7])<<56
		q := x ^ (lo * '"')
		bs := x ^ (lo * '\\')
		// the high bit of each byte below 0x20, quote or backslash (or from 0x80 with
		// stopHigh); the lowest one marked is exact (borrows can only mark bytes above it)
		if m := ((x-lo*0x20)&^x | (q-lo)&^q | (bs-lo)&^bs | x&high) & hi; m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
	}
	for i < len(s) && plainString[s[i]] && (!stopHigh || s[i] < utf8.RuneSelf) {
		i++
	}
	return i
}
