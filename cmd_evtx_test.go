package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"trawl/internal/testutil"
)

// TestEvtxDump checks the CLI against the python-evtx decoding in the samples: same records,
// same JSON, and XML that starts as evtx_dump.py's does.
func TestEvtxDump(t *testing.T) {
	p := testutil.Sample(t, "evtx-attack/Credential Access/CA_DCSync_4662.evtx")
	oracle, err := os.ReadFile(filepath.Join(testutil.Samples(t), "evtx-jsonl/evtx-attack/Credential Access/CA_DCSync_4662.evtx.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	out, errs, code := trawl(t, "evtx", "dump", p)
	if code != 0 {
		t.Fatalf("code %d: %s", code, errs)
	}
	got, want := strings.Split(strings.TrimSpace(out), "\n"), strings.Split(strings.TrimSpace(string(oracle)), "\n")
	if len(got) != len(want) || len(got) != 3 {
		t.Fatalf("%d records, oracle has %d", len(got), len(want))
	}
	for i := range got {
		var g, w map[string]any
		if err := json.Unmarshal([]byte(got[i]), &g); err != nil {
			t.Fatal(err)
		}
		json.Unmarshal([]byte(want[i]), &w)
		gs, _ := json.Marshal([]any{g["EventData"], g["System"].(map[string]any)["EventRecordID"]})
		ws, _ := json.Marshal([]any{w["EventData"], w["System"].(map[string]any)["EventRecordID"]})
		if string(gs) != string(ws) {
			t.Errorf("record %d EventData and record id:\n got %s\nwant %s", i, gs, ws)
		}
	}
	out, _, code = trawl(t, "evtx", "dump", "--format", "xml", p)
	if code != 0 || !strings.HasPrefix(out, "<?xml") || strings.Count(out, "<Event xmlns") != 3 || !strings.Contains(out, "</Events>") {
		t.Errorf("xml dump: code %d, %.200q", code, out)
	}
	_, errs, code = trawl(t, "evtx", "dump", filepath.Join(t.TempDir(), "missing.evtx"))
	if code == 0 || !strings.Contains(errs, "missing.evtx") {
		t.Errorf("missing file: %d %q", code, errs)
	}
}
