package casefile

import (
	"charm.land/bubbles/v2/key"

	"trawl/tui"
)

// KeyMap is the case file's keys; the root renders ShortHelp and FullHelp with bubbles/help.
type KeyMap struct {
	NextTab, PrevTab                        key.Binding
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
	Note, Status, Verdict, Done, Playbook   key.Binding
	Export, Reload, Open                    key.Binding
	// Save and Cancel apply while writing a note, picking a value or typing a path.
	Save, Choose, Cancel key.Binding
}

// DefaultKeyMap is the case file's standard keys; moving keys are the workbench's.
func DefaultKeyMap() KeyMap {
	g := tui.DefaultKeyMap()
	b := func(help, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return KeyMap{
		NextTab:  b("tab/→", "next tab", "tab", "right", "l"),
		PrevTab:  b("shift+tab/←", "previous tab", "shift+tab", "left", "h"),
		Up:       g.Up,
		Down:     g.Down,
		PageUp:   g.PageUp,
		PageDown: g.PageDown,
		Top:      g.Top,
		Bottom:   g.Bottom,
		Note:     b("n", "add note", "n"),
		Status:   b("s", "status", "s"),
		Verdict:  b("v", "verdict", "v"),
		Done:     b("space/x", "task done", "space", "x"),
		Playbook: b("P", "add playbook tasks", "P"),
		Export:   b("e", "export report", "e"),
		Reload:   g.Refresh,
		Open:     b("enter", "open alert", "enter"),
		Save:     b("ctrl+s", "save note", "ctrl+s"),
		Choose:   b("enter", "choose", "enter"),
		Cancel:   b("esc", "cancel", "esc"),
	}
}

// ShortHelp implements help.KeyMap.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.NextTab, k.Note, k.Status, k.Verdict, k.Export}
}

// FullHelp implements help.KeyMap.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.NextTab, k.PrevTab, k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom},
		{k.Note, k.Status, k.Verdict, k.Done, k.Playbook, k.Export, k.Reload, k.Open},
		{k.Save, k.Choose, k.Cancel},
	}
}
