package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"trawl/generate"
)

// GenerateCmd writes synthetic logs for a small company with embedded attacks.
type GenerateCmd struct {
	Scenario   []string  `help:"Attack scenarios to embed, comma-separated: all, none, or any of ssh-bruteforce, password-spray, encoded-powershell, beaconing, lsass-access, new-service, insider-exfil." default:"all" sep:","`
	Events     int       `help:"Total number of log records to write (baseline plus attacks)." default:"50000"`
	Seed       uint64    `help:"Random seed: the same seed and flags give the same bytes." default:"1"`
	Start      time.Time `help:"First instant of the simulated period (RFC 3339, UTC)." default:"2026-03-02T00:00:00Z" format:"2006-01-02T15:04:05Z07:00"`
	Days       int       `help:"Length of the simulated period in days." default:"7"`
	SyslogTime string    `help:"auth.log timestamps: rfc3164 (Mar  2 08:15:01, no year) or rfc3339 (rsyslog high precision)." enum:"rfc3164,rfc3339" default:"rfc3164"`
	Gzip       bool      `help:"Compress each log file (.gz); the ground truth stays plain JSON."`
	Out        string    `help:"Output folder (created when missing; existing files are overwritten). Beside the logs go the ground truth (scenarios.json) and the company's context for trawl context import (trawl-context-assets.csv, trawl-context-identities.csv)." required:"" type:"path"`
}

func (c *GenerateCmd) Run(g *Globals) error {
	if err := os.MkdirAll(c.Out, 0o755); err != nil {
		return err
	}
	open := generate.DirOpener(c.Out)
	if c.Gzip {
		open = generate.GzipOpener(open)
	}
	begun := time.Now()
	sum, err := generate.Run(g.Ctx, generate.Config{Scenarios: c.Scenario, Events: c.Events, Seed: c.Seed, Start: c.Start, Days: c.Days, SyslogTime: c.SyslogTime},
		open)
	if err != nil {
		return err
	}
	// The company's assets and identities, plain CSV beside the logs (not compressed, like
	// the ground truth), for trawl context import.
	if err := generate.WriteContext(generate.DirOpener(c.Out), sum); err != nil {
		return err
	}
	took := time.Since(begun)
	names := make([]string, 0, len(sum.Files))
	for n := range sum.Files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(g.Stdout, "%-24s %10d records\n", n, sum.Files[n])
	}
	for _, s := range sum.Scenarios {
		fmt.Fprintf(g.Stdout, "scenario %-20s %-10s %s .. %s  %d records\n", s.Scenario, s.Technique,
			s.Start.Format(time.RFC3339), s.End.Format(time.RFC3339), s.Events)
	}
	rate := float64(sum.Events) / took.Seconds()
	fmt.Fprintf(g.Stderr, "%d records in %s (%.0f records/s); ground truth in %s; the company's context (trawl context import) in %s and %s\n", sum.Events,
		took.Round(time.Millisecond), rate, filepath.Join(c.Out, generate.TruthFile),
		filepath.Join(c.Out, generate.AssetsFile), filepath.Join(c.Out, generate.IdentitiesFile))
	return nil
}
