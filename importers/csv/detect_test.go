package csv_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"trawl/importers"
	_ "trawl/importers/cef"
	_ "trawl/importers/csv"
	_ "trawl/importers/jsonl"
	_ "trawl/importers/web"
	"trawl/internal/testutil"
)

// TestDetect checks that the four formats of this change pick each other's test files
// correctly: csv and jsonl sniff low and must lose to specific formats, and must not claim
// what is not theirs. Other registered formats are not linked into this test.
func TestDetect(t *testing.T) {
	t.Parallel()
	tests := []struct {
		path string // relative to importers/, or samples:<rel> for a shared sample
		want string // "" when none of the four may claim it
	}{
		{"csv/testdata/basic.csv", "csv"},
		{"csv/testdata/zeekish.tsv", "csv"},
		{"csv/testdata/mapped.csv", "csv"},
		{"csv/testdata/pipe.txt", "csv"},
		{"jsonl/testdata/mixed.jsonl", "jsonl"},
		{"web/testdata/access.log", "web"},
		{"cef/testdata/vendors.cef", "cef"},
		{"samples:web/tomcat_web_attack_and_webshell_access_log.txt", "web"},
		{"samples:loghub/Apache/Apache_2k.log_structured.csv", "csv"},
		{"samples:attack/enterprise_techniques.csv", "csv"},
		// plain-text logs that none of the four may claim (syslog and others handle them)
		{"samples:loghub/Apache/Apache_2k.log", ""},
		{"samples:loghub/OpenSSH/OpenSSH_2k.log", ""},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join("..", tc.path)
			if rel, ok := cutPrefix(tc.path, "samples:"); ok {
				path = testutil.Sample(t, rel)
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			f, err := importers.Detect(data[:min(len(data), importers.SniffSize)])
			got := ""
			if err == nil {
				got = f.Name()
			} else if !errors.Is(err, importers.ErrUnknownFormat) {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("detected %q, want %q", got, tc.want)
			}
		})
	}
}

func cutPrefix(s, p string) (string, bool) {
	if len(s) >= len(p) && s[:len(p)] == p {
		return s[len(p):], true
	}
	return "", false
}
