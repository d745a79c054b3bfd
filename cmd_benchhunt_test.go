package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBenchHunt runs trawl bench hunt on a few thousand generated events: one JSON object per
// rule with the same answer from the DSL and the hand-written SQL, then the two pack rows; a
// second run reuses the generated logs and their store.
func TestBenchHunt(t *testing.T) {
	dir := t.TempDir()
	for i := range 2 {
		out, errs, code := trawl(t, "bench", "hunt", "--events", "3000", "--runs", "1", "--min-time", "0s", "--dir", dir, "-f", "json")
		if code != 0 {
			t.Fatalf("exit %d: %s%s", code, out, errs)
		}
		rows := jsonLines(t, out)
		if len(rows) < 40+2 {
			t.Fatalf("%d rows:\n%s", len(rows), out)
		}
		for _, r := range rows[:len(rows)-2] {
			if r["same_answer"] != true || r["dsl_ms"] == nil || r["hand_ms"] == nil {
				t.Errorf("rule row %v", r)
			}
		}
		if pack := rows[len(rows)-1]; pack["rule"] != "(trawl hunt, whole pack, wall time)" || pack["dsl_ms"].(float64) <= 0 {
			t.Errorf("last row %v", pack)
		}
		if _, err := os.Stat(filepath.Join(dir, "hunt-3000", "store.duckdb.done")); err != nil {
			t.Error(err)
		}
		if generated := strings.Contains(errs, "generating"); generated != (i == 0) {
			t.Errorf("run %d: generated the logs: %v\n%s", i+1, generated, errs)
		}
	}
}
