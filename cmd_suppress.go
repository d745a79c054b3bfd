package main

import (
	"fmt"
	"strings"
	"time"

	"trawl/engine"
	"trawl/event"
	"trawl/render"
)

func init() {
	registerCommand("suppress", "Manage suppression rules that keep known benign alerts out of the queue (docs/suppression.md).",
		func() any { return &SuppressCmd{} })
}

// SuppressCmd is trawl suppress.
type SuppressCmd struct {
	Add       SuppressAddCmd       `cmd:"" help:"Add a suppression: a rule name or glob and entity conditions KIND=PATTERN."`
	List      SuppressListCmd      `cmd:"" help:"List suppressions with their hits (alerts hidden when last applied)."`
	Remove    SuppressRemoveCmd    `cmd:"" help:"Remove a suppression; its alerts come back to the queue."`
	FromAlert SuppressFromAlertCmd `cmd:"" name:"from-alert" help:"Add the suppression an alert suggests: its rule and its narrow entities (a false positive)."`
	Test      SuppressTestCmd      `cmd:"" help:"List the alerts a suppression matches (also when it has expired)."`
}

// ExpiryFlags are --expires and --for.
type ExpiryFlags struct {
	Expires string `help:"Expiry time (RFC 3339 or YYYY-MM-DD, UTC)." xor:"expiry"`
	For     string `name:"for" help:"Expire after this long from now: 30d, 12h, 90m." xor:"expiry"`
}

// expiry is the expiry the flags give, or nil for never.
func (f ExpiryFlags) expiry(now time.Time) (*time.Time, error) {
	switch {
	case f.Expires != "":
		t, err := parseWhen(f.Expires)
		if err != nil {
			return nil, fmt.Errorf("--expires %q: want a time (2026-04-01T00:00:00Z) or a date (2026-04-01)", f.Expires)
		}
		t = t.UTC()
		return &t, nil
	case f.For != "":
		d, err := parseSpan(f.For)
		if err != nil {
			return nil, err
		}
		t := now.Add(d)
		return &t, nil
	}
	return nil, nil
}

// parseSpan reads a positive duration: Nd for days, or a Go duration (12h, 90m).
func parseSpan(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if d, err := event.ParseSpan(s); err == nil && d > 0 && d <= 36600*24*time.Hour {
		return d, nil
	}
	return 0, fmt.Errorf("--for %q: want a positive span such as 30d, 12h or 90m", s)
}

// author is --author, else the analyst's name as cases and the workbench take it (analystName).
func author(flag string) string {
	if flag != "" {
		return flag
	}
	return analystName()
}

// SuppressAddCmd is trawl suppress add.
type SuppressAddCmd struct {
	OutputFlags
	ExpiryFlags
	Name   string   `arg:"" help:"Name of the suppression."`
	Rule   string   `required:"" help:"Rule name or glob (* any text, ? one character, [*] a literal star)."`
	Entity []string `sep:"none" help:"Entity condition KIND=PATTERN (user, target_user, host, ip, src_ip, dst_ip, process, domain, hash); repeat for more, all must match." placeholder:"KIND=PATTERN"`
	Reason string   `required:"" help:"Why this activity is benign."`
	Author string   `help:"Who adds it (default $TRAWL_ANALYST, else $USER)."`
}

func (c *SuppressAddCmd) Run(g *Globals) error {
	sp := engine.Suppression{Name: c.Name, Rule: c.Rule, Reason: c.Reason, Author: author(c.Author)}
	for _, e := range c.Entity {
		p, err := engine.ParseEntityPattern(e)
		if err != nil {
			return exitError{2, fmt.Errorf("--entity %w", err)}
		}
		sp.Entities = append(sp.Entities, p)
	}
	exp, err := c.expiry(time.Now().UTC())
	if err != nil {
		return exitError{2, err}
	}
	sp.Expires = exp
	st, err := openExistingStore(g)
	if err != nil {
		return err
	}
	defer st.Close()
	added, err := st.AddSuppression(g.Ctx, sp)
	if err != nil {
		return err
	}
	if err := writeSuppressions(g, c.OutputFlags, []engine.Suppression{*added}); err != nil {
		return err
	}
	return scoreAgain(g, st, false) // the queue leaves out exactly what the suppressions now hide
}

// suppressionColumns are the output names of a suppression; scripts rely on them.
var suppressionColumns = []string{"name", "rule", "entities", "expires", "expired", "hits", "reason", "author", "created_at", "from_alert"}

func writeSuppressions(g *Globals, o OutputFlags, all []engine.Suppression) error {
	w := o.writer(g.Stdout, suppressionColumns)
	for _, sp := range all {
		ents := make([]string, len(sp.Entities))
		for i, e := range sp.Entities {
			ents[i] = e.String()
		}
		var entities, expires, from, created any = strings.Join(ents, " "), nil, nil, nil
		if !sp.CreatedAt.IsZero() { // a --dry-run draft was never created
			created = render.Text(sp.CreatedAt)
		}
		if o.Format == "json" {
			entities = ents
		}
		if sp.Expires != nil {
			expires = render.Text(*sp.Expires)
		}
		if sp.FromAlert != 0 {
			from = sp.FromAlert
		}
		if err := w.Row([]any{sp.Name, sp.Rule, entities, expires, sp.Expired, sp.Hits, sp.Reason, sp.Author, created, from}); err != nil {
			return err
		}
	}
	return w.Flush()
}

// SuppressListCmd is trawl suppress list.
type SuppressListCmd struct {
	OutputFlags
}

func (c *SuppressListCmd) Run(g *Globals) error {
	st, err := openStore(g, true)
	if err != nil {
		return err
	}
	defer st.Close()
	all, err := st.Suppressions(g.Ctx)
	if err != nil {
		return err
	}
	return writeSuppressions(g, c.OutputFlags, all)
}

// SuppressRemoveCmd is trawl suppress remove.
type SuppressRemoveCmd struct {
	Name string `arg:"" help:"Name of the suppression."`
}

func (c *SuppressRemoveCmd) Run(g *Globals) error {
	st, err := openExistingStore(g)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.RemoveSuppression(g.Ctx, c.Name); err != nil {
		return err
	}
	fmt.Fprintf(g.Stderr, "removed suppression %s\n", render.Sanitize(c.Name))
	return scoreAgain(g, st, false) // the queue leaves out exactly what the suppressions now hide
}

// SuppressFromAlertCmd is trawl suppress from-alert.
type SuppressFromAlertCmd struct {
	OutputFlags
	ExpiryFlags
	ID     int64  `arg:"" help:"Alert id (trawl alerts)."`
	Reason string `required:"" help:"Why the alert is a false positive."`
	Name   string `help:"Name of the suppression (default fp-alert-ID)."`
	Author string `help:"Who adds it (default $TRAWL_ANALYST, else $USER)."`
	DryRun bool   `help:"Print the suppression without storing it."`
}

func (c *SuppressFromAlertCmd) Run(g *Globals) error {
	exp, err := c.expiry(time.Now().UTC())
	if err != nil {
		return exitError{2, err}
	}
	st, err := openExistingStoreFor(g, !c.DryRun)
	if err != nil {
		return err
	}
	defer st.Close()
	sp, err := st.SuppressionDraft(g.Ctx, c.ID)
	if err != nil {
		return err
	}
	if c.Name != "" {
		sp.Name = c.Name
	}
	sp.Reason, sp.Author, sp.Expires = c.Reason, author(c.Author), exp
	if !c.DryRun {
		added, err := st.AddSuppression(g.Ctx, sp)
		if err != nil {
			return err
		}
		sp = *added
	}
	if err := writeSuppressions(g, c.OutputFlags, []engine.Suppression{sp}); err != nil {
		return err
	}
	if c.DryRun {
		return nil
	}
	return scoreAgain(g, st, false) // the queue leaves out exactly what the suppressions now hide
}

// SuppressTestCmd is trawl suppress test.
type SuppressTestCmd struct {
	OutputFlags
	Name string `arg:"" help:"Name of the suppression."`
}

func (c *SuppressTestCmd) Run(g *Globals) error {
	st, err := openStore(g, true)
	if err != nil {
		return err
	}
	defer st.Close()
	ids, err := st.SuppressionTest(g.Ctx, c.Name)
	if err != nil {
		return err
	}
	w := c.writer(g.Stdout, alertColumns)
	if len(ids) > 0 { // an empty IDs filter would list every alert
		err = st.Alerts(g.Ctx, engine.AlertFilter{IDs: ids}, func(a engine.Alert) error {
			return w.Row(alertRow(a, c.Format == "json"))
		})
		if err != nil {
			return err
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(g.Stderr, "suppression %s matches %d alerts\n", render.Sanitize(c.Name), len(ids))
	return nil
}
