package main

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"trawl/dsl"
	"trawl/sigma"
)

// SigmaCmd groups the Sigma rule tools.
type SigmaCmd struct {
	Convert SigmaConvertCmd `cmd:"" help:"Print a Sigma rule compiled into the hunting language (docs/sigma.md)."`
	Check   SigmaCheckCmd   `cmd:"" help:"Compile Sigma rules and report each as compiled, partial or unsupported."`
	Import  SigmaImportCmd  `cmd:"" help:"Add Sigma rules to the rule store, which trawl hunt runs with the built-in pack (same id: updated)."`
	List    SigmaListCmd    `cmd:"" help:"List the rule store: every stored Sigma rule with its outcome and enabled flag."`
	Enable  SigmaEnableCmd  `cmd:"" help:"Turn stored rules on (by Sigma id or rule name)."`
	Disable SigmaDisableCmd `cmd:"" help:"Turn stored rules off (by Sigma id or rule name)."`
}

// SigmaFlags are the conversion options every Sigma command shares.
type SigmaFlags struct {
	Placeholder []string `help:"Values of the expand modifier's placeholders, NAME=VALUE (repeatable)." placeholder:"NAME=VALUE"`
}

func (f SigmaFlags) options() (sigma.Options, error) {
	opt := sigma.Options{Placeholders: map[string][]string{}}
	for _, p := range f.Placeholder {
		k, v, ok := strings.Cut(p, "=")
		if !ok || k == "" {
			return opt, exitError{code: 2, err: fmt.Errorf("--placeholder %q: write NAME=VALUE", p)}
		}
		opt.Placeholders[k] = append(opt.Placeholders[k], v)
	}
	return opt, nil
}

type SigmaConvertCmd struct {
	SigmaFlags
	Rule string   `arg:"" help:"A Sigma rule file (.yml); every rule of it is printed (a correlation with its rules)." type:"path"`
	With []string `help:"Other Sigma rule files or folders holding rules the file's correlations name (by id or name)." type:"path"`
}

func (c *SigmaConvertCmd) Run(g *Globals) error {
	opt, err := c.options()
	if err != nil {
		return err
	}
	b, err := readLimited(c.Rule, sigma.MaxRuleBytes) // a longer file is reported as too long
	if err != nil {
		return fmt.Errorf("reading sigma rule: %w", err)
	}
	files := []sigma.File{{Name: c.Rule, Src: b}}
	if len(c.With) > 0 {
		more, err := readSigmaFiles(c.With)
		if err != nil {
			return err
		}
		files = append(files, more...)
	}
	var first *sigma.Result
	rs := sigma.ConvertAll(files, opt)
	for i := range rs {
		res := &rs[i]
		if res.File != c.Rule {
			continue
		}
		if first == nil {
			first = res
		}
		if len(res.OnlyIn) > 0 {
			fmt.Fprintf(g.Stderr, "trawl: %s: %s runs only inside %s (generate: false)\n", c.Rule, res.Name, strings.Join(res.OnlyIn, ", "))
			continue
		}
		if res.Text != "" {
			fmt.Fprint(g.Stdout, res.Text)
		}
		switch {
		case res.Outcome == sigma.Unsupported && res != first:
			fmt.Fprintf(g.Stderr, "trawl: %s: %s: unsupported: %s\n", c.Rule, res.Name, strings.Join(res.Reasons, "; "))
		case res.Outcome == sigma.Partial:
			fmt.Fprintf(g.Stderr, "trawl: %s: %s: partial: %s\n", c.Rule, res.Name, strings.Join(res.Reasons, "; "))
		}
	}
	if first != nil && first.Outcome == sigma.Unsupported {
		return exitError{code: 1, err: fmt.Errorf("%s: unsupported: %s", c.Rule, strings.Join(first.Reasons, "; "))}
	}
	return nil
}

type SigmaCheckCmd struct {
	SigmaFlags
	OutputFlags
	Paths []string `arg:"" help:"Sigma rule files (.yml, .yaml) or folders of them." type:"path"`
}

// readSigmaRules finds the Sigma rule files named by paths (folders are walked), sorted.
func readSigmaRules(paths []string) ([]string, error) {
	return findFiles(paths, "sigma rules", ".yml", func(name string) bool {
		return strings.HasSuffix(name, ".yml") || strings.HasSuffix(name, ".yaml")
	})
}

// findFiles lists the files paths name: a file as it is, a folder as the files under it whose
// names match accepts, sorted; a folder without any is an error. Errors read "reading what: ...",
// and a folder without files "no kind files in".
func findFiles(paths []string, what, kind string, match func(name string) bool) ([]string, error) {
	var names []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", what, err)
		}
		if !st.IsDir() {
			names = append(names, p)
			continue
		}
		var found []string
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && match(d.Name()) {
				found = append(found, path)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", what, err)
		}
		if len(found) == 0 {
			return nil, fmt.Errorf("reading %s: no %s files in %s", what, kind, p)
		}
		sort.Strings(found)
		names = append(names, found...)
	}
	return names, nil
}

// readSigmaFiles reads the Sigma rule files under paths; an unreadable file is kept with an
// empty text, which converts to an unsupported outcome naming the problem.
func readSigmaFiles(paths []string) ([]sigma.File, error) {
	names, err := readSigmaRules(paths)
	if err != nil {
		return nil, err
	}
	out := make([]sigma.File, 0, len(names))
	for _, n := range names {
		b, err := readLimited(n, sigma.MaxRuleBytes)
		if err != nil {
			b = nil
		}
		out = append(out, sigma.File{Name: n, Src: b})
	}
	return out, nil
}

// readLimited reads a file of at most max bytes (one more is read, so a longer file is
// reported as too long rather than cut).
func readLimited(name string, max int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, max+1))
}

// convertSigmaFiles converts the files together, so correlations find the rules they name in
// any of them; every rule gets an outcome.
func convertSigmaFiles(paths []string, opt sigma.Options) ([]sigma.Result, error) {
	files, err := readSigmaFiles(paths)
	if err != nil {
		return nil, err
	}
	return sigma.ConvertAll(files, opt), nil
}

// sigmaSummary is the one-line count of outcomes.
func sigmaSummary(rs []sigma.Result) string {
	var n [3]int
	for _, r := range rs {
		n[r.Outcome]++
	}
	pct := 0.0
	if len(rs) > 0 {
		pct = 100 * float64(n[sigma.Compiled]) / float64(len(rs))
	}
	line := fmt.Sprintf("%d sigma rules: %d compiled (%.1f%%), %d partial, %d unsupported", len(rs), n[sigma.Compiled], pct, n[sigma.Partial], n[sigma.Unsupported])
	inside := 0
	for _, r := range rs {
		if len(r.OnlyIn) > 0 {
			inside++
		}
	}
	if inside > 0 {
		line += fmt.Sprintf("; %d run only inside correlations", inside)
	}
	return line
}

func (c *SigmaCheckCmd) Run(g *Globals) error {
	opt, err := c.options()
	if err != nil {
		return err
	}
	rs, err := convertSigmaFiles(c.Paths, opt)
	if err != nil {
		return err
	}
	if c.Format != "table" {
		w := c.writer(g.Stdout, []string{"file", "id", "title", "rule", "outcome", "reasons", "only_in"})
		for _, r := range rs {
			var reasons, onlyIn any = nonNil(r.Reasons), nonNil(r.OnlyIn)
			if c.Format != "json" {
				reasons, onlyIn = strings.Join(r.Reasons, "; "), strings.Join(r.OnlyIn, "; ")
			}
			if err := w.Row([]any{r.File, r.ID, r.Title, r.Name, r.Outcome.String(), reasons, onlyIn}); err != nil {
				return err
			}
		}
		if err := w.Flush(); err != nil {
			return err
		}
	} else {
		perFile := map[string]int{}
		for _, r := range rs {
			perFile[r.File]++
		}
		for _, r := range rs {
			if r.Outcome != sigma.Compiled {
				where := r.File
				if perFile[r.File] > 1 {
					where += ": " + r.Name // a file of several rules (a correlation with its rules)
				}
				fmt.Fprintf(g.Stdout, "%s: %s: %s\n", where, r.Outcome, strings.Join(r.Reasons, "; "))
			}
		}
		fmt.Fprintln(g.Stdout, sigmaSummary(rs))
	}
	return nil
}

// names is the set of the rule names in s, lower-cased, for uniqueName.
func (s *ruleSet) names() map[string]bool {
	seen := map[string]bool{}
	for _, cr := range s.checked {
		seen[strings.ToLower(cr.Name.Name)] = true
	}
	return seen
}

// uniqueName is name, or name_2, name_3, ... when seen (lower-cased) has it; it adds the result
// to seen.
func uniqueName(seen map[string]bool, name string) string {
	out := name
	for i := 2; seen[strings.ToLower(out)]; i++ {
		out = fmt.Sprintf("%s_%d", name, i)
	}
	seen[strings.ToLower(out)] = true
	return out
}

// addSigmaRules compiles the Sigma rules under paths and adds those that run (compiled or
// partial) to set. It prints the summary line and every partial or unsupported rule with its
// reason, so nothing is skipped in silence. Rule names are made unique with the rule id.
func addSigmaRules(set *ruleSet, paths []string, opt dsl.Options, stderr io.Writer) error {
	rs, err := convertSigmaFiles(paths, sigma.Options{Compile: opt})
	if err != nil {
		return err
	}
	seen := set.names()
	for _, r := range rs {
		if r.Outcome != sigma.Compiled {
			fmt.Fprintf(stderr, "trawl: sigma %s: %s: %s\n", r.File, r.Outcome, strings.Join(r.Reasons, "; "))
		}
		if r.Checked == nil {
			continue
		}
		if len(r.OnlyIn) > 0 {
			continue // it runs inside its correlations (the summary line counts these)
		}
		r.Checked.Name.Name = uniqueName(seen, r.Checked.Name.Name)
		set.checked = append(set.checked, r.Checked)
		set.files = append(set.files, ruleFile{name: r.File, src: r.Text})
	}
	fmt.Fprintf(stderr, "trawl: %s\n", sigmaSummary(rs))
	return nil
}
