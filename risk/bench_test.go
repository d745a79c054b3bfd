package risk

import (
	"fmt"
	"math/rand/v2"
	"syscall"
	"testing"
	"time"
)

// cpuTime is the CPU time (user and system) the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchAlerts makes n noise alerts whose population grows with n (a user per 50 alerts, a host
// per 80, a day per 20,000 alerts, at least a week), with the planted stories and a context
// of a few hundred assets and identities.
func benchAlerts(n int) ([]Alert, Context) {
	r := rand.New(rand.NewPCG(uint64(n), 5))
	users := make([]string, max(n/50, 10))
	for i := range users {
		users[i] = fmt.Sprintf("user%06d", i)
	}
	hosts := make([]string, max(n/80, 10))
	ips := make([]string, len(hosts))
	for i := range hosts {
		hosts[i] = fmt.Sprintf("ws%06d", i)
		ips[i] = fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255)
	}
	cx := Context{Assets: map[string]Asset{}, Identities: map[string]Identity{}, Intel: map[int64][]IntelMatch{}}
	for i := 0; i < 300; i++ {
		h := r.IntN(len(hosts))
		as := Asset{Key: hosts[h], Criticality: 1 + r.IntN(5), Owner: users[r.IntN(len(users))]}
		cx.Assets["host:"+hosts[h]], cx.Assets["ip:"+ips[h]] = as, as
		u := users[r.IntN(len(users))]
		cx.Identities[u] = Identity{Key: u, Privileged: r.IntN(5) == 0, NoMFA: r.IntN(4) == 0}
	}
	span := time.Duration(max(7, n/20000)) * 24 * time.Hour
	out := make([]Alert, 0, n+20)
	for i := 0; i < n; i++ {
		nr := &noiseRules[r.IntN(len(noiseRules))]
		t := synthStart.Add(time.Duration(r.Int64N(int64(span))))
		u, h := r.IntN(len(users)), r.IntN(len(hosts))
		a := Alert{ID: int64(i + 1), Rule: nr.name, Title: nr.title, Severity: nr.severity, Confidence: nr.confidence, Attack: nr.attack,
			First: t, Last: t.Add(time.Minute), Events: 1}
		switch r.IntN(3) {
		case 0:
			a.Entities = map[string][]string{"user": {users[u]}, "host": {hosts[h]}}
		case 1:
			a.Entities = map[string][]string{"src_ip": {ips[h]}, "dst_ip": {"10.0.0.5"}, "user": {users[u]}}
		default:
			a.Entities = map[string][]string{"host": {hosts[h]}, "process": {"svchost.exe"}}
		}
		if r.IntN(1000) == 0 {
			cx.Intel[a.ID] = []IntelMatch{{Value: "x", Indicator: "x", Source: "feed", Confidence: 60}}
		}
		out = append(out, a)
	}
	out = append(append(out, intrusionAlerts(int64(n+1))...), insiderAlerts(int64(n+11))...)
	return out, cx
}

// BenchmarkScoreAndGroup scores and groups 100k, 1M and 3M alerts (make bench runs it: go
// test -run '^$' -bench ScoreAndGroup ./risk/). ns/alert is the time per alert: flat or
// growing like log n means the whole stays n log n.
func BenchmarkScoreAndGroup(b *testing.B) {
	for _, size := range []struct {
		name string
		n    int
	}{{"100k", 100_000}, {"1M", 1_000_000}, {"3M", 3_000_000}} {
		b.Run(size.name, func(b *testing.B) {
			alerts, cx := benchAlerts(size.n)
			pol := DefaultPolicy()
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := cpuTime()
			var res *Result
			for b.Loop() {
				res = Run(alerts, cx, pol)
			}
			n := float64(b.N) * float64(len(alerts))
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/n, "ns/alert")
			// CPU time (all threads, GC included) says more than wall time on a shared machine.
			b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/n, "cpu-ns/alert")
			b.ReportMetric(float64(len(res.Incidents)), "incidents")
		})
	}
}
