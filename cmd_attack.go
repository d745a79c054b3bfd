package main

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"trawl/attack"
)

// AttackCmd lists MITRE ATT&CK techniques, or resolves ids and Sigma tags (v19 ones too).
type AttackCmd struct {
	OutputFlags
	IDs     []string `arg:"" optional:"" name:"id" help:"Technique or tactic ids, names or Sigma tags (T1059.001, attack.t1685, attack.stealth, execution); none lists every technique."`
	Tactic  string   `help:"Only techniques of this tactic (id, name or tag; v19 tactics map to the v18.1 one)."`
	Retired bool     `help:"With no ids, list revoked and deprecated techniques too."`
	Tactics bool     `help:"List the tactics in kill-chain order instead."`
	License bool     `help:"Print MITRE's ATT&CK licence."`
}

// Help is the longer help text: where the tables come from.
func (c *AttackCmd) Help() string {
	return "Tables: " + attack.Version + ", embedded. " + attack.Notice + " See --license."
}

var attackColumns = []string{"id", "name", "kind", "tactics", "status", "maps_to", "note"}

func (c *AttackCmd) Run(g *Globals) error {
	switch {
	case c.License:
		_, err := io.WriteString(g.Stdout, attack.License)
		return err
	case c.Tactics:
		w := c.writer(g.Stdout, []string{"order", "id", "short", "name", "url"})
		for _, t := range attack.Tactics() {
			if err := w.Row([]any{t.Order + 1, t.ID, t.Short, t.Name, t.URL}); err != nil {
				return err
			}
		}
		return w.Flush()
	}
	var only string
	if c.Tactic != "" {
		r := attack.Resolve(c.Tactic)
		if r.Kind != attack.KindTactic || len(r.Tactics) == 0 {
			return fmt.Errorf("--tactic %q: not a tactic (see trawl attack --tactics)", c.Tactic)
		}
		only = r.Tactics[0].ID
	}
	var rows []attack.Resolution
	if len(c.IDs) > 0 {
		for _, id := range c.IDs {
			rows = append(rows, attack.Resolve(id))
		}
	} else {
		list := attack.Techniques()
		if c.Retired {
			list = append(list, attack.Retired()...)
			slices.SortFunc(list, func(a, b attack.Technique) int { return strings.Compare(a.ID, b.ID) })
		}
		for _, t := range list {
			rows = append(rows, attack.Resolve(t.ID))
		}
	}
	w := c.writer(g.Stdout, attackColumns)
	for _, r := range rows {
		if only != "" && !slices.ContainsFunc(r.Tactics, func(t attack.Tactic) bool { return t.ID == only }) {
			continue
		}
		if err := w.Row(attackRow(r)); err != nil {
			return err
		}
	}
	return w.Flush()
}

// attackRow is one output row: what the id is, its tactics, and what it maps to when it is not
// an active v18.1 id.
func attackRow(r attack.Resolution) []any {
	var mapsTo []string
	if r.Status != attack.StatusActive {
		for _, t := range r.Techniques {
			mapsTo = append(mapsTo, t.ID)
		}
		if r.Kind == attack.KindTactic {
			for _, t := range r.Tactics {
				mapsTo = append(mapsTo, t.Short)
			}
		}
	}
	return []any{r.ID, r.Name(), r.Kind.String(), strings.Join(r.TacticNames(), ", "), r.Status.String(), strings.Join(mapsTo, ", "), r.Note}
}
