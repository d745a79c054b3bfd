package risk

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// severityPoints is the base of every score.
var severityPoints = map[string]int{"info": 5, "informational": 5, "low": 15, "medium": 30, "high": 45, "critical": 60}

// criticalityShare is what asset criticality 1..5 adds, as a share of the severity points:
// a low alert on a critical server stays lower than a critical alert on a laptop.
var criticalityShare = [...]float64{0, -0.2, 0, 0.2, 0.35, 0.5}

// privilegedShare is what a privileged identity adds, as a share of the severity points.
const privilegedShare = 0.3

// Identity points, each counted once per alert.
const (
	leavingPoints    = 15
	noMFAPoints      = 4
	servicePoints    = 3
	flightRiskPoints = 15 // a leaving identity in a collection or exfiltration alert
	exposurePoints   = 3
	vulnPoints       = 3
	ruleRarityMax    = 10
	setRarityMax     = 3
	anomalyMax       = 10
	entityRiskPoints = 5  // an incident entity at the entity-risk threshold
	entityRiskHigh   = 10 // at twice the threshold
)

// round rounds half away from zero, forgiving the float error of shares such as 45 × 0.2 / 2
// (4.4999999…), so that the documented arithmetic holds.
func round(x float64) int { return int(math.Round(x + math.Copysign(1e-9, x))) }

// rarityPoints is most points for what one of total alerts has, falling on a log scale to 0
// for what all of them have (total > 1).
func rarityPoints(most float64, n, total int) int {
	return round(most * (1 - math.Log(float64(n))/math.Log(float64(total))))
}

// alertFactors are the factors of a collapsed alert before entity risk: a is its first alert.
// It appends them to f.
func (r *run) alertFactors(f []Factor, a *Alert, gr *group, intel []IntelMatch, total int, setCount int32) []Factor {
	rf := r.ruleFactors(a, gr.rule, total)
	f = append(f, rf.fixed...)
	base := rf.base
	assets := r.assets(gr)
	f = r.assetFactors(assets, base, f)
	f = r.identityFactors(a, gr, assets, base, f)
	if len(intel) > 0 {
		best := intel[0]
		for _, m := range intel[1:] {
			if m.Confidence > best.Confidence || (m.Confidence == best.Confidence && m.Indicator < best.Indicator) {
				best = m
			}
		}
		p := 20
		conf := "unknown confidence"
		if best.Confidence >= 0 {
			conf = fmt.Sprintf("confidence %d", best.Confidence)
			switch {
			case best.Confidence < 40:
				p = 6
			case best.Confidence < 70:
				p = 12
			}
		}
		f = append(f, Factor{"threat_intel", p, fmt.Sprintf("%s matches indicator %s from %s (%s)", best.Value, best.Indicator, best.Source, conf)})
	}
	if rf.rarity.Points > 0 {
		f = append(f, rf.rarity)
	}
	if total > 1 {
		// Most entity sets are seen a few times: one factor per count, made once.
		sf, ok := r.setF[setCount]
		if !ok {
			if p := rarityPoints(setRarityMax, int(setCount), total); p > 0 {
				sf = Factor{"entity_rarity", p, "these entities appear together in " + strconv.Itoa(int(setCount)) + " of " + strconv.Itoa(total) + " alerts"}
			}
			r.setF[setCount] = sf
		}
		if sf.Points > 0 {
			f = append(f, sf)
		}
	}
	if gr.measure > 0 {
		m := min(gr.measure, 1)
		if p := round(anomalyMax * m); p > 0 {
			detail := fmt.Sprintf("anomaly strength %.2f", m)
			if gr.measureNote != "" {
				detail += ": " + gr.measureNote
			}
			f = append(f, Factor{"anomaly", p, detail})
		}
	}
	return f
}

// ruleFactor is what every alert of one rule shares: severity, confidence, rule rarity.
type ruleFactor struct {
	base   int
	fixed  []Factor
	rarity Factor
}

func (r *run) ruleFactors(a *Alert, rule int32, total int) *ruleFactor {
	if r.ruleF == nil {
		r.ruleF = make([]*ruleFactor, len(r.ruleCount))
	}
	if rf := r.ruleF[rule]; rf != nil {
		return rf
	}
	rf := &ruleFactor{}
	sev := strings.ToLower(a.Severity)
	base, ok := severityPoints[sev]
	if !ok {
		base = severityPoints["low"]
		rf.fixed = append(rf.fixed, Factor{"severity", base, fmt.Sprintf("unknown severity %q counts as low", a.Severity)})
	} else {
		rf.fixed = append(rf.fixed, Factor{"severity", base, sev + " (rule " + a.Rule + ")"})
	}
	if c := a.Confidence; c >= 0 && c < 1 {
		if p := -round(float64(base) * (1 - c) / 2); p != 0 {
			rf.fixed = append(rf.fixed, Factor{"confidence", p, fmt.Sprintf("rule confidence %.2g", c)})
		}
	}
	if total > 1 {
		n := r.ruleCount[rule]
		if p := rarityPoints(ruleRarityMax, int(n), total); p > 0 {
			rf.rarity = Factor{"rule_rarity", p, fmt.Sprintf("rule %s raised %d of %d alerts", a.Rule, n, total)}
		}
	}
	rf.base = base
	r.ruleF[rule] = rf
	return rf
}

// assetRef is an asset an alert names, with the value that named it.
type assetRef struct {
	as    *Asset
	value string
}

// assets lists the assets of an alert's hosts and addresses, each once, hosts first. The
// list is valid until the next call.
func (r *run) assets(gr *group) []assetRef {
	if len(r.assetVals) == 0 {
		return nil
	}
	out := r.assetBuf[:0]
	defer func() { r.assetBuf = out[:0] }()
	for pass := 0; pass < 2; pass++ {
	next:
		for _, e := range r.entities(gr.rep) {
			x := r.entAsset[e]
			if x < 0 || (r.ents[e].kind == "host") != (pass == 0) {
				continue
			}
			as := &r.assetVals[x]
			for _, o := range out {
				if o.as.Key == as.Key {
					continue next
				}
			}
			out = append(out, assetRef{as, r.ents[e].value})
		}
	}
	return out
}

func (r *run) assetFactors(list []assetRef, base int, f []Factor) []Factor {
	if len(list) == 0 {
		return f
	}
	best := list[0]
	for _, x := range list[1:] {
		if x.as.Criticality > best.as.Criticality {
			best = x
		}
	}
	if c := best.as.Criticality; c >= 1 && c <= 5 {
		if p := round(criticalityShare[c] * float64(base)); p != 0 {
			what := best.value
			if best.value != best.as.Key {
				what += " (asset " + best.as.Key + ")"
			}
			f = append(f, Factor{"asset_criticality", p, fmt.Sprintf("%s has criticality %d", what, c)})
		}
	}
	for _, x := range list {
		if x.as.InternetFacing {
			f = append(f, Factor{"exposure", exposurePoints, fmt.Sprintf("%s is internet-facing", x.as.Key)})
			break
		}
	}
	for _, x := range list {
		if x.as.Vulnerabilities > 0 {
			f = append(f, Factor{"vulnerable", vulnPoints, fmt.Sprintf("%s has %d known vulnerabilities", x.as.Key, x.as.Vulnerabilities)})
			break
		}
	}
	return f
}

// who is an identity an alert names, with how it names it.
type who struct {
	id  Identity
	how string
}

// identityFactors: privileged, leaving, no MFA and service accounts among the alert's users
// (when a kind lists more users than grouping.wide_values, they are the targets of a spray or
// scan, not actors, and are skipped) and the owners of its assets.
func (r *run) identityFactors(a *Alert, gr *group, assets []assetRef, base int, f []Factor) []Factor {
	if len(r.idVals) == 0 && len(assets) == 0 {
		return f
	}
	ids := r.whoBuf[:0]
	defer func() { r.whoBuf = ids[:0] }()
	// More users than grouping.wide_values (user and target_user together) are targets.
	if r.aWide[gr.rep]&classBitOf("user") == 0 {
		for _, e := range r.entities(gr.rep) {
			if x := r.entIdentity[e]; x >= 0 {
				ids = append(ids, who{r.idVals[x], r.ents[e].value})
			}
		}
	}
	for _, x := range assets {
		if x.as.Owner == "" {
			continue
		}
		if id, ok := r.cx.Identities[x.as.Owner]; ok {
			ids = append(ids, who{id, x.as.Owner + " (owner of " + x.as.Key + ")"})
		}
	}
	first := func(ok func(Identity) bool) (who, bool) {
		for _, w := range ids {
			if ok(w.id) {
				return w, true
			}
		}
		return who{}, false
	}
	if w, ok := first(func(id Identity) bool { return id.Privileged }); ok {
		f = append(f, Factor{"privileged_identity", max(round(privilegedShare*float64(base)), 1), w.how + " is privileged"})
	}
	if w, ok := first(Identity.Leaving); ok {
		d := w.id.Status
		if d == "" {
			d = "leaving"
		}
		if !w.id.LeaveDate.IsZero() {
			d += " (" + w.id.LeaveDate.Format("2006-01-02") + ")"
		}
		f = append(f, Factor{"leaving_identity", leavingPoints, w.how + " is " + d})
		ti := r.techniques(a)
		for _, t := range ti.tactics {
			if t.Short == "exfiltration" || t.Short == "collection" {
				f = append(f, Factor{"flight_risk", flightRiskPoints, "a leaving identity in an alert of " + strings.ToLower(t.Name)})
				break
			}
		}
	}
	if w, ok := first(func(id Identity) bool { return id.NoMFA }); ok {
		f = append(f, Factor{"no_mfa", noMFAPoints, w.how + " has no MFA"})
	}
	if w, ok := first(func(id Identity) bool { return id.ServiceAccount }); ok {
		f = append(f, Factor{"service_account", servicePoints, w.how + " is a service account"})
	}
	return f
}

// entityFactor is the entity-risk factor of an entity set: entityRiskPoints when its riskiest
// entity (not a hub, not a process name) reached the threshold, entityRiskHigh at twice the
// threshold.
func (r *run) entityFactor(ents []int32) (Factor, bool) {
	best := int32(-1)
	for _, e := range ents {
		// Hubs rise with everything; process names say what ran, not who or where.
		if r.hub[e] || !joinKinds[r.ents[e].kind] {
			continue
		}
		if best < 0 || r.eRisk[e] > r.eRisk[best] {
			best = e
		}
	}
	thr := r.threshold
	if best < 0 || r.eRisk[best] < thr {
		return Factor{}, false
	}
	p := entityRiskPoints
	if r.eRisk[best] >= 2*thr {
		p = entityRiskHigh
	}
	k := r.ents[best]
	return Factor{"entity_risk", p, fmt.Sprintf("%s=%s has risk %.0f (threshold %.0f) from %d alerts of %d rules",
		k.kind, k.value, r.eRisk[best], thr, r.eAlerts[best], r.eRules[best])}, true
}
