package timeline

import "charm.land/bubbles/v2/key"

// KeyMap is the timeline's keys; the root renders ShortHelp and FullHelp with bubbles/help.
type KeyMap struct {
	Up, Down, PageUp, PageDown, First, Last key.Binding
	NextBucket, PrevBucket                  key.Binding
	ZoomIn, ZoomOut                         key.Binding
	Jump                                    key.Binding
	Fields                                  key.Binding
	Raw                                     key.Binding
	Pivot                                   key.Binding
	Back                                    key.Binding
}

// DefaultKeyMap is the timeline's standard keys (vim and arrows).
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Up:         key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "earlier")),
		Down:       key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "later")),
		PageUp:     key.NewBinding(key.WithKeys("pgup", "ctrl+b"), key.WithHelp("pgup", "page earlier")),
		PageDown:   key.NewBinding(key.WithKeys("pgdown", "ctrl+f", "space"), key.WithHelp("pgdn", "page later")),
		First:      key.NewBinding(key.WithKeys("home"), key.WithHelp("home", "first event")),
		Last:       key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("G/end", "last event")),
		NextBucket: key.NewBinding(key.WithKeys("}"), key.WithHelp("}", "next bucket")),
		PrevBucket: key.NewBinding(key.WithKeys("{"), key.WithHelp("{", "previous bucket")),
		ZoomIn:     key.NewBinding(key.WithKeys("+", "="), key.WithHelp("+", "zoom in")),
		ZoomOut:    key.NewBinding(key.WithKeys("-", "_"), key.WithHelp("-", "zoom out")),
		Jump:       key.NewBinding(key.WithKeys("g"), key.WithHelp("g", "go to time")),
		Fields:     key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "events/fields")),
		Raw:        key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "raw record/fields")),
		Pivot:      key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "fields / pivot")),
		Back:       key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back to events")),
	}
}

// ShortHelp implements help.KeyMap.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Jump, k.ZoomIn, k.ZoomOut, k.Pivot}
}

// FullHelp implements help.KeyMap.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.First, k.Last},
		{k.Jump, k.NextBucket, k.PrevBucket, k.ZoomIn, k.ZoomOut},
		{k.Fields, k.Raw, k.Pivot, k.Back},
	}
}
