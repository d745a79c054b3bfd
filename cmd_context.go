package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"trawl/engine"
	"trawl/inventory"
	"trawl/render"
)

// ContextCmd loads and lists the asset and identity context tables.
type ContextCmd struct {
	Import ContextImportCmd `cmd:"" help:"Load asset or identity tables from CSV or JSON files (docs/context.md)."`
	List   ContextListCmd   `cmd:"" help:"List the stored assets and identities."`
}

// ContextImportCmd is trawl context import.
type ContextImportCmd struct {
	OutputFlags
	Kind      string   `help:"assets or identities; by default told by the file's columns." enum:",assets,identities" default:""`
	Files     []string `arg:"" name:"file" help:"CSV (with a header), JSON array or JSON lines files." type:"existingfile"`
	NoRescore bool     `help:"Do not score the alerts again with the new context (run trawl score later)."`
}

func (c *ContextImportCmd) Run(g *Globals) error {
	kind, err := inventory.ParseKind(c.Kind)
	if err != nil {
		return err
	}
	st, err := openStore(g, false)
	if err != nil {
		return err
	}
	defer st.Close()
	w := c.writer(g.Stdout, []string{"file", "kind", "format", "rows", "rejects"})
	var failed int
	for _, f := range c.Files {
		res, err := st.ImportContext(g.Ctx, f, kind)
		if err != nil {
			fmt.Fprintln(g.Stderr, "trawl:", render.Sanitize(err.Error()))
			failed++
			continue
		}
		printRejects(g.Stderr, f, res.Rejects)
		if err := w.Row([]any{res.File, string(res.Kind), res.Format, res.Rows, len(res.Rejects)}); err != nil {
			return err
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if failed < len(c.Files) && !c.NoRescore {
		// assets and identities change the scores (criticality, privileged, leaving, no MFA)
		if err := scoreAgain(g, st, true); err != nil {
			return err
		}
	}
	if failed > 0 {
		return exitError{1, fmt.Errorf("%d of %d files could not be loaded", failed, len(c.Files))}
	}
	return nil
}

// printRejects writes each reject (whose text starts "line N") of file as FILE:N: ..., for
// trawl context import and trawl intel import.
func printRejects[R fmt.Stringer](w io.Writer, file string, rejects []R) {
	for _, r := range rejects {
		fmt.Fprintf(w, "%s:%s\n", file, render.Sanitize(strings.TrimPrefix(r.String(), "line ")))
	}
}

// ContextListCmd is trawl context list.
type ContextListCmd struct {
	OutputFlags
	Kind string `help:"assets or identities; by default both (table and JSON only)." enum:",assets,identities" default:""`
}

func (c *ContextListCmd) Run(g *Globals) error {
	kinds := []inventory.Kind{inventory.Assets, inventory.Identities}
	if c.Kind != "" {
		kinds = []inventory.Kind{inventory.Kind(c.Kind)}
	} else if c.Format == "csv" {
		return errors.New("--format csv lists one table: pass --kind assets or --kind identities")
	}
	st, err := openStore(g, true)
	if err != nil {
		return err
	}
	defer st.Close()
	for i, k := range kinds {
		if i > 0 && c.Format == "table" {
			fmt.Fprintln(g.Stdout)
		}
		cols := engine.ContextColumns[k]
		if c.Kind == "" {
			cols = append([]string{"kind"}, cols...)
		}
		w := c.writer(g.Stdout, cols)
		err := st.ContextTable(g.Ctx, k, func(_ []string, row []any) error {
			if c.Kind == "" {
				row = append([]any{string(k)}, row...)
			}
			return w.Row(listCells(row, c.Format))
		})
		if err != nil {
			return err
		}
		if err := w.Flush(); err != nil {
			return err
		}
	}
	return nil
}

// listCells joins list values with ", " for table and CSV output; JSON keeps them as arrays.
func listCells(row []any, format string) []any {
	if format == "json" {
		return row
	}
	out := make([]any, len(row))
	for i, v := range row {
		if l, ok := v.([]any); ok {
			s := ""
			for j, x := range l {
				if j > 0 {
					s += ", "
				}
				s += render.Text(x)
			}
			v = s
		}
		out[i] = v
	}
	return out
}
