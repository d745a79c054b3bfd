// Package attack holds the MITRE ATT&CK Enterprise v18.1 technique and tactic tables, with the
// revoked and deprecated technique ids and their replacements, so rules, alerts and incidents
// can show technique names and kill-chain tactics. It also resolves the ATT&CK v19 tags that
// current Sigma rules carry (attack.stealth, attack.t1685, ...) back to v18.1 through the
// mapping SigmaHQ's own retagging shows, and keeps every id it cannot resolve as it was given.
//
// The tables are the CSV files in data/, embedded in the binary unchanged and parsed on first
// use (about 1.4 ms and 1 MB of garbage, once). They are kept as CSV rather than generated Go so
// the copies stay byte-identical to the published files (a test compares them with the
// samples), an update is a file copy, and a reviewer can read them.
//
// © 2025 The MITRE Corporation. This work is reproduced and distributed with the permission of
// The MITRE Corporation. ATT&CK® is a registered trademark of The MITRE Corporation. The full
// licence is in data/LICENSE.txt and in the License variable.
package attack

import (
	"slices"
	"strings"
)

// Version is the ATT&CK release the embedded tables come from.
const Version = "Enterprise ATT&CK v18.1"

// Notice is MITRE's copyright designation, to be shown wherever the tables are reproduced.
const Notice = "© 2025 The MITRE Corporation. This work is reproduced and distributed with the permission of The MITRE Corporation."

// Status says what the ATT&CK tables know about an id.
type Status uint8

const (
	// StatusUnknown: the id is in neither the v18.1 tables nor the v19 tag mapping.
	StatusUnknown Status = iota
	// StatusActive: a current v18.1 technique or tactic.
	StatusActive
	// StatusRevoked: MITRE revoked the id in favour of another (ReplacedBy).
	StatusRevoked
	// StatusDeprecated: MITRE withdrew the id without a replacement.
	StatusDeprecated
	// StatusV19: an ATT&CK v19 id, not in v18.1, mapped back to v18.1 ids.
	StatusV19
)

var statusNames = [...]string{"unknown", "active", "revoked", "deprecated", "v19"}

func (s Status) String() string {
	if int(s) < len(statusNames) {
		return statusNames[s]
	}
	return "unknown"
}

// Tactic is one Enterprise tactic ("why" of a technique).
type Tactic struct {
	ID    string // TA0002
	Short string // execution (the Sigma tag and STIX kill-chain phase name)
	Name  string // Execution
	Order int    // position in the kill chain: 0 for reconnaissance ... 13 for impact
	URL   string
}

// Technique is one technique or sub-technique, active or retired.
type Technique struct {
	ID         string // T1059.001
	Name       string // PowerShell
	Parent     string // parent technique id for a sub-technique (T1059), empty otherwise
	ParentName string // Command and Scripting Interpreter
	// Tactics in kill-chain order; empty for retired techniques. Shared: do not modify.
	Tactics   []Tactic
	Platforms []string // Windows, Linux, ...; empty for retired techniques. Shared: do not modify.
	Version   string   // the technique's own version, e.g. "1.2"
	Modified  string   // YYYY-MM-DD
	Status    Status   // StatusActive, StatusRevoked or StatusDeprecated
	// ReplacedBy lists the ids a revoked technique was replaced with, as MITRE records them
	// (one of them may itself be revoked; Resolve follows the chain). Shared: do not modify.
	ReplacedBy []string
	URL        string
}

// SubTechnique reports whether t is a sub-technique.
func (t Technique) SubTechnique() bool { return t.Parent != "" }

// FullName is the name ATT&CK displays: "Command and Scripting Interpreter: PowerShell" for a
// sub-technique, the plain name otherwise.
func (t Technique) FullName() string {
	if t.ParentName != "" {
		return t.ParentName + ": " + t.Name
	}
	return t.Name
}

// Revoked reports whether MITRE revoked the technique.
func (t Technique) Revoked() bool { return t.Status == StatusRevoked }

// Deprecated reports whether MITRE deprecated the technique.
func (t Technique) Deprecated() bool { return t.Status == StatusDeprecated }

// TacticNames returns the display names of t's tactics.
func (t Technique) TacticNames() []string {
	names := make([]string, len(t.Tactics))
	for i, ta := range t.Tactics {
		names[i] = ta.Name
	}
	return names
}

// Lookup finds a technique, active or retired, by id: "T1059.001", "t1059.001" or the Sigma tag
// form "attack.t1059.001". It does not map v19 ids or follow replacements; Resolve does.
func Lookup(id string) (Technique, bool) {
	var buf [24]byte
	key, ok := techniqueKey(buf[:0], id)
	if !ok {
		return Technique{}, false
	}
	t, ok := load().byID[string(key)]
	if !ok {
		return Technique{}, false
	}
	return *t, true
}

// LookupTactic finds a v18.1 tactic by id ("TA0002"), short name ("execution",
// "attack.execution", "command_and_control") or display name ("Command and Control"), ignoring
// case. v19 tactics such as "stealth" are not in v18.1: use Resolve for them.
func LookupTactic(s string) (Tactic, bool) {
	i, ok := load().tacticByKey[tacticKey(s)]
	if !ok {
		return Tactic{}, false
	}
	return load().tactics[i], true
}

// Tactics returns the 14 Enterprise tactics in kill-chain order (reconnaissance ... impact).
func Tactics() []Tactic { return slices.Clone(load().tactics) }

// Techniques returns every active technique and sub-technique, sorted by id.
func Techniques() []Technique { return slices.Clone(load().techniques) }

// Retired returns every revoked or deprecated technique, sorted by id.
func Retired() []Technique { return slices.Clone(load().retired) }

// SortTactics sorts tactics into kill-chain order, in place, and drops duplicates.
func SortTactics(ts []Tactic) []Tactic {
	slices.SortStableFunc(ts, func(a, b Tactic) int { return a.Order - b.Order })
	return slices.CompactFunc(ts, func(a, b Tactic) bool { return a.ID == b.ID })
}

// SortTacticNames sorts tactic names or tags (anything Resolve takes: "execution",
// "attack.stealth", "TA0002", "Lateral Movement") into kill-chain order, in place. v19 tactics
// sort where the v18.1 tactic they came from stands; names that resolve to no tactic go last,
// in their given order.
func SortTacticNames(names []string) {
	type ranked struct {
		name string
		rank int
	}
	list := make([]ranked, len(names))
	for i, s := range names {
		list[i] = ranked{s, len(load().tactics)}
		if r := Resolve(s); r.Kind == KindTactic && len(r.Tactics) > 0 {
			list[i].rank = r.Tactics[0].Order
		}
	}
	slices.SortStableFunc(list, func(a, b ranked) int { return a.rank - b.rank })
	for i, r := range list {
		names[i] = r.name
	}
}

// techniqueKey appends the table key of a technique id ("T1059.001") to buf: surrounding space
// and an "attack." prefix removed, letters upper-cased. It reports false when the text cannot be
// a technique id of our tables (too long, or not ASCII).
func techniqueKey(buf []byte, s string) ([]byte, bool) {
	s, _ = cutAttackPrefix(strings.TrimSpace(s))
	if len(s) == 0 || len(s) > cap(buf)-len(buf) {
		return buf, false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 {
			return buf, false
		}
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		buf = append(buf, c)
	}
	return buf, true
}

// cutAttackPrefix removes the Sigma tag namespace "attack." (in any case) from s, and reports
// whether it was there.
func cutAttackPrefix(s string) (string, bool) {
	if len(s) >= 7 && strings.EqualFold(s[:7], "attack.") {
		return s[7:], true
	}
	return s, false
}

// tacticKey is the table key of a tactic id or name: lower case, "attack." prefix removed,
// spaces and underscores as hyphens ("Command and Control" -> "command-and-control").
func tacticKey(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.TrimPrefix(s, "attack.")
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '_' {
			return '-'
		}
		return r
	}, s)
}
