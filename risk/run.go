package risk

import (
	"cmp"
	"encoding/binary"
	"hash/maphash"
	"math"
	"slices"
	"time"

	"trawl/attack"
)

// entKey is an interned entity.
type entKey struct {
	kind  string
	value string
}

// group is a collapsed alert: the alerts of one rule on one entity set.
type group struct {
	rep         int32 // index of its first alert (time order)
	rule        int32
	count       int32
	first       int64 // unix nanoseconds; 0 for alerts without a time
	last        int64
	base        int      // the factors' sum before the cap
	score       int      // 0..100
	factors     []Factor // with the cap factor once finalScores ran
	action      Action
	suppressed  bool
	measure     float64
	measureNote string
	parent      int32 // union-find
	incident    int32 // index into incID (the order incidents were built in), -1 none
}

type run struct {
	in  []Alert
	cx  Context
	pol Policy

	entIdx      map[entKey]int32
	ents        []entKey
	entAsset    []int32 // entity -> index in assetVals, -1 none
	entIdentity []int32 // entity -> index in idVals, -1 none
	entAlias    []int32 // entity -> the asset or identity entity it resolves to, -1 none
	assetVals   []Asset
	idVals      []Identity
	aOff        []int32 // alert i's entities are aEnt[aOff[i]:aOff[i+1]], sorted ids
	aEnt        []int32
	order       []int32 // alert indices by first time, then id

	ruleIdx   map[string]int32
	ruleCount []int32
	setCount  []int32 // alerts per entity set, by alert
	group     []int32 // alert -> group
	dup       []int32 // alert's position within its group, time order
	groups    []group

	tech  map[string]*techInfo // by rule name
	ruleF []*ruleFactor        // by rule index
	setF  map[int32]Factor     // entity_rarity by set count
	first []int64              // alert i's first time in unix nanoseconds
	last  []int64              // its last time (at least first)

	// entity risk
	eRisk   []float64
	ePeakAt []int64
	eAlerts []int32
	eRules  []int32
	eGroups []int32
	hub     []bool
	// threshold is the entity risk that raises scores (see entityRisk).
	threshold float64

	// grouping (prepareJoins)
	joinable []bool  // entity may join incidents
	classBit []uint8 // entity's kind as a bit
	wide     []uint8 // collapsed alert -> kinds it lists too many values of

	incs  []*Incident
	incID []int64 // incident id by the index groups hold (group.incident)
}

type techInfo struct {
	tactics    []attack.Tactic
	techniques []Technique
}

func newRun(alerts []Alert, cx Context, pol Policy) *run {
	return &run{in: alerts, cx: cx, pol: pol, entIdx: map[entKey]int32{}, ruleIdx: map[string]int32{}, tech: map[string]*techInfo{},
		setF: map[int32]Factor{}}
}

func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// KindClass is the entity kind an alert entity kind counts as: src_ip and dst_ip are both
// "ip", user and target_user both "user" (the address that was the target of one alert is the
// source of the next one); other kinds are themselves.
func KindClass(kind string) string {
	switch kind {
	case "src_ip", "dst_ip", "ip":
		return "ip"
	case "user", "target_user":
		return "user"
	}
	return kind
}

// intern gives every entity an id and every alert its sorted entity ids, and orders the alerts
// by time.
func (r *run) intern() {
	n := len(r.in)
	r.aOff = make([]int32, n+1)
	r.aEnt = make([]int32, 0, n*3)
	for i := range r.in {
		start := len(r.aEnt)
		ents := r.in[i].Entities
		for _, kind := range kindsOf(ents) {
			class := KindClass(kind)
			for _, v := range ents[kind] {
				e := r.entity(class, v)
				r.aEnt = append(r.aEnt, e)
				if x := r.entAlias[e]; x >= 0 {
					r.aEnt = append(r.aEnt, x)
				}
			}
		}
		s := r.aEnt[start:]
		slices.Sort(s)
		s = slices.Compact(s)
		r.aEnt = r.aEnt[:start+len(s)]
		r.aOff[i+1] = int32(len(r.aEnt))
	}
	r.order = make([]int32, n)
	r.first = make([]int64, n)
	r.last = make([]int64, n)
	for i := range r.order {
		r.order[i] = int32(i)
		r.first[i] = nanos(r.in[i].First)
		r.last[i] = max(nanos(r.in[i].Last), r.first[i])
	}
	slices.SortFunc(r.order, func(a, b int32) int {
		return cmp.Or(cmp.Compare(r.first[a], r.first[b]), cmp.Compare(r.in[a].ID, r.in[b].ID))
	})
}

// entity interns one entity. A new host or address is looked up in the assets, a new user in
// the identities; the asset a host name or address belongs to, and the identity an account
// name is an alias of, become entities too (entAlias). Networks are not: every address in
// 10.0.0.0/8 is not one machine.
func (r *run) entity(kind, value string) int32 {
	k := entKey{kind, value}
	id, ok := r.entIdx[k]
	if ok {
		return id
	}
	id = int32(len(r.ents))
	r.entIdx[k] = id
	r.ents = append(r.ents, k)
	r.entAsset = append(r.entAsset, -1)
	r.entIdentity = append(r.entIdentity, -1)
	r.entAlias = append(r.entAlias, -1)
	switch kind {
	case "host", "ip":
		if as, ok := r.cx.Assets[kind+":"+value]; ok {
			r.entAsset[id] = int32(len(r.assetVals))
			r.assetVals = append(r.assetVals, as)
			if !as.Network && as.Key != "" {
				x := r.entity("asset", as.Key)
				r.entAlias[id] = x
			}
		}
	case "user":
		if who, ok := r.cx.Identities[value]; ok {
			r.entIdentity[id] = int32(len(r.idVals))
			r.idVals = append(r.idVals, who)
			if who.Key != "" && who.Key != value {
				x := r.entity("user", who.Key)
				r.entAlias[id] = x
			}
		}
	}
	return id
}

// kindsOf lists an alert's entity kinds in a fixed order (entityOrder, then the rest sorted),
// so that entity ids, and all that follows from them, do not depend on map order.
func kindsOf(m map[string][]string) []string {
	out := make([]string, 0, len(m))
	for _, k := range entityOrder {
		if _, ok := m[k]; ok {
			out = append(out, k)
		}
	}
	if len(out) < len(m) {
		var rest []string
		for k := range m {
			if kindRank(k) == len(entityOrder) {
				rest = append(rest, k)
			}
		}
		slices.Sort(rest)
		out = append(out, rest...)
	}
	return out
}

func (r *run) entities(i int32) []int32 { return r.aEnt[r.aOff[i]:r.aOff[i+1]] }

// collapse puts the alerts of one rule on one entity set (and the same suppression) into one
// group, and counts alerts per rule and per entity set for rarity.
func (r *run) collapse() {
	n := len(r.in)
	r.group = make([]int32, n)
	r.dup = make([]int32, n)
	r.setCount = make([]int32, n)
	// Entity sets by hash, with a chain through setNext for the rare collision; each set is
	// checked against its first alert's entities.
	seed := maphash.MakeSeed()
	setHead := make(map[uint64]int32, n/2)
	var setRep, setNext, setCounts []int32
	setOf := make([]int32, n)
	type groupKey struct{ set, rule, supp int32 }
	byKey := make(map[groupKey]int32, n/2)
	r.groups = make([]group, 0, n)
	supps := map[string]int32{"": 0}
	buf := make([]byte, 0, 64)
	// Input order: the alerts are read one after the other (time order would jump around
	// memory); each group's first alert in time and each alert's place in its group are
	// settled after.
	for i32 := range r.in {
		i := int32(i32)
		a := &r.in[i]
		rule, ok := r.ruleIdx[a.Rule]
		if !ok {
			rule = int32(len(r.ruleCount))
			r.ruleIdx[a.Rule] = rule
			r.ruleCount = append(r.ruleCount, 0)
		}
		r.ruleCount[rule]++
		ents := r.entities(i)
		buf = buf[:0]
		for _, e := range ents {
			buf = binary.LittleEndian.AppendUint32(buf, uint32(e))
		}
		h := maphash.Bytes(seed, buf)
		set, found := setHead[h]
		for found && !slices.Equal(r.entities(setRep[set]), ents) {
			set = setNext[set]
			found = set >= 0
		}
		if !found {
			set = int32(len(setCounts))
			head, ok := setHead[h]
			if !ok {
				head = -1
			}
			setNext = append(setNext, head)
			setHead[h] = set
			setRep = append(setRep, i)
			setCounts = append(setCounts, 0)
		}
		setCounts[set]++
		setOf[i] = set
		supp, ok := supps[a.Suppressed]
		if !ok {
			supp = int32(len(supps))
			supps[a.Suppressed] = supp
		}
		key := groupKey{set, rule, supp}
		g, ok := byKey[key]
		if !ok {
			g = int32(len(r.groups))
			byKey[key] = g
			r.groups = append(r.groups, group{rep: i, rule: rule, first: r.first[i], suppressed: a.Suppressed != "", parent: g, incident: -1})
		}
		gr := &r.groups[g]
		r.group[i] = g
		gr.count++
		if f := r.first[i]; f < gr.first || (f == gr.first && a.ID < r.in[gr.rep].ID) {
			gr.first, gr.rep = f, i
		}
		if l := r.last[i]; l > gr.last {
			gr.last = l
		}
		if a.Measure > gr.measure {
			gr.measure, gr.measureNote = a.Measure, a.MeasureNote
		}
	}
	for i := range r.setCount {
		r.setCount[i] = setCounts[setOf[i]]
	}
	seen := make([]int32, len(r.groups))
	for _, i := range r.order {
		g := r.group[i]
		r.dup[i] = seen[g]
		seen[g]++
	}
}

// techniques resolves a rule's ATT&CK ids once.
func (r *run) techniques(a *Alert) *techInfo {
	if ti, ok := r.tech[a.Rule]; ok {
		return ti
	}
	ti := &techInfo{}
	for _, id := range a.Attack {
		res := attack.Resolve(id)
		if res.Kind == attack.KindTactic {
			ti.tactics = append(ti.tactics, res.Tactics...)
			continue
		}
		name := res.Name()
		ti.techniques = append(ti.techniques, Technique{ID: res.ID, Name: name})
		ti.tactics = append(ti.tactics, res.Tactics...)
	}
	if len(ti.tactics) > 0 {
		ti.tactics = attack.SortTactics(ti.tactics)
	}
	r.tech[a.Rule] = ti
	return ti
}

func (r *run) scoreGroups() {
	total := len(r.in)
	// The members' intel matches, per group.
	var intel map[int32][]IntelMatch
	if len(r.cx.Intel) > 0 {
		intel = map[int32][]IntelMatch{}
		for i := range r.in {
			if m := r.cx.Intel[r.in[i].ID]; len(m) > 0 {
				g := r.group[i]
				intel[g] = append(intel[g], m...)
			}
		}
	}
	for g := range r.groups {
		gr := &r.groups[g]
		a := &r.in[gr.rep]
		gr.factors = r.alertFactors(a, gr, intel[int32(g)], total, r.setCount[gr.rep])
		gr.base = 0
		for _, f := range gr.factors {
			gr.base += f.Points
		}
	}
}

// entityRisk accumulates, per entity, the base scores of its alerts with exponential decay
// over the sliding window, and finds the hubs.
func (r *run) entityRisk() {
	ne := len(r.ents)
	r.eRisk = make([]float64, ne)
	r.ePeakAt = make([]int64, ne)
	r.eAlerts = make([]int32, ne)
	r.eRules = make([]int32, ne)
	r.eGroups = make([]int32, ne)
	r.hub = make([]bool, ne)
	// Occurrences of each entity in time order (CSR over r.order).
	off := make([]int32, ne+1)
	for i := range r.in {
		if r.in[i].Suppressed != "" {
			continue
		}
		for _, e := range r.entities(int32(i)) {
			off[e+1]++
		}
	}
	for e := 0; e < ne; e++ {
		off[e+1] += off[e]
	}
	occ := make([]int32, off[ne])
	fill := slices.Clone(off[:ne])
	for _, i := range r.order {
		if r.groups[r.group[i]].suppressed {
			continue
		}
		for _, e := range r.entities(i) {
			occ[fill[e]] = i
			fill[e]++
		}
	}
	halfLife := float64(time.Duration(r.pol.EntityRisk.HalfLife).Nanoseconds())
	window := time.Duration(r.pol.EntityRisk.Window).Nanoseconds()
	ruleSeen := make([]int32, len(r.ruleCount))
	groupSeen := make([]int32, len(r.groups))
	for i := range ruleSeen {
		ruleSeen[i] = -1
	}
	for i := range groupSeen {
		groupSeen[i] = -1
	}
	contrib := func(i int32) float64 {
		c := float64(r.groups[r.group[i]].base)
		if c < 0 {
			return 0
		}
		// Repeats of one collapsed alert add less and less: the k-th repeat adds 2^-k.
		return math.Ldexp(c, -int(min(r.dup[i], 60)))
	}
	for e := 0; e < ne; e++ {
		list := occ[off[e]:off[e+1]]
		var sum, peak float64
		var peakAt, cur int64
		lo := 0
		for k, i := range list {
			t := r.first[i]
			if k > 0 && t > cur {
				sum *= math.Exp2(-float64(t-cur) / halfLife)
			}
			cur = t
			for lo < k && r.first[list[lo]] < t-window {
				j := list[lo]
				sum -= contrib(j) * math.Exp2(-float64(t-r.first[j])/halfLife)
				lo++
			}
			sum = max(sum+contrib(i), 0)
			if sum > peak {
				peak, peakAt = sum, t
			}
			g := r.groups[r.group[i]].rule
			if ruleSeen[g] != int32(e) {
				ruleSeen[g] = int32(e)
				r.eRules[e]++
			}
			if groupSeen[r.group[i]] != int32(e) {
				groupSeen[r.group[i]] = int32(e)
				r.eGroups[e]++
			}
		}
		r.eRisk[e], r.ePeakAt[e], r.eAlerts[e] = peak, peakAt, int32(len(list))
	}
	// Hubs: in a large share of the collapsed alerts.
	var live int
	for _, gr := range r.groups {
		if !gr.suppressed {
			live++
		}
	}
	cut := max(float64(r.pol.Grouping.HubMinAlerts), r.pol.Grouping.HubShare*float64(live))
	for e := 0; e < ne; e++ {
		r.hub[e] = float64(r.eGroups[e]) >= cut
	}
	// The threshold: the policy's, or the given percentile of the other entities' risk when
	// that is higher, so that in a noisy store only entities unusual for it stand out.
	r.threshold = r.pol.EntityRisk.Threshold
	if p := r.pol.EntityRisk.Percentile; p > 0 {
		var risks []float64
		for e := 0; e < ne; e++ {
			if !r.hub[e] && joinKinds[r.ents[e].kind] && r.eRisk[e] > 0 {
				risks = append(risks, r.eRisk[e])
			}
		}
		if len(risks) > 0 {
			slices.Sort(risks)
			k := min(int(math.Ceil(p/100*float64(len(risks))))-1, len(risks)-1)
			r.threshold = max(r.threshold, risks[max(k, 0)])
		}
	}
}

// finalScores caps the scores and applies the policy. Entity risk raises incidents, not
// single alerts: on a busy server every alert would otherwise rise with it.
func (r *run) finalScores() {
	for g := range r.groups {
		gr := &r.groups[g]
		gr.factors, gr.score = capped(slices.Clip(gr.factors))
		gr.action = r.pol.ActionFor(gr.score)
	}
}

// capped sums factors into a 0..100 score, adding a "cap" factor when the sum leaves that
// range, so the factors always sum to the score. It returns the factors and the score.
func capped(f []Factor) ([]Factor, int) {
	sum := 0
	for _, x := range f {
		sum += x.Points
	}
	switch {
	case sum > 100:
		f = append(f, Factor{Name: "cap", Points: 100 - sum, Detail: "scores stop at 100"})
		sum = 100
	case sum < 0:
		f = append(f, Factor{Name: "cap", Points: -sum, Detail: "scores start at 0"})
		sum = 0
	}
	return f, sum
}
