package tabular

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRead(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		format   Format
		want     []string // "line: name=value ..." or "line: error"
	}{
		{"csv", "\ufeffHost Name,IP-Address\n# comment\nws01,10.0.0.1\n\n\"db,01\",\"10.0.0.2\"\nx,y,z\n", CSV,
			[]string{"3: host_name=ws01 ip_address=10.0.0.1", "5: host_name=db,01 ip_address=10.0.0.2", "6: error 3 fields but the header has 2"}},
		{"csv multiline quoted", "a,b\n\"1\n2\",3\n4,5\n", CSV, []string{"2: a=1\n2 b=3", "4: a=4 b=5"}},
		{"csv bad quote", "a,b\n1,\"2\n", CSV, []string{"2: error extraneous or missing \" in quoted-field"}},
		{"json array", "[\n  {\"User\": \"alice\", \"MFA\": true},\n\n  {\"user\": \"bob\", \"groups\": [\"a\", \"b\"], \"n\": 5},\n  7\n]", JSONArray,
			[]string{"2: mfa=true user=alice", "4: groups=a; b n=5 user=bob", "5: error not a JSON object: json: cannot unmarshal number into Go value of type map[string]interface {}"}},
		{"json lines", "{\"a\": 1}\n\n{\"a\": 2} x\nnull\n{\"a\":\"\\u00e9\"}\n", JSONLines,
			[]string{"1: a=1", "3: error text after the JSON object", "4: error not a JSON object: null", "5: a=é"}},
		{"json lines overlong", "{\"a\":\"" + strings.Repeat("x", MaxRecord) + "\"}\n{\"a\": 3}\n", JSONLines,
			[]string{fmt.Sprintf("1: error record longer than %d bytes", MaxRecord), "2: a=3"}},
		{"json array broken", "[{\"a\": 1}, {\"a\": ", JSONArray, []string{"1: a=1", "1: error bad JSON: unexpected EOF"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			f, err := Read(strings.NewReader(tc.in), func(r Row) error {
				var parts []string
				for _, n := range r.Names {
					if v, ok := r.Get(n); ok {
						parts = append(parts, n+"="+v)
					}
				}
				got = append(got, fmt.Sprintf("%d: %s", r.Line, strings.Join(parts, " ")))
				return nil
			}, func(line int64, raw string, err error) error {
				got = append(got, fmt.Sprintf("%d: error %v", line, err))
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if f != tc.format {
				t.Errorf("format %s, want %s", f, tc.format)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestList(t *testing.T) {
	got := List([]any{"a; b", "c|d", []any{"e f"}, nil})
	if diff := cmp.Diff([]string{"a", "b", "c", "d", "e", "f"}, got); diff != "" {
		t.Error(diff)
	}
}

func TestText(t *testing.T) {
	for _, tc := range []struct {
		v    any
		want string
	}{
		{nil, ""},
		{"a b", "a b"},
		{json.Number("12.50"), "12.50"},
		{true, "true"},
		{[]any{"a", json.Number("1"), []any{"b", false}}, "a; 1; b; false"},
		{map[string]any{"k": "v", "n": json.Number("2")}, `{"k":"v","n":2}`},
	} {
		if got := Text(tc.v); got != tc.want {
			t.Errorf("Text(%#v) = %q, want %q", tc.v, got, tc.want)
		}
	}
}
