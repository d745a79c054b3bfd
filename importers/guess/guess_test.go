package guess

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"trawl/event"
	"trawl/importers"
)

func TestValidate(t *testing.T) {
	if err := Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestNorm(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"@timestamp": "timestamp", "Source IP": "sourceip", "source.ip": "sourceip", "src_ip": "srcip",
		"cs(User-Agent)": "csuseragent", "": "", "Ünïcode": "ncode",
	} {
		if got := Norm(in); got != want {
			t.Errorf("Norm(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseOptions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		opts    map[string]string
		want    Explicit
		wantErr bool
	}{
		{"none", nil, Explicit{}, false},
		{"two", map[string]string{"map.time": "Timestamp", "map.src_ip": "a.b"}, Explicit{"time": "Timestamp", "src_ip": "a.b"}, false},
		{"unknown column", map[string]string{"map.tme": "x"}, nil, true},
		{"unknown key", map[string]string{"delimiter": ";"}, nil, true},
		{"empty field", map[string]string{"map.time": " "}, nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseOptions(tc.opts)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestBuildApply(t *testing.T) {
	t.Parallel()
	rec := map[string]string{
		"Timestamp": "Sun Dec 04 04:47:44 2005", "Source IP": "010.0.0.1", "dst": "not-an-ip",
		"destination.ip": "", "Level": "warning", "MD5": "ABC", "SHA256": "DEF", "status": "ok",
	}
	names := []string{}
	for k := range rec {
		names = append(names, k)
	}
	get := func(f string) (string, bool) { v, ok := rec[f]; return v, ok }

	var ev event.Event
	if err := Build(names, nil).Apply(&ev, get); err != nil {
		t.Fatal(err)
	}
	want := event.Event{
		Time: time.Date(2005, 12, 4, 4, 47, 44, 0, time.UTC), SrcIP: "10.0.0.1",
		Severity: event.IntOf(1), Hash: "def",
	}
	if diff := cmp.Diff(want, ev); diff != "" {
		t.Errorf("guessed (-want +got):\n%s", diff)
	}

	// an explicit mapping takes over its column and its bad value is an error naming the field
	var ev2 event.Event
	err := Build(names, Explicit{"dst_ip": "dst"}).Apply(&ev2, get)
	fe, ok := err.(*importers.FieldError)
	if !ok || fe.Field != "dst" {
		t.Fatalf("explicit bad value: err = %v, want a FieldError on dst", err)
	}
}
