package tui

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"trawl/tui/text"
)

// Column is a table column: a fixed Width, or a share of the space left (Flex > 0).
type Column struct {
	Title string
	Width int
	Flex  int
}

// Widths lays columns out in total cells, one space between columns: fixed columns get their
// width, flexible ones share the rest by their Flex weights (at least 1 cell each).
func Widths(cols []Column, total int) []int {
	w := make([]int, len(cols))
	left := total - max(len(cols)-1, 0)
	flex := 0
	for i, c := range cols {
		if c.Flex > 0 {
			flex += c.Flex
			continue
		}
		w[i] = c.Width
		left -= c.Width
	}
	if flex == 0 {
		return w
	}
	left = max(left, 0)
	rest := left
	last := -1
	for i, c := range cols {
		if c.Flex > 0 {
			w[i] = max(left*c.Flex/flex, 1)
			rest -= w[i]
			last = i
		}
	}
	if last >= 0 && rest > 0 {
		w[last] += rest
	}
	return w
}

// Cell is hostile text s sanitized, padded or clipped to exactly width cells, then styled.
func Cell(style lipgloss.Style, s string, width int) string {
	return style.Render(text.Pad(s, width))
}

// Line pads or cuts an already styled line to exactly width cells.
func Line(s string, width int) string {
	w := ansi.StringWidth(s)
	switch {
	case w > width:
		return ansi.Truncate(s, width, "")
	case w < width:
		return s + strings.Repeat(" ", width-w)
	}
	return s
}

// Block makes lines into exactly height lines of exactly width cells: cut or padded.
func Block(lines []string, width, height int) string {
	out := make([]string, height)
	for i := range out {
		if i < len(lines) {
			out[i] = Line(lines[i], width)
		} else {
			out[i] = strings.Repeat(" ", width)
		}
	}
	return strings.Join(out, "\n")
}

// Scroll is the first row to show of a list of total rows, rows at a time, so that the row at
// cursor is in view: top moves as little as it must, and the last screen is kept full.
func Scroll(cursor, top, rows, total int) int {
	if cursor < top {
		top = cursor
	}
	if cursor >= top+rows {
		top = cursor - rows + 1
	}
	return max(min(top, total-rows), 0)
}

// Age is a short age like "45s", "12m", "3h", "5d", "2y" of t before now; "-" for none.
func Age(now time.Time, t *time.Time) string {
	if t == nil || t.IsZero() {
		return "-"
	}
	d := now.Sub(*t)
	if d < 0 {
		return "future"
	}
	switch {
	case d < time.Minute:
		return strconv.Itoa(int(d/time.Second)) + "s"
	case d < time.Hour:
		return strconv.Itoa(int(d/time.Minute)) + "m"
	case d < 48*time.Hour:
		return strconv.Itoa(int(d/time.Hour)) + "h"
	case d < 365*24*time.Hour:
		return strconv.Itoa(int(d/(24*time.Hour))) + "d"
	}
	return strconv.Itoa(int(d/(365*24*time.Hour))) + "y"
}

// Chips renders entity chips ("user:alice host:ws1 +3") in at most width cells, values
// sanitized, in the order of kinds; kinds not listed follow in name order.
func (c *Context) Chips(ents map[string][]string, kinds []string, width int) string {
	var all []string
	seen := map[string]bool{}
	add := func(k string) {
		if seen[k] {
			return
		}
		seen[k] = true
		for _, v := range ents[k] {
			all = append(all, k+":"+v)
		}
	}
	for _, k := range kinds {
		add(k)
	}
	var rest []string
	for k := range ents {
		if !seen[k] {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	for _, k := range rest {
		add(k)
	}
	var b strings.Builder
	used := 0
	for i, chip := range all {
		more := ""
		if left := len(all) - i - 1; left > 0 {
			more = " +" + strconv.Itoa(left)
		}
		label := text.Sanitize(chip)
		w := text.Width(label)
		sep := 0
		if i > 0 {
			sep = 1
		}
		if used+sep+w+ansi.StringWidth(more) > width {
			// Show what fits of this chip if nothing has been shown yet, then the count.
			if i == 0 {
				room := max(width-ansi.StringWidth(more), 1)
				b.WriteString(c.Theme.Chip.Render(text.Truncate(label, room)))
				used += min(w, room)
				i++
			}
			if left := len(all) - i; left > 0 && used+len(" +")+len(strconv.Itoa(left)) <= width {
				b.WriteString(c.Theme.Muted.Render(" +" + strconv.Itoa(left)))
			}
			return b.String()
		}
		if sep > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(c.Theme.Chip.Render(label))
		used += sep + w
	}
	return b.String()
}

// EntityKinds is the order entity chips are shown in.
var EntityKinds = []string{"user", "target_user", "host", "asset", "ip", "src_ip", "dst_ip", "process", "domain", "hash"}

// EntityKind maps an alert's or a risk row's entity key (src_ip, target_user, asset...) to the
// entity kind pivots take (ip, user, host...).
func EntityKind(k string) string {
	switch k {
	case "src_ip", "dst_ip":
		return "ip"
	case "target_user":
		return "user"
	case "asset":
		return "host"
	}
	return k
}

// Sparkline draws counts as block characters in exactly width cells (counts are resampled to
// the width by taking each cell's maximum).
func Sparkline(counts []int64, width int) string {
	if width <= 0 {
		return ""
	}
	const blocks = " ▁▂▃▄▅▆▇█"
	bars := []rune(blocks)
	cells := make([]int64, width)
	if len(counts) > 0 {
		for i := range cells {
			lo := i * len(counts) / width
			hi := max((i+1)*len(counts)/width, lo+1)
			for _, n := range counts[lo:min(hi, len(counts))] {
				cells[i] = max(cells[i], n)
			}
		}
	}
	var peak int64
	for _, n := range cells {
		peak = max(peak, n)
	}
	var b strings.Builder
	for _, n := range cells {
		switch {
		case n == 0:
			b.WriteRune(' ')
		case peak == 0:
			b.WriteRune(bars[1])
		default:
			lvl := 1 + int(n*7/peak)
			b.WriteRune(bars[min(lvl, 8)])
		}
	}
	return b.String()
}

// Bar is a horizontal bar of n out of peak in width cells.
func Bar(n, peak int64, width int) string {
	if peak <= 0 || width <= 0 || n <= 0 {
		return ""
	}
	full := int(n * int64(width) / peak)
	return strings.Repeat("█", max(full, 1))
}
