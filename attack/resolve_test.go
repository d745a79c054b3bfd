package attack

import (
	"bufio"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"trawl/internal/testutil"
)

var resolveTests = []struct {
	name, tag  string
	id         string
	kind       Kind
	status     Status
	techniques []string // ids of Resolution.Techniques
	tactics    []string // short names of Resolution.Tactics
	note       string   // substring of Note
}{
	{name: "technique", tag: "T1059", id: "T1059", kind: KindTechnique, status: StatusActive, techniques: []string{"T1059"}, tactics: []string{"execution"}},
	{name: "sub-technique tag", tag: "attack.t1059.001", id: "T1059.001", kind: KindTechnique, status: StatusActive, techniques: []string{"T1059.001"}, tactics: []string{"execution"}},
	{name: "upper-case tag", tag: "ATTACK.T1003.001", id: "T1003.001", kind: KindTechnique, status: StatusActive, techniques: []string{"T1003.001"}, tactics: []string{"credential-access"}},
	{name: "spaces", tag: " t1021.002 ", id: "T1021.002", kind: KindTechnique, status: StatusActive, techniques: []string{"T1021.002"}, tactics: []string{"lateral-movement"}},
	{name: "revoked to its replacement", tag: "attack.t1086", id: "T1086", kind: KindTechnique, status: StatusRevoked, techniques: []string{"T1059.001"}, tactics: []string{"execution"}, note: "replaced by T1059.001"},
	{name: "revoked twice", tag: "T1073", id: "T1073", kind: KindTechnique, status: StatusRevoked, techniques: []string{"T1574.001"}, tactics: []string{"persistence", "privilege-escalation", "defense-evasion"}, note: "T1574.001 (via T1574.002)"},
	{name: "revoked sub-technique", tag: "attack.t1547.011", id: "T1547.011", kind: KindTechnique, status: StatusRevoked, techniques: []string{"T1647"}, tactics: []string{"defense-evasion"}, note: "replaced by T1647"},
	{name: "deprecated", tag: "attack.t1064", id: "T1064", kind: KindTechnique, status: StatusDeprecated, note: "without a replacement"},
	{name: "v19 technique", tag: "attack.t1685", id: "T1685", kind: KindTechnique, status: StatusV19, techniques: []string{"T1562.001", "T1562", "T1562.006"}, tactics: []string{"defense-evasion"}, note: "SigmaHQ retagged T1562.001 (131 rules), T1562 (28 rules), T1562.006 (7 rules) as T1685"},
	{name: "v19 sub-technique", tag: "attack.t1685.001", id: "T1685.001", kind: KindTechnique, status: StatusV19, techniques: []string{"T1562.002"}, tactics: []string{"defense-evasion"}},
	{name: "v19 log clearing", tag: "attack.t1685.005", id: "T1685.005", kind: KindTechnique, status: StatusV19, techniques: []string{"T1070.001"}, tactics: []string{"defense-evasion"}},
	{name: "v19 linux log clearing", tag: "attack.t1685.006", id: "T1685.006", kind: KindTechnique, status: StatusV19, techniques: []string{"T1070.002"}, tactics: []string{"defense-evasion"}},
	{name: "v19 firewall", tag: "attack.t1686.003", id: "T1686.003", kind: KindTechnique, status: StatusV19, techniques: []string{"T1562.004"}, tactics: []string{"defense-evasion"}},
	{name: "v19 cloud firewall", tag: "attack.t1686.001", id: "T1686.001", kind: KindTechnique, status: StatusV19, techniques: []string{"T1562.007", "T1562.004"}, tactics: []string{"defense-evasion"}},
	{name: "v19 downgrade", tag: "attack.t1689", id: "T1689", kind: KindTechnique, status: StatusV19, techniques: []string{"T1562.010"}, tactics: []string{"defense-evasion"}},
	{name: "v19 only seen in a multi-tag row", tag: "attack.t1690", id: "T1690", kind: KindTechnique, status: StatusV19, techniques: []string{"T1562.003"}, tactics: []string{"defense-evasion"}},
	{name: "v19 sub-technique outside the mapping", tag: "attack.t1685.003", id: "T1685.003", kind: KindTechnique, status: StatusUnknown, techniques: []string{"T1562.001", "T1562", "T1562.006"}, tactics: []string{"defense-evasion"}, note: "parent T1685 is a v19 id"},
	{name: "unknown sub-technique of a known technique", tag: "attack.t1059.999", id: "T1059.999", kind: KindTechnique, status: StatusUnknown, techniques: []string{"T1059"}, tactics: []string{"execution"}, note: "shown as its parent T1059"},
	{name: "unknown technique", tag: "attack.t1999", id: "T1999", kind: KindTechnique, status: StatusUnknown, note: "not in Enterprise ATT&CK v18.1"},
	{name: "malformed technique", tag: "attack.t10591", id: "T10591", kind: KindTechnique, status: StatusUnknown},
	{name: "tactic tag", tag: "attack.lateral-movement", id: "lateral-movement", kind: KindTactic, status: StatusActive, tactics: []string{"lateral-movement"}},
	{name: "tactic id", tag: "attack.ta0010", id: "exfiltration", kind: KindTactic, status: StatusActive, tactics: []string{"exfiltration"}},
	{name: "tactic display name", tag: "Command and Control", id: "command-and-control", kind: KindTactic, status: StatusActive, tactics: []string{"command-and-control"}},
	{name: "v19 stealth", tag: "attack.stealth", id: "stealth", kind: KindTactic, status: StatusV19, tactics: []string{"defense-evasion"}, note: "split it from Defense Evasion"},
	{name: "v19 defense impairment", tag: "attack.defense-impairment", id: "defense-impairment", kind: KindTactic, status: StatusV19, tactics: []string{"defense-evasion"}},
	{name: "unknown tactic id", tag: "attack.ta0099", id: "TA0099", kind: KindTactic, status: StatusUnknown},
	{name: "unknown tactic name", tag: "attack.time-travel", id: "time-travel", kind: KindTactic, status: StatusUnknown, note: "not a tactic"},
	{name: "group", tag: "attack.g0007", id: "G0007", kind: KindGroup, status: StatusUnknown},
	{name: "software", tag: "attack.s0002", id: "S0002", kind: KindSoftware, status: StatusUnknown},
	{name: "campaign", tag: "attack.c0024", id: "C0024", kind: KindCampaign, status: StatusUnknown},
	{name: "car", tag: "car.2016-04-005", id: "car.2016-04-005", kind: KindOther, status: StatusUnknown, note: "not an ATT&CK id"},
	{name: "cve", tag: "cve.2021-44228", id: "cve.2021-44228", kind: KindOther, status: StatusUnknown},
	{name: "data source", tag: "attack.ds0005", id: "DS0005", kind: KindDataSource, status: StatusUnknown},
	{name: "attack namespace, nothing recognisable", tag: "attack.x-1", id: "attack.x-1", kind: KindOther, status: StatusUnknown},
	{name: "empty", tag: "", id: "", kind: KindOther, status: StatusUnknown},
}

func TestResolve(t *testing.T) {
	t.Parallel()
	for _, tc := range resolveTests {
		t.Run(tc.name, func(t *testing.T) {
			r := Resolve(tc.tag)
			var techs, tactics []string
			for _, te := range r.Techniques {
				techs = append(techs, te.ID)
				if te.Status != StatusActive {
					t.Errorf("technique %s in the result is %v", te.ID, te.Status)
				}
			}
			for _, ta := range r.Tactics {
				tactics = append(tactics, ta.Short)
			}
			got := []any{r.Tag, r.ID, r.Kind, r.Status, techs, tactics, r.Known()}
			want := []any{tc.tag, tc.id, tc.kind, tc.status, tc.techniques, tc.tactics, tc.status != StatusUnknown}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Resolve(%q) (-want +got):\n%s", tc.tag, diff)
			}
			if !strings.Contains(r.Note, tc.note) {
				t.Errorf("Note %q, want it to contain %q", r.Note, tc.note)
			}
			if (r.Status == StatusActive) != (r.Note == "") {
				t.Errorf("status %v with note %q: only active ids go without a note", r.Status, r.Note)
			}
		})
	}
}

func TestResolutionName(t *testing.T) {
	t.Parallel()
	for tag, want := range map[string]string{
		"attack.t1059.001": "Command and Scripting Interpreter: PowerShell",
		"T1086":            "PowerShell",
		"attack.t1685":     "≈ Impair Defenses: Disable or Modify Tools",
		"attack.t1999":     "",
		"attack.execution": "Execution",
		"attack.stealth":   "≈ Defense Evasion",
		"attack.g0007":     "",
	} {
		if got := Resolve(tag).Name(); got != want {
			t.Errorf("Resolve(%q).Name() = %q, want %q", tag, got, want)
		}
	}
}

// Every v19 tag of the mapping file resolves to (at least) one of the v18 tags it replaced.
func TestV19MappingRows(t *testing.T) {
	t.Parallel()
	for _, row := range dataRows(t, mappingFile) {
		removed, added := strings.Fields(row[1]), strings.Fields(row[2])
		var olds []string
		for _, tag := range removed {
			olds = append(olds, Resolve(tag).ID)
		}
		for _, tag := range added {
			r := Resolve(tag)
			if r.Status == StatusActive {
				continue // a v18 tag the rule gained alongside
			}
			if r.Status != StatusV19 {
				t.Errorf("row %v: %s is %v", row, tag, r.Status)
				continue
			}
			var got []string
			if row[0] == "technique" {
				for _, te := range r.Techniques {
					got = append(got, te.ID)
				}
			} else {
				for _, ta := range r.Tactics {
					got = append(got, ta.Short)
				}
			}
			if !slices.ContainsFunc(got, func(id string) bool { return slices.Contains(olds, id) }) {
				t.Errorf("row %v: %s maps to %v, none of %v", row, tag, got, olds)
			}
		}
	}
}

func TestParseTags(t *testing.T) {
	t.Parallel()
	tags := ParseTags([]string{
		"attack.execution", "attack.stealth", "attack.t1059.001", "attack.t1685", "attack.t1999",
		"attack.g0007", "attack.s0002", "car.2016-04-005", "cve.2021-44228", "detection.threat-hunting",
		"attack.t1059.001", "attack.c0024", "execution", "attack.made-up", "attack.ta0002", "attack.ds0005",
	})
	ids := func(rs []Resolution) []string {
		var out []string
		for _, r := range rs {
			out = append(out, r.ID+"/"+r.Status.String())
		}
		return out
	}
	got := map[string][]string{
		"techniques": ids(tags.Techniques),
		"tactics":    ids(tags.Tactics),
		"groups":     tags.Groups,
		"software":   tags.Software,
		"other":      tags.Other,
	}
	want := map[string][]string{
		"techniques": {"T1059.001/active", "T1685/v19", "T1999/unknown"},
		"tactics":    {"execution/active", "stealth/v19", "made-up/unknown"},
		"groups":     {"G0007"},
		"software":   {"S0002"},
		"other":      {"car.2016-04-005", "cve.2021-44228", "detection.threat-hunting", "attack.c0024", "execution", "attack.ds0005"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ParseTags (-want +got):\n%s", diff)
	}
	var all []string
	for _, ta := range tags.AllTactics() {
		all = append(all, ta.Short)
	}
	if diff := cmp.Diff([]string{"execution", "defense-evasion"}, all); diff != "" {
		t.Errorf("AllTactics (-want +got):\n%s", diff)
	}
	if got := ParseTags(nil).AllTactics(); got != nil {
		t.Errorf("AllTactics of no tags = %v", got)
	}
}

// sigmaTags returns the values of a Sigma rule's top-level tags list, read by a line scan:
// "tags:" at the start of a line, then "  - value" lines (an inline [a, b] list too).
func sigmaTags(path string) ([]string, bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, false, err
	}
	defer f.Close()
	var tags []string
	found, in := false, false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, "tags:"); ok {
			found, in = true, true
			if rest = strings.TrimSpace(rest); strings.HasPrefix(rest, "[") {
				for v := range strings.SplitSeq(strings.Trim(rest, "[]"), ",") {
					tags = append(tags, unquote(v))
				}
				in = false
			}
			continue
		}
		if !in {
			continue
		}
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "" || strings.HasPrefix(trimmed, "#"):
		case strings.HasPrefix(trimmed, "- ") && line != trimmed:
			v, _, _ := strings.Cut(strings.TrimPrefix(trimmed, "- "), " #")
			tags = append(tags, unquote(v))
		default:
			in = false
		}
	}
	return tags, found, sc.Err()
}

func unquote(s string) string {
	return strings.Trim(strings.TrimSpace(s), `'"`)
}

// Every attack.* tag of every Sigma rule in the samples resolves to a known technique or tactic,
// or is reported unknown with its id kept; no tag is lost by ParseTags.
func TestSigmaRuleTags(t *testing.T) {
	root := filepath.Join(testutil.Samples(t), "sigma", "rules")
	if _, err := os.Stat(root); err != nil {
		t.Skipf("no Sigma rules at %s", root)
	}
	var rules, withTags, total, attackTags int
	byStatus := map[Status]int{}
	unknown := map[string]int{}
	others := map[Kind]int{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(strings.HasSuffix(path, ".yml") || strings.HasSuffix(path, ".yaml")) {
			return err
		}
		rules++
		tags, found, err := sigmaTags(path)
		if err != nil {
			return err
		}
		if found {
			withTags++
			if len(tags) == 0 {
				t.Errorf("%s: a tags key with no values read", path)
			}
		}
		total += len(tags)
		parsed := ParseTags(tags)
		kept := len(parsed.Techniques) + len(parsed.Tactics) + len(parsed.Groups) + len(parsed.Software) + len(parsed.Other)
		if kept != len(tags) && len(slices.Compact(slices.Sorted(slices.Values(tags)))) == len(tags) {
			t.Errorf("%s: %d tags in, %d out of ParseTags", path, len(tags), kept)
		}
		for _, tag := range tags {
			if !strings.HasPrefix(tag, "attack.") {
				continue
			}
			attackTags++
			r := Resolve(tag)
			if r.Tag != tag || r.ID == "" {
				t.Errorf("%s: tag %q resolved without its id: %+v", path, tag, r)
			}
			switch r.Kind {
			case KindTechnique, KindTactic:
				byStatus[r.Status]++
				if r.Known() && len(r.Tactics) == 0 && r.Status != StatusDeprecated {
					t.Errorf("%s: %s is known but has no tactic", path, tag)
				}
				if !r.Known() {
					unknown[tag]++
					if !strings.EqualFold(tag, "attack."+r.ID) {
						t.Errorf("%s: unknown %q reported as %q", path, tag, r.ID)
					}
				}
			case KindGroup, KindSoftware, KindCampaign, KindMitigation, KindDataSource:
				others[r.Kind]++
				if !strings.EqualFold(tag, "attack."+r.ID) {
					t.Errorf("%s: %q reported as %q", path, tag, r.ID)
				}
			default:
				t.Errorf("%s: attack tag %q is %v", path, tag, r.Kind)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if rules < 1000 || attackTags < 1000 {
		t.Fatalf("only %d rules, %d attack tags read: is the sample complete?", rules, attackTags)
	}
	names := make([]string, 0, len(unknown))
	for k := range unknown {
		names = append(names, k)
	}
	sort.Strings(names)
	t.Logf("%d rules, %d with tags, %d tags, %d attack.* tags; techniques and tactics: %d active, %d v19, %d revoked, %d deprecated, %d unknown (%d distinct: %v); not in the tables: %d groups, %d software, %d data sources, %d campaigns, %d mitigations",
		rules, withTags, total, attackTags, byStatus[StatusActive], byStatus[StatusV19], byStatus[StatusRevoked],
		byStatus[StatusDeprecated], byStatus[StatusUnknown], len(names), names,
		others[KindGroup], others[KindSoftware], others[KindDataSource], others[KindCampaign], others[KindMitigation])
}

func FuzzResolve(f *testing.F) {
	for _, tc := range resolveTests {
		f.Add(tc.tag)
	}
	f.Add("attack.")
	f.Add("attack.t1059.001\x00")
	f.Add("attack.T1059.00١")
	f.Fuzz(func(t *testing.T, tag string) {
		r := Resolve(tag)
		if r.Tag != tag {
			t.Fatalf("Tag %q, given %q", r.Tag, tag)
		}
		if r.ID == "" && strings.TrimSpace(tag) != "" {
			t.Fatalf("Resolve(%q) lost the id", tag)
		}
		if r.Status == StatusActive && r.Kind == KindTechnique {
			if te, ok := Lookup(tag); !ok || te.ID != r.ID {
				t.Fatalf("Resolve(%q) active %s, Lookup gives %+v, %v", tag, r.ID, te, ok)
			}
		}
		if te, ok := Lookup(tag); ok && (te.ID != r.ID || te.Status != r.Status) {
			t.Fatalf("Lookup(%q) = %s %v, Resolve gives %s %v", tag, te.ID, te.Status, r.ID, r.Status)
		}
		for _, te := range r.Techniques {
			if te.Status != StatusActive {
				t.Fatalf("Resolve(%q) gives %s which is %v", tag, te.ID, te.Status)
			}
		}
		tags := ParseTags([]string{tag})
		if n := len(tags.Techniques) + len(tags.Tactics) + len(tags.Groups) + len(tags.Software) + len(tags.Other); n != 1 {
			t.Fatalf("ParseTags([%q]) put the tag in %d lists", tag, n)
		}
		r.Name()
	})
}
