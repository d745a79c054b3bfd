package tui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// Move is where a movement key (Up, Down, PageUp, PageDown, Top, Bottom) takes the cursor of
// a list of total rows with page rows on screen, kept in the list (0 when it is empty); ok is
// false for any other key. The list screens share it so that the keys move alike everywhere.
func (k *KeyMap) Move(msg tea.KeyPressMsg, cursor, page, total int) (to int, ok bool) {
	switch {
	case key.Matches(msg, k.Down):
		to = cursor + 1
	case key.Matches(msg, k.Up):
		to = cursor - 1
	case key.Matches(msg, k.PageDown):
		to = cursor + page
	case key.Matches(msg, k.PageUp):
		to = cursor - page
	case key.Matches(msg, k.Top):
		to = 0
	case key.Matches(msg, k.Bottom):
		to = total - 1
	default:
		return cursor, false
	}
	return max(min(to, total-1), 0), true
}
