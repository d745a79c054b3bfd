package main

import (
	"errors"
	"strings"
	"testing"
)

func TestRound(t *testing.T) {
	for _, tc := range []struct {
		f      float64
		digits int
		want   float64
	}{
		{1.25, 1, 1.3},
		{0.049, 1, 0},
		{123.456, 2, 123.46},
		{7.5, 0, 8},
		{-1.26, 1, -1.3},
	} {
		if got := round(tc.f, tc.digits); got != tc.want {
			t.Errorf("round(%v, %d) = %v, want %v", tc.f, tc.digits, got, tc.want)
		}
	}
}

// failingWriter fails every write.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

// TestKeptWriter: a write error of a row given from a callback is returned at the end, once;
// an error the caller already has comes first.
func TestKeptWriter(t *testing.T) {
	for _, format := range []string{"json", "csv", "table"} {
		w := OutputFlags{Format: format}.keptWriter(failingWriter{}, []string{"a"})
		w.row([]any{1})
		w.row([]any{2})
		if err := w.flush(nil); err == nil || !strings.Contains(err.Error(), "disk full") {
			t.Errorf("%s: flush gave %v, want the write error", format, err)
		}
		first := errors.New("the bench failed")
		w = OutputFlags{Format: format}.keptWriter(failingWriter{}, []string{"a"})
		w.row([]any{1})
		if err := w.flush(first); err != first {
			t.Errorf("%s: flush gave %v, want the caller's error", format, err)
		}
	}
}
