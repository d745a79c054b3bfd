package importertest

import (
	"strings"
	"testing"
	"time"

	"trawl/event"
)

// Columns returns every catalogue column of ev by name, times as RFC 3339 text in UTC, for
// comparing two events column by column with cmp.Diff.
func Columns(ev *event.Event) map[string]any {
	out := map[string]any{}
	for _, c := range event.Columns {
		v := c.Get(ev)
		if tm, ok := v.(time.Time); ok {
			v = tm.UTC().Format(time.RFC3339Nano)
		}
		out[c.Name] = v
	}
	return out
}

// First returns res with only its first n events (and their records), for golden files that
// show the start of a large sample; rejects are all kept.
func First(res Result, n int) Result {
	if len(res.Events) > n {
		res.Events, res.Records = res.Events[:n], res.Records[:n]
	}
	return res
}

// CheckCounts reports an error unless res holds exactly events events and rejects rejects and
// each of substrings appears in the text of some reject.
func CheckCounts(t testing.TB, res Result, events, rejects int, substrings ...string) {
	t.Helper()
	if len(res.Events) != events || len(res.Rejects) != rejects {
		t.Errorf("%d events and %d rejects, want %d and %d: %v", len(res.Events), len(res.Rejects), events, rejects, res.Rejects)
	}
	var all strings.Builder
	for _, r := range res.Rejects {
		all.WriteString(r.Error() + "\n")
	}
	for _, s := range substrings {
		if !strings.Contains(all.String(), s) {
			t.Errorf("no reject says %q:\n%s", s, all.String())
		}
	}
}
