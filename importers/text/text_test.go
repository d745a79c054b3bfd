package text

import (
	"testing"

	"trawl/importers/importertest"
	"trawl/internal/testutil"
)

func TestRead(t *testing.T) {
	tests := []struct {
		name, in string
	}{
		{"apache-error", "[Sun Dec 04 04:47:44 2005] [notice] workerEnv.init() ok /etc/httpd/conf/workers2.properties\n[Sun Dec 04 04:47:44 2005] [error] mod_jk child workerEnv in error state 6\n"},
		{"iso", "2024-01-02 03:04:05,123 INFO app started\n2024-01-02T03:04:06+02:00 WARN disk\n\n   \nno time here\n"},
		{"clf-stamp-epoch", "[02/Jan/2024:05:04:05 +0200] x\n1704164645.25 y\n"},
		{"hostile", "\x1b[31mred\x1b[0m \xff\xfe\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := importertest.ReadBytes(t, Format{}, tt.name, []byte(tt.in))
			if res.Err != nil {
				t.Fatal(res.Err)
			}
			testutil.Golden(t, "testdata/"+tt.name+".golden.jsonl", importertest.JSONL(res))
		})
	}
}

func TestSniff(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want int
	}{
		{"hello\nworld\n", SniffScore},
		{"", 0},
		{"\x00\x01\x02\x03\x04\x05\x06\x07\x08binary\x00\x00", 0},
	} {
		if got := (Format{}).Sniff([]byte(tt.in)); got != tt.want {
			t.Errorf("Sniff(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("[Sun Dec 04 04:47:44 2005] [notice] x\n"))
	f.Add([]byte("2024-01-02 03:04:05,123 INFO\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		res := importertest.ReadBytes(t, Format{}, "fuzz", b)
		if res.Err != nil {
			t.Fatal(res.Err)
		}
	})
}
