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
	Rule string `arg:"" help:"A Sigma rule file (.yml)." type:"path"`
}

func (c *SigmaConvertCmd) Run(g *Globals) error {
	opt, err := c.options()
	if err != nil {
		return err
	}
	b, err := os.ReadFile(c.Rule)
	if err != nil {
		return fmt.Errorf("reading sigma rule: %w", err)
	}
	res := sigma.ConvertFile(c.Rule, b, opt)
	if res.Text != "" {
		fmt.Fprint(g.Stdout, res.Text)
	}
	switch res.Outcome {
	case sigma.Unsupported:
		return exitError{code: 1, err: fmt.Errorf("%s: unsupported: %s", c.Rule, strings.Join(res.Reasons, "; "))}
	case sigma.Partial:
		fmt.Fprintf(g.Stderr, "trawl: %s: partial: %s\n", c.Rule, strings.Join(res.Reasons, "; "))
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

// convertSigmaFiles converts each file; an unreadable file is an unsupported outcome.
func convertSigmaFiles(paths []string, opt sigma.Options) ([]sigma.Result, error) {
	names, err := readSigmaRules(paths)
	if err != nil {
		return nil, err
	}
	out := make([]sigma.Result, 0, len(names))
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			out = append(out, sigma.Result{File: n, Outcome: sigma.Unsupported, Reasons: []string{err.Error()}})
			continue
		}
		out = append(out, sigma.ConvertFile(n, b, opt))
	}
	return out, nil
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
	return fmt.Sprintf("%d sigma rules: %d compiled (%.1f%%), %d partial, %d unsupported", len(rs), n[sigma.Compiled], pct, n[sigma.Partial], n[sigma.Unsupported])
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
		w := c.writer(g.Stdout, []string{"file", "id", "title", "rule", "outcome", "reasons"})
		for _, r := range rs {
			var reasons any = r.Reasons
			if c.Format != "json" {
				reasons = strings.Join(r.Reasons, "; ")
			} else if r.Reasons == nil {
				reasons = []string{}
			}
			if err := w.Row([]any{r.File, r.ID, r.Title, r.Name, r.Outcome.String(), reasons}); err != nil {
				return err
			}
		}
		if err := w.Flush(); err != nil {
			return err
		}
	} else {
		for _, r := range rs {
			if r.Outcome != sigma.Compiled {
				fmt.Fprintf(g.Stdout, "%s: %s: %s\n", r.File, r.Outcome, strings.Join(r.Reasons, "; "))
			}
		}
		fmt.Fprintln(g.Stdout, sigmaSummary(rs))
	}
	return nil
}

// addSigmaRules compiles the Sigma rules under paths and adds those that run (compiled or
// partial) to set. It prints the summary line and every partial or unsupported rule with its
// reason, so nothing is skipped in silence. Rule names are made unique with the rule id.
func addSigmaRules(set *ruleSet, paths []string, opt dsl.Options, stderr io.Writer) error {
	rs, err := convertSigmaFiles(paths, sigma.Options{Compile: opt})
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, cr := range set.checked {
		seen[strings.ToLower(cr.Name.Name)] = true
	}
	for _, r := range rs {
		if r.Outcome != sigma.Compiled {
			fmt.Fprintf(stderr, "trawl: sigma %s: %s: %s\n", r.File, r.Outcome, strings.Join(r.Reasons, "; "))
		}
		if r.Checked == nil {
			continue
		}
		name := r.Checked.Name.Name
		for i := 2; seen[strings.ToLower(name)]; i++ {
			name = fmt.Sprintf("%s_%d", r.Checked.Name.Name, i)
		}
		seen[strings.ToLower(name)] = true
		r.Checked.Name.Name = name
		set.checked = append(set.checked, r.Checked)
		set.files = append(set.files, ruleFile{name: r.File, src: r.Text})
	}
	fmt.Fprintf(stderr, "trawl: %s\n", sigmaSummary(rs))
	return nil
}
