package entity

import (
	"context"
	"fmt"
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
		p, full, err := s.EventsWithin(ctx, req, w.bound)
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
