package evtx

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"strings"
	"time"

	"trawl/event"
)

const recordMagic = 0x00002a2a

// Record is one decoded event record.
type Record struct {
	Chunk   int    // chunk number, from 0
	Offset  int64  // file offset of the record
	ID      uint64 // record identifier from the record header
	Written time.Time
	// TimeCreated is System/TimeCreated/@SystemTime to the 100 ns tick (zero when absent).
	TimeCreated time.Time
	// Root is the record's XML: normally the Event element. When the record holds several
	// top-level nodes it is a fragment (an Element with an empty Name).
	Root *Element
}

// Reject is a chunk or record that failed its checks or could not be decoded.
type Reject struct {
	Chunk    int
	Offset   int64  // file offset of the record (or of the chunk, for chunk-level failures)
	RecordID uint64 // 0 when unknown
	Reason   string
	Raw      []byte // the record's bytes when they could be delimited (capped), else nil
}

func (r Reject) Error() string {
	return fmt.Sprintf("chunk %d, offset %d: %s", r.Chunk, r.Offset, r.Reason)
}

// Entry is what reading a chunk yields, in order: a record or a reject.
type Entry struct {
	Record *Record
	Reject *Reject
}

// maxRawReject caps the bytes kept with a reject.
const maxRawReject = 4096

// chunkHeader holds the chunk header fields the reader uses.
type chunkHeader struct {
	freeOffset   uint32
	dataChecksum uint32
	headerSum    uint32
}

// checkChunk validates the chunk header; it returns the header and an empty reason when good.
func checkChunk(buf []byte) (chunkHeader, string) {
	le := binary.LittleEndian
	h := chunkHeader{
		freeOffset:   le.Uint32(buf[48:]),
		dataChecksum: le.Uint32(buf[52:]),
		headerSum:    le.Uint32(buf[124:]),
	}
	if !bytes.Equal(buf[:8], chunkMagic) {
		return h, "bad chunk magic"
	}
	crc := crc32.NewIEEE()
	crc.Write(buf[:120])
	crc.Write(buf[128:chunkHeaderLen])
	if crc.Sum32() != h.headerSum {
		return h, fmt.Sprintf("chunk header checksum mismatch (stored 0x%08x, computed 0x%08x)", h.headerSum, crc.Sum32())
	}
	if h.freeOffset < chunkHeaderLen || h.freeOffset > chunkSize {
		return h, fmt.Sprintf("chunk free-space offset %d out of range", h.freeOffset)
	}
	if sum := crc32.ChecksumIEEE(buf[chunkHeaderLen:h.freeOffset]); sum != h.dataChecksum {
		return h, fmt.Sprintf("chunk event records checksum mismatch (stored 0x%08x, computed 0x%08x)", h.dataChecksum, sum)
	}
	return h, ""
}

// isEmptyChunk reports a chunk that was never written (all zero header).
func isEmptyChunk(buf []byte) bool {
	for _, c := range buf[:chunkHeaderLen] {
		if c != 0 {
			return false
		}
	}
	return true
}

// decodeChunk decodes chunk idx held in buf (chunkSize bytes) and appends its records and
// rejects to out. Chunks past the header's chunk count that do not look like chunks are
// skipped without a reject (unused space of a dirty or preallocated file).
func (d *chunkDecoder) decodeChunk(buf []byte, idx int, counted bool, out []Entry) (res []Entry) {
	base := ChunkOffset(idx)
	defer func() {
		if r := recover(); r != nil {
			res = append(out, Entry{Reject: &Reject{Chunk: idx, Offset: base,
				Reason: fmt.Sprintf("internal error decoding chunk: %v", r)}})
		}
	}()
	if len(buf) < chunkSize {
		if !counted && (len(buf) < 8 || !bytes.Equal(buf[:8], chunkMagic)) {
			return out // trailing slack, as python-evtx ignores it
		}
		return append(out, Entry{Reject: &Reject{Chunk: idx, Offset: base,
			Reason: fmt.Sprintf("truncated chunk (%d of %d bytes)", len(buf), chunkSize)}})
	}
	h, bad := checkChunk(buf)
	if bad != "" {
		if !counted && (isEmptyChunk(buf) || !bytes.Equal(buf[:8], chunkMagic)) {
			return out
		}
		if counted && isEmptyChunk(buf) {
			return out
		}
		return append(out, Entry{Reject: &Reject{Chunk: idx, Offset: base, Reason: bad}})
	}
	d.reset(buf)
	free := int(h.freeOffset)
	le := binary.LittleEndian
	pos := chunkHeaderLen
	left := chunkBudget // work left for the chunk's remaining records
	for pos+24 <= free {
		recOff := base + int64(pos)
		magic := le.Uint32(buf[pos:])
		size := int(le.Uint32(buf[pos+4:]))
		if magic != recordMagic || size < 28 || pos+size > free {
			reason := "bad record magic"
			if magic == recordMagic {
				reason = fmt.Sprintf("record size %d out of range", size)
			}
			out = append(out, Entry{Reject: &Reject{Chunk: idx, Offset: recOff, Reason: reason}})
			pos = nextMagic(buf, pos+8, free)
			continue
		}
		raw := buf[pos : pos+size]
		id := le.Uint64(raw[8:])
		if le.Uint32(raw[size-4:]) != uint32(size) {
			out = append(out, Entry{Reject: &Reject{Chunk: idx, Offset: recOff, RecordID: id,
				Reason: "record size copy mismatch", Raw: capRaw(raw)}})
			pos = nextMagic(buf, pos+8, free)
			continue
		}
		d.timeCreated = time.Time{}
		given := min(recordBudget, left)
		d.budget = given
		d.arena = make([]byte, 0, size+64)
		root, err := d.document(pos+24, pos+size-4, 0)
		left -= given - max(d.budget, 0)
		if err != nil {
			reason := err.Error()
			if d.budget < 0 && given < recordBudget {
				reason = fmt.Sprintf("chunk too complex: its records together need over %d bytes decoded", chunkBudget)
			}
			out = append(out, Entry{Reject: &Reject{Chunk: idx, Offset: recOff, RecordID: id,
				Reason: reason, Raw: capRaw(raw)}})
		} else {
			rec := &Record{Chunk: idx, Offset: recOff, ID: id,
				Written: FiletimeTime(le.Uint64(raw[16:])), Root: unwrap(root), TimeCreated: d.timeCreated}
			if rec.TimeCreated.IsZero() {
				rec.TimeCreated = parseSystemTime(rec.Root)
			}
			out = append(out, Entry{Record: rec})
		}
		pos += size
	}
	d.used = chunkBudget - left
	return out
}

// errBudget is the error of a record over its budget.
func errBudget(off int) error {
	return errAt(off, "record too complex (its decoding needs over %d bytes)", recordBudget)
}

// nextMagic finds the next record magic at an 8-byte boundary from pos, or returns end.
func nextMagic(buf []byte, pos, end int) int {
	pos = (pos + 7) &^ 7
	for ; pos+24 <= end; pos += 8 {
		if binary.LittleEndian.Uint32(buf[pos:]) == recordMagic {
			return pos
		}
	}
	return end
}

func capRaw(b []byte) []byte {
	if len(b) > maxRawReject {
		b = b[:maxRawReject]
	}
	return append([]byte(nil), b...)
}

// document decodes the BinXML document (fragment) at [pos, end): a template instance with its
// substitution values, or plain elements.
func (d *chunkDecoder) document(pos, end, depth int) (*Element, error) {
	if depth > maxEmbed {
		return nil, errAt(pos, "embedded binary XML nested too deep")
	}
	if end > len(d.buf) || pos > end {
		return nil, errAt(pos, "binary XML out of bounds")
	}
	// Every decoding of a document costs its size: a value embedded many times is paid for
	// each time.
	d.budget -= end - pos
	if d.budget < 0 {
		return nil, errBudget(pos)
	}
	for pos < end && d.buf[pos] == tokFragment {
		pos += 4
	}
	if pos >= end {
		return nil, errAt(pos, "empty binary XML")
	}
	if d.buf[pos] != tokTemplate {
		ops, _, err := d.compile(pos, end, nil, false)
		if err != nil {
			return nil, err
		}
		d.budget -= cap(ops) * opCost // compiled anew at each use, unlike templates
		return d.instantiate(ops, nil, annotate(ops), depth)
	}
	start := pos
	toff, err := d.u32(pos + 6)
	if err != nil {
		return nil, err
	}
	pos += 10
	if int(toff) > start {
		size, err := d.u32(int(toff) + 20)
		if err != nil {
			return nil, errAt(start, "template definition out of bounds")
		}
		if int(size) > end {
			return nil, errAt(start, "template definition out of bounds")
		}
		pos += 24 + int(size)
	}
	t, err := d.template(toff)
	if err != nil {
		return nil, err
	}
	count, err := d.u32(pos)
	if err != nil || pos+4 > end {
		return nil, errAt(pos, "substitution array out of bounds")
	}
	pos += 4
	if int(count) > (end-pos)/4 {
		return nil, errAt(pos, "substitution count %d out of bounds", count)
	}
	for len(d.values) <= depth {
		d.values = append(d.values, nil)
	}
	vals := d.values[depth][:0]
	vpos := pos + 4*int(count)
	for i := 0; i < int(count); i++ {
		size := int(binary.LittleEndian.Uint16(d.buf[pos+4*i:]))
		typ := d.buf[pos+4*i+2]
		if vpos+size > end {
			return nil, errAt(pos+4*i, "substitution %d (%d bytes) out of bounds", i, size)
		}
		vals = append(vals, value{typ: typ, off: vpos, n: size})
		vpos += size
	}
	d.values[depth] = vals
	return d.instantiate(t.ops, vals, t.shape, depth)
}

// instantiate builds the element tree of ops with the substitution values vals.
func (d *chunkDecoder) instantiate(ops []op, vals []value, sh shape, depth int) (*Element, error) {
	elems := sh.elems
	d.budget -= len(ops) + (elems+1)*elemCost + sh.content*nodeCost + sh.attrs*attrCost
	if d.budget < 0 {
		return nil, errBudget(0)
	}
	slab := make([]Element, elems+1)
	root := &slab[elems]
	nodes := make([]Node, sh.content)
	attrs := make([]Attr, sh.attrs)
	root.Content = nodes[:0:sh.rootContent]
	nodes = nodes[sh.rootContent:]
	k := 0
	var stack [maxDepth + 2]*Element
	sp := 0
	cur := root
	attr := -1 // index in cur.Attrs awaiting its value
	for i := range ops {
		o := &ops[i]
		if attr >= 0 && (o.kind == opOpen || o.kind == opAttr || o.kind == opEnd || o.kind == opNoop) {
			attr = -1
		}
		switch o.kind {
		case opOpen:
			if sp >= len(stack) || k >= elems {
				return nil, errAt(0, "elements nested too deep")
			}
			e := &slab[k]
			k++
			e.Name = o.text
			if n := int(o.ncontent); n <= len(nodes) {
				e.Content = nodes[:0:n]
				nodes = nodes[n:]
			}
			if n := int(o.nattr); n <= len(attrs) {
				e.Attrs = attrs[:0:n]
				attrs = attrs[n:]
			}
			cur.Content = append(cur.Content, Node{Kind: ElemNode, Elem: e})
			stack[sp] = cur
			sp++
			cur = e
		case opAttr:
			cur.Attrs = append(cur.Attrs, Attr{Name: o.text})
			attr = len(cur.Attrs) - 1
		case opEnd:
			if sp > 0 {
				sp--
				cur = stack[sp]
			}
		case opText, opCDATA:
			if attr >= 0 {
				cur.Attrs[attr].Value = o.text
				attr = -1
				continue
			}
			kind := TextNode
			if o.kind == opCDATA {
				kind = CDataNode
			}
			if o.text != "" || kind == CDataNode {
				cur.Content = append(cur.Content, Node{Kind: kind, Text: o.text})
			}
		case opPI:
			cur.Content = append(cur.Content, Node{Kind: PINode, Text: o.text})
		case opPIData:
			if n := len(cur.Content); n > 0 && cur.Content[n-1].Kind == PINode {
				cur.Content[n-1].Text += " " + o.text
			}
		case opSubst:
			if int(o.index) >= len(vals) {
				return nil, errAt(0, "substitution index %d beyond the %d values", o.index, len(vals))
			}
			v := vals[o.index]
			if v.typ == typeBinXML {
				if v.n == 0 {
					if attr >= 0 {
						attr = -1
					}
					continue
				}
				frag, err := d.document(v.off, v.off+v.n, depth+1)
				if err != nil {
					return nil, err
				}
				if attr >= 0 {
					cur.Attrs[attr].Value = xmlString(frag)
					attr = -1
					continue
				}
				cur.Content = append(cur.Content, frag.Content...)
				continue
			}
			d.budget -= v.n
			if d.budget < 0 {
				return nil, errBudget(v.off)
			}
			s := d.text(v)
			if attr >= 0 && depth == 0 && v.typ == typeFiletime && v.n == 8 && cur.Name == "TimeCreated" {
				d.timeCreated = FiletimeTime(binary.LittleEndian.Uint64(d.buf[v.off:]))
			}
			if attr >= 0 {
				cur.Attrs[attr].Value = s
				attr = -1
				continue
			}
			if s != "" {
				cur.Content = append(cur.Content, Node{Kind: TextNode, Text: s})
			}
		}
	}
	return root, nil
}

// unwrap returns the single element of a fragment that holds exactly one, else the fragment.
func unwrap(frag *Element) *Element {
	var only *Element
	for _, n := range frag.Content {
		switch n.Kind {
		case ElemNode:
			if only != nil {
				return frag
			}
			only = n.Elem
		case TextNode:
			if strings.TrimSpace(n.Text) != "" {
				return frag
			}
		default:
			return frag
		}
	}
	if only == nil {
		return frag
	}
	return only
}

// parseSystemTime reads System/TimeCreated/@SystemTime written as text (python-evtx style or
// ISO 8601, through event.ParseTime), for records whose time is not a FILETIME value.
func parseSystemTime(root *Element) time.Time {
	v, ok := root.Child("System").Child("TimeCreated").Attr("SystemTime")
	if !ok {
		return time.Time{}
	}
	t, err := event.ParseTime(v)
	if err != nil {
		return time.Time{}
	}
	return t
}
