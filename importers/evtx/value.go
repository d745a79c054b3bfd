package evtx

import (
	"encoding/base64"
	"encoding/binary"
	"math"
	"strconv"
	"strings"
	"time"
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

// text renders a (non-BinXML) value exactly as python-evtx does.
func (d *chunkDecoder) text(v value) string {
	b := d.buf[v.off : v.off+v.n]
	le := binary.LittleEndian
	if v.typ&typeArray != 0 {
		return d.arrayText(v)
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
		return ""
	case typeString:
		return trimNul(utf16le(b))
	case typeAnsiString:
		return trimNul(latin1(b))
	case typeInt8:
		return strconv.Itoa(int(int8(b[0])))
	case typeUint8:
		return strconv.Itoa(int(b[0]))
	case typeInt16:
		return strconv.Itoa(int(int16(le.Uint16(b))))
	case typeUint16:
		return strconv.Itoa(int(le.Uint16(b)))
	case typeInt32:
		return strconv.Itoa(int(int32(le.Uint32(b))))
	case typeUint32:
		return strconv.FormatUint(uint64(le.Uint32(b)), 10)
	case typeInt64:
		return strconv.FormatInt(int64(le.Uint64(b)), 10)
	case typeUint64:
		return strconv.FormatUint(le.Uint64(b), 10)
	case typeFloat:
		return pyFloat(float64(math.Float32frombits(le.Uint32(b))))
	case typeDouble:
		return pyFloat(math.Float64frombits(le.Uint64(b)))
	case typeBool:
		if int32(le.Uint32(b)) > 0 {
			return "True"
		}
		return "False"
	case typeBinary:
		return base64.StdEncoding.EncodeToString(b)
	case typeGUID:
		return guidText(b)
	case typeSize:
		if v.n == 4 {
			return strconv.FormatUint(uint64(le.Uint32(b)), 10)
		}
		return strconv.FormatUint(le.Uint64(b), 10)
	case typeFiletime:
		return pyFiletime(le.Uint64(b))
	case typeSystemtime:
		return pySystemtime(b)
	case typeSID:
		return sidText(b)
	case typeHex32:
		return "0x" + hexPad(uint64(le.Uint32(b)), 8)
	case typeHex64:
		return "0x" + hexPad(le.Uint64(b), 16)
	}
	// Unknown type: keep the bytes.
	return base64.StdEncoding.EncodeToString(b)
}

// arrayText renders an array value. UTF-16 string arrays follow python-evtx's rendering
// ("<string>a</string>\n" per item, quirks included); arrays of other types, which
// python-evtx cannot read, are rendered the same way with each item as its scalar text.
func (d *chunkDecoder) arrayText(v value) string {
	b := d.buf[v.off : v.off+v.n]
	base := v.typ &^ typeArray
	var sb strings.Builder
	if base == typeString {
		pyWstringArray(&sb, b)
		return sb.String()
	}
	if base == typeAnsiString {
		for _, s := range strings.Split(strings.TrimRight(latin1(b), "\x00"), "\x00") {
			sb.WriteString("<string>" + s + "</string>\n")
		}
		return sb.String()
	}
	size := fixedSize(base)
	if base == typeSID {
		for p := 0; p+8 <= len(b); {
			n := 8 + 4*int(b[p+1])
			if p+n > len(b) {
				break
			}
			sb.WriteString("<string>" + sidText(b[p:p+n]) + "</string>\n")
			p += n
		}
		return sb.String()
	}
	if size == 0 {
		return base64.StdEncoding.EncodeToString(b)
	}
	for p := 0; p+size <= len(b); p += size {
		sb.WriteString("<string>")
		sb.WriteString(d.text(value{typ: base, off: v.off + p, n: size}))
		sb.WriteString("</string>\n")
	}
	return sb.String()
}

// pyWstringArray reproduces python-evtx 0.6.1's WstringArrayTypeNode.string: it looks for runs
// of two-byte units whose first byte is not NUL (and whose second byte is not '\n'), and
// counts runs of NULs as empty strings.
func pyWstringArray(sb *strings.Builder, b []byte) {
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
			sb.WriteString("<string>")
			sb.WriteString(utf16le(frag))
			sb.WriteString("</string>\n")
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
			sb.WriteString("<string></string>\n")
		}
		b = b[z:]
		if len(b) == before {
			return // no progress (python would loop for ever)
		}
	}
}

func latin1(b []byte) string {
	ascii := true
	for _, c := range b {
		if c >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return string(b)
	}
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	return string(r)
}

const hexdigits = "0123456789abcdef"

func hexPad(v uint64, width int) string {
	var b [16]byte
	for i := width - 1; i >= 0; i-- {
		b[i] = hexdigits[v&0xf]
		v >>= 4
	}
	return string(b[:width])
}

func guidText(h []byte) string {
	var b [38]byte
	b[0] = '{'
	p := 1
	put := func(c byte) {
		b[p] = hexdigits[c>>4]
		b[p+1] = hexdigits[c&0xf]
		p += 2
	}
	for _, i := range []int{3, 2, 1, 0} {
		put(h[i])
	}
	b[p] = '-'
	p++
	put(h[5])
	put(h[4])
	b[p] = '-'
	p++
	put(h[7])
	put(h[6])
	b[p] = '-'
	p++
	put(h[8])
	put(h[9])
	b[p] = '-'
	p++
	for i := 10; i < 16; i++ {
		put(h[i])
	}
	b[p] = '}'
	return string(b[:])
}

func sidText(b []byte) string {
	if len(b) < 8 {
		return ""
	}
	auth := uint64(binary.BigEndian.Uint32(b[2:]))<<16 ^ uint64(binary.BigEndian.Uint16(b[6:]))
	s := make([]byte, 0, 64)
	s = append(s, "S-"...)
	s = strconv.AppendUint(s, uint64(b[0]), 10)
	s = append(s, '-')
	s = strconv.AppendUint(s, auth, 10)
	for i := 0; i < int(b[1]) && 8+4*i+4 <= len(b); i++ {
		s = append(s, '-')
		s = strconv.AppendUint(s, uint64(binary.LittleEndian.Uint32(b[8+4*i:])), 10)
	}
	return string(s)
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

// pyFiletime renders a FILETIME as python-evtx 0.6.1 does: through a float number of Unix
// seconds (so to the microsecond, with its rounding), as str(datetime).
func pyFiletime(ft uint64) string {
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
		return "0001-01-01 00:00:00" // python's datetime.min on ValueError
	}
	return pyDatetime(tm.Year(), int(tm.Month()), tm.Day(), tm.Hour(), tm.Minute(), tm.Second(), int(us))
}

// pySystemtime renders a SYSTEMTIME as python-evtx does (milliseconds land in the
// microsecond field, as its parser passes them).
func pySystemtime(b []byte) string {
	le := binary.LittleEndian
	return pyDatetime(int(le.Uint16(b)), int(le.Uint16(b[2:])), int(le.Uint16(b[6:])),
		int(le.Uint16(b[8:])), int(le.Uint16(b[10:])), int(le.Uint16(b[12:])), int(le.Uint16(b[14:])))
}

func pyDatetime(y, mo, d, h, mi, s, us int) string {
	b := make([]byte, 0, 26)
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
	return string(b)
}

func pad(b []byte, v, width int) []byte {
	s := strconv.Itoa(v)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}
