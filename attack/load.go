package attack

import (
	"cmp"
	"embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// The tables are MITRE's (and SigmaHQ's, for the v19 mapping) files copied unchanged; see
// data/SOURCES.md. They are parsed once, on first use (load): about 100 KB of CSV, 1.4-2 ms and
// 1 MB of garbage (BenchmarkParse).
//
//go:embed data/*.csv
var dataFS embed.FS

// License is MITRE's ATT&CK licence, which must accompany every copy of the tables.
//
//go:embed data/LICENSE.txt
var License string

// The files in data/.
const (
	tacticsFile  = "data/enterprise_tactics.csv"
	activeFile   = "data/enterprise_techniques.csv"
	retiredFile  = "data/enterprise_techniques_retired.csv"
	mappingFile  = "data/sigma_attack_v18_to_v19_tags.csv"
	techniqueURL = "https://attack.mitre.org/techniques/"
	tacticURL    = "https://attack.mitre.org/tactics/"
)

var (
	techniqueIDRe = regexp.MustCompile(`^T[0-9]{4}(\.[0-9]{3})?$`)
	tacticIDRe    = regexp.MustCompile(`^TA[0-9]{4}$`)
	tacticNameRe  = regexp.MustCompile(`^[a-z]+(-[a-z]+)*$`)
)

// table is everything parsed from data/.
type table struct {
	tactics     []Tactic       // kill-chain order
	tacticByKey map[string]int // tacticKey of id, short name and display name -> index in tactics
	techniques  []Technique    // active, sorted by id
	retired     []Technique    // revoked and deprecated, sorted by id
	byID        map[string]*Technique
	// v19 maps an ATT&CK v19 technique id (T1685) or tactic short name (stealth) to the v18.1
	// ids SigmaHQ replaced with it, most used first.
	v19 map[string][]mapped
}

// mapped is one v18.1 id a v19 id replaced, with the number of Sigma rules retagged that way.
type mapped struct {
	id    string
	rules int
}

var load = sync.OnceValue(func() *table {
	t, err := parse(dataFS)
	if err != nil {
		// The data is embedded and tested; this only happens if someone breaks data/.
		panic("attack: embedded tables: " + err.Error())
	}
	return t
})

// parse reads the four tables from fsys.
func parse(fsys fs.FS) (*table, error) {
	t := &table{tacticByKey: map[string]int{}, byID: map[string]*Technique{}, v19: map[string][]mapped{}}
	err := readCSV(fsys, tacticsFile, []string{"tactic_id", "shortname", "name"}, func(get func(string) string) error {
		ta := Tactic{ID: get("tactic_id"), Short: get("shortname"), Name: get("name"), Order: len(t.tactics)}
		if !tacticIDRe.MatchString(ta.ID) {
			return fieldError("tactic_id", ta.ID, "not a tactic id (TA and four digits)")
		}
		if !tacticNameRe.MatchString(ta.Short) {
			return fieldError("shortname", ta.Short, "not a lower-case hyphenated name")
		}
		if ta.Name == "" {
			return fieldError("name", "", "empty")
		}
		ta.URL = tacticURL + ta.ID + "/"
		for _, k := range []string{ta.ID, ta.Short, ta.Name} {
			if i, dup := t.tacticByKey[tacticKey(k)]; dup && i != len(t.tactics) {
				return fieldError("tactic_id", k, "duplicate tactic")
			}
			t.tacticByKey[tacticKey(k)] = len(t.tactics)
		}
		t.tactics = append(t.tactics, ta)
		return nil
	})
	if err != nil {
		return nil, err
	}

	cols := []string{"technique_id", "name", "parent_id", "parent_name", "is_subtechnique", "tactic_ids", "tactics", "platforms", "version", "modified"}
	err = readCSV(fsys, activeFile, cols, func(get func(string) string) error {
		te := Technique{ID: get("technique_id"), Name: get("name"), Parent: get("parent_id"), ParentName: get("parent_name"),
			Version: get("version"), Modified: get("modified"), Status: StatusActive}
		if err := checkTechnique(te.ID, te.Name); err != nil {
			return err
		}
		sub, err := strconv.ParseBool(get("is_subtechnique"))
		if err != nil {
			return fieldError("is_subtechnique", get("is_subtechnique"), "not true or false")
		}
		if want, _, _ := strings.Cut(te.ID, "."); sub != (te.Parent != "") || (sub && (te.Parent != want || te.ParentName == "")) {
			return fieldError("parent_id", te.Parent, "does not agree with is_subtechnique and the id")
		}
		ids, names := splitList(get("tactic_ids")), splitList(get("tactics"))
		if len(ids) == 0 || len(ids) != len(names) {
			return fieldError("tactic_ids", get("tactic_ids"), "tactic ids and names do not pair up")
		}
		for i, id := range ids {
			k, ok := t.tacticByKey[tacticKey(id)]
			if !ok || t.tactics[k].ID != id || t.tactics[k].Name != names[i] {
				return fieldError("tactic_ids", id, "unknown tactic or name "+strconv.Quote(names[i]))
			}
			te.Tactics = append(te.Tactics, t.tactics[k])
		}
		te.Tactics = SortTactics(te.Tactics)
		te.Platforms = splitList(get("platforms"))
		t.techniques = append(t.techniques, te)
		return nil
	})
	if err != nil {
		return nil, err
	}

	err = readCSV(fsys, retiredFile, []string{"technique_id", "name", "status", "replaced_by_id", "replaced_by_name", "modified"}, func(get func(string) string) error {
		te := Technique{ID: get("technique_id"), Name: get("name"), Modified: get("modified")}
		if err := checkTechnique(te.ID, te.Name); err != nil {
			return err
		}
		switch get("status") {
		case "revoked":
			te.Status = StatusRevoked
			for _, r := range splitList(get("replaced_by_id")) {
				if !techniqueIDRe.MatchString(r) {
					return fieldError("replaced_by_id", r, "not a technique id")
				}
				te.ReplacedBy = append(te.ReplacedBy, r)
			}
			if len(te.ReplacedBy) == 0 {
				return fieldError("replaced_by_id", "", "a revoked technique needs its replacement")
			}
		case "deprecated":
			te.Status = StatusDeprecated
		default:
			return fieldError("status", get("status"), "not revoked or deprecated")
		}
		t.retired = append(t.retired, te)
		return nil
	})
	if err != nil {
		return nil, err
	}

	byID := func(a, b Technique) int { return cmp.Compare(a.ID, b.ID) }
	slices.SortFunc(t.techniques, byID)
	slices.SortFunc(t.retired, byID)
	for _, list := range [][]Technique{t.techniques, t.retired} {
		for i := range list {
			te := &list[i]
			te.URL = techniqueURL + strings.Replace(te.ID, ".", "/", 1) + "/"
			if _, dup := t.byID[te.ID]; dup {
				return nil, fmt.Errorf("%s: technique %s listed twice", retiredFile, te.ID)
			}
			t.byID[te.ID] = te
		}
	}
	for _, te := range t.retired {
		for _, r := range te.ReplacedBy {
			if _, ok := t.byID[r]; !ok {
				return nil, fmt.Errorf("%s: %s is replaced by %s, which is in neither table", retiredFile, te.ID, r)
			}
		}
	}
	if err := t.parseMapping(fsys); err != nil {
		return nil, err
	}
	return t, nil
}

func checkTechnique(id, name string) error {
	if !techniqueIDRe.MatchString(id) {
		return fieldError("technique_id", id, "not a technique id (T, four digits, optional .NNN)")
	}
	if name == "" {
		return fieldError("name", "", "empty")
	}
	return nil
}

// parseMapping reads SigmaHQ's observed v18 -> v19 retagging. Each row is one change of a rule's
// tags, "removed tags -> added tags" with the number of rules changed that way. Rows replacing
// one tag, or adding one, pair directly; rows replacing several tags with several pair each new
// id with the old ids the single rows already paired it with, and a new id not seen elsewhere
// with the old ids no other new id of that row claims.
func (t *table) parseMapping(fsys fs.FS) error {
	type change struct {
		removed, added []string
		rules          int
	}
	var changes []change
	err := readCSV(fsys, mappingFile, []string{"kind", "v18_tags_removed", "v19_tags_added", "rules_changed"}, func(get func(string) string) error {
		kind := get("kind")
		if kind != "tactic" && kind != "technique" {
			return fieldError("kind", kind, "not tactic or technique")
		}
		n, err := strconv.Atoi(get("rules_changed"))
		if err != nil || n < 0 {
			return fieldError("rules_changed", get("rules_changed"), "not a count")
		}
		var c change
		c.rules = n
		for _, f := range []struct {
			col string
			out *[]string
		}{{"v18_tags_removed", &c.removed}, {"v19_tags_added", &c.added}} {
			for _, tag := range strings.Fields(get(f.col)) {
				id, ok := t.mappingID(kind, tag)
				if !ok {
					return fieldError(f.col, tag, "not an attack."+kind+" tag")
				}
				*f.out = append(*f.out, id)
			}
		}
		if len(c.removed) == 0 {
			return fieldError("v18_tags_removed", "", "empty")
		}
		for _, id := range c.removed {
			if t.knownV18(id) == nil {
				return fieldError("v18_tags_removed", id, "not in the v18.1 tables")
			}
		}
		// Only ids that v18.1 does not know are new: "attack.execution" added beside
		// "attack.stealth" is a v18 tactic the rule gained, not a replacement.
		c.added = slices.DeleteFunc(c.added, func(id string) bool { return t.knownV18(id) != nil })
		changes = append(changes, c)
		return nil
	})
	if err != nil {
		return err
	}
	counts := map[string]map[string]int{}
	add := func(newID, oldID string, n int) {
		if counts[newID] == nil {
			counts[newID] = map[string]int{}
		}
		counts[newID][oldID] += n
	}
	for _, c := range changes {
		if len(c.removed) == 1 || len(c.added) == 1 {
			for _, a := range c.added {
				for _, r := range c.removed {
					add(a, r, c.rules)
				}
			}
		}
	}
	for _, c := range changes {
		if len(c.removed) == 1 || len(c.added) <= 1 {
			continue
		}
		claimed := map[string][]string{}
		taken := map[string]bool{}
		for _, a := range c.added {
			for _, r := range c.removed {
				if counts[a][r] > 0 {
					claimed[a] = append(claimed[a], r)
					taken[r] = true
				}
			}
		}
		for _, a := range c.added {
			olds := claimed[a]
			if len(olds) == 0 {
				for _, r := range c.removed {
					if !taken[r] {
						olds = append(olds, r)
					}
				}
			}
			if len(olds) == 0 {
				olds = c.removed
			}
			for _, r := range olds {
				add(a, r, c.rules)
			}
		}
	}
	for newID, olds := range counts {
		var list []mapped
		for id, n := range olds {
			list = append(list, mapped{id, n})
		}
		slices.SortFunc(list, func(a, b mapped) int {
			return cmp.Or(cmp.Compare(b.rules, a.rules), cmp.Compare(a.id, b.id))
		})
		t.v19[newID] = list
	}
	return nil
}

// mappingID turns a tag of the mapping file into a table key: "attack.t1562.001" -> "T1562.001",
// "attack.defense-evasion" -> "defense-evasion".
func (t *table) mappingID(kind, tag string) (string, bool) {
	rest, ok := strings.CutPrefix(tag, "attack.")
	if !ok {
		return "", false
	}
	if kind == "technique" {
		id := strings.ToUpper(rest)
		return id, techniqueIDRe.MatchString(id)
	}
	return rest, tacticNameRe.MatchString(rest)
}

// knownV18 returns the active v18.1 technique or tactic for a table key, or nil.
func (t *table) knownV18(id string) any {
	if te, ok := t.byID[id]; ok && te.Status == StatusActive {
		return te
	}
	if i, ok := t.tacticByKey[id]; ok {
		return &t.tactics[i]
	}
	return nil
}

// readCSV reads one table with a header naming at least cols, calling row for each record with
// a getter by column name. Errors name the file and line (and the field, through fieldError).
func readCSV(fsys fs.FS, name string, cols []string, row func(get func(string) string) error) error {
	f, err := fsys.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.ReuseRecord = true
	header, err := r.Read()
	if err != nil {
		return fmt.Errorf("%s: reading the header: %w", name, err)
	}
	index := map[string]int{}
	for i, h := range header {
		index[strings.TrimSpace(h)] = i
	}
	for _, c := range cols {
		if _, ok := index[c]; !ok {
			return fmt.Errorf("%s:1: no column %q", name, c)
		}
	}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		line, _ := r.FieldPos(0)
		get := func(c string) string { return strings.TrimSpace(rec[index[c]]) }
		if err := row(get); err != nil {
			return fmt.Errorf("%s:%d: %w", name, line, err)
		}
	}
}

func fieldError(field, value, msg string) error {
	return fmt.Errorf("field %s %q: %s", field, value, msg)
}

// splitList splits a ";"-separated list, dropping empty items.
func splitList(s string) []string {
	var out []string
	for p := range strings.SplitSeq(s, ";") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
