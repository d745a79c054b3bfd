package main

import (
	"strings"
	"testing"
	"time"
)

// TestSpanFlags: --since (trawl hunt) and --for (trawl suppress add) read spans through
// event.ParseSpan, each with its own range; a number of days past a time.Duration is refused,
// not wrapped around into some other time.
func TestSpanFlags(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"7d", now.Add(-7 * 24 * time.Hour), true},
		{" 24h ", now.Add(-24 * time.Hour), true},
		{"0d", now, true},
		{"2026-03-01", time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), true},
		{"", time.Time{}, true},
		{"-1d", time.Time{}, false},
		{"999999999999d", time.Time{}, false},
		{"soon", time.Time{}, false},
	} {
		got, err := parseSince(tc.in, now)
		if (err == nil) != tc.ok || !got.Equal(tc.want) {
			t.Errorf("parseSince(%q) = %v, %v; want %v, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "--since") {
			t.Errorf("parseSince(%q): the error %q does not name the flag", tc.in, err)
		}
	}
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"30d", 30 * 24 * time.Hour, true},
		{"12h", 12 * time.Hour, true},
		{"36600d", 36600 * 24 * time.Hour, true},
		{"36601d", 0, false},
		{"0d", 0, false},
		{"-5m", 0, false},
		{"999999999999d", 0, false},
	} {
		got, err := parseSpan(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("parseSpan(%q) = %v, %v; want %v, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}
