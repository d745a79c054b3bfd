package cases

import (
	"errors"
	"strings"
	"testing"
)

func TestVerifyChain(t *testing.T) {
	c := fixture()
	head, err := Verify(c.ID, c.History)
	if err != nil || head != c.HeadHash {
		t.Fatalf("Verify = %q, %v; want %q", head, err, c.HeadHash)
	}
	if diffs := Consistent(c); len(diffs) != 0 {
		t.Errorf("fixture is inconsistent: %v", diffs)
	}
	for _, tc := range []struct {
		name   string
		tamper func(h []Change) []Change
		seq    int64
		reason string
	}{
		{"edited old value", func(h []Change) []Change { h[7].Old = "closed"; return h }, 8, "content"},
		{"edited actor", func(h []Change) []Change { h[2].Actor = "mallory"; return h }, 3, "content"},
		{"moved time", func(h []Change) []Change { h[9].At = h[9].At.Add(-1); return h }, 10, "content"},
		{"removed entry", func(h []Change) []Change { return append(h[:5], h[6:]...) }, 7, "sequence"},
		{"removed and renumbered", func(h []Change) []Change {
			h = append(h[:5], h[6:]...)
			for i := range h {
				h[i].Seq = int64(i) + 1
			}
			return h
		}, 6, "previous"},
		{"rehashed one entry", func(h []Change) []Change {
			h[4].New = "99"
			h[4].Hash = h[4].ComputeHash(7, h[4].PrevHash)
			return h
		}, 6, "previous"},
		{"swapped", func(h []Change) []Change { h[3], h[4] = h[4], h[3]; return h }, 5, "sequence"},
		{"empty", func(h []Change) []Change { return nil }, 0, "no history"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := tc.tamper(append([]Change(nil), fixture().History...))
			_, err := Verify(7, h)
			var ce *ChainError
			if !errors.As(err, &ce) || ce.Seq != tc.seq || !strings.Contains(ce.Reason, tc.reason) {
				t.Errorf("Verify = %v; want a break at %d (%s)", err, tc.seq, tc.reason)
			}
		})
	}
}

func TestConsistentFindsSilentEdits(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(c *Case)
		want string
	}{
		{"status", func(c *Case) { c.Status = StatusClosed }, `status is "closed" but the history says "contained"`},
		{"verdict", func(c *Case) { c.Verdict = VerdictFalsePositive }, `verdict is "false_positive"`},
		{"note text", func(c *Case) { c.Notes[0].Text = "nothing to see" }, "note 1 differs"},
		{"note removed", func(c *Case) { c.Notes = c.Notes[:1] }, "notes: 2 is in the history but not stored"},
		{"task ticked", func(c *Case) { c.Tasks[1].DoneAt = atp("2026-03-02T06:00:00Z") }, "done tasks: 2 is stored but not in the history"},
		{"alert unlinked", func(c *Case) { c.Alerts = c.Alerts[:1] }, "linked alerts: 4 is in the history"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := fixture()
			tc.edit(c)
			diffs := Consistent(c)
			if !strings.Contains(strings.Join(diffs, "\n"), tc.want) {
				t.Errorf("Consistent = %q; want %q", diffs, tc.want)
			}
		})
	}
}

func TestParseStatusVerdict(t *testing.T) {
	for in, want := range map[string]Verdict{"tp": VerdictTruePositive, "Benign True Positive": VerdictBenignTruePositive,
		"false-positive": VerdictFalsePositive, "FP": VerdictFalsePositive} {
		if got, err := ParseVerdict(in); err != nil || got != want {
			t.Errorf("ParseVerdict(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseVerdict("maybe"); err == nil {
		t.Error("ParseVerdict(maybe) succeeded")
	}
	if s, err := ParseStatus(" Contained "); err != nil || s != StatusContained || !s.Contained() {
		t.Errorf("ParseStatus = %q, %v", s, err)
	}
	if _, err := ParseStatus("done"); err == nil || !strings.Contains(err.Error(), "new, investigating") {
		t.Errorf("ParseStatus(done) = %v", err)
	}
}
