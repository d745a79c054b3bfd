package hunt

import "charm.land/bubbles/v2/key"

// KeyMap is the console's keys; the root renders ShortHelp and FullHelp with bubbles/help.
type KeyMap struct {
	Run         key.Binding
	SwitchFocus key.Binding
	HistoryPrev key.Binding
	HistoryNext key.Binding
	NextPage    key.Binding
	PrevPage    key.Binding
	SaveRule    key.Binding
	Cancel      key.Binding
	// In the results: the column to pivot on, and pivot (open the entity of the cell).
	NextColumn key.Binding
	PrevColumn key.Binding
	Pivot      key.Binding
}

// DefaultKeyMap is the console's standard keys.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Run:         key.NewBinding(key.WithKeys("ctrl+r", "ctrl+enter"), key.WithHelp("ctrl+r", "run")),
		SwitchFocus: key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "editor/results")),
		HistoryPrev: key.NewBinding(key.WithKeys("up"), key.WithHelp("↑ (first line)", "older query")),
		HistoryNext: key.NewBinding(key.WithKeys("down"), key.WithHelp("↓ (last line)", "newer query")),
		NextPage:    key.NewBinding(key.WithKeys("]", "n"), key.WithHelp("]", "next page")),
		PrevPage:    key.NewBinding(key.WithKeys("[", "p"), key.WithHelp("[", "previous page")),
		SaveRule:    key.NewBinding(key.WithKeys("ctrl+s"), key.WithHelp("ctrl+s", "save as rule")),
		Cancel:      key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
		NextColumn:  key.NewBinding(key.WithKeys("right", "l"), key.WithHelp("→/l", "next entity column")),
		PrevColumn:  key.NewBinding(key.WithKeys("left", "h"), key.WithHelp("←/h", "previous entity column")),
		Pivot:       key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open entity")),
	}
}

// ShortHelp implements help.KeyMap.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Run, k.SwitchFocus, k.SaveRule, k.HistoryPrev}
}

// FullHelp implements help.KeyMap.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Run, k.Cancel, k.SaveRule},
		{k.SwitchFocus, k.NextPage, k.PrevPage},
		{k.PrevColumn, k.NextColumn, k.Pivot},
		{k.HistoryPrev, k.HistoryNext},
	}
}
