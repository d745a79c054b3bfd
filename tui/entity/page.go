package entity

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"trawl/engine"
	"trawl/event"
	"trawl/tui/timeline"
)

// Events implements timeline.Source for the entity view's timeline. It returns exactly the page
// timeline.StoreSource.Events returns, but reads it from a bounded time range when the entity
// summary (engine.Store.EntityHours) says how many of the entity's events each hour holds: the
// events table is stored roughly in time order, so DuckDB's zone maps on time skip the row
// groups outside the range, where an unbounded page reads the entity's column for every event.
// When the range turns out not to hold a whole page (or without the summary), the timeline's
// own unbounded read answers.
func (s *StoreSource) Events(ctx context.Context, req timeline.PageRequest) (timeline.Page, error) {
	sc := req.Scope
	if sc.Kind == event.EntityNone || sc.Kind == event.EntityFile || sc.Query != "" || sc.AlertID != 0 {
		return s.StoreSource.Events(ctx, req)
	}
	hours, ok, err := s.Store.EntityHours(ctx, sc.Kind, sc.Value)
	if err != nil || !ok || len(hours) == 0 {
		return s.StoreSource.Events(ctx, req)
	}
	limit := max(req.Limit, 1)
	for _, w := range pageWindows(hours, req.From.Time.UTC(), req.Backward, int64(limit+1)) {
		p, full, err := s.windowPage(ctx, req, limit, w)
		if err != nil {
			return timeline.Page{}, err
		}
		if full {
			return p, nil
		}
	}
	return s.StoreSource.Events(ctx, req)
}

// pageWindow bounds a page read: time < bound going forward, time > bound going backward.
type pageWindow struct{ bound time.Time }

// pageWindows are the bounds to try for a page of want events from the cursor's time at, going
// forward (or backward): first the end (start) of the hour by which the hours from the cursor's
// on hold want events, counting the cursor's hour whole (it may hold fewer after the cursor),
// then the hour by which the hours after (before) the cursor's hold them, which must. None when
// the entity has too few events that way: the read is then unbounded.
func pageWindows(hours []engine.EntityHour, at time.Time, backward bool, want int64) []pageWindow {
	var out []pageWindow
	add := func(b time.Time) {
		if len(out) == 0 || !out[len(out)-1].bound.Equal(b) {
			out = append(out, pageWindow{b})
		}
	}
	hour := at.Truncate(time.Hour)
	var all, after int64 // events in the hours from the cursor's on, and after it
	if backward {
		for i := len(hours) - 1; i >= 0; i-- {
			h := hours[i]
			if h.Hour.After(hour) {
				continue
			}
			if all += h.Events; all >= want && len(out) == 0 {
				add(h.Hour.Add(-time.Nanosecond))
			}
			if h.Hour.Before(hour) {
				if after += h.Events; after >= want {
					add(h.Hour.Add(-time.Nanosecond))
					return out
				}
			}
		}
		return out
	}
	for _, h := range hours {
		if h.Hour.Before(hour) {
			continue
		}
		end := h.Hour.Add(time.Hour)
		if all += h.Events; all >= want && len(out) == 0 {
			add(end)
		}
		if h.Hour.After(hour) {
			if after += h.Events; after >= want {
				add(end)
				return out
			}
		}
	}
	return out
}

// windowPage reads the page of req within w as timeline.StoreSource.Events does (ids by a
// narrow top-N on time and id, then the row columns of those ids); full says the window held
// more than a page, so that the page is the same as without the window.
func (s *StoreSource) windowPage(ctx context.Context, req timeline.PageRequest, limit int, w pageWindow) (timeline.Page, bool, error) {
	sc := req.Scope
	cond, args, err := engine.EntityCondition(sc.Kind, sc.Value)
	if err != nil {
		return timeline.Page{}, false, err
	}
	// An entity in either of two columns is the union of two one-column scans, the second
	// leaving out the rows of the first (as the timeline reads it).
	var a, b string
	switch sc.Kind {
	case event.EntityUser:
		a, b = "user_key = ?", "target_user_key = ? AND (user_key IS NULL OR user_key <> ?)"
		args = []any{args[0], args[0], args[0]}
	case event.EntityIP:
		a, b = "src_ip = ?", "dst_ip = ? AND (src_ip IS NULL OR src_ip <> ?)"
		args = []any{args[0], args[0], args[0]}
	}
	t, id := req.From.Time.UTC(), req.From.ID
	var keyset, order string
	var kargs []any
	switch {
	case req.Backward:
		order = "time DESC, id DESC"
		keyset, kargs = "time IS NOT NULL AND time > ? AND time <= ? AND (time < ? OR id < ?)", []any{w.bound, t, t, id}
	case req.Inclusive:
		order = "time, id"
		keyset, kargs = "time IS NOT NULL AND time < ? AND time >= ? AND (time > ? OR id >= ?)", []any{w.bound, t, t, id}
	default:
		order = "time, id"
		keyset, kargs = "time IS NOT NULL AND time < ? AND time >= ? AND (time > ? OR id > ?)", []any{w.bound, t, t, id}
	}
	var q string
	var qargs []any
	if a != "" {
		q = "SELECT id FROM (SELECT id, time FROM events WHERE " + a + " AND " + keyset + " UNION ALL SELECT id, time FROM events WHERE " + b + " AND " + keyset + ") AS events"
		qargs = append(append(append(append(qargs, args[:1]...), kargs...), args[1:]...), kargs...)
	} else {
		q = "SELECT id FROM events WHERE " + cond + " AND " + keyset
		qargs = append(append(qargs, args...), kargs...)
	}
	q += " ORDER BY " + order + " LIMIT " + strconv.Itoa(limit+1)
	var ids []any
	err = s.Store.QueryFunc(ctx, q, qargs, func(_ []string, row []any) error {
		ids = append(ids, row[0])
		return nil
	})
	if err != nil {
		return timeline.Page{}, false, fmt.Errorf("reading the timeline: %w", err)
	}
	if len(ids) <= limit {
		return timeline.Page{}, false, nil
	}
	q, qargs = rowsOfIDs(ids[:limit])
	var p timeline.Page
	err = s.Store.QueryFunc(ctx, q, qargs, func(_ []string, row []any) error {
		p.Events = append(p.Events, timeline.RowOf(row))
		return nil
	})
	if err != nil {
		return timeline.Page{}, false, fmt.Errorf("reading the timeline: %w", err)
	}
	// More than a page was found, so there is more in the direction read.
	return p, true, nil
}

// idGap is how far apart two event ids may be for their rows to be read in one id range.
const idGap = 8192

// rowsOfIDs is the query reading the row columns of events by id, in time order, with its
// args. The ids of an entity's page are often far apart (events of several files, imported
// side by side), and one id range around them all would make DuckDB read the wide columns of
// every row group in between: the ids are read in ranges of near ones instead, one scan each,
// so that the id column's zone maps skip everything else.
func rowsOfIDs(ids []any) (string, []any) {
	sorted := make([]int64, len(ids))
	for i, id := range ids {
		sorted[i] = id.(int64)
	}
	slices.Sort(sorted)
	var parts []string
	var args []any
	for i := 0; i < len(sorted); {
		j := i + 1
		for j < len(sorted) && sorted[j]-sorted[j-1] <= idGap {
			j++
		}
		parts = append(parts, `SELECT `+timeline.RowSelect()+`
			FROM events WHERE id BETWEEN ? AND ? AND id IN (`+strings.TrimSuffix(strings.Repeat("?, ", j-i), ", ")+`)`)
		args = append(args, sorted[i], sorted[j-1])
		for _, id := range sorted[i:j] {
			args = append(args, id)
		}
		i = j
	}
	return strings.Join(parts, " UNION ALL ") + " ORDER BY time, id", args
}

// Histogram implements timeline.Source for the entity view's activity strip: at a zoom of an
// hour or more the counts come from the entity summary's hourly counts and the alert evidence
// among them from the evidence events read by id (engine.Store.EntityHistogram), the same
// buckets timeline.StoreSource.Histogram counts over the events; otherwise that answers.
func (s *StoreSource) Histogram(ctx context.Context, sc timeline.Scope, width time.Duration, from, to time.Time) ([]timeline.Bucket, error) {
	if sc.Kind != event.EntityNone && sc.Query == "" && sc.AlertID == 0 {
		starts, counts, evidence, ok, err := s.Store.EntityHistogram(ctx, sc.Kind, sc.Value, width, from, to)
		if err != nil {
			return nil, fmt.Errorf("counting the timeline: %w", err)
		}
		if ok {
			var out []timeline.Bucket
			for i := range starts {
				out = append(out, timeline.Bucket{Start: starts[i].UTC(), Count: counts[i], Evidence: evidence[i]})
			}
			return out, nil
		}
	}
	return s.StoreSource.Histogram(ctx, sc, width, from, to)
}
