package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCLIIntel(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "t.duckdb")
	logs := filepath.Join(dir, "net.log")
	os.WriteFile(logs, []byte(
		"kv-test: time=2026-04-01T10:00:00Z src_ip=10.0.0.5 dst_ip=198.51.100.23\n"+
			"kv-test: time=2026-10-01T10:00:00Z src_ip=10.0.0.5 dst_ip=198.51.100.23\n"+
			"kv-test: time=2026-04-01T10:05:00Z src_ip=10.0.0.5 domain=cdn.dl.evil-updates.example\n"+
			"kv-test: time=2026-04-01T10:06:00Z src_ip=10.0.0.5 domain=example.org\n"), 0o644)
	mustTrawl(t, "--db", db, "import", logs)
	bundle := filepath.Join("intel", "testdata", "bundle.json")
	list := filepath.Join(dir, "feed.txt")
	os.WriteFile(list, []byte("# my feed\nevil-updates[.]example\nnot_an_ioc\n"), 0o644)

	out, errs, code := trawl(t, "--db", db, "intel", "import", "--format", "json", "--source", "my-feed", bundle, list)
	if code != 0 {
		t.Fatalf("intel import: %d %s%s", code, out, errs)
	}
	rows := jsonLines(t, out)
	if len(rows) != 2 || rows[0]["format"] != "stix" || rows[0]["indicators"] != 9.0 || rows[0]["skipped"] != 3.0 || rows[0]["rejected"] != 1.0 ||
		rows[1]["format"] != "list" || rows[1]["source"] != "my-feed" || rows[1]["indicators"] != 1.0 || rows[1]["rejected"] != 1.0 {
		t.Errorf("intel import rows = %v", rows)
	}
	for _, want := range []string{
		bundle + `:102: field pattern_type (indicator--9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a): skipped: pattern_type "yara" is not stix`,
		list + `:3: field value: rejected: "not_an_ioc" is no IP address`,
	} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}

	out, errs, code = trawl(t, "--db", db, "intel", "matches", "--format", "csv")
	if code != 0 {
		t.Fatalf("intel matches: %d %s", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "event_id,time,field,value,matched_by,indicator,type,source,confidence") {
		t.Fatalf("intel matches:\n%s", out)
	}
	for i, want := range []string{
		"1,2026-04-01T10:00:00Z,dst_ip,198.51.100.23,cidr,198.51.100.0/24,cidr,ACME CTI Team,85,",
		"3,2026-04-01T10:05:00Z,domain,cdn.dl.evil-updates.example,parent-domain,evil-updates.example,domain,ACME CTI Team,70,",
		"3,2026-04-01T10:05:00Z,domain,cdn.dl.evil-updates.example,parent-domain,evil-updates.example,domain,my-feed,,",
	} {
		if !strings.HasPrefix(lines[i+1], want) {
			t.Errorf("match %d = %s\nwant prefix %s", i+1, lines[i+1], want)
		}
	}
	out, _, code = trawl(t, "--db", db, "intel", "list", "--format", "json")
	if rows := jsonLines(t, out); code != 0 || len(rows) != 10 {
		t.Errorf("intel list: %d, %d rows", code, len(rows))
	}
	if _, errs, code := trawl(t, "--db", db, "intel", "import", filepath.Join(dir, "missing.txt")); code == 0 || !strings.Contains(errs, "missing.txt") {
		t.Errorf("missing file: %d %s", code, errs)
	}
}
