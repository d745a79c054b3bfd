package main

import (
	"bufio"
	"fmt"
	"os"

	"trawl/importers/evtx"
)

// EvtxCmd groups the EVTX tools.
type EvtxCmd struct {
	Dump EvtxDumpCmd `cmd:"" help:"Print every record of an .evtx file exactly, as JSON lines or XML (as python-evtx prints them)."`
}

// EvtxDumpCmd prints the records of one EVTX file.
type EvtxDumpCmd struct {
	Format string `help:"Output: json (one record per line) or xml." enum:"json,xml" default:"json" short:"f"`
	File   string `arg:"" help:"The .evtx file." type:"existingfile"`
}

func (c *EvtxDumpCmd) Run(g *Globals) error {
	f, err := os.Open(c.File)
	if err != nil {
		return err
	}
	defer f.Close()
	var rejects int
	err = evtx.Dump(g.Ctx, g.Stdout, bufio.NewReaderSize(f, 1<<20), c.Format, func(r evtx.Reject) {
		rejects++
		fmt.Fprintf(g.Stderr, "%s: %s\n", c.File, r.Error())
	})
	if err != nil {
		return fmt.Errorf("%s: %w", c.File, err)
	}
	if rejects > 0 {
		return exitError{1, fmt.Errorf("%s: %d chunks or records could not be read (listed above)", c.File, rejects)}
	}
	return nil
}
