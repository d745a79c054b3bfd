package main

import (
	"strings"
	"testing"
)

// TestHuntMemoryLimit checks that trawl hunt --memory-mb reaches the store's engine: a limit of
// 1 MB cannot hold a hunt (DuckDB reports it out of memory), the default and 256 MB can.
func TestHuntMemoryLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("imports the demo data")
	}
	db := demoImport(t)
	if out, errs, code := trawl(t, "--db", db, "hunt", "--memory-mb", "1"); code == 0 || !strings.Contains(errs, "Out of Memory") {
		t.Errorf("hunt --memory-mb 1: exit %d, want an out-of-memory error\n%s%s", code, out, errs)
	}
	for _, args := range [][]string{{"hunt"}, {"hunt", "--memory-mb", "256"}} {
		if out, errs, code := trawl(t, append([]string{"--db", db}, args...)...); code != 0 || !strings.Contains(errs, "hunt run") {
			t.Errorf("%v: exit %d\n%s%s", args, code, out, errs)
		}
	}
}
