package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/mattn/go-isatty"
	"github.com/schollz/progressbar/v3"

	"trawl/engine"
	"trawl/importers"
)

// ImportCmd imports files.
type ImportCmd struct {
	OutputFlags
	Source     string            `help:"Label the imported events with this source name (default: the format name)."`
	As         string            `help:"Skip detection and read every file as this format (see 'trawl formats')." name:"as"`
	Option     map[string]string `help:"Format option KEY=VALUE, repeatable (e.g. the CSV column mapping: --option map.time=Timestamp)." short:"o"`
	Workers    int               `help:"Files imported at once (0: one per core)."`
	NoProgress bool              `help:"Never draw a progress bar."`
	MemoryMB   int               `help:"DuckDB memory limit for the import, in MB (the store's cache of written blocks is evicted beyond it; 0: DuckDB's default, 80% of RAM)." name:"memory" default:"384"`
	Paths      []string          `arg:"" help:"Files, folders (read recursively) or glob patterns."`
}

func (c *ImportCmd) Run(g *Globals) error {
	files, err := importers.ExpandPaths(c.Paths)
	if err != nil {
		return exitError{2, err}
	}
	if len(files) == 0 {
		return exitError{2, fmt.Errorf("no files found in %s", strings.Join(c.Paths, ", "))}
	}
	st, err := engine.Open(g.Ctx, g.DB, engine.Options{MemoryMB: c.MemoryMB})
	if err != nil {
		return err
	}
	defer st.Close()

	opt := engine.ImportOptions{Format: c.As, Options: c.Option, Source: c.Source, Workers: c.Workers}
	var bar *progressbar.ProgressBar
	if f, ok := g.Stderr.(*os.File); ok && !c.NoProgress && isatty.IsTerminal(f.Fd()) {
		var total int64
		for _, p := range files {
			if fi, err := os.Stat(p); err == nil {
				total += fi.Size()
			}
		}
		bar = progressbar.NewOptions64(total, progressbar.OptionSetWriter(g.Stderr), progressbar.OptionShowBytes(true),
			progressbar.OptionSetDescription("importing"), progressbar.OptionThrottle(100_000_000), progressbar.OptionClearOnFinish(),
			progressbar.OptionShowCount(), progressbar.OptionSetWidth(30))
		var mu sync.Mutex
		done := map[string]int64{}
		opt.Progress = func(p engine.Progress) {
			mu.Lock()
			defer mu.Unlock()
			delta := p.BytesRead - done[p.File]
			if delta > 0 {
				done[p.File] = p.BytesRead
				bar.Add64(delta)
			}
		}
	}
	results := st.ImportFiles(g.Ctx, files, opt)
	if bar != nil {
		bar.Finish()
	}

	w := c.writer(g.Stdout, []string{"file", "format", "source", "events", "rejects", "status"})
	failed := 0
	var events, rejects int64
	for _, r := range results {
		status := "imported"
		switch {
		case r.Err != nil:
			status = "error: " + r.Err.Error()
			failed++
		case r.Skipped:
			status = "skipped: already imported"
		case r.Rejects > 0:
			status = fmt.Sprintf("imported, %d rejected (trawl rejects --file %q)", r.Rejects, filepath.Base(r.File))
		}
		events += r.Events
		rejects += r.Rejects
		if err := w.Row([]any{r.File, r.Format, r.Source, r.Events, r.Rejects, status}); err != nil {
			return err
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if c.Format == "table" {
		fmt.Fprintf(g.Stderr, "%d files: %d events, %d rejects, %d failed\n", len(results), events, rejects, failed)
	}
	if failed > 0 {
		return exitError{1, fmt.Errorf("%d of %d files could not be imported", failed, len(results))}
	}
	return nil
}
