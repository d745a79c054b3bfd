package attack

import (
	"fmt"
	"regexp"
	"strings"
)

// Kind is what sort of ATT&CK object an id or tag names.
type Kind uint8

const (
	KindOther      Kind = iota // not an ATT&CK technique, tactic, group, software, campaign or mitigation id
	KindTechnique              // T1059, T1059.001
	KindTactic                 // TA0002, execution
	KindGroup                  // G0007
	KindSoftware               // S0002
	KindCampaign               // C0001
	KindMitigation             // M1040
	KindDataSource             // DS0005
)

var kindNames = [...]string{"other", "technique", "tactic", "group", "software", "campaign", "mitigation", "data source"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "other"
}

// Resolution is what Resolve makes of one tag or id. Nothing is dropped: Tag keeps the text as
// given, and an id the tables do not know has StatusUnknown with ID still set.
type Resolution struct {
	Tag string // as given
	// ID is normalised: "T1059.001"; a tactic's short name ("execution", also for "TA0002"), or
	// its id or name as given when unknown; "stealth"; "G0007"; the trimmed tag for KindOther.
	ID     string
	Kind   Kind
	Status Status // of the id itself
	// Techniques are the active v18.1 techniques the id stands for: itself when active, the end
	// of its replacement chain when revoked, SigmaHQ's v18 ids when it is a v19 id (most used
	// first), its parent when it is an unknown sub-technique of a known technique.
	Techniques []Technique
	// Tactics are the v18.1 tactics, in kill-chain order: the tactic itself (or the one a v19
	// tactic split from), or the union of the Techniques' tactics.
	Tactics []Tactic
	Note    string // why the result is what it is, for anything but an active id
}

// Known reports whether the tables know the id (active, retired or a mapped v19 id).
func (r Resolution) Known() bool { return r.Status != StatusUnknown }

// Name is a display name: the technique's or tactic's name; for a v19, revoked or unknown id the
// name of what it maps to, marked; empty when there is nothing to show.
func (r Resolution) Name() string {
	switch r.Kind {
	case KindTechnique:
		if r.Status == StatusActive && len(r.Techniques) == 1 {
			return r.Techniques[0].FullName()
		}
		if te, ok := Lookup(r.ID); ok {
			return te.FullName()
		}
		if len(r.Techniques) > 0 {
			return "≈ " + r.Techniques[0].FullName()
		}
	case KindTactic:
		if len(r.Tactics) == 1 {
			if r.Status == StatusActive {
				return r.Tactics[0].Name
			}
			return "≈ " + r.Tactics[0].Name
		}
	}
	return ""
}

// TacticNames returns the display names of r's tactics.
func (r Resolution) TacticNames() []string {
	names := make([]string, len(r.Tactics))
	for i, t := range r.Tactics {
		names[i] = t.Name
	}
	return names
}

var (
	kindByPrefix = map[string]Kind{"G": KindGroup, "S": KindSoftware, "C": KindCampaign, "M": KindMitigation, "DS": KindDataSource}
	otherIDRe    = regexp.MustCompile(`^(G|S|C|M|DS)[0-9]{4}$`)
	// looksTechnique is a looser shape than the tables' ids, so "T1059.1" or "T10591" is still
	// reported as an unknown technique rather than as something else.
	looksTechnique = regexp.MustCompile(`^T[0-9]{3,}(\.[0-9]+)?$`)
	looksTactic    = regexp.MustCompile(`^[a-z]+([-_][a-z]+)*$`)
)

// Resolve makes sense of one ATT&CK id or Sigma tag: "T1059.001", "attack.t1059.001",
// "attack.execution", "TA0002", "Lateral Movement", v19 ids such as "attack.t1685" and
// "attack.stealth" (mapped back to v18.1), revoked ids such as "T1086" (to their replacement),
// "attack.g0007" (a group). Anything else is KindOther with StatusUnknown and its text kept.
func Resolve(tag string) Resolution {
	tb := load()
	s := strings.TrimSpace(tag)
	rest, attackNS := cutAttackPrefix(s)
	up := strings.ToUpper(rest)
	res := Resolution{Tag: tag, ID: s}
	switch {
	case looksTechnique.MatchString(up):
		res.Kind, res.ID = KindTechnique, up
		tb.resolveTechnique(&res)
	case tacticIDRe.MatchString(up):
		res.Kind, res.ID = KindTactic, up
		if i, ok := tb.tacticByKey[tacticKey(up)]; ok {
			res.ID, res.Status, res.Tactics = tb.tactics[i].Short, StatusActive, []Tactic{tb.tactics[i]}
		} else {
			res.Note = "not a tactic of " + Version
		}
	case otherIDRe.MatchString(up):
		res.ID = up
		res.Kind = kindByPrefix[strings.TrimRight(up, "0123456789")]
		res.Note = "ATT&CK " + res.Kind.String() + " id; the embedded tables hold techniques and tactics only"
	default:
		key := tacticKey(rest)
		if i, ok := tb.tacticByKey[key]; ok {
			res.Kind, res.ID, res.Status = KindTactic, tb.tactics[i].Short, StatusActive
			res.Tactics = []Tactic{tb.tactics[i]}
		} else if olds, ok := tb.v19[key]; ok {
			res.Kind, res.ID, res.Status = KindTactic, key, StatusV19
			for _, o := range olds {
				res.Tactics = append(res.Tactics, tb.tactics[tb.tacticByKey[o.id]])
			}
			res.Tactics = SortTactics(res.Tactics)
			res.Note = fmt.Sprintf("ATT&CK v19 tactic, not in v18.1; SigmaHQ split it from %s", describe(olds, func(id string) string {
				return tb.tactics[tb.tacticByKey[id]].Name
			}))
		} else if attackNS && looksTactic.MatchString(rest) {
			res.Kind, res.ID = KindTactic, key
			res.Note = "not a tactic of " + Version + " or of the v19 tag mapping"
		} else {
			res.Note = "not an ATT&CK id"
		}
	}
	return res
}

// resolveTechnique fills in a technique resolution for res.ID.
func (tb *table) resolveTechnique(res *Resolution) {
	if te, ok := tb.byID[res.ID]; ok {
		res.Status = te.Status
		switch te.Status {
		case StatusActive:
			res.Techniques = []Technique{*te}
		case StatusDeprecated:
			res.Note = "deprecated by MITRE without a replacement"
		case StatusRevoked:
			var path []string
			res.Techniques, path = tb.replacements(te, nil)
			res.Note = "revoked by MITRE; replaced by " + strings.Join(path, ", ")
		}
		res.Tactics = techniqueTactics(res.Techniques)
		return
	}
	if olds, ok := tb.v19[res.ID]; ok {
		res.Status = StatusV19
		for _, o := range olds {
			res.Techniques = append(res.Techniques, *tb.byID[o.id])
		}
		res.Tactics = techniqueTactics(res.Techniques)
		res.Note = "ATT&CK v19 id, not in v18.1; SigmaHQ retagged " + describe(olds, nil) + " as " + res.ID
		return
	}
	parent, _, sub := strings.Cut(res.ID, ".")
	if !sub {
		res.Note = "not in " + Version + " or the v19 tag mapping"
		return
	}
	// An unknown sub-technique: keep it unknown, but show what its parent stands for.
	p := tb.resolveParent(parent)
	res.Techniques, res.Tactics = p.Techniques, p.Tactics
	switch p.Status {
	case StatusUnknown:
		res.Note = "not in " + Version + " or the v19 tag mapping"
	case StatusV19:
		res.Note = "sub-technique not in the v19 tag mapping; its parent " + parent + " is a v19 id standing for " + describe(tb.v19[parent], nil)
	default:
		res.Note = "sub-technique not in " + Version + "; shown as its parent " + parent + " (" + p.Status.String() + ")"
	}
}

func (tb *table) resolveParent(id string) Resolution {
	r := Resolution{ID: id, Kind: KindTechnique}
	tb.resolveTechnique(&r)
	return r
}

// replacements follows a revoked technique's replacement chain to active techniques, returning
// them and the chain as text ("T1574.001 (via T1574.002)").
func (tb *table) replacements(te *Technique, seen map[string]bool) ([]Technique, []string) {
	if seen == nil {
		seen = map[string]bool{}
	}
	seen[te.ID] = true
	var out []Technique
	var path []string
	for _, r := range te.ReplacedBy {
		next := tb.byID[r]
		switch {
		case seen[r]:
			path = append(path, r+" (a cycle)")
		case next.Status == StatusActive:
			out = append(out, *next)
			path = append(path, r)
		case next.Status == StatusRevoked:
			more, morePath := tb.replacements(next, seen)
			out = append(out, more...)
			for _, p := range morePath {
				path = append(path, p+" (via "+r+")")
			}
		default:
			path = append(path, r+" ("+next.Status.String()+")")
		}
	}
	return out, path
}

// techniqueTactics is the union of the techniques' tactics in kill-chain order.
func techniqueTactics(ts []Technique) []Tactic {
	var out []Tactic
	for _, t := range ts {
		out = append(out, t.Tactics...)
	}
	if len(out) == 0 {
		return nil
	}
	return SortTactics(out)
}

// describe lists mapped ids with their rule counts: "T1562.001 (152 rules), T1562 (28 rules)".
func describe(olds []mapped, name func(string) string) string {
	parts := make([]string, len(olds))
	for i, o := range olds {
		n := o.id
		if name != nil {
			n = name(o.id)
		}
		unit := "rules"
		if o.rules == 1 {
			unit = "rule"
		}
		parts[i] = fmt.Sprintf("%s (%d %s)", n, o.rules, unit)
	}
	return strings.Join(parts, ", ")
}

// Tags is a rule's tags split by kind. Every tag lands in exactly one list.
type Tags struct {
	Techniques []Resolution // attack.tNNNN[.NNN], known or not
	Tactics    []Resolution // attack.<tactic> and attack.taNNNN, known or not
	Groups     []string     // G0007 (from attack.g0007)
	Software   []string     // S0002 (from attack.s0002)
	Other      []string     // everything else as given: car.*, cve.*, detection.*, attack.c0001, attack.ds0005, ...
}

// ParseTags splits Sigma rule tags into techniques, tactics, groups, software and the rest.
// Only attack.* tags are taken as ATT&CK ids: a bare "execution" tag is Other. Repeated tags
// (same kind and id) are listed once.
func ParseTags(tags []string) Tags {
	var out Tags
	seen := map[string]bool{}
	for _, tag := range tags {
		s := strings.TrimSpace(tag)
		if _, ok := cutAttackPrefix(s); !ok {
			out.Other = append(out.Other, tag)
			continue
		}
		r := Resolve(s)
		key := r.Kind.String() + ":" + r.ID
		if seen[key] {
			continue
		}
		seen[key] = true
		switch r.Kind {
		case KindTechnique:
			out.Techniques = append(out.Techniques, r)
		case KindTactic:
			out.Tactics = append(out.Tactics, r)
		case KindGroup:
			out.Groups = append(out.Groups, r.ID)
		case KindSoftware:
			out.Software = append(out.Software, r.ID)
		default:
			out.Other = append(out.Other, tag)
		}
	}
	return out
}

// AllTactics is the union, in kill-chain order, of the tactics the tags name and the tactics of
// the techniques they name.
func (t Tags) AllTactics() []Tactic {
	var out []Tactic
	for _, list := range [][]Resolution{t.Tactics, t.Techniques} {
		for _, r := range list {
			out = append(out, r.Tactics...)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return SortTactics(out)
}
