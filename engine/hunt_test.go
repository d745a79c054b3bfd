package engine

import (
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"trawl/dsl"
	"trawl/internal/testutil"
)

// huntStore opens an in-memory store holding the hand-built events of dsl/testdata/events.csv.
func huntStore(t *testing.T) *Store {
	t.Helper()
	s, err := Open(t.Context(), ":memory:", Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	path, err := filepath.Abs(filepath.Join("..", "dsl", "testdata", "events.csv"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.db.ExecContext(t.Context(), `INSERT INTO events BY NAME SELECT * FROM read_csv($1, header = true, all_varchar = true)`, path)
	if err != nil {
		t.Fatalf("loading %s: %v", path, err)
	}
	return s
}

// csvRows renders query results as CSV: NULL as \N, times in RFC 3339, floats to 6 digits.
func csvRows(t *testing.T, tb *Table) []byte {
	t.Helper()
	var b strings.Builder
	w := csv.NewWriter(&b)
	w.Write(tb.Columns)
	for _, row := range tb.Rows {
		rec := make([]string, len(row))
		for i, v := range row {
			rec[i] = cellText(v)
		}
		w.Write(rec)
	}
	w.Flush()
	return []byte(b.String())
}

func cellText(v any) string {
	switch x := v.(type) {
	case nil:
		return `\N`
	case time.Time:
		return x.UTC().Format(time.RFC3339)
	case float64:
		return strconv.FormatFloat(x, 'g', 6, 64)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = cellText(e)
		}
		return "[" + strings.Join(parts, " ") + "]"
	}
	return fmt.Sprint(v)
}

// TestHuntGolden runs every dsl golden case on the hand-built events and compares the rows with
// output.csv beside the case (go test ./engine -update rewrites them).
func TestHuntGolden(t *testing.T) {
	s := huntStore(t)
	root := filepath.Join("..", "dsl", "testdata", "golden")
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		t.Run(e.Name(), func(t *testing.T) {
			src, err := os.ReadFile(filepath.Join(root, e.Name(), "input.hunt"))
			if err != nil {
				t.Fatal(err)
			}
			tb, _, err := s.QueryDSL(t.Context(), string(src))
			if err != nil {
				t.Fatalf("%s", dsl.FormatError(string(src), err))
			}
			testutil.Golden(t, filepath.Join(root, e.Name(), "output.csv"), csvRows(t, tb))
		})
	}
	// The injection case must not have dropped anything.
	var n int
	if err := s.db.QueryRowContext(t.Context(), `SELECT count(*) FROM events`).Scan(&n); err != nil || n != 23 {
		t.Fatalf("events after the golden cases: %d, %v; want 23", n, err)
	}
}

// TestCatalogueMatchesTable checks that every column the language knows exists in the events
// table with a storage type that fits, so a checked query cannot name a missing column.
func TestCatalogueMatchesTable(t *testing.T) {
	s := huntStore(t)
	tb, err := s.Query(t.Context(), `SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'events'`)
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]string{}
	for _, r := range tb.Rows {
		types[r[0].(string)] = r[1].(string)
	}
	want := map[dsl.Type]string{dsl.TypeString: "VARCHAR", dsl.TypeIP: "VARCHAR", dsl.TypeJSON: "VARCHAR", dsl.TypeInt: "BIGINT", dsl.TypeTime: "TIMESTAMP"}
	for _, c := range s.Catalogue().Columns() {
		got, ok := types[c.Name]
		if !ok {
			t.Errorf("catalogue column %s is not in the events table", c.Name)
			continue
		}
		if got != want[c.Type] {
			t.Errorf("column %s: table type %s, catalogue type %s", c.Name, got, c.Type)
		}
	}
	if len(types) != len(s.Catalogue().Columns()) {
		t.Errorf("events table has %d columns, catalogue %d", len(types), len(s.Catalogue().Columns()))
	}
}

// TestHuntFunctions checks the SQL behind the functions on known values.
func TestHuntFunctions(t *testing.T) {
	s := huntStore(t)
	cases := []struct {
		query string
		want  string
	}{
		{`dns | where domain == "www.example.com" | eval e = entropy("aabb"), l = len("héllo"), u = upper("ab"), lo = lower("AB") | fields e, l, u, lo`, "e,l,u,lo\n1,5,AB,ab\n"},
		{`dns | where domain == "www.example.com" | eval e = entropy("abcdefgh"), z = entropy("") | fields e, z`, "e,z\n3,0\n"},
		{`events | where is_base64(command_line) or is_base64("SQBFAFgAIAAoAE4A") | stats count()`, "count\n23\n"},
		{`events | where is_base64("Administratorsxx") or is_base64("abc=") or is_base64("SQBFAFgAIAAoAE4") | stats count()`, "count\n0\n"},
		{`logon | where id == 8 | eval h = hour(time), d = weekday(time), b = business_hours(time), b2 = business_hours(time, 0, 3) | fields h, d, b, b2`, "h,d,b,b2\n2,6,false,false\n"},
		{`logon | where id == 1 | eval h = hour(time), d = weekday(time), b = business_hours(time), b2 = business_hours(time, 11, 12) | fields h, d, b, b2`, "h,d,b,b2\n10,5,true,false\n"},
		{`network | where id == 13 | eval a = bytes_in - bytes_out * 2, r = bytes_out / bytes_in, m = bytes_in % 7, n = -bytes_in, s = string(dst_port) | fields a, r, m, n, s`, "a,r,m,n,s\n3200,0.18,2,-5000,445\n"},
		{`events | where user contains "'); DROP" and host == 'a"b' | fields id`, "id\n22\n"},
		{`events | where command_line contains_cs "-ENC" | fields id`, "id\n"},
		{`events | where command_line contains "-ENC" | fields id`, "id\n9\n"},
		{`events | where process_path startswith 'c:\windows\' and process_path endswith "EXE" | fields id`, "id\n9\n10\n23\n"},
		{`events | where user != "alice" and category == "logon" | fields id`, "id\n5\n6\n7\n22\n8\n"},
		{`process | where user != "alice" | fields id`, "id\n10\n"},
		{`network | where not (user == "alice") | fields id`, "id\n12\n13\n14\n15\n16\n"},
		{`network | where src_ip in 10.0.0.4/31 | fields id`, "id\n12\n13\n15\n"},
		{`network | where src_ip in 10.0.0.0/29 and src_ip not in 10.0.0.4/31 | fields id`, "id\n14\n"},
		{`network | where src_ip in 10.0.0.0/30 | fields id`, "id\n"},
		{`network | where dst_ip in (0.0.0.0/0) | stats count()`, "count\n5\n"},
		{`network | where dst_ip in 8.8.8.8/32 or dst_ip == 10.0.0.5 | fields id`, "id\n12\n15\n16\n"},
		{`http | where url matches '(?i)union\s+select' | fields id`, "id\n19\n"},
		{`http | where url matches '\.\./' | fields id`, "id\n20\n"},
		{`logon | where user in~ ("carol", "BOB") | dedup user | fields user`, "user\nbob\nCAROL\n"},
		{`logon | where user =~ "Carol" | fields id`, "id\n8\n"},
		{`events | where time >= "2024-03-02" | fields id`, "id\n8\n"},
		{`logon | stats count() as n by outcome | sort n desc | head 1`, "outcome,n\nfailure,6\n"},
		{`events | where time >= ago(36500d) | stats count()`, "count\n23\n"},
		{`http | where url like "/index.php?id=1*" | fields id`, "id\n19\n"},
		{`http | where url like "/INDEX.PHP*" and url like_cs "/index.php*" and not url like_cs "/INDEX*" | fields id`, "id\n19\n"},
		{`http | where url like "%" or url like "_home" or url like "*100%*" | fields id`, "id\n"},
		{`http | where url like all ("*union*", "*select*", "/*") | fields id`, "id\n19\n"},
		{`events | where time >= ago(1h) or time < ago(3650d) | stats count()`, "count\n0\n"},
	}
	for _, tc := range cases {
		t.Run(tc.query, func(t *testing.T) {
			tb, _, err := s.QueryDSL(t.Context(), tc.query)
			if err != nil {
				t.Fatalf("%s", dsl.FormatError(tc.query, err))
			}
			got := string(csvRows(t, tb))
			if got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

// TestHuntCIDRMatchesNetip checks network membership against net/netip on random addresses
// and prefixes of every length. The store keeps addresses in canonical form (event.NormalizeIP
// turns anything else into no address), so besides IPv4 only IPv6 and empty values are mixed in.
func TestHuntCIDRMatchesNetip(t *testing.T) {
	s, err := Open(t.Context(), ":memory:", Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rng := rand.New(rand.NewPCG(1, 2))
	var addrs []netip.Addr
	for i := range 400 {
		// Cluster addresses so that prefixes of every length have members.
		b := [4]byte{[]byte{10, 172, 192, byte(rng.IntN(256))}[rng.IntN(4)], byte(rng.IntN(4) * 8), byte(rng.IntN(256)), byte(rng.IntN(256))}
		a := netip.AddrFrom4(b)
		addrs = append(addrs, a)
		if _, err := s.db.ExecContext(t.Context(), `INSERT INTO events (id, file_id, source, source_type, category, src_ip) VALUES (?, 1, 't', 't', 'network', ?)`, i+1, a.String()); err != nil {
			t.Fatal(err)
		}
	}
	for i, junk := range []string{"fe80::1", "::", "2001:db8::10:0:0:1", ""} {
		if _, err := s.db.ExecContext(t.Context(), `INSERT INTO events (id, file_id, source, source_type, category, src_ip) VALUES (?, 1, 't', 't', 'network', ?)`, 1000+i, junk); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 80 {
		bits := i % 33
		p := netip.PrefixFrom(addrs[rng.IntN(len(addrs))], bits).Masked()
		var want []string
		for j, a := range addrs {
			if p.Contains(a) {
				want = append(want, strconv.Itoa(j+1))
			}
		}
		q := "network | where src_ip in " + p.String() + " | sort id | fields id"
		tb, _, err := s.QueryDSL(t.Context(), q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		var got []string
		for _, r := range tb.Rows {
			got = append(got, fmt.Sprint(r[0]))
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("%s: got %d rows %v, want %d rows %v", q, len(got), got, len(want), want)
		}
	}
}
