// Package themes holds the workbench's colours and styles: a Palette of role colours per
// built-in theme, turned once into a Theme of lipgloss styles grouped by widget. Screens take
// every style from a Theme and never spell a colour themselves. The package imports no Bubble Tea.
package themes

import (
	"fmt"
	"image/color"
	"os"
	"sort"
	"strings"

	"charm.land/lipgloss/v2"
)

// Palette is a theme's colours by role. A nil colour means "the terminal's own" (no colour set).
type Palette struct {
	Fg, Muted, Subtle, Border, BorderFocus, Accent color.Color
	SelectionFg, SelectionBg                       color.Color
	Error, Warning, Success                        color.Color
	HeaderFg, HeaderBg, FooterFg, FooterBg         color.Color
	ChipFg, ChipBg                                 color.Color

	// Severity of an alert.
	Info, Low, Medium, High, Critical color.Color
	// Priority of an incident or alert, P1 the most urgent.
	P1, P2, P3, P4 color.Color

	// Syntax colours for the hunting language.
	Keyword, Field, String, Number, Operator, Comment, Function color.Color
}

// Theme is a named set of styles built from a Palette. Build one with New or ByName; the styles
// are values, so a screen may derive from them (Width, Bold...) without changing the theme.
type Theme struct {
	Name    string
	Palette Palette
	// NoColor is set for the uncoloured theme: emphasis is bold, underline and reverse only.
	NoColor bool

	Base     lipgloss.Style // ordinary text
	Muted    lipgloss.Style // secondary text: ages, counts, hints
	Subtle   lipgloss.Style // tertiary text: separators, empty cells
	Accent   lipgloss.Style // the one thing to look at: current screen name, matches
	Bold     lipgloss.Style
	Error    lipgloss.Style
	Warning  lipgloss.Style
	Success  lipgloss.Style
	Title    lipgloss.Style // a screen or panel title
	Selected lipgloss.Style // the cursor row or item
	Marked   lipgloss.Style // a row picked for a bulk action
	Match    lipgloss.Style // characters a fuzzy filter matched

	Header    lipgloss.Style // the top bar
	Footer    lipgloss.Style // the status bar
	StatusKey lipgloss.Style // a label block inside the status bar (the mode, the screen)

	Panel        lipgloss.Style // a bordered box
	PanelFocused lipgloss.Style // a bordered box that has the focus

	Chip lipgloss.Style // an entity or tag chip: user:alice

	Table TableStyles
	Help  HelpStyles
	Syn   SyntaxStyles

	severity map[string]lipgloss.Style
	priority [4]lipgloss.Style
}

// ChangedMsg tells every screen that the workbench's theme changed. The root changes the shared
// *Theme in place (so styles read from it at View time follow at once) and then sends this to
// every screen, for the styles a screen derived from the theme and keeps (a table's).
type ChangedMsg struct{}

// TableStyles style a results table.
type TableStyles struct {
	Header   lipgloss.Style
	Cell     lipgloss.Style
	Selected lipgloss.Style
}

// HelpStyles mirror bubbles/help's Styles so the root can fill them in without themes
// importing bubbles.
type HelpStyles struct {
	Key, Desc, Separator, Ellipsis lipgloss.Style
}

// SyntaxStyles colour the hunting language in the hunt console.
type SyntaxStyles struct {
	Keyword, Field, String, Number, Operator, Comment, Function, Error lipgloss.Style
}

// Severities lists the severity names in rising order; Severity styles each.
var Severities = []string{"info", "low", "medium", "high", "critical"}

// Severity is the style for an alert severity name (info, informational, low, medium, high,
// critical; any case). An unknown name gets the muted style.
func (t *Theme) Severity(name string) lipgloss.Style {
	name = strings.ToLower(strings.TrimSpace(name))
	if name == "informational" {
		name = "info"
	}
	if s, ok := t.severity[name]; ok {
		return s
	}
	return t.Muted
}

// Priority is the style for priority p, 1 (P1, the most urgent) to 4; others are clamped.
func (t *Theme) Priority(p int) lipgloss.Style {
	p = min(max(p, 1), 4)
	return t.priority[p-1]
}

// fg is a style with foreground c, or no colour when c is nil.
func fg(c color.Color) lipgloss.Style {
	s := lipgloss.NewStyle()
	if c != nil {
		s = s.Foreground(c)
	}
	return s
}

// colors is fg and a background.
func colors(f, b color.Color) lipgloss.Style {
	s := fg(f)
	if b != nil {
		s = s.Background(b)
	}
	return s
}

// New builds a theme's styles from its palette. noColor builds the uncoloured variant: every
// colour dropped, emphasis kept as bold, underline and reverse.
func New(name string, p Palette, noColor bool) *Theme {
	if noColor {
		p = Palette{}
	}
	t := &Theme{Name: name, Palette: p, NoColor: noColor}
	t.Base = fg(p.Fg)
	t.Muted = fg(p.Muted)
	t.Subtle = fg(p.Subtle)
	t.Accent = fg(p.Accent).Bold(true)
	t.Bold = fg(p.Fg).Bold(true)
	t.Error = fg(p.Error).Bold(true)
	t.Warning = fg(p.Warning)
	t.Success = fg(p.Success)
	t.Title = fg(p.Accent).Bold(true)
	t.Selected = colors(p.SelectionFg, p.SelectionBg).Bold(true)
	t.Marked = fg(p.Accent).Bold(true)
	t.Match = fg(p.Accent).Underline(true)
	t.Header = colors(p.HeaderFg, p.HeaderBg).Bold(true)
	t.Footer = colors(p.FooterFg, p.FooterBg)
	t.StatusKey = colors(p.SelectionFg, p.SelectionBg).Bold(true).Padding(0, 1)
	border := lipgloss.RoundedBorder()
	t.Panel = lipgloss.NewStyle().Border(border)
	t.PanelFocused = lipgloss.NewStyle().Border(border)
	if p.Border != nil {
		t.Panel = t.Panel.BorderForeground(p.Border)
	}
	if p.BorderFocus != nil {
		t.PanelFocused = t.PanelFocused.BorderForeground(p.BorderFocus)
	}
	t.Chip = colors(p.ChipFg, p.ChipBg)
	t.Table = TableStyles{
		Header:   fg(p.Accent).Bold(true),
		Cell:     fg(p.Fg),
		Selected: t.Selected,
	}
	t.Help = HelpStyles{Key: fg(p.Accent).Bold(true), Desc: fg(p.Muted), Separator: fg(p.Subtle), Ellipsis: fg(p.Subtle)}
	t.Syn = SyntaxStyles{
		Keyword:  fg(p.Keyword).Bold(true),
		Field:    fg(p.Field),
		String:   fg(p.String),
		Number:   fg(p.Number),
		Operator: fg(p.Operator),
		Comment:  fg(p.Comment).Italic(true),
		Function: fg(p.Function),
		Error:    fg(p.Error).Underline(true),
	}
	t.severity = map[string]lipgloss.Style{
		"info":     fg(p.Info),
		"low":      fg(p.Low),
		"medium":   fg(p.Medium),
		"high":     fg(p.High).Bold(true),
		"critical": fg(p.Critical).Bold(true),
	}
	t.priority = [4]lipgloss.Style{fg(p.P1).Bold(true), fg(p.P2).Bold(true), fg(p.P3), fg(p.P4)}
	if noColor {
		// Without colour the most urgent levels stand out by reverse video.
		t.severity["critical"] = t.severity["critical"].Reverse(true)
		t.priority[0] = t.priority[0].Reverse(true)
		t.Selected = t.Selected.Reverse(true)
		t.Table.Selected = t.Selected
		t.StatusKey = t.StatusKey.Reverse(true)
		t.Header = t.Header.Reverse(true)
		t.Chip = t.Chip.Underline(true)
	}
	return t
}

// builtin are the palettes of the built-in themes by name.
var builtin = map[string]Palette{
	"dark":          darkPalette,
	"light":         lightPalette,
	"high-contrast": okabeItoPalette,
}

// aliases are other names accepted for built-in themes.
var aliases = map[string]string{
	"colorblind":  "high-contrast",
	"colourblind": "high-contrast",
	"okabe-ito":   "high-contrast",
	"hc":          "high-contrast",
	"nocolor":     "no-color",
	"no-colour":   "no-color",
	"none":        "no-color",
	"plain":       "no-color",
	"mono":        "no-color",
}

// DefaultName is the theme used when nothing chooses one.
const DefaultName = "dark"

// Names lists the built-in theme names, sorted, including "no-color".
func Names() []string {
	var n []string
	for k := range builtin {
		n = append(n, k)
	}
	n = append(n, "no-color")
	sort.Strings(n)
	return n
}

// ByName returns a built-in theme ("dark", "light", "high-contrast", "no-color" or an alias;
// any case). An empty name gives the default theme.
func ByName(name string) (*Theme, error) {
	key := strings.ToLower(strings.TrimSpace(name))
	if key == "" {
		key = DefaultName
	}
	if a, ok := aliases[key]; ok {
		key = a
	}
	if key == "no-color" {
		return New("no-color", Palette{}, true), nil
	}
	p, ok := builtin[key]
	if !ok {
		return nil, fmt.Errorf("unknown theme %q (themes: %s)", name, strings.Join(Names(), ", "))
	}
	return New(key, p, false), nil
}

// EnvTheme is the environment variable that chooses a theme.
const EnvTheme = "TRAWL_THEME"

// Choose picks the theme the way the CLI does: the flag if set, else the TRAWL_THEME
// environment variable, else the setting (from a config file; may be empty), else the default.
// Whatever is chosen, a non-empty NO_COLOR environment variable (no-color.org) gives the
// uncoloured variant.
func Choose(flag, setting string) (*Theme, error) {
	return choose(flag, setting, os.Getenv)
}

func choose(flag, setting string, getenv func(string) string) (*Theme, error) {
	name := flag
	if name == "" {
		name = getenv(EnvTheme)
	}
	if name == "" {
		name = setting
	}
	t, err := ByName(name)
	if err != nil {
		return nil, err
	}
	if getenv("NO_COLOR") != "" && !t.NoColor {
		t = New(t.Name, t.Palette, true)
	}
	return t, nil
}
