package inventory

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"trawl/internal/testutil"
)

type collect struct {
	out bytes.Buffer
}

func (c *collect) line(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	c.out.Write(b)
	c.out.WriteByte('\n')
	return nil
}

func (c *collect) Asset(a Asset) error {
	return c.line(map[string]any{"asset": a, "host_keys": a.HostKeys()})
}
func (c *collect) Identity(id Identity) error {
	return c.line(map[string]any{"identity": id, "alias_keys": id.AliasKeys()})
}
func (c *collect) Reject(r Reject) error { return c.line(map[string]any{"reject": r.String()}) }

func TestReadGolden(t *testing.T) {
	for _, tc := range []struct {
		file string
		kind Kind
	}{
		{"assets.csv", Assets},
		{"identities.json", Identities},
		{"identities.csv", Identities},
	} {
		t.Run(tc.file, func(t *testing.T) {
			f, err := os.Open(filepath.Join("testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			var c collect
			kind, _, err := Read(f, "", &c)
			if err != nil {
				t.Fatal(err)
			}
			if kind != tc.kind {
				t.Errorf("kind %s, want %s", kind, tc.kind)
			}
			testutil.Golden(t, filepath.Join("testdata", tc.file+".golden.jsonl"), c.out.Bytes())
		})
	}
}

func TestKind(t *testing.T) {
	for _, tc := range []struct {
		in   string
		kind Kind
		want Kind
		err  string
	}{
		{"host,ip\nws1,10.0.0.1\n", "", Assets, ""},
		{"user,mfa\nbob,yes\n", "", Identities, ""},
		{`{"name": "x", "owner": "y"}`, "", Assets, ""},
		{`{"name": "x", "department": "y"}`, "", Identities, ""},
		{"name,notes\nx,y\n", "", "", "pass --kind"},
		{"name,notes\nx,y\n", Identities, Identities, ""},
	} {
		var c collect
		kind, _, err := Read(strings.NewReader(tc.in), tc.kind, &c)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("Read(%q) error %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || kind != tc.want {
			t.Errorf("Read(%q) = %s, %v; want %s", tc.in, kind, err, tc.want)
		}
	}
}

func TestParseStatus(t *testing.T) {
	day := func(s string) time.Time { d, _ := time.Parse("2006-01-02", s); return d }
	for _, tc := range []struct {
		in     string
		status string
		date   time.Time
		err    bool
	}{
		{"Active", "active", time.Time{}, false},
		{"leaving on 2026-12-15", "leaving", day("2026-12-15"), false},
		{"Leaving 15 Dec 2026", "leaving", day("2026-12-15"), false},
		{"leaving 15 DEC 2026", "leaving", day("2026-12-15"), false},
		{"left on december 15, 2026", "left", day("2026-12-15"), false},
		{"resigned, last day Dec 15", "", time.Time{}, true},
		{"terminated since January 2, 2026", "left", day("2026-01-02"), false},
		{"on-leave", "on-leave", time.Time{}, false},
		{"left on 02/01/2026", "", time.Time{}, true},
	} {
		status, date, err := parseStatus(tc.in)
		if (err != nil) != tc.err || status != tc.status || !date.Equal(tc.date) {
			t.Errorf("parseStatus(%q) = %q %v %v", tc.in, status, date, err)
		}
	}
}

func TestParseAddress(t *testing.T) {
	got := []string{}
	for _, s := range []string{"10.0.0.1", "10.0.0.9/24", "10.0.0.1/32", "::ffff:10.0.0.0/120", "2001:DB8::/32", "010.000.000.001"} {
		a, err := parseAddress(s)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, a)
	}
	want := []string{"10.0.0.1", "10.0.0.0/24", "10.0.0.1", "10.0.0.0/24", "2001:db8::/32", "10.0.0.1"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Error(diff)
	}
	for _, bad := range []string{"10.0.0.0/33", "host", "10.0.0.256"} {
		if _, err := parseAddress(bad); err == nil {
			t.Errorf("parseAddress(%q) accepted", bad)
		}
	}
}

func FuzzRead(f *testing.F) {
	for _, name := range []string{"assets.csv", "identities.json", "identities.csv"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, "")
	}
	f.Add([]byte(`{"user": "x", "status": "leaving on 1 jan 2027"}`), "identities")
	f.Add([]byte("ip\n10.0.0.0/8\n"), "assets")
	f.Fuzz(func(t *testing.T, in []byte, kind string) {
		k, err := ParseKind(kind)
		if err != nil {
			return
		}
		var c collect
		Read(bytes.NewReader(in), k, &c)
		for _, l := range bytes.Split(bytes.TrimSpace(c.out.Bytes()), []byte("\n")) {
			if len(l) > 0 && !json.Valid(l) {
				t.Fatalf("bad output line %q", l)
			}
		}
	})
}
