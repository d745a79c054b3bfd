package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCLIContext(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "t.duckdb")
	assets := filepath.Join(dir, "assets.csv")
	os.WriteFile(assets, []byte("host,ip,owner,criticality,internet_facing,vulns\nweb01,10.0.0.5,web-team,4,yes,CVE-2021-44228;CVE-2023-44487\n,10.0.0.0/24,netops,2,no,\nbad,10.0.0.999,,,,\n"), 0o644)
	ids := filepath.Join(dir, "people.jsonl")
	os.WriteFile(ids, []byte(`{"user": "alice", "aliases": ["CORP\\aarcher"], "mfa": false, "status": "leaving on 2026-12-15"}`+"\n"+`{"user": "bob", "privileged": "maybe"}`+"\n"), 0o644)

	out, errs, code := trawl(t, "--db", db, "context", "import", "--format", "json", assets, ids)
	if code != 0 {
		t.Fatalf("context import: code %d, %s%s", code, out, errs)
	}
	rows := jsonLines(t, out)
	if len(rows) != 2 || rows[0]["kind"] != "assets" || rows[0]["rows"] != 2.0 || rows[0]["rejects"] != 1.0 ||
		rows[1]["kind"] != "identities" || rows[1]["rows"] != 1.0 || rows[1]["rejects"] != 1.0 {
		t.Errorf("import rows = %v", rows)
	}
	for _, want := range []string{assets + `:4: field ip: "10.0.0.999" is not an IP address or network`, ids + `:2: field privileged: "maybe" is not yes or no`} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}

	out, errs, code = trawl(t, "--db", db, "context", "list", "--kind", "assets", "--format", "csv")
	if code != 0 {
		t.Fatalf("context list: %d %s", code, errs)
	}
	want := "asset_key,name,hostnames,addresses,owner,criticality,environment,internet_facing,vulnerabilities,extra,file,line\n" +
		"10.0.0.0/24,,,10.0.0.0/24,netops,2,,false,,," + assets + ",3\n" +
		"web01,web01,,10.0.0.5,web-team,4,,true,\"CVE-2021-44228, CVE-2023-44487\",," + assets + ",2\n"
	if out != want {
		t.Errorf("context list csv:\n%s\nwant:\n%s", out, want)
	}
	out, _, code = trawl(t, "--db", db, "context", "list", "--format", "json")
	if rows := jsonLines(t, out); code != 0 || len(rows) != 3 || rows[2]["kind"] != "identities" || rows[2]["leave_date"] == nil {
		t.Errorf("context list json: %d %v", code, rows)
	}
	if _, errs, code = trawl(t, "--db", db, "context", "list", "--format", "csv"); code == 0 || !strings.Contains(errs, "--kind") {
		t.Errorf("csv without --kind: %d %s", code, errs)
	}
	out, errs, code = trawl(t, "--db", db, "context", "list")
	if code != 0 || !strings.Contains(out, "ASSET_KEY") || !strings.Contains(out, "IDENTITY") || !strings.Contains(out, "CORP\\aarcher") {
		t.Errorf("context list table: %d %s %s", code, out, errs)
	}

	// A file whose kind cannot be told fails; --kind settles it.
	odd := filepath.Join(dir, "odd.csv")
	os.WriteFile(odd, []byte("name,notes\ncarol,x\n"), 0o644)
	if _, errs, code = trawl(t, "--db", db, "context", "import", odd); code != 1 || !strings.Contains(errs, "pass --kind") {
		t.Errorf("odd file: code %d, %s", code, errs)
	}
	if out, errs, code = trawl(t, "--db", db, "context", "import", "--kind", "assets", "--format", "csv", odd); code != 0 || !strings.Contains(out, ",assets,csv,1,0") {
		t.Errorf("odd file with --kind: code %d, %s%s", code, out, errs)
	}
}
