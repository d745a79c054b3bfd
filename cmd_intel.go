package main

import (
	"fmt"

	"trawl/engine"
	"trawl/render"
)

// IntelCmd loads, lists and matches threat-intelligence indicators.
type IntelCmd struct {
	Import  IntelImportCmd  `cmd:"" help:"Load indicators from IOC lists, CSV/JSON tables or STIX 2.1 bundles (docs/intel.md)."`
	List    IntelListCmd    `cmd:"" help:"List the stored indicators."`
	Matches IntelMatchesCmd `cmd:"" help:"List events matching a live indicator (addresses by network, domains by parent domain)."`
}

// IntelImportCmd is trawl intel import.
type IntelImportCmd struct {
	OutputFlags
	Source    string   `help:"Feed name for indicators that do not name their own (default: the file's base name)."`
	Files     []string `arg:"" name:"file" help:"Indicator files (.gz, .zst, .bz2 too)." type:"existingfile"`
	NoRescore bool     `help:"Do not score the alerts again with the new indicators (run trawl score later)."`
}

func (c *IntelImportCmd) Run(g *Globals) error {
	st, err := openStore(g, false)
	if err != nil {
		return err
	}
	defer st.Close()
	w := c.writer(g.Stdout, []string{"file", "format", "source", "indicators", "skipped", "rejected"})
	var failed int
	for _, f := range c.Files {
		res, err := st.ImportIntel(g.Ctx, f, c.Source)
		if err != nil {
			fmt.Fprintln(g.Stderr, "trawl:", render.Sanitize(err.Error()))
			failed++
			continue
		}
		printRejects(g.Stderr, f, res.Rejects)
		if err := w.Row([]any{res.File, res.Format, res.Source, res.Indicators, res.Skipped, res.Rejected}); err != nil {
			return err
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if failed < len(c.Files) && !c.NoRescore {
		// intel matches are a scoring factor: alerts on a newly listed address score higher now
		if err := scoreAgain(g, st, true); err != nil {
			return err
		}
	}
	if failed > 0 {
		return exitError{1, fmt.Errorf("%d of %d files could not be loaded", failed, len(c.Files))}
	}
	return nil
}

// IntelListCmd is trawl intel list.
type IntelListCmd struct {
	OutputFlags
}

func (c *IntelListCmd) Run(g *Globals) error {
	st, err := openStore(g, true)
	if err != nil {
		return err
	}
	defer st.Close()
	w := c.writer(g.Stdout, engine.IntelColumns)
	if err := st.IntelTable(g.Ctx, func(_ []string, row []any) error { return w.Row(listCells(row, c.Format)) }); err != nil {
		return err
	}
	return w.Flush()
}

// IntelMatchesCmd is trawl intel matches.
type IntelMatchesCmd struct {
	OutputFlags
	Limit int `help:"At most this many matches (0: all)." default:"1000"`
}

func (c *IntelMatchesCmd) Run(g *Globals) error {
	st, err := openStore(g, true)
	if err != nil {
		return err
	}
	defer st.Close()
	w := c.writer(g.Stdout, engine.IntelMatchColumns)
	if err := st.IntelMatches(g.Ctx, c.Limit, func(_ []string, row []any) error { return w.Row(listCells(row, c.Format)) }); err != nil {
		return err
	}
	return w.Flush()
}
