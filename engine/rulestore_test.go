package engine

import (
	"fmt"
	"slices"
	"testing"
)

// TestSaveRulesBatch checks SaveRules over more rules than one insert batch, with a key given
// twice in one call (the second compared with what the first stored, its enabled flag kept),
// and a second call that leaves an unchanged rule's update time alone.
func TestSaveRulesBatch(t *testing.T) {
	st, _ := openTemp(t)
	ctx := t.Context()
	rule := func(i int, yaml string, enabled bool) StoredRule {
		return StoredRule{Key: fmt.Sprintf("k%03d", i), Name: fmt.Sprintf("r%03d", i), Title: "t", Kind: "detection", Severity: "low",
			Outcome: "compiled", Licence: "DRL", File: "f.yml", YAML: yaml, Hunt: "rule r {}", Enabled: enabled, Attack: []string{"T1110"}}
	}
	var rules []StoredRule
	for i := range insertBatch + 44 {
		rules = append(rules, rule(i, "a", true))
	}
	rules = append(rules, rule(0, "b", false), rule(1, "a", false))
	got, err := st.SaveRules(ctx, rules)
	if err != nil {
		t.Fatal(err)
	}
	want := slices.Repeat([]string{RuleAdded}, insertBatch+44)
	want = append(want, RuleUpdated, RuleUnchanged)
	if !slices.Equal(got, want) {
		t.Fatalf("first save: %v", got)
	}
	stored := map[string]StoredRule{}
	if err := st.StoredRules(ctx, func(r StoredRule) error { stored[r.Key] = r; return nil }); err != nil {
		t.Fatal(err)
	}
	if len(stored) != insertBatch+44 {
		t.Fatalf("%d rules stored, want %d", len(stored), insertBatch+44)
	}
	if r := stored["k000"]; r.YAML != "b" || !r.Enabled || !slices.Equal(r.Attack, []string{"T1110"}) || r.SigmaID != "" {
		t.Errorf("k000 stored as %+v, want the second YAML and the first enabled flag", r)
	}
	got, err = st.SaveRules(ctx, []StoredRule{rule(1, "a", false), rule(2, "c", false), rule(999, "a", false)})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, []string{RuleUnchanged, RuleUpdated, RuleAdded}) {
		t.Errorf("second save: %v", got)
	}
	after := map[string]StoredRule{}
	if err := st.StoredRules(ctx, func(r StoredRule) error { after[r.Key] = r; return nil }); err != nil {
		t.Fatal(err)
	}
	if k1 := after["k001"]; !k1.UpdatedAt.Equal(stored["k001"].UpdatedAt) || !k1.Enabled {
		t.Errorf("unchanged k001: %+v, was %+v", k1, stored["k001"])
	}
	if k2 := after["k002"]; k2.YAML != "c" || !k2.Enabled || !k2.ImportedAt.Equal(stored["k002"].ImportedAt) {
		t.Errorf("updated k002: %+v", k2)
	}
	if len(after) != insertBatch+45 || after["k999"].Enabled {
		t.Errorf("%d rules after the second save, k999 %+v", len(after), after["k999"])
	}
}
