package main

import "testing"

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
