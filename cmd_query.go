package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"trawl/dsl"
	"trawl/render"
)

// QueryCmd runs one hunting-language query (docs/language.md).
type QueryCmd struct {
	OutputFlags
	Query   string `arg:"" help:"The query, e.g. 'logon | where outcome == \"failure\" | stats count() by src_ip'; @FILE reads it from a .hunt file."`
	Explain bool   `help:"Print the SQL and its bound arguments instead of running the query."`
}

// queryError is a query that does not parse or check: printed with the source line and a caret.
type queryError struct{ text string }

func (e queryError) Error() string { return strings.TrimRight(e.text, "\n") }

func (c *QueryCmd) Run(g *Globals) error {
	src, dir := c.Query, ""
	if name, ok := strings.CutPrefix(src, "@"); ok {
		b, err := os.ReadFile(name)
		if err != nil {
			return fmt.Errorf("reading query: %w", err)
		}
		src, dir = string(b), filepath.Dir(name)
	}
	compiled, err := dsl.Build(src, queryCatalogue(dir))
	if err != nil {
		return exitError{code: 2, err: queryError{"invalid query\n" + dsl.FormatError(src, err)}}
	}
	if c.Explain {
		return explain(g.Stdout, compiled)
	}
	st, err := openStore(g, true)
	if err != nil {
		return err
	}
	defer st.Close()
	out := c.stream(g.Stdout)
	if err := st.QueryFunc(g.Ctx, compiled.SQL, compiled.Args, out.row); err != nil {
		return fmt.Errorf("running query: %w", err)
	}
	cols := make([]string, len(compiled.Columns))
	for i, col := range compiled.Columns {
		cols[i] = col.Name
	}
	return out.flush(cols)
}

// explain prints the SQL, then each bound argument as an SQL comment.
func explain(w io.Writer, c *dsl.Compiled) error {
	var b strings.Builder
	b.WriteString(c.SQL)
	b.WriteString(";\n")
	for i, a := range c.Args {
		v := render.Text(a)
		if _, isText := a.(string); isText {
			v = strconv.Quote(v)
		} else if _, isTime := a.(time.Time); isTime {
			v = strconv.Quote(v)
		}
		fmt.Fprintf(&b, "-- $%d = %s (%T)\n", i+1, v, a)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
