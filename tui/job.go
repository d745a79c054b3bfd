package tui

import (
	"context"
	"time"

	tea "charm.land/bubbletea/v2"
)

// QueryFinishedMsg carries the result of a job started with Context.Query back to the screen
// that started it (Owner). Rows is whatever the job's function returned; the screen knows its
// type from Slot. The root drops a message whose Seq is not the latest for its Owner and Slot:
// the answer to an earlier keystroke that a newer one has replaced.
type QueryFinishedMsg struct {
	Seq   uint64
	Owner int
	Slot  string
	Rows  any
	Err   error
	Took  time.Duration
}

type jobSlot struct {
	owner int
	slot  string
}

// runningJob is a job started and not yet finished or cancelled.
type runningJob struct {
	slot   jobSlot
	cancel context.CancelFunc
}

type jobs struct {
	seq     uint64
	latest  map[jobSlot]uint64
	running map[uint64]runningJob
}

// stop cancels the running job seq, if it still runs, and forgets it.
func (j *jobs) stop(seq uint64) {
	if r, ok := j.running[seq]; ok {
		r.cancel()
		delete(j.running, seq)
	}
}

// Query starts fn as a job of screen owner in the named slot ("page", "detail", ...) and
// returns the command that runs it. A job still running in the same slot is cancelled and its
// result, if it still arrives, dropped. Call it from Update only.
func (c *Context) Query(owner int, slot string, fn func(ctx context.Context) (any, error)) tea.Cmd {
	j := &c.jobs
	s := jobSlot{owner, slot}
	if old, ok := j.latest[s]; ok {
		j.stop(old)
	}
	j.seq++
	seq := j.seq
	j.latest[s] = seq
	ctx, cancel := context.WithCancel(context.Background())
	j.running[seq] = runningJob{s, cancel}
	return func() tea.Msg {
		start := time.Now()
		rows, err := fn(ctx)
		cancel()
		return QueryFinishedMsg{Seq: seq, Owner: owner, Slot: slot, Rows: rows, Err: err, Took: time.Since(start)}
	}
}

// Finish records that a job's result arrived and reports whether it is current (the latest job
// of its slot). The root calls it for every QueryFinishedMsg and drops stale ones.
func (c *Context) Finish(msg QueryFinishedMsg) bool {
	j := &c.jobs
	j.stop(msg.Seq)
	return j.latest[jobSlot{msg.Owner, msg.Slot}] == msg.Seq
}

// Running is the number of jobs started and not yet finished or cancelled.
func (c *Context) Running() int { return len(c.jobs.running) }

// CancelOwner cancels every running job of a screen (when it leaves the history).
func (c *Context) CancelOwner(owner int) {
	j := &c.jobs
	for seq, r := range j.running {
		if r.slot.owner == owner {
			j.stop(seq)
			delete(j.latest, r.slot)
		}
	}
}

// CancelAll cancels every running job (Esc on the root, or quitting).
func (c *Context) CancelAll() {
	j := &c.jobs
	for seq := range j.running {
		j.stop(seq)
	}
}
