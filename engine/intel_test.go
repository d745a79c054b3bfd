package engine

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestIntelMatches(t *testing.T) {
	st, _ := openTemp(t)
	res, err := st.ImportIntel(t.Context(), filepath.Join("..", "intel", "testdata", "bundle.json"), "")
	if err != nil {
		t.Fatal(err)
	}
	if res.Format != "stix" || res.Source != "bundle" || res.Indicators != 9 || res.Skipped != 3 || res.Rejected != 1 {
		t.Fatalf("bundle: %+v", res)
	}
	res, err = st.ImportIntel(t.Context(), filepath.Join("..", "intel", "testdata", "iocs.csv"), "csv-feed")
	if err != nil {
		t.Fatal(err)
	}
	if res.Format != "table" || res.Indicators != 6 || res.Rejected != 6 {
		t.Fatalf("csv: %+v", res)
	}
	// Importing again replaces rather than duplicates.
	if _, err := st.ImportIntel(t.Context(), filepath.Join("..", "intel", "testdata", "iocs.csv"), "csv-feed"); err != nil {
		t.Fatal(err)
	}
	if n := count(t, st, `SELECT count(*) FROM intel`); n != 15 {
		t.Errorf("%d intel rows after importing the CSV twice, want 15", n)
	}

	april := time.Date(2026, 4, 1, 12, 0, 0, 0, time.UTC)
	october := time.Date(2026, 10, 1, 12, 0, 0, 0, time.UTC)
	events := []struct {
		time                        any
		src, dst, domain, url, hash string
	}{
		1:  {april, "10.0.0.5", "198.51.100.23", "", "", ""},                                // in the bundle's C2 network (valid until September)
		2:  {october, "10.0.0.5", "198.51.100.23", "", "", ""},                              // the network indicator has expired; the CSV's has no expiry
		3:  {april, "", "", "cdn.dl.evil-updates.example", "", ""},                          // parent domain (bundle; CSV until June 30)
		4:  {october, "", "", "", "http://dl.evil-updates.example/payload/Invoice.doc", ""}, // URL exact, its host by parent domain (bundle only: CSV domain expired)
		5:  {april, "", "", "", "", "d41d8cd98f00b204e9800998ecf8427e"},                     // MD5 from the bundle's AND and the CSV
		6:  {april, "2001:db8:dead:1::5", "", "", "", ""},                                   // IPv6 network
		7:  {april, "", "", "notevil-updates.example", "", ""},                              // no match: label boundary
		8:  {nil, "", "203.0.113.7", "", "", ""},                                            // no time: compared with now (bundle expired, CSV until 2099)
		9:  {april, "198.51.99.255", "198.52.0.0", "EVIL-UPDATES.EXAMPLE.", "", ""},         // addresses just outside; domain exact despite case and dot
		10: {april, "", "", "", "http://dl.evil-updates.example/payload/invoice.doc/", ""},  // URL match ignores case and a trailing slash
	}
	for id, ev := range events {
		if id == 0 {
			continue
		}
		_, err := st.db.ExecContext(t.Context(), `INSERT INTO events (id, file_id, source, source_type, time, src_ip, dst_ip, domain, url, hash)
			VALUES (?, 1, 't', 't', ?, ?, ?, ?, ?, ?)`, id, ev.time, nullStr(ev.src), nullStr(ev.dst), nullStr(ev.domain), nullStr(ev.url), nullStr(ev.hash))
		if err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	err = st.IntelMatches(t.Context(), 0, func(cols []string, row []any) error {
		m := map[string]any{}
		for i, c := range cols {
			m[c] = row[i]
		}
		got = append(got, fmt.Sprintf("%v %v=%v %v %v/%v %v conf=%v", m["event_id"], m["field"], m["value"], m["matched_by"], m["type"], m["indicator"], m["source"], m["confidence"]))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"1 dst_ip=198.51.100.23 cidr cidr/198.51.100.0/24 ACME CTI Team conf=85",
		"1 dst_ip=198.51.100.23 cidr cidr/198.51.100.0/24 abuse-feed conf=85",
		"2 dst_ip=198.51.100.23 cidr cidr/198.51.100.0/24 abuse-feed conf=85",
		"3 domain=cdn.dl.evil-updates.example parent-domain domain/evil-updates.example ACME CTI Team conf=70",
		"3 domain=cdn.dl.evil-updates.example parent-domain domain/evil-updates.example csv-feed conf=70",
		"4 url=dl.evil-updates.example parent-domain domain/evil-updates.example ACME CTI Team conf=70",
		"4 url=http://dl.evil-updates.example/payload/Invoice.doc exact url/http://dl.evil-updates.example/payload/Invoice.doc ACME CTI Team conf=70",
		"4 url=http://dl.evil-updates.example/payload/Invoice.doc exact url/http://dl.evil-updates.example/payload/Invoice.doc csv-feed conf=<nil>",
		"5 hash=d41d8cd98f00b204e9800998ecf8427e exact md5/d41d8cd98f00b204e9800998ecf8427e ACME CTI Team conf=<nil>",
		"5 hash=d41d8cd98f00b204e9800998ecf8427e exact md5/d41d8cd98f00b204e9800998ecf8427e csv-feed conf=<nil>",
		"6 src_ip=2001:db8:dead:1::5 cidr cidr/2001:db8:dead::/48 bundle conf=<nil>",
		"8 dst_ip=203.0.113.7 exact ipv4/203.0.113.7 abuse-feed conf=90",
		"9 domain=evil-updates.example exact domain/evil-updates.example ACME CTI Team conf=70",
		"9 domain=evil-updates.example exact domain/evil-updates.example csv-feed conf=70",
		"10 url=dl.evil-updates.example parent-domain domain/evil-updates.example ACME CTI Team conf=70",
		"10 url=dl.evil-updates.example parent-domain domain/evil-updates.example csv-feed conf=70",
		"10 url=http://dl.evil-updates.example/payload/invoice.doc/ exact url/http://dl.evil-updates.example/payload/Invoice.doc ACME CTI Team conf=70",
		"10 url=http://dl.evil-updates.example/payload/invoice.doc/ exact url/http://dl.evil-updates.example/payload/Invoice.doc csv-feed conf=<nil>",
	}
	// The order within an event follows intel ids; compare as sorted lists.
	slices.Sort(got)
	slices.Sort(want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("intel_matches (-want +got):\n%s", diff)
	}
}

func TestIntelImportErrors(t *testing.T) {
	st, _ := openTemp(t)
	if _, err := st.ImportIntel(t.Context(), filepath.Join(t.TempDir(), "missing.txt"), ""); err == nil {
		t.Error("missing file imported")
	}
	p := writeFile(t, t.TempDir(), "list.txt", "10.0.0.1\nbogus value\n")
	res, err := st.ImportIntel(t.Context(), p, "")
	if err != nil {
		t.Fatal(err)
	}
	if res.Source != "list" || res.Indicators != 1 || res.Rejected != 1 || !strings.Contains(res.Rejects[0].String(), "line 2: field value") {
		t.Errorf("%+v", res)
	}

	// More than one batch of rows, and a partial one.
	var b strings.Builder
	for i := range 600 {
		fmt.Fprintf(&b, "10.1.%d.%d\n", i/256, i%256)
	}
	p = writeFile(t, t.TempDir(), "many.txt", b.String())
	if res, err := st.ImportIntel(t.Context(), p, "many"); err != nil || res.Indicators != 600 {
		t.Fatalf("%+v %v", res, err)
	}
	if n := count(t, st, `SELECT count(DISTINCT value) FROM intel WHERE source = 'many' AND ip_bits = 128`); n != 600 {
		t.Errorf("%d stored, want 600", n)
	}
}
