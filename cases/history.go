package cases

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"time"
)

// Action names a kind of change in a case's history.
type Action string

const (
	ActionCreate       Action = "create"        // New: the title
	ActionLinkAlert    Action = "link_alert"    // New: the alert id
	ActionLinkIncident Action = "link_incident" // New: the incident id
	ActionPin          Action = "pin"           // New: the event id
	ActionEntity       Action = "entity"        // New: kind=value
	ActionTechnique    Action = "technique"     // New: the ATT&CK id
	ActionSet          Action = "set"           // Field: title, status, severity, assignee, verdict, narrative
	ActionNote         Action = "note"          // Field: the note's seq; New: its text
	ActionTaskAdd      Action = "task_add"      // Field: the task's seq; New: its text
	ActionTaskDone     Action = "task_done"     // Field: the task's seq; Old: open; New: done
)

// Change is one entry of a case's append-only history: who changed what, when, from what to
// what. Each entry's Hash covers its content and the previous entry's hash, so editing,
// removing or reordering any entry breaks the chain from there on (Verify).
type Change struct {
	Seq      int64     `json:"seq"` // 1, 2, 3, ... within the case
	At       time.Time `json:"at"`
	Actor    string    `json:"actor"`
	Action   Action    `json:"action"`
	Field    string    `json:"field"`
	Old      string    `json:"old"`
	New      string    `json:"new"`
	PrevHash string    `json:"prev_hash"` // the previous entry's Hash; empty for the first
	Hash     string    `json:"hash"`      // hex SHA-256 of PrevHash and the content
}

// Precision is the time resolution the store keeps; history times are cut to it before they
// are hashed, so a hash computed before storing matches one computed after reading back.
const Precision = time.Microsecond

// ComputeHash returns the hash entry c must carry given the case id and the previous entry's
// hash: hex SHA-256 over the previous hash, a newline and the JSON array
// [case, seq, at (RFC 3339, UTC, microseconds), actor, action, field, old, new].
func (c Change) ComputeHash(caseID int64, prev string) string {
	content, _ := json.Marshal([]any{caseID, c.Seq, c.At.UTC().Truncate(Precision).Format(time.RFC3339Nano),
		c.Actor, string(c.Action), c.Field, c.Old, c.New})
	h := sha256.New()
	h.Write([]byte(prev))
	h.Write([]byte{'\n'})
	h.Write(content)
	return hex.EncodeToString(h.Sum(nil))
}

// Seal completes the entries of one operation: numbers them on from the last entry (seq and
// hash; zero and "" for a new case), sets their time, cut to Precision, and chains their hashes.
func Seal(caseID int64, lastSeq int64, lastHash string, at time.Time, changes []Change) []Change {
	at = at.UTC().Truncate(Precision)
	prev := lastHash
	for i := range changes {
		c := &changes[i]
		c.Seq = lastSeq + int64(i) + 1
		c.At = at
		c.PrevHash = prev
		c.Hash = c.ComputeHash(caseID, prev)
		prev = c.Hash
	}
	return changes
}

// ChainError says where a history chain breaks.
type ChainError struct {
	Case   int64
	Seq    int64 // the first entry that does not check out
	Reason string
}

func (e *ChainError) Error() string {
	return fmt.Sprintf("case %d: history entry %d: %s", e.Case, e.Seq, e.Reason)
}

// Verify checks a case's whole history, oldest first: numbered 1, 2, 3 ... without gaps, each
// entry pointing at the previous entry's hash and carrying the hash of its own content. It
// returns the hash of the newest entry. A store can be rewritten wholesale by someone who
// recomputes every hash, so compare the head with one recorded elsewhere (a ticket, a report)
// to prove nothing changed since.
func Verify(caseID int64, h []Change) (string, error) {
	prev := ""
	for i, c := range h {
		switch {
		case c.Seq != int64(i)+1:
			return "", &ChainError{caseID, c.Seq, fmt.Sprintf("out of sequence: expected %d", i+1)}
		case c.PrevHash != prev:
			return "", &ChainError{caseID, c.Seq, "does not point at the previous entry's hash (an entry before it was changed, removed or inserted)"}
		case c.ComputeHash(caseID, prev) != c.Hash:
			return "", &ChainError{caseID, c.Seq, "content does not match its hash (the entry was edited)"}
		}
		prev = c.Hash
	}
	if len(h) == 0 {
		return "", &ChainError{caseID, 0, "no history (every case starts with a create entry)"}
	}
	if h[0].Action != ActionCreate {
		return "", &ChainError{caseID, 1, "the first entry is not the case's creation"}
	}
	return prev, nil
}

// State is what a case's history says its current fields are, replayed entry by entry.
type State struct {
	Title, Status, Severity, Assignee, Verdict, Narrative string
	Alerts, Incidents                                     map[string]bool
	Notes                                                 map[string]string // seq → text
	Tasks                                                 map[string]string // seq → text
	Done                                                  map[string]bool   // task seq → ticked off
}

// Replay rebuilds the state a history describes.
func Replay(h []Change) State {
	s := State{Alerts: map[string]bool{}, Incidents: map[string]bool{},
		Notes: map[string]string{}, Tasks: map[string]string{}, Done: map[string]bool{}}
	for _, c := range h {
		switch c.Action {
		case ActionCreate:
			s.Title = c.New
		case ActionSet:
			switch c.Field {
			case "title":
				s.Title = c.New
			case "status":
				s.Status = c.New
			case "severity":
				s.Severity = c.New
			case "assignee":
				s.Assignee = c.New
			case "verdict":
				s.Verdict = c.New
			case "narrative":
				s.Narrative = c.New
			}
		case ActionLinkAlert:
			s.Alerts[c.New] = true
		case ActionLinkIncident:
			s.Incidents[c.New] = true
		case ActionNote:
			s.Notes[c.Field] = c.New
		case ActionTaskAdd:
			s.Tasks[c.Field] = c.New
		case ActionTaskDone:
			s.Done[c.Field] = true
		}
	}
	return s
}

// Consistent compares a stored case with what its history says, and lists every difference:
// a field, note or task changed in the tables without a history entry.
func Consistent(c *Case) []string {
	s := Replay(c.History)
	var diffs []string
	field := func(name, have, want string) {
		if have != want {
			diffs = append(diffs, fmt.Sprintf("%s is %q but the history says %q", name, have, want))
		}
	}
	field("title", c.Title, s.Title)
	field("status", string(c.Status), s.Status)
	field("severity", c.Severity, s.Severity)
	field("assignee", c.Assignee, s.Assignee)
	field("verdict", string(c.Verdict), s.Verdict)
	field("narrative", c.Narrative, s.Narrative)
	alerts := map[string]bool{}
	for _, a := range c.Alerts {
		alerts[fmt.Sprint(a.ID)] = true
	}
	diffs = append(diffs, sameSet("linked alerts", alerts, s.Alerts)...)
	incidents := map[string]bool{}
	for _, id := range c.Incidents {
		incidents[fmt.Sprint(id)] = true
	}
	diffs = append(diffs, sameSet("linked incidents", incidents, s.Incidents)...)
	notes := map[string]bool{}
	for _, n := range c.Notes {
		k := fmt.Sprint(n.Seq)
		notes[k] = true
		if want, ok := s.Notes[k]; ok && want != n.Text {
			diffs = append(diffs, fmt.Sprintf("note %s differs from its history entry", k))
		}
	}
	diffs = append(diffs, sameSet("notes", notes, keys(s.Notes))...)
	tasks, done := map[string]bool{}, map[string]bool{}
	for _, t := range c.Tasks {
		k := fmt.Sprint(t.Seq)
		tasks[k] = true
		if t.Done() {
			done[k] = true
		}
		if want, ok := s.Tasks[k]; ok && want != t.Text {
			diffs = append(diffs, fmt.Sprintf("task %s differs from its history entry", k))
		}
	}
	diffs = append(diffs, sameSet("tasks", tasks, keys(s.Tasks))...)
	diffs = append(diffs, sameSet("done tasks", done, s.Done)...)
	return diffs
}

func keys(m map[string]string) map[string]bool {
	out := make(map[string]bool, len(m))
	for k := range m {
		out[k] = true
	}
	return out
}

func sameSet(name string, have, want map[string]bool) []string {
	var diffs []string
	for k := range have {
		if !want[k] {
			diffs = append(diffs, fmt.Sprintf("%s: %s is stored but not in the history", name, k))
		}
	}
	for k := range want {
		if !have[k] {
			diffs = append(diffs, fmt.Sprintf("%s: %s is in the history but not stored", name, k))
		}
	}
	sort.Strings(diffs)
	return diffs
}
