package dsl

import (
	"strings"
	"testing"
)

// TestReadTableCSV: the key is the column named by the caller, else the first, whose name is
// cleaned of a byte-order mark and spaces like every other column's.
func TestReadTableCSV(t *testing.T) {
	cases := []struct {
		name, csv, key string
		wantKey        string
		wantCols       string
		wantErr        string
	}{
		{"first column", "ip,label\n10.0.0.1,x\n", "", "ip", "ip,label", ""},
		{"named key", "label,ip\nx,10.0.0.1\n", "ip", "ip", "label,ip", ""},
		{"byte-order mark", "\ufeffip,label\n10.0.0.1,x\n", "", "ip", "ip,label", ""},
		{"spaces", " ip , label\n10.0.0.1,x\n", "", "ip", "ip,label", ""},
		{"bad name", "ip,a b\n1,2\n", "", "", "", `line 1: column 2: "a b" is not a plain name`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tb, err := ReadTableCSV("t.csv", strings.NewReader(tc.csv), tc.key)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tb.Key != tc.wantKey || strings.Join(columnNames(tb.Columns), ",") != tc.wantCols {
				t.Errorf("key %q columns %q, want %q %q", tb.Key, columnNames(tb.Columns), tc.wantKey, tc.wantCols)
			}
		})
	}
}
