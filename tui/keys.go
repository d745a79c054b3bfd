package tui

import "charm.land/bubbles/v2/key"

// KeyMap is every key binding of the workbench: the global ones the root handles and the
// navigation and action keys the screens share, so that help is generated from one place and
// the same key does the same thing everywhere. Vim keys and arrows both work.
type KeyMap struct {
	// Global, handled by the root.
	Quit, Help, Palette, Back, Forward, Cancel key.Binding
	Queue, Overview, Hunt, Timeline, Cases     key.Binding
	Import                                     key.Binding
	// Case keys, handled by the root on the screen shown (not while it captures keys).
	PinEvent, NewCase key.Binding

	// Movement in lists and tables.
	Up, Down, PageUp, PageDown, Top, Bottom, Left, Right key.Binding

	// Actions screens share.
	Open, Filter, Sort, Mark, MarkAll, Ack, Assign, Raw, Focus, Refresh, Pivot, TimelineOf key.Binding
}

// DefaultKeyMap is the built-in key map.
func DefaultKeyMap() *KeyMap {
	b := func(help, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return &KeyMap{
		Quit:     b("q", "quit", "q", "ctrl+c"),
		Help:     b("?", "help", "?"),
		Palette:  b(":", "command", ":"),
		Back:     b("esc/[", "back", "esc", "[", "alt+left", "backspace"),
		Forward:  b("]", "forward", "]", "alt+right"),
		Cancel:   b("ctrl+g", "cancel queries", "ctrl+g"),
		Queue:    b("1", "queue", "1"),
		Overview: b("2", "overview", "2"),
		Hunt:     b("3", "hunt", "3"),
		Timeline: b("4", "timeline", "4"),
		Cases:    b("5", "cases", "5"),
		Import:   b("6", "import", "6"),
		PinEvent: b("ctrl+p", "pin to case", "ctrl+p"),
		NewCase:  b("C", "new case", "C"),

		Up:       b("↑/k", "up", "up", "k"),
		Down:     b("↓/j", "down", "down", "j"),
		PageUp:   b("pgup/ctrl+b", "page up", "pgup", "ctrl+b", "ctrl+u"),
		PageDown: b("pgdn/ctrl+f", "page down", "pgdown", "ctrl+f", "ctrl+d"),
		Top:      b("g/home", "top", "g", "home"),
		Bottom:   b("G/end", "bottom", "G", "end"),
		Left:     b("←/h", "left", "left", "h"),
		Right:    b("→/l", "right", "right", "l"),

		Open:    b("enter", "open", "enter"),
		Filter:  b("/", "filter", "/"),
		Sort:    b("s", "sort", "s"),
		Mark:    b("space", "select", "space"),
		MarkAll: b("V", "select all shown", "V"),
		Ack:     b("a", "acknowledge", "a"),
		Assign:  b("A", "assign to me", "A"),
		Raw:     b("r", "raw record", "r"),
		Focus:   b("tab", "switch pane", "tab"),
		Refresh: b("ctrl+r", "reload", "ctrl+r"),
		Pivot:   b("p", "pivot", "p"),

		TimelineOf: b("t", "timeline", "t"),
	}
}

// ShortHelp is the global bindings for the status bar.
func (k *KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Help, k.Palette, k.Back, k.Quit}
}

// FullHelp is the global bindings for `?`, in columns.
func (k *KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Queue, k.Overview, k.Hunt, k.Timeline, k.Cases, k.Import},
		{k.Palette, k.Back, k.Forward, k.Cancel, k.PinEvent, k.NewCase},
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom},
		{k.Help, k.Quit},
	}
}
