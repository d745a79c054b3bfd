package tui

import (
	"testing"

	tea "charm.land/bubbletea/v2"
)

func TestMove(t *testing.T) {
	k := DefaultKeyMap()
	press := func(code rune, text string) tea.KeyPressMsg { return tea.KeyPressMsg{Code: code, Text: text} }
	for _, tc := range []struct {
		name                string
		msg                 tea.KeyPressMsg
		cursor, page, total int
		want                int
		wantOK              bool
	}{
		{"j", press('j', "j"), 3, 10, 50, 4, true},
		{"down at the end", press(tea.KeyDown, ""), 49, 10, 50, 49, true},
		{"k", press('k', "k"), 3, 10, 50, 2, true},
		{"up at the top", press(tea.KeyUp, ""), 0, 10, 50, 0, true},
		{"page down", press(tea.KeyPgDown, ""), 3, 10, 50, 13, true},
		{"page down past the end", press(tea.KeyPgDown, ""), 45, 10, 50, 49, true},
		{"page up past the top", press(tea.KeyPgUp, ""), 3, 10, 50, 0, true},
		{"g", press('g', "g"), 30, 10, 50, 0, true},
		{"G", press('G', "G"), 3, 10, 50, 49, true},
		{"G on an empty list", press('G', "G"), 0, 10, 0, 0, true},
		{"another key", press('x', "x"), 7, 10, 50, 7, false},
	} {
		if got, ok := k.Move(tc.msg, tc.cursor, tc.page, tc.total); got != tc.want || ok != tc.wantOK {
			t.Errorf("%s: Move = %d, %v; want %d, %v", tc.name, got, ok, tc.want, tc.wantOK)
		}
	}
}
