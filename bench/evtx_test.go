package bench

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"trawl/importers/evtx"
	"trawl/internal/testutil"
)

// TestBuildLargeEvtx builds a 3 MB file from the samples' chunks and reads it back: a valid
// header for every chunk, no rejects (checksums recomputed after renumbering) and record
// identifiers running from 1 without a gap.
func TestBuildLargeEvtx(t *testing.T) {
	files, err := evtxFiles(testutil.Samples(t))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "large.evtx")
	if err := buildLargeEvtx(context.Background(), path, files, 3e6, t.Logf); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	ef, err := evtx.Open(f, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	chunks := (st.Size() - 4096) / 65536
	if h := ef.Header; !h.ChecksumOK || int64(h.ChunkCount) != chunks || h.LastChunk != uint64(chunks-1) || h.Dirty() {
		t.Errorf("header %+v for %d chunks", h, chunks)
	}
	next := uint64(1)
	err = ef.Walk(context.Background(), 2, func(e evtx.Entry) error {
		if e.Reject != nil {
			t.Fatalf("reject: %v", e.Reject)
		}
		if e.Record.ID != next {
			t.Fatalf("record id %d, want %d", e.Record.ID, next)
		}
		next++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if ef.Header.NextRecordID != next || next < 1000 {
		t.Errorf("%d records, header's next record id %d", next-1, ef.Header.NextRecordID)
	}
	n, err := dumpFile(context.Background(), path)
	if err != nil || n != int64(next-1) {
		t.Errorf("dumpFile: %d records, %v", n, err)
	}
}
