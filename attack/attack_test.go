package attack

import (
	"bytes"
	"encoding/csv"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"trawl/internal/testutil"
)

// dataRows reads one embedded CSV with encoding/csv, independently of the loader.
func dataRows(t *testing.T, name string) [][]string {
	t.Helper()
	b, err := dataFS.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return rows[1:]
}

func TestEveryRowLoads(t *testing.T) {
	tactics := dataRows(t, tacticsFile)
	if got := Tactics(); len(got) != len(tactics) || len(got) != 14 {
		t.Fatalf("%d tactics loaded, %d rows (want 14)", len(got), len(tactics))
	}
	for i, row := range tactics {
		ta, ok := LookupTactic(row[0])
		if !ok || ta.Short != row[1] || ta.Name != row[2] || ta.Order != i {
			t.Errorf("tactic row %v: got %+v, %v", row, ta, ok)
		}
	}

	active := dataRows(t, activeFile)
	if len(Techniques()) != len(active) || len(active) != 691 {
		t.Errorf("%d active techniques loaded, %d rows (SOURCES.md: 691)", len(Techniques()), len(active))
	}
	for _, row := range active {
		te, ok := Lookup(row[0])
		if !ok || te.Name != row[1] || te.Parent != row[2] || te.Status != StatusActive {
			t.Errorf("technique row %v: got %+v, %v", row, te, ok)
			continue
		}
		if got := strings.Join(te.TacticNames(), ";"); len(te.Tactics) != strings.Count(row[6], ";")+1 {
			t.Errorf("%s: tactics %q, row has %q", te.ID, got, row[6])
		}
		if got := strings.Join(te.Platforms, ";"); got != row[7] {
			t.Errorf("%s: platforms %q, row has %q", te.ID, got, row[7])
		}
	}

	retired := dataRows(t, retiredFile)
	if len(Retired()) != len(retired) || len(retired) != 144 {
		t.Errorf("%d retired techniques loaded, %d rows (SOURCES.md: 144)", len(Retired()), len(retired))
	}
	for _, row := range retired {
		te, ok := Lookup(row[0])
		if !ok || te.Name != row[1] || te.Status.String() != row[2] || strings.Join(te.ReplacedBy, ";") != row[3] {
			t.Errorf("retired row %v: got %+v, %v", row, te, ok)
		}
		// Every revoked id must resolve to at least one active technique.
		if r := Resolve(row[0]); row[2] == "revoked" && (len(r.Techniques) == 0 || r.Techniques[0].Status != StatusActive) {
			t.Errorf("revoked %s resolves to %+v", row[0], r)
		}
	}

	for _, row := range dataRows(t, mappingFile) {
		for _, tag := range strings.Fields(row[2]) {
			r := Resolve(tag)
			if r.Status != StatusV19 && r.Status != StatusActive {
				t.Errorf("mapping row %v: %s resolves to %v", row, tag, r.Status)
			}
		}
	}
}

// The embedded copies must stay the files SOURCES.md describes.
func TestDataMatchesSamples(t *testing.T) {
	for _, name := range []string{"LICENSE.txt", "enterprise_tactics.csv", "enterprise_techniques.csv", "enterprise_techniques_retired.csv", "sigma_attack_v18_to_v19_tags.csv"} {
		want, err := os.ReadFile(testutil.Sample(t, "attack/"+name))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile("data/" + name)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("data/%s differs from the sample it was copied from", name)
		}
	}
	if !strings.Contains(License, Notice) {
		t.Error("License does not contain MITRE's notice")
	}
}

func TestLookup(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, id                 string
		wantID, wantName, parent string
		status                   Status
		tactics                  []string
		replacedBy               []string
		url                      string
	}{
		{name: "technique", id: "T1059", wantID: "T1059", wantName: "Command and Scripting Interpreter", status: StatusActive, tactics: []string{"execution"}, url: "https://attack.mitre.org/techniques/T1059/"},
		{name: "sub-technique", id: "T1059.001", wantID: "T1059.001", wantName: "Command and Scripting Interpreter: PowerShell", parent: "T1059", status: StatusActive, tactics: []string{"execution"}, url: "https://attack.mitre.org/techniques/T1059/001/"},
		{name: "lower case", id: "t1059.001", wantID: "T1059.001", wantName: "Command and Scripting Interpreter: PowerShell", parent: "T1059", status: StatusActive, tactics: []string{"execution"}, url: "https://attack.mitre.org/techniques/T1059/001/"},
		{name: "sigma tag", id: "attack.t1003.001", wantID: "T1003.001", wantName: "OS Credential Dumping: LSASS Memory", parent: "T1003", status: StatusActive, tactics: []string{"credential-access"}, url: "https://attack.mitre.org/techniques/T1003/001/"},
		{name: "sigma tag upper and spaces", id: "  ATTACK.T1021.001 ", wantID: "T1021.001", wantName: "Remote Services: Remote Desktop Protocol", parent: "T1021", status: StatusActive, tactics: []string{"lateral-movement"}, url: "https://attack.mitre.org/techniques/T1021/001/"},
		{name: "several tactics in kill-chain order", id: "T1078", wantID: "T1078", wantName: "Valid Accounts", status: StatusActive, tactics: []string{"initial-access", "persistence", "privilege-escalation", "defense-evasion"}, url: "https://attack.mitre.org/techniques/T1078/"},
		{name: "revoked", id: "T1086", wantID: "T1086", wantName: "PowerShell", status: StatusRevoked, replacedBy: []string{"T1059.001"}, url: "https://attack.mitre.org/techniques/T1086/"},
		{name: "revoked sub-technique", id: "attack.t1574.002", wantID: "T1574.002", wantName: "DLL Side-Loading", status: StatusRevoked, replacedBy: []string{"T1574.001"}, url: "https://attack.mitre.org/techniques/T1574/002/"},
		{name: "deprecated", id: "T1064", wantID: "T1064", wantName: "Scripting", status: StatusDeprecated, url: "https://attack.mitre.org/techniques/T1064/"},
		{name: "v19 id is not in the table", id: "T1685"},
		{name: "unknown", id: "T9999"},
		{name: "unknown sub-technique", id: "T1059.999"},
		{name: "empty", id: ""},
		{name: "prefix only", id: "attack."},
		{name: "tactic is not a technique", id: "TA0002"},
		{name: "non-ASCII", id: "T1059.00１"},
		{name: "too long", id: "T1059.001" + strings.Repeat("0", 40)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			te, ok := Lookup(tc.id)
			if ok != (tc.wantID != "") {
				t.Fatalf("Lookup(%q) ok = %v", tc.id, ok)
			}
			if !ok {
				return
			}
			var tactics []string
			for _, ta := range te.Tactics {
				tactics = append(tactics, ta.Short)
			}
			got := []any{te.ID, te.FullName(), te.Parent, te.Status, tactics, te.ReplacedBy, te.URL, te.SubTechnique(), te.Revoked(), te.Deprecated()}
			want := []any{tc.wantID, tc.wantName, tc.parent, tc.status, tc.tactics, tc.replacedBy, tc.url, tc.parent != "", tc.status == StatusRevoked, tc.status == StatusDeprecated}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Lookup(%q) (-want +got):\n%s", tc.id, diff)
			}
		})
	}
}

func TestLookupTactic(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"TA0002", "execution"},
		{"ta0008", "lateral-movement"},
		{"execution", "execution"},
		{"attack.command-and-control", "command-and-control"},
		{"Command and Control", "command-and-control"},
		{"command_and_control", "command-and-control"},
		{"  Impact ", "impact"},
		{"attack.stealth", ""}, // v19: Resolve maps it, LookupTactic does not
		{"TA9999", ""},
		{"", ""},
	}
	for _, tc := range tests {
		ta, ok := LookupTactic(tc.in)
		if ok != (tc.want != "") || ta.Short != tc.want {
			t.Errorf("LookupTactic(%q) = %+v, %v; want %q", tc.in, ta, ok, tc.want)
		}
	}
}

func TestTacticOrder(t *testing.T) {
	t.Parallel()
	var shorts []string
	for _, ta := range Tactics() {
		shorts = append(shorts, ta.Short)
	}
	want := []string{"reconnaissance", "resource-development", "initial-access", "execution", "persistence",
		"privilege-escalation", "defense-evasion", "credential-access", "discovery", "lateral-movement",
		"collection", "command-and-control", "exfiltration", "impact"}
	if diff := cmp.Diff(want, shorts); diff != "" {
		t.Errorf("kill-chain order (-want +got):\n%s", diff)
	}

	names := []string{"attack.exfiltration", "nonsense", "Lateral Movement", "attack.stealth", "TA0001", "attack.impact", "credential-access", "attack.reconnaissance"}
	SortTacticNames(names)
	wantNames := []string{"attack.reconnaissance", "TA0001", "attack.stealth", "credential-access", "Lateral Movement", "attack.exfiltration", "attack.impact", "nonsense"}
	if diff := cmp.Diff(wantNames, names); diff != "" {
		t.Errorf("SortTacticNames (-want +got):\n%s", diff)
	}

	ex, _ := LookupTactic("exfiltration")
	in, _ := LookupTactic("initial-access")
	got := SortTactics([]Tactic{ex, in, ex})
	if len(got) != 2 || got[0].Short != "initial-access" || got[1].Short != "exfiltration" {
		t.Errorf("SortTactics = %+v", got)
	}
}

// Broken tables must fail with the file, line and field.
func TestParseErrors(t *testing.T) {
	t.Parallel()
	good := map[string]string{}
	for _, name := range []string{tacticsFile, activeFile, retiredFile, mappingFile} {
		b, err := dataFS.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		good[name] = string(b)
	}
	if _, err := parse(mapFS(good)); err != nil {
		t.Fatalf("the real tables do not parse: %v", err)
	}
	tests := []struct {
		name, file, from, to, want string
	}{
		{"bad technique id", activeFile, "T1001,Data Obfuscation,", "X1001,Data Obfuscation,", activeFile + ":2: field technique_id \"X1001\""},
		{"unknown tactic", activeFile, "T1001,Data Obfuscation,,,false,TA0011,", "T1001,Data Obfuscation,,,false,TA0099,", activeFile + ":2: field tactic_ids \"TA0099\""},
		{"parent disagrees", activeFile, "T1001.001,Junk Data,T1001,Data Obfuscation,true", "T1001.001,Junk Data,T1002,Data Obfuscation,true", activeFile + ":3: field parent_id \"T1002\""},
		{"missing column", tacticsFile, "tactic_id,shortname,name", "tactic_id,short,name", tacticsFile + ":1: no column \"shortname\""},
		{"bad status", retiredFile, "T1002,Data Compressed,revoked", "T1002,Data Compressed,gone", retiredFile + ":2: field status \"gone\""},
		{"replacement nowhere", retiredFile, "T1002,Data Compressed,revoked,T1560,", "T1002,Data Compressed,revoked,T1999,", "T1002 is replaced by T1999, which is in neither table"},
		{"mapping from an unknown id", mappingFile, "technique,attack.t1562.001,attack.t1685,125", "technique,attack.t1999.001,attack.t1685,125", mappingFile + ":8: field v18_tags_removed \"T1999.001\""},
		{"mapping tag without namespace", mappingFile, "technique,attack.t1562.001,attack.t1685,125", "technique,t1562.001,attack.t1685,125", mappingFile + ":8: field v18_tags_removed \"t1562.001\""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			files := maps.Clone(good)
			if !strings.Contains(files[tc.file], tc.from) {
				t.Fatalf("%s does not contain %q", tc.file, tc.from)
			}
			files[tc.file] = strings.Replace(files[tc.file], tc.from, tc.to, 1)
			_, err := parse(mapFS(files))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func mapFS(files map[string]string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for k, v := range files {
		fsys[k] = &fstest.MapFile{Data: []byte(v)}
	}
	return fsys
}

func BenchmarkLookup(b *testing.B) {
	load()
	ids := []string{"T1059.001", "t1059.001", "attack.t1059.001", "T1086", "T9999"}
	for i := 0; b.Loop(); i++ {
		Lookup(ids[i%len(ids)])
	}
}

func BenchmarkResolve(b *testing.B) {
	load()
	tags := []string{"attack.t1059.001", "attack.execution", "attack.t1685", "attack.stealth", "attack.t1086", "attack.t9999", "attack.g0007"}
	for i := 0; b.Loop(); i++ {
		Resolve(tags[i%len(tags)])
	}
}

// BenchmarkParse is the one-off cost of the first use of the tables.
func BenchmarkParse(b *testing.B) {
	for b.Loop() {
		if _, err := parse(dataFS); err != nil {
			b.Fatal(err)
		}
	}
}

func TestTechniquesSorted(t *testing.T) {
	t.Parallel()
	all := Techniques()
	if !slices.IsSortedFunc(all, func(a, b Technique) int { return strings.Compare(a.ID, b.ID) }) {
		t.Error("Techniques() not sorted by id")
	}
	all[0].Name = "changed"
	if Techniques()[0].Name == "changed" {
		t.Error("Techniques() returns the shared table")
	}
}
