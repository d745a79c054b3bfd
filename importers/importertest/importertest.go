// Package importertest runs a format over a file or bytes and collects what it emits, for
// golden tests of importers.
package importertest

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"trawl/event"
	"trawl/importers"
	"trawl/internal/testutil"
)

// Result is everything a format emitted.
type Result struct {
	Events  []event.Event
	Records []importers.Record
	Rejects []importers.Reject
	Err     error
	// Broken is the error that cut a compressed input short (importers.Opened.Broken).
	Broken error
}

type sink struct{ r *Result }

func (s sink) Event(rec importers.Record, ev *event.Event) error {
	cp := *ev
	s.r.Events = append(s.r.Events, cp)
	s.r.Records = append(s.r.Records, rec)
	return nil
}

func (s sink) Reject(r importers.Reject) error {
	r.Raw = append([]byte(nil), r.Raw...)
	s.r.Rejects = append(s.r.Rejects, r)
	return nil
}

// ReadBytes runs f over data (decompressing as Open would) with a time limit.
func ReadBytes(t testing.TB, f importers.Format, name string, data []byte) Result {
	t.Helper()
	var res Result
	o, err := importers.OpenReader(name, bytes.NewReader(data), int64(len(data)))
	if err != nil {
		res.Err = err
		return res
	}
	defer o.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res.Err = f.Read(ctx, o.Input, sink{&res})
	_, res.Broken = o.Broken()
	return res
}

// ReadFile runs f over a file.
func ReadFile(t testing.TB, f importers.Format, path string) Result {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return ReadBytes(t, f, path, data)
}

// Golden reads testdata/<file> with f and compares what it emits, rendered by JSONL, with
// testdata/<file>.golden.jsonl (testutil.Golden: -update rewrites it). A read error fails.
func Golden(t testing.TB, f importers.Format, file string) {
	t.Helper()
	res := ReadFile(t, f, filepath.Join("testdata", file))
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	testutil.Golden(t, filepath.Join("testdata", file+".golden.jsonl"), JSONL(res))
}

// Configure is f with options (f itself when opts is nil); a format that takes no options, or
// refuses these, fails the test.
func Configure(t testing.TB, f importers.Format, opts map[string]string) importers.Format {
	t.Helper()
	if opts == nil {
		return f
	}
	c, ok := f.(importers.Configurable)
	if !ok {
		t.Fatalf("%s takes no options", f.Name())
	}
	f, err := c.WithOptions(opts)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// Counts reads data with f, fails on a read error, and checks the result with CheckCounts.
func Counts(t testing.TB, f importers.Format, name string, data []byte, events, rejects int, substrings ...string) Result {
	t.Helper()
	res := ReadBytes(t, f, name, data)
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	CheckCounts(t, res, events, rejects, substrings...)
	return res
}

// HostileCase is one hostile input and how many events and rejects it must give.
type HostileCase struct {
	Name            string
	In              string
	Events, Rejects int
}

// Hostile runs f over each case in parallel and checks its counts with Counts.
func Hostile(t *testing.T, f importers.Format, cases []HostileCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			t.Parallel()
			Counts(t, f, tc.Name, []byte(tc.In), tc.Events, tc.Rejects)
		})
	}
}

// SeedLines adds each line of the file at path to a fuzz target's corpus; a missing file (one
// of the repo's testdata files) fails the target rather than losing the seeds.
func SeedLines(f *testing.F, path string) {
	f.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	for _, line := range bytes.Split(data, []byte("\n")) {
		f.Add(line)
	}
}

// SeedFile adds the file at path, as a string, to a fuzz target's corpus when it is shorter
// than max bytes; a missing file (one of the repo's testdata files) fails the target.
func SeedFile(f *testing.F, path string, max int) {
	f.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	if len(b) < max {
		f.Add(string(b))
	}
}

// CheckParse checks one line of a format's field parser: with wantErr empty, that parse gives
// at least the fields of want; otherwise that its error contains wantErr.
func CheckParse(t testing.TB, parse func(line []byte) (map[string]string, error), line string, want map[string]string, wantErr string) {
	t.Helper()
	got, err := parse([]byte(line))
	if wantErr != "" {
		if err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Fatalf("err = %v, want %q", err, wantErr)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q (all: %q)", k, got[k], v, got)
		}
	}
}

// JSONL renders events as golden JSON lines: one object per event with every non-empty
// column (by catalogue name), the record locator, and raw/fields included.
func JSONL(res Result) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	for i := range res.Events {
		ev := &res.Events[i]
		obj := map[string]any{}
		if i < len(res.Records) {
			if res.Records[i].Line > 0 {
				obj["_line"] = res.Records[i].Line
			}
			obj["_offset"] = res.Records[i].Offset
		}
		for _, c := range event.Columns {
			v := c.Get(ev)
			switch x := v.(type) {
			case nil:
				continue
			case string:
				if x == "" {
					continue
				}
			case time.Time:
				if x.IsZero() {
					continue
				}
				v = x.UTC().Format(time.RFC3339Nano)
			case map[string]any:
				if len(x) == 0 {
					continue
				}
			}
			obj[c.Name] = v
		}
		enc.Encode(obj)
	}
	for _, r := range res.Rejects {
		enc.Encode(map[string]any{"_reject": r.Error(), "_offset": r.Offset, "_raw_bytes": len(r.Raw)})
	}
	return b.Bytes()
}
