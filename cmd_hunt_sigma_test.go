package main

import (
	"encoding/csv"
	"strconv"
	"strings"
	"testing"

	"trawl/internal/testutil"
)

// TestHuntSigmaShared checks that trawl hunt --sigma raises the same alerts, with the same
// evidence, when its many Sigma rules run in shared scans (path tables, one regular expression
// per list) as when each runs on its own: one store hunted both ways, where the second run must
// find every alert of the first and no other (alerts are unique per rule and evidence, so a
// differing evidence list would be new).
func TestHuntSigmaShared(t *testing.T) {
	if testing.Short() {
		t.Skip("imports the demo data and runs the Sigma sample")
	}
	rules := testutil.Sample(t, "sigma/rules/windows")
	db := demoImport(t)
	hunt := func(min int) map[string][2]string {
		old := sharedScanMin
		sharedScanMin = min
		defer func() { sharedScanMin = old }()
		out, errs, code := trawl(t, "--db", db, "hunt", "--sigma", rules, "-f", "csv")
		if code != 0 {
			t.Fatalf("hunt: %d %s%s", code, out, errs)
		}
		recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		perRule := map[string][2]string{}
		for _, r := range recs[1:] {
			perRule[r[0]] = [2]string{r[3], r[4]} // alerts, new
		}
		return perRule
	}
	alone := hunt(1 << 30)
	shared := hunt(50)
	total := 0
	for rule, a := range alone {
		n, _ := strconv.Atoi(a[0])
		total += n
		if s := shared[rule]; s[0] != a[0] || s[1] != "0" {
			t.Errorf("%s: shared %v alerts/new, alone %v", rule, s, a)
		}
	}
	if len(alone) < 1000 || len(shared) != len(alone) || total == 0 {
		t.Errorf("%d rules alone, %d shared, %d alerts: the sample should give many rules and some alerts", len(alone), len(shared), total)
	}
}
