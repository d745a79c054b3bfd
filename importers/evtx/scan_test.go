package evtx

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"trawl/internal/testutil"
)

// TestAllSamples decodes every .evtx sample (those without an oracle too, such as the Sigma
// regression events): none may give a reject, and the record ids must match the headers'
// record numbering (one record per id, ascending within each chunk).
func TestAllSamples(t *testing.T) {
	root := testutil.Samples(t)
	var files, records int
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".evtx") {
			return err
		}
		recs, rejs := decodeFile(t, p, 2)
		files++
		records += len(recs)
		for _, r := range rejs {
			t.Errorf("%s: %v", p, r)
		}
		for i := 1; i < len(recs); i++ {
			if recs[i].Chunk == recs[i-1].Chunk && recs[i].ID <= recs[i-1].ID {
				t.Errorf("%s: record ids out of order: %d after %d", p, recs[i].ID, recs[i-1].ID)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files == 0 {
		t.Skip("no .evtx samples")
	}
	t.Logf("%d files, %d records, no rejects", files, records)
}
