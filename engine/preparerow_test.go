package engine

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"trawl/event"
	"trawl/importers"
)

// TestPrepareRowFields checks the fields text of rows: encoding/json's text of Fields (keys
// sorted, HTML characters kept, invalid UTF-8 replaced), the source's own text when FieldsJSON
// is set, nothing when Fields cannot be encoded, and no bleeding between rows sharing a buffer.
func TestPrepareRowFields(t *testing.T) {
	big := map[string]any{"long": strings.Repeat("x", 5000)}
	for _, tc := range []struct {
		name string
		ev   event.Event
		want string
	}{
		{"none", event.Event{}, ""},
		{"empty", event.Event{Fields: map[string]any{}}, ""},
		{"sorted, HTML kept", event.Event{Fields: map[string]any{"b": "<a&b>", "a": json.Number("1.50"), "c": []string{"x"}}},
			`{"a":1.50,"b":"<a&b>","c":["x"]}`},
		{"invalid UTF-8", event.Event{Fields: map[string]any{"k\xff": "v\x00\xc3"}}, `{"k\ufffd":"v\u0000\ufffd"}`},
		{"not encodable", event.Event{Fields: map[string]any{"nan": math.NaN()}}, ""},
		{"grows the buffer", event.Event{Fields: big}, `{"long":"` + strings.Repeat("x", 5000) + `"}`},
		{"source text wins", event.Event{Fields: map[string]any{"a": 1}, FieldsJSON: `{"a" : 1}`}, `{"a" : 1}`},
		{"null value", event.Event{Fields: map[string]any{"z": nil}}, `{"z":null}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			buf := []byte("stale text from an earlier row")
			first := prepareRow(importers.Record{}, &tc.ev, &buf)
			if first.fields != tc.want {
				t.Fatalf("fields %q, want %q", first.fields, tc.want)
			}
			// a second row through the same buffer leaves the first row's text alone
			other := event.Event{Fields: map[string]any{"other": strings.Repeat("y", 100)}}
			prepareRow(importers.Record{}, &other, &buf)
			if first.fields != tc.want {
				t.Fatalf("fields changed by the next row: %q", first.fields)
			}
		})
	}
}
