package all

import (
	"os"
	"path/filepath"
	"strings"
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
		{"loghub/Apache/Apache_2k.log", "text"},
		{"suricata/honeypot-2018/eve-alerts.jsonl", "suricata"},
		{"suricata/honeypot-2018/alerts-only.json", "suricata"},
		{"cloudtrail/invictus-stratus/218007301253_CloudTrail_us-east-1_20230710T1145Z_7xgocspSowgK0Gto.json", "cloudtrail"},
		{"loghub/OpenSSH/OpenSSH_2k.log", "syslog"},
		{"loghub/OpenSSH/OpenSSH_2k.log_structured.csv", "csv"},
		{"mordor/windows/credential_access/psh_lsass_memory_dump_comsvcs_2020-10-18T19500924.json", "winjson"},
		{"evtx-jsonl/evtx-attack/Credential Access/CA_DCSync_4662.evtx.jsonl", "winjson"},
		{"mordor/linux/discovery/sh_arp_cache_2020-11-10074812.log", "auditd"},
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

// TestEverySampleLogIsRecognised walks the shared samples and wants a format for every log
// file in them (rule files, licences and notes are not logs).
func TestEverySampleLogIsRecognised(t *testing.T) {
	root := testutil.Samples(t)
	notLogs := map[string]bool{".yml": true, ".yaml": true, ".md": true, ".txt": true, ".csv": true, "": true}
	var n int
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		ext := filepath.Ext(p)
		if notLogs[ext] && !strings.HasPrefix(rel, "web/") {
			return nil
		}
		if strings.HasPrefix(rel, "sigma/rules") || strings.HasPrefix(rel, "chainsaw/rules") || strings.HasPrefix(rel, "chainsaw/mappings") || strings.Contains(filepath.Base(rel), "LICENSE") {
			return nil
		}
		n++
		o, err := importers.Open(p)
		if err != nil {
			t.Errorf("%s: %v", rel, err)
			return nil
		}
		defer o.Close()
		if len(o.Head) == 0 {
			return nil // empty: imported as nothing (engine tests)
		}
		if _, err := importers.Detect(o.Head); err != nil {
			t.Errorf("%s: %v", rel, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 100 {
		t.Errorf("only %d sample logs found", n)
	}
}
