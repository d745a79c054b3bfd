package risk

import (
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"runtime/debug"
	"slices"
	"strings"
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

// freshHeap collects the garbage and gives the free memory back to the system, so that every
// run gets its memory as a new process would, faulting its pages in (system time). Without
// it, a size after a larger one would reuse memory the larger one left and skip that cost,
// while the largest size always pays it: its growth would look worse than it is.
func freshHeap() { debug.FreeOSMemory() }

// growthRuns is how many rounds the growth table takes the best of: the machine may be busy,
// and the fastest run is the one least disturbed.
const growthRuns = 3

// BenchmarkScoreAndGroup scores and groups 100k, 1M and 3M alerts (make bench runs it: go
// test -run '^$' -bench ScoreAndGroup ./risk/). ns/alert is the time per alert: flat or
// growing like log n means the whole stays n log n. After the sizes, it runs all of them that
// ran again in growthRuns rounds (each round every size once, so that a busy spell on the
// machine falls on all sizes alike, each on a fresh input) and prints the best CPU time of each (user and system,
// all threads, GC included: wall time says little on a shared machine) in a table of the
// growth from size to size against what n log n predicts.
func BenchmarkScoreAndGroup(b *testing.B) {
	var ran []int
	for _, size := range []struct {
		name string
		n    int
	}{{"100k", 100_000}, {"1M", 1_000_000}, {"3M", 3_000_000}} {
		b.Run(size.name, func(b *testing.B) {
			alerts, cx := benchAlerts(size.n)
			pol := DefaultPolicy()
			var res *Result
			var cpuSum time.Duration
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				// The garbage of the run before is collected outside the time, and its
				// memory given back (see freshHeap).
				b.StopTimer()
				res = nil
				freshHeap()
				b.StartTimer()
				c0 := cpuTime()
				res = Run(alerts, cx, pol)
				cpuSum += cpuTime() - c0
			}
			n := float64(b.N) * float64(len(alerts))
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/n, "ns/alert")
			b.ReportMetric(float64(cpuSum.Nanoseconds())/n, "cpu-ns/alert")
			b.ReportMetric(float64(len(res.Incidents)), "incidents")
			if !slices.Contains(ran, size.n) {
				ran = append(ran, size.n)
			}
		})
	}
	if len(ran) < 2 {
		return
	}
	// One input at a time, made again each round: with all of them kept, the small sizes
	// would run in a heap that the large inputs make big, and so with almost no GC.
	pol := DefaultPolicy()
	best := map[int]time.Duration{}
	for round := 0; round < growthRuns; round++ {
		for _, n := range ran {
			alerts, cx := benchAlerts(n)
			freshHeap()
			c0 := cpuTime()
			Run(alerts, cx, pol)
			d := cpuTime() - c0
			if old, ok := best[len(alerts)]; !ok || d < old {
				best[len(alerts)] = d
			}
		}
	}
	fmt.Print(growthTable(best))
}

// growthTable shows the best CPU time per size, per alert, and each step's growth next to
// what n log n predicts for it ("ratio" is measured over predicted: 1.00 or less is n log n
// or better).
func growthTable(best map[int]time.Duration) string {
	sizes := slices.Sorted(maps.Keys(best))
	var b strings.Builder
	fmt.Fprintf(&b, "score and group, best of %d rounds, CPU time (user+sys, GC included):\n", growthRuns)
	fmt.Fprintf(&b, "%10s %9s %9s %8s %16s %7s\n", "alerts", "cpu s", "µs/alert", "step", "n log n predicts", "ratio")
	for k, n := range sizes {
		t := best[n]
		fmt.Fprintf(&b, "%10d %9.2f %9.2f", n, t.Seconds(), float64(t.Nanoseconds())/float64(n)/1000)
		if k > 0 {
			p := sizes[k-1]
			step := float64(t) / float64(best[p])
			predicted := float64(n) * math.Log(float64(n)) / (float64(p) * math.Log(float64(p)))
			fmt.Fprintf(&b, " %7.2fx %15.2fx %7.2f", step, predicted, step/predicted)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// TestGrowthTable checks the table's arithmetic: from 100,000 to 1,000,000 alerts n log n
// predicts 12 times the time (ten times as many, each costing 6/5 as much).
func TestGrowthTable(t *testing.T) {
	got := growthTable(map[int]time.Duration{100_000: 200 * time.Millisecond, 1_000_000: 2400 * time.Millisecond, 3_000_000: 9 * time.Second})
	for _, want := range []string{
		"    100000      0.20      2.00\n",
		"   1000000      2.40      2.40   12.00x           12.00x    1.00\n",
		"   3000000      9.00      3.00    3.75x            3.24x    1.16\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("growth table lacks %q:\n%s", want, got)
		}
	}
}
