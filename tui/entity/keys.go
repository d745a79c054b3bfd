package entity

import "charm.land/bubbles/v2/key"

// KeyMap is the entity view's own keys; the embedded timeline's (timeline.KeyMap) apply when
// it has the focus.
type KeyMap struct {
	Back, Forward key.Binding
	Panel         key.Binding
	Up, Down      key.Binding
	Open          key.Binding
}

// DefaultKeyMap is the entity view's standard keys.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Back:    key.NewBinding(key.WithKeys("[", "alt+left", "backspace"), key.WithHelp("[", "back")),
		Forward: key.NewBinding(key.WithKeys("]", "alt+right"), key.WithHelp("]", "forward")),
		Panel:   key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "timeline/related/alerts")),
		Up:      key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:    key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		Open:    key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open")),
	}
}

// ShortHelp implements help.KeyMap.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Back, k.Forward, k.Panel, k.Open}
}

// FullHelp implements help.KeyMap: the view's keys, then the timeline's.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Back, k.Forward, k.Panel}, {k.Up, k.Down, k.Open}}
}

// ShortHelp is the view's keys and the timeline's most used, for the root's help line.
func (m Model) ShortHelp() []key.Binding {
	return append(m.Keys.ShortHelp(), m.timeline.Keys.ShortHelp()...)
}

// FullHelp is the view's keys and the timeline's.
func (m Model) FullHelp() [][]key.Binding {
	return append(m.Keys.FullHelp(), m.timeline.Keys.FullHelp()...)
}
