package event

import (
	"testing"
	"time"
)

func TestParseSpan(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"7d", 7 * 24 * time.Hour, true},
		{"0d", 0, true},
		{"-2d", -48 * time.Hour, true},
		{"36h", 36 * time.Hour, true},
		{"90m", 90 * time.Minute, true},
		{"1h30m", 90 * time.Minute, true},
		{"250ms", 250 * time.Millisecond, true},
		{"0", 0, true},
		{"106751d", 106751 * 24 * time.Hour, true},
		{"106752d", 0, false}, // past a time.Duration: not wrapped around
		{"999999999999d", 0, false},
		{"1.5d", 0, false},
		{"d", 0, false},
		{"7 d", 0, false},
		{"7days", 0, false},
		{"", 0, false},
		{"soon", 0, false},
	} {
		got, err := ParseSpan(tc.in)
		if (err == nil) != tc.ok || (tc.ok && got != tc.want) {
			t.Errorf("ParseSpan(%q) = %v, %v; want %v, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}
