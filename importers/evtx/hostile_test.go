package evtx

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
	"time"

	"trawl/event"
	"trawl/importers"
)

// maxChunkAlloc bounds the bytes that decoding one chunk may allocate, whatever the chunk
// holds. The decoder's chunk budget (chunkBudget, in approximate bytes) is what keeps to it;
// the largest real chunk of the samples allocates about 0.6 MB.
const maxChunkAlloc = 2 * chunkBudget

// decodeAlloc decodes chunk c and returns its entries and the bytes allocated meanwhile.
// Nothing else may run in the process at the time (the count is process wide).
func decodeAlloc(c []byte) ([]Entry, uint64) {
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	out := newChunkDecoder().decodeChunk(c, 0, true, nil)
	runtime.ReadMemStats(&m1)
	return out, m1.TotalAlloc - m0.TotalAlloc
}

// templateChunk builds a chunk of records (up to fill bytes of it) that all instantiate one
// template, defined resident in the first record by tmpl; each record carries the
// substitution values written by vals.
func templateChunk(fill int, tmpl func(b *binxmlBuilder), vals func(b *binxmlBuilder)) []byte {
	b := &binxmlBuilder{buf: make([]byte, chunkHeaderLen)}
	copy(b.buf, chunkMagic)
	tmplOff := 0
	for id := 1; ; id++ {
		recStart := b.pos()
		b.u32(recordMagic)
		b.u32(0) // size, patched below
		b.buf = binary.LittleEndian.AppendUint64(b.buf, uint64(id))
		b.buf = binary.LittleEndian.AppendUint64(b.buf, 131965347121543830)
		b.bytes(tokFragment, 1, 1, 0)
		b.bytes(tokTemplate, 1)
		b.u32(1)
		if tmplOff == 0 {
			tmplOff = b.pos() + 4
			b.u32(tmplOff) // resident: defined right here
			b.u32(0)
			b.bytes(make([]byte, 16)...)
			sizeAt := b.pos()
			b.u32(0)
			start := b.pos()
			tmpl(b)
			binary.LittleEndian.PutUint32(b.buf[sizeAt:], uint32(b.pos()-start))
		} else {
			b.u32(tmplOff)
		}
		vals(b)
		for len(b.buf)%8 != 4 {
			b.bytes(0)
		}
		size := b.pos() + 4 - recStart
		b.u32(size)
		binary.LittleEndian.PutUint32(b.buf[recStart+4:], uint32(size))
		if b.pos()+size > min(fill, chunkSize) {
			break
		}
	}
	c := make([]byte, chunkSize)
	copy(c, b.buf)
	binary.LittleEndian.PutUint32(c[48:], uint32(len(b.buf)))
	fixChunk(c)
	return c
}

// bigValueChunk: a template that renders its one binary value n times, and records with a
// value of size bytes each.
func bigValueChunk(fill, n, size int) []byte {
	return templateChunk(fill, func(b *binxmlBuilder) {
		b.open("E", false)
		b.bytes(tokCloseStart)
		for range n {
			b.bytes(tokNormalSubst)
			b.u16(0)
			b.bytes(typeBinary)
		}
		b.bytes(tokEndElement, tokEOF)
	}, func(b *binxmlBuilder) {
		b.u32(1)
		b.u16(size)
		b.bytes(typeBinary, 0)
		for i := range size {
			b.bytes(byte(i))
		}
	})
}

// manyElementsChunk: a template of n empty elements sharing one name, and tiny records that
// each instantiate all of them.
func manyElementsChunk(fill, n int) []byte {
	return templateChunk(fill, func(b *binxmlBuilder) {
		b.open("E", false)
		b.bytes(tokCloseStart)
		nameOff := 0
		for range n {
			b.bytes(tokOpenStart)
			b.u16(0xffff)
			b.u32(0)
			if nameOff == 0 {
				nameOff = b.pos() + 4
				b.name("a")
			} else {
				b.u32(nameOff) // defined earlier in the chunk
			}
			b.bytes(tokCloseEmpty)
		}
		b.bytes(tokEndElement, tokEOF)
	}, func(b *binxmlBuilder) { b.u32(0) })
}

// embeddedChunk: a template that uses its one BinXML value (a template-less element with
// k character references) n times.
func embeddedChunk(fill, n, k int) []byte {
	return templateChunk(fill, func(b *binxmlBuilder) {
		b.open("E", false)
		b.bytes(tokCloseStart)
		for range n {
			b.bytes(tokNormalSubst)
			b.u16(0)
			b.bytes(typeBinXML)
		}
		b.bytes(tokEndElement, tokEOF)
	}, func(b *binxmlBuilder) {
		b.u32(1)
		sizeAt := b.pos()
		b.u16(0)
		b.bytes(typeBinXML, 0)
		start := b.pos()
		b.open("I", false)
		b.bytes(tokCloseStart)
		for range k {
			b.bytes(tokCharRef)
			b.u16('x')
		}
		b.bytes(tokEndElement, tokEOF)
		binary.LittleEndian.PutUint16(b.buf[sizeAt:], uint16(b.pos()-start))
	})
}

// TestChunkBudget decodes chunks built to make a small input decode into a huge output: each
// must stay within maxChunkAlloc and be fast, with every record still accounted for (a
// record or a reject saying the record or the chunk is too complex).
func TestChunkBudget(t *testing.T) {
	tests := []struct {
		name  string
		chunk []byte
	}{
		{"a big value used 4000 times by every record", bigValueChunk(chunkSize, 4000, 1000)},
		{"2000 elements instantiated by 800 tiny records", manyElementsChunk(chunkSize, 2000)},
		{"500 elements instantiated by 1200 tiny records", manyElementsChunk(chunkSize, 500)},
		{"an embedded element of 1000 texts used 3000 times", embeddedChunk(chunkSize, 3000, 1000)},
		{"an embedded element of 100 texts used 500 times", embeddedChunk(chunkSize, 500, 100)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			records := len(recordOffsets(tt.chunk))
			start := time.Now()
			out, alloc := decodeAlloc(tt.chunk)
			el := time.Since(start)
			if alloc > maxChunkAlloc {
				t.Errorf("decoding allocated %.1f MB, over the bound of %.1f MB", float64(alloc)/1e6, float64(maxChunkAlloc)/1e6)
			}
			if el > 2*time.Second {
				t.Errorf("decoding took %v", el)
			}
			if len(out) != records {
				t.Fatalf("%d entries for %d records", len(out), records)
			}
			rejects := 0
			for _, e := range out {
				if e.Reject != nil {
					rejects++
					if !strings.Contains(e.Reject.Reason, "too complex") {
						t.Errorf("reject %q", e.Reject.Reason)
					}
				}
			}
			if rejects == 0 {
				t.Errorf("no record was rejected")
			}
			t.Logf("%d records, %d rejected, %.1f MB allocated, %v", records, rejects, float64(alloc)/1e6, el)
		})
	}
}

// TestRealChunksWithinBudget checks that no chunk of the samples comes near the budget: each
// needs under a tenth of it.
func TestRealChunksWithinBudget(t *testing.T) {
	data := sampleChunks(t)
	d := newChunkDecoder()
	most := 0
	for off := fileHeaderSize; off < len(data); off += chunkSize {
		for _, e := range d.decodeChunk(data[off:off+chunkSize], 0, true, nil) {
			if e.Reject != nil {
				t.Fatalf("chunk at %d: %v", off, e.Reject)
			}
		}
		most = max(most, d.used)
	}
	if most > chunkBudget/10 {
		t.Errorf("a real chunk needs %d of the budget of %d", most, chunkBudget)
	}
	t.Logf("the most a real chunk needs: %d", most)
}

// garbageReader streams a hostile EVTX file of size bytes without holding it: a file header
// claiming every chunk, then chunks of four kinds in turn: random bytes; a chunk magic with
// random bytes (checksums wrong); a chunk with valid checksums over random bytes; a chunk
// with valid checksums whose records have valid headers around random BinXML.
type garbageReader struct {
	rng        *rand.Rand
	left       int
	buf        []byte
	i          int
	kinds      [4]int // chunks made of each kind
	withHeader bool
}

func newGarbageReader(size int, withHeader bool) *garbageReader {
	return &garbageReader{rng: rand.New(rand.NewPCG(7, 11)), left: size, withHeader: withHeader}
}

func (g *garbageReader) Read(p []byte) (int, error) {
	if len(g.buf) == 0 {
		if g.left <= 0 {
			return 0, io.EOF
		}
		g.buf = g.next()
	}
	n := copy(p, g.buf)
	g.buf = g.buf[n:]
	return n, nil
}

func (g *garbageReader) next() []byte {
	le := binary.LittleEndian
	if g.i == 0 && g.withHeader {
		g.i++
		h := make([]byte, fileHeaderSize)
		copy(h, fileMagic)
		le.PutUint64(h[24:], 1)
		le.PutUint16(h[36:], 1)
		le.PutUint16(h[38:], 3)
		le.PutUint16(h[42:], uint16(min(g.left/chunkSize, 0xffff)))
		le.PutUint32(h[124:], crc32.ChecksumIEEE(h[:120]))
		g.left -= len(h)
		return h
	}
	c := make([]byte, min(chunkSize, g.left))
	g.left -= len(c)
	for i := 0; i+8 <= len(c); i += 8 {
		le.PutUint64(c[i:], g.rng.Uint64())
	}
	g.i++
	kind := g.i % 4
	if !g.withHeader {
		kind = 0
	}
	if len(c) < chunkSize {
		kind = 0
	}
	g.kinds[kind]++
	if kind == 0 {
		return c
	}
	copy(c, chunkMagic)
	if kind == 1 {
		return c
	}
	free := chunkHeaderLen + g.rng.IntN(chunkSize-chunkHeaderLen)
	le.PutUint32(c[48:], uint32(free))
	if kind == 3 {
		// Records of random sizes with valid headers and size copies.
		for p := chunkHeaderLen; p+36 <= free; {
			size := min(36+8*g.rng.IntN(200), free-p)
			le.PutUint32(c[p:], recordMagic)
			le.PutUint32(c[p+4:], uint32(size))
			le.PutUint32(c[p+size-4:], uint32(size))
			c[p+24] = tokFragment
			c[p+28] = []byte{tokTemplate, tokOpenStart, tokValue, tokNormalSubst}[g.rng.IntN(4)]
			p += size
		}
	}
	fixChunk(c)
	return c
}

// countSink counts what the evtx Format hands on.
type countSink struct{ events, rejects int }

func (s *countSink) Event(importers.Record, *event.Event) error { s.events++; return nil }
func (s *countSink) Reject(r importers.Reject) error {
	s.rejects++
	if strings.Contains(r.Reason, "internal error") {
		return errors.New("decoder panicked: " + r.Reason)
	}
	return nil
}

// TestGarbage100MB feeds 100 MB of hostile bytes to the evtx Format as a stream: without the
// file magic it is refused at once; with a file header in front, every bad chunk and record
// becomes a reject, in about the time it takes to read the bytes, in bounded memory.
func TestGarbage100MB(t *testing.T) {
	if testing.Short() {
		t.Skip("100 MB of input")
	}
	const size = 100 << 20
	t.Run("no file magic", func(t *testing.T) {
		start := time.Now()
		err := Format{}.Read(context.Background(), importers.Input{Name: "garbage.evtx", R: newGarbageReader(size, false)}, &countSink{})
		if !errors.Is(err, ErrNotEVTX) || !strings.Contains(err.Error(), "garbage.evtx") {
			t.Errorf("err %v, want ErrNotEVTX naming the file", err)
		}
		if el := time.Since(start); el > time.Second {
			t.Errorf("took %v", el)
		}
	})
	t.Run("file header and garbage chunks", func(t *testing.T) {
		g := newGarbageReader(size, true)
		var sink countSink
		var m0, m1 runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m0)
		start := time.Now()
		err := Format{}.Read(context.Background(), importers.Input{Name: "garbage.evtx", R: g}, &sink)
		el := time.Since(start)
		runtime.ReadMemStats(&m1)
		if err != nil {
			t.Fatal(err)
		}
		if g.left != 0 {
			t.Errorf("%d bytes left unread", g.left)
		}
		// Every chunk of the first three kinds is a reject; the fourth gives one per bad
		// record at least (a record decoded from random BinXML would be an event).
		if min := g.kinds[0] + g.kinds[1] + g.kinds[2]; sink.rejects < min {
			t.Errorf("%d rejects, want at least %d (chunks of each kind: %v)", sink.rejects, min, g.kinds)
		}
		if el > 5*time.Second {
			t.Errorf("took %v for %d MB", el, size>>20)
		}
		if grew := int64(m1.HeapSys) - int64(m0.HeapSys); grew > 256<<20 {
			t.Errorf("heap grew by %d MB", grew>>20)
		}
		t.Logf("%d events, %d rejects in %v (chunks of each kind: %v), heap grew %d MB",
			sink.events, sink.rejects, el, g.kinds, (int64(m1.HeapSys)-int64(m0.HeapSys))>>20)
	})
}

// TestHostileChunkStream reads a file of nothing but chunks at the budget: the worst a
// well-formed file can do costs a bounded time and memory per chunk.
func TestHostileChunkStream(t *testing.T) {
	c := manyElementsChunk(chunkSize, 2000)
	h := make([]byte, fileHeaderSize)
	copy(h, fileMagic)
	const chunks = 64
	binary.LittleEndian.PutUint16(h[42:], chunks)
	file := append(h, bytes.Repeat(c, chunks)...)
	f, err := NewReader(bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	start := time.Now()
	n := 0
	err = f.Walk(context.Background(), 0, func(e Entry) error { n++; return nil })
	el := time.Since(start)
	runtime.ReadMemStats(&m1)
	if err != nil || n != chunks*len(recordOffsets(c)) {
		t.Fatalf("err %v, %d entries", err, n)
	}
	perChunk := el / chunks
	if perChunk > 200*time.Millisecond {
		t.Errorf("%v per chunk", perChunk)
	}
	// Walk holds a few chunks' entries per worker at a time.
	if grew := int64(m1.HeapSys) - int64(m0.HeapSys); grew > int64(4*runtime.GOMAXPROCS(0)+4)*maxChunkAlloc {
		t.Errorf("heap grew by %d MB", grew>>20)
	}
	t.Logf("%v per chunk, heap grew %d MB", perChunk, (int64(m1.HeapSys)-int64(m0.HeapSys))>>20)
}
