// Package cases is trawl's case file: the record of one investigation, from the alerts or
// incident that opened it to the verdict that closed it. It holds the types, the lifecycle
// (statuses and verdicts), the tamper-evident history chain, the timeline, the response
// playbooks and the report rendering (Markdown, HTML, JSON). It does no I/O of its own: the
// engine stores cases and hands them over as these types.
package cases

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"trawl/attack"
)

// Status is where a case is in its life. The order of the constants is the usual order of work,
// but any status may follow any other (a case can be reopened).
type Status string

const (
	StatusNew           Status = "new"
	StatusInvestigating Status = "investigating"
	StatusContained     Status = "contained"
	StatusEradicated    Status = "eradicated"
	StatusClosed        Status = "closed"
)

// Statuses lists every status in working order.
var Statuses = []Status{StatusNew, StatusInvestigating, StatusContained, StatusEradicated, StatusClosed}

// ParseStatus reads a status name.
func ParseStatus(s string) (Status, error) {
	for _, st := range Statuses {
		if strings.EqualFold(strings.TrimSpace(s), string(st)) {
			return st, nil
		}
	}
	return "", fmt.Errorf("unknown status %q: want one of %s", s, join(Statuses))
}

// Contained reports whether the threat was contained by the time the case reached s: contained,
// eradicated and closed all count (a case may skip a step).
func (s Status) Contained() bool {
	return s == StatusContained || s == StatusEradicated || s == StatusClosed
}

// Verdict is the analyst's conclusion about what the alerts showed.
type Verdict string

const (
	VerdictNone Verdict = ""
	// VerdictTruePositive: malicious activity, correctly detected.
	VerdictTruePositive Verdict = "true_positive"
	// VerdictBenignTruePositive: the rule matched what it looks for, but the activity was
	// authorised (an admin, a pentest, a scanner).
	VerdictBenignTruePositive Verdict = "benign_true_positive"
	// VerdictFalsePositive: the rule matched something it should not have.
	VerdictFalsePositive Verdict = "false_positive"
)

// Verdicts lists the verdicts an analyst can give.
var Verdicts = []Verdict{VerdictTruePositive, VerdictBenignTruePositive, VerdictFalsePositive}

// ParseVerdict reads a verdict: the names above, also with spaces or hyphens, or tp, btp, fp.
func ParseVerdict(s string) (Verdict, error) {
	k := strings.NewReplacer(" ", "_", "-", "_").Replace(strings.ToLower(strings.TrimSpace(s)))
	switch k {
	case "tp":
		return VerdictTruePositive, nil
	case "btp":
		return VerdictBenignTruePositive, nil
	case "fp":
		return VerdictFalsePositive, nil
	}
	for _, v := range Verdicts {
		if k == string(v) {
			return v, nil
		}
	}
	return "", fmt.Errorf("unknown verdict %q: want one of %s", s, join(Verdicts))
}

// Severities are the severity names alerts and cases use, least first.
var Severities = []string{"info", "low", "medium", "high", "critical"}

// SeverityRank orders severities (info 0 ... critical 4); unknown ones rank -1.
func SeverityRank(s string) int {
	for i, v := range Severities {
		if strings.EqualFold(s, v) {
			return i
		}
	}
	return -1
}

// ParseSeverity reads a severity name.
func ParseSeverity(s string) (string, error) {
	if r := SeverityRank(strings.TrimSpace(s)); r >= 0 {
		return Severities[r], nil
	}
	return "", fmt.Errorf("unknown severity %q: want one of %s", s, strings.Join(Severities, ", "))
}

func join[T ~string](vs []T) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = string(v)
	}
	return strings.Join(parts, ", ")
}

// Case is one case file with everything linked to it.
type Case struct {
	ID        int64      `json:"id"`
	Title     string     `json:"title"`
	Status    Status     `json:"status"`
	Severity  string     `json:"severity"`
	Assignee  string     `json:"assignee"`
	Verdict   Verdict    `json:"verdict"`
	Narrative string     `json:"narrative"` // the incident's story, or a summary of the alerts
	First     *time.Time `json:"first"`     // earliest evidence
	Last      *time.Time `json:"last"`      // latest evidence
	CreatedAt time.Time  `json:"created_at"`
	CreatedBy string     `json:"created_by"`
	UpdatedAt time.Time  `json:"updated_at"`

	Incidents  []int64     `json:"incidents"`
	Alerts     []Alert     `json:"alerts"`
	Evidence   []Event     `json:"evidence"`       // evidence events, in time order
	EvidenceN  int         `json:"evidence_count"` // all evidence events; Evidence may hold fewer
	Entities   []Entity    `json:"entities"`       // sorted by kind, then value
	Techniques []Technique `json:"techniques"`     // sorted by kill-chain order, then id
	Notes      []Note      `json:"notes"`          // oldest first
	Tasks      []Task      `json:"tasks"`          // in the order they were added
	History    []Change    `json:"history"`        // oldest first
	HeadHash   string      `json:"history_head"`   // hash of the newest history entry
}

// Alert is an alert linked to a case.
type Alert struct {
	ID        int64               `json:"id"`
	Rule      string              `json:"rule"`
	Title     string              `json:"title"`
	Severity  string              `json:"severity"`
	Attack    []string            `json:"attack"`
	First     *time.Time          `json:"first"`
	Last      *time.Time          `json:"last"`
	CreatedAt time.Time           `json:"created_at"` // when a hunt raised it
	Entities  map[string][]string `json:"entities"`
	Evidence  int                 `json:"evidence_count"`
}

// Event is an evidence event: from a linked alert, or pinned by an analyst.
type Event struct {
	ID       int64      `json:"id"`
	Time     *time.Time `json:"time"`
	File     string     `json:"file"`
	Line     int64      `json:"line"`
	Category string     `json:"category"`
	Action   string     `json:"action"`
	Outcome  string     `json:"outcome"`
	Host     string     `json:"host"`
	User     string     `json:"user"`
	SrcIP    string     `json:"src_ip"`
	DstIP    string     `json:"dst_ip"`
	Process  string     `json:"process"`
	Text     string     `json:"text"`   // the message, else the raw record (cut to MaxEventText)
	Pinned   bool       `json:"pinned"` // pinned by hand rather than carried from an alert
}

// MaxEventText is how much of an event's text a case keeps for display; the store has it all.
const MaxEventText = 500

// Entity is one user, host, address, ... the case is about, with what the context tables say.
type Entity struct {
	Kind    string `json:"kind"` // user, target_user, host, src_ip, dst_ip, process, domain, hash
	Value   string `json:"value"`
	Context string `json:"context,omitempty"` // one line from the asset and identity tables
}

// Technique is an ATT&CK technique seen in the case, with its name and tactics.
type Technique struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`    // empty when the id is unknown to the ATT&CK tables
	Tactics []string `json:"tactics"` // display names in kill-chain order
}

// Note is an analyst's note.
type Note struct {
	Seq    int64     `json:"seq"`
	At     time.Time `json:"at"`
	Author string    `json:"author"`
	Text   string    `json:"text"`
}

// Task is an item of the case's checklist.
type Task struct {
	Seq       int64      `json:"seq"`
	Text      string     `json:"text"`
	Phase     string     `json:"phase"`  // contain, collect, eradicate, recover, or empty
	Source    string     `json:"source"` // playbook:NAME for a playbook step, empty when typed
	CreatedAt time.Time  `json:"created_at"`
	CreatedBy string     `json:"created_by"`
	DoneAt    *time.Time `json:"done_at"`
	DoneBy    string     `json:"done_by"`
}

// Done reports whether the task is ticked off.
func (t Task) Done() bool { return t.DoneAt != nil }

// Summary is a case as a list shows it.
type Summary struct {
	ID        int64     `json:"id"`
	Title     string    `json:"title"`
	Status    Status    `json:"status"`
	Severity  string    `json:"severity"`
	Assignee  string    `json:"assignee"`
	Verdict   Verdict   `json:"verdict"`
	Alerts    int       `json:"alerts"`
	OpenTasks int       `json:"open_tasks"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// DescribeTechniques names ATT&CK ids with the embedded tables: each once, upper-case, sorted
// by the kill-chain order of its first tactic, then id. Unknown ids keep an empty name.
func DescribeTechniques(ids []string) []Technique {
	seen := map[string]bool{}
	out := []Technique{}
	order := map[string]int{}
	for _, id := range ids {
		id = strings.ToUpper(strings.TrimSpace(id))
		if id == "" || seen[id] {
			continue
		}
		seen[id] = true
		t := Technique{ID: id, Tactics: []string{}}
		order[id] = 99
		if at, ok := attack.Lookup(id); ok {
			t.Name = at.FullName()
			t.Tactics = at.TacticNames()
			if len(at.Tactics) > 0 {
				order[id] = at.Tactics[0].Order
			}
		}
		out = append(out, t)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if order[out[i].ID] != order[out[j].ID] {
			return order[out[i].ID] < order[out[j].ID]
		}
		return out[i].ID < out[j].ID
	})
	return out
}
