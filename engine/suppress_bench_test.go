package engine

import (
	"fmt"
	"testing"
)

// BenchmarkApplySuppressions recomputes alert_suppressions over n generated alerts (1,000
// users, 100 hosts, 20 rules) with three suppressions: one rule-only, one rule glob with a user,
// one matching any rule by host glob.
func BenchmarkApplySuppressions(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			s, err := Open(b.Context(), ":memory:", Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			_, err = s.db.ExecContext(b.Context(), `INSERT INTO alerts (id, run_id, rule, title, severity, confidence, attack, first, last, entities, evidence, sources, created_at)
				SELECT i, 1, 'rule_' || (i % 20), 't', 'low', 0.5, [], NULL, NULL,
					to_json({'user': ['user' || (i % 1000)], 'host': ['host' || (i % 100)], 'src_ip': ['10.0.' || (i % 250) || '.1'], 'dst_ip': [], 'process': [], 'domain': [], 'hash': [], 'target_user': []}),
					[], [], now()
				FROM range(1, ? + 1) t(i)`, n)
			if err != nil {
				b.Fatal(err)
			}
			for _, sp := range []Suppression{
				{Name: "a", Rule: "rule_3", Reason: "r"},
				{Name: "b", Rule: "rule_1*", Entities: []EntityPattern{{"user", "user1*"}}, Reason: "r"},
				{Name: "c", Rule: "*", Entities: []EntityPattern{{"host", "host9?"}}, Reason: "r"},
			} {
				if _, err := s.AddSuppression(b.Context(), sp); err != nil {
					b.Fatal(err)
				}
			}
			var hidden int64
			for b.Loop() {
				if hidden, err = s.ApplySuppressions(b.Context()); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(hidden), "hidden")
		})
	}
}
