// Package auditd reads Linux audit logs (/var/log/audit/audit.log): raw records, the
// `node=HOST ` prefixed form of aggregated logs, the enriched form with interpreted names after
// a 0x1d byte, and ausearch -i output. The records of one audit event share their
// audit(TIME:SERIAL) id (SYSCALL, EXECVE, CWD, PATH..., PROCTITLE, EOE); they are grouped into
// one event, in bounded memory: a small window of open groups, each closed by EOE, by being the
// least recently used when a new group opens, or by reaching a size limit.
package auditd

import (
	"bytes"
	"context"

	"trawl/importers"
)

func init() { importers.Register(Format{}) }

// Format is the audit log format.
type Format struct{}

func (Format) Name() string { return "auditd" }

func (Format) Description() string {
	return "Linux audit log (audit.log, node= and enriched forms, ausearch -i): one event per audit id"
}

// Limits of the grouping window. A group is emitted at its EOE record, when a new id follows
// its PROCTITLE (the kernel's last record of an event), when it is a one-record
// user-space message, when it got no record for staleLines lines, or, when more than window
// groups are open or their lines exceed maxOpenBytes, if it is the least recently used. A group
// that reaches maxGroupRecords or maxGroupBytes is emitted and its id continues in a new group
// (both marked in Fields["_split"]).
const (
	window          = 8
	maxGroupRecords = 256
	maxGroupBytes   = importers.MaxLine
	maxOpenBytes    = 32 << 20
	// staleLines: a group that got no record in this many lines is complete. The records of
	// one event are written together; interleaving spans a few lines at most.
	staleLines = 16
)

// Sniff wants audit records at the start of lines: `type=X msg=audit(`, with an optional
// node= prefix, and ausearch's ---- and time-> separators between them.
func (Format) Sniff(head []byte) int {
	var good, bad int
	cut := len(head) >= importers.SniffSize // the last line may be cut off
	for len(head) > 0 && good+bad < 50 {
		i := bytes.IndexByte(head, '\n')
		if i < 0 {
			if cut {
				break // a line cut off by the sniff window proves nothing
			}
			i = len(head) // the last line of a small input
		}
		line := bytes.TrimRight(head[:i], "\r")
		head = head[min(i+1, len(head)):]
		if len(bytes.TrimSpace(line)) == 0 || separator(line) {
			continue
		}
		if looksLikeRecord(line) {
			good++
		} else {
			bad++
		}
	}
	if good > 0 && good >= 4*bad {
		return 80
	}
	return 0
}

func looksLikeRecord(line []byte) bool {
	if bytes.HasPrefix(line, []byte("node=")) {
		i := bytes.IndexByte(line, ' ')
		if i < 0 {
			return false
		}
		line = line[i+1:]
	}
	if !bytes.HasPrefix(line, []byte("type=")) {
		return false
	}
	i := bytes.IndexByte(line, ' ')
	return i > 0 && bytes.HasPrefix(line[i+1:], []byte("msg=audit("))
}

// separator reports ausearch's lines between events: "----" and "time->Tue Nov 10 07:48:16 2020".
func separator(line []byte) bool {
	return bytes.HasPrefix(line, []byte("----")) || bytes.HasPrefix(line, []byte("time->"))
}

// Read groups the records of each audit event into one event.
func (Format) Read(ctx context.Context, in importers.Input, sink importers.Sink) error {
	g := &grouper{sink: sink}
	if err := importers.ReadLines(ctx, in.R, sink, g.line); err != nil {
		return err
	}
	return g.flushAll()
}

// group is the records of one audit id read so far.
type group struct {
	key        string // node + audit id
	recs       []record
	raw        []byte // the lines, joined with \n
	line, off  int64  // where the first line is
	lastUsed   int64  // line number of the latest record
	split      string // "first-part" or "continued" when a size limit split the event
	continuing bool
}

// grouper holds the window of open groups.
type grouper struct {
	sink      importers.Sink
	open      []*group
	openBytes int
}

func (g *grouper) line(l importers.Line) error {
	text := l.Text
	if len(bytes.TrimSpace(text)) == 0 {
		return nil
	}
	if separator(text) {
		// ausearch prints ---- between complete events: everything open is finished.
		return g.flushAll()
	}
	rec, err := parseRecord(text)
	if err != nil {
		r := importers.RejectOf(l, err)
		if len(r.Raw) > importers.RejectKeep {
			r.Raw = r.Raw[:importers.RejectKeep]
		}
		return g.sink.Reject(r)
	}
	if err := g.flushStale(l.Num); err != nil {
		return err
	}
	key := rec.node + "\x00" + rec.stamp
	var cur *group
	for _, o := range g.open {
		if o.key == key {
			cur = o
			break
		}
	}
	if cur != nil && (len(cur.recs) >= maxGroupRecords || len(cur.raw)+len(text) > maxGroupBytes) {
		cur.split = "first-part"
		if cur.continuing {
			cur.split = "continued"
		}
		if err := g.flush(cur); err != nil {
			return err
		}
		cur = &group{key: key, line: l.Num, off: l.Offset, continuing: true}
		g.open = append(g.open, cur)
	}
	if cur == nil && rec.typ == "EOE" {
		// The end of an event already emitted (its PROCTITLE closed it, or it went stale):
		// EOE carries no fields, so there is nothing to keep.
		return nil
	}
	if cur == nil {
		// The kernel writes PROCTITLE last (only EOE follows): a new id means such a group is
		// complete.
		if err := g.flushWhere(func(o *group) bool { return o.recs[len(o.recs)-1].typ == "PROCTITLE" }); err != nil {
			return err
		}
		if len(g.open) >= window {
			if err := g.flush(g.leastRecent(nil)); err != nil {
				return err
			}
		}
		cur = &group{key: key, line: l.Num, off: l.Offset}
		g.open = append(g.open, cur)
	}
	if len(cur.raw) > 0 {
		cur.raw = append(cur.raw, '\n')
	}
	cur.raw = append(cur.raw, text...)
	g.openBytes += len(text) + 1
	cur.recs = append(cur.recs, rec)
	cur.lastUsed = l.Num
	if rec.typ == "EOE" || (len(cur.recs) == 1 && standalone(rec.typ)) {
		return g.flush(cur)
	}
	for g.openBytes > maxOpenBytes && len(g.open) > 1 {
		if err := g.flush(g.leastRecent(cur)); err != nil {
			return err
		}
	}
	return nil
}

// flushStale emits the groups that got no record in the last staleLines lines.
func (g *grouper) flushStale(num int64) error {
	return g.flushWhere(func(o *group) bool { return num-o.lastUsed > staleLines })
}

// flushWhere emits, in the order of their first lines, the open groups that done approves.
func (g *grouper) flushWhere(done func(*group) bool) error {
	for {
		var first *group
		for _, o := range g.open {
			if done(o) && (first == nil || o.line < first.line) {
				first = o
			}
		}
		if first == nil {
			return nil
		}
		if err := g.flush(first); err != nil {
			return err
		}
	}
}

// leastRecent is the open group used longest ago, other than skip.
func (g *grouper) leastRecent(skip *group) *group {
	var best *group
	for _, o := range g.open {
		if o != skip && (best == nil || o.lastUsed < best.lastUsed) {
			best = o
		}
	}
	return best
}

// flush emits one open group and closes it.
func (g *grouper) flush(grp *group) error {
	for i, o := range g.open {
		if o == grp {
			g.open = append(g.open[:i], g.open[i+1:]...)
			break
		}
	}
	g.openBytes -= len(grp.raw) + 1
	if grp.split == "" && grp.continuing {
		grp.split = "continued"
	}
	ev := buildEvent(grp)
	return g.sink.Event(importers.Record{Line: grp.line, Offset: grp.off}, ev)
}

// flushAll emits every open group in the order of their first lines.
func (g *grouper) flushAll() error {
	return g.flushWhere(func(*group) bool { return true })
}
