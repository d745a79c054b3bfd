package intel

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"trawl/internal/testutil"
)

// collect is a Sink that keeps everything it is given.
type collect struct {
	inds    []Indicator
	rejects []Reject
}

func (c *collect) Indicator(i Indicator) error { c.inds = append(c.inds, i); return nil }
func (c *collect) Reject(r Reject) error       { c.rejects = append(c.rejects, r); return nil }

// render prints what a read found as JSON lines, indicators then rejects, for golden files.
func (c *collect) render(f Format) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	b.WriteString(`{"format":"` + string(f) + `"}` + "\n")
	for _, i := range c.inds {
		m := map[string]any{"line": i.Line, "type": i.Type, "value": i.Value, "source": i.Source, "confidence": i.Confidence}
		if !i.ValidFrom.IsZero() {
			m["valid_from"] = i.ValidFrom.Format(time.RFC3339)
		}
		if !i.ValidUntil.IsZero() {
			m["valid_until"] = i.ValidUntil.Format(time.RFC3339)
		}
		for k, v := range map[string]string{"id": i.ID, "name": i.Name, "description": i.Description, "note": i.Note} {
			if v != "" {
				m[k] = v
			}
		}
		if len(i.Labels) > 0 {
			m["labels"] = i.Labels
		}
		enc.Encode(m)
	}
	for _, r := range c.rejects {
		enc.Encode(map[string]any{"reject": r.String()})
	}
	return b.Bytes()
}

func TestReadGolden(t *testing.T) {
	for _, name := range []string{"bundle.json", "iocs.txt", "iocs.csv", "iocs.jsonl"} {
		t.Run(name, func(t *testing.T) {
			f, err := os.Open(filepath.Join("testdata", name))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			var c collect
			format, err := Read(t.Context(), f, Options{Source: "test-feed"}, &c)
			if err != nil {
				t.Fatal(err)
			}
			testutil.Golden(t, filepath.Join("testdata", name+".golden.jsonl"), c.render(format))
		})
	}
}

func TestInfer(t *testing.T) {
	for _, tc := range inferCases {
		t.Run(tc.in, func(t *testing.T) {
			typ, v, err := Infer(tc.in)
			if (err != nil) != (tc.typ == "") {
				t.Fatalf("Infer(%q) = %s %q, %v", tc.in, typ, v, err)
			}
			if typ != tc.typ || v != tc.want {
				t.Errorf("Infer(%q) = %s %q, want %s %q", tc.in, typ, v, tc.typ, tc.want)
			}
		})
	}
}

var inferCases = []struct {
	in   string
	typ  Type
	want string
}{
	{"10.0.0.1", IPv4, "10.0.0.1"},
	{" 10.0.0.1 ", IPv4, "10.0.0.1"},
	{"::ffff:10.0.0.1", IPv4, "10.0.0.1"},
	{"2001:DB8::1", IPv6, "2001:db8::1"},
	{"[2001:db8::1]", IPv6, "2001:db8::1"},
	{"10.1.2.3/8", CIDR, "10.0.0.0/8"},
	{"10.1.2.3/32", IPv4, "10.1.2.3"},
	{"2001:db8::/32", CIDR, "2001:db8::/32"},
	{"::ffff:10.0.0.0/104", CIDR, "10.0.0.0/8"},
	{"Evil.Example.", Domain, "evil.example"},
	{"*.evil.example", Domain, "evil.example"},
	{"evil[.]example", Domain, "evil.example"},
	{"hxxps://Evil.Example/A?b=C", URL, "https://evil.example/A?b=C"},
	{"http://evil.example/", URL, "http://evil.example"},
	{"D41D8CD98F00B204E9800998ECF8427E", MD5, "d41d8cd98f00b204e9800998ecf8427e"},
	{"da39a3ee5e6b4b0d3255bfef95601890afd80709", SHA1, "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
	{strings.Repeat("ab", 32), SHA256, strings.Repeat("ab", 32)},
	{strings.Repeat("ab", 64), SHA512, strings.Repeat("ab", 64)},
	{"", "", ""},
	{"999.1.1.1", "", ""}, // all-numeric labels are no domain either? they pass checkDomain: see below
	{"not a domain", "", ""},
	{"gg::1", "", ""},
	{"http://", "", ""},
	{"10.0.0.0/33", "", ""},
	{"a..b", "", ""},
}

func TestNormalizeTyped(t *testing.T) {
	for _, tc := range []struct {
		t       Type
		in      string
		wantT   Type
		want    string
		wantErr string
	}{
		{IPv4, "10.0.0.1", IPv4, "10.0.0.1", ""},
		{IPv4, "10.0.0.0/24", CIDR, "10.0.0.0/24", ""},
		{IPv6, "10.0.0.1", "", "", "is an ipv4 address, not ipv6"},
		{Domain, "10.0.0.1", "", "", "is an IP address"},
		{MD5, strings.Repeat("a", 40), "", "", "not a md5 hash"},
		{CIDR, "10.0.0.1", IPv4, "10.0.0.1", ""},
		{"ftp", "x", "", "", "unknown indicator type"},
	} {
		gotT, got, err := Normalize(tc.t, tc.in)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("Normalize(%s, %q) error = %v, want %q", tc.t, tc.in, err, tc.wantErr)
			}
			continue
		}
		if err != nil || gotT != tc.wantT || got != tc.want {
			t.Errorf("Normalize(%s, %q) = %s %q %v, want %s %q", tc.t, tc.in, gotT, got, err, tc.wantT, tc.want)
		}
	}
}

var patternCases = []struct {
	name    string
	pattern string
	want    []Value
	note    string
	err     string // substring; "" means reducible
	skipped bool   // ErrNotReducible
}{
	{"ipv4", "[ipv4-addr:value = '10.0.0.1']", []Value{{IPv4, "10.0.0.1"}}, "", "", false},
	{"ipv4 cidr", "[ipv4-addr:value = '10.0.0.0/8']", []Value{{CIDR, "10.0.0.0/8"}}, "", "", false},
	{"or observations", "[domain-name:value = 'a.example'] OR [url:value = 'http://b.example/x']", []Value{{Domain, "a.example"}, {URL, "http://b.example/x"}}, "", "", false},
	{"or inside", "[domain-name:value = 'a.example' OR domain-name:value = 'b.example']", []Value{{Domain, "a.example"}, {Domain, "b.example"}}, "", "", false},
	{"hashes and", "[file:hashes.'SHA-256' = '" + strings.Repeat("a", 64) + "' AND file:hashes.MD5 = '" + strings.Repeat("b", 32) + "']", []Value{{SHA256, strings.Repeat("a", 64)}, {MD5, strings.Repeat("b", 32)}}, "AND reduced to any of its values", "", false},
	{"sha-1 quoted", "[file:hashes.'SHA-1' = '" + strings.Repeat("C", 40) + "']", []Value{{SHA1, strings.Repeat("c", 40)}}, "", "", false},
	{"in set", "[network-traffic:dst_ref.value IN ('10.0.0.1', '2001:db8::/32')]", []Value{{IPv4, "10.0.0.1"}, {CIDR, "2001:db8::/32"}}, "", "", false},
	{"qualifiers", "([ipv4-addr:value = '10.0.0.1'] FOLLOWEDBY [ipv4-addr:value = '10.0.0.2']) WITHIN 60 SECONDS", []Value{{IPv4, "10.0.0.1"}, {IPv4, "10.0.0.2"}}, "FOLLOWEDBY reduced to any of its values; WITHIN ignored", "", false},
	{"start stop", "[ipv4-addr:value = '10.0.0.1'] START t'2026-01-01T00:00:00Z' STOP t'2026-02-01T00:00:00Z'", []Value{{IPv4, "10.0.0.1"}}, "START/STOP ignored", "", false},
	{"escaped quote", `[domain-name:value = 'it\'s.example']`, nil, "", "not a domain name", false},
	{"duplicate values", "[ipv4-addr:value = '10.0.0.1'] OR [ipv4-addr:value = '10.0.0.1']", []Value{{IPv4, "10.0.0.1"}}, "", "", false},
	{"file name", "[file:name = 'evil.exe']", nil, "", "file:name", true},
	{"port", "[ipv4-addr:value = '10.0.0.1' AND network-traffic:dst_port = 443]", nil, "", "network-traffic:dst_port", true},
	{"not equal", "[ipv4-addr:value != '10.0.0.1']", nil, "", "uses !=", true},
	{"negated", "[ipv4-addr:value NOT = '10.0.0.1']", nil, "", "uses NOT =", true},
	{"like", "[domain-name:value LIKE '%.example']", nil, "", "uses LIKE", true},
	{"matches", "[url:value MATCHES '^http']", nil, "", "uses MATCHES", true},
	{"email", "[email-addr:value = 'a@example.com']", nil, "", "email-addr:value", true},
	{"registry index", "[windows-registry-key:values[*].name = 'Run']", nil, "", "values[*].name", true},
	{"bad ip", "[ipv4-addr:value = '10.0.0.256']", nil, "", "not an IP address", false},
	{"unclosed", "[ipv4-addr:value = '10.0.0.1'", nil, "", "unexpected", false},
	{"lower-case and", "[ipv4-addr:value = '10.0.0.1'] and [ipv4-addr:value = '10.0.0.2']", nil, "", "unexpected", false},
	{"empty", "", nil, "", "unexpected", false},
	{"deep", strings.Repeat("(", 200) + "[ipv4-addr:value = '10.0.0.1']" + strings.Repeat(")", 200), nil, "", "nests brackets", false},
}

func TestReduce(t *testing.T) {
	for _, tc := range patternCases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Reduce(tc.pattern)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("Reduce error = %v, want %q", err, tc.err)
				}
				if errors.Is(err, ErrNotReducible) != tc.skipped {
					t.Errorf("Reduce error %v: not-reducible = %v, want %v", err, !tc.skipped, tc.skipped)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got.Values); diff != "" {
				t.Errorf("values (-want +got):\n%s", diff)
			}
			if got.Note != tc.note {
				t.Errorf("note = %q, want %q", got.Note, tc.note)
			}
		})
	}
}

func TestParsePatternComparisons(t *testing.T) {
	comps, ops, err := ParsePattern(`[file:hashes.'SHA-256' = 'ab' AND (file:name = 'a\\b.exe' OR file:size > 10)] FOLLOWEDBY [x-custom:list[0].val IN ('a', 'b')]`)
	if err != nil {
		t.Fatal(err)
	}
	want := []Comparison{
		{"file", "hashes.SHA-256", "=", []string{"ab"}},
		{"file", "name", "=", []string{`a\b.exe`}},
		{"file", "size", ">", []string{"10"}},
		{"x-custom", "list[0].val", "IN", []string{"a", "b"}},
	}
	if diff := cmp.Diff(want, comps); diff != "" {
		t.Errorf("comparisons (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"AND", "OR", "observation FOLLOWEDBY"}, ops); diff != "" {
		t.Errorf("ops (-want +got):\n%s", diff)
	}
}

func TestDetect(t *testing.T) {
	for _, tc := range []struct {
		head string
		want Format
	}{
		{`{"type": "bundle", "objects": []}`, FormatSTIX},
		{"\ufeff  {\n\"spec_version\": \"2.0\"", FormatSTIX},
		{`{"value": "10.0.0.1"}`, FormatTable},
		{`[{"ioc": "10.0.0.1"}]`, FormatTable},
		{"type,value\nip,10.0.0.1", FormatTable},
		{"Indicator;Confidence\n", FormatTable},
		{"10.0.0.1\n10.0.0.2", FormatList},
		{"http://a.example/x,y\n", FormatList},
		{"", FormatList},
	} {
		if got := Detect([]byte(tc.head)); got != tc.want {
			t.Errorf("Detect(%q) = %s, want %s", tc.head, got, tc.want)
		}
	}
}

func TestSTIXNotBundle(t *testing.T) {
	for _, in := range []string{`{"type": "indicator", "objects": []}`, `[1,2]`, `{"type": "bundle", "objects": {}}`, `{"type": "bundle", "objects": [{"type": 5}]}`, `{"type":"bundle","objects":[{"type":"indicator","pattern":"[ipv4-addr:value = '10.0.0.1']","confidence":101}]}`} {
		var c collect
		if err := ReadSTIX(context.Background(), strings.NewReader(in), Options{}, &c); err != nil {
			t.Errorf("ReadSTIX(%s) error %v, want a reject", in, err)
		}
		if len(c.rejects) != 1 || len(c.inds) != 0 {
			t.Errorf("ReadSTIX(%s) = %d indicators, rejects %v; want one reject", in, len(c.inds), c.rejects)
		}
	}
}

func FuzzReduce(f *testing.F) {
	for _, tc := range patternCases {
		f.Add(tc.pattern)
	}
	f.Fuzz(func(t *testing.T, src string) {
		red, err := Reduce(src)
		if err != nil {
			if strings.Contains(err.Error(), "internal error") {
				t.Fatalf("Reduce(%q): %v", src, err)
			}
			return
		}
		if len(red.Values) == 0 {
			t.Fatalf("Reduce(%q) reduced to nothing without an error", src)
		}
		for _, v := range red.Values {
			if nt, nv, err := Normalize(v.Type, v.Value); err != nil || nt != v.Type || nv != v.Value {
				t.Fatalf("Reduce(%q) value %v does not normalize to itself: %s %q %v", src, v, nt, nv, err)
			}
		}
	})
}

func FuzzReadList(f *testing.F) {
	for _, tc := range inferCases {
		f.Add(tc.in + "\n")
	}
	b, err := os.ReadFile("testdata/iocs.txt")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(b))
	f.Fuzz(func(t *testing.T, in string) {
		var c collect
		if err := ReadList(context.Background(), strings.NewReader(in), Options{}, &c); err != nil {
			t.Fatal(err)
		}
		for _, i := range c.inds {
			if nt, nv, err := Normalize(i.Type, i.Value); err != nil || nt != i.Type || nv != i.Value {
				t.Fatalf("value %s %q does not normalize to itself: %s %q %v", i.Type, i.Value, nt, nv, err)
			}
			if i.Line < 1 {
				t.Fatalf("line %d", i.Line)
			}
		}
		for _, r := range c.rejects {
			if r.Line < 1 || r.Reason == "" {
				t.Fatalf("reject without line or reason: %+v", r)
			}
		}
	})
}

// FuzzRead runs every reader (by detection) over arbitrary input: no panic, every indicator
// normalized, every reject with a line and a reason.
func FuzzRead(f *testing.F) {
	for _, name := range []string{"bundle.json", "iocs.txt", "iocs.csv", "iocs.jsonl"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"type":"bundle","objects":[{"type":"indicator","pattern":"[ipv4-addr:value = '10.0.0.1']","confidence":101}]}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		var c collect
		if _, err := Read(context.Background(), bytes.NewReader(in), Options{}, &c); err != nil {
			t.Fatal(err)
		}
		for _, i := range c.inds {
			if nt, nv, err := Normalize(i.Type, i.Value); err != nil || nt != i.Type || nv != i.Value {
				t.Fatalf("value %s %q does not normalize to itself: %s %q %v", i.Type, i.Value, nt, nv, err)
			}
		}
		for _, r := range c.rejects {
			if r.Reason == "" {
				t.Fatalf("reject without a reason: %+v", r)
			}
		}
	})
}
