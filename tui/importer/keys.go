package importer

import "charm.land/bubbles/v2/key"

// KeyMap is the Import screen's keys; the root renders ShortHelp and FullHelp with bubbles/help.
type KeyMap struct {
	Up, Down, PageUp, PageDown, First, Last key.Binding
	// The file browser.
	Open, Mark, Parent, Path, Hidden, Import key.Binding
	// The path field.
	Complete key.Binding
	// While importing.
	Cancel key.Binding
	// The summary and the rejects list.
	Rejects, New, Back key.Binding
}

// DefaultKeyMap is the Import screen's standard keys (vim and arrows).
func DefaultKeyMap() KeyMap {
	b := func(help, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return KeyMap{
		Up:       b("↑/k", "up", "up", "k"),
		Down:     b("↓/j", "down", "down", "j"),
		PageUp:   b("pgup", "page up", "pgup", "ctrl+b"),
		PageDown: b("pgdn", "page down", "pgdown", "ctrl+f"),
		First:    b("g/home", "first", "g", "home"),
		Last:     b("G/end", "last", "G", "end"),
		Open:     b("enter", "open folder / mark file", "enter"),
		Mark:     b("space", "mark", "space"),
		Parent:   b("backspace/h", "up a folder", "backspace", "h", "left", "-"),
		Path:     b("/", "type a path or glob", "/"),
		Hidden:   b(".", "hidden files", "."),
		Import:   b("i", "import marked", "i"),
		Complete: b("tab", "complete", "tab"),
		Cancel:   b("esc/ctrl+c", "cancel import", "esc", "ctrl+c"),
		Rejects:  b("enter/r", "rejects of file", "enter", "r"),
		New:      b("n", "new import", "n"),
		Back:     b("esc/backspace", "back to summary", "esc", "backspace", "h", "left"),
	}
}

// ShortHelp implements help.KeyMap.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Open, k.Mark, k.Parent, k.Path, k.Import}
}

// FullHelp implements help.KeyMap.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.First, k.Last},
		{k.Open, k.Mark, k.Parent, k.Path, k.Complete, k.Hidden, k.Import},
		{k.Cancel, k.Rejects, k.New, k.Back},
	}
}
