package engine

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"trawl/dsl"
	_ "trawl/importers/zeek"
	"trawl/internal/testutil"
)

// analyticCatalogue mirrors the dsl tests' catalogue for testdata/analytic: the events table,
// the store's context tables, the tables of dsl/testdata/lookup/tables.json and lookup files
// read relative to the dsl directory.
func analyticCatalogue(t testing.TB) dsl.TableCatalogue {
	t.Helper()
	dir := filepath.Join("..", "dsl")
	b, err := os.ReadFile(filepath.Join(dir, "testdata", "lookup", "tables.json"))
	if err != nil {
		t.Fatal(err)
	}
	var extra []*dsl.Table
	if err := json.Unmarshal(b, &extra); err != nil {
		t.Fatal(err)
	}
	return dsl.WithTables(dsl.EventCatalogue(), append(dsl.StoreTables(), extra...), func(path string) (*dsl.Table, error) {
		f, err := os.Open(filepath.Join(dir, path))
		if err != nil {
			return nil, err
		}
		defer f.Close()
		return dsl.ReadTableCSV(path, f, "")
	})
}

// analyticStore opens a store holding csvPath's events and the watchlist table the lookup
// cases read.
func analyticStore(t *testing.T, csvPath string) *Store {
	t.Helper()
	s, err := Open(t.Context(), ":memory:", Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	path, err := filepath.Abs(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.ExecContext(t.Context(), `INSERT INTO events BY NAME SELECT * FROM read_csv($1, header = true, all_varchar = true)`, path); err != nil {
		t.Fatalf("loading %s: %v", path, err)
	}
	for _, q := range []string{
		`CREATE TABLE watchlist (ip VARCHAR, reason VARCHAR, added TIMESTAMP)`,
		`INSERT INTO watchlist VALUES ('8.8.8.8', 'resolver abuse', '2024-02-01'), ('8.8.8.8', 'again', '2024-02-02'), ('10.0.0.1', 'domain controller', '2024-01-15'), ('192.0.2.99', 'unused', NULL)`,
		`INSERT INTO intel (id, type, value, source, confidence, file, imported_at) VALUES (1, 'ipv4', '8.8.8.8', 'feed-a', 40, 'feed.csv', now())`,
	} {
		if _, err := s.db.ExecContext(t.Context(), q); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// TestAnalyticGolden runs the dsl analytic cases on DuckDB, each over its own events.csv when
// it has one (generated regular and irregular series), else the shared hand-built events, and
// compares the rows with output.csv.
func TestAnalyticGolden(t *testing.T) {
	cat := analyticCatalogue(t)
	root := filepath.Join("..", "dsl", "testdata", "analytic")
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		t.Run(e.Name(), func(t *testing.T) {
			dir := filepath.Join(root, e.Name())
			events := filepath.Join(dir, "events.csv")
			if _, err := os.Stat(events); err != nil {
				events = filepath.Join("..", "dsl", "testdata", "events.csv")
			}
			s := analyticStore(t, events)
			src, err := os.ReadFile(filepath.Join(dir, "input.hunt"))
			if err != nil {
				t.Fatal(err)
			}
			c, err := dsl.Build(string(src), cat)
			if err != nil {
				t.Fatalf("%s", dsl.FormatError(string(src), err))
			}
			tb, err := s.Query(t.Context(), c.SQL, c.Args...)
			if err != nil {
				t.Fatalf("%v\n%s", err, c.SQL)
			}
			if tb.Columns == nil {
				for _, col := range c.Columns {
					tb.Columns = append(tb.Columns, col.Name)
				}
			}
			testutil.Golden(t, filepath.Join(dir, "output.csv"), csvRows(t, tb))
			if c.EvidenceSQL != "" {
				// The evidence query gives each row's event ids, and they name stored events.
				ev, err := s.Query(t.Context(), c.EvidenceSQL, c.Args...)
				if err != nil {
					t.Fatalf("evidence: %v\n%s", err, c.EvidenceSQL)
				}
				if len(ev.Rows) != len(tb.Rows) {
					t.Fatalf("evidence has %d rows for %d result rows", len(ev.Rows), len(tb.Rows))
				}
				for _, r := range ev.Rows {
					ids, _ := r[0].([]any)
					if len(ids) == 0 {
						t.Fatalf("a row without evidence: %v", r)
					}
					for _, id := range ids {
						var n int
						if err := s.db.QueryRowContext(t.Context(), `SELECT count(*) FROM events WHERE id = $1`, id).Scan(&n); err != nil || n != 1 {
							t.Fatalf("evidence id %v names %d events (%v)", id, n, err)
						}
					}
				}
			}
		})
	}
}

// TestBeaconGenerated runs beacon over the generator's demo Zeek conn.log, whose beaconing
// scenario has WS07's implant call 203.0.113.200:443 every 300 s ± 10%: that pair must come
// first (the most regular), with its median interval near 300 s. With the defaults the SSH
// brute force of the same log (a tool retrying every ~13 s, jitter 0.17) comes second; at
// max_jitter 0.1 the beacon is alone.
func TestBeaconGenerated(t *testing.T) {
	path := filepath.Join("..", "demo", "generated", "zeek", "conn.log.gz")
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the demo data is in the repository (regenerate it with trawl generate): %v", err)
	}
	s, err := Open(t.Context(), ":memory:", Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	res := s.ImportFiles(t.Context(), []string{path}, ImportOptions{})
	if res[0].Err != nil {
		t.Fatal(res[0].Err)
	}
	for _, tc := range []struct {
		query string
		want  int
	}{
		{`network | beacon | fields src_ip, dst_ip, count, median_interval, jitter, cv`, 2},
		{`network | beacon by src_ip, dst_ip, dst_port min 100 max_jitter 0.1 | fields src_ip, dst_ip, count, median_interval, jitter, cv`, 1},
	} {
		c, err := dsl.Build(tc.query, dsl.EventCatalogue())
		if err != nil {
			t.Fatal(err)
		}
		tb, err := s.Query(t.Context(), c.SQL, c.Args...)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s\n%s", tc.query, csvRows(t, tb))
		if len(tb.Rows) != tc.want {
			t.Fatalf("%d pairs, want %d", len(tb.Rows), tc.want)
		}
		if dst := tb.Rows[0][1]; dst != "203.0.113.200" {
			t.Errorf("beacon found %v, want the C2 address", dst)
		}
		if med := tb.Rows[0][3].(float64); med < 285 || med > 315 {
			t.Errorf("median interval %v, want about 300 s", med)
		}
	}
	// The whole log's irregular pairs, for scale.
	tb, err := s.Query(t.Context(), `SELECT count(*) FROM (SELECT src_ip, dst_ip FROM events GROUP BY ALL HAVING count(*) >= 10)`)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("pairs with at least 10 connections: %v", tb.Rows[0][0])
}

// TestStoreTables runs a lookup of each of dsl.StoreTables on a store with the context
// migrations, so the SQL each declares matches the tables it reads, with the declared types.
func TestStoreTables(t *testing.T) {
	s := analyticStore(t, filepath.Join("..", "dsl", "testdata", "events.csv"))
	for _, q := range []string{
		`INSERT INTO assets (asset_key, name, owner, criticality, environment, internet_facing, file, imported_at) VALUES ('dc1', 'DC1', 'it', 5, 'prod', false, 'a.csv', now())`,
		`INSERT INTO asset_keys (asset_key, kind, value) VALUES ('dc1', 'host', 'dc1')`,
		`INSERT INTO identities (identity, "user", display_name, department, role, privileged, service_account, status, file, imported_at) VALUES ('alice', 'alice', 'Alice A', 'IT', 'admin', true, false, 'left', 'i.csv', now())`,
		`INSERT INTO identity_aliases (alias_key, identity, alias) VALUES ('alice', 'alice', 'alice')`,
	} {
		if _, err := s.db.ExecContext(t.Context(), q); err != nil {
			t.Fatal(err)
		}
	}
	cat := dsl.WithTables(dsl.EventCatalogue(), dsl.StoreTables(), nil)
	for _, tc := range []struct{ query, want string }{
		{`logon | lookup assets on host_key | dedup host_key | fields host_key, assets_asset, assets_name, assets_criticality, assets_internet_facing`, "host_key,assets_asset,assets_name,assets_criticality,assets_internet_facing\ndc1,dc1,DC1,5,false\n"},
		{`logon | lookup identities on user_key as who | where who_status == "left" and who_privileged | dedup user_key | fields user_key, who_identity, who_department`, "user_key,who_identity,who_department\nalice,alice,IT\n"},
		{`network | lookup intel on dst_ip | stats count() as n by intel_source`, "intel_source,n\nfeed-a,2\n"},
	} {
		c, err := dsl.Build(tc.query, cat)
		if err != nil {
			t.Fatalf("%s", dsl.FormatError(tc.query, err))
		}
		tb, err := s.Query(t.Context(), c.SQL, c.Args...)
		if err != nil {
			t.Fatalf("%s: %v", tc.query, err)
		}
		if got := string(csvRows(t, tb)); got != tc.want {
			t.Errorf("%s:\ngot\n%s\nwant\n%s", tc.query, got, tc.want)
		}
	}
}

// TestHuntCIDR6MatchesNetip checks IPv6 network membership (a numeric range on the store's
// 128-bit address line) against net/netip, on random addresses clustered so that prefixes of
// every length have members, mixed with IPv4 addresses.
func TestHuntCIDR6MatchesNetip(t *testing.T) {
	s, err := Open(t.Context(), ":memory:", Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rng := rand.New(rand.NewPCG(3, 4))
	var addrs []netip.Addr
	for i := range 300 {
		var b [16]byte
		copy(b[:], []byte{0x20, 0x01, 0x0d, 0xb8})
		b[4] = byte(rng.IntN(3))
		for j := 5 + rng.IntN(11); j < 16; j++ {
			b[j] = byte(rng.IntN(256))
		}
		a := netip.AddrFrom16(b)
		if i%10 == 0 {
			a = netip.AddrFrom4([4]byte{10, byte(rng.IntN(256)), 0, 1})
		}
		addrs = append(addrs, a)
		if _, err := s.db.ExecContext(t.Context(), `INSERT INTO events (id, file_id, source, source_type, category, src_ip) VALUES (?, 1, 't', 't', 'network', ?)`, i+1, a.String()); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 60 {
		a := addrs[rng.IntN(len(addrs))]
		if a.Is4() {
			a = netip.AddrFrom16(a.As16()) // ::ffff:10.x.0.1, IPv4 written the mapped way
		}
		p := netip.PrefixFrom(a, 24+rng.IntN(105)).Masked()
		var want []string
		for j, x := range addrs {
			if p.Contains(x) || x.Is4() && p.Contains(netip.AddrFrom16(x.As16())) {
				want = append(want, fmt.Sprint(j+1))
			}
		}
		q := `network | where src_ip in "` + p.String() + `" | sort id | fields id`
		c, err := dsl.Build(q, dsl.EventCatalogue())
		if err != nil {
			t.Fatalf("%s", dsl.FormatError(q, err))
		}
		tb, err := s.Query(t.Context(), c.SQL, c.Args...)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		var got []string
		for _, r := range tb.Rows {
			got = append(got, fmt.Sprint(r[0]))
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("%s (case %d): got %v, want %v", q, i, got, want)
		}
	}
}
