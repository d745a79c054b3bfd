// Command trawl is a terminal workbench that turns raw security logs into triaged, explained
// incidents. This file is the command line: the only place that touches os.Exit, os.Args and
// the process's standard streams.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"

	"github.com/alecthomas/kong"

	"trawl/engine"
	_ "trawl/importers/all"
	"trawl/render"
)

// Globals are the flags every command shares, and the streams it writes to.
type Globals struct {
	DB         string          `help:"Database file." env:"TRAWL_DB" default:"trawl.duckdb" type:"path"`
	CPUProfile string          `help:"Write a CPU profile of the command to this file." hidden:"" type:"path"`
	Stdout     io.Writer       `kong:"-"`
	Stderr     io.Writer       `kong:"-"`
	Ctx        context.Context `kong:"-"`
}

// CLI is the whole command line.
type CLI struct {
	Globals

	Import   ImportCmd   `cmd:"" help:"Import log files, folders or globs (.gz, .zst, .bz2 too) into the store."`
	Sources  SourcesCmd  `cmd:"" help:"List the sources in the store with their files and event counts."`
	Stats    StatsCmd    `cmd:"" help:"Event and reject counts per source or per file."`
	Events   EventsCmd   `cmd:"" help:"List events in time order, optionally for one entity."`
	Entities EntitiesCmd `cmd:"" help:"List entities (users, hosts, IPs, processes, domains, hashes) with first/last seen."`
	Rejects  RejectsCmd  `cmd:"" help:"List input records that could not be imported, with file, line and reason."`
	SQL      SQLCmd      `cmd:"" name:"sql" help:"Run a read-only SQL statement against the store."`
	Query    QueryCmd    `cmd:"" help:"Run a hunting-language query (docs/language.md); --explain prints its SQL."`
	Formats  FormatsCmd  `cmd:"" help:"List the log formats trawl can import."`
	Evtx     EvtxCmd     `cmd:"" help:"Windows event log (.evtx) tools."`
	Bench    BenchCmd    `cmd:"" help:"Run trawl's end-to-end benchmarks."`
	Generate GenerateCmd `cmd:"" help:"Write seeded synthetic logs for a small company with embedded attack scenarios and their ground truth."`
	Attack   AttackCmd   `cmd:"" help:"List MITRE ATT&CK techniques and tactics, or resolve ids and Sigma tags (v19 ones too)."`
	Context  ContextCmd  `cmd:"" help:"Load and list asset and identity context (docs/context.md)."`
	Intel    IntelCmd    `cmd:"" help:"Load threat-intel indicators (IOC lists, CSV, STIX 2.1) and match them against events (docs/intel.md)."`
	Hunt     HuntCmd     `cmd:"" help:"Run detection rules (default: the built-in pack) over the store and write alerts."`
	Rules    RulesCmd    `cmd:"" help:"List, check and test detection rule files (*.hunt)."`
	Alerts   AlertsCmd   `cmd:"" help:"List alerts with their ATT&CK ids, entities, evidence event ids and source files."`
	Sigma    SigmaCmd    `cmd:"" help:"Compile Sigma rules into the hunting language and report what compiled (docs/sigma.md)."`
}

// commands are the subcommands that cmd_*.go files add with registerCommand, next to the fixed
// ones in CLI: a file can bring its command without touching this one.
var commands []registeredCommand

type registeredCommand struct {
	name, help string
	newCmd     func() any // a fresh command struct (pointer) for each parse
	tags       []string   // kong tags, e.g. `default:"withargs"`
}

// registerCommand adds a subcommand; call it from an init function. newCmd returns a new pointer
// to the command's struct, whose Run(*Globals) error method runs it.
func registerCommand(name, help string, newCmd func() any, tags ...string) {
	commands = append(commands, registeredCommand{name: name, help: help, newCmd: newCmd, tags: tags})
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run parses args and runs the command; it returns the process exit code.
func run(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var cli CLI
	exitCode := -1
	options := []kong.Option{
		kong.Name("trawl"),
		kong.Description("Turn raw security logs into triaged, explained incidents."),
		kong.UsageOnError(),
		kong.Writers(stdout, stderr),
		kong.Exit(func(code int) { exitCode = code; panic(exitPanic{}) }),
		kong.ConfigureHelp(kong.HelpOptions{Compact: true}),
	}
	for _, c := range commands {
		options = append(options, kong.DynamicCommand(c.name, c.help, "", c.newCmd(), c.tags...))
	}
	parser, err := kong.New(&cli, options...)
	if err != nil {
		fmt.Fprintln(stderr, "trawl:", err)
		return 2
	}
	code, err := parseAndRun(parser, args, &cli, ctx, stdout, stderr, &exitCode)
	if err != nil {
		fmt.Fprintln(stderr, "trawl:", err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

type exitPanic struct{}

func parseAndRun(parser *kong.Kong, args []string, cli *CLI, ctx context.Context, stdout, stderr io.Writer, exitCode *int) (code int, err error) {
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(exitPanic); ok {
				code, err = *exitCode, nil
				return
			}
			panic(r)
		}
	}()
	kctx, err := parser.Parse(args)
	if err != nil {
		return 2, err // a usage error, whatever its kind
	}
	cli.Globals.Stdout, cli.Globals.Stderr, cli.Globals.Ctx = stdout, stderr, ctx
	if cli.CPUProfile != "" {
		f, err := os.Create(cli.CPUProfile)
		if err != nil {
			return 1, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return 1, err
		}
		defer pprof.StopCPUProfile()
	}
	if err := kctx.Run(&cli.Globals); err != nil {
		var ee exitError
		if errors.As(err, &ee) {
			return ee.code, ee.err
		}
		return 1, err
	}
	return 0, nil
}

// exitError carries a specific exit code out of a command.
type exitError struct {
	code int
	err  error
}

func (e exitError) Error() string { return e.err.Error() }
func (e exitError) Unwrap() error { return e.err }

// OutputFlags is --format for listing commands.
type OutputFlags struct {
	Format string `help:"Output format: table, json (one object per line) or csv." enum:"table,json,csv" default:"table" short:"f"`
}

func (o OutputFlags) writer(w io.Writer, cols []string) *render.Writer {
	return render.New(w, render.Format(o.Format), cols)
}

// stream is output for a store method that hands over rows one by one, each with the column
// names: its row method is that callback.
func (o OutputFlags) stream(w io.Writer) *rowStream {
	return &rowStream{flags: o, out: w}
}

// rowStream makes its render writer at the first row, from the columns the query reports.
type rowStream struct {
	flags OutputFlags
	out   io.Writer
	w     *render.Writer
}

func (s *rowStream) row(cols []string, row []any) error {
	if s.w == nil {
		s.w = s.flags.writer(s.out, cols)
	}
	return s.w.Row(row)
}

// flush ends the output. Without rows it prints just the header of empty, or nothing when
// empty is nil.
func (s *rowStream) flush(empty []string) error {
	if s.w == nil {
		if empty == nil {
			return nil
		}
		s.w = s.flags.writer(s.out, empty)
	}
	return s.w.Flush()
}

func openStore(g *Globals, readOnly bool) (*engine.Store, error) {
	if !readOnly {
		return engine.Open(g.Ctx, g.DB, engine.Options{})
	}
	if err := storeExists(g); err != nil {
		return nil, err
	}
	// a store from an older trawl is brought up to date once, when it can be written
	return engine.OpenReadOnly(g.Ctx, g.DB, engine.Options{}, func() {
		fmt.Fprintf(g.Stderr, "trawl: %s was made by an older trawl; updating its schema once\n", render.Sanitize(g.DB))
	})
}

// storeExists fails when there is no store at --db: reading (or hunting) a new, empty one
// would be a mistake.
func storeExists(g *Globals) error {
	if _, err := os.Stat(g.DB); err != nil {
		return fmt.Errorf("no trawl database at %s (import something first, or pass --db / TRAWL_DB)", g.DB)
	}
	return nil
}
