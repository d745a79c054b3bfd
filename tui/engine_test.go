package tui

import (
	"strings"
	"testing"
	"time"

	"trawl/tui/screentest"
	"trawl/tui/tuitest"
)

func TestMain(m *testing.M) { screentest.Main(m) }

func TestEngineStoreQueue(t *testing.T) {
	st := EngineStore{S: screentest.Store(t)}
	ctx := t.Context()
	all, err := st.Queue(ctx, QueueQuery{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if all.Total == 0 || all.Total != len(all.Items) {
		t.Fatalf("total %d, items %d", all.Total, len(all.Items))
	}
	// Ranked by severity, then newest first.
	rank := map[string]int{"critical": 5, "high": 4, "medium": 3, "low": 2, "info": 1}
	for i := 1; i < len(all.Items); i++ {
		a, b := all.Items[i-1], all.Items[i]
		if rank[a.Severity] < rank[b.Severity] {
			t.Errorf("item %d (%s) before %d (%s)", a.ID, a.Severity, b.ID, b.Severity)
		}
		if rank[a.Severity] == rank[b.Severity] && a.Last != nil && b.Last != nil && a.Last.Before(*b.Last) {
			t.Errorf("item %d older than %d within one severity", a.ID, b.ID)
		}
	}
	// Pages are slices of the whole.
	p, err := st.Queue(ctx, QueueQuery{Offset: 2, Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Items) != min(3, max(all.Total-2, 0)) || p.Total != all.Total {
		t.Fatalf("page: %d items, total %d", len(p.Items), p.Total)
	}
	for i, it := range p.Items {
		if it.ID != all.Items[i+2].ID {
			t.Errorf("page item %d is %d, want %d", i, it.ID, all.Items[i+2].ID)
		}
	}
	// Past the end: no items, but the total.
	p, err = st.Queue(ctx, QueueQuery{Offset: all.Total + 5, Limit: 3})
	if err != nil || len(p.Items) != 0 || p.Total != all.Total {
		t.Errorf("past the end: %v, %d items, total %d", err, len(p.Items), p.Total)
	}
	// A fuzzy filter narrows by characters in order; a LIKE wildcard in it is literal.
	rule := all.Items[0].Rule
	f, err := st.Queue(ctx, QueueQuery{Filter: rule, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if f.Total == 0 || f.Total > all.Total {
		t.Errorf("filter %q: %d of %d", rule, f.Total, all.Total)
	}
	same := 0
	for _, it := range all.Items {
		if it.Rule == rule {
			same++
		}
	}
	if f.Total < same {
		t.Errorf("filter %q: %d items, but %d alerts of that rule", rule, f.Total, same)
	}
	if none, err := st.Queue(ctx, QueueQuery{Filter: rule + " zzzqqqxxx", Limit: 10}); err != nil || none.Total != 0 {
		t.Errorf("two terms must both match: %v, %d", err, none.Total)
	}
	if f, err := st.Queue(ctx, QueueQuery{Filter: "%%%_", Limit: 10}); err != nil || f.Total != 0 {
		t.Errorf("filter of wildcards: %v, %d", err, f.Total)
	}
	for s := SortPriority; s <= SortRule; s++ {
		if p, err := st.Queue(ctx, QueueQuery{Sort: s, Limit: 5}); err != nil || len(p.Items) == 0 {
			t.Errorf("sort %s: %v, %d items", s, err, len(p.Items))
		}
	}
}

func TestEngineStoreAlertEvidenceRecord(t *testing.T) {
	st := EngineStore{S: screentest.Store(t)}
	ctx := t.Context()
	q, err := st.Queue(ctx, QueueQuery{Limit: 1})
	if err != nil || len(q.Items) == 0 {
		t.Fatal(err)
	}
	id := q.Items[0].ID
	a, err := st.Alert(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if a.ID != id || a.Rule == "" || len(a.Sources) == 0 || a.CreatedAt.IsZero() || a.Evidence == 0 {
		t.Errorf("alert: %+v", a)
	}
	ev, err := st.Evidence(ctx, id, 0, 2)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Total != a.Evidence || len(ev.Rows) != min(2, a.Evidence) || ev.Cols[0] != "id" || len(ev.Cols) != len(ev.Rows[0]) {
		t.Errorf("evidence: total %d rows %d cols %v", ev.Total, len(ev.Rows), ev.Cols)
	}
	all, err := st.Evidence(ctx, id, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int64]bool{}
	for i, row := range all.Rows {
		eid := row[0].(int64)
		if seen[eid] {
			t.Errorf("evidence row %d repeats event %d", i, eid)
		}
		seen[eid] = true
		if i > 0 && row[1] != nil && all.Rows[i-1][1] != nil && row[1].(time.Time).Before(all.Rows[i-1][1].(time.Time)) {
			t.Errorf("evidence row %d is older than the one before", i)
		}
	}
	if len(all.Rows) > 2 {
		mid, err := st.Evidence(ctx, id, 1, 2)
		if err != nil || len(mid.Rows) != 2 || mid.Rows[0][0] != all.Rows[1][0] || mid.Rows[1][0] != all.Rows[2][0] || mid.Total != a.Evidence {
			t.Errorf("evidence page at 1: %v %v (total %d)", err, mid.Rows, mid.Total)
		}
	}
	rec, err := st.Record(ctx, ev.Rows[0][0].(int64))
	if err != nil || rec.Raw == "" || rec.File == "" {
		t.Errorf("record: %v %+v", err, rec)
	}
	if _, err := st.Alert(ctx, 999999); err == nil || !strings.Contains(err.Error(), "no such alert") {
		t.Errorf("missing alert: %v", err)
	}
	if _, err := st.Record(ctx, -1); err == nil {
		t.Error("missing event: no error")
	}
}

func TestEngineStoreOverview(t *testing.T) {
	st := EngineStore{S: screentest.Store(t)}
	o, err := st.Overview(t.Context(), 20, 5)
	if err != nil {
		t.Fatal(err)
	}
	var sum int64
	for _, s := range o.Sources {
		if len(s.Counts) != 20 {
			t.Errorf("%s: %d buckets", s.Source, len(s.Counts))
		}
		var n int64
		for _, c := range s.Counts {
			n += c
		}
		if n != s.Total {
			t.Errorf("%s: buckets add to %d, total %d", s.Source, n, s.Total)
		}
		sum += n
	}
	if sum == 0 || sum > o.Events || len(o.Tactics) == 0 || len(o.Entities) == 0 || len(o.Entities) > 5 || o.Alerts == 0 {
		t.Errorf("overview: events %d (in buckets %d), tactics %v, entities %v, alerts %d", o.Events, sum, o.Tactics, o.Entities, o.Alerts)
	}
	t.Logf("%+v", o)
}

func TestEngineStoreScoredQueue(t *testing.T) {
	st := EngineStore{S: tuitest.ScoredStore(t)}
	ctx := t.Context()
	all, err := st.Queue(ctx, QueueQuery{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	incidents := 0
	for i, it := range all.Items {
		if it.Kind == "incident" {
			incidents++
			if it.Priority < 1 || it.Priority > 4 || it.Alerts == 0 || len(it.Entities) == 0 {
				t.Errorf("incident %d: priority %d, %d alerts, entities %v", it.ID, it.Priority, it.Alerts, it.Entities)
			}
		}
		if i > 0 && all.Items[i-1].Score < it.Score {
			t.Errorf("item %d (score %v) after one scoring %v", i, it.Score, all.Items[i-1].Score)
		}
	}
	if incidents == 0 || all.Total != len(all.Items) {
		t.Fatalf("%d incidents among %d items (total %d)", incidents, len(all.Items), all.Total)
	}
	t.Logf("queue: %d incidents, %d items", incidents, all.Total)
	var inc QueueItem
	for _, it := range all.Items {
		if it.Kind == "incident" {
			inc = it
			break
		}
	}
	d, err := st.Incident(ctx, inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.AlertList) != inc.Alerts || d.Narrative == "" || len(d.Factors) == 0 || d.Priority != inc.Priority {
		t.Errorf("incident %d: %d alerts (want %d), narrative %q, factors %v", inc.ID, len(d.AlertList), inc.Alerts, d.Narrative, d.Factors)
	}
	// The incident's alerts are the ones its title names (the top alert's title).
	titles := ""
	for _, a := range d.AlertList {
		titles += a.Title + "\n"
	}
	if top, _, _ := strings.Cut(d.Title, " (+"); !strings.Contains(titles, top) {
		t.Errorf("incident %q lists alerts:\n%s", d.Title, titles)
	}
	a, err := st.Alert(ctx, d.AlertList[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	sum := 0
	for _, f := range a.Factors {
		sum += f.Points
	}
	if len(a.Factors) == 0 || float64(sum) != a.Score {
		t.Errorf("alert %d: score %v, factors %v (sum %d)", a.ID, a.Score, a.Factors, sum)
	}
	o, err := st.Overview(ctx, 10, 5)
	if err != nil {
		t.Fatal(err)
	}
	if !o.Scored || len(o.Entities) != 5 {
		t.Fatalf("scored overview: scored %v, %d entities", o.Scored, len(o.Entities))
	}
	for i := 1; i < len(o.Entities); i++ {
		if o.Entities[i].Risk > o.Entities[i-1].Risk {
			t.Errorf("entity %d has more risk than the one before: %v", i, o.Entities)
		}
	}
	if _, err := st.Incident(ctx, 987654); err == nil {
		t.Error("a missing incident gave no error")
	}
}
