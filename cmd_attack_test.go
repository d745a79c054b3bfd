package main

import (
	"encoding/csv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"trawl/attack"
)

func TestCLIAttackResolve(t *testing.T) {
	out, errs, code := trawl(t, "attack", "--format", "json", "T1059.001", "attack.t1685", "t1086", "attack.T9999", "attack.stealth", "TA0008", "attack.g0007")
	if code != 0 {
		t.Fatalf("code %d: %s%s", code, out, errs)
	}
	var got [][]string
	for _, row := range jsonLines(t, out) {
		var cells []string
		for _, c := range []string{"id", "name", "kind", "tactics", "status", "maps_to"} {
			cells = append(cells, row[c].(string))
		}
		if row["status"] != "active" && row["note"] == "" {
			t.Errorf("%v has no note", row)
		}
		got = append(got, cells)
	}
	want := [][]string{
		{"T1059.001", "Command and Scripting Interpreter: PowerShell", "technique", "Execution", "active", ""},
		{"T1685", "≈ Impair Defenses: Disable or Modify Tools", "technique", "Defense Evasion", "v19", "T1562.001, T1562, T1562.006"},
		{"T1086", "PowerShell", "technique", "Execution", "revoked", "T1059.001"},
		{"T9999", "", "technique", "", "unknown", ""},
		{"stealth", "≈ Defense Evasion", "tactic", "Defense Evasion", "v19", "defense-evasion"},
		{"lateral-movement", "Lateral Movement", "tactic", "Lateral Movement", "active", ""},
		{"G0007", "", "group", "", "unknown", ""},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("trawl attack rows (-want +got):\n%s", diff)
	}
}

func TestCLIAttackList(t *testing.T) {
	records := func(args ...string) [][]string {
		t.Helper()
		out, errs, code := trawl(t, append([]string{"attack", "--format", "csv"}, args...)...)
		if code != 0 {
			t.Fatalf("attack %v: code %d: %s%s", args, code, out, errs)
		}
		recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		return recs
	}
	all := records()
	if len(all) != 1+len(attack.Techniques()) || strings.Join(all[0], ",") != strings.Join(attackColumns, ",") {
		t.Errorf("all techniques: %d records, header %v", len(all), all[0])
	}
	retired := records("--retired")
	if len(retired) != 1+len(attack.Techniques())+len(attack.Retired()) {
		t.Errorf("--retired: %d records", len(retired))
	}
	lateral := records("--tactic", "attack.lateral-movement")
	if len(lateral) < 10 || len(lateral) > 60 {
		t.Errorf("--tactic lateral-movement: %d records", len(lateral))
	}
	for _, r := range lateral[1:] {
		if !strings.Contains(r[3], "Lateral Movement") {
			t.Errorf("--tactic lateral-movement lists %v", r)
		}
	}
	tactics := records("--tactics")
	if len(tactics) != 15 || tactics[1][2] != "reconnaissance" || tactics[14][2] != "impact" {
		t.Errorf("--tactics: %v", tactics)
	}

	out, _, code := trawl(t, "attack", "--license")
	if code != 0 || !strings.Contains(out, attack.Notice) {
		t.Errorf("--license: code %d, %q", code, out)
	}
	out, _, code = trawl(t, "attack", "T1059.001")
	if code != 0 || !strings.HasPrefix(out, "ID ") || !strings.Contains(out, "PowerShell") {
		t.Errorf("table: code %d, %q", code, out)
	}
	_, errs, code := trawl(t, "attack", "--tactic", "nonsense")
	if code == 0 || !strings.Contains(errs, `--tactic "nonsense"`) {
		t.Errorf("--tactic nonsense: code %d, %q", code, errs)
	}
}
