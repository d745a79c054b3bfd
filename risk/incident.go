package risk

import (
	"cmp"
	"fmt"
	"maps"
	"math/bits"
	"slices"
	"strings"
	"time"

	"trawl/attack"
)

// joinKinds are the entity kinds that join alerts into incidents. Process names
// (powershell.exe) say what ran, not who or where, and join nothing.
var joinKinds = map[string]bool{"user": true, "host": true, "ip": true, "asset": true, "domain": true, "hash": true}

// Incident scoring.
const (
	moreAlertsShare = 0.2 // of the other alerts' scores
	moreAlertsMax   = 20
	tacticPoints    = 5 // per tactic beyond the first
	tacticMax       = 25
)

func (r *run) find(g int32) int32 {
	for r.groups[g].parent != g {
		r.groups[g].parent = r.groups[r.groups[g].parent].parent
		g = r.groups[g].parent
	}
	return g
}

func (r *run) union(a, b int32) {
	a, b = r.find(a), r.find(b)
	if a == b {
		return
	}
	if a > b {
		a, b = b, a
	}
	r.groups[b].parent = a
}

// joins reports whether entity e of collapsed alert g may join incidents: a join kind, not a
// hub, and not one of too many values of its kind in the alert (prepareJoins set this up).
func (r *run) joins(g int32, e int32) bool {
	return r.joinable[e] && r.wide[g]&r.classBit[e] == 0
}

// classBitOf numbers the joining kinds as bits for the per-alert wide masks (0 for the
// others).
func classBitOf(class string) uint8 {
	switch class {
	case "user":
		return 1
	case "host":
		return 2
	case "ip":
		return 4
	case "asset":
		return 8
	case "domain":
		return 16
	case "hash":
		return 32
	}
	return 0
}

// bitPos is the position of a class bit.
func bitPos(b uint8) int { return bits.TrailingZeros8(b) }

// prepareJoins marks the entities that may join (join kind, not a hub) and, per collapsed
// alert, the kinds it lists more than grouping.wide_values values of (intern counted them).
func (r *run) prepareJoins() {
	r.joinable = make([]bool, len(r.ents))
	r.classBit = make([]uint8, len(r.ents))
	for e, k := range r.ents {
		r.joinable[e] = joinKinds[k.kind] && !r.hub[e]
		r.classBit[e] = classBitOf(k.kind)
	}
	r.wide = make([]uint8, len(r.groups))
	for g := range r.groups {
		r.wide[g] = r.aWide[r.groups[g].rep]
	}
}

// incidents joins the queued (not auto-closed, not suppressed) collapsed alerts that share a
// joining entity within the grouping window, transitively: per entity, its alerts in time
// order are joined while each starts within window of the latest end seen so far.
func (r *run) incidents() {
	live := make([]int32, 0, len(r.groups))
	for g := range r.groups {
		gr := &r.groups[g]
		if !gr.suppressed && gr.action != AutoClose {
			live = append(live, int32(g))
		}
	}
	// Occurrences of each joining entity, one per alert (not per collapsed alert: a rule that
	// fires every day on a host must not stretch one alert over the week), in time order.
	r.prepareJoins()
	ne := len(r.ents)
	off := make([]int32, ne+1)
	for i, g := range r.group {
		if !r.gHot[g].live {
			continue
		}
		for _, e := range r.entities(int32(i)) {
			if r.joins(g, e) {
				off[e+1]++
			}
		}
	}
	for e := 0; e < ne; e++ {
		off[e+1] += off[e]
	}
	occ := make([]int32, off[ne]) // alerts by time order index k
	fill := slices.Clone(off[:ne])
	for k, g := range r.tGroup {
		if !r.gHot[g].live {
			continue
		}
		for _, e := range r.tEntities(k) {
			if r.joins(g, e) {
				occ[fill[e]] = int32(k)
				fill[e]++
			}
		}
	}
	window := time.Duration(r.pol.Grouping.Window).Nanoseconds()
	for e := 0; e < ne; e++ {
		var end int64 // latest end of the current run of joined alerts
		list := occ[off[e]:off[e+1]]
		for j, k := range list {
			first, last := r.tFirst[k], r.tLast[k]
			if j > 0 && first <= end+window {
				r.union(r.tGroup[list[j-1]], r.tGroup[k])
				end = max(end, last)
			} else {
				end = last
			}
		}
	}
	// Collect the incidents.
	byRoot := make([]int32, len(r.groups)) // incident index + 1 by root, 0 none yet
	r.incOf = make([]int32, len(r.groups))
	for g := range r.incOf {
		r.incOf[g] = -1
	}
	members := [][]int32{}
	for _, g := range live {
		root := r.find(g)
		idx := byRoot[root] - 1
		if idx < 0 {
			idx = int32(len(members))
			byRoot[root] = idx + 1
			members = append(members, nil)
		}
		members[idx] = append(members[idx], g)
		r.incOf[g] = idx
	}
	r.incs = make([]*Incident, len(members))
	for idx, gs := range members {
		// Time order (groups are numbered in input order).
		slices.SortFunc(gs, func(a, b int32) int {
			return cmp.Or(cmp.Compare(r.groups[a].first, r.groups[b].first), cmp.Compare(r.groups[a].repID, r.groups[b].repID))
		})
		r.incs[idx] = r.buildIncident(gs)
	}
	// Every alert's id, for the incident's alert list and its id.
	for k, g := range r.tGroup {
		if idx := r.incOf[g]; idx >= 0 {
			inc := r.incs[idx]
			id := r.tID[k]
			inc.Alerts = append(inc.Alerts, id)
			if inc.ID == 0 || id < inc.ID {
				inc.ID = id
			}
		}
	}
	// The ids by build position (groups point there), before ranking reorders r.incs.
	r.incID = make([]int64, len(r.incs))
	for idx, inc := range r.incs {
		r.incID[idx] = inc.ID
	}
	slices.SortFunc(r.incs, func(a, b *Incident) int {
		return cmp.Or(cmp.Compare(b.Score, a.Score), cmp.Compare(b.Raw, a.Raw), cmp.Compare(len(b.Tactics), len(a.Tactics)),
			a.First.Compare(b.First), cmp.Compare(a.ID, b.ID))
	})
	for i, inc := range r.incs {
		inc.Rank = i + 1
	}
}

// buildIncident scores and describes one incident from its collapsed alerts (time order).
func (r *run) buildIncident(gs []int32) *Incident {
	inc := &Incident{Collapsed: len(gs), Entities: map[string][]string{}}
	top := gs[0]
	var tactics []attack.Tactic
	seenTech := map[string]bool{}
	seenEnt := map[int32]bool{}
	sumOthers := 0
	for _, g := range gs {
		gr := &r.groups[g]
		if gr.score > r.groups[top].score {
			top = g
		}
		a := &r.in[gr.rep]
		ti := r.techniques(a)
		tactics = append(tactics, ti.tactics...)
		for _, t := range ti.techniques {
			if !seenTech[t.ID] {
				seenTech[t.ID] = true
				inc.Techniques = append(inc.Techniques, t)
			}
		}
		for _, e := range r.entities(gr.rep) {
			if !seenEnt[e] {
				seenEnt[e] = true
				k := r.ents[e]
				inc.Entities[k.kind] = append(inc.Entities[k.kind], k.value)
			}
		}
		if t := time.Unix(0, gr.first).UTC(); gr.first != 0 && (inc.First.IsZero() || t.Before(inc.First)) {
			inc.First = t
		}
		if t := time.Unix(0, gr.last).UTC(); gr.last != 0 && t.After(inc.Last) {
			inc.Last = t
		}
	}
	for _, g := range gs {
		if g != top {
			sumOthers += r.groups[g].score
		}
	}
	for k := range inc.Entities {
		slices.Sort(inc.Entities[k])
	}
	slices.SortFunc(inc.Techniques, func(a, b Technique) int { return strings.Compare(a.ID, b.ID) })
	if len(tactics) > 0 {
		for _, t := range attack.SortTactics(tactics) {
			inc.Tactics = append(inc.Tactics, t.Name)
		}
	}
	tg := &r.groups[top]
	ta := &r.in[tg.rep]
	f := []Factor{{"top_alert", tg.score, fmt.Sprintf("alert %d: %s (score %d)", ta.ID, ta.Title, tg.score)}}
	if len(gs) > 1 {
		if p := min(round(moreAlertsShare*float64(sumOthers)), moreAlertsMax); p > 0 {
			f = append(f, Factor{"more_alerts", p, fmt.Sprintf("%d more alert%s scoring %d together", len(gs)-1, plural(len(gs)-1), sumOthers)})
		}
	}
	if n := len(inc.Tactics); n > 1 {
		f = append(f, Factor{"kill_chain", min((n-1)*tacticPoints, tacticMax), fmt.Sprintf("%d tactics: %s", n, strings.Join(inc.Tactics, ", "))})
	}
	ents := make([]int32, 0, len(seenEnt))
	for e := range seenEnt {
		ents = append(ents, e)
	}
	slices.Sort(ents)
	if ef, ok := r.entityFactor(ents); ok {
		f = append(f, ef)
	}
	inc.Factors, inc.Score, inc.Raw = capped(f)
	inc.Priority = r.pol.PriorityFor(inc.Score)
	inc.Title = ta.Title
	if len(gs) > 1 {
		inc.Title += fmt.Sprintf(" (+%d more)", len(gs)-1)
	}
	inc.Narrative = r.narrative(gs)
	return inc
}

// narrativeSteps is how many alerts a narrative tells one by one.
const narrativeSteps = 8

// narrative tells an incident's collapsed alerts in time order, one sentence each: when, what
// (the rule's title), who and where (its entities), how much (events and repeats). When there
// are more than narrativeSteps, it tells the highest-scoring ones and counts the rest.
func (r *run) narrative(gs []int32) string {
	told := gs
	if len(gs) > narrativeSteps {
		told = slices.Clone(gs)
		slices.SortStableFunc(told, func(a, b int32) int { return cmp.Compare(r.groups[b].score, r.groups[a].score) })
		told = told[:narrativeSteps]
		slices.SortFunc(told, func(a, b int32) int {
			return cmp.Or(cmp.Compare(r.groups[a].first, r.groups[b].first), cmp.Compare(r.groups[a].repID, r.groups[b].repID))
		})
	}
	var b strings.Builder
	var prevDay string
	for n, g := range told {
		gr := &r.groups[g]
		a := &r.in[gr.rep]
		var when string
		if gr.first == 0 {
			when = "at an unknown time"
		} else {
			t := time.Unix(0, gr.first).UTC()
			day := t.Format("2006-01-02")
			if day != prevDay {
				when = "on " + day + " at " + t.Format("15:04") + " UTC"
			} else {
				when = "at " + t.Format("15:04")
			}
			prevDay = day
		}
		switch {
		case n == 0:
			b.WriteString(upperFirst(when) + ", ")
		case n == len(told)-1:
			b.WriteString(" Finally " + when + ", ")
		default:
			b.WriteString(" Then " + when + ", ")
		}
		b.WriteString(describe(a, gr))
		b.WriteString(".")
	}
	if rest := len(gs) - len(told); rest > 0 {
		verb := "are"
		if rest == 1 {
			verb = "is"
		}
		fmt.Fprintf(&b, " %d lower-scoring alert%s on the same entities %s not told here.", rest, plural(rest), verb)
	}
	return b.String()
}

// entityPhrase introduces an entity kind's values in describe.
var entityPhrase = map[string]string{"src_ip": "from", "user": "by user", "target_user": "for user", "host": "on",
	"dst_ip": "to", "domain": "domain", "hash": "hash", "process": "with"}

// describe is one alert as a clause: "SSH brute force (rule ssh_brute_force) from
// 203.0.113.45 on bastion01 as user root, admin and 9 more (211 events, 2 alerts)".
func describe(a *Alert, gr *group) string {
	var b strings.Builder
	b.WriteString(strings.TrimRight(a.Title, ". "))
	b.WriteString(" (rule " + a.Rule + ")")
	kinds := slices.Collect(maps.Keys(a.Entities))
	sortKinds(kinds)
	for _, k := range kinds {
		vals := a.Entities[k]
		if len(vals) == 0 {
			continue
		}
		p, ok := entityPhrase[k]
		if !ok {
			p = k
		}
		b.WriteString(" " + p + " " + listText(vals, 3))
	}
	var counts []string
	if a.Events > 0 {
		counts = append(counts, fmt.Sprintf("%d event%s", a.Events, plural(a.Events)))
	}
	if gr.count > 1 {
		counts = append(counts, fmt.Sprintf("seen %d times", gr.count))
	}
	if len(counts) > 0 {
		b.WriteString(" (" + strings.Join(counts, ", ") + ")")
	}
	return b.String()
}

func listText(vals []string, max int) string {
	if len(vals) <= max {
		if len(vals) == 1 {
			return vals[0]
		}
		return strings.Join(vals[:len(vals)-1], ", ") + " and " + vals[len(vals)-1]
	}
	return strings.Join(vals[:max], ", ") + fmt.Sprintf(" and %d more", len(vals)-max)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// result assembles the output.
func (r *run) result() *Result {
	res := &Result{Alerts: make([]Scored, len(r.in)), Incidents: make([]Incident, len(r.incs))}
	for i, inc := range r.incs {
		res.Incidents[i] = *inc
	}
	sum := &res.Summary
	sum.Alerts, sum.Collapsed = len(r.in), len(r.groups)
	sum.Actions = map[Action]int{}
	sum.Priorities = map[string]int{}
	for i := range r.in {
		g := r.group[i]
		gr := &r.groups[g]
		s := Scored{AlertID: r.in[i].ID, Score: gr.score, Factors: gr.factors, Action: gr.action, Duplicates: int(gr.count),
			Primary: gr.repID, Suppressed: r.in[i].Suppressed}
		if idx := r.incOf[g]; idx >= 0 {
			s.Incident = r.incID[idx]
		}
		res.Alerts[i] = s
	}
	// Suppression is part of what collapses alerts: a group is suppressed or not as a whole.
	for g := range r.groups {
		gr := &r.groups[g]
		if gr.suppressed {
			sum.Suppressed += int(gr.count)
		} else {
			sum.Actions[gr.action] += int(gr.count)
		}
	}
	sum.Incidents = len(res.Incidents)
	for _, inc := range res.Incidents {
		sum.Priorities[inc.Priority]++
	}
	for e, k := range r.ents {
		if r.eAlerts[e] == 0 {
			continue
		}
		if r.hub[e] {
			sum.Hubs++
		}
		er := EntityRisk{Kind: k.kind, Value: k.value, Risk: r.eRisk[e], Alerts: int(r.eAlerts[e]), Rules: int(r.eRules[e]), Hub: r.hub[e]}
		if r.ePeakAt[e] != 0 {
			er.PeakAt = time.Unix(0, r.ePeakAt[e]).UTC()
		}
		res.Entities = append(res.Entities, er)
	}
	slices.SortFunc(res.Entities, func(a, b EntityRisk) int {
		return cmp.Or(cmp.Compare(b.Risk, a.Risk), strings.Compare(a.Kind, b.Kind), strings.Compare(a.Value, b.Value))
	})
	return res
}
