package evtx

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
	"unsafe"
)

// Value types of substitutions and value tokens.
const (
	typeNull       = 0x00
	typeString     = 0x01 // UTF-16
	typeAnsiString = 0x02
	typeInt8       = 0x03
	typeUint8      = 0x04
	typeInt16      = 0x05
	typeUint16     = 0x06
	typeInt32      = 0x07
	typeUint32     = 0x08
	typeInt64      = 0x09
	typeUint64     = 0x0a
	typeFloat      = 0x0b
	typeDouble     = 0x0c
	typeBool       = 0x0d
	typeBinary     = 0x0e
	typeGUID       = 0x0f
	typeSize       = 0x10
	typeFiletime   = 0x11
	typeSystemtime = 0x12
	typeSID        = 0x13
	typeHex32      = 0x14
	typeHex64      = 0x15
	typeBinXML     = 0x21
	typeArray      = 0x80 // flag: array of the base type
)

// value is one substitution value: its type and where its bytes are in the chunk.
type value struct {
	typ byte
	off int
	n   int
}

// fixedSize is the size of a fixed-size value type, or 0.
func fixedSize(t byte) int {
	switch t {
	case typeInt8, typeUint8:
		return 1
	case typeInt16, typeUint16:
		return 2
	case typeInt32, typeUint32, typeFloat, typeBool, typeHex32:
		return 4
	case typeInt64, typeUint64, typeDouble, typeSize, typeFiletime, typeHex64:
		return 8
	case typeGUID, typeSystemtime:
		return 16
	}
	return 0
}

// prefixedValue renders a value token's value at pos (its size is implied by the type or a
// length prefix) and returns the text and the number of bytes used.
func (d *chunkDecoder) prefixedValue(typ byte, pos, end int) (string, int, error) {
	var v value
	switch typ {
	case typeNull:
		return "", 0, nil
	case typeString:
		n, err := d.u16(pos)
		if err != nil {
			return "", 0, err
		}
		v = value{typ: typ, off: pos + 2, n: 2 * int(n)}
		if v.off+v.n > end {
			return "", 0, errAt(pos, "value string out of bounds")
		}
		return d.text(v), 2 + v.n, nil
	case typeAnsiString, typeString | typeArray:
		n, err := d.u16(pos)
		if err != nil {
			return "", 0, err
		}
		v = value{typ: typ, off: pos + 2, n: int(n)}
		if v.off+v.n > end {
			return "", 0, errAt(pos, "value string out of bounds")
		}
		return d.text(v), 2 + v.n, nil
	case typeBinary:
		n, err := d.u32(pos)
		if err != nil {
			return "", 0, err
		}
		if int(n) > end-pos-4 {
			return "", 0, errAt(pos, "binary value out of bounds")
		}
		v = value{typ: typ, off: pos + 4, n: int(n)}
		return d.text(v), 4 + v.n, nil
	case typeSID:
		c, err := d.u8(pos + 1)
		if err != nil {
			return "", 0, err
		}
		v = value{typ: typ, off: pos, n: 8 + 4*int(c)}
	default:
		s := fixedSize(typ)
		if s == 0 {
			return "", 0, errAt(pos, "value token of unsupported type 0x%02x", typ)
		}
		v = value{typ: typ, off: pos, n: s}
	}
	if v.off+v.n > end {
		return "", 0, errAt(pos, "value out of bounds")
	}
	return d.text(v), v.n, nil
}

// text renders a (non-BinXML) value exactly as python-evtx does. The text lives in the
// record's string arena: one allocation for all the values of a record.
func (d *chunkDecoder) text(v value) string {
	start, c := len(d.arena), cap(d.arena)
	d.arena = d.appendText(d.arena, v)
	if cap(d.arena) != c {
		d.budget -= cap(d.arena) // the arena grew: a new one was allocated
	}
	if len(d.arena) == start {
		return ""
	}
	// The arena is only ever appended to, and a new one is made for each record, so these
	// bytes are never written again.
	return unsafe.String(&d.arena[start], len(d.arena)-start)
}

// appendText appends the text of v to dst.
func (d *chunkDecoder) appendText(dst []byte, v value) []byte {
	b := d.buf[v.off : v.off+v.n]
	le := binary.LittleEndian
	if v.typ&typeArray != 0 {
		return d.appendArray(dst, v)
	}
	need := fixedSize(v.typ)
	if need > 0 && len(b) < need {
		// A short fixed-size value: render what python would read, zero-padded.
		p := make([]byte, need)
		copy(p, b)
		b = p
	}
	switch v.typ {
	case typeNull:
		return dst
	case typeString:
		return trimNulBytes(appendUTF16(dst, b), len(dst))
	case typeAnsiString:
		return trimNulBytes(appendLatin1(dst, b), len(dst))
	case typeInt8:
		return strconv.AppendInt(dst, int64(int8(b[0])), 10)
	case typeUint8:
		return strconv.AppendUint(dst, uint64(b[0]), 10)
	case typeInt16:
		return strconv.AppendInt(dst, int64(int16(le.Uint16(b))), 10)
	case typeUint16:
		return strconv.AppendUint(dst, uint64(le.Uint16(b)), 10)
	case typeInt32:
		return strconv.AppendInt(dst, int64(int32(le.Uint32(b))), 10)
	case typeUint32:
		return strconv.AppendUint(dst, uint64(le.Uint32(b)), 10)
	case typeInt64:
		return strconv.AppendInt(dst, int64(le.Uint64(b)), 10)
	case typeUint64:
		return strconv.AppendUint(dst, le.Uint64(b), 10)
	case typeFloat:
		return append(dst, pyFloat(float64(math.Float32frombits(le.Uint32(b))))...)
	case typeDouble:
		return append(dst, pyFloat(math.Float64frombits(le.Uint64(b)))...)
	case typeBool:
		if int32(le.Uint32(b)) > 0 {
			return append(dst, "True"...)
		}
		return append(dst, "False"...)
	case typeBinary:
		return base64.StdEncoding.AppendEncode(dst, b)
	case typeGUID:
		return appendGUID(dst, b)
	case typeSize:
		if v.n == 4 {
			return strconv.AppendUint(dst, uint64(le.Uint32(b)), 10)
		}
		return strconv.AppendUint(dst, le.Uint64(b), 10)
	case typeFiletime:
		return appendPyFiletime(dst, le.Uint64(b))
	case typeSystemtime:
		return appendPySystemtime(dst, b)
	case typeSID:
		return appendSID(dst, b)
	case typeHex32:
		return appendHex(append(dst, '0', 'x'), uint64(le.Uint32(b)), 8)
	case typeHex64:
		return appendHex(append(dst, '0', 'x'), le.Uint64(b), 16)
	}
	// Unknown type: keep the bytes.
	return base64.StdEncoding.AppendEncode(dst, b)
}

// appendArray renders an array value. UTF-16 string arrays follow python-evtx's rendering
// ("<string>a</string>\n" per item, quirks included); arrays of other types, which
// python-evtx cannot read, are rendered the same way with each item as its scalar text.
func (d *chunkDecoder) appendArray(dst []byte, v value) []byte {
	b := d.buf[v.off : v.off+v.n]
	base := v.typ &^ typeArray
	switch base {
	case typeString:
		return appendPyWstringArray(dst, b)
	case typeAnsiString:
		for _, s := range bytes.Split(bytes.TrimRight(b, "\x00"), []byte{0}) {
			dst = append(dst, "<string>"...)
			dst = appendLatin1(dst, s)
			dst = append(dst, "</string>\n"...)
		}
		return dst
	case typeSID:
		for p := 0; p+8 <= len(b); {
			n := 8 + 4*int(b[p+1])
			if p+n > len(b) {
				break
			}
			dst = append(dst, "<string>"...)
			dst = appendSID(dst, b[p:p+n])
			dst = append(dst, "</string>\n"...)
			p += n
		}
		return dst
	}
	size := fixedSize(base)
	if size == 0 {
		return base64.StdEncoding.AppendEncode(dst, b)
	}
	for p := 0; p+size <= len(b); p += size {
		dst = append(dst, "<string>"...)
		dst = d.appendText(dst, value{typ: base, off: v.off + p, n: size})
		dst = append(dst, "</string>\n"...)
	}
	return dst
}

// appendPyWstringArray reproduces python-evtx 0.6.1's WstringArrayTypeNode.string: it looks
// for runs of two-byte units whose first byte is not NUL (and whose second byte is not '\n'),
// and counts runs of NULs as empty strings.
func appendPyWstringArray(dst []byte, b []byte) []byte {
	for len(b) > 0 {
		before := len(b)
		i, j := -1, -1
		for s := 0; s+1 < len(b); s++ {
			if b[s] != 0 && b[s+1] != '\n' {
				i = s
				j = s + 2
				for j+1 < len(b) && b[j] != 0 && b[j+1] != '\n' {
					j += 2
				}
				break
			}
		}
		if i >= 0 {
			frag := b[i:j]
			dst = append(dst, "<string>"...)
			dst = appendUTF16(dst, frag)
			dst = append(dst, "</string>\n"...)
			cut := len(frag) + 2
			if cut > len(b) {
				cut = len(b)
			}
			b = b[cut:]
			if len(b) == 0 {
				break
			}
		}
		z := 0
		for z < len(b) && b[z] == 0 {
			z++
		}
		if z%2 != 0 {
			// python raises "uneven substring of NULLs"; keep the rest as one string.
			z--
		}
		for k := 0; k < z/2; k++ {
			dst = append(dst, "<string></string>\n"...)
		}
		b = b[z:]
		if len(b) == before {
			return dst // no progress (python would loop for ever)
		}
	}
	return dst
}

func trimNulBytes(b []byte, from int) []byte {
	for len(b) > from && b[len(b)-1] == 0 {
		b = b[:len(b)-1]
	}
	return b
}

func appendLatin1(dst, b []byte) []byte {
	for _, c := range b {
		if c < 0x80 {
			dst = append(dst, c)
		} else {
			dst = utf8.AppendRune(dst, rune(c))
		}
	}
	return dst
}

const hexdigits = "0123456789abcdef"

func appendHex(dst []byte, v uint64, width int) []byte {
	for i := width - 1; i >= 0; i-- {
		dst = append(dst, hexdigits[(v>>(4*uint(i)))&0xf])
	}
	return dst
}

func appendGUID(dst, h []byte) []byte {
	put := func(c byte) { dst = append(dst, hexdigits[c>>4], hexdigits[c&0xf]) }
	dst = append(dst, '{')
	put(h[3])
	put(h[2])
	put(h[1])
	put(h[0])
	dst = append(dst, '-')
	put(h[5])
	put(h[4])
	dst = append(dst, '-')
	put(h[7])
	put(h[6])
	dst = append(dst, '-')
	put(h[8])
	put(h[9])
	dst = append(dst, '-')
	for i := 10; i < 16; i++ {
		put(h[i])
	}
	return append(dst, '}')
}

func appendSID(dst, b []byte) []byte {
	if len(b) < 8 {
		return dst
	}
	auth := uint64(binary.BigEndian.Uint32(b[2:]))<<16 ^ uint64(binary.BigEndian.Uint16(b[6:]))
	dst = append(dst, "S-"...)
	dst = strconv.AppendUint(dst, uint64(b[0]), 10)
	dst = append(dst, '-')
	dst = strconv.AppendUint(dst, auth, 10)
	for i := 0; i < int(b[1]) && 8+4*i+4 <= len(b); i++ {
		dst = append(dst, '-')
		dst = strconv.AppendUint(dst, uint64(binary.LittleEndian.Uint32(b[8+4*i:])), 10)
	}
	return dst
}

// pyFloat formats f as Python's repr(float) does.
func pyFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	e := strconv.FormatFloat(f, 'e', -1, 64) // -d.ddde±XX
	neg := ""
	if e[0] == '-' {
		neg = "-"
		e = e[1:]
	}
	k := strings.IndexByte(e, 'e')
	exp, _ := strconv.Atoi(e[k+1:])
	digits := strings.Replace(e[:k], ".", "", 1)
	decpt := exp + 1
	if decpt > -4 && decpt <= 16 {
		switch {
		case decpt <= 0:
			return neg + "0." + strings.Repeat("0", -decpt) + digits
		case decpt >= len(digits):
			return neg + digits + strings.Repeat("0", decpt-len(digits)) + ".0"
		default:
			return neg + digits[:decpt] + "." + digits[decpt:]
		}
	}
	m := digits[:1]
	if len(digits) > 1 {
		m += "." + digits[1:]
	}
	es := "+"
	if exp < 0 {
		es = "-"
		exp = -exp
	}
	x := strconv.Itoa(exp)
	if len(x) < 2 {
		x = "0" + x
	}
	return neg + m + "e" + es + x
}

// FiletimeTime converts a FILETIME (100 ns ticks since 1601) to a UTC time, exactly.
func FiletimeTime(ft uint64) time.Time {
	const epochDiff = 116444736000000000 // 1601 to 1970 in ticks
	sec := int64(ft/10000000) - epochDiff/10000000
	return time.Unix(sec, int64(ft%10000000)*100).UTC()
}

// appendPyFiletime renders a FILETIME as python-evtx 0.6.1 does: through a float number of
// Unix seconds (so to the microsecond, with its rounding), as str(datetime).
func appendPyFiletime(dst []byte, ft uint64) []byte {
	t := float64(float64(ft)*1e-7) - 11644473600
	whole, frac := math.Modf(t)
	us := math.RoundToEven(frac * 1e6)
	if us >= 1e6 {
		us -= 1e6
		whole++
	} else if us < 0 {
		us += 1e6
		whole--
	}
	tm := time.Unix(int64(whole), int64(us)*1000).UTC()
	if tm.Year() < 1 || tm.Year() > 9999 {
		return append(dst, "0001-01-01 00:00:00"...) // python's datetime.min on ValueError
	}
	return appendPyDatetime(dst, tm.Year(), int(tm.Month()), tm.Day(), tm.Hour(), tm.Minute(), tm.Second(), int(us))
}

// appendPySystemtime renders a SYSTEMTIME as python-evtx does (milliseconds land in the
// microsecond field, as its parser passes them).
func appendPySystemtime(dst, b []byte) []byte {
	le := binary.LittleEndian
	return appendPyDatetime(dst, int(le.Uint16(b)), int(le.Uint16(b[2:])), int(le.Uint16(b[6:])),
		int(le.Uint16(b[8:])), int(le.Uint16(b[10:])), int(le.Uint16(b[12:])), int(le.Uint16(b[14:])))
}

func appendPyDatetime(b []byte, y, mo, d, h, mi, s, us int) []byte {
	b = pad(b, y, 4)
	b = append(b, '-')
	b = pad(b, mo, 2)
	b = append(b, '-')
	b = pad(b, d, 2)
	b = append(b, ' ')
	b = pad(b, h, 2)
	b = append(b, ':')
	b = pad(b, mi, 2)
	b = append(b, ':')
	b = pad(b, s, 2)
	if us != 0 {
		b = append(b, '.')
		b = pad(b, us, 6)
	}
	return b
}

func pad(b []byte, v, width int) []byte {
	n := len(b)
	b = strconv.AppendInt(b, int64(v), 10)
	for len(b)-n < width {
		b = append(b, 0)
		copy(b[n+1:], b[n:])
		b[n] = '0'
	}
	return b
}
