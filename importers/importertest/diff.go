package importertest

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"trawl/importers"
	"trawl/internal/testutil"
)

// DecodeFieldsJSON checks that each event of res carries its fields only as FieldsJSON, equal
// to line(ev.Raw) (the record's text as the reader keeps it), with no Fields map, and sets
// Fields to the decoded FieldsJSON, as the store keeps it, for the golden files.
func DecodeFieldsJSON(t testing.TB, res *Result, line func(raw string) string) {
	t.Helper()
	for i := range res.Events {
		ev := &res.Events[i]
		if ev.Fields != nil || ev.FieldsJSON != line(ev.Raw) {
			t.Fatalf("event %d: Fields %v, FieldsJSON %q; want no Fields and FieldsJSON = the line %q", i, ev.Fields, ev.FieldsJSON, ev.Raw)
		}
		fields, err := importers.DecodeObjectString(ev.FieldsJSON)
		if err != nil {
			t.Fatalf("event %d: FieldsJSON: %v", i, err)
		}
		ev.Fields = fields
	}
}

// OutcomeDiff says how got, what a reader made of one line, differs from want, what the code
// it replaced made of it, or "": the same rejects, records and events, where got's events carry
// their fields only as FieldsJSON, equal to line(Raw), which decodes to want's Fields.
func OutcomeDiff(got, want *Result, line func(raw string) string) string {
	if len(got.Events) != len(want.Events) || len(got.Rejects) != len(want.Rejects) {
		return fmt.Sprintf("new: %d events %d rejects %v; old: %d events %d rejects %v",
			len(got.Events), len(got.Rejects), got.Rejects, len(want.Events), len(want.Rejects), want.Rejects)
	}
	for i := range got.Rejects {
		if !reflect.DeepEqual(got.Rejects[i], want.Rejects[i]) {
			return fmt.Sprintf("reject\nnew %+v\nold %+v", got.Rejects[i], want.Rejects[i])
		}
	}
	if !reflect.DeepEqual(got.Records, want.Records) {
		return fmt.Sprintf("records: new %v, old %v", got.Records, want.Records)
	}
	for i := range got.Events {
		g, w := got.Events[i], want.Events[i]
		if g.Fields != nil || g.FieldsJSON != line(g.Raw) {
			return fmt.Sprintf("new event has Fields %v, FieldsJSON %q; want none and the line", g.Fields, g.FieldsJSON)
		}
		fields, err := importers.DecodeObjectString(g.FieldsJSON)
		if err != nil || !reflect.DeepEqual(fields, w.Fields) {
			return fmt.Sprintf("FieldsJSON decodes to %v (%v), old Fields %v", fields, err, w.Fields)
		}
		g.Fields = w.Fields
		if !reflect.DeepEqual(g, w) {
			return fmt.Sprintf("event\nnew %+v\nold %+v", g, w)
		}
	}
	return ""
}

// SeedSampleLines adds the first n lines of each sample file (rel under the shared samples
// folder) to a fuzz target's corpus; absent samples are passed over, the other seeds stay.
func SeedSampleLines(f *testing.F, n int, rels ...string) {
	f.Helper()
	for _, rel := range rels {
		data, err := os.ReadFile(filepath.Join(testutil.RepoRoot(f), "..", "shared", "samples", rel))
		if err != nil {
			continue
		}
		for i, line := range bytes.SplitN(data, []byte("\n"), n+1) {
			if i < n {
				f.Add(line)
			}
		}
	}
}
