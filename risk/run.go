package risk

import (
	"cmp"
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
	repID       int64 // that alert's id
	rule        int32
	set         int32 // its entity set
	supp        int32 // its suppression (0 none)
	count       int32
	first       int64 // unix nanoseconds; 0 for alerts without a time
	last        int64
	base        int      // the factors' sum before the cap
	score       int      // 0..100
	factors     []Factor // the cap factor included
	action      Action
	suppressed  bool
	measure     float64
	measureNote string
	parent      int32 // union-find
}

// classMap interns the values of one entity kind class.
type classMap struct {
	class string
	ids   map[string]int32
}

type run struct {
	in  []Alert
	cx  Context
	pol Policy

	classes     []classMap // few: a linear search finds one
	ents        []entKey
	entAsset    []int32 // entity -> index in assetVals, -1 none
	entIdentity []int32 // entity -> index in idVals, -1 none
	entAlias    []int32 // entity -> the asset or identity entity it resolves to, -1 none
	assetVals   []Asset
	idVals      []Identity
	aOff        []int32 // alert i's entities are aEnt[aOff[i]:aOff[i+1]], sorted ids
	aEnt        []int32
	aWide       []uint8 // alert -> joining kinds it lists more than grouping.wide_values values of
	order       []int32 // alert indices by first time, then id

	// The alerts in time order (index k, alert order[k]): the passes in time order read
	// these one after the other instead of jumping through the arrays by alert.
	tFirst []int64
	tLast  []int64
	tID    []int64
	tGroup []int32
	tOff   []int32 // alert k's entities are tEnt[tOff[k]:tOff[k+1]]
	tEnt   []int32
	tDup   []int32 // alert k's position within its group, time order
	gHot   []groupHot
	incOf  []int32 // group -> its incident's build index (into incID), -1 none

	ruleIdx   map[string]int32
	ruleCount []int32
	setCount  []int32 // alerts per entity set, by alert
	group     []int32 // alert -> group
	groups    []group

	tech  map[string]*techInfo // by rule name
	ruleF []*ruleFactor        // by rule index
	setF  map[int32]Factor     // entity_rarity by set count
	first []int64              // alert i's first time in unix nanoseconds
	last  []int64              // its last time (at least first)

	// scratch buffers of alertFactors
	assetBuf []assetRef
	whoBuf   []who

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
	incID []int64 // incident id by build index (incOf)
}

type techInfo struct {
	tactics    []attack.Tactic
	techniques []Technique
}

func newRun(alerts []Alert, cx Context, pol Policy) *run {
	return &run{in: alerts, cx: cx, pol: pol, ruleIdx: map[string]int32{}, tech: map[string]*techInfo{}, setF: map[int32]Factor{}}
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

// kindVals is one kind of an alert's entities with its values.
type kindVals struct {
	kind string
	rank int
	vals []string
}

// intern gives every entity an id and every alert its sorted entity ids and its wide kinds,
// and orders the alerts by time.
func (r *run) intern() {
	n := len(r.in)
	r.aOff = make([]int32, n+1)
	r.aEnt = make([]int32, 0, n*3)
	r.aWide = make([]uint8, n)
	wideAt := int32(r.pol.Grouping.WideValues)
	var kinds []kindVals
	for i := range r.in {
		start := len(r.aEnt)
		ents := r.in[i].Entities
		kinds = appendKinds(kinds[:0], ents)
		var counts [8]int32 // values per joining class, by classBit position
		for _, kv := range kinds {
			class := KindClass(kv.kind)
			if b := classBitOf(class); b != 0 {
				counts[bitPos(b)] += int32(len(kv.vals))
			}
			ids := r.classIDs(class)
			for _, v := range kv.vals {
				e, ok := ids[v]
				if !ok {
					e = r.entity(class, v)
				}
				r.aEnt = append(r.aEnt, e)
				if x := r.entAlias[e]; x >= 0 {
					r.aEnt = append(r.aEnt, x)
				}
			}
		}
		for b, c := range counts {
			if c > wideAt {
				r.aWide[i] |= 1 << b
			}
		}
		s := r.aEnt[start:]
		if len(s) > 1 {
			slices.Sort(s)
			s = slices.Compact(s)
		}
		r.aEnt = r.aEnt[:start+len(s)]
		r.aOff[i+1] = int32(len(r.aEnt))
	}
	// Time order: the keys are sorted by value, not through the alerts, which would jump
	// around memory at every comparison.
	type timeKey struct {
		first, id int64
		i         int32
	}
	keys := make([]timeKey, n)
	r.first = make([]int64, n)
	r.last = make([]int64, n)
	for i := range r.in {
		a := &r.in[i]
		f := nanos(a.First)
		r.first[i] = f
		r.last[i] = max(nanos(a.Last), f)
		keys[i] = timeKey{f, a.ID, int32(i)}
	}
	slices.SortFunc(keys, func(a, b timeKey) int {
		// Not cmp.Or, which would make all three comparisons every time.
		if a.first != b.first {
			return cmp.Compare(a.first, b.first)
		}
		if a.id != b.id {
			return cmp.Compare(a.id, b.id)
		}
		return cmp.Compare(a.i, b.i)
	})
	r.order = make([]int32, n)
	r.tFirst = make([]int64, n)
	r.tID = make([]int64, n)
	r.tLast = make([]int64, n)
	r.tOff = make([]int32, n+1)
	r.tEnt = make([]int32, 0, len(r.aEnt))
	for k := range keys {
		i := keys[k].i
		r.order[k], r.tFirst[k], r.tID[k] = i, keys[k].first, keys[k].id
		r.tLast[k] = r.last[i]
		r.tEnt = append(r.tEnt, r.entities(i)...)
		r.tOff[k+1] = int32(len(r.tEnt))
	}
}

// tEntities are the entities of the k-th alert in time order.
func (r *run) tEntities(k int) []int32 { return r.tEnt[r.tOff[k]:r.tOff[k+1]] }

// classIDs is the id map of one kind class.
func (r *run) classIDs(class string) map[string]int32 {
	for k := range r.classes {
		if r.classes[k].class == class {
			return r.classes[k].ids
		}
	}
	m := map[string]int32{}
	r.classes = append(r.classes, classMap{class, m})
	return m
}

// entity interns one entity. A new host or address is looked up in the assets, a new user in
// the identities; the asset a host name or address belongs to, and the identity an account
// name is an alias of, become entities too (entAlias). Networks are not: every address in
// 10.0.0.0/8 is not one machine.
func (r *run) entity(kind, value string) int32 {
	ids := r.classIDs(kind)
	id, ok := ids[value]
	if ok {
		return id
	}
	id = int32(len(r.ents))
	ids[value] = id
	r.ents = append(r.ents, entKey{kind, value})
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

// appendKinds lists an alert's entity kinds with their values in a fixed order
// (entityOrder, then the rest sorted), so that entity ids, and all that follows from them, do
// not depend on map order.
func appendKinds(out []kindVals, m map[string][]string) []kindVals {
	for k, v := range m {
		kv := kindVals{k, kindRank(k), v}
		// Insertion sort: an alert has a few kinds.
		j := len(out)
		out = append(out, kv)
		for j > 0 && (out[j-1].rank > kv.rank || (out[j-1].rank == kv.rank && out[j-1].kind > kv.kind)) {
			out[j] = out[j-1]
			j--
		}
		out[j] = kv
	}
	return out
}

func (r *run) entities(i int32) []int32 { return r.aEnt[r.aOff[i]:r.aOff[i+1]] }

// idTable is a hash table of int32 ids with linear probing, for the entity sets and the
// collapsed alerts: Go maps keyed by whole sets or by three ids are slower, and the keys are
// ids already. A slot holds the id + 1 in its low half (0: empty) and the top of the key's
// hash in its high half, so that most probes past other keys read nothing else. The caller
// probes; the table doubles when half full, so that a store of many repeats keeps it small.
type idTable struct {
	slots []uint64
	n     int
}

func newIDTable() idTable { return idTable{slots: make([]uint64, 1024)} }

// insert puts id with hash h into the empty slot the caller's probe ended at; hashOf gives
// the hash of an id already in, for growing.
func (t *idTable) insert(slot, h uint64, id int32, hashOf func(int32) uint64) {
	t.slots[slot] = h>>32<<32 | uint64(id+1)
	t.n++
	if 2*t.n <= len(t.slots) {
		return
	}
	old := t.slots
	t.slots = make([]uint64, 2*len(old))
	mask := uint64(len(t.slots) - 1)
	for _, v := range old {
		if v == 0 {
			continue
		}
		s := hashOf(int32(uint32(v))-1) & mask
		for t.slots[s] != 0 {
			s = (s + 1) & mask
		}
		t.slots[s] = v
	}
}

// groupHash is the hash of a collapsed alert's key.
func groupHash(set, rule, supp int32) uint64 {
	return mix64(uint64(uint32(set))<<32 ^ uint64(uint32(rule))*0x9e3779b97f4a7c15 ^ uint64(uint32(supp))*0xbf58476d1ce4e5b9)
}

// mix64 is the finaliser of MurmurHash3: it spreads the bits of an id combination.
func mix64(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

func setHash(ents []int32) uint64 {
	h := uint64(len(ents))
	for _, e := range ents {
		h = (h + uint64(uint32(e))) * 0x9e3779b97f4a7c15
	}
	return mix64(h)
}

// entSet is an entity set in collapse's table: its first few ids are kept in it, so that
// telling sets apart seldom reads the alerts' entity lists.
type entSet struct {
	hash  uint64
	rep   int32 // the first alert with the set
	n     int32 // entities in the set
	count int32 // alerts with the set
	ents  [5]int32
}

// equal reports whether the set is ents (of the set's length).
func (s *entSet) equal(r *run, ents []int32) bool {
	if len(ents) <= len(s.ents) {
		return slices.Equal(s.ents[:len(ents)], ents)
	}
	return slices.Equal(r.entities(s.rep), ents)
}

// collapse puts the alerts of one rule on one entity set (and the same suppression) into one
// group, and counts alerts per rule and per entity set for rarity.
func (r *run) collapse() {
	n := len(r.in)
	r.group = make([]int32, n)
	r.setCount = make([]int32, n)
	setTab, groupTab := newIDTable(), newIDTable()
	// At most one set per alert: made at that size, the slice is never copied to grow, and
	// the memory the alerts do not use is never touched.
	sets := make([]entSet, 0, n)
	setOf := make([]int32, n)
	setHashOf := func(s int32) uint64 { return sets[s].hash }
	groupHashOf := func(g int32) uint64 { gr := &r.groups[g]; return groupHash(gr.set, gr.rule, gr.supp) }
	r.groups = make([]group, 0, n)
	supps := map[string]int32{"": 0}
	lastRule, lastRuleIdx := "", int32(-1)
	// Input order: the alerts are read one after the other (time order would jump around
	// memory); each group's first alert in time and each alert's place in its group are
	// settled after.
	for i32 := range r.in {
		i := int32(i32)
		a := &r.in[i]
		rule := lastRuleIdx
		if rule < 0 || a.Rule != lastRule {
			var ok bool
			rule, ok = r.ruleIdx[a.Rule]
			if !ok {
				rule = int32(len(r.ruleCount))
				r.ruleIdx[a.Rule] = rule
				r.ruleCount = append(r.ruleCount, 0)
			}
			lastRule, lastRuleIdx = a.Rule, rule
		}
		r.ruleCount[rule]++
		ents := r.entities(i)
		h := setHash(ents)
		mask := uint64(len(setTab.slots) - 1)
		slot := h & mask
		tag := h >> 32 << 32
		set := int32(-1)
		for {
			v := setTab.slots[slot]
			if v == 0 {
				set = int32(len(sets))
				es := entSet{hash: h, rep: i, n: int32(len(ents))}
				copy(es.ents[:], ents)
				sets = append(sets, es)
				setTab.insert(slot, h, set, setHashOf)
				break
			}
			if s := int32(uint32(v)) - 1; v&^0xffffffff == tag && sets[s].hash == h && sets[s].n == int32(len(ents)) && sets[s].equal(r, ents) {
				set = s
				break
			}
			slot = (slot + 1) & mask
		}
		sets[set].count++
		setOf[i] = set
		var supp int32
		if a.Suppressed != "" {
			var ok bool
			supp, ok = supps[a.Suppressed]
			if !ok {
				supp = int32(len(supps))
				supps[a.Suppressed] = supp
			}
		}
		gh := groupHash(set, rule, supp)
		mask = uint64(len(groupTab.slots) - 1)
		slot = gh & mask
		tag = gh >> 32 << 32
		var g int32
		for {
			v := groupTab.slots[slot]
			if v == 0 {
				g = int32(len(r.groups))
				r.groups = append(r.groups, group{rep: i, repID: a.ID, rule: rule, set: set, supp: supp, first: r.first[i],
					suppressed: a.Suppressed != "", parent: g})
				groupTab.insert(slot, gh, g, groupHashOf)
				break
			}
			if x := int32(uint32(v)) - 1; v&^0xffffffff == tag && r.groups[x].set == set && r.groups[x].rule == rule && r.groups[x].supp == supp {
				g = x
				break
			}
			slot = (slot + 1) & mask
		}
		gr := &r.groups[g]
		r.group[i] = g
		gr.count++
		if f := r.first[i]; f < gr.first || (f == gr.first && a.ID < gr.repID) {
			gr.first, gr.rep, gr.repID = f, i, a.ID
		}
		if l := r.last[i]; l > gr.last {
			gr.last = l
		}
		if a.Measure > gr.measure {
			gr.measure, gr.measureNote = a.Measure, a.MeasureNote
		}
	}
	for i := range r.setCount {
		r.setCount[i] = sets[setOf[i]].count
	}
	r.tGroup = make([]int32, n)
	r.tDup = make([]int32, n)
	seen := make([]int32, len(r.groups))
	for k, i := range r.order {
		g := r.group[i]
		r.tGroup[k] = g
		r.tDup[k] = seen[g]
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

// scoreGroups scores every collapsed alert: its factors (cap included), the sum before the
// cap that entity risk adds up, and its action under the policy. Entity risk raises
// incidents, not single alerts: on a busy server every alert would otherwise rise with it.
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
	// The factors are built in one scratch buffer and copied into large shared blocks, each
	// group's part capped in length so that an append cannot write into the next one.
	scratch := make([]Factor, 0, 16)
	var block []Factor
	for g := range r.groups {
		gr := &r.groups[g]
		a := &r.in[gr.rep]
		f := r.alertFactors(scratch[:0], a, gr, intel[int32(g)], total, r.setCount[gr.rep])
		f, gr.score, gr.base = capped(f)
		gr.action = r.pol.ActionFor(gr.score)
		if len(block)+len(f) > cap(block) {
			block = make([]Factor, 0, max(8192, len(f)))
		}
		start := len(block)
		block = append(block, f...)
		gr.factors = block[start:len(block):len(block)]
		scratch = f[:0]
	}
}

// groupHot is what the passes in time order read of a group.
type groupHot struct {
	base       int32 // the factors' sum before the cap
	rule       int32
	suppressed bool
	live       bool // queued: not suppressed, not auto-closed
}

// occurrence is one alert naming one entity, as entity risk reads it: 16 bytes, so that the
// scatter into per-entity lists and the scan move little memory. contrib is a base score (a
// small integer) times a power of two, which a float32 holds exactly.
type occurrence struct {
	t       int64   // the alert's first time
	contrib float32 // what it adds to the entity's risk
	rule    int32
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
	// Occurrences of each entity in time order (CSR over r.order), each with what the scan
	// below needs, so that the scan reads one entity's occurrences one after the other.
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
	// What the passes in time order need of a group, packed.
	r.gHot = make([]groupHot, len(r.groups))
	for g := range r.groups {
		gr := &r.groups[g]
		r.gHot[g] = groupHot{base: int32(gr.base), rule: gr.rule, suppressed: gr.suppressed, live: !gr.suppressed && gr.action != AutoClose}
	}
	occ := make([]occurrence, off[ne])
	fill := slices.Clone(off[:ne])
	for k := range r.tGroup {
		g := r.tGroup[k]
		gh := r.gHot[g]
		if gh.suppressed {
			continue
		}
		o := occurrence{t: r.tFirst[k], rule: gh.rule}
		if c := float64(gh.base); c > 0 {
			// Repeats of one collapsed alert add less and less: the k-th repeat adds 2^-k.
			o.contrib = float32(math.Ldexp(c, -int(min(r.tDup[k], 60))))
		}
		for _, e := range r.tEntities(k) {
			occ[fill[e]] = o
			fill[e]++
		}
	}
	halfLife := float64(time.Duration(r.pol.EntityRisk.HalfLife).Nanoseconds())
	window := time.Duration(r.pol.EntityRisk.Window).Nanoseconds()
	ruleSeen := make([]int32, len(r.ruleCount))
	for i := range ruleSeen {
		ruleSeen[i] = -1
	}
	// The collapsed alerts naming an entity: all alerts of one have the same entity set, so
	// they are counted over the groups' sets, not per occurrence (which would jump through a
	// table by group at every one).
	for g := range r.groups {
		if gr := &r.groups[g]; !gr.suppressed {
			for _, e := range r.entities(gr.rep) {
				r.eGroups[e]++
			}
		}
	}
	for e := 0; e < ne; e++ {
		list := occ[off[e]:off[e+1]]
		var sum, peak float64
		var peakAt, cur int64
		lo := 0
		for k := range list {
			o := &list[k]
			t := o.t
			if k > 0 && t > cur {
				sum *= math.Exp2(-float64(t-cur) / halfLife)
			}
			cur = t
			for lo < k && list[lo].t < t-window {
				sum -= float64(list[lo].contrib) * math.Exp2(-float64(t-list[lo].t)/halfLife)
				lo++
			}
			sum = max(sum+float64(o.contrib), 0)
			if sum > peak {
				peak, peakAt = sum, t
			}
			if ruleSeen[o.rule] != int32(e) {
				ruleSeen[o.rule] = int32(e)
				r.eRules[e]++
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

// capped sums factors into a 0..100 score, adding a "cap" factor when the sum leaves that
// range, so the factors always sum to the score. It returns the factors, the score and the
// sum before the cap.
func capped(f []Factor) (_ []Factor, score, raw int) {
	for _, x := range f {
		raw += x.Points
	}
	switch {
	case raw > 100:
		f = append(f, Factor{Name: "cap", Points: 100 - raw, Detail: "scores stop at 100"})
		score = 100
	case raw < 0:
		f = append(f, Factor{Name: "cap", Points: -raw, Detail: "scores start at 0"})
		score = 0
	default:
		score = raw
	}
	return f, score, raw
}
