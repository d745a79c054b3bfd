package evtx

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"trawl/importers"
	"trawl/importers/importertest"
	"trawl/internal/testutil"
)

func TestSniff(t *testing.T) {
	tests := []struct {
		head string
		want int
	}{
		{"ElfFile\x00\x00\x00", 100},
		{"ElfFile", 0},
		{"ElfChnk\x00", 0},
		{`{"System":{}}`, 0},
		{"", 0},
	}
	for _, tt := range tests {
		if got := (Format{}).Sniff([]byte(tt.head)); got != tt.want {
			t.Errorf("Sniff(%q) = %d, want %d", tt.head, got, tt.want)
		}
	}
	if f, ok := importers.Lookup("evtx"); !ok || f.Name() != "evtx" {
		t.Error("evtx format not registered")
	}
}

// TestFormatSamples imports every sample with an oracle: each must give as many events as
// python-evtx decoded records (all of them for the file python-evtx cannot read) and no
// rejects, with Raw holding the record's JSON.
func TestFormatSamples(t *testing.T) {
	samples, rels := oracleFiles(t)
	for _, rel := range rels {
		want := len(readOracle(t, filepath.Join(samples, "evtx-jsonl", rel+".jsonl")))
		if n, ok := pythonUnreadable[rel]; ok && want == 0 {
			want = n
		}
		res := importertest.ReadFile(t, Format{}, filepath.Join(samples, rel))
		if res.Err != nil {
			t.Errorf("%s: %v", rel, res.Err)
			continue
		}
		if len(res.Events) != want || len(res.Rejects) != 0 {
			t.Errorf("%s: %d events, %d rejects (%v); want %d events", rel, len(res.Events), len(res.Rejects), res.Rejects, want)
		}
		for i, ev := range res.Events {
			var m map[string]any
			if err := json.Unmarshal([]byte(ev.Raw), &m); err != nil || m["System"] == nil {
				t.Errorf("%s event %d: Raw is not a record's JSON: %v", rel, i, err)
				break
			}
			if ev.SourceType != "evtx" || ev.Time.IsZero() || ev.EventCode == "" {
				t.Errorf("%s event %d: not normalized: %+v", rel, i, ev)
				break
			}
		}
	}
}

// TestFormatGolden pins the normalized events of the chainsaw Security sample.
func TestFormatGolden(t *testing.T) {
	p := testutil.Sample(t, "chainsaw/tests/evtx/security_sample.evtx")
	res := importertest.ReadFile(t, Format{}, p)
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	testutil.Golden(t, "testdata/security_sample.golden.jsonl", importertest.JSONL(res))
}
