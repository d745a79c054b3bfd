package importertest

import (
	"context"
	"strings"
	"testing"
	"time"

	"trawl/event"
	"trawl/importers"
)

// Collect returns a sink that gathers into res what a format emits (or a LineParser's
// ParseLine), copying what the format may reuse, as ReadBytes does.
func Collect(res *Result) importers.Sink { return sink{res} }

// ReadRaw runs f over in as it is, without Open's decompression and byte-order-mark handling
// (a fuzzed gzip header is Open's business, not the format's), with a time limit.
func ReadRaw(t testing.TB, f importers.Format, in string) Result {
	t.Helper()
	var res Result
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	res.Err = f.Read(ctx, importers.Input{Name: "fuzz", R: strings.NewReader(in), Size: int64(len(in))}, sink{&res})
	return res
}

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
