// Package generate writes realistic, seeded security logs for a small company, in the real
// formats trawl imports (Linux auth.log, Windows Security/Sysmon/System JSON lines in the
// Mordor winlogbeat shape, Zeek conn/dns JSON, an Apache combined access log, CloudTrail),
// with attack scenarios embedded in the benign baseline and a ground-truth file
// (scenarios.json) naming each one's technique, time range and entities.
//
// The output is a pure function of Config: the same seed, event count, scenarios, start and
// span give the same bytes. Nothing reads the wall clock. Writing is streamed: memory does not
// grow with the number of events.
package generate

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"time"
)

// DefaultStart is the default first instant of the simulated period: a Monday at midnight UTC.
var DefaultStart = time.Date(2026, time.March, 2, 0, 0, 0, 0, time.UTC)

// Config says what to generate.
type Config struct {
	// Scenarios to embed, by name; empty or "all" means every scenario, "none" only baseline.
	Scenarios []string
	// Events is the total number of records written (baseline plus attacks). When the chosen
	// scenarios alone need more, they are written in full and no baseline is added.
	Events int
	Seed   uint64
	// Start is the beginning of the simulated period (DefaultStart when zero); Days its length
	// (7 when zero).
	Start time.Time
	Days  int
	// SyslogTime is the auth.log timestamp: "rfc3164" ("Mar  2 08:15:01", no year; the
	// default) or "rfc3339" ("2026-03-02T08:15:01.123456+00:00", rsyslog's high-precision
	// format, the default on current Debian and Ubuntu).
	SyslogTime string
}

// Truth is the ground truth of one embedded scenario, as written to scenarios.json.
type Truth struct {
	Scenario    string              `json:"scenario"`
	Technique   string              `json:"technique"`
	Techniques  []string            `json:"techniques"`
	Description string              `json:"description"`
	Start       time.Time           `json:"start"`
	End         time.Time           `json:"end"`
	Events      int64               `json:"events"`
	Files       []string            `json:"files"` // output names, before any .gz suffix
	Entities    map[string][]string `json:"entities"`
}

// Summary is what Run wrote.
type Summary struct {
	Seed      uint64           `json:"seed"`
	Start     time.Time        `json:"start"`
	End       time.Time        `json:"end"`
	Events    int64            `json:"events"`
	Files     map[string]int64 `json:"files"` // records per output (CloudTrail: per folder)
	Scenarios []Truth          `json:"scenarios"`
	// Leaving is the last day (the time the account is disabled) of each employee who resigns
	// in the period: the insider of insider-exfil. It goes into the identities context file
	// (WriteContext), not into the ground truth.
	Leaving map[string]time.Time `json:"-"`
}

// Output names, relative to the output folder.
const (
	AuthLog       = "linux/auth.log"
	SecurityLog   = "windows/security.json"
	SysmonLog     = "windows/sysmon.json"
	SystemLog     = "windows/system.json"
	ConnLog       = "zeek/conn.log"
	DNSLog        = "zeek/dns.log"
	AccessLog     = "web/access.log"
	CloudTrailDir = "cloudtrail"
	TruthFile     = "scenarios.json"
)

// gen is one generation run.
type gen struct {
	cfg   Config
	defs  []*scenarioDef
	open  Opener
	out   *writer
	w     *world
	r     *rand.Rand // the current random stream (baseline or a scenario's own)
	base  *rand.Rand
	start time.Time
	end   time.Time

	auth, security, sysmon, system, conn, dns, web, cloud *stream
	streams                                               []*stream

	seq      uint64
	baseLeft int64  // baseline records still to write
	scenario *Truth // the scenario being emitted, nil for baseline
	touched  map[*stream]bool
	pushed   int64

	peakPending int // most records ever waiting in the reorder buffers (for tests)

	leaving map[string]time.Time // Summary.Leaving
}

// Names lists the scenarios in the order they are embedded.
func Names() []string {
	out := make([]string, len(scenarios))
	for i, s := range scenarios {
		out[i] = s.name
	}
	return out
}

func selectScenarios(names []string) ([]*scenarioDef, error) {
	if len(names) == 0 || (len(names) == 1 && (names[0] == "all" || names[0] == "")) {
		out := make([]*scenarioDef, len(scenarios))
		for i := range scenarios {
			out[i] = &scenarios[i]
		}
		return out, nil
	}
	if len(names) == 1 && names[0] == "none" {
		return nil, nil
	}
	var out []*scenarioDef
	for _, n := range names {
		found := false
		for i := range scenarios {
			if scenarios[i].name == n {
				if !slices.Contains(out, &scenarios[i]) {
					out = append(out, &scenarios[i])
				}
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("unknown scenario %q (known: all, none, %s)", n, strings.Join(Names(), ", "))
		}
	}
	// Keep the canonical order whatever order they were asked in.
	sort.Slice(out, func(i, j int) bool { return out[i].order < out[j].order })
	return out, nil
}

// Run generates cfg's logs through open and writes scenarios.json beside them.
func Run(ctx context.Context, cfg Config, open Opener) (*Summary, error) {
	g, err := newGen(cfg, open)
	if err != nil {
		return nil, err
	}
	return g.run(ctx)
}

func newGen(cfg Config, open Opener) (*gen, error) {
	if cfg.Events < 0 {
		return nil, fmt.Errorf("events must not be negative")
	}
	if cfg.Start.IsZero() {
		cfg.Start = DefaultStart
	}
	if cfg.Days == 0 {
		cfg.Days = 7
	}
	if cfg.Days < 1 || cfg.Days > 366 {
		return nil, fmt.Errorf("days must be between 1 and 366, not %d", cfg.Days)
	}
	switch cfg.SyslogTime {
	case "":
		cfg.SyslogTime = "rfc3164"
	case "rfc3164", "rfc3339":
	default:
		return nil, fmt.Errorf("syslog time must be rfc3164 or rfc3339, not %q", cfg.SyslogTime)
	}
	defs, err := selectScenarios(cfg.Scenarios)
	if err != nil {
		return nil, err
	}
	g := &gen{cfg: cfg, defs: defs, open: open, w: newWorld(), start: cfg.Start.UTC(), touched: map[*stream]bool{},
		leaving: map[string]time.Time{}}
	g.end = g.start.Add(time.Duration(cfg.Days) * 24 * time.Hour)
	g.out = newWriter()
	g.base = rand.New(rand.NewPCG(cfg.Seed, 0x9e3779b97f4a7c15))
	g.auth = newStream(AuthLog, linesKind, open, g.out)
	g.security = newStream(SecurityLog, linesKind, open, g.out)
	g.sysmon = newStream(SysmonLog, linesKind, open, g.out)
	g.system = newStream(SystemLog, linesKind, open, g.out)
	g.conn = newStream(ConnLog, linesKind, open, g.out)
	g.dns = newStream(DNSLog, linesKind, open, g.out)
	g.web = newStream(AccessLog, linesKind, open, g.out)
	g.cloud = newStream(CloudTrailDir, cloudTrailKind, open, g.out)
	g.cloud.ctAccount = awsAccount
	g.cloud.ctRand = rand.New(rand.NewPCG(cfg.Seed, 0xc10d))
	g.streams = []*stream{g.auth, g.security, g.sysmon, g.system, g.conn, g.dns, g.web, g.cloud}
	return g, nil
}

func (g *gen) run(ctx context.Context) (*Summary, error) {
	// Attacks first: each scenario draws from its own random stream (so choosing scenarios
	// or changing --events does not change any one of them) and its records wait in the
	// streams' heaps until the baseline clock reaches them.
	var truths []Truth
	for _, d := range g.defs {
		tr := Truth{Scenario: d.name, Technique: d.techniques[0], Techniques: d.techniques, Description: d.description, Entities: map[string][]string{}}
		g.scenario = &tr
		clear(g.touched)
		g.r = rand.New(rand.NewPCG(g.cfg.Seed, fnvHash("scenario:"+d.name)))
		d.run(g, &tr)
		for _, s := range g.streams {
			if g.touched[s] {
				tr.Files = append(tr.Files, s.name)
			}
		}
		for k, v := range tr.Entities {
			slices.Sort(v)
			tr.Entities[k] = slices.Compact(v)
		}
		truths = append(truths, tr)
	}
	g.scenario = nil
	g.baseLeft = int64(g.cfg.Events) - g.pushed
	g.r = g.base

	if err := g.baseline(ctx); err != nil {
		for _, s := range g.streams {
			s.close()
		}
		g.out.finish()
		return nil, err
	}
	sum := &Summary{Seed: g.cfg.Seed, Start: g.start, End: g.end, Files: map[string]int64{}, Scenarios: truths, Leaving: g.leaving}
	var errs []error
	for _, s := range g.streams {
		if err := s.close(); err != nil {
			errs = append(errs, err)
		}
		if s.events > 0 {
			sum.Files[s.name] = s.events
		}
		sum.Events += s.events
	}
	if err := g.out.finish(); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return nil, errs[0]
	}
	if sum.Scenarios == nil {
		sum.Scenarios = []Truth{}
	}
	if err := writeTruth(g.open, sum); err != nil {
		return nil, err
	}
	return sum, nil
}

func writeTruth(open Opener, sum *Summary) error {
	b, err := json.MarshalIndent(sum, "", "  ")
	if err != nil {
		return err
	}
	wc, err := open(TruthFile)
	if err != nil {
		return fmt.Errorf("creating %s: %w", TruthFile, err)
	}
	_, err = wc.Write(append(b, '\n'))
	if cerr := wc.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", TruthFile, err)
	}
	return nil
}

// allow reports whether the next record may be written: baseline records stop when the
// --events budget is spent; attack records are always written.
func (g *gen) allow() bool {
	if g.scenario != nil {
		return true
	}
	if g.baseLeft <= 0 {
		return false
	}
	g.baseLeft--
	return true
}

// push queues a formatted record, keeping the scenario's time range and file list.
func (g *gen) push(s *stream, t time.Time, b []byte) {
	g.seq++
	g.pushed++
	s.push(t, g.seq, b)
	if tr := g.scenario; tr != nil {
		tr.Events++
		g.touched[s] = true
		if tr.Start.IsZero() || t.Before(tr.Start) {
			tr.Start = t
		}
		if t.After(tr.End) {
			tr.End = t
		}
	}
}

// entity records a ground-truth entity of the running scenario.
func (g *gen) entity(kind string, values ...string) {
	if g.scenario != nil {
		g.scenario.Entities[kind] = append(g.scenario.Entities[kind], values...)
	}
}

// at places a scenario at fraction f of the simulated period, moved into working hours
// (hour h of that day, plus up to 50 random minutes) when the period spans whole days.
func (g *gen) at(f float64, hour int) time.Time {
	t := g.start.Add(time.Duration(f * float64(g.end.Sub(g.start))))
	day := t.Truncate(24 * time.Hour)
	// Weekend: the next Monday, or the Friday before when Monday is past the end.
	switch day.Weekday() {
	case time.Saturday:
		if day.Add(48 * time.Hour).Before(g.end.Add(-24 * time.Hour)) {
			day = day.Add(48 * time.Hour)
		} else if day.Add(-24 * time.Hour).After(g.start) {
			day = day.Add(-24 * time.Hour)
		}
	case time.Sunday:
		if day.Add(24 * time.Hour).Before(g.end.Add(-24 * time.Hour)) {
			day = day.Add(24 * time.Hour)
		} else if day.Add(-48 * time.Hour).After(g.start) {
			day = day.Add(-48 * time.Hour)
		}
	}
	t = day.Add(time.Duration(hour)*time.Hour + time.Duration(g.r.IntN(50*60))*time.Second)
	if !t.Before(g.end) {
		t = g.end.Add(-6 * time.Hour)
	}
	if t.Before(g.start) {
		t = g.start
	}
	return t
}

// jitter returns t plus a random duration in [0, d).
func (g *gen) jitter(t time.Time, d time.Duration) time.Time {
	if d <= 0 {
		return t
	}
	return t.Add(time.Duration(g.r.Int64N(int64(d))))
}

func (g *gen) pick(list []string) string { return list[g.r.IntN(len(list))] }

func (g *gen) ephemeralPort() int { return 49152 + g.r.IntN(16000) }
