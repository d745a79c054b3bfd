package importers

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"trawl/event"
)

type recSink struct {
	rejects []Reject
}

func (s *recSink) Event(Record, *event.Event) error { return nil }
func (s *recSink) Reject(r Reject) error            { s.rejects = append(s.rejects, r); return nil }

func TestReadLines(t *testing.T) {
	t.Parallel()
	huge := strings.Repeat("x", MaxLine+10)
	big := strings.Repeat("y", 3<<20) // spans buffers but fits
	tests := []struct {
		name      string
		in        string
		want      []string
		wantLines []int64
		wantOffs  []int64
		rejects   int
	}{
		{"empty", "", nil, nil, nil, 0},
		{"one no newline", "a", []string{"a"}, []int64{1}, []int64{0}, 0},
		{"crlf", "a\r\nbb\r\n", []string{"a", "bb"}, []int64{1, 2}, []int64{0, 3}, 0},
		{"blank lines kept", "a\n\nb\n", []string{"a", "", "b"}, []int64{1, 2, 3}, []int64{0, 2, 3}, 0},
		{"long line fits", big + "\nz\n", []string{big, "z"}, []int64{1, 2}, []int64{0, int64(len(big)) + 1}, 0},
		{"overlong line rejected, reading goes on", "a\n" + huge + "\nb", []string{"a", "b"}, []int64{1, 3}, []int64{0, int64(len(huge)) + 3}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var got []string
			var lines, offs []int64
			sink := &recSink{}
			err := ReadLines(context.Background(), strings.NewReader(tc.in), sink, func(l Line) error {
				got = append(got, string(l.Text))
				lines = append(lines, l.Num)
				offs = append(offs, l.Offset)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("lines (-want +got):\n%.500s", diff)
			}
			if diff := cmp.Diff(tc.wantLines, lines); diff != "" {
				t.Errorf("numbers (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantOffs, offs); diff != "" {
				t.Errorf("offsets (-want +got):\n%s", diff)
			}
			if len(sink.rejects) != tc.rejects {
				t.Fatalf("rejects = %d, want %d", len(sink.rejects), tc.rejects)
			}
			for _, r := range sink.rejects {
				if r.Line != 2 || len(r.Raw) != RejectKeep || !bytes.HasPrefix(r.Raw, []byte("xxx")) {
					t.Errorf("reject = line %d, %d raw bytes", r.Line, len(r.Raw))
				}
			}
		})
	}
}

func TestSniffLines(t *testing.T) {
	t.Parallel()
	good := func(line []byte) bool { return bytes.HasPrefix(line, []byte("ok")) }
	cut := "ok\n" + strings.Repeat("x", SniffSize) // last line cut by the sniff window
	tests := []struct {
		name      string
		head      string
		max       int
		lines, ok int
	}{
		{"empty", "", 20, 0, 0},
		{"blank lines are not seen", "\n  \r\n\t\n", 20, 0, 0},
		{"counts", "ok1\nbad\nok2\n", 20, 3, 2},
		{"crlf is cut off", "ok\r\nbad\r\n", 20, 2, 1},
		{"whole input without final newline", "ok", 20, 1, 1},
		{"cut last line is not seen", cut, 20, 1, 1},
		{"at most max", "ok\nok\nbad\nbad\n", 2, 2, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var seen []string
			lines, ok := SniffLines([]byte(tc.head), tc.max, func(line []byte) bool {
				seen = append(seen, string(line))
				return good(line)
			})
			if lines != tc.lines || ok != tc.ok || len(seen) != tc.lines {
				t.Errorf("SniffLines = %d, %d (saw %q), want %d, %d", lines, ok, seen, tc.lines, tc.ok)
			}
			for _, s := range seen {
				if strings.ContainsAny(s, "\r\n") {
					t.Errorf("line %q keeps its terminator", s)
				}
			}
		})
	}
}

type countSink struct {
	events  []Record
	rejects []Reject
}

func (s *countSink) Event(r Record, _ *event.Event) error { s.events = append(s.events, r); return nil }
func (s *countSink) Reject(r Reject) error                { s.rejects = append(s.rejects, r); return nil }

func TestParseEvent(t *testing.T) {
	t.Parallel()
	parse := func(text []byte) (*event.Event, error) {
		if string(text) == "bad" {
			return nil, &FieldError{Field: "f", Err: errors.New("nope")}
		}
		return &event.Event{Raw: string(text)}, nil
	}
	var s countSink
	for i, text := range []string{"a", "  ", "bad", ""} {
		if err := ParseEvent(Line{Text: []byte(text), Num: int64(i + 1), Offset: int64(10 * i)}, &s, parse); err != nil {
			t.Fatal(err)
		}
	}
	if want := []Record{{Line: 1, Offset: 0}}; !cmp.Equal(s.events, want) {
		t.Errorf("events %v, want %v", s.events, want)
	}
	if len(s.rejects) != 1 || s.rejects[0].Line != 3 || s.rejects[0].Offset != 20 || s.rejects[0].Field != "f" || s.rejects[0].Reason != "nope" || string(s.rejects[0].Raw) != "bad" {
		t.Errorf("rejects %+v, want line 3 at 20 on field f: nope", s.rejects)
	}
}
