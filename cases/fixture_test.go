package cases

import (
	"time"
)

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func atp(s string) *time.Time {
	t := at(s)
	return &t
}

// hostile is a note an attacker could have planted in a log field and an analyst pasted.
const hostile = "<script>alert(1)</script> \x1b]0;pwned\x07\x1b[31mred\x1b[0m | *bold* [x](javascript:alert(2)) & \u202eevil"

// fixture is a fixed case with every part filled in, and fixed times, for the golden reports.
func fixture() *Case {
	c := &Case{
		ID: 7, Title: "SSH brute force on bastion01 <b>", Status: StatusContained, Severity: "high",
		Assignee: "alice", Verdict: VerdictTruePositive,
		Narrative: "203.0.113.45 guessed passwords for root and deploy, then logged in as deploy.",
		First:     atp("2026-03-02T02:41:04Z"), Last: atp("2026-03-02T03:11:01Z"),
		CreatedAt: at("2026-03-02T04:00:00Z"), CreatedBy: "alice", UpdatedAt: at("2026-03-02T05:10:00Z"),
		Incidents: []int64{},
		Alerts: []Alert{
			{ID: 3, Rule: "ssh_bruteforce", Title: "SSH password guessing", Severity: "high", Attack: []string{"T1110.001"},
				First: atp("2026-03-02T02:41:04Z"), Last: atp("2026-03-02T03:05:00Z"), CreatedAt: at("2026-03-02T03:30:00Z"),
				Entities: map[string][]string{"host": {"bastion01"}, "src_ip": {"203.0.113.45"}}, Evidence: 2},
			{ID: 4, Rule: "ssh_login_after_failures", Title: "Login after failures", Severity: "medium", Attack: []string{"T1110.001", "T1021.004"},
				First: atp("2026-03-02T03:11:01Z"), Last: atp("2026-03-02T03:11:01Z"), CreatedAt: at("2026-03-02T03:40:00Z"),
				Entities: map[string][]string{"user": {"deploy"}}, Evidence: 1},
		},
		Evidence: []Event{
			{ID: 100, Time: atp("2026-03-02T02:41:04Z"), File: "linux/auth.log", Line: 10, Category: "logon", Action: "ssh", Outcome: "failure",
				Host: "bastion01", User: "root", SrcIP: "203.0.113.45", Process: "sshd", Text: "Failed password for root from 203.0.113.45 port 4711 ssh2"},
			{ID: 101, Time: atp("2026-03-02T03:05:00Z"), File: "linux/auth.log", Line: 90, Category: "logon", Action: "ssh", Outcome: "failure",
				Host: "bastion01", User: "deploy", SrcIP: "203.0.113.45", Process: "sshd", Text: "Failed password for deploy from 203.0.113.45 port 4790 ssh2"},
			{ID: 102, Time: atp("2026-03-02T03:11:01Z"), File: "linux/auth.log", Line: 95, Category: "logon", Action: "ssh", Outcome: "success",
				Host: "bastion01", User: "deploy", SrcIP: "203.0.113.45", Process: "sshd", Text: "Accepted password for deploy from 203.0.113.45 " + hostile, Pinned: true},
		},
		EvidenceN: 3,
		Entities: []Entity{
			{Kind: "host", Value: "bastion01", Context: "asset bastion01: owner infra, criticality 4, internet-facing"},
			{Kind: "src_ip", Value: "203.0.113.45"},
			{Kind: "user", Value: "deploy", Context: "identity deploy: service account"},
		},
		Techniques: []Technique{
			{ID: "T1021.004", Name: "Remote Services: SSH", Tactics: []string{"Lateral Movement"}},
			{ID: "T1110.001", Name: "Brute Force: Password Guessing", Tactics: []string{"Credential Access"}},
		},
		Notes: []Note{
			{Seq: 1, At: at("2026-03-02T04:05:00Z"), Author: "alice", Text: "Source is a known scanner; deploy's password was weak."},
			{Seq: 2, At: at("2026-03-02T04:20:00Z"), Author: "bob", Text: hostile},
		},
		Tasks: []Task{
			{Seq: 1, Text: "Block the source address: sudo nft add rule inet filter input ip saddr '203.0.113.45' counter drop", Phase: "contain", Source: "playbook:brute-force",
				CreatedAt: at("2026-03-02T04:06:00Z"), CreatedBy: "alice", DoneAt: atp("2026-03-02T04:30:00Z"), DoneBy: "alice"},
			{Seq: 2, Text: "Reset deploy's password", Phase: "eradicate", CreatedAt: at("2026-03-02T04:06:00Z"), CreatedBy: "alice"},
		},
	}
	h := []Change{
		{Actor: "alice", Action: ActionCreate, New: c.Title},
		{Actor: "alice", Action: ActionSet, Field: "status", New: "new"},
		{Actor: "alice", Action: ActionSet, Field: "severity", New: "high"},
		{Actor: "alice", Action: ActionSet, Field: "narrative", New: c.Narrative},
		{Actor: "alice", Action: ActionLinkAlert, New: "3"},
		{Actor: "alice", Action: ActionLinkAlert, New: "4"},
	}
	h = Seal(c.ID, 0, "", c.CreatedAt, h)
	step := func(t string, ch ...Change) {
		last := h[len(h)-1]
		h = append(h, Seal(c.ID, last.Seq, last.Hash, at(t), ch)...)
	}
	step("2026-03-02T04:01:00Z", Change{Actor: "alice", Action: ActionSet, Field: "assignee", New: "alice"})
	step("2026-03-02T04:02:00Z", Change{Actor: "alice", Action: ActionSet, Field: "status", Old: "new", New: "investigating"})
	step("2026-03-02T04:05:00Z", Change{Actor: "alice", Action: ActionNote, Field: "1", New: c.Notes[0].Text})
	step("2026-03-02T04:06:00Z", Change{Actor: "alice", Action: ActionTaskAdd, Field: "1", New: c.Tasks[0].Text},
		Change{Actor: "alice", Action: ActionTaskAdd, Field: "2", New: c.Tasks[1].Text})
	step("2026-03-02T04:10:00Z", Change{Actor: "alice", Action: ActionPin, New: "102"})
	step("2026-03-02T04:20:00Z", Change{Actor: "bob", Action: ActionNote, Field: "2", New: hostile})
	step("2026-03-02T04:30:00Z", Change{Actor: "alice", Action: ActionTaskDone, Field: "1", Old: "open", New: "done"})
	step("2026-03-02T04:31:00Z", Change{Actor: "alice", Action: ActionSet, Field: "status", Old: "investigating", New: "contained"})
	step("2026-03-02T05:10:00Z", Change{Actor: "alice", Action: ActionSet, Field: "verdict", Old: "", New: "true_positive"})
	c.History = h
	c.HeadHash = h[len(h)-1].Hash
	return c
}
