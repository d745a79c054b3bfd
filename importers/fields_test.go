package importers

import (
	"encoding/json"
	"testing"

	"trawl/event"
)

func TestGet(t *testing.T) {
	tests := []struct {
		name, obj, key string
		want           string // Text of the value; "" with ok false when absent
		ok             bool
	}{
		{"top-level key", `{"a":1}`, "a", "1", true},
		{"literal dotted key", `{"id.orig_h":"10.0.0.1"}`, "id.orig_h", "10.0.0.1", true},
		{"nested path", `{"a":{"b":{"c":"x"}}}`, "a.b.c", "x", true},
		{"dotted key one level down", `{"a":{"b.c":1}}`, "a.b.c", "1", true},
		{"dotted key two levels down", `{"x":{"y":{"a.b":2}}}`, "x.y.a.b", "2", true},
		{"path through a dotted key", `{"x":{"a.b":{"c":3}}}`, "x.a.b.c", "3", true},
		{"dotted key at top holding a path", `{"a.b":{"c":4}}`, "a.b.c", "4", true},
		{"literal wins over the path", `{"a.b":5,"a":{"b":6}}`, "a.b", "5", true},
		{"backtracks from a dead end", `{"a":{"x":1},"a.b":{"c":7}}`, "a.b.c", "7", true},
		{"object value", `{"a":{"b":{"c":1}}}`, "a.b", `{"c":1}`, true},
		{"null is present", `{"a":{"b":null}}`, "a.b", "", true},
		{"absent", `{"a":{"b":1}}`, "a.c", "", false},
		{"through a scalar", `{"a":1}`, "a.b", "", false},
		{"through an array", `{"a":[{"b":1}]}`, "a.b", "", false},
		{"trailing dot", `{"a":{"b":1}}`, "a.", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m map[string]any
			if err := json.Unmarshal([]byte(tt.obj), &m); err != nil {
				t.Fatal(err)
			}
			v, ok := Get(m, tt.key)
			if ok != tt.ok || Text(v) != tt.want {
				t.Errorf("Get(%s, %q) = %q, %v; want %q, %v", tt.obj, tt.key, Text(v), ok, tt.want, tt.ok)
			}
		})
	}
}

func TestFieldMapApplyErrors(t *testing.T) {
	get := func(src string) (string, bool) { return "x", true }
	for _, tc := range []struct {
		name   string
		m      FieldMap
		field  string
		reason string
	}{
		{"bad value names the source field", FieldMap{{"port", "src_port"}}, "port", `not an integer: "x"`},
		{"unknown column", FieldMap{{"a", "nosuchcolumn"}}, "a", `unknown column "nosuchcolumn"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ev event.Event
			err := tc.m.Apply(&ev, get)
			if err == nil {
				t.Fatal("no error")
			}
			r := RejectOf(Line{Num: 1, Text: []byte("x")}, err) // must not panic on a nil Err
			if r.Field != tc.field || r.Reason != tc.reason {
				t.Errorf("reject field %q reason %q, want %q %q", r.Field, r.Reason, tc.field, tc.reason)
			}
		})
	}
}
