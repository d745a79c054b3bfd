package tui

import (
	tea "charm.land/bubbletea/v2"
)

// Drain runs cmd and every command it leads to synchronously, the way the root would for one
// screen: job results go through Context.Finish (stale ones dropped) to s.Update, and every
// other message is returned in order. Tests and benchmarks use it to drive a screen without a
// terminal.
func Drain(c *Context, s Screen, cmd tea.Cmd) []tea.Msg {
	var out []tea.Msg
	queue := []tea.Cmd{cmd}
	for len(queue) > 0 {
		cmd := queue[0]
		queue = queue[1:]
		if cmd == nil {
			continue
		}
		switch msg := cmd().(type) {
		case nil:
		case tea.BatchMsg:
			queue = append(queue, msg...)
		case QueryFinishedMsg:
			if c.Finish(msg) && msg.Owner == s.ID() {
				queue = append(queue, s.Update(msg))
			}
		default:
			out = append(out, msg)
		}
	}
	return out
}

// Press sends key presses to s, draining the commands each one returns, and returns the
// messages that were not job results.
func Press(c *Context, s Screen, keys ...tea.Msg) []tea.Msg {
	var out []tea.Msg
	for _, k := range keys {
		out = append(out, Drain(c, s, s.Update(k))...)
	}
	return out
}
