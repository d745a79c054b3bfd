package main

import (
	"fmt"
	"time"

	"trawl/engine"
)

func init() {
	registerCommand("features", "Derived event features (docs/features.md): recompute them, list the columns hunts can use.",
		func() any { return &FeaturesCmd{} })
}

// FeaturesCmd is trawl features.
type FeaturesCmd struct {
	Rebuild FeaturesRebuildCmd `cmd:"" help:"Compute every event's features and the sessions again (after trawl context import, or to refresh history-based features)."`
	Update  FeaturesUpdateCmd  `cmd:"" help:"Compute the features of events that have none yet (import does this itself)."`
}

// featurePass is the flags of trawl features rebuild and update.
type featurePass struct {
	OutputFlags
	Steps bool `help:"Print the time of each step of the pass on stderr."`
}

// FeaturesRebuildCmd is trawl features rebuild.
type FeaturesRebuildCmd struct{ featurePass }

func (c *FeaturesRebuildCmd) Run(g *Globals) error { return c.run(g, true) }

// FeaturesUpdateCmd is trawl features update.
type FeaturesUpdateCmd struct{ featurePass }

func (c *FeaturesUpdateCmd) Run(g *Globals) error { return c.run(g, false) }

// run computes the features of every event (all) or of those without any yet.
func (c featurePass) run(g *Globals, all bool) error {
	st, err := openExistingStore(g)
	if err != nil {
		return err
	}
	defer st.Close()
	var fs engine.FeatureStats
	if all {
		fs, err = st.RebuildFeatures(g.Ctx)
	} else {
		fs, err = st.UpdateFeatures(g.Ctx)
	}
	if err != nil {
		return err
	}
	w := c.writer(g.Stdout, []string{"events", "decoded_in_go", "sessions", "features_ms", "sessions_ms"})
	if err := w.Row([]any{fs.Events, fs.Decoded, fs.Sessions, fs.Features.Milliseconds(), fs.Session.Milliseconds()}); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if c.Format == "table" {
		fmt.Fprintf(g.Stderr, "features of %d events in %s, %d sessions in %s\n", fs.Events, fs.Features.Round(time.Millisecond), fs.Sessions, fs.Session.Round(time.Millisecond))
	}
	if c.Steps {
		for _, s := range fs.Steps {
			fmt.Fprintf(g.Stderr, "  %-16s %s\n", s.Name, s.Duration.Round(time.Millisecond))
		}
	}
	return nil
}
