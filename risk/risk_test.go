package risk

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func factorNames(fs []Factor) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Name)
	}
	return out
}

func checkSum(t *testing.T, what string, score int, fs []Factor) {
	t.Helper()
	sum := 0
	for _, f := range fs {
		sum += f.Points
	}
	if sum != score || score < 0 || score > 100 {
		t.Errorf("%s: factors sum to %d, score %d: %+v", what, sum, score, fs)
	}
}

func incidentOf(res *Result, alertID int64) (*Incident, int) {
	for i := range res.Incidents {
		if slices.Contains(res.Incidents[i].Alerts, alertID) {
			return &res.Incidents[i], i
		}
	}
	return nil, -1
}

func scoredOf(res *Result, alertID int64) Scored {
	for _, s := range res.Alerts {
		if s.AlertID == alertID {
			return s
		}
	}
	return Scored{}
}

func describeTop(res *Result, n int) string {
	var b strings.Builder
	for i := 0; i < n && i < len(res.Incidents); i++ {
		inc := res.Incidents[i]
		fmt.Fprintf(&b, "#%d id=%d %s score=%d raw=%d alerts=%d collapsed=%d tactics=%v title=%q\n", inc.Rank, inc.ID, inc.Priority, inc.Score, inc.Raw, len(inc.Alerts), inc.Collapsed, inc.Tactics, inc.Title)
		for _, f := range inc.Factors {
			fmt.Fprintf(&b, "    %+d %s: %s\n", f.Points, f.Name, f.Detail)
		}
	}
	return b.String()
}

// TestRankingScenarios plants an intrusion and an insider among 10,000 benign-noise alerts.
func TestRankingScenarios(t *testing.T) {
	alerts := noiseAlerts(10000, 1, 1)
	intrusion := intrusionAlerts(20001)
	insider := insiderAlerts(30001)
	alerts = append(append(alerts, intrusion...), insider...)
	res := Run(alerts, scenarioContext(20001), DefaultPolicy())
	t.Logf("summary: %+v", res.Summary)
	t.Logf("top incidents:\n%s", describeTop(res, 5))

	// The intrusion is one incident, ranked first.
	inc, rank := incidentOf(res, 20001)
	if inc == nil {
		t.Fatalf("the intrusion's first alert is in no incident: %+v", scoredOf(res, 20001))
	}
	for _, a := range intrusion {
		if !slices.Contains(inc.Alerts, a.ID) {
			t.Errorf("intrusion alert %d (%s) is not in the intrusion's incident %d: %+v", a.ID, a.Rule, inc.ID, scoredOf(res, a.ID))
		}
	}
	if rank != 0 {
		t.Errorf("the intrusion ranks %d, want 1", rank+1)
	}
	// Queued noise on the busy file server within the window joins it (docs/scoring.md,
	// Limits); the hub cut and auto-close keep that to a few dozen, not the whole store.
	if inc.Collapsed > 50 {
		t.Errorf("the intrusion's incident grew to %d collapsed alerts", inc.Collapsed)
	}
	if inc.Priority != "P1" {
		t.Errorf("intrusion priority %s, want P1", inc.Priority)
	}
	for _, want := range []string{"Initial Access", "Credential Access", "Lateral Movement", "Exfiltration"} {
		if !slices.Contains(inc.Tactics, want) {
			t.Errorf("intrusion tactics %v lack %s", inc.Tactics, want)
		}
	}
	if got := factorNames(inc.Factors); !slices.Equal(got[:3], []string{"top_alert", "more_alerts", "kill_chain"}) {
		t.Errorf("intrusion factors %v", got)
	}
	checkSum(t, "intrusion incident", inc.Score, inc.Factors)
	// The narrative tells the intrusion's steps in time order.
	pos := -1
	for _, clause := range []string{
		"2026-03-04 at 09:12 UTC, Exploit attempt against a public web application (rule exploit_public_app) from 203.0.113.45 on web01 to 10.1.0.5 (3 events).",
		"at 09:20, Web server process started a shell (rule web_server_spawns_shell) by user www-data on web01 with sh (3 events).",
		"Password hashes read from /etc/shadow", "SMB network logon from a web server", "A process opened LSASS memory",
		"on 2026-03-05 at 02:15 UTC, Large upload from an internal host to one external address (rule large_outbound_transfer) from 10.1.2.20 on fs01 to 198.51.100.7 (3 events).",
	} {
		p := strings.Index(inc.Narrative, clause)
		if p <= pos {
			t.Errorf("intrusion narrative lacks %q after position %d:\n%s", clause, pos, inc.Narrative)
		}
		pos = p
	}
	t.Logf("intrusion narrative: %s", inc.Narrative)
	// The factors of its alerts: LSASS on the critical file server by a privileged admin;
	// the upload to a known-bad address.
	lsass := scoredOf(res, 20005)
	for _, want := range []string{"severity", "confidence", "asset_criticality", "privileged_identity", "rule_rarity", "entity_rarity"} {
		if !slices.Contains(factorNames(lsass.Factors), want) {
			t.Errorf("LSASS alert factors %v lack %s", factorNames(lsass.Factors), want)
		}
	}
	if lsass.Action != Escalate {
		t.Errorf("LSASS alert action %s, want escalate", lsass.Action)
	}
	if exfil := scoredOf(res, 20006); !slices.Contains(factorNames(exfil.Factors), "threat_intel") {
		t.Errorf("exfiltration alert factors %v lack threat_intel", factorNames(exfil.Factors))
	}

	// The insider's story ranks in the top three and holds all five of her alerts.
	ins, irank := incidentOf(res, 30005)
	if ins == nil {
		t.Fatalf("the insider's upload is in no incident: %+v", scoredOf(res, 30005))
	}
	if irank > 2 {
		t.Errorf("the insider ranks %d, want top three", irank+1)
	}
	for _, a := range insider {
		if !slices.Contains(ins.Alerts, a.ID) {
			t.Errorf("insider alert %d (%s) not in her incident: %+v", a.ID, a.Rule, scoredOf(res, a.ID))
		}
	}
	upload := scoredOf(res, 30005)
	for _, want := range []string{"severity", "confidence", "leaving_identity", "flight_risk"} {
		if !slices.Contains(factorNames(upload.Factors), want) {
			t.Errorf("insider upload factors %v lack %s", factorNames(upload.Factors), want)
		}
	}
	usb := scoredOf(res, 30003)
	if !slices.Contains(factorNames(usb.Factors), "leaving_identity") || usb.Action == AutoClose {
		t.Errorf("insider USB alert: %s %+v", usb.Action, usb.Factors)
	}

	// Every score is its factors' sum; most noise is auto-closed and stays counted.
	for _, s := range res.Alerts {
		checkSum(t, fmt.Sprint("alert ", s.AlertID), s.Score, s.Factors)
	}
	for _, inc := range res.Incidents {
		checkSum(t, fmt.Sprint("incident ", inc.ID), inc.Score, inc.Factors)
	}
	if n := res.Summary.Actions[AutoClose]; n < 5000 {
		t.Errorf("only %d of %d alerts auto-closed", n, len(alerts))
	}
	total := 0
	for _, n := range res.Summary.Actions {
		total += n
	}
	if total != len(alerts) {
		t.Errorf("actions count %d alerts, want %d", total, len(alerts))
	}
}
