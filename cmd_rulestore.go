package main

import (
	"fmt"
	"os"
	"strings"

	"trawl/dsl"
	"trawl/engine"
	"trawl/render"
	"trawl/sigma"
)

// SigmaImportCmd adds Sigma rules to the rule store (table stored_rules), which trawl hunt runs
// with the built-in pack.
type SigmaImportCmd struct {
	SigmaFlags
	OutputFlags
	Disabled bool     `help:"Store new rules disabled (trawl sigma enable turns them on)."`
	Paths    []string `arg:"" help:"Sigma rule files (.yml, .yaml) or folders of them." type:"path"`
}

// storedRule is what the rule store keeps of a converted rule; yaml is its file's text.
func storedRule(r sigma.Result, yaml string, enabled bool) engine.StoredRule {
	s := engine.StoredRule{
		Key: r.ID, SigmaID: r.ID, Name: r.Name, Title: r.Title, Kind: "detection", Outcome: r.Outcome.String(),
		Reasons: r.Reasons, OnlyIn: r.OnlyIn, Licence: sigma.LicenceNotice, File: r.File, YAML: yaml, Hunt: r.Text, Enabled: enabled,
	}
	if s.Key == "" {
		s.Key = "name:" + r.Name
	}
	if m := r.Rule; m != nil {
		if m.Correlation != nil {
			s.Kind = "correlation"
		}
		s.Status, s.Level, s.Severity, s.Doc = m.Status, m.Level, sigma.Severity(m.Level), m.Doc
		s.Tags, s.FalsePositives, s.References, s.Author = m.Tags, m.FalsePositives, m.References, m.Author
		s.Attack = sigma.AttackIDs(m.Tags)
	}
	if r.Checked != nil {
		// The compiled rule's ids: a correlation without tags of its own has its rules'.
		s.Severity, s.Attack = r.Checked.Severity.String(), r.Checked.AttackIDs()
	}
	if s.Severity == "" {
		s.Severity = sigma.Severity("")
	}
	return s
}

func (c *SigmaImportCmd) Run(g *Globals) error {
	opt, err := c.options()
	if err != nil {
		return err
	}
	files, err := readSigmaFiles(c.Paths)
	if err != nil {
		return err
	}
	texts := map[string]string{}
	for _, f := range files {
		texts[f.Name] = string(f.Src)
	}
	rs := sigma.ConvertAll(files, opt)
	var keep []engine.StoredRule
	var kept []int // index in rs of each kept rule
	for i, r := range rs {
		if r.Rule == nil {
			continue // the file is not YAML: reported below, not stored
		}
		keep = append(keep, storedRule(r, texts[r.File], !c.Disabled))
		kept = append(kept, i)
	}
	st, err := openStore(g, false)
	if err != nil {
		return err
	}
	defer st.Close()
	actions, err := st.SaveRules(g.Ctx, keep)
	if err != nil {
		return err
	}
	action := make([]string, len(rs))
	for i, a := range actions {
		action[kept[i]] = a
	}
	count := map[string]int{}
	for i := range action {
		if action[i] == "" {
			action[i] = "not stored"
		}
		count[action[i]]++
	}
	if c.Format != "table" {
		w := c.writer(g.Stdout, []string{"file", "id", "title", "rule", "outcome", "reasons", "only_in", "stored", "enabled"})
		for i, r := range rs {
			enabled := r.Rule != nil && !c.Disabled // as storedRule was given for every kept rule
			var reasons, onlyIn any = nonNil(r.Reasons), nonNil(r.OnlyIn)
			if c.Format != "json" {
				reasons, onlyIn = strings.Join(r.Reasons, "; "), strings.Join(r.OnlyIn, "; ")
			}
			if err := w.Row([]any{r.File, r.ID, r.Title, r.Name, r.Outcome.String(), reasons, onlyIn, action[i], enabled}); err != nil {
				return err
			}
		}
		return w.Flush()
	}
	for i, r := range rs {
		if r.Outcome != sigma.Compiled || action[i] == "not stored" {
			fmt.Fprintf(g.Stdout, "%s: %s: %s: %s\n", r.File, r.Name, r.Outcome, strings.Join(append(r.Reasons, action[i]), "; "))
		}
	}
	fmt.Fprintf(g.Stdout, "%s; rule store: %d added, %d updated, %d unchanged, %d not stored\n", sigmaSummary(rs),
		count[engine.RuleAdded], count[engine.RuleUpdated], count[engine.RuleUnchanged], count["not stored"])
	return nil
}

func nonNil(ss []string) []string {
	if ss == nil {
		return []string{}
	}
	return ss
}

// SigmaListCmd lists the rule store.
type SigmaListCmd struct {
	OutputFlags
}

func (c *SigmaListCmd) Run(g *Globals) error {
	st, err := openStore(g, true)
	if err != nil {
		return err
	}
	defer st.Close()
	w := c.writer(g.Stdout, []string{"key", "rule", "title", "kind", "severity", "outcome", "enabled", "runs", "attack", "reasons", "only_in", "status", "author", "file", "updated_at"})
	err = st.StoredRules(g.Ctx, func(r engine.StoredRule) error {
		var attack, reasons, onlyIn any = r.Attack, r.Reasons, r.OnlyIn
		if c.Format != "json" {
			attack, reasons, onlyIn = strings.Join(r.Attack, ","), strings.Join(r.Reasons, "; "), strings.Join(r.OnlyIn, "; ")
		}
		return w.Row([]any{r.Key, r.Name, r.Title, r.Kind, r.Severity, r.Outcome, r.Enabled, r.Runs(), attack, reasons, onlyIn, r.Status, r.Author, r.File, r.UpdatedAt})
	})
	if err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if c.Format == "table" {
		fmt.Fprintln(g.Stderr, "# "+sigma.LicenceNotice)
	}
	return nil
}

// SigmaEnableCmd and SigmaDisableCmd turn stored rules on and off.
type SigmaEnableCmd struct {
	Rules []string `arg:"" help:"Stored rules by Sigma id or rule name."`
}

type SigmaDisableCmd struct {
	Rules []string `arg:"" help:"Stored rules by Sigma id or rule name."`
}

func (c *SigmaEnableCmd) Run(g *Globals) error  { return setStoredEnabled(g, c.Rules, true) }
func (c *SigmaDisableCmd) Run(g *Globals) error { return setStoredEnabled(g, c.Rules, false) }

func setStoredEnabled(g *Globals, refs []string, enabled bool) error {
	st, err := openExistingStore(g)
	if err != nil {
		return err
	}
	defer st.Close()
	missing, err := st.SetRulesEnabled(g.Ctx, refs, enabled)
	if err != nil {
		return err
	}
	if len(missing) > 0 {
		return exitError{code: 1, err: fmt.Errorf("no stored rule with id or name %s (trawl sigma list shows them)", strings.Join(missing, ", "))}
	}
	return nil
}

// addStoredRules adds the rule store's rules that run (enabled, compiled, not only inside
// correlations) to a hunt of the built-in pack; a hunt of --rules or --sigma runs only those.
// Each stored rule is checked again (with the hunt's --since); one the language refuses is
// reported and skipped. A summary line goes to stderr, so nothing is skipped in silence.
func addStoredRules(g *Globals, st *engine.Store, set *ruleSet, c *HuntCmd, opt dsl.Options) error {
	if len(c.Rules) > 0 || len(c.Sigma) > 0 {
		return nil
	}
	seen := set.names()
	var total, run, off, inside, unsupported, refused int
	cat := dsl.EventCatalogue()
	err := st.StoredRules(g.Ctx, func(r engine.StoredRule) error {
		total++
		switch {
		case r.Outcome == "unsupported" || r.Hunt == "":
			unsupported++
			return nil
		case len(r.OnlyIn) > 0:
			inside++
			return nil
		case !r.Enabled:
			off++
			return nil
		}
		rules, err := dsl.ParseRules("store:"+r.Key, r.Hunt)
		var cr *dsl.CheckedRule
		if err == nil && len(rules) == 1 {
			cr, _, err = dsl.CheckRule(rules[0], cat, nil, opt)
		}
		if err != nil || cr == nil {
			refused++
			fmt.Fprintf(g.Stderr, "trawl: stored rule %s (%s): the hunting language refuses it (import it again): %v\n", r.Name, r.Key, err)
			return nil
		}
		cr.Name.Name = uniqueName(seen, cr.Name.Name)
		set.checked = append(set.checked, cr)
		run++
		return nil
	})
	if err != nil {
		return err
	}
	if total > 0 {
		set.files = append(set.files, ruleFile{name: "store:stored_rules"})
		fmt.Fprintf(g.Stderr, "trawl: rule store: %d rules, %d run, %d disabled, %d only inside correlations, %d unsupported, %d refused\n", total, run, off, inside, unsupported, refused)
	}
	return nil
}

// storedRuleRows adds the stored rules that trawl hunt runs to trawl rules list (when it lists
// the built-in pack and a store exists at --db), and says on stderr how many others there are.
func storedRuleRows(g *Globals, w *render.Writer, format string) error {
	if _, err := os.Stat(g.DB); err != nil {
		return nil
	}
	st, err := openStore(g, true)
	if err != nil {
		fmt.Fprintf(g.Stderr, "trawl: the rule store at %s is not listed: %v\n", g.DB, err)
		return nil
	}
	defer st.Close()
	others := 0
	err = st.StoredRules(g.Ctx, func(r engine.StoredRule) error {
		if !r.Runs() {
			others++
			return nil
		}
		var ids any = r.Attack
		if format != "json" {
			ids = strings.Join(r.Attack, ",")
		}
		return w.Row([]any{r.Name, r.Title, r.Severity, 0.6, ids, 0, "store:" + r.File})
	})
	if err != nil {
		return err
	}
	if others > 0 {
		fmt.Fprintf(g.Stderr, "trawl: %d stored rules do not run (disabled, unsupported or only inside correlations): trawl sigma list shows them\n", others)
	}
	return nil
}
