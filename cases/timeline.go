package cases

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// EntryKind is what a timeline entry comes from.
type EntryKind string

const (
	EntryEvent  EntryKind = "event"  // an evidence event
	EntryAlert  EntryKind = "alert"  // a linked alert, at its first evidence
	EntryNote   EntryKind = "note"   // an analyst's note
	EntryStatus EntryKind = "status" // a status or verdict change from the history
)

// kindOrder sorts entries of the same time: what happened, what was detected, what was done.
var kindOrder = map[EntryKind]int{EntryEvent: 0, EntryAlert: 1, EntryStatus: 2, EntryNote: 3}

// Entry is one line of a case's timeline.
type Entry struct {
	At   *time.Time `json:"at"` // nil for an event without a time: those come last
	Kind EntryKind  `json:"kind"`
	Ref  int64      `json:"ref"` // the event id, alert id, note seq or history seq
	Text string     `json:"text"`
}

// Timeline merges a case's evidence events, alerts, notes and status and verdict changes in time
// order.
func Timeline(c *Case) []Entry {
	var out []Entry
	for _, e := range c.Evidence {
		out = append(out, Entry{At: e.Time, Kind: EntryEvent, Ref: e.ID, Text: e.Summary()})
	}
	for _, a := range c.Alerts {
		out = append(out, Entry{At: a.First, Kind: EntryAlert, Ref: a.ID,
			Text: fmt.Sprintf("alert %d %s (%s, %s): %s", a.ID, a.Rule, a.Severity, strings.Join(a.Attack, ","), a.Title)})
	}
	for _, n := range c.Notes {
		at := n.At
		out = append(out, Entry{At: &at, Kind: EntryNote, Ref: n.Seq, Text: n.Author + ": " + n.Text})
	}
	for _, h := range c.History {
		if h.Action == ActionSet && (h.Field == "status" || h.Field == "verdict") {
			at := h.At
			old := h.Old
			if old == "" {
				old = "none"
			}
			out = append(out, Entry{At: &at, Kind: EntryStatus, Ref: h.Seq,
				Text: fmt.Sprintf("%s: %s %s → %s", h.Actor, h.Field, old, h.New)})
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if (a.At == nil) != (b.At == nil) {
			return b.At == nil
		}
		if a.At != nil && !a.At.Equal(*b.At) {
			return a.At.Before(*b.At)
		}
		if a.Kind != b.Kind {
			return kindOrder[a.Kind] < kindOrder[b.Kind]
		}
		return a.Ref < b.Ref
	})
	return out
}

// Summary describes an event in one line: what, who, where, then its text.
func (e Event) Summary() string {
	var parts []string
	what := strings.Trim(strings.Join([]string{e.Category, e.Action, e.Outcome}, " "), " ")
	if what != "" {
		parts = append(parts, what)
	}
	if e.User != "" {
		parts = append(parts, "user "+e.User)
	}
	if e.Host != "" {
		parts = append(parts, "host "+e.Host)
	}
	if e.SrcIP != "" || e.DstIP != "" {
		parts = append(parts, strings.Trim(e.SrcIP+" → "+e.DstIP, " →"))
	}
	if e.Process != "" {
		parts = append(parts, "process "+e.Process)
	}
	s := strings.Join(parts, ", ")
	if e.Text != "" {
		s += ": " + e.Text
	}
	return s
}
