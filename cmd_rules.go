package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"trawl/attack"
	"trawl/dsl"
	"trawl/engine"
	"trawl/rules"
)

// RulesCmd groups the rule-file tools.
type RulesCmd struct {
	List  RulesListCmd  `cmd:"" help:"List the rules of rule files (default: the built-in pack)."`
	Check RulesCheckCmd `cmd:"" help:"Parse and check rule files: errors with line, column and a caret; unknown ATT&CK ids as warnings."`
	Test  RulesTestCmd  `cmd:"" help:"Run each rule's own test cases on an in-memory store."`
	Stats RulesStatsCmd `cmd:"" help:"Each rule's alert volume and the analysts' verdicts on its alerts: cases, true-positive rate, analyst time."`
}

// RulesStatsCmd is trawl rules stats: the feedback loop from case verdicts to the rules.
type RulesStatsCmd struct {
	OutputFlags
	From string `help:"Only cases created at or after this time (RFC 3339 or YYYY-MM-DD, UTC)."`
	To   string `help:"Only cases created before this time."`
}

func (c *RulesStatsCmd) Run(g *Globals) error {
	return (&KPICmd{OutputFlags: c.OutputFlags, From: c.From, To: c.To, Rules: true}).Run(g)
}

// RulePaths are the rule files or folders a command reads.
type RulePaths struct {
	Paths []string `arg:"" optional:"" help:"Rule files (*.hunt) or folders of them; default the built-in pack." type:"path"`
}

// ruleFile is one rule file read and parsed.
type ruleFile struct {
	name  string // path, or builtin:NAME for the pack
	src   string
	rules []*dsl.Rule
}

// formatRuleError renders dsl errors of a rule file as FILE:LINE:COL: message, the line and a
// caret.
func formatRuleError(name, src string, err error) string {
	var es dsl.Errors
	if !errors.As(err, &es) {
		var one *dsl.Error
		if !errors.As(err, &one) {
			return name + ": " + err.Error() + "\n"
		}
		es = dsl.Errors{one}
	}
	var b strings.Builder
	for _, e := range es {
		b.WriteString(name + ":" + dsl.FormatError(src, dsl.Errors{e}))
	}
	return b.String()
}

// readRuleFiles reads the *.hunt files named by paths (folders are walked), or the built-in
// pack when paths is empty.
func readRuleFiles(paths []string) ([]ruleFile, error) {
	var out []ruleFile
	if len(paths) == 0 {
		for _, f := range rules.Files() {
			out = append(out, ruleFile{name: "builtin:" + f.Name, src: f.Text})
		}
		return out, nil
	}
	names, err := findFiles(paths, "rules", "*.hunt", func(name string) bool { return strings.HasSuffix(name, ".hunt") })
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			return nil, fmt.Errorf("reading rules: %w", err)
		}
		out = append(out, ruleFile{name: n, src: string(b)})
	}
	return out, nil
}

// techniqueLookup checks ATT&CK ids against the embedded tables: an id that is not an active
// technique is a warning, with what the tables say of it.
func techniqueLookup(id string) (bool, string) {
	res := attack.Resolve(id)
	if res.Kind == attack.KindTechnique && res.Status == attack.StatusActive {
		return true, ""
	}
	hint := res.Note
	if n := res.Name(); n != "" {
		hint = strings.TrimSpace(hint + " (" + n + ")")
	}
	return false, hint
}

// ruleSet is what loadRules found: the rules that checked, and the problems.
type ruleSet struct {
	files    []ruleFile
	checked  []*dsl.CheckedRule
	fileOf   map[*dsl.Rule]*ruleFile
	errors   []string // formatted; any error means the set must not run as is
	warnings []string
}

// loadRules reads, parses and checks rule files; opt applies to every rule's compilation.
func loadRules(paths []string, opt dsl.Options) (*ruleSet, error) {
	files, err := readRuleFiles(paths)
	if err != nil {
		return nil, err
	}
	set := &ruleSet{fileOf: map[*dsl.Rule]*ruleFile{}}
	var all []*dsl.Rule
	for i := range files {
		f := &files[i]
		rs, err := dsl.ParseRules(f.name, f.src)
		if err != nil {
			set.errors = append(set.errors, formatRuleError(f.name, f.src, err))
			continue
		}
		f.rules = rs
		for _, r := range rs {
			set.fileOf[r] = f
			all = append(all, r)
		}
	}
	set.files = files
	for _, r := range dsl.DuplicateRules(all) {
		f := set.fileOf[r]
		set.errors = append(set.errors, formatRuleError(f.name, f.src, &dsl.Error{Stage: "check", Span: r.Name.Span, Msg: fmt.Sprintf("a rule named %s is defined earlier", r.Name.Name)}))
	}
	cat := dsl.EventCatalogue()
	for _, r := range all {
		f := set.fileOf[r]
		cr, warns, err := dsl.CheckRule(r, cat, techniqueLookup, opt)
		for _, w := range warns {
			set.warnings = append(set.warnings, "warning: "+formatRuleError(f.name, f.src, w))
		}
		if err != nil {
			set.errors = append(set.errors, formatRuleError(f.name, f.src, err))
			continue
		}
		set.checked = append(set.checked, cr)
	}
	return set, nil
}

// errorText is every error of the set, for an exitError.
func (s *ruleSet) errorText() string {
	return strings.TrimRight(strings.Join(s.errors, ""), "\n")
}

// problems prints the set's warnings to stderr and returns its errors, followed by more, as an
// exitError with code 2; nil when there are none.
func (s *ruleSet) problems(stderr io.Writer, more string) error {
	for _, warn := range s.warnings {
		fmt.Fprint(stderr, warn)
	}
	if len(s.errors) > 0 {
		return exitError{code: 2, err: queryError{s.errorText() + more}}
	}
	return nil
}

type RulesListCmd struct {
	RulePaths
	OutputFlags
}

func (c *RulesListCmd) Run(g *Globals) error {
	set, err := loadRules(c.Paths, dsl.Options{})
	if err != nil {
		return err
	}
	w := c.writer(g.Stdout, []string{"rule", "title", "severity", "confidence", "attack", "tests", "file"})
	for _, f := range set.files {
		for _, r := range f.rules {
			var ids any = r.AttackIDs()
			if c.Format != "json" {
				ids = strings.Join(r.AttackIDs(), ",")
			}
			if err := w.Row([]any{r.Name.Name, r.Title, r.Severity.String(), r.Confidence, ids, len(r.Tests), f.name}); err != nil {
				return err
			}
		}
	}
	if len(c.Paths) == 0 {
		if err := storedRuleRows(g, w, c.Format); err != nil { // the rule store's rules that hunt runs
			return err
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return set.problems(g.Stderr, "")
}

type RulesCheckCmd struct {
	RulePaths
}

func (c *RulesCheckCmd) Run(g *Globals) error {
	set, err := loadRules(c.Paths, dsl.Options{})
	if err != nil {
		return err
	}
	if err := set.problems(g.Stderr, ""); err != nil {
		return err
	}
	n := 0
	for _, f := range set.files {
		n += len(f.rules)
	}
	fmt.Fprintf(g.Stdout, "%d rules in %d files: ok (%d warnings)\n", n, len(set.files), len(set.warnings))
	return nil
}

type RulesTestCmd struct {
	RulePaths
	Verbose bool `short:"v" help:"Print every test case, not only failures."`
}

// ruleTestResult is the outcome of one test case of one rule.
type ruleTestResult struct {
	rule, test string
	want, got  int
	err        error
	evidence   [][]int64
}

func (r ruleTestResult) ok() bool { return r.err == nil && r.want == r.got }

func (r ruleTestResult) String() string {
	name := r.test
	if name == "" {
		name = "(unnamed)"
	}
	switch {
	case r.err != nil:
		return fmt.Sprintf("FAIL %s: %s: %v", r.rule, name, r.err)
	case r.ok():
		return fmt.Sprintf("ok   %s: %s: %d alerts", r.rule, name, r.got)
	}
	return fmt.Sprintf("FAIL %s: %s: %d alerts, want %d", r.rule, name, r.got, r.want)
}

// runRuleTests runs every test case of the checked rules, each on a fresh in-memory store.
func runRuleTests(ctx context.Context, checked []*dsl.CheckedRule) []ruleTestResult {
	var out []ruleTestResult
	for _, cr := range checked {
		for _, tc := range cr.Tests {
			res := ruleTestResult{rule: cr.Name.Name, test: tc.Name, want: tc.Expect}
			res.got, res.evidence, res.err = runRuleTest(ctx, cr, tc)
			out = append(out, res)
		}
	}
	return out
}

func runRuleTest(ctx context.Context, cr *dsl.CheckedRule, tc *dsl.RuleTest) (int, [][]int64, error) {
	st, err := engine.Open(ctx, ":memory:", engine.Options{Threads: 1})
	if err != nil {
		return 0, nil, err
	}
	defer st.Close()
	if err := st.InsertEvents(ctx, "test:"+cr.Name.Name, tc.Events); err != nil {
		return 0, nil, fmt.Errorf("storing the test events: %w", err)
	}
	// A rule that reads derived features (off_hours, lolbas, ...) needs them computed, as
	// trawl import does after each file.
	if strings.Contains(cr.Compiled.SQL, `"`+dsl.DerivedView+`"`) {
		if _, err := st.UpdateFeatures(ctx); err != nil {
			return 0, nil, fmt.Errorf("computing the features of the test events: %w", err)
		}
	}
	run, err := st.StartHunt(ctx, time.Time{}, []string{"test"})
	if err != nil {
		return 0, nil, err
	}
	res, err := st.RunRule(ctx, run, alertRule(cr))
	if err != nil {
		return 0, nil, err
	}
	var ev [][]int64
	err = st.Alerts(ctx, engine.AlertFilter{RunID: run}, func(a engine.Alert) error {
		ev = append(ev, a.Evidence)
		return nil
	})
	return res.Alerts, ev, err
}

// alertRule is what the store needs of a checked rule.
func alertRule(cr *dsl.CheckedRule) engine.AlertRule {
	r := engine.AlertRule{
		Name: cr.Name.Name, Title: cr.Title, Severity: cr.Severity.String(), Confidence: cr.Confidence,
		Attack: cr.AttackIDs(), SQL: cr.Compiled.EvidenceSQL, Args: cr.Compiled.Args, EventRows: cr.Compiled.EventRows,
	}
	// An anomaly rule's alerts keep the measure of their rows (the anomaly factor of scoring).
	if m := cr.Compiled.Measure; m != nil && cr.Compiled.MeasureSQL != "" {
		r.SQL, r.Measure = cr.Compiled.MeasureSQL, m.Kind
	}
	return r
}

func (c *RulesTestCmd) Run(g *Globals) error {
	set, err := loadRules(c.Paths, dsl.Options{})
	if err != nil {
		return err
	}
	if err := set.problems(g.Stderr, ""); err != nil {
		return err
	}
	results := runRuleTests(g.Ctx, set.checked)
	failed := 0
	for _, r := range results {
		if !r.ok() {
			failed++
		}
		if !r.ok() || c.Verbose {
			fmt.Fprintln(g.Stdout, r.String())
		}
	}
	fmt.Fprintf(g.Stdout, "%d rules, %d tests, %d failed\n", len(set.checked), len(results), failed)
	if failed > 0 {
		return exitError{code: 1, err: fmt.Errorf("%d rule tests failed", failed)}
	}
	return nil
}
