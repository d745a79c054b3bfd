// Package risk turns alerts into a ranked queue: it scores each alert 0-100 from explainable
// factors (rule severity and confidence, asset criticality, identity risk, threat intel,
// rarity, anomaly strength, entity risk), collapses duplicates, accumulates decaying risk per
// entity, applies the triage policy and groups alerts sharing entities into incidents with a
// priority, kill-chain tactics and a narrative. It is pure: the engine loads the alerts and
// their context and stores the result. docs/scoring.md describes the model.
package risk

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// Alert is one stored alert as scoring sees it.
type Alert struct {
	ID         int64
	Rule       string
	Title      string
	Severity   string // info, low, medium, high, critical
	Confidence float64
	Attack     []string
	First      time.Time // zero when the evidence has no time
	Last       time.Time
	Entities   map[string][]string // kind -> values, as engine.Alert has them
	Events     int                 // evidence events
	// Measure is an anomaly strength 0..1 that outlier, rare and first-seen rules may give; 0
	// when the rule gives none.
	Measure float64
	// MeasureNote says what the measure was measured as ("z-score 12.4 against its own
	// history"); it explains the anomaly factor. The note of the strongest measure is shown.
	MeasureNote string
	// Suppressed names the suppression rule that removes the alert from the queue ("" none).
	Suppressed string
}

// Asset is what the context tables say about a host or address.
type Asset struct {
	Key             string
	Criticality     int // 1..5, 0 unknown
	InternetFacing  bool
	Vulnerabilities int
	Owner           string // user key of the owner, when it names an identity
	Network         bool   // a network the address lies in, not the address's own asset
}

// Identity is what the context tables say about a user.
type Identity struct {
	Key            string
	Privileged     bool
	ServiceAccount bool
	NoMFA          bool   // MFA known to be off
	Status         string // active, leaving, left, ...
	LeaveDate      time.Time
}

// Leaving reports whether the identity is leaving or has left.
func (id Identity) Leaving() bool {
	switch id.Status {
	case "leaving", "left", "terminated", "disabled":
		return true
	}
	return !id.LeaveDate.IsZero()
}

// IntelMatch is a threat-intel indicator matched by one of an alert's evidence events.
type IntelMatch struct {
	Value      string // the event value that matched
	Indicator  string
	Source     string
	Confidence int // 0..100, -1 unknown
}

// Context is what scoring knows beyond the alerts. Assets are keyed "host:" + host key or
// "ip:" + address (already resolved, networks included); Identities by user key (every alias,
// with Key the identity's own key); Intel by alert id. Alerts naming a host or address of one
// asset, or aliases of one identity, share that asset or identity (entity kind "asset", and
// "user" with the identity's key) for grouping and entity risk.
type Context struct {
	Assets     map[string]Asset
	Identities map[string]Identity
	Intel      map[int64][]IntelMatch
}

// Factor is one reason for a score: its points (negative ones lower it) and what it saw.
// The factors of a score sum to the score.
type Factor struct {
	Name   string `json:"name"`
	Points int    `json:"points"`
	Detail string `json:"detail"`
}

// Scored is the verdict on one alert.
type Scored struct {
	AlertID    int64
	Score      int
	Factors    []Factor // shared by the duplicates of a collapsed alert: do not modify
	Action     Action
	Duplicates int   // alerts in its collapsed group (1: none)
	Primary    int64 // id of the group's first alert (itself when it is the first)
	Incident   int64 // incident id, 0 when in none (auto-closed or suppressed)
	Suppressed string
}

// Technique is an ATT&CK technique with its name ("" when unknown).
type Technique struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Incident is a group of alerts that share entities within the grouping window.
type Incident struct {
	ID         int64 // the smallest alert id in it: stable while its alerts stay
	Rank       int   // 1 = top of the queue
	Score      int
	Raw        int // the score before the cap at 100, which orders incidents that reach it
	Priority   string
	Title      string
	Tactics    []string // names, kill-chain order
	Techniques []Technique
	Entities   map[string][]string
	First      time.Time
	Last       time.Time
	Alerts     []int64 // every alert, duplicates included, by time
	Collapsed  int     // alerts after duplicate collapse
	Factors    []Factor
	Narrative  string
}

// EntityRisk is the accumulated, decayed risk of one entity.
type EntityRisk struct {
	Kind   string
	Value  string
	Risk   float64   // highest decayed sum over the data
	PeakAt time.Time // when it was reached
	Alerts int       // alerts naming the entity
	Rules  int       // distinct rules among them
	Hub    bool      // in so many alerts that it joins no incident
}

// Summary counts the outcome.
type Summary struct {
	Alerts     int
	Collapsed  int // alerts after duplicate collapse
	Suppressed int
	Actions    map[Action]int
	Incidents  int
	Priorities map[string]int
	Hubs       int
}

// Result is everything Run computes.
type Result struct {
	Alerts    []Scored // in the order of the input
	Incidents []Incident
	Entities  []EntityRisk // entities with risk, highest first
	Summary   Summary
}

// Run scores and groups alerts. It does not modify its input.
func Run(alerts []Alert, cx Context, pol Policy) *Result {
	r := newRun(alerts, cx, pol)
	r.intern()
	r.collapse()
	r.scoreGroups()
	r.entityRisk()
	r.incidents()
	return r.result()
}

// entityOrder is the order kinds are shown in.
var entityOrder = []string{"src_ip", "user", "target_user", "host", "dst_ip", "domain", "process", "hash"}

func kindRank(k string) int {
	if i := slices.Index(entityOrder, k); i >= 0 {
		return i
	}
	return len(entityOrder)
}

func sortKinds(kinds []string) {
	slices.SortFunc(kinds, func(a, b string) int {
		return cmp.Or(cmp.Compare(kindRank(a), kindRank(b)), strings.Compare(a, b))
	})
}
