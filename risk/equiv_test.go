package risk

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"trawl/internal/testutil"
)

// randomAlerts makes n alerts meant to reach every branch of Run rather than to look real:
// shuffled ids, shared and missing times, every entity kind (unknown ones too) with repeated
// and too many values, aliases and assets (networks, addresses of hosts, owners), intel with
// several matches, measures, suppressions, unknown severities and ATT&CK ids, and alerts
// without entities.
func randomAlerts(n int, seed uint64) ([]Alert, Context) {
	r := rand.New(rand.NewPCG(seed, 17))
	pool := func(prefix string, k int) []string {
		out := make([]string, k)
		for i := range out {
			out[i] = fmt.Sprintf("%s%d", prefix, i)
		}
		return out
	}
	kinds := map[string][]string{
		"user": pool("u", 40), "target_user": pool("u", 40), "host": pool("h", 30), "src_ip": pool("10.0.0.", 30),
		"dst_ip": pool("10.0.0.", 30), "domain": pool("d", 15), "process": pool("p.exe", 6), "hash": pool("x", 20),
		"url": pool("https://e/", 5), "cloud_account": pool("acct", 5),
	}
	kindNames := []string{"user", "target_user", "host", "src_ip", "dst_ip", "domain", "process", "hash", "url", "cloud_account"}
	severities := []string{"info", "low", "low", "medium", "medium", "high", "critical", "High", "weird"}
	attackIDs := []string{"T1110", "T1110.001", "T1021.002", "T1059.001", "T1567.002", "T1039", "TA0010", "T1003.001", "attack.t9999", "T1078"}
	cx := Context{Assets: map[string]Asset{}, Identities: map[string]Identity{}, Intel: map[int64][]IntelMatch{}}
	for i := 0; i < 30; i++ {
		h, ip := kinds["host"][i], kinds["src_ip"][i]
		as := Asset{Key: h, Criticality: r.IntN(6), InternetFacing: r.IntN(5) == 0, Vulnerabilities: r.IntN(3) * r.IntN(2)}
		if r.IntN(2) == 0 {
			as.Owner = kinds["user"][r.IntN(40)]
		}
		switch r.IntN(4) {
		case 0:
			cx.Assets["host:"+h] = as
		case 1:
			cx.Assets["host:"+h], cx.Assets["ip:"+ip] = as, as
		case 2:
			cx.Assets["ip:"+ip] = Asset{Key: "10.0.0.0/24", Criticality: 2, Network: true}
		}
	}
	for i := 0; i < 40; i++ {
		u := kinds["user"][i]
		id := Identity{Key: u, Privileged: r.IntN(5) == 0, ServiceAccount: r.IntN(6) == 0, NoMFA: r.IntN(4) == 0}
		switch r.IntN(8) {
		case 0:
			id.Status = "leaving"
		case 1:
			id.LeaveDate = time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
		case 2:
			id.Key = kinds["user"][r.IntN(10)] // an alias of another identity
		}
		if r.IntN(3) > 0 {
			cx.Identities[u] = id
		}
	}
	start := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	span := int64(10 * 24 * time.Hour)
	ids := r.Perm(n)
	out := make([]Alert, n)
	for i := range out {
		rule := r.IntN(25)
		if r.IntN(3) == 0 {
			rule = r.IntN(4) // a few rules make most alerts
		}
		a := Alert{ID: int64(ids[i]*3 + 1), Rule: fmt.Sprintf("rule%02d", rule), Title: fmt.Sprintf("Rule %d fired.", rule),
			Severity: severities[rule%len(severities)], Confidence: []float64{1, 0.8, 0.5, 0.3, 0, -1}[rule%6], Events: r.IntN(50)}
		for k := rule % 3; k < 3; k++ {
			a.Attack = append(a.Attack, attackIDs[(rule*7+k)%len(attackIDs)])
		}
		if r.IntN(40) > 0 {
			// Coarse times so that many alerts share one, and the id decides.
			t := start.Add(time.Duration(r.Int64N(span) / int64(time.Hour) * int64(time.Hour)))
			a.First, a.Last = t, t.Add(time.Duration(r.IntN(4))*time.Hour)
			if r.IntN(10) == 0 {
				a.Last = time.Time{}
			}
		}
		if r.IntN(30) > 0 {
			a.Entities = map[string][]string{}
			for k := 1 + r.IntN(3); k > 0; k-- {
				kind := kindNames[r.IntN(len(kindNames))]
				if k == 1 && r.IntN(2) == 0 {
					kind = "user"
				}
				vals := kinds[kind]
				m := 1
				if r.IntN(15) == 0 {
					m = 2 + r.IntN(9) // sometimes more than wide_values
				}
				for ; m > 0; m-- {
					// Low values are picked far more often, so some entities become hubs.
					a.Entities[kind] = append(a.Entities[kind], vals[min(r.IntN(len(vals)), r.IntN(len(vals)))])
				}
			}
		}
		if r.IntN(8) == 0 {
			a.Measure = float64(r.IntN(12)) / 10
			if r.IntN(2) == 0 {
				a.MeasureNote = fmt.Sprintf("z-score %d", r.IntN(40))
			}
		}
		if r.IntN(25) == 0 {
			a.Suppressed = []string{"scanner", "backup job"}[r.IntN(2)]
		}
		if r.IntN(30) == 0 {
			for k := r.IntN(3); k >= 0; k-- {
				cx.Intel[a.ID] = append(cx.Intel[a.ID], IntelMatch{Value: "v", Indicator: fmt.Sprintf("ind%d", r.IntN(4)), Source: "feed",
					Confidence: []int{-1, 20, 50, 90}[r.IntN(4)]})
			}
		}
		out[i] = a
	}
	return out, cx
}

// TestRunEquivalence scores randomized inputs under two policies and compares a digest of
// the whole result (every scored alert with its factors, every incident, every entity risk
// and the summary) with testdata/equiv.golden. The digests were written by the first,
// straightforward implementation of Run (string-keyed maps throughout, commit 722cfb4), so
// the faster one must give byte-identical results, ordering included.
func TestRunEquivalence(t *testing.T) {
	tight := DefaultPolicy()
	tight.Grouping.HubShare, tight.Grouping.HubMinAlerts, tight.Grouping.WideValues = 0.02, 5, 2
	tight.EntityRisk.Percentile, tight.EntityRisk.Threshold = 0, 60
	var b strings.Builder
	for _, tc := range []struct {
		n    int
		seed uint64
	}{{1, 1}, {50, 2}, {400, 3}, {3000, 4}, {6000, 5}} {
		alerts, cx := randomAlerts(tc.n, tc.seed)
		for pi, pol := range []Policy{DefaultPolicy(), tight} {
			res := Run(alerts, cx, pol)
			js, err := json.Marshal(res)
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&b, "n=%d seed=%d policy=%d incidents=%d entities=%d hubs=%d sha256=%x\n", tc.n, tc.seed, pi,
				len(res.Incidents), len(res.Entities), res.Summary.Hubs, sha256.Sum256(js))
		}
	}
	// Benchmark input too, with its context.
	alerts, cx := benchAlerts(20_000)
	res := Run(alerts, cx, DefaultPolicy())
	js, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&b, "bench n=%d incidents=%d entities=%d sha256=%x\n", len(alerts), len(res.Incidents), len(res.Entities), sha256.Sum256(js))
	testutil.Golden(t, "testdata/equiv.golden", []byte(b.String()))
}
