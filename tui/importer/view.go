package importer

import (
	"context"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"trawl/tui"
	"trawl/tui/text"
)

// Layout: a title line, a line of context (folder, totals), a separator, the list, a
// separator, and a status line.

func (m Model) listHeight() int {
	h := m.height - 5
	if m.phase == PhaseRejects {
		return max(h-m.detailHeight()-1, 1)
	}
	if m.phase == PhaseRunning {
		return max(h, 2)
	}
	return max(h, 1)
}

// scroll keeps the cursor of the list shown in view.
func (m *Model) scroll() {
	h := m.listHeight()
	sel, top := &m.sel, &m.top
	rowsPer := 1
	if m.phase == PhaseRunning || m.phase == PhaseSummary {
		sel, top = &m.fsel, &m.ftop
	}
	if m.phase == PhaseRunning {
		rowsPer = 2
	}
	shown := max(h/rowsPer, 1)
	if *sel < *top {
		*top = *sel
	}
	if *sel >= *top+shown {
		*top = *sel - shown + 1
	}
	*top = max(*top, 0)
}

// View draws the screen in its area.
func (m Model) View() string {
	var lines []string
	switch m.phase {
	case PhaseBrowse:
		lines = m.browseView()
	case PhaseRunning:
		lines = m.runningView()
	case PhaseSummary:
		lines = m.summaryView()
	case PhaseRejects:
		lines = m.rejectsView()
	}
	return tui.Block(lines, m.width, m.height)
}

func (m Model) rule() string { return m.theme.Subtle.Render(strings.Repeat("─", m.width)) }

// title is the screen name, what it shows, and a right-aligned note.
func (m Model) title(what, right string) string {
	left := m.theme.Title.Render("Import") + " " + m.theme.Accent.Render(what)
	room := m.width - text.Width(left) - 1
	if right == "" || room < 4 {
		return text.Truncate(left, m.width)
	}
	right = text.Truncate(right, room)
	return left + strings.Repeat(" ", m.width-text.Width(left)-text.Width(right)) + m.theme.Muted.Render(right)
}

func (m Model) browseView() []string {
	h := m.listHeight()
	right := ""
	if n := len(m.marked); n > 0 {
		right = plural(n, "path", "paths") + " marked"
	}
	lines := []string{m.title("choose files or folders", right)}
	dir := m.dir
	if abs, err := filepath.Abs(dir); err == nil && !filepath.IsAbs(dir) && dir == "." {
		dir = abs
	}
	lines = append(lines, text.Truncate(m.theme.Muted.Render("folder ")+m.theme.Base.Render(text.Clip(dir, m.width-7)), m.width))
	lines = append(lines, m.rule())
	var list []string
	if m.writable != nil {
		for _, l := range wordWrap(text.Sanitize(m.writable.Error()), m.width) {
			list = append(list, m.theme.Error.Render(l))
		}
		list = append(list, "")
	}
	switch {
	case m.listErr != nil:
		list = append(list, m.theme.Error.Render(text.Clip(m.listErr.Error(), m.width)))
	case m.listing && len(m.entries) == 0:
		list = append(list, m.theme.Muted.Render("reading…"))
	}
	for i := m.top; i < m.rows() && len(list) < h; i++ {
		list = append(list, m.entryRow(i))
	}
	if m.more && len(list) < h {
		list = append(list, m.theme.Muted.Render(text.Truncate(fmt.Sprintf("… only the first %d entries are listed: type a path with /", maxEntries), m.width)))
	}
	for len(list) < h {
		list = append(list, "")
	}
	lines = append(lines, list...)
	lines = append(lines, m.rule())
	lines = append(lines, m.browseStatus())
	return lines
}

func (m Model) entryRow(i int) string {
	var name, size, mark string
	marked := false
	if i == 0 {
		name = "../"
		mark = "  "
	} else {
		e := m.entries[i-1]
		name = e.Name
		marked = m.marked[filepath.Join(m.dir, e.Name)]
		mark = "  "
		if marked {
			mark = "✓ "
		}
		if e.Dir {
			name += "/"
		} else {
			size = humanBytes(e.Size)
		}
	}
	cursor := "  "
	if i == m.sel {
		cursor = "› "
	}
	nameW := max(m.width-4-10, 10)
	row := cursor + mark + text.Pad(name, nameW) + fmt.Sprintf("%10s", size)
	row = text.Truncate(row, m.width)
	switch {
	case i == m.sel:
		return m.theme.Selected.Render(row)
	case marked:
		return m.theme.Marked.Render(row)
	case i > 0 && m.entries[i-1].Dir:
		return m.theme.Accent.Render(row)
	}
	return m.theme.Base.Render(row)
}

func (m Model) browseStatus() string {
	if m.typing {
		line := m.input.Prompt + text.Sanitize(m.input.Value)
		room := m.width - 1
		if text.Width(line) > room {
			line = "…" + text.Tail(line, room-1) // the end, where the cursor is
		}
		s := m.theme.Accent.Render(line) + m.theme.Selected.Render(" ")
		if len(m.compHint) > 1 {
			hint := make([]string, len(m.compHint))
			for i, h := range m.compHint {
				hint[i] = text.Sanitize(h)
			}
			s += "  " + m.theme.Muted.Render(strings.Join(hint, " "))
		}
		return text.Truncate(s, m.width)
	}
	switch {
	case m.notice != "" && m.writable != nil && m.notice == m.writable.Error():
		return text.Truncate(m.theme.Error.Render("nothing can be imported into a read-only store"), m.width)
	case m.notice != "":
		return text.Truncate(m.theme.Warning.Render(text.Sanitize(m.notice)), m.width)
	}
	return text.Truncate(m.theme.Muted.Render("enter open · space mark · backspace up · / path · . hidden · i import"), m.width)
}

func (m Model) runningView() []string {
	var done, events, rejects, read, size int64
	for _, f := range m.files {
		if f.Done {
			done++
		}
		events += f.Events
		rejects += f.Rejects
		read += f.BytesRead
		size += f.Size
	}
	what := "importing"
	switch {
	case m.cancelling:
		what = "cancelling…"
	case len(m.files) > 0 && done == int64(len(m.files)):
		what = "computing the derived features of the new events…" // engine's pass after an import
	}
	right := fmt.Sprintf("%d of %d files done · %s", done, len(m.files), shortDuration(m.elapsed))
	lines := []string{m.title(what, right)}
	total := fmt.Sprintf("%s of %s read · %s events · %s rejects", humanBytes(read), humanBytes(size), itoa(events), itoa(rejects))
	if s := m.elapsed.Seconds(); s >= 0.2 {
		total += fmt.Sprintf(" · %s events/s", humanCount(float64(events)/s))
	}
	lines = append(lines, text.Truncate(m.theme.Muted.Render(total), m.width))
	lines = append(lines, m.rule())
	h := m.listHeight()
	var list []string
	if len(m.files) == 0 {
		list = append(list, m.theme.Muted.Render("finding files…"))
	}
	for i := m.ftop; i < len(m.files) && len(list)+2 <= h; i++ {
		list = append(list, m.progressRows(i)...)
	}
	for len(list) < h {
		list = append(list, "")
	}
	lines = append(lines, list...)
	lines = append(lines, m.rule())
	hint := "esc cancel (the file being read is rolled back; files done stay) · ↑/↓ scroll"
	if m.cancelling {
		hint = "cancelling: the file being read is rolled back…"
	}
	lines = append(lines, text.Truncate(m.theme.Muted.Render(hint), m.width))
	return lines
}

// progressRows are a file's two rows: its name and state, then its bar and counts.
func (m Model) progressRows(i int) []string {
	f := m.files[i]
	state := m.theme.Muted.Render("waiting")
	switch {
	case f.Done:
		state = m.theme.Success.Render("done")
	case f.Started:
		state = m.theme.Accent.Render("reading")
	}
	nameW := max(m.width-10, 10)
	name := text.Pad(m.shown(f.File), nameW)
	if i == m.fsel && !m.follow {
		name = m.theme.Selected.Render(name)
	} else {
		name = m.theme.Bold.Render(name)
	}
	first := "  " + name + " " + state
	frac := 0.0
	if f.Size > 0 {
		frac = min(float64(f.BytesRead)/float64(f.Size), 1)
	} else if f.Done {
		frac = 1
	}
	counts := fmt.Sprintf(" %3.0f%% %17s %11s ev", frac*100, humanBytes(f.BytesRead)+"/"+humanBytes(f.Size), itoa(f.Events))
	rej := fmt.Sprintf(" %7s rej", itoa(f.Rejects))
	rate := ""
	if f.Rate > 0 && !f.Done {
		rate = fmt.Sprintf(" %6s ev/s", humanCount(f.Rate))
	}
	barW := max(m.width-4-text.Width(counts)-text.Width(rej)-len(" 000.0k ev/s"), 10)
	rejStyled := m.theme.Muted.Render(rej)
	if f.Rejects > 0 {
		rejStyled = m.theme.Warning.Render(rej)
	}
	second := "    " + m.progressBar(frac, barW) + m.theme.Base.Render(counts) + rejStyled + m.theme.Muted.Render(rate)
	return []string{text.Truncate(first, m.width), text.Truncate(second, m.width)}
}

// shown is a file's path as the lists show it: from the folder the import started in when it
// is inside it, else in full.
func (m Model) shown(p string) string {
	if m.base != "" {
		if rel, err := filepath.Rel(m.base, p); err == nil && !strings.HasPrefix(rel, "..") {
			return rel
		}
	}
	return p
}

func (m Model) summaryView() []string {
	var events, rejects, skipped, failed int64
	for _, r := range m.results {
		events += r.Events
		rejects += r.Rejects
		if r.Skipped {
			skipped++
		}
		if r.Err != nil {
			failed++
		}
	}
	what := "done"
	if m.cancelled {
		what = "cancelled"
	}
	if m.runErr != nil {
		what = "failed"
	}
	lines := []string{m.title(what, shortDuration(m.elapsed))}
	total := fmt.Sprintf("%s · %s events · %s rejects · %d skipped · %d failed", plural(len(m.results), "file", "files"), itoa(events), itoa(rejects), skipped, failed)
	lines = append(lines, text.Truncate(m.theme.Muted.Render(total), m.width))
	lines = append(lines, m.rule())
	h := m.listHeight()
	var list []string
	if m.runErr != nil {
		list = append(list, m.theme.Error.Render(text.Clip(m.runErr.Error(), m.width)))
	}
	cols := m.summaryColumns()
	if len(m.results) > 0 {
		head := "  "
		for j, c := range cols {
			if j == 3 || j == 4 {
				head += fmt.Sprintf("%*s ", c.width, c.name)
				continue
			}
			head += text.Pad(c.name, c.width) + " "
		}
		list = append(list, m.theme.Table.Header.Render(text.Truncate(head, m.width)))
	}
	for i := m.ftop; i < len(m.results) && len(list) < h; i++ {
		list = append(list, m.resultRow(i, cols))
	}
	for len(list) < h {
		list = append(list, "")
	}
	lines = append(lines, list...)
	lines = append(lines, m.rule())
	status := m.theme.Muted.Render("enter rejects of the file · n new import · ↑/↓ move")
	if m.notice != "" {
		status = m.theme.Warning.Render(text.Sanitize(m.notice))
	}
	lines = append(lines, text.Truncate(status, m.width))
	return lines
}

type column struct {
	name  string
	width int
}

func (m Model) summaryColumns() []column {
	fixed := []column{{"", 1}, {"file", 0}, {"format", 10}, {"events", 11}, {"rejects", 7}, {"note", 0}}
	used := 2
	for _, c := range fixed {
		used += c.width + 1
	}
	rest := max(m.width-used, 20)
	fixed[1].width = max(rest*2/5, 12)
	fixed[5].width = max(rest-fixed[1].width, 8)
	return fixed
}

func (m Model) resultRow(i int, cols []column) string {
	r := m.results[i]
	mark, note := "✓", ""
	style := m.theme.Base
	switch {
	case r.Err != nil && errors.Is(r.Err, context.Canceled):
		mark, note, style = "-", "cancelled: not imported", m.theme.Muted
	case r.Err != nil:
		mark, note, style = "✗", strings.TrimPrefix(r.Err.Error(), r.File+": "), m.theme.Error
	case r.Skipped:
		mark, note, style = "=", "skipped: already imported", m.theme.Muted
	case r.Rejects > 0:
		note, style = "enter: its rejects", m.theme.Warning
	}
	if r.Err == nil && r.Compression != "" {
		note = strings.TrimSpace(r.Compression + " · " + note)
	}
	vals := []string{mark, m.shown(r.File), r.Format, itoa(r.Events), itoa(r.Rejects), note}
	var b strings.Builder
	if i == m.fsel {
		b.WriteString("› ")
	} else {
		b.WriteString("  ")
	}
	for j, c := range cols {
		v := text.Pad(vals[j], c.width)
		if j == 3 || j == 4 {
			v = fmt.Sprintf("%*s", c.width, text.Clip(vals[j], c.width))
		}
		b.WriteString(v + " ")
	}
	row := text.Truncate(b.String(), m.width)
	if i == m.fsel {
		return m.theme.Selected.Render(row)
	}
	return style.Render(row)
}

func (m Model) rejectsView() []string {
	p := m.rejPage
	right := ""
	if p.Total > 0 {
		right = fmt.Sprintf("%d-%d of %s", p.Offset+1, p.Offset+len(p.Rows), itoa(int64(p.Total)))
	}
	lines := []string{m.title("rejects of "+text.Clip(m.shown(m.rejFile), max(m.width/2, 10)), right)}
	lines = append(lines, text.Truncate(m.theme.Muted.Render("line · field · reason · the record as read (escapes shown)"), m.width))
	lines = append(lines, m.rule())
	h := m.listHeight()
	var list []string
	switch {
	case m.rejErr != nil:
		list = append(list, m.theme.Error.Render(text.Clip(m.rejErr.Error(), m.width)))
	case m.rejLoad && len(p.Rows) == 0:
		list = append(list, m.theme.Muted.Render("loading…"))
	case len(p.Rows) == 0:
		list = append(list, m.theme.Muted.Render("no rejects in this file"))
	}
	for i, r := range p.Rows {
		if len(list) >= h {
			break
		}
		list = append(list, m.rejectRow(i, r))
	}
	for len(list) < h {
		list = append(list, "")
	}
	lines = append(lines, list...)
	lines = append(lines, m.rule())
	lines = append(lines, m.rejectDetail()...)
	lines = append(lines, m.rule())
	lines = append(lines, text.Truncate(m.theme.Muted.Render("esc back to the summary · pgup/pgdn page · ↑/↓ move"), m.width))
	return lines
}

// detailHeight is the rows under the rejects list showing the selected one in full.
func (m Model) detailHeight() int { return min(max((m.height-5)/3, 3), 12) }

// rejectDetail is the selected reject's reason and record, sanitized and wrapped.
func (m Model) rejectDetail() []string {
	h := m.detailHeight()
	out := make([]string, 0, h)
	if m.rejSel < len(m.rejPage.Rows) {
		r := m.rejPage.Rows[m.rejSel]
		head := "reason: " + r.Reason
		if r.Field != "" {
			head = "field " + r.Field + " · " + head
		}
		out = append(out, m.theme.Warning.Render(text.Clip(head, m.width)))
		raw := text.Sanitize(r.Raw)
		if r.RawBytes > int64(len(r.Raw)) {
			raw += fmt.Sprintf(" … (%s in all)", humanBytes(r.RawBytes))
		}
		for _, l := range wrap(raw, m.width) {
			if len(out) >= h {
				break
			}
			out = append(out, m.theme.Base.Render(l))
		}
	}
	for len(out) < h {
		out = append(out, "")
	}
	return out
}

// wrap cuts safe text into lines of at most width cells.
func wrap(s string, width int) []string {
	var out []string
	var line strings.Builder
	w := 0
	for _, r := range s {
		rw := text.Width(string(r))
		if w+rw > width {
			out = append(out, line.String())
			line.Reset()
			w = 0
		}
		line.WriteRune(r)
		w += rw
	}
	if line.Len() > 0 {
		out = append(out, line.String())
	}
	return out
}

func (m Model) rejectRow(i int, r Reject) string {
	where := "-"
	if r.Line > 0 {
		where = strconv.FormatInt(r.Line, 10)
	} else if r.Offset > 0 {
		where = "@" + strconv.FormatInt(r.Offset, 10)
	}
	field := r.Field
	if field == "" {
		field = "-"
	}
	reasonW := 28
	if m.width >= 120 {
		reasonW = 48
	}
	rawW := max(m.width-10-15-reasonW-3, 8)
	raw := r.Raw
	if r.RawBytes > int64(len(raw)) {
		raw += "…"
	}
	cursor := "  "
	if i == m.rejSel {
		cursor = "› "
	}
	row := cursor + fmt.Sprintf("%7s ", text.Clip(where, 7)) + text.Pad(field, 14) + " " + text.Pad(r.Reason, reasonW) + " " + text.Clip(raw, rawW)
	row = text.Truncate(row, m.width)
	if i == m.rejSel {
		return m.theme.Selected.Render(row)
	}
	return m.theme.Base.Render(row)
}

// humanBytes writes a size in B, KB, MB, GB (powers of 1024, one decimal).
func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return strconv.FormatInt(n, 10) + " B"
	}
	v, i := float64(n), 0
	for v >= unit && i < 4 {
		v /= unit
		i++
	}
	return fmt.Sprintf("%.1f %s", v, [...]string{"B", "KB", "MB", "GB", "TB"}[i])
}

// humanCount writes a rate: 950, 12.3k, 1.2M.
func humanCount(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%.1fM", v/1e6)
	case v >= 1e4:
		return fmt.Sprintf("%.0fk", v/1e3)
	case v >= 1e3:
		return fmt.Sprintf("%.1fk", v/1e3)
	}
	return fmt.Sprintf("%.0f", v)
}

// itoa writes n with thousands separators: 1,234,567.
func itoa(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// shortDuration writes 0.4s, 12s, 3m05s.
func shortDuration(d time.Duration) string {
	switch {
	case d < 10*time.Second:
		return fmt.Sprintf("%.1fs", d.Seconds())
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	}
	return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
}

// progressBar draws frac (0 to 1) as a bar of width cells: filled cells in the accent style,
// the rest in the subtle one. (bubbles/v2/progress would need github.com/charmbracelet/harmonica,
// which go.sum does not hold; the look is the same as its bar without animation.)
func (m Model) progressBar(frac float64, width int) string {
	full := int(math.Round(frac * float64(width)))
	full = min(max(full, 0), width)
	return m.theme.Accent.Render(strings.Repeat("█", full)) + m.theme.Subtle.Render(strings.Repeat("░", width-full))
}

// wordWrap cuts safe text into lines of at most width cells at spaces (a longer word is cut).
func wordWrap(s string, width int) []string {
	var out []string
	line := ""
	for _, w := range strings.Fields(s) {
		switch {
		case line == "":
			line = w
		case text.Width(line)+1+text.Width(w) <= width:
			line += " " + w
		default:
			out = append(out, line)
			line = w
		}
		for text.Width(line) > width {
			parts := wrap(line, width)
			out = append(out, parts[0])
			line = strings.Join(parts[1:], "")
		}
	}
	if line != "" {
		out = append(out, line)
	}
	return out
}
