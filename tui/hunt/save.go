package hunt

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"trawl/dsl"
	"trawl/themes"
	"trawl/tui/text"
)

// saveForm asks for the name, title and severity of a rule to save the query as.
type saveForm struct {
	theme  *themes.Theme
	keys   saveKeys
	inputs [3]buffer
	labels [3]string
	cur    int
	err    string
}

type saveKeys struct {
	Next, Prev, Submit key.Binding
}

const (
	fieldName = iota
	fieldTitle
	fieldSeverity
)

func newSaveForm(theme *themes.Theme) saveForm {
	f := saveForm{
		theme: theme,
		keys: saveKeys{
			Next:   key.NewBinding(key.WithKeys("enter", "tab")),
			Prev:   key.NewBinding(key.WithKeys("shift+tab")),
			Submit: key.NewBinding(key.WithKeys("enter")),
		},
		labels: [3]string{"name", "title", "severity"},
	}
	for i := range f.inputs {
		f.inputs[i] = newBuffer(false, 200)
	}
	return f
}

// open resets the form for a new rule.
func (f *saveForm) open() tea.Cmd {
	for i := range f.inputs {
		f.inputs[i].SetValue("")
	}
	f.inputs[fieldSeverity].SetValue("medium")
	f.cur, f.err = 0, ""
	return nil
}

func (f *saveForm) last() bool { return f.cur == len(f.inputs)-1 }

func (f *saveForm) update(msg tea.Msg) tea.Cmd {
	if k, ok := msg.(tea.KeyPressMsg); ok {
		switch {
		case key.Matches(k, f.keys.Next):
			f.move(1)
			return nil
		case key.Matches(k, f.keys.Prev):
			f.move(-1)
			return nil
		}
	}
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		f.inputs[f.cur].Update(msg)
	case tea.PasteMsg:
		f.inputs[f.cur].Insert(msg.Content)
	}
	f.err = ""
	return nil
}

func (f *saveForm) move(d int) {
	f.cur = (f.cur + d + len(f.inputs)) % len(f.inputs)
}

func (f saveForm) view(width, height int) []string {
	out := []string{f.theme.Title.Render("Save as rule") + f.theme.Muted.Render(text.Clip("  enter next · esc cancel", max(width-12, 0)))}
	for i, in := range f.inputs {
		label := fmt.Sprintf("%-9s ", f.labels[i]+":")
		v := text.Clip(in.Value(), max(width-len(label)-2, 1))
		if i == f.cur {
			v = f.theme.Accent.Render(v) + f.theme.Selected.Reverse(true).Render(" ")
		}
		out = append(out, f.theme.Muted.Render(label)+v)
	}
	out = append(out, f.theme.Subtle.Render(text.Clip("severity is one of info, low, medium, high, critical", width)))
	if f.err != "" {
		for _, l := range strings.Split(f.err, "\n") {
			out = append(out, f.theme.Error.Render(text.Clip(l, width)))
		}
	}
	if len(out) > height {
		out = out[:height]
	}
	return out
}

// ruleName is what a rule name may be: an identifier of the language.
var ruleName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// savedRule is a rule ready to write: its file name and text.
type savedRule struct {
	Name, Text string
}

// rule builds the rule file for query from the form and checks it as `trawl rules check`
// would: it must parse, its query check against the events table and keep its evidence.
func (f saveForm) rule(query string) (savedRule, error) {
	name := strings.TrimSpace(f.inputs[fieldName].Value())
	title := strings.TrimSpace(f.inputs[fieldTitle].Value())
	sev := strings.ToLower(strings.TrimSpace(f.inputs[fieldSeverity].Value()))
	switch {
	case !ruleName.MatchString(name) || dsl.IsKeyword(name):
		return savedRule{}, fmt.Errorf("name %q: use letters, digits and _ (not starting with a digit)", name)
	case title == "":
		return savedRule{}, errors.New("give the rule a title")
	}
	if _, ok := dsl.ParseSeverity(sev); !ok {
		return savedRule{}, fmt.Errorf("severity %q: use info, low, medium, high or critical", sev)
	}
	src := RuleText(name, title, sev, query)
	rs, err := dsl.ParseRules(name+".hunt", src)
	if err != nil {
		return savedRule{}, errors.New(strings.TrimSpace(dsl.FormatError(src, err)))
	}
	for _, r := range rs {
		if _, _, err := dsl.CheckRule(r, dsl.EventCatalogue(), nil, dsl.Options{}); err != nil {
			return savedRule{}, errors.New(strings.TrimSpace(dsl.FormatError(src, err)))
		}
	}
	return savedRule{Name: name, Text: src}, nil
}

// RuleText is the .hunt file of one rule around query (indented under `query`).
func RuleText(name, title, severity, query string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "rule %s {\n", name)
	fmt.Fprintf(&b, "  title %s\n", dsl.Quote(title))
	fmt.Fprintf(&b, "  severity %s\n", severity)
	lines := strings.Split(strings.TrimRight(strings.TrimSpace(query), "\n"), "\n")
	for i, l := range lines {
		if i == 0 {
			b.WriteString("  query " + strings.TrimRight(l, " \t") + "\n")
		} else {
			b.WriteString("    " + strings.TrimRight(l, " \t") + "\n")
		}
	}
	b.WriteString("}\n")
	return b.String()
}

// saveRuleCmd writes the rule into dir as NAME.hunt, refusing to replace an existing file.
func saveRuleCmd(owner int, dir string, r savedRule) tea.Cmd {
	return func() tea.Msg {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return RuleSavedMsg{Owner: owner, Err: fmt.Errorf("creating rules folder: %w", err)}
		}
		path := filepath.Join(dir, r.Name+".hunt")
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			if errors.Is(err, os.ErrExist) {
				return RuleSavedMsg{Owner: owner, Err: fmt.Errorf("%s already exists: choose another name", path)}
			}
			return RuleSavedMsg{Owner: owner, Err: fmt.Errorf("saving rule: %w", err)}
		}
		_, err = f.WriteString(r.Text)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(path)
			return RuleSavedMsg{Owner: owner, Err: fmt.Errorf("saving rule %s: %w", path, err)}
		}
		return RuleSavedMsg{Owner: owner, Path: path}
	}
}
