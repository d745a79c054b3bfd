package tui

import (
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"

	"trawl/tui/text"
)

// Input is a one-line text field for filters and the command palette: typed text, backspace,
// ctrl+u to clear, ctrl+w to delete a word. The cursor is always at the end. It draws without
// blinking, so screens render the same every time.
type Input struct {
	Prompt string
	Value  string
	Limit  int // most runes kept (0: 256)
}

// Update applies a key; it reports whether the value changed.
func (in *Input) Update(k tea.KeyPressMsg) bool {
	limit := in.Limit
	if limit <= 0 {
		limit = 256
	}
	switch k.String() {
	case "backspace", "ctrl+h":
		if in.Value == "" {
			return false
		}
		_, n := utf8.DecodeLastRuneInString(in.Value)
		in.Value = in.Value[:len(in.Value)-n]
		return true
	case "ctrl+u":
		changed := in.Value != ""
		in.Value = ""
		return changed
	case "ctrl+w":
		v := in.Value
		for len(v) > 0 && v[len(v)-1] == ' ' {
			v = v[:len(v)-1]
		}
		for len(v) > 0 && v[len(v)-1] != ' ' {
			v = v[:len(v)-1]
		}
		changed := v != in.Value
		in.Value = v
		return changed
	}
	if k.Text == "" || k.Mod&(tea.ModCtrl|tea.ModAlt) != 0 {
		return false
	}
	if utf8.RuneCountInString(in.Value)+utf8.RuneCountInString(k.Text) > limit {
		return false
	}
	in.Value += k.Text
	return true
}

// View draws the prompt, the value (sanitized: pasted text may hold escapes) and a block
// cursor in width cells, showing the end of a long value.
func (in *Input) View(c *Context, width int) string {
	prompt := c.Theme.Accent.Render(in.Prompt)
	room := width - text.Width(in.Prompt) - 1
	v := text.Sanitize(in.Value)
	if text.Width(v) > room {
		v = "…" + text.Tail(v, room-1) // the end, where the cursor is
	}
	return Line(prompt+c.Theme.Base.Render(v)+c.Theme.Selected.Render(" "), width)
}
