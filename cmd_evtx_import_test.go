package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"trawl/internal/testutil"
)

// evtxTemplateless is the sample python-evtx (and libevtx) cannot read: "invalid binary XML
// token 0x05". Its records are BinXML written without templates and without the dependency
// id of open start elements, which trawl's reader recognises (see importers/evtx nameField),
// so trawl imports all 11 records the file header announces while the python-evtx decoding
// in evtx-jsonl is empty.
const evtxTemplateless = "evtx-to-mitre/TA0001-Initial access/T1078-Valid accounts/ID1149-RDP success logins to multiple hosts.evtx"

// evtxSampleCounts lists every .evtx under the samples with the number of records another
// decoder found in it: the lines of its python-evtx decoding in evtx-jsonl/, or for the
// Sigma regression captures (which have none there) the events of the JSON that SigmaHQ
// ships beside each capture.
func evtxSampleCounts(t *testing.T, samples string) map[string]int {
	t.Helper()
	want := map[string]int{}
	err := filepath.WalkDir(samples, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".evtx") {
			return err
		}
		rel, _ := filepath.Rel(samples, p)
		switch {
		case rel == evtxTemplateless:
			want[rel] = 11
		case strings.HasPrefix(rel, "sigma/"):
			want[rel] = countJSONValues(t, strings.TrimSuffix(p, ".evtx")+".json")
		default:
			want[rel] = countLines(t, filepath.Join(samples, "evtx-jsonl", rel+".jsonl"))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return want
}

func countLines(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("no decoding to compare with: %v", err)
	}
	return bytes.Count(b, []byte("\n"))
}

// countJSONValues counts the top-level JSON values of a file (pretty-printed, one after
// another).
func countJSONValues(t *testing.T, path string) int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("no decoding to compare with: %v", err)
	}
	defer f.Close()
	dec := json.NewDecoder(f)
	n := 0
	for {
		var v json.RawMessage
		if err := dec.Decode(&v); errors.Is(err, io.EOF) {
			return n
		} else if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		n++
	}
}

// TestImportEVTXSamples imports every .evtx sample through the CLI, as folders and globs in
// one command, and checks per file that trawl stored as many events as the reference
// decoding holds, with no rejects.
func TestImportEVTXSamples(t *testing.T) {
	samples := testutil.Samples(t)
	want := evtxSampleCounts(t, samples)
	if len(want) < 140 {
		t.Fatalf("only %d .evtx samples found", len(want))
	}
	db := filepath.Join(t.TempDir(), "evtx.duckdb")
	// The folders with nothing but logs and documentation are given as folders; the rest
	// (beside rules, JSON and expected outputs) by a glob.
	args := []string{"--db", db, "import", "--no-progress", "--format", "json",
		filepath.Join(samples, "evtx-attack"), filepath.Join(samples, "evtx-to-mitre"), filepath.Join(samples, "deepblue"),
		filepath.Join(samples, "chainsaw", "tests", "evtx", "*.evtx"), filepath.Join(samples, "sigma", "regression", "*", "*.evtx")}
	out, errs, code := trawl(t, args...)
	if code != 0 {
		t.Fatalf("import: code %d\n%s%s", code, out, errs)
	}
	if n := len(jsonLines(t, out)); n != len(want) {
		t.Errorf("import reported %d files, want %d", n, len(want))
	}

	out, errs, code = trawl(t, "--db", db, "stats", "--by", "file", "--format", "json")
	if code != 0 {
		t.Fatalf("stats: code %d: %s", code, errs)
	}
	got := map[string]bool{}
	var events int
	for _, row := range jsonLines(t, out) {
		rel, _ := filepath.Rel(samples, row["file"].(string))
		got[rel] = true
		w, ok := want[rel]
		if !ok {
			t.Errorf("stats lists %s, not an .evtx sample", rel)
			continue
		}
		if row["format"] != "evtx" || row["events"] != float64(w) || row["rejects"] != 0.0 {
			t.Errorf("%s: format %v, %v events (want %d), %v rejects", rel, row["format"], row["events"], w, row["rejects"])
		}
		events += w
	}
	var missing []string
	for rel := range want {
		if !got[rel] {
			missing = append(missing, rel)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("%d samples missing from stats: %v", len(missing), missing)
	}
	t.Logf("%d files, %d events", len(got), events)
}

// TestImportEVTXGoesOn imports unreadable and damaged .evtx files ahead of a good one: each
// bad file is an error or rejects, and the files after it are imported all the same.
func TestImportEVTXGoesOn(t *testing.T) {
	good := testutil.Sample(t, "chainsaw/tests/evtx/security_sample.evtx")
	sample, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	bad := map[string][]byte{
		"1-garbage.evtx":   bytes.Repeat([]byte("not an event log\x00\xff"), 5000),
		"2-truncated.evtx": sample[:40000],                                                       // header and part of the chunk
		"3-no-chunks.evtx": append([]byte("ElfFile\x00"), bytes.Repeat([]byte{0xa5}, 200000)...), // garbage after the magic
	}
	var args []string
	for name, b := range bad {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, p)
	}
	sort.Strings(args)
	db := filepath.Join(dir, "t.duckdb")
	out, errs, code := trawl(t, append([]string{"--db", db, "import", "--no-progress", "--workers", "1", "--format", "json"}, append(args, good)...)...)
	if code != 1 || !strings.Contains(errs, "1 of 4 files could not be imported") {
		t.Errorf("import: code %d (want 1), stderr %q", code, errs)
	}
	rows := jsonLines(t, out)
	if len(rows) != 4 {
		t.Fatalf("%d result rows: %s", len(rows), out)
	}
	byName := map[string]map[string]any{}
	for _, r := range rows {
		byName[filepath.Base(r["file"].(string))] = r
	}
	if r := byName["1-garbage.evtx"]; !strings.Contains(r["status"].(string), "unrecognised log format") {
		t.Errorf("garbage: %v", r)
	}
	if r := byName["2-truncated.evtx"]; r["format"] != "evtx" || r["events"] != 0.0 || r["rejects"] != 1.0 {
		t.Errorf("truncated: %v", r)
	}
	if r := byName["3-no-chunks.evtx"]; r["format"] != "evtx" || r["events"] != 0.0 || r["rejects"].(float64) < 1 {
		t.Errorf("garbage after the magic: %v", r)
	}
	if r := byName["security_sample.evtx"]; r["events"] != 10.0 || r["rejects"] != 0.0 || r["status"] != "imported" {
		t.Errorf("the good file after the bad ones: %v", r)
	}
	out, _, _ = trawl(t, "--db", db, "rejects", "--format", "json")
	if !strings.Contains(out, "truncated chunk") {
		t.Errorf("rejects: %s", out)
	}
}
