package cases

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"trawl/render"
)

// Phases are the playbook phases in the order steps are shown.
var Phases = []string{"contain", "collect", "eradicate", "recover"}

// Playbook is a set of response steps for some ATT&CK techniques or rules, read from a YAML file.
type Playbook struct {
	Name        string   `yaml:"name"`
	Description string   `yaml:"description"`
	Techniques  []string `yaml:"techniques"` // T1110 also matches its sub-techniques T1110.001 ...
	Rules       []string `yaml:"rules"`      // rule names it applies to, whatever their techniques
	Steps       []Step   `yaml:"steps"`
	File        string   `yaml:"-"` // where it was read from (builtin:NAME.yaml for the embedded ones)
}

// Step is one recommended action.
type Step struct {
	Phase string `yaml:"phase"` // contain, collect, eradicate or recover
	Title string `yaml:"title"`
	// Shell the command is written for: sh (POSIX shells, also for bash and zsh), powershell,
	// or text (an instruction for a console or portal, values inserted as they are).
	Shell string `yaml:"shell"`
	// Run is the command template: {{user}}, {{host}}, {{ip}}, {{src_ip}}, {{dst_ip}},
	// {{domain}}, {{process}}, {{hash}}, {{case}} are replaced by the case's entities, each
	// quoted for Shell; a step is repeated for every value (every combination, up to
	// MaxExpansions). Empty for a step without a command.
	Run  string `yaml:"run"`
	Line int    `yaml:"-"`
}

// MaxExpansions caps how many commands one step makes from a case's entities.
const MaxExpansions = 20

//go:embed playbooks/*.yaml
var builtinFS embed.FS

// Builtin returns the playbooks shipped with trawl.
func Builtin() ([]Playbook, error) {
	sub, _ := fs.Sub(builtinFS, "playbooks")
	return loadFS(sub, "builtin:")
}

// LoadDir reads every *.yaml and *.yml file of a directory (not its subdirectories).
func LoadDir(dir string) ([]Playbook, error) {
	if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("playbooks: %w", err)
	}
	return loadFS(os.DirFS(dir), dir+string(filepath.Separator))
}

// Load returns the built-in playbooks followed by those of dirs: a team's playbook with the
// name of a built-in one replaces it.
func Load(dirs ...string) ([]Playbook, error) {
	all, err := Builtin()
	if err != nil {
		return nil, err
	}
	for _, d := range dirs {
		if d == "" {
			continue
		}
		more, err := LoadDir(d)
		if err != nil {
			return nil, err
		}
		for _, p := range more {
			if i := slices.IndexFunc(all, func(q Playbook) bool { return q.Name == p.Name }); i >= 0 {
				all[i] = p
			} else {
				all = append(all, p)
			}
		}
	}
	return all, nil
}

func loadFS(fsys fs.FS, prefix string) ([]Playbook, error) {
	var names []string
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if !e.IsDir() && (strings.HasSuffix(e.Name(), ".yaml") || strings.HasSuffix(e.Name(), ".yml")) {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	var out []Playbook
	for _, n := range names {
		b, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, err
		}
		p, err := ParsePlaybook(prefix+n, b)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// placeholders are the template names a step may use.
var placeholders = []string{"user", "host", "ip", "src_ip", "dst_ip", "domain", "process", "hash", "case"}

// ParsePlaybook reads one playbook file; errors name the file and line.
func ParsePlaybook(file string, b []byte) (Playbook, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return Playbook{}, fmt.Errorf("%s: %w", file, err)
	}
	var p Playbook
	if err := doc.Decode(&p); err != nil {
		return Playbook{}, fmt.Errorf("%s: %w", file, err)
	}
	p.File = file
	// Find each step's line for messages.
	if len(doc.Content) == 1 {
		root := doc.Content[0]
		for i := 0; i+1 < len(root.Content); i += 2 {
			if root.Content[i].Value == "steps" {
				for j, n := range root.Content[i+1].Content {
					if j < len(p.Steps) {
						p.Steps[j].Line = n.Line
					}
				}
			}
		}
	}
	if p.Name == "" {
		return p, fmt.Errorf("%s: playbook has no name", file)
	}
	if len(p.Techniques) == 0 && len(p.Rules) == 0 {
		return p, fmt.Errorf("%s: playbook %s names no techniques and no rules", file, p.Name)
	}
	for i, t := range p.Techniques {
		p.Techniques[i] = strings.ToUpper(strings.TrimSpace(t))
	}
	for _, s := range p.Steps {
		where := fmt.Sprintf("%s:%d", file, s.Line)
		if !slices.Contains(Phases, s.Phase) {
			return p, fmt.Errorf("%s: phase %q: want one of %s", where, s.Phase, strings.Join(Phases, ", "))
		}
		if s.Title == "" {
			return p, fmt.Errorf("%s: step has no title", where)
		}
		if s.Run != "" {
			if _, ok := quoters[s.Shell]; !ok {
				return p, fmt.Errorf("%s: shell %q: want sh, powershell or text", where, s.Shell)
			}
		}
		for _, name := range templateNames(s.Run) {
			if !slices.Contains(placeholders, name) {
				return p, fmt.Errorf("%s: unknown placeholder {{%s}}: want one of %s", where, name, strings.Join(placeholders, ", "))
			}
		}
	}
	return p, nil
}

// templateNames lists the distinct {{name}} placeholders of a template, in order.
func templateNames(tmpl string) []string {
	var names []string
	for rest := tmpl; ; {
		i := strings.Index(rest, "{{")
		if i < 0 {
			return names
		}
		j := strings.Index(rest[i:], "}}")
		if j < 0 {
			return names
		}
		name := strings.TrimSpace(rest[i+2 : i+j])
		if !slices.Contains(names, name) {
			names = append(names, name)
		}
		rest = rest[i+j+2:]
	}
}

// Matches reports whether the playbook applies to a case with these techniques and rules.
func (p Playbook) Matches(techniques, rules []string) bool {
	for _, t := range techniques {
		t = strings.ToUpper(t)
		for _, pt := range p.Techniques {
			if t == pt || strings.HasPrefix(t, pt+".") {
				return true
			}
		}
	}
	for _, r := range rules {
		if slices.Contains(p.Rules, r) {
			return true
		}
	}
	return false
}

// Recommendation is a playbook step filled in for one case.
type Recommendation struct {
	Playbook string   `json:"playbook"`
	Phase    string   `json:"phase"`
	Title    string   `json:"title"`
	Shell    string   `json:"shell,omitempty"`
	Commands []string `json:"commands"` // the filled-in commands; none when the case lacks the values
	Missing  []string `json:"missing,omitempty"`
}

// TaskTexts are the recommendation as one checklist line per command (or the title alone).
func (r Recommendation) TaskTexts() []string {
	if len(r.Commands) == 0 {
		return []string{r.Title}
	}
	out := make([]string, len(r.Commands))
	for i, c := range r.Commands {
		out[i] = r.Title + ": " + c
	}
	return out
}

// Recommend fills in the steps of every playbook matching the case, ordered by phase, then
// playbook order. Nothing is ever run: the commands are text for an analyst to review.
func Recommend(playbooks []Playbook, c *Case) []Recommendation {
	var techniques, rules []string
	for _, t := range c.Techniques {
		techniques = append(techniques, t.ID)
	}
	for _, a := range c.Alerts {
		rules = append(rules, a.Rule)
		techniques = append(techniques, a.Attack...)
	}
	values := entityValues(c)
	var out []Recommendation
	seen := map[string]bool{} // shell and command: two playbooks often share a step
	for _, p := range playbooks {
		if !p.Matches(techniques, rules) {
			continue
		}
		for _, s := range p.Steps {
			r := Recommendation{Playbook: p.Name, Phase: s.Phase, Title: s.Title, Shell: s.Shell, Commands: []string{}}
			if s.Run != "" {
				cmds, missing := Fill(s.Run, s.Shell, values)
				r.Missing = missing
				for _, cmd := range cmds {
					if !seen[s.Shell+"\x00"+cmd] {
						seen[s.Shell+"\x00"+cmd] = true
						r.Commands = append(r.Commands, cmd)
					}
				}
				if len(cmds) > 0 && len(r.Commands) == 0 {
					continue // every command was recommended already
				}
			}
			out = append(out, r)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		return slices.Index(Phases, out[i].Phase) < slices.Index(Phases, out[j].Phase)
	})
	return out
}

// entityValues maps each placeholder to the case's values for it.
func entityValues(c *Case) map[string][]string {
	v := map[string][]string{"case": {fmt.Sprint(c.ID)}}
	add := func(k, val string) {
		if val != "" && !slices.Contains(v[k], val) {
			v[k] = append(v[k], val)
		}
	}
	for _, e := range c.Entities {
		switch e.Kind {
		case "user", "target_user":
			add("user", e.Value)
		case "src_ip", "dst_ip":
			add(e.Kind, e.Value)
			add("ip", e.Value)
		case "host", "domain", "process", "hash":
			add(e.Kind, e.Value)
		}
	}
	return v
}

// Fill expands a command template with values, quoting each for shell. It returns one command
// per combination of values (at most MaxExpansions), or none and the names of the
// placeholders without values.
func Fill(tmpl, shell string, values map[string][]string) (cmds, missing []string) {
	quote := quoters[shell]
	if quote == nil {
		quote = quoters["text"]
	}
	names := templateNames(tmpl)
	for _, n := range names {
		if len(values[n]) == 0 {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		return []string{}, missing
	}
	var expand func(i int, cur map[string]string)
	expand = func(i int, cur map[string]string) {
		if len(cmds) >= MaxExpansions {
			return
		}
		if i == len(names) {
			cmds = append(cmds, substitute(tmpl, cur, quote))
			return
		}
		for _, val := range values[names[i]] {
			cur[names[i]] = val
			expand(i+1, cur)
		}
	}
	expand(0, map[string]string{})
	return cmds, nil
}

func substitute(tmpl string, vals map[string]string, quote func(string) string) string {
	var b strings.Builder
	for rest := tmpl; ; {
		i := strings.Index(rest, "{{")
		j := -1
		if i >= 0 {
			j = strings.Index(rest[i:], "}}")
		}
		if i < 0 || j < 0 {
			b.WriteString(rest)
			return b.String()
		}
		b.WriteString(rest[:i])
		b.WriteString(quote(vals[strings.TrimSpace(rest[i+2:i+j])]))
		rest = rest[i+j+2:]
	}
}

// quoters quote a value for the shell a command is written for. Every value is first made
// printable (render.Sanitize: no terminal escapes, no line breaks that would end the command).
var quoters = map[string]func(string) string{
	// POSIX sh: single quotes keep everything literal; a single quote is closed, escaped and
	// reopened.
	"sh": func(s string) string {
		return "'" + strings.ReplaceAll(printable(s), "'", `'\''`) + "'"
	},
	// PowerShell: in a single-quoted string the only special characters are the quotes, and
	// PowerShell takes the typographic single quotes ‘ ’ ‚ ‛ as quotes too; each is doubled.
	"powershell": func(s string) string {
		var b strings.Builder
		b.WriteByte('\'')
		for _, r := range printable(s) {
			switch r {
			case '\'', '\u2018', '\u2019', '\u201a', '\u201b':
				b.WriteRune(r)
			}
			b.WriteRune(r)
		}
		b.WriteByte('\'')
		return b.String()
	},
	// text: an instruction for a person, value as it is (printable).
	"text": printable,
}

// printable makes a value safe to show and paste: control characters (line breaks too) and
// terminal escapes become visible \xNN escapes.
func printable(s string) string { return render.Sanitize(breaks.Replace(s)) }

var breaks = strings.NewReplacer("\r", `\r`, "\n", `\n`, "\t", `\t`)
