package all

import (
	"os"
	"path/filepath"
	"testing"

	"trawl/importers"
	"trawl/internal/testutil"
)

// TestDetect checks detection by content across the whole registry: each real sample must be
// claimed by its own format and by no generic one.
func TestDetect(t *testing.T) {
	tests := []struct{ file, want string }{
		{"web/tomcat_web_attack_and_webshell_access_log.txt", "web"},
		{"zeek/wrccdc2018/zeek-default/kerberos.log", "zeek"},
		{"zeek/wrccdc2018/zeek-json/kerberos.json", "zeek"},
		{"evtx-attack/Credential Access/CA_DCSync_4662.evtx", "evtx"},
		{"attack/enterprise_techniques.csv", "csv"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			p := filepath.Join(testutil.Samples(t), tt.file)
			o, err := importers.Open(p)
			if err != nil {
				t.Fatal(err)
			}
			defer o.Close()
			f, err := importers.Detect(o.Head)
			if err != nil {
				t.Fatal(err)
			}
			if f.Name() != tt.want {
				t.Errorf("detected %s, want %s", f.Name(), tt.want)
			}
		})
	}
}

// TestDetectRejectsGarbage: binary noise is no format at all.
func TestDetectRejectsGarbage(t *testing.T) {
	noise := make([]byte, 4096)
	for i := range noise {
		noise[i] = byte(i*7919 + i/13)
	}
	if f, err := importers.Detect(noise); err == nil {
		t.Errorf("binary noise detected as %s", f.Name())
	}
	p := filepath.Join(t.TempDir(), "empty")
	os.WriteFile(p, nil, 0o644)
	o, err := importers.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	if f, err := importers.Detect(o.Head); err == nil {
		t.Errorf("empty file detected as %s", f.Name())
	}
}
