package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/mattn/go-isatty"

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
	Theme    string `help:"Colour theme: dark, light, high-contrast (colour-blind safe) or no-color. Default: $TRAWL_THEME, else dark; NO_COLOR turns colour off." placeholder:"NAME"`
	Rules    string `help:"Folder the hunt console saves rules into (ctrl+s); saving is off without it." type:"path" placeholder:"DIR"`
	Debug    string `help:"Append a log of every query the workbench runs (time taken, errors, stale results dropped) to FILE." type:"path" placeholder:"FILE"`
	Write    bool   `help:"Open the store for writing or fail (it is created if missing). Without --write or --read-only the workbench opens for writing when it can, and read-only (saying so) when the file is not writable or another trawl process holds it." xor:"access"`
	ReadOnly bool   `name:"read-only" help:"Open the store read-only: browse and hunt, but no case edits, triage or imports; other trawl processes may read it meanwhile." xor:"access"`
	MemoryMB int    `help:"DuckDB memory limit in MB when the store is open for writing (imports from the Import screen), as trawl import's --memory; 0: DuckDB's default." name:"memory" default:"384"`

	// --playbooks for the case files, as trawl case playbook reads them
	playbookDirs
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
	st, notice, err := c.open(g)
	if err != nil {
		return err
	}
	defer st.Close()
	opt.ReadOnly, opt.Notice = st.ReadOnly(), notice
	// Case files: on a read-only store every write fails and the case file says so.
	pbs, err := c.load()
	if err != nil {
		return err
	}
	author := analystName()
	opt.Desk = casefile.NewDesk(casefile.StoreSource{S: st, Author: author, Playbooks: pbs})
	opt.Analyst = author
	return runWorkbench(g.Ctx, st, th, opt, os.Stdin, out)
}

// analystName is who case edits, triage and suppressions are made by: $TRAWL_ANALYST, else the
// older $TRAWL_USER, else the login name (blank ones skipped); commands use it after --author.
func analystName() string {
	// TRAWL_USER is what suppressions read before TRAWL_ANALYST named the analyst everywhere;
	// USERNAME is Windows' login name.
	for _, v := range []string{"TRAWL_ANALYST", "TRAWL_USER", "USER", "USERNAME"} {
		if a := strings.TrimSpace(os.Getenv(v)); a != "" {
			return a
		}
	}
	return ""
}

// open opens the store as the flags ask: --write for writing, --read-only read-only, and by
// default for writing when the file is writable and no other process holds it, else read-only
// with a notice saying why. Opened for writing, DuckDB's memory is capped as trawl import's is,
// since imports run from the Import screen.
func (c *TuiCmd) open(g *Globals) (*engine.Store, string, error) {
	writeOpt := engine.Options{MemoryMB: c.MemoryMB}
	switch {
	case c.ReadOnly:
		st, err := openStore(g, true)
		return st, "", err
	case c.Write:
		st, err := engine.Open(g.Ctx, g.DB, writeOpt)
		return st, "", err
	}
	if err := storeExists(g); err != nil {
		return nil, "", err
	}
	f, err := os.OpenFile(g.DB, os.O_RDWR, 0)
	if err != nil {
		st, rerr := openStore(g, true)
		return st, "opened read-only: " + g.DB + " is not writable (triage, case edits and imports are off)", rerr
	}
	f.Close()
	st, werr := engine.Open(g.Ctx, g.DB, writeOpt)
	if werr == nil {
		return st, "", nil
	}
	// Most likely another trawl process has it open (DuckDB allows one writer): read-only may
	// still work if that one only reads.
	st, rerr := openStore(g, true)
	if rerr != nil {
		return nil, "", fmt.Errorf("%w (opening it for writing: %v)", rerr, werr)
	}
	why := "another process has the store open"
	if !strings.Contains(strings.ToLower(werr.Error()), "lock") {
		why = "it could not be opened for writing"
	}
	return st, "opened read-only: " + why + " (" + lockReason(werr.Error()) + "); triage, case edits and imports are off", nil
}

// lockReason is the telling part of an open error: DuckDB's "Conflicting lock is held in
// PROGRAM (PID N)" when it says so, else the error's last part; at most 120 bytes.
func lockReason(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if i := strings.Index(s, "Conflicting lock is held"); i >= 0 {
		s = s[i:]
		if j := strings.Index(s, ")"); j >= 0 {
			s = s[:j+1]
		}
	} else if i := strings.LastIndex(s, ": "); i >= 0 {
		s = s[i+2:]
	}
	if len(s) > 120 {
		s = s[:120] + "…"
	}
	return s
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
	m := workbench.New(tui.NewContext(tui.EngineStore{S: st, Who: opt.Analyst}, th), opt)
	p := tea.NewProgram(m, append([]tea.ProgramOption{tea.WithContext(ctx), tea.WithInput(in), tea.WithOutput(out)}, more...)...)
	if _, err := p.Run(); err != nil && !errors.Is(err, tea.ErrProgramKilled) {
		return fmt.Errorf("workbench: %w", err)
	}
	return nil
}
