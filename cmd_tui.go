package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"

	tea "charm.land/bubbletea/v2"
	"github.com/mattn/go-isatty"

	"trawl/cases"
	"trawl/engine"
	"trawl/themes"
	"trawl/tui"
	"trawl/tui/casefile"
	tuicases "trawl/tui/cases"
	"trawl/tui/importer"
	"trawl/tui/workbench"
)

// TuiCmd opens the workbench. It is the default command: `trawl` with no arguments runs it.
type TuiCmd struct {
	Theme string `help:"Colour theme: dark, light, high-contrast (colour-blind safe) or no-color. Default: $TRAWL_THEME, else dark; NO_COLOR turns colour off." placeholder:"NAME"`
	Rules string `help:"Folder the hunt console saves rules into (ctrl+s); saving is off without it." type:"path" placeholder:"DIR"`
	Debug string `help:"Append a log of every query the workbench runs (time taken, errors, stale results dropped) to FILE." type:"path" placeholder:"FILE"`
	Write bool   `help:"Open the store for writing, so case files can be opened and edited (DuckDB then keeps other trawl processes out of it until the workbench quits)."`
}

func init() {
	registerCommand("tui", "Open the workbench: triage queue, alert detail, pivots, timelines, hunt console (the default command).",
		func() any { return &TuiCmd{} }, `default:"withargs"`)
}

// errNoTerminal is returned when the workbench is asked for without a terminal to draw on.
var errNoTerminal = errors.New("the workbench needs a terminal on stdin and stdout; run a subcommand instead (trawl --help lists them)")

func (c *TuiCmd) Run(g *Globals) error {
	th, err := themes.Choose(c.Theme, "")
	if err != nil {
		return exitError{code: 2, err: err}
	}
	out, ok := g.Stdout.(*os.File)
	if !ok || !isatty.IsTerminal(out.Fd()) || !isatty.IsTerminal(os.Stdin.Fd()) {
		return exitError{code: 2, err: errNoTerminal}
	}
	opt := workbench.Options{DB: g.DB, RulesDir: c.Rules}
	if c.Debug != "" {
		f, err := os.OpenFile(c.Debug, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
		if err != nil {
			return fmt.Errorf("debug log: %w", err)
		}
		defer f.Close()
		opt.Log = log.New(f, "trawl tui: ", log.LstdFlags|log.Lmicroseconds)
	}
	st, err := openStore(g, !c.Write)
	if err != nil {
		return err
	}
	defer st.Close()
	// Case files: without --write the store is read-only, so every write fails and the case file
	// says so.
	var dirs []string
	if d := os.Getenv("TRAWL_PLAYBOOKS"); d != "" {
		dirs = append(dirs, d)
	}
	pbs, err := cases.Load(dirs...)
	if err != nil {
		return err
	}
	author := os.Getenv("TRAWL_ANALYST")
	if author == "" {
		author = os.Getenv("USER")
	}
	opt.Desk = casefile.NewDesk(casefile.StoreSource{S: st, Author: author, Playbooks: pbs})
	return runWorkbench(g.Ctx, st, th, opt, os.Stdin, out)
}

// runWorkbench runs the workbench over st until the analyst quits, reading keys from in and
// drawing on out; more program options (a fixed size, a colour profile) are for tests.
func runWorkbench(ctx context.Context, st *engine.Store, th *themes.Theme, opt workbench.Options, in io.Reader, out io.Writer, more ...tea.ProgramOption) error {
	opt.Engine = st
	// Screens whose packages test themselves inside the workbench root come from here, since the
	// root cannot import them.
	opt.Factories = map[string]workbench.Factory{
		"import": func(c *tui.Context, _ tui.Target) (tui.Screen, error) { return importer.NewScreen(c, st, ""), nil },
	}
	if opt.Desk != nil {
		desk := opt.Desk
		opt.Factories["cases"] = func(c *tui.Context, _ tui.Target) (tui.Screen, error) { return tuicases.New(c, desk.Src), nil }
	}
	m := workbench.New(tui.NewContext(tui.EngineStore{S: st}, th), opt)
	p := tea.NewProgram(m, append([]tea.ProgramOption{tea.WithContext(ctx), tea.WithInput(in), tea.WithOutput(out)}, more...)...)
	if _, err := p.Run(); err != nil && !errors.Is(err, tea.ErrProgramKilled) {
		return fmt.Errorf("workbench: %w", err)
	}
	return nil
}
