package all

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"trawl/importers"
	"trawl/importers/importertest"
	"trawl/internal/testutil"
)

// TestUTF16Files: JSON lines and CSV written as UTF-16 with a byte order mark (PowerShell 5's
// Out-File and Export-Csv) are detected on the transcoded head and read like their UTF-8 text.
func TestUTF16Files(t *testing.T) {
	tests := []struct{ file, want string }{
		{"../jsonl/testdata/mapped.jsonl", "jsonl"},
		{"../winjson/testdata/winlogbeat.jsonl", "winjson"},
		{"../csv/testdata/basic.csv", "csv"},
		{"../csv/testdata/mapped.csv", "csv"},
	}
	for _, tt := range tests {
		text, err := os.ReadFile(tt.file)
		if err != nil {
			t.Fatal(err)
		}
		text = bytes.TrimPrefix(text, []byte("\xef\xbb\xbf"))
		for _, enc := range []struct {
			name string
			data []byte
		}{
			{"utf-16le", utf16Bytes(text, false)},
			{"utf-16be", utf16Bytes(text, true)},
			{"utf-8", append([]byte("\xef\xbb\xbf"), text...)},
		} {
			t.Run(filepath.Base(tt.file)+"/"+enc.name, func(t *testing.T) {
				p := filepath.Join(t.TempDir(), filepath.Base(tt.file))
				if err := os.WriteFile(p, enc.data, 0o644); err != nil {
					t.Fatal(err)
				}
				o, err := importers.Open(p)
				if err != nil {
					t.Fatal(err)
				}
				defer o.Close()
				if o.Encoding != enc.name {
					t.Errorf("encoding %q, want %q", o.Encoding, enc.name)
				}
				f, err := importers.Detect(o.Head)
				if err != nil || f.Name() != tt.want {
					t.Fatalf("detected %v (%v), want %s", f, err, tt.want)
				}
				want := importertest.ReadBytes(t, f, p, text)
				got := importertest.ReadBytes(t, f, p, enc.data)
				if got.Err != nil || len(got.Events) == 0 {
					t.Fatalf("read: %v, %d events", got.Err, len(got.Events))
				}
				// Offsets count in the transcoded text, so the whole rendering matches.
				if !bytes.Equal(importertest.JSONL(got), importertest.JSONL(want)) {
					t.Errorf("%s reads differently from its UTF-8 text:\n%s\nwant\n%s", enc.name, importertest.JSONL(got), importertest.JSONL(want))
				}
			})
		}
	}
}

// TestUTF16Sample is the same for a real Windows event export in the shared samples.
func TestUTF16Sample(t *testing.T) {
	p := testutil.Sample(t, "evtx-jsonl/evtx-attack/Credential Access/CA_DCSync_4662.evtx.jsonl")
	text, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	q := filepath.Join(t.TempDir(), "export.jsonl")
	os.WriteFile(q, utf16Bytes(text, false), 0o644)
	o, err := importers.Open(q)
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	f, err := importers.Detect(o.Head)
	if err != nil || f.Name() != "winjson" {
		t.Fatalf("detected %v (%v), want winjson", f, err)
	}
	got, want := importertest.ReadFile(t, f, q), importertest.ReadFile(t, f, p)
	if len(got.Events) != len(want.Events) || len(got.Events) == 0 || len(got.Rejects) != len(want.Rejects) {
		t.Errorf("%d events %d rejects, want %d and %d", len(got.Events), len(got.Rejects), len(want.Events), len(want.Rejects))
	}
}
