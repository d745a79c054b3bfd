package evtx

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"trawl/internal/testutil"
)

// sampleFile returns the bytes of a small real EVTX file: the file header and one chunk of
// 10 Security records.
func sampleFile(t testing.TB) []byte {
	b, err := os.ReadFile(testutil.Sample(t, "chainsaw/tests/evtx/security_sample.evtx"))
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < fileHeaderSize+chunkSize {
		t.Fatalf("sample too small: %d bytes", len(b))
	}
	return b[:fileHeaderSize+chunkSize]
}

// fixChunk recomputes the checksums of a chunk after an edit.
func fixChunk(c []byte) {
	le := binary.LittleEndian
	free := le.Uint32(c[48:])
	le.PutUint32(c[52:], crc32.ChecksumIEEE(c[chunkHeaderLen:free]))
	h := crc32.NewIEEE()
	h.Write(c[:120])
	h.Write(c[128:chunkHeaderLen])
	le.PutUint32(c[124:], h.Sum32())
}

func walkBytes(t testing.TB, b []byte, workers int) (recs []*Record, rejs []*Reject, err error) {
	f, err := NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err = f.Walk(ctx, workers, func(e Entry) error {
		if e.Record != nil {
			recs = append(recs, e.Record)
		} else {
			rejs = append(rejs, e.Reject)
		}
		return nil
	})
	return recs, rejs, err
}

// recordOffsets lists the chunk offsets of the records of a chunk.
func recordOffsets(c []byte) []int {
	var out []int
	free := int(binary.LittleEndian.Uint32(c[48:]))
	for p := chunkHeaderLen; p+24 <= free; {
		out = append(out, p)
		p += int(binary.LittleEndian.Uint32(c[p+4:]))
	}
	return out
}

func TestRobustness(t *testing.T) {
	base := sampleFile(t)
	chunk := func(b []byte, i int) []byte { return b[ChunkOffset(i) : ChunkOffset(i)+chunkSize] }
	tests := []struct {
		name    string
		edit    func(b []byte) []byte
		records int
		rejects []string // substrings of the rejects' reasons, in order
	}{
		{"intact", func(b []byte) []byte { return b }, 10, nil},
		{"dirty header, chunk count 0: the chunk is still read", func(b []byte) []byte {
			binary.LittleEndian.PutUint32(b[120:], 1)
			binary.LittleEndian.PutUint16(b[42:], 0)
			return b
		}, 10, nil},
		{"extra valid chunk beyond the header's count", func(b []byte) []byte {
			return append(b, chunk(b, 0)...)
		}, 20, nil},
		{"zeroed and garbage chunks beyond the count are slack", func(b []byte) []byte {
			b = append(b, make([]byte, chunkSize)...)
			return append(b, bytes.Repeat([]byte{0xa5}, chunkSize)...)
		}, 10, nil},
		{"chunk header checksum: reject, next chunk read", func(b []byte) []byte {
			b = append(b, chunk(b, 0)...)
			binary.LittleEndian.PutUint16(b[42:], 2)
			chunk(b, 0)[8] ^= 0xff
			return b
		}, 10, []string{"chunk header checksum"}},
		{"records checksum", func(b []byte) []byte {
			chunk(b, 0)[600] ^= 0xff
			return b
		}, 0, []string{"event records checksum"}},
		{"bad chunk magic within the count", func(b []byte) []byte {
			copy(chunk(b, 0), "ElfJunk\x00")
			return b
		}, 0, []string{"bad chunk magic"}},
		{"bad record magic: reject, next record read", func(b []byte) []byte {
			c := chunk(b, 0)
			c[recordOffsets(c)[3]] = 'X'
			fixChunk(c)
			return b
		}, 9, []string{"bad record magic"}},
		{"record size copy mismatch", func(b []byte) []byte {
			c := chunk(b, 0)
			o := recordOffsets(c)[5]
			size := int(binary.LittleEndian.Uint32(c[o+4:]))
			c[o+size-4] ^= 1
			fixChunk(c)
			return b
		}, 9, []string{"size copy mismatch"}},
		{"record size out of range", func(b []byte) []byte {
			c := chunk(b, 0)
			binary.LittleEndian.PutUint32(c[recordOffsets(c)[0]+4:], 0x7fffffff)
			fixChunk(c)
			return b
		}, 9, []string{"record size"}},
		{"invalid BinXML token", func(b []byte) []byte {
			c := chunk(b, 0)
			c[recordOffsets(c)[2]+24+4] = 0x1f // where the template instance token is
			fixChunk(c)
			return b
		}, 9, []string{"invalid binary XML token 0x1f"}},
		{"template offset out of bounds", func(b []byte) []byte {
			c := chunk(b, 0)
			o := recordOffsets(c)[9] + 24 + 4
			binary.LittleEndian.PutUint32(c[o+6:], 0xfffffff0)
			fixChunk(c)
			return b
		}, 9, []string{"out of bounds"}},
		{"truncated last chunk", func(b []byte) []byte {
			return b[:len(b)-1000]
		}, 0, []string{"truncated chunk"}},
		{"header only", func(b []byte) []byte { return b[:fileHeaderSize] }, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, workers := range []int{1, 3} {
				b := tt.edit(append([]byte(nil), base...))
				recs, rejs, err := walkBytes(t, b, workers)
				if err != nil {
					t.Fatal(err)
				}
				if len(recs) != tt.records || len(rejs) != len(tt.rejects) {
					t.Fatalf("workers %d: %d records, %d rejects %v; want %d records, %d rejects", workers, len(recs), len(rejs), rejs, tt.records, len(tt.rejects))
				}
				for i, want := range tt.rejects {
					if !strings.Contains(rejs[i].Reason, want) {
						t.Errorf("reject %d: %q, want it to mention %q", i, rejs[i].Reason, want)
					}
					if rejs[i].Offset < fileHeaderSize {
						t.Errorf("reject %d: offset %d", i, rejs[i].Offset)
					}
				}
			}
		})
	}
}

func TestNotEVTX(t *testing.T) {
	for _, in := range []string{"", "ElfFile", "hello world, this is not an event log at all........................................................................................"} {
		if _, err := NewReader(strings.NewReader(in)); !errors.Is(err, ErrNotEVTX) {
			t.Errorf("%q: err %v, want ErrNotEVTX", in, err)
		}
	}
}

// TestWalkStops checks that an error from the callback stops the parallel walk cleanly.
func TestWalkStops(t *testing.T) {
	base := sampleFile(t)
	b := append([]byte(nil), base...)
	for i := 0; i < 20; i++ {
		b = append(b, base[fileHeaderSize:]...)
	}
	stop := errors.New("stop")
	f, err := NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	err = f.Walk(context.Background(), 4, func(e Entry) error {
		n++
		if n == 25 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 25 {
		t.Fatalf("err %v after %d entries", err, n)
	}
}

// TestParallelOrder checks that parallel decoding hands out records in file order.
func TestParallelOrder(t *testing.T) {
	base := sampleFile(t)
	b := append([]byte(nil), base...)
	for i := 0; i < 9; i++ {
		b = append(b, base[fileHeaderSize:]...)
	}
	serial, _, err := walkBytes(t, b, 1)
	if err != nil {
		t.Fatal(err)
	}
	par, _, err := walkBytes(t, b, 4)
	if err != nil {
		t.Fatal(err)
	}
	if len(serial) != 100 || len(par) != 100 {
		t.Fatalf("%d and %d records, want 100", len(serial), len(par))
	}
	for i := range serial {
		if serial[i].Offset != par[i].Offset || !bytes.Equal(serial[i].RenderJSON(), par[i].RenderJSON()) {
			t.Fatalf("record %d differs between serial and parallel decoding", i)
		}
	}
}

// fuzzSamples are the sample files whose first chunks seed FuzzEVTX: Security, Sysmon,
// PowerShell script blocks, template-less BinXML and a recent Sysmon capture.
var fuzzSamples = []string{
	"chainsaw/tests/evtx/security_sample.evtx",
	"evtx-attack/Credential Access/sysmon_10_lsass_mimikatz_sekurlsa_logonpasswords.evtx",
	"evtx-attack/Credential Access/Powershell_4104_MiniDumpWriteDump_Lsass.evtx",
	"evtx-to-mitre/TA0001-Initial access/T1078-Valid accounts/ID1149-RDP success logins to multiple hosts.evtx",
	"sigma/regression/proc_creation_win_findstr_lsass/fe63010f-8823-4864-a96b-a7b4a0f7b929.evtx",
}

// fuzzSeeds returns the seed chunks (the fuzz target pads them to a chunk and fixes their
// checksums): of each sample's first chunk, its first records whole, cut short and
// bit-flipped; and synthetic chunks with every BinXML token. Seeds stay a few
// KiB: the fuzzer minimizes every new input it keeps, which is slow for big ones.
func fuzzSeeds(f *testing.F) [][]byte {
	var seeds [][]byte
	rng := rand.New(rand.NewPCG(3, 5))
	for _, rel := range fuzzSamples {
		b, err := os.ReadFile(filepath.Join(samplesDir(f), rel))
		if err != nil || len(b) < fileHeaderSize+chunkSize {
			continue
		}
		c := b[fileHeaderSize : fileHeaderSize+chunkSize]
		free := int(binary.LittleEndian.Uint32(c[48:]))
		offs := recordOffsets(c)
		if free > chunkSize || len(offs) == 0 {
			continue
		}
		// The first records (the rest of the chunk is padded with zeros): small inputs keep
		// the fuzzer fast.
		head := c[:min(free, offs[min(3, len(offs)-1)])]
		if len(offs) <= 3 {
			head = c[:free]
		}
		// And cut short: the last record runs past the end of the input.
		seeds = append(seeds, head, head[:len(head)-len(head)/4])
		for range 3 {
			flipped := append([]byte(nil), head...)
			for range 8 {
				i := chunkHeaderLen + rng.IntN(len(flipped)-chunkHeaderLen)
				flipped[i] ^= 1 << rng.IntN(8)
			}
			seeds = append(seeds, flipped)
		}
	}
	seeds = append(seeds, []byte("ElfChnk\x00"))
	for _, noDep := range []bool{false, true} {
		c := tokensChunk(noDep)
		seeds = append(seeds, c[:binary.LittleEndian.Uint32(c[48:])])
	}
	return seeds
}

// samplesDir is where the samples are, without skipping the test when they are absent (the
// fuzz target has synthetic seeds too).
func samplesDir(t testing.TB) string {
	if dir := os.Getenv("TRAWL_SAMPLES"); dir != "" {
		return dir
	}
	return filepath.Join(testutil.RepoRoot(t), "..", "shared", "samples")
}

// FuzzEVTX feeds mutated chunks to the decoder (with their checksums made valid, so that the
// BinXML decoder is reached) and mutated whole files to Walk. Nothing may panic or hang, and
// decoding a chunk may not allocate more than maxChunkAlloc.
func FuzzEVTX(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		if len(s) > 16<<10 {
			f.Fatalf("seed of %d bytes: keep seeds small", len(s))
		}
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c := make([]byte, chunkSize)
		copy(c, data)
		copy(c, chunkMagic)
		if free := binary.LittleEndian.Uint32(c[48:]); free < chunkHeaderLen || free > chunkSize {
			binary.LittleEndian.PutUint32(c[48:], uint32(max(chunkHeaderLen, min(len(data), chunkSize))))
		}
		fixChunk(c)
		entries, alloc := newChunkDecoder().decodeChunk(c, 0, true, nil), uint64(0) // XXX
		if alloc > maxChunkAlloc {
			t.Fatalf("decoding the chunk allocated %d bytes, over the bound of %d", alloc, maxChunkAlloc)
		}
		for _, e := range entries {
			if e.Reject != nil && strings.Contains(e.Reject.Reason, "internal error") {
				t.Fatalf("decoder panicked: %s", e.Reject.Reason)
			}
			if e.Record != nil {
				e.Record.RenderJSON()
				e.Record.RenderXML()
				e.Record.Windows()
			}
		}
		file := append(append([]byte(nil), fileMagic...), make([]byte, fileHeaderSize-len(fileMagic))...)
		file = append(file, data...)
		if _, _, err := walkBytes(t, file, 2); err != nil {
			t.Fatal(err)
		}
	})
}
