package cases

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"trawl/attack"
)

// TestBuiltinCoverage: the techniques of the built-in rules and generated scenarios all have a
// playbook, and every technique a built-in playbook names exists in ATT&CK.
func TestBuiltinCoverage(t *testing.T) {
	pbs, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	if len(pbs) < 10 {
		t.Fatalf("%d built-in playbooks", len(pbs))
	}
	for _, id := range []string{"T1110.001", "T1110.003", "T1059.001", "T1027", "T1027.010", "T1071.001", "T1003.001",
		"T1543.003", "T1569.002", "T1021.001", "T1021.004", "T1567.002", "T1039", "T1560.001",
		// common in Sigma rules and the built-in pack
		"T1053.005", "T1547.001", "T1218.011", "T1070.001", "T1562.001", "T1078", "T1136.001", "T1098", "T1190",
		"T1505.003", "T1105", "T1548.002", "T1047", "T1055", "T1036", "T1087.002", "T1558.003", "T1572", "T1048.003"} {
		found := false
		for _, p := range pbs {
			if p.Matches([]string{id}, nil) {
				found = true
				for _, phase := range []string{"contain", "eradicate"} {
					has := false
					for _, s := range p.Steps {
						has = has || s.Phase == phase
					}
					if !has {
						t.Errorf("playbook %s (for %s) has no %s step", p.Name, id, phase)
					}
				}
			}
		}
		if !found {
			t.Errorf("no playbook for %s", id)
		}
	}
	for _, p := range pbs {
		for _, id := range p.Techniques {
			if tech, ok := attack.Lookup(id); !ok || tech.Revoked() || tech.Deprecated() {
				t.Errorf("%s: technique %s is not an active ATT&CK technique", p.File, id)
			}
		}
	}
}

func TestQuoting(t *testing.T) {
	for _, tc := range []struct {
		shell, value, want string
	}{
		{"sh", "alice", `'alice'`},
		{"sh", "o'brien", `'o'\''brien'`},
		{"sh", "$(reboot)`id`;rm -rf /", `'$(reboot)` + "`id`" + `;rm -rf /'`},
		{"sh", "a\nb\x1b[2J", `'a\nb\x1b[2J'`},
		{"powershell", "alice", `'alice'`},
		{"powershell", "o'brien", `'o''brien'`},
		{"powershell", "x\u2019; Stop-Computer; \u2018", "'x\u2019\u2019; Stop-Computer; \u2018\u2018'"},
		{"powershell", "$(Stop-Computer)", `'$(Stop-Computer)'`},
		{"text", "ws01\x07", `ws01\x07`},
	} {
		if got := quoters[tc.shell](tc.value); got != tc.want {
			t.Errorf("%s quote of %q = %s, want %s", tc.shell, tc.value, got, tc.want)
		}
	}
}

// TestQuotedSh runs the sh quoting through a real shell: the value comes back unchanged as one
// argument, whatever it holds.
func TestQuotedSh(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	for _, v := range []string{"plain", "o'brien", "$(touch pwned)", "`id`", "a b\tc", "'; echo x; '", `\'"`, "*"} {
		cmds, _ := Fill("printf %s {{user}}", "sh", map[string][]string{"user": {v}})
		out, err := exec.Command(sh, "-c", cmds[0]).Output()
		if err != nil || string(out) != printable(v) {
			t.Errorf("sh -c %s = %q, %v; want %q", cmds[0], out, err, printable(v))
		}
	}
}

func TestFillAndRecommend(t *testing.T) {
	cmds, missing := Fill("block {{src_ip}} on {{host}}", "sh", map[string][]string{"src_ip": {"1.2.3.4", "5.6.7.8"}, "host": {"fw1"}})
	if diff := cmp.Diff([]string{"block '1.2.3.4' on 'fw1'", "block '5.6.7.8' on 'fw1'"}, cmds); diff != "" || missing != nil {
		t.Errorf("Fill (-want +got):\n%s missing %v", diff, missing)
	}
	cmds, missing = Fill("isolate {{host}} {{domain}}", "sh", map[string][]string{"host": {"a"}})
	if len(cmds) != 0 || !cmp.Equal(missing, []string{"domain"}) {
		t.Errorf("Fill without a domain = %v, %v", cmds, missing)
	}
	many := map[string][]string{"user": make([]string, 30)}
	for i := range many["user"] {
		many["user"][i] = string(rune('a'+i%26)) + strings.Repeat("x", i/26)
	}
	if cmds, _ := Fill("x {{user}}", "sh", many); len(cmds) != MaxExpansions {
		t.Errorf("%d commands from 30 users", len(cmds))
	}

	pbs, _ := Builtin()
	recs := Recommend(pbs, fixture())
	var got []string
	for _, r := range recs {
		if r.Playbook == "brute-force" && r.Phase == "contain" {
			got = append(got, r.Commands...)
		}
	}
	want := []string{
		"sudo nft add rule inet filter input ip saddr '203.0.113.45' counter drop",
		"Disable-ADAccount -Identity 'deploy'",
		"Update-MgUser -UserId 'deploy' -AccountEnabled:$false",
		"ssh -- 'bastion01' sudo usermod --lock -- 'deploy'",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("brute-force contain steps (-want +got):\n%s", diff)
	}
	seen := map[string]bool{}
	for _, r := range recs {
		for _, cmd := range r.Commands {
			if seen[cmd] {
				t.Errorf("%s recommended twice", cmd)
			}
			seen[cmd] = true
		}
	}
	last := -1
	for _, r := range recs {
		i := indexOf(Phases, r.Phase)
		if i < last {
			t.Errorf("recommendations out of phase order at %s %s", r.Playbook, r.Title)
		}
		last = i
	}
}

func indexOf(ss []string, s string) int {
	for i, v := range ss {
		if v == s {
			return i
		}
	}
	return -1
}

func TestLoadDirOverrides(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "bf.yaml"), []byte("name: brute-force\ntechniques: [T1110]\nsteps:\n  - phase: contain\n    title: call the SOC lead\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "custom.yml"), []byte("name: ours\nrules: [kv_spray]\nsteps:\n  - phase: recover\n    title: tell {{user}}\n    shell: text\n    run: mail {{user}}\n"), 0o644)
	pbs, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	builtin, _ := Builtin()
	if len(pbs) != len(builtin)+1 {
		t.Errorf("%d playbooks, want %d", len(pbs), len(builtin)+1)
	}
	for _, p := range pbs {
		if p.Name == "brute-force" && (len(p.Steps) != 1 || !strings.HasSuffix(p.File, "bf.yaml")) {
			t.Errorf("brute-force not replaced: %+v", p)
		}
		if p.Name == "ours" && !p.Matches(nil, []string{"kv_spray"}) {
			t.Error("rule match failed")
		}
	}
}

var badPlaybooks = []struct{ name, text, want string }{
	{"no name", "techniques: [T1110]\n", "has no name"},
	{"no match", "name: x\n", "names no techniques and no rules"},
	{"bad phase", "name: x\ntechniques: [T1]\nsteps:\n  - phase: pray\n    title: t\n", "x.yaml:4: phase \"pray\""},
	{"bad shell", "name: x\ntechniques: [T1]\nsteps:\n  - phase: contain\n    title: t\n    run: rm {{host}}\n    shell: fish\n", "x.yaml:4: shell \"fish\""},
	{"bad placeholder", "name: x\ntechniques: [T1]\nsteps:\n  - phase: contain\n    title: t\n    shell: sh\n    run: rm {{path}}\n", "unknown placeholder {{path}}"},
	{"no title", "name: x\ntechniques: [T1]\nsteps:\n  - phase: contain\n", "step has no title"},
	{"not yaml", "name: [x\n", "x.yaml: yaml:"},
	{"wrong type", "name: x\ntechniques: 3\n", "x.yaml: yaml:"},
}

func TestParsePlaybookErrors(t *testing.T) {
	for _, tc := range badPlaybooks {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParsePlaybook("x.yaml", []byte(tc.text))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
}

func FuzzParsePlaybook(f *testing.F) {
	for _, tc := range badPlaybooks {
		f.Add(tc.text)
	}
	b, _ := builtinFS.ReadFile("playbooks/brute-force.yaml")
	f.Add(string(b))
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePlaybook("f.yaml", []byte(s))
		if err != nil {
			return
		}
		c := fixture()
		Recommend([]Playbook{p}, c)
	})
}

// TestPlaceholdersOutsideQuotes: in the built-in sh and PowerShell commands no placeholder
// stands inside a quoted string, where the quoted value would not be one literal word.
func TestPlaceholdersOutsideQuotes(t *testing.T) {
	pbs, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pbs {
		for _, s := range p.Steps {
			if s.Shell != "sh" && s.Shell != "powershell" {
				continue
			}
			var quote rune
			for i, r := range s.Run {
				switch {
				case quote == 0 && (r == '\'' || r == '"'):
					quote = r
				case quote == r:
					quote = 0
				case quote != 0 && strings.HasPrefix(s.Run[i:], "{{"):
					t.Errorf("%s:%d: placeholder inside a %c-quoted string: %s", p.File, s.Line, quote, s.Run)
				}
			}
		}
	}
}

// unquoteSh reads a word made of '...' runs and \' escapes, as sh does.
func unquoteSh(s string) (string, bool) {
	var b strings.Builder
	for len(s) > 0 {
		switch {
		case strings.HasPrefix(s, `\'`):
			b.WriteByte('\'')
			s = s[2:]
		case s[0] == '\'':
			end := strings.IndexByte(s[1:], '\'')
			if end < 0 {
				return "", false
			}
			b.WriteString(s[1 : 1+end])
			s = s[end+2:]
		default:
			return "", false
		}
	}
	return b.String(), true
}

// unquotePS reads a single-quoted PowerShell string, where a doubled quote character is one.
func unquotePS(s string) (string, bool) {
	r := []rune(s)
	if len(r) < 2 || r[0] != '\'' || r[len(r)-1] != '\'' {
		return "", false
	}
	isQuote := func(c rune) bool {
		return c == '\'' || c == '\u2018' || c == '\u2019' || c == '\u201a' || c == '\u201b'
	}
	var b strings.Builder
	for i := 1; i < len(r)-1; i++ {
		if isQuote(r[i]) {
			if i+1 >= len(r)-1 || r[i+1] != r[i] {
				return "", false // a lone quote would end the string
			}
			i++
		}
		b.WriteRune(r[i])
	}
	return b.String(), true
}

func FuzzQuote(f *testing.F) {
	for _, v := range []string{"alice", "o'brien", "x\u2019; Stop-Computer", "a\nb\x1b[2J", "$(id)", "''", "\u2018\u2019"} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v string) {
		want := printable(v)
		if got, ok := unquoteSh(quoters["sh"](v)); !ok || got != want {
			t.Errorf("sh quote of %q does not read back: %q", v, quoters["sh"](v))
		}
		if got, ok := unquotePS(quoters["powershell"](v)); !ok || got != want {
			t.Errorf("powershell quote of %q does not read back: %q", v, quoters["powershell"](v))
		}
		for _, sh := range []string{"sh", "powershell", "text"} {
			if q := quoters[sh](v); strings.ContainsAny(q, "\n\r\x1b\x00") {
				t.Errorf("%s quote of %q keeps a control character: %q", sh, v, q)
			}
		}
	})
}
