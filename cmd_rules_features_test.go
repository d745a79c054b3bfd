package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestRulesTestComputesFeatures: trawl rules test computes the derived features of a rule's
// test events when its query reads them, as import does, so a rule on off_hours or lolbas can
// prove itself; without them its expect-1 case would find nothing.
func TestRulesTestComputesFeatures(t *testing.T) {
	dir := t.TempDir()
	rules := writeFile(t, filepath.Join(dir, "f.hunt"), `rule night_copy {
  title "files copied at night"
  severity low
  query file | where off_hours | stats count() as n by user_key window 1h | where n >= 3
  test "three files at two in the morning" {
    expect 1
    event repeat 3 { event_code = "11", user = "vera", time = "2026-03-02T02:00:00Z" }
  }
  test "three files at ten" {
    expect none
    event repeat 3 { event_code = "11", user = "vera", time = "2026-03-02T10:00:00Z" }
  }
}

rule lolbin {
  title "a LOLBAS binary"
  severity info
  query process | where lolbas
  test "certutil" {
    expect 1
    event { process_name = "certutil.exe", host = "ws1" }
  }
}
`)
	out, errs, code := trawl(t, "rules", "test", "-v", rules)
	if code != 0 || !strings.Contains(out, "2 rules, 3 tests, 0 failed") {
		t.Errorf("rules test: %d\n%s%s", code, out, errs)
	}
}
