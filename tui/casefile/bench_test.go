package casefile

import (
	"fmt"
	"testing"
	"time"

	"trawl/cases"
	"trawl/engine"
	"trawl/themes"
	"trawl/tui"
	"trawl/tui/screentest"
)

// bigCase is a case at the size Case loads at most: 5000 evidence events, with many notes,
// tasks and history entries.
func bigCase() *cases.Case {
	t0 := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	c := &cases.Case{ID: 1, Title: "big", Status: cases.StatusInvestigating, Severity: "high", CreatedAt: t0, UpdatedAt: t0}
	for i := range engine.MaxCaseEvidence {
		at := t0.Add(time.Duration(i) * time.Second)
		c.Evidence = append(c.Evidence, cases.Event{ID: int64(i + 1), Time: &at, Host: "ws01", User: "alice", Category: "process",
			Action: "start", Text: fmt.Sprintf("powershell.exe -enc %040d", i)})
	}
	c.EvidenceN = len(c.Evidence)
	for i := range 200 {
		c.Notes = append(c.Notes, cases.Note{Seq: int64(i + 1), At: t0, Author: "alice", Text: "a note\nover two lines"})
	}
	for i := range 500 {
		c.Tasks = append(c.Tasks, cases.Task{Seq: int64(i + 1), Text: "do something", Phase: "contain", CreatedAt: t0})
	}
	for i := range 6000 {
		c.History = append(c.History, cases.Change{Seq: int64(i + 1), At: t0, Actor: "alice", Action: cases.ActionPin, New: "1"})
	}
	return c
}

// BenchmarkKeypress measures a key press and the render after it on each tab of a big case:
// the first press on a tab builds its page, the rest reuse it.
func BenchmarkKeypress(b *testing.B) {
	th, _ := themes.ByName("dark")
	for _, tab := range Tabs {
		b.Run(tab.String(), func(b *testing.B) {
			tc := tui.NewContext(nil, th)
			m := New(tc, NewDesk(fixedSource{c: bigCase(), ver: Verification{Head: "h"}}), 1)
			m.SetSize(160, 48)
			for _, msg := range screentest.Run(m.Init()) {
				m.Update(msg)
			}
			m.SetTab(tab)
			down, up := screentest.Key("down"), screentest.Key("up")
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				if i%2 == 0 {
					m.Update(down)
				} else {
					m.Update(up)
				}
				_ = m.View()
			}
		})
	}
}

// BenchmarkFirstRender is opening a big case: the load's result, then the first page of each tab.
func BenchmarkFirstRender(b *testing.B) {
	th, _ := themes.ByName("dark")
	c := bigCase()
	for b.Loop() {
		tc := tui.NewContext(nil, th)
		m := New(tc, NewDesk(fixedSource{c: c, ver: Verification{Head: "h"}}), 1)
		m.SetSize(160, 48)
		for _, msg := range screentest.Run(m.Init()) {
			m.Update(msg)
		}
		for _, tab := range Tabs {
			m.SetTab(tab)
			_ = m.View()
		}
	}
}
