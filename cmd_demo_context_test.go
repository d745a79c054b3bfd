package main

import (
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"trawl/generate"
)

// TestDemoContext is `make demo` with the company's context: import demo/ (the folder walk
// leaves the context files out), load demo/generated's assets and identities with no reject,
// hunt. The alerts must carry the context factors (docs/scoring.md: asset criticality,
// privileged identity, leaving identity) and some must be escalated; without the context the
// demo escalated nothing.
func TestDemoContext(t *testing.T) {
	if testing.Short() {
		t.Skip("imports and hunts the demo")
	}
	db := filepath.Join(t.TempDir(), "demo.duckdb")
	if out := mustTrawl(t, "--db", db, "import", "demo"); strings.Contains(out, "trawl-context-") {
		t.Errorf("the folder import took a context file for a log:\n%s", out)
	}
	files := []string{filepath.Join("demo", "generated", generate.AssetsFile), filepath.Join("demo", "generated", generate.IdentitiesFile)}
	out, errs, code := trawl(t, append([]string{"--db", db, "context", "import", "-f", "json"}, files...)...)
	if code != 0 || errs != "" {
		t.Fatalf("context import: %d\n%s%s", code, out, errs)
	}
	for i, row := range jsonLines(t, out) {
		if row["rejects"] != 0.0 || row["rows"].(float64) < 40 {
			t.Errorf("%s: %v", files[i], row)
		}
	}
	_, errs, code = trawl(t, "--db", db, "hunt")
	if code != 0 {
		t.Fatalf("hunt: %d %s", code, errs)
	}
	m := regexp.MustCompile(`scored \d+ alerts .*: (\d+) escalated`).FindStringSubmatch(errs)
	if m == nil {
		t.Fatalf("no score summary in %s", errs)
	}
	t.Log(m[0])
	if n, _ := strconv.Atoi(m[1]); n < 1 {
		t.Errorf("nothing escalated with the context: %s", m[0])
	}

	// Every scored alert's factors, through the incidents they are in.
	factors := map[string][]string{} // factor name -> "rule: detail"
	escalated := 0
	for _, inc := range jsonLines(t, mustTrawl(t, "--db", db, "incidents", "-f", "json")) {
		shown := jsonLines(t, mustTrawl(t, "--db", db, "incident", "show", "-f", "json", idText(inc["id"])))
		alerts, _ := shown[0]["alert_list"].([]any)
		for _, a := range alerts {
			a := a.(map[string]any)
			if a["action"] == "escalate" {
				escalated++
			}
			fs, _ := a["factors"].([]any)
			for _, f := range fs {
				f := f.(map[string]any)
				factors[f["name"].(string)] = append(factors[f["name"].(string)], a["rule"].(string)+": "+f["detail"].(string))
			}
		}
	}
	if escalated == 0 {
		t.Error("no alert of an incident is escalated")
	}
	for name, want := range map[string]string{
		"asset_criticality":   "account_disabled_around_data_staging: dc01 has criticality 5",
		"privileged_identity": "new_service_outside_system_folders: julia.novak is privileged",
		"leaving_identity":    "file_access_spike: vera.tanaka is leaving",
	} {
		if !slices.ContainsFunc(factors[name], func(s string) bool { return strings.HasPrefix(s, want) }) {
			t.Errorf("no %s factor %q among %q", name, want, factors[name])
		}
	}
}
