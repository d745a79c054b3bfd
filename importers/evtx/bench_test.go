package evtx

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"trawl/internal/testutil"
)

// sampleChunks builds one EVTX file from every chunk of every sample .evtx (chunks are
// self-contained, so this is a valid file), so that the benchmark can use several workers.
func sampleChunks(b testing.TB) []byte {
	root := testutil.Samples(b)
	out := append([]byte(nil), make([]byte, fileHeaderSize)...)
	copy(out, fileMagic)
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".evtx") {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for off := fileHeaderSize; off+chunkSize <= len(data); off += chunkSize {
			if bytes.HasPrefix(data[off:], chunkMagic) {
				out = append(out, data[off:off+chunkSize]...)
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return out
}

// BenchmarkEVTX decodes every sample chunk ("decode": the element trees only; "import": also
// the windows.Record and the JSON the importer makes of each record). Run with -cpu 1,2 to
// compare one worker and two.
func BenchmarkEVTX(b *testing.B) {
	data := sampleChunks(b)
	for _, full := range []bool{false, true} {
		name := "decode"
		if full {
			name = "import"
		}
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			records := 0
			var buf []byte
			for b.Loop() {
				f, err := NewReader(bytes.NewReader(data))
				if err != nil {
					b.Fatal(err)
				}
				err = f.Walk(context.Background(), 0, func(e Entry) error {
					if e.Reject != nil {
						b.Fatalf("reject: %v", e.Reject)
					}
					if full {
						buf = e.Record.AppendJSON(buf[:0])
						_ = e.Record.Windows()
					}
					records++
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(records)/b.Elapsed().Seconds(), "records/s")
		})
	}
}
