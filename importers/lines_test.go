package importers

import (
	"bytes"
	"context"
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
