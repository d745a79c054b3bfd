package entity

import (
	"reflect"
	"testing"
	"time"

	"trawl/event"
	"trawl/tui/screentest"
	"trawl/tui/timeline"
)

// TestEventsSameAsTimeline: the entity view's pages, read from time ranges the entity summary
// bounds, are the pages the timeline reads unbounded: every page forward from the start and
// backward from the end, for busy and quiet entities of each kind, at page sizes that make
// both the hour and the day ranges hold a page and fail to.
func TestEventsSameAsTimeline(t *testing.T) {
	st := screentest.Store(t)
	src := NewStoreSource(st)
	top, err := st.Query(t.Context(), `SELECT kind, value FROM entities WHERE kind IN ('user', 'host', 'ip', 'process', 'domain')
		QUALIFY row_number() OVER (PARTITION BY kind ORDER BY events DESC, value) IN (1, 10) ORDER BY kind, value`)
	if err != nil {
		t.Fatal(err)
	}
	if len(top.Rows) < 8 {
		t.Fatalf("entities: %v", top.Rows)
	}
	windowed := 0
	for _, r := range top.Rows {
		kind, _ := event.ParseEntity(r[0].(string))
		sc := timeline.Scope{Kind: kind, Value: r[1].(string)}
		hours, ok, err := st.EntityHours(t.Context(), kind, sc.Value)
		if err != nil || !ok || len(hours) == 0 {
			t.Fatalf("%v: hours %v, %v, %v", sc, hours, ok, err)
		}
		for _, limit := range []int{2, 40} {
			for _, backward := range []bool{false, true} {
				req := timeline.PageRequest{Scope: sc, Limit: limit, Backward: backward, Inclusive: !backward}
				if backward {
					req.From = timeline.Cursor{Time: time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)}
				}
				for page := 0; page < 12; page++ {
					got, err := src.Events(t.Context(), req)
					if err != nil {
						t.Fatal(err)
					}
					want, err := src.StoreSource.Events(t.Context(), req)
					if err != nil {
						t.Fatal(err)
					}
					if !reflect.DeepEqual(got, want) {
						t.Fatalf("%v limit %d backward %v page %d:\n got %+v\nwant %+v", sc, limit, backward, page, got, want)
					}
					if len(pageWindows(hours, req.From.Time, backward, int64(limit+1))) > 0 {
						windowed++
					}
					if len(got.Events) == 0 || got.AtEnd || got.AtStart {
						break
					}
					last := got.Events[len(got.Events)-1]
					req.From, req.Inclusive = timeline.Cursor{Time: last.Time, ID: last.ID}, false
				}
			}
		}
	}
	if windowed == 0 {
		t.Error("no page was read from a bounded range")
	}
}

// TestHistogramSameAsTimeline: the activity strip from the entity summary and the evidence read
// by id is the strip the timeline counts over the events, at every zoom, for entities with
// alert evidence and without.
func TestHistogramSameAsTimeline(t *testing.T) {
	st := screentest.Store(t)
	src := NewStoreSource(st)
	top, err := st.Query(t.Context(), `SELECT kind, value FROM entities WHERE kind IN ('user', 'host', 'ip', 'process', 'domain')
		QUALIFY row_number() OVER (PARTITION BY kind ORDER BY events DESC, value) IN (1, 2, 10) ORDER BY kind, value`)
	if err != nil {
		t.Fatal(err)
	}
	withEvidence := 0
	for _, r := range top.Rows {
		kind, _ := event.ParseEntity(r[0].(string))
		sc := timeline.Scope{Kind: kind, Value: r[1].(string)}
		hours, _, err := st.EntityHours(t.Context(), kind, sc.Value)
		if err != nil || len(hours) == 0 {
			t.Fatalf("%v: %v %v", sc, hours, err)
		}
		for _, width := range timeline.Zooms {
			from := hours[len(hours)/2].First.Truncate(width).Add(-40 * width)
			to := from.Add(80 * width)
			got, err := src.Histogram(t.Context(), sc, width, from, to)
			if err != nil {
				t.Fatal(err)
			}
			want, err := src.StoreSource.Histogram(t.Context(), sc, width, from, to)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%v width %v:\n got %+v\nwant %+v", sc, width, got, want)
			}
			if _, _, _, ok, err := st.EntityHistogram(t.Context(), kind, sc.Value, width, from, to); err != nil || ok != (width >= time.Hour) {
				t.Fatalf("%v width %v: from the summary %v, %v", sc, width, ok, err)
			}
			for _, b := range got {
				if b.Evidence > 0 {
					withEvidence++
				}
			}
		}
	}
	if withEvidence == 0 {
		t.Error("no bucket with evidence: the test checks no evidence count")
	}
}
