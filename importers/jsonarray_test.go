package importers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"trawl/event"
)

// arrayCase is one ReadJSONArray input and what it must yield: the "a" member of every element
// passed on (in order), each element's line:offset, and the rejects' offsets.
type arrayCase struct {
	name      string
	key       string
	in        string
	want      []string // value of member "a" of each element, in order
	wantLocs  []string // "line:offset" of each element
	rejectOff []int64  // offsets of the rejects, in order
}

var arrayCases = []arrayCase{
	{"empty input", "", "", nil, nil, nil},
	{"empty array", "", "[]", nil, nil, nil},
	{"one line", "", `[{"a":"1"},{"a":"2"}]`, []string{"1", "2"}, []string{"1:1", "1:11"}, nil},
	{"pretty", "", "[\n  {\n    \"a\": \"1\"\n  },\n  {\"a\": \"2\"}\n]\n", []string{"1", "2"}, []string{"2:4", "5:26"}, nil},
	{"braces and escapes in strings", "", `[{"a":"}]\"{["},{"a":"x"}]`, []string{`}]"{[`, "x"}, []string{"1:1", "1:16"}, nil},
	{"trailing comma tolerated", "", `[{"a":"1"},]`, []string{"1"}, []string{"1:1"}, nil},
	{"two arrays in a row", "", "[{\"a\":\"1\"}]\n[{\"a\":\"2\"}]", []string{"1", "2"}, []string{"1:1", "2:13"}, nil},
	{"scalar element rejected", "", `[1,{"a":"2"},"s",null]`, []string{"2"}, []string{"1:3"}, []int64{1, 13, 17}},
	{"invalid element rejected, next read", "", `[{"a":tru},{"a":"2"}]`, []string{"2"}, []string{"1:11"}, []int64{1}},
	{"truncated element", "", `[{"a":"1"},{"a":"2`, []string{"1"}, []string{"1:1"}, []int64{11}},
	{"no closing bracket", "", `[{"a":"1"}`, []string{"1"}, []string{"1:1"}, []int64{10}},
	{"garbage between elements", "", `[{"a":"1"} x {"a":"2"}]`, []string{"1"}, []string{"1:1"}, []int64{11}},
	{"not an array", "", `{"a":"1"}`, nil, nil, []int64{0}},
	{"keyed", "Records", `{"Records":[{"a":"1"},{"a":"2"}]}`, []string{"1", "2"}, []string{"1:12", "1:22"}, nil},
	{"keyed among other members", "Records", `{"x":{"Records":[{"a":"no"}]},"Records":[{"a":"1"}],"y":[1,2]}`, []string{"1"}, []string{"1:41"}, nil},
	{"keyed twice in a row", "Records", "{\"Records\":[{\"a\":\"1\"}]}\n{\"Records\":[{\"a\":\"2\"}]}\n", []string{"1", "2"}, []string{"1:12", "2:36"}, nil},
	{"keyed empty object", "Records", `{}`, nil, nil, []int64{0}},
	{"keyed missing", "Records", `{"x":1}`, nil, nil, []int64{0}},
	{"keyed not an array", "Records", `{"Records":null}`, nil, nil, []int64{11}},
	{"keyed truncated", "Records", `{"Records":[{"a":"1"}`, []string{"1"}, []string{"1:12"}, []int64{21}},
	{"keyed bad member name", "Records", `{x:1}`, nil, nil, []int64{1}},
	{"deep nesting bomb", "", "[" + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + "]", nil, nil, []int64{1}},
	{"deep object bomb", "", "[" + strings.Repeat(`{"a":`, 20000) + "1" + strings.Repeat("}", 20000) + `,{"a":"2"}]`, []string{"2"}, []string{fmt.Sprintf("1:%d", 20000*6+3)}, []int64{1}},
	{"unbalanced eats the rest", "", `[{"a":{"b":1},{"a":"2"}]`, nil, nil, []int64{1, 24}},
	{"binary garbage", "", "\x00\x01\xff[", nil, nil, []int64{0}},
	{"invalid utf-8 kept as replacement", "", "[{\"a\":\"\xff\"}]", []string{"\ufffd"}, []string{"1:1"}, nil},
	{"control character in string rejected", "", "[{\"a\":\"\x01\"},{\"a\":\"2\"}]", []string{"2"}, []string{"1:11"}, []int64{1}},
}

func runArray(t testing.TB, key, in string) (got, locs []string, rejects []Reject, err error) {
	sink := &recSink{}
	err = ReadJSONArray(context.Background(), strings.NewReader(in), key, sink, func(l Line, obj map[string]any) error {
		if !bytes.HasPrefix(l.Text, []byte("{")) || !bytes.HasSuffix(l.Text, []byte("}")) {
			t.Errorf("element text %q is not the object's text", l.Text)
		}
		got = append(got, fmt.Sprint(obj["a"]))
		locs = append(locs, fmt.Sprintf("%d:%d", l.Num, l.Offset))
		return nil
	})
	return got, locs, sink.rejects, err
}

func TestReadJSONArray(t *testing.T) {
	t.Parallel()
	for _, tc := range arrayCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, locs, rejects, err := runArray(t, tc.key, tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("elements (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantLocs, locs); diff != "" {
				t.Errorf("locations (-want +got):\n%s", diff)
			}
			var offs []int64
			for _, r := range rejects {
				offs = append(offs, r.Offset)
				if r.Reason == "" {
					t.Errorf("reject without a reason: %+v", r)
				}
			}
			if diff := cmp.Diff(tc.rejectOff, offs); diff != "" {
				t.Errorf("reject offsets (-want +got):\n%s\nrejects: %v", diff, rejects)
			}
		})
	}
}

func TestReadJSONArrayOverlongElement(t *testing.T) {
	t.Parallel()
	big := `{"a":"` + strings.Repeat("x", MaxLine) + `"}`
	got, _, rejects, err := runArray(t, "", "["+big+`,{"a":"2"}]`)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"2"}, got); diff != "" {
		t.Errorf("elements (-want +got):\n%s", diff)
	}
	if len(rejects) != 1 || len(rejects[0].Raw) != RejectKeep || !strings.Contains(rejects[0].Reason, "longer than") {
		t.Errorf("want one overlong reject keeping %d bytes, got %d rejects: %v", RejectKeep, len(rejects), rejects)
	}
}

func TestReadJSONArrayCallbackErrors(t *testing.T) {
	t.Parallel()
	stop := errors.New("sink full")
	sink := &recSink{}
	n := 0
	err := ReadJSONArray(context.Background(), strings.NewReader(`[{"a":1},{"a":2},{"a":3}]`), "", sink, func(l Line, obj map[string]any) error {
		n++
		switch n {
		case 1:
			return &FieldError{Field: "a", Err: errors.New("bad")}
		case 2:
			return Emit(errSink{stop}, l, nil)
		}
		t.Error("read went on after the sink failed")
		return nil
	})
	if !errors.Is(err, stop) {
		t.Errorf("want the sink's error, got %v", err)
	}
	if len(sink.rejects) != 1 || sink.rejects[0].Field != "a" {
		t.Errorf("want one reject naming field a, got %v", sink.rejects)
	}
}

type errSink struct{ err error }

func (s errSink) Event(Record, *event.Event) error { return s.err }
func (s errSink) Reject(Reject) error              { return s.err }

func TestFirstJSONKey(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{`{"Records":[`, "Records"},
		{" \n{\n  \"Records\" : [", "Records"},
		{`{"a\"b":1}`, `a"b`},
		{`[{"a":1}]`, ""},
		{`{"unterminated`, ""},
		{``, ""},
	}
	for _, tc := range tests {
		if got := FirstJSONKey([]byte(tc.in)); got != tc.want {
			t.Errorf("FirstJSONKey(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func FuzzReadJSONArray(f *testing.F) {
	for _, tc := range arrayCases {
		if len(tc.in) < 4096 {
			f.Add(tc.key, tc.in)
		}
	}
	f.Fuzz(func(t *testing.T, key, in string) {
		sink := &recSink{}
		err := ReadJSONArray(context.Background(), strings.NewReader(in), key, sink, func(l Line, obj map[string]any) error {
			if l.Offset < 0 || l.Offset+int64(len(l.Text)) > int64(len(in)) || in[l.Offset:l.Offset+int64(len(l.Text))] != string(l.Text) {
				t.Fatalf("element at offset %d does not match the input", l.Offset)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("only read errors may stop the read: %v", err)
		}
		for _, r := range sink.rejects {
			if r.Offset < 0 || r.Offset > int64(len(in)) || r.Reason == "" {
				t.Fatalf("bad reject %+v", r)
			}
		}
	})
}
