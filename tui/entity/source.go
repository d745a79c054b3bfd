package entity

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"trawl/engine"
	"trawl/event"
	"trawl/tui/timeline"
)

// Profile is what the entity view shows about one entity (log text in it is unsanitized).
type Profile struct {
	Kind   event.Entity
	Value  string
	Key    string // the resolution key
	Events int64
	First  *time.Time
	Last   *time.Time
	// Activity is events per UTC day, oldest first, ending at the last active day.
	Activity []DayCount
	Context  []Fact // what the asset and identity tables say
	Intel    []IntelHit
	Alerts   []AlertRef
	// AlertsTotal counts all alerts naming the entity (Alerts may list fewer).
	AlertsTotal int64
	Related     []Related
}

// DayCount is the events of one day.
type DayCount struct {
	Day    string // YYYY-MM-DD
	Events int64
}

// Fact is one line of context: a label and its value.
type Fact struct {
	Label, Value string
}

// IntelHit is a threat-intel indicator matching the entity or a field of its events.
type IntelHit struct {
	Field, Value, Indicator, Source, Name string
	Events                                int64
}

// AlertRef is an alert naming the entity.
type AlertRef struct {
	ID       int64
	Rule     string
	Title    string
	Severity string
	First    *time.Time
}

// Related is an entity seen in the same events, with how many.
type Related struct {
	Kind   event.Entity
	Value  string
	Events int64
}

// Details are the slower sections of a profile, read apart so that the rest draws first.
type Details struct {
	Intel   []IntelHit
	Related []Related
}

// Source is what the entity view needs of the store: profiles, and the timeline's pages.
type Source interface {
	// Profile reads the profile but its Intel and Related, which Details reads.
	Profile(ctx context.Context, kind event.Entity, value string) (Profile, error)
	Details(ctx context.Context, kind event.Entity, value string) (Details, error)
	timeline.Source
}

// StoreSource reads entity profiles from an engine store (engine.Store.EntityProfile) and the
// timeline through timeline.StoreSource.
type StoreSource struct {
	*timeline.StoreSource
	// Days bounds the activity strip (default 60).
	Days int
}

// NewStoreSource is the entity view's Source over st.
func NewStoreSource(st *engine.Store) *StoreSource {
	return &StoreSource{StoreSource: timeline.NewStoreSource(st), Days: 60}
}

// Profile implements Source.
func (s *StoreSource) Profile(ctx context.Context, kind event.Entity, value string) (Profile, error) {
	days := s.Days
	if days <= 0 {
		days = 60
	}
	// The timeline reads its own pages, so the profile reads none; Details reads the rest.
	ep, err := s.Store.EntityProfile(ctx, kind, value, engine.EntityProfileOptions{Sections: engine.ProfileSummary, Alerts: 20, Days: days})
	if err != nil {
		return Profile{}, err
	}
	p := Profile{Kind: kind, Value: value, Key: ep.Key, Events: ep.Events, First: ep.First, Last: ep.Last, AlertsTotal: ep.AlertsTotal}
	for _, d := range ep.Activity {
		p.Activity = append(p.Activity, DayCount{Day: d.Day, Events: d.Events})
	}
	p.Context = contextFacts(ep.Context)
	for _, a := range ep.Alerts {
		p.Alerts = append(p.Alerts, AlertRef{ID: a.ID, Rule: a.Rule, Title: a.Title, Severity: a.Severity, First: a.First})
	}
	return p, nil
}

// Details implements Source: threat-intel hits over the entity's events and the entities seen
// in them, most frequent first whatever the kind.
func (s *StoreSource) Details(ctx context.Context, kind event.Entity, value string) (Details, error) {
	ep, err := s.Store.EntityProfile(ctx, kind, value, engine.EntityProfileOptions{Sections: engine.ProfileIntel | engine.ProfileRelated, Related: 5})
	if err != nil {
		return Details{}, err
	}
	var d Details
	for _, h := range ep.Intel {
		d.Intel = append(d.Intel, IntelHit{Field: h.Field, Value: h.Value, Indicator: h.Indicator, Source: h.Source, Name: h.Name, Events: h.Events})
	}
	for _, r := range ep.Related {
		k, ok := event.ParseEntity(r.Kind)
		if !ok {
			continue
		}
		d.Related = append(d.Related, Related{Kind: k, Value: r.Value, Events: r.Events})
	}
	sort.SliceStable(d.Related, func(i, j int) bool { return d.Related[i].Events > d.Related[j].Events })
	return d, nil
}

// contextFacts turns the context tables' answer into labelled lines.
func contextFacts(ec *engine.EntityContext) []Fact {
	if ec == nil {
		return nil
	}
	var out []Fact
	add := func(label, v string) {
		if strings.TrimSpace(v) != "" {
			out = append(out, Fact{label, v})
		}
	}
	if id := ec.Identity; id != nil {
		add("identity", id.User)
		add("name", id.DisplayName)
		add("email", id.Email)
		add("department", id.Department)
		add("role", id.Role)
		if id.Privileged.OK {
			add("privileged", yesNo(id.Privileged.V))
		}
		if id.ServiceAccount.OK && id.ServiceAccount.V {
			add("service account", "yes")
		}
		if id.MFA.OK {
			add("mfa", yesNo(id.MFA.V))
		}
		add("status", id.Status)
		if !id.LeaveDate.IsZero() {
			add("leaves", id.LeaveDate.Format("2006-01-02"))
		}
		add("manager", id.Manager)
	}
	for _, a := range ec.Assets {
		add("asset", fmt.Sprintf("%s (by %s %s)", a.Name, a.MatchedBy, a.Matched))
		add("owner", a.Owner)
		if a.Criticality > 0 {
			add("criticality", strconv.Itoa(a.Criticality)+" of 5")
		}
		add("environment", a.Environment)
		if a.InternetFacing.OK && a.InternetFacing.V {
			add("internet-facing", "yes")
		}
		if len(a.Vulnerabilities) > 0 {
			add("vulnerabilities", strings.Join(a.Vulnerabilities, ", "))
		}
	}
	return out
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
