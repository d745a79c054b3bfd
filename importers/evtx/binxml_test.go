package evtx

import (
	"encoding/binary"
	"strings"
	"testing"
	"time"
)

// binxmlBuilder writes BinXML at known chunk offsets, defining every name inline.
type binxmlBuilder struct {
	buf   []byte // the chunk
	noDep bool   // omit the dependency id of open start elements
}

func (b *binxmlBuilder) pos() int { return len(b.buf) }

func (b *binxmlBuilder) bytes(p ...byte) { b.buf = append(b.buf, p...) }

func (b *binxmlBuilder) u16(v int) { b.buf = binary.LittleEndian.AppendUint16(b.buf, uint16(v)) }

func (b *binxmlBuilder) u32(v int) { b.buf = binary.LittleEndian.AppendUint32(b.buf, uint32(v)) }

// name writes a name reference followed by the inline name string.
func (b *binxmlBuilder) name(s string) {
	b.u32(b.pos() + 4)
	b.u32(0) // next string offset
	b.u16(0) // hash
	b.u16(len(s))
	b.bytes(u16le(s)...)
	b.u16(0)
}

func (b *binxmlBuilder) open(name string, attrs bool) {
	t := byte(tokOpenStart)
	if attrs {
		t |= 0x40
	}
	b.bytes(t)
	if !b.noDep {
		b.u16(0xffff)
	}
	b.u32(0) // data size (unused)
	b.name(name)
	if attrs {
		b.u32(0) // attribute list size (unused)
	}
}

func (b *binxmlBuilder) text(s string) {
	b.bytes(tokValue, typeString)
	b.u16(len([]rune(s)))
	b.bytes(u16le(s)...)
}

// record wraps the BinXML written by body into a record at offset 512 of a fresh chunk and
// fixes the chunk's checksums.
func buildChunk(noDep bool, body func(b *binxmlBuilder)) []byte {
	b := &binxmlBuilder{buf: make([]byte, chunkHeaderLen), noDep: noDep}
	copy(b.buf, chunkMagic)
	b.u32(recordMagic)
	b.u32(0) // size, patched below
	b.buf = binary.LittleEndian.AppendUint64(b.buf, 7)
	b.buf = binary.LittleEndian.AppendUint64(b.buf, 131965347121543830)
	body(b)
	for len(b.buf)%8 != 4 {
		b.bytes(0)
	}
	size := len(b.buf) + 4 - chunkHeaderLen
	b.u32(size)
	binary.LittleEndian.PutUint32(b.buf[chunkHeaderLen+4:], uint32(size))
	free := len(b.buf)
	c := make([]byte, chunkSize)
	copy(c, b.buf)
	binary.LittleEndian.PutUint32(c[48:], uint32(free))
	fixChunk(c)
	return c
}

// TestTokens decodes a template-less record using every BinXML token but substitutions,
// with and without dependency ids.
func TestTokens(t *testing.T) {
	for _, noDep := range []bool{false, true} {
		c := tokensChunk(noDep)
		d := newChunkDecoder()
		out := d.decodeChunk(c, 0, true, nil)
		if len(out) != 1 || out[0].Record == nil {
			t.Fatalf("noDep %v: %+v", noDep, out[0].Reject)
		}
		r := out[0].Record
		want := "<Event a=\"1\" b=\"q&quot;&lt;\"><![CDATA[x&lt;y]]>A&amp;<?pi d?><Empty></Empty>\n<Data>&#233;</Data>\n</Event>\n"
		if got := string(r.RenderXML()); got != want {
			t.Errorf("noDep %v:\n got %q\nwant %q", noDep, got, want)
		}
		if r.ID != 7 || r.Offset != ChunkOffset(0)+chunkHeaderLen || r.Root.Child("Data").Text() != "é\x01" {
			t.Errorf("noDep %v: record %+v", noDep, r)
		}
	}
}

// TestSubstitutions decodes a record made of a resident template with normal and optional
// substitutions, an embedded BinXML value and a second record reusing the template by offset.
func TestSubstitutions(t *testing.T) {
	var tmplOff int
	c := buildChunk(false, func(b *binxmlBuilder) {
		b.bytes(tokFragment, 1, 1, 0)
		b.bytes(tokTemplate, 1)
		b.u32(0x1234)
		tmplOff = b.pos() + 4
		b.u32(tmplOff) // resident: defined right here
		b.u32(0)       // next template
		b.bytes(make([]byte, 16)...)
		sizeAt := b.pos()
		b.u32(0)
		start := b.pos()
		b.bytes(tokFragment, 1, 1, 0)
		b.open("Event", false)
		b.bytes(tokCloseStart)
		b.open("System", true)
		b.bytes(tokAttribute)
		b.name("Id")
		b.bytes(tokNormalSubst)
		b.u16(0)
		b.bytes(typeUint16)
		b.bytes(tokCloseStart)
		b.bytes(tokOptionalSubs)
		b.u16(1)
		b.bytes(typeNull)
		b.bytes(tokEndElement)
		b.open("UserData", false)
		b.bytes(tokCloseStart)
		b.bytes(tokNormalSubst)
		b.u16(2)
		b.bytes(typeBinXML)
		b.bytes(tokEndElement)
		b.bytes(tokEndElement)
		b.bytes(tokEOF)
		binary.LittleEndian.PutUint32(b.buf[sizeAt:], uint32(b.pos()-start))
		// Embedded BinXML value: a plain element.
		emb := &binxmlBuilder{}
		// Values: uint16 42, null, BinXML (written after the descriptors).
		b.u32(3)
		b.u16(2)
		b.bytes(typeUint16, 0)
		b.u16(0)
		b.bytes(typeNull, 0)
		descAt := b.pos()
		b.u16(0)
		b.bytes(typeBinXML, 0)
		b.u16(42)
		embStart := b.pos()
		emb.buf = b.buf
		emb.open("Inner", false)
		emb.bytes(tokCloseStart)
		emb.text("v")
		emb.bytes(tokEndElement)
		emb.bytes(tokEOF)
		b.buf = emb.buf
		binary.LittleEndian.PutUint16(b.buf[descAt:], uint16(b.pos()-embStart))
	})
	d := newChunkDecoder()
	out := d.decodeChunk(c, 0, true, nil)
	if len(out) != 1 || out[0].Record == nil {
		t.Fatalf("%+v", out)
	}
	want := "<Event><System Id=\"42\"></System>\n<UserData><Inner>v</Inner>\n</UserData>\n</Event>\n"
	if got := string(out[0].Record.RenderXML()); got != want {
		t.Errorf("\n got %q\nwant %q", got, want)
	}
	if _, ok := d.templates[uint32(tmplOff)]; !ok {
		t.Errorf("template not cached at offset %d", tmplOff)
	}
	if got := out[0].Record.Windows().Data["Inner"]; got != "v" {
		t.Errorf("UserData value %v", got)
	}
}

// tokensChunk is a chunk with one template-less record using every BinXML token but
// substitutions.
func tokensChunk(noDep bool) []byte {
	return buildChunk(noDep, func(b *binxmlBuilder) {
		b.bytes(tokFragment, 1, 1, 0)
		b.open("Event", true)
		b.bytes(tokAttribute | 0x40)
		b.name("a")
		b.text("1")
		b.bytes(tokAttribute)
		b.name("b")
		b.text("q\"<")
		b.bytes(tokCloseStart)
		b.bytes(tokCDATA)
		b.u16(3)
		b.bytes(u16le("x<y")...)
		b.bytes(tokCharRef)
		b.u16('A')
		b.bytes(tokEntityRef)
		b.name("amp")
		b.bytes(tokPITarget)
		b.name("pi")
		b.bytes(tokPIData)
		b.u16(1)
		b.bytes(u16le("d")...)
		b.open("Empty", false)
		b.bytes(tokCloseEmpty)
		b.open("Data", false)
		b.bytes(tokCloseStart)
		b.text("é\x01")
		b.bytes(tokEndElement)
		b.bytes(tokEndElement)
		b.bytes(tokEOF)
	})
}

// TestWorkBudget: a template that uses one big value thousands of times must be rejected
// quickly, not rendered into hundreds of megabytes.
func TestWorkBudget(t *testing.T) {
	c := buildChunk(false, func(b *binxmlBuilder) {
		b.bytes(tokFragment, 1, 1, 0)
		b.bytes(tokTemplate, 1)
		b.u32(1)
		b.u32(b.pos() + 4)
		b.u32(0)
		b.bytes(make([]byte, 16)...)
		sizeAt := b.pos()
		b.u32(0)
		start := b.pos()
		b.open("E", false)
		b.bytes(tokCloseStart)
		for i := 0; i < 3000; i++ {
			b.bytes(tokNormalSubst)
			b.u16(0)
			b.bytes(typeBinary)
		}
		b.bytes(tokEndElement, tokEOF)
		binary.LittleEndian.PutUint32(b.buf[sizeAt:], uint32(b.pos()-start))
		b.u32(1)
		b.u16(20000)
		b.bytes(typeBinary, 0)
		b.bytes(make([]byte, 20000)...)
	})
	start := time.Now()
	out := newChunkDecoder().decodeChunk(c, 0, true, nil)
	if len(out) != 1 || out[0].Reject == nil || !strings.Contains(out[0].Reject.Reason, "too complex") {
		t.Fatalf("want a 'too complex' reject, got %+v", out)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("took %v", el)
	}
}
