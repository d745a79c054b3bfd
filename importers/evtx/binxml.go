package evtx

import (
	"encoding/binary"
	"fmt"
	"time"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
)

// BinXML tokens (the low nibble; the high nibble holds flags such as "has attributes").
const (
	tokEOF          = 0x00
	tokOpenStart    = 0x01
	tokCloseStart   = 0x02
	tokCloseEmpty   = 0x03
	tokEndElement   = 0x04
	tokValue        = 0x05
	tokAttribute    = 0x06
	tokCDATA        = 0x07
	tokCharRef      = 0x08
	tokEntityRef    = 0x09
	tokPITarget     = 0x0a
	tokPIData       = 0x0b
	tokTemplate     = 0x0c
	tokNormalSubst  = 0x0d
	tokOptionalSubs = 0x0e
	tokFragment     = 0x0f
)

// maxDepth bounds nested elements and embedded BinXML, so hostile input cannot recurse
// without end.
const maxDepth = 64

// maxEmbed bounds BinXML embedded in substitution values (real logs nest one or two levels).
const maxEmbed = 8

// recordBudget bounds the work and memory of decoding one record, in approximate bytes:
// BinXML bytes read, the elements, content and attributes instantiated (at their size in
// memory) and the value bytes read and rendered. A template can use a value (or an embedded
// BinXML value) many times, and hostile input could turn that into exponential work and
// output. Real records use a few KiB.
const recordBudget = 1 << 22

// chunkBudget bounds the same for all the records of one chunk together: many small records
// can each instantiate one big template, so a per-record bound alone would let one 64 KiB
// chunk decode into gigabytes. The largest real chunk of the samples needs about 0.65 MiB;
// records past the budget become rejects.
const chunkBudget = 1 << 24

// Sizes charged to the budget per instantiated node and per compiled op.
const (
	elemCost = int(unsafe.Sizeof(Element{}))
	nodeCost = int(unsafe.Sizeof(Node{}))
	attrCost = int(unsafe.Sizeof(Attr{}))
	opCost   = int(unsafe.Sizeof(op{}))
)

// opKind is one step of a compiled template.
type opKind uint8

const (
	opOpen   opKind = iota // start element name
	opAttr                 // the next value op is the value of attribute name
	opEnd                  // end of the current element
	opText                 // literal text
	opCDATA                // literal CDATA section
	opPI                   // processing instruction target (text) ...
	opPIData               // ... and its data
	opSubst                // substitution value index
	opNoop                 // close start element: nothing to do
)

type op struct {
	kind  opKind
	index uint16 // opSubst
	text  string // opOpen/opAttr name, opText/opCDATA/opPI text
	// For opOpen: how many attributes and content items the element has, so that
	// instantiation allocates them once per record.
	nattr, ncontent int32
}

// template is a compiled template definition, cached per chunk by its offset.
type template struct {
	ops []op
	shape
}

// shape sizes the allocations of one instantiation of ops.
type shape struct {
	elems, attrs, content, rootContent int
}

// annotate fills the attribute and content counts of the opOpen ops and returns the totals.
// It follows instantiate's reading of the ops.
func annotate(ops []op) shape {
	var s shape
	var stack [maxDepth + 2]int
	sp := 0
	attr := false
	count := func() {
		if sp == 0 {
			s.rootContent++
		} else {
			ops[stack[sp-1]].ncontent++
		}
		s.content++
	}
	for i := range ops {
		o := &ops[i]
		switch o.kind {
		case opOpen:
			attr = false
			count()
			s.elems++
			if sp < len(stack) {
				stack[sp] = i
				sp++
			}
		case opAttr:
			if sp > 0 {
				ops[stack[sp-1]].nattr++
				s.attrs++
			}
			attr = true
		case opEnd:
			attr = false
			if sp > 0 {
				sp--
			}
		case opNoop:
			attr = false
		case opText, opCDATA, opSubst:
			if attr {
				attr = false
				continue
			}
			count()
		case opPI:
			count()
		}
	}
	return s
}

// chunkDecoder decodes the records of one chunk; its caches are valid for that chunk only.
type chunkDecoder struct {
	buf       []byte // the whole chunk
	names     map[uint32]string
	templates map[uint32]*template
	values    [][]value // substitution arrays, one per nesting level, reused
	// timeCreated is the exact System/TimeCreated of the record being decoded, when it is
	// a FILETIME value.
	timeCreated time.Time
	budget      int    // work left for the record being decoded (see recordBudget)
	used        int    // work the last chunk decoded needed (see chunkBudget)
	arena       []byte // the record's value texts (see text)
}

func newChunkDecoder() *chunkDecoder {
	return &chunkDecoder{names: map[uint32]string{}, templates: map[uint32]*template{}}
}

func (d *chunkDecoder) reset(buf []byte) {
	d.buf = buf
	clear(d.names)
	clear(d.templates)
}

type decodeError struct {
	off    int
	reason string
}

func (e *decodeError) Error() string { return fmt.Sprintf("chunk offset 0x%x: %s", e.off, e.reason) }

func errAt(off int, format string, args ...any) error {
	return &decodeError{off: off, reason: fmt.Sprintf(format, args...)}
}

func (d *chunkDecoder) u8(off int) (byte, error) {
	if off < 0 || off >= len(d.buf) {
		return 0, errAt(off, "read past end of chunk")
	}
	return d.buf[off], nil
}

func (d *chunkDecoder) u16(off int) (uint16, error) {
	if off < 0 || off+2 > len(d.buf) {
		return 0, errAt(off, "read past end of chunk")
	}
	return binary.LittleEndian.Uint16(d.buf[off:]), nil
}

func (d *chunkDecoder) u32(off int) (uint32, error) {
	if off < 0 || off+4 > len(d.buf) {
		return 0, errAt(off, "read past end of chunk")
	}
	return binary.LittleEndian.Uint32(d.buf[off:]), nil
}

// name returns the name string at chunk offset off (cached) and its stored length in bytes.
func (d *chunkDecoder) name(off uint32) (string, int, error) {
	o := int(off)
	n, err := d.u16(o + 6)
	if err != nil {
		return "", 0, errAt(o, "name string out of bounds")
	}
	size := 8 + 2*int(n) + 2
	if s, ok := d.names[off]; ok {
		return s, size, nil
	}
	end := o + 8 + 2*int(n)
	if end > len(d.buf) {
		return "", 0, errAt(o, "name string of %d characters out of bounds", n)
	}
	s := utf16le(d.buf[o+8 : end])
	d.names[off] = s
	return s, size, nil
}

// nameRef reads a name reference at pos (4-byte chunk offset). Names defined inline (at an
// offset past the referring token) are skipped over. It returns the name and the new position.
func (d *chunkDecoder) nameRef(tokenStart, pos int) (string, int, error) {
	off, err := d.u32(pos)
	if err != nil {
		return "", 0, err
	}
	pos += 4
	s, size, err := d.name(off)
	if err != nil {
		return "", 0, err
	}
	if int(off) > tokenStart {
		pos += size
	}
	return s, pos, nil
}

// nameField returns where the name offset of the open start element at start is. Normally
// a 2-byte dependency id precedes the 4-byte data size; some files (template-less records,
// such as those python-evtx and libevtx reject with "invalid token 0x05") omit it. The name
// offset must point either just past the fixed fields (a name defined inline) or back to a
// name defined earlier in the chunk; the layout that satisfies this wins, the standard one
// first.
func (d *chunkDecoder) nameField(start int) int {
	if d.plausibleName(start, start+7, start+11) {
		return start + 7
	}
	if d.plausibleName(start, start+5, start+9) {
		return start + 5
	}
	return start + 7
}

func (d *chunkDecoder) plausibleName(start, field, inline int) bool {
	off, err := d.u32(field)
	if err != nil {
		return false
	}
	if int(off) == inline {
		return true
	}
	if int(off) < chunkHeaderLen || int(off) >= start {
		return false
	}
	_, _, err = d.name(off)
	return err == nil
}

// template returns the compiled template defined at chunk offset off.
func (d *chunkDecoder) template(off uint32) (*template, error) {
	if t, ok := d.templates[off]; ok {
		return t, nil
	}
	o := int(off)
	size, err := d.u32(o + 20)
	if err != nil {
		return nil, errAt(o, "template definition out of bounds")
	}
	start := o + 24
	end := start + int(size)
	if int(size) > len(d.buf) || end > len(d.buf) {
		return nil, errAt(o, "template data of %d bytes out of bounds", size)
	}
	ops, _, err := d.compile(start, end, nil, true)
	if err != nil {
		return nil, err
	}
	t := &template{ops: ops, shape: annotate(ops)}
	d.templates[off] = t
	return t, nil
}

// compile turns the BinXML token stream at [pos, end) into ops, appending to out, until the
// end-of-stream token or end. It returns the ops and the position after the last token.
func (d *chunkDecoder) compile(pos, end int, out []op, inTemplate bool) ([]op, int, error) {
	if out == nil {
		out = make([]op, 0, (end-pos)/8+4) // about one op per 8 bytes of BinXML
	}
	depth := 0
	for pos < end {
		start := pos
		t := d.buf[pos]
		if t&0xb0 != 0 {
			// Only the 0x40 flag ("has attributes", "more follow") exists.
			return nil, 0, errAt(start, "invalid binary XML token 0x%02x", t)
		}
		switch t & 0x0f {
		case tokEOF:
			return out, pos + 1, nil
		case tokFragment:
			pos += 4
		case tokOpenStart:
			if depth >= maxDepth {
				return nil, 0, errAt(start, "elements nested too deep")
			}
			// token, dependency id (2), data size (4), name offset (4); BinXML written
			// outside templates may lack the dependency id (see nameField).
			name, p, err := d.nameRef(start, d.nameField(start))
			if err != nil {
				return nil, 0, err
			}
			pos = p
			if t&0x40 != 0 {
				pos += 4 // attribute list size
			}
			out = append(out, op{kind: opOpen, text: name})
			depth++
		case tokCloseStart:
			pos++
		case tokCloseEmpty, tokEndElement:
			if depth == 0 {
				return nil, 0, errAt(start, "end of element without a start")
			}
			out = append(out, op{kind: opEnd})
			depth--
			pos++
		case tokValue:
			typ, err := d.u8(pos + 1)
			if err != nil {
				return nil, 0, err
			}
			v, n, err := d.prefixedValue(typ, pos+2, end)
			if err != nil {
				return nil, 0, err
			}
			out = append(out, op{kind: opText, text: v})
			pos += 2 + n
		case tokAttribute:
			name, p, err := d.nameRef(start, pos+1)
			if err != nil {
				return nil, 0, err
			}
			pos = p
			out = append(out, op{kind: opAttr, text: name})
		case tokCDATA:
			n, err := d.u16(pos + 1)
			if err != nil {
				return nil, 0, err
			}
			e := pos + 3 + 2*int(n)
			if e > end {
				return nil, 0, errAt(start, "CDATA out of bounds")
			}
			out = append(out, op{kind: opCDATA, text: trimNul(utf16le(d.buf[pos+3 : e]))})
			pos = e
		case tokCharRef:
			c, err := d.u16(pos + 1)
			if err != nil {
				return nil, 0, err
			}
			out = append(out, op{kind: opText, text: string(rune(c))})
			pos += 3
		case tokEntityRef:
			name, p, err := d.nameRef(start, pos+1)
			if err != nil {
				return nil, 0, err
			}
			pos = p
			out = append(out, op{kind: opText, text: entity(name)})
		case tokPITarget:
			name, p, err := d.nameRef(start, pos+1)
			if err != nil {
				return nil, 0, err
			}
			pos = p
			out = append(out, op{kind: opPI, text: name})
		case tokPIData:
			n, err := d.u16(pos + 1)
			if err != nil {
				return nil, 0, err
			}
			e := pos + 3 + 2*int(n)
			if e > end {
				return nil, 0, errAt(start, "PI data out of bounds")
			}
			out = append(out, op{kind: opPIData, text: utf16le(d.buf[pos+3 : e])})
			pos = e
		case tokNormalSubst, tokOptionalSubs:
			idx, err := d.u16(pos + 1)
			if err != nil {
				return nil, 0, err
			}
			out = append(out, op{kind: opSubst, index: idx})
			pos += 4
		case tokTemplate:
			if inTemplate {
				return nil, 0, errAt(start, "template instance inside a template")
			}
			return nil, 0, errAt(start, "template instance inside an element")
		default:
			return nil, 0, errAt(start, "invalid binary XML token 0x%02x", t)
		}
	}
	if pos > end {
		return nil, 0, errAt(end, "binary XML runs past its end")
	}
	if inTemplate {
		// Template data sizes are exact: running off the end without EOF is tolerated as
		// python-evtx and libevtx do.
		return out, pos, nil
	}
	return out, pos, nil
}

// entity resolves a named entity reference.
func entity(name string) string {
	switch name {
	case "amp":
		return "&"
	case "lt":
		return "<"
	case "gt":
		return ">"
	case "quot":
		return "\""
	case "apos":
		return "'"
	}
	return "&" + name + ";"
}

// utf16le decodes little-endian UTF-16 (an odd trailing byte is ignored) into a new string;
// unpaired surrogates become U+FFFD and a leading byte order mark is dropped, as python's
// utf16 codec does.
func utf16le(b []byte) string {
	out := appendUTF16(make([]byte, 0, len(b)/2+8), b)
	if len(out) == 0 {
		return ""
	}
	return unsafe.String(&out[0], len(out)) // out is never written again
}

// appendUTF16 appends the UTF-8 of little-endian UTF-16 b to dst. ASCII takes a fast path.
func appendUTF16(dst, b []byte) []byte {
	n := len(b) / 2
	i := 0
	for ; i < n; i++ {
		c := b[2*i]
		if b[2*i+1] != 0 || c >= 0x80 {
			break
		}
		dst = append(dst, c)
	}
	if i == n {
		return dst
	}
	if i == 0 && binary.LittleEndian.Uint16(b) == 0xfeff {
		i = 1
	}
	for ; i < n; i++ {
		u := rune(binary.LittleEndian.Uint16(b[2*i:]))
		switch {
		case u < 0xd800 || u >= 0xe000:
			dst = utf8.AppendRune(dst, u)
		case u < 0xdc00 && i+1 < n:
			u2 := rune(binary.LittleEndian.Uint16(b[2*i+2:]))
			if u2 >= 0xdc00 && u2 < 0xe000 {
				dst = utf8.AppendRune(dst, utf16.DecodeRune(u, u2))
				i++
			} else {
				dst = utf8.AppendRune(dst, utf8.RuneError)
			}
		default:
			dst = utf8.AppendRune(dst, utf8.RuneError)
		}
	}
	return dst
}

func trimNul(s string) string {
	for len(s) > 0 && s[len(s)-1] == 0 {
		s = s[:len(s)-1]
	}
	return s
}
