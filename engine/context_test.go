package engine

import (
	"fmt"
	"math/big"
	"math/rand/v2"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"trawl/event"
	"trawl/inventory"
)

func importContext(t *testing.T, st *Store, path string, kind inventory.Kind) ContextResult {
	t.Helper()
	res, err := st.ImportContext(t.Context(), path, kind)
	if err != nil {
		t.Fatalf("ImportContext(%s): %v", path, err)
	}
	return res
}

func rejectLines(rs []inventory.Reject) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.String())
	}
	return out
}

// assetNames renders an entity's assets as "key by matched".
func assetNames(ec *EntityContext) []string {
	var out []string
	for _, a := range ec.Assets {
		out = append(out, fmt.Sprintf("%s by %s %s", a.Key, a.MatchedBy, a.Matched))
	}
	return out
}

func TestContextAssets(t *testing.T) {
	st, _ := openTemp(t)
	res := importContext(t, st, filepath.Join("..", "inventory", "testdata", "assets.csv"), "")
	if res.Kind != inventory.Assets || res.Rows != 6 || len(res.Rejects) != 4 {
		t.Fatalf("result %+v, rejects %v", res, rejectLines(res.Rejects))
	}
	for _, tc := range []struct {
		kind  event.Entity
		value string
		want  []string
	}{
		{event.EntityIP, "10.30.1.42", []string{"ws042 by ip 10.30.1.42", "10.30.0.0/16 by cidr 10.30.0.0/16"}},
		{event.EntityIP, "10.30.255.255", []string{"10.30.0.0/16 by cidr 10.30.0.0/16"}},
		{event.EntityIP, "10.31.0.0", nil},
		{event.EntityIP, "203.0.113.10", []string{"web01 by ip 203.0.113.10", "dmz by cidr 203.0.113.0/24"}},
		{event.EntityIP, "::ffff:203.0.113.200", []string{"dmz by cidr 203.0.113.0/24"}},
		{event.EntityIP, "2001:DB8:10:ffff::1", []string{"2001:db8:10::/48 by cidr 2001:db8:10::/48"}},
		{event.EntityIP, "2001:db8:11::1", nil},
		{event.EntityIP, "8.8.8.8", nil},
		{event.EntityHost, "WS042.corp.example", []string{"ws042 by host ws042"}},
		{event.EntityHost, "dc01", []string{"dc01 by host dc01"}},
		{event.EntityHost, "10.10.0.10", []string{"dc01 by ip 10.10.0.10"}},
		{event.EntityHost, "nosuchhost", nil},
	} {
		ec, err := st.EntityContext(t.Context(), tc.kind, tc.value)
		if err != nil {
			t.Fatalf("%s=%s: %v", tc.kind, tc.value, err)
		}
		if diff := cmp.Diff(tc.want, assetNames(ec)); diff != "" {
			t.Errorf("%s=%s (-want +got):\n%s", tc.kind, tc.value, diff)
		}
	}
	ec, err := st.EntityContext(t.Context(), event.EntityHost, "web01")
	if err != nil || len(ec.Assets) != 1 {
		t.Fatalf("web01: %v %v", ec, err)
	}
	web := ec.Assets[0].Asset
	want := inventory.Asset{Key: "web01", Name: "web01", Addresses: []string{"10.20.0.5", "203.0.113.10"}, Owner: "web-team@corp.example",
		Criticality: 4, Environment: "prod", InternetFacing: inventory.Bool{V: true, OK: true},
		Vulnerabilities: []string{"CVE-2021-44228", "CVE-2023-44487"}, Extra: map[string]any{"os": "Ubuntu 22.04"}, Line: 3}
	if diff := cmp.Diff(want, web); diff != "" {
		t.Errorf("web01 (-want +got):\n%s", diff)
	}

	// asset_matches resolves every event's host and addresses.
	for i, ev := range []struct{ host, src, dst string }{
		{"ws042", "10.30.1.42", "203.0.113.10"},
		{"10.10.0.10", "10.30.7.7", "8.8.8.8"},
	} {
		if _, err := st.db.ExecContext(t.Context(), `INSERT INTO events (id, file_id, source, source_type, host, host_key, src_ip, dst_ip) VALUES (?, 1, 't', 't', ?, ?, ?, ?)`,
			i+1, ev.host, event.HostKey(ev.host), ev.src, ev.dst); err != nil {
			t.Fatal(err)
		}
	}
	tb, err := st.Query(t.Context(), `SELECT event_id, field, matched_by, matched_value, asset_key, criticality FROM asset_matches ORDER BY ALL`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range tb.Rows {
		got = append(got, strings.TrimSpace(fmt.Sprintln(r...)))
	}
	wantRows := []string{
		"1 dst_ip ip 203.0.113.10 web01 4",
		"1 host host ws042 ws042 2",
		"1 src_ip ip 10.30.1.42 ws042 2",
		"2 host ip 10.10.0.10 dc01 5",
		"2 src_ip cidr 10.30.0.0/16 10.30.0.0/16 2",
	}
	if diff := cmp.Diff(wantRows, got); diff != "" {
		t.Errorf("asset_matches (-want +got):\n%s", diff)
	}
}

func TestContextIdentities(t *testing.T) {
	st, _ := openTemp(t)
	res := importContext(t, st, filepath.Join("..", "inventory", "testdata", "identities.json"), "")
	if res.Kind != inventory.Identities || res.Rows != 4 || len(res.Rejects) != 3 {
		t.Fatalf("result %+v, rejects %v", res, rejectLines(res.Rejects))
	}
	resolve := func(user string) string {
		t.Helper()
		ec, err := st.EntityContext(t.Context(), event.EntityUser, user)
		if err != nil {
			t.Fatal(err)
		}
		if ec.Identity == nil {
			return ""
		}
		return ec.Identity.Key + " via " + ec.Alias
	}
	for user, want := range map[string]string{
		"alice":                     "alice via alice",
		"CORP\\aarcher":             "alice via CORP\\aarcher",
		"aarcher@corp.example":      "alice via CORP\\aarcher",
		"alice.archer@corp.example": "alice via alice.archer@corp.example",
		"S-1-5-21-1004336348-1177238915-682003330-1104": "alice via S-1-5-21-1004336348-1177238915-682003330-1104",
		"bob.admin":  "bob via bob.admin",
		"CORP\\BOB":  "bob via CORP\\Bob",
		"svc_backup": "svc_backup via svc_backup",
		"nobody":     "",
	} {
		if got := resolve(user); got != want {
			t.Errorf("user=%s resolves to %q, want %q", user, got, want)
		}
	}
	ec, _ := st.EntityContext(t.Context(), event.EntityUser, "alice")
	id := ec.Identity
	if id.Status != "leaving" || id.LeaveDate.Format("2006-01-02") != "2026-12-15" || !id.MFA.V || !id.MFA.OK || id.Privileged.V || id.Department != "Finance" || id.Manager != "carol" {
		t.Errorf("alice = %+v", id)
	}

	// A second file: zed takes the alias bob.admin; a repeated user and a shared alias within
	// the file are rejected; alice is replaced (her old aliases go).
	dir := t.TempDir()
	p := writeFile(t, dir, "more.csv", "user,aliases,department\nzed,bob.admin,IT\nzed,,IT\nyan,zed,Sales\nalice,a.new,Finance\n")
	res = importContext(t, st, p, inventory.Identities)
	wantRejects := []string{
		"line 3: field user: identity zed is listed again (first on line 2)",
		"line 4: field aliases: alias zed already belongs to identity zed (line 2)",
	}
	if diff := cmp.Diff(wantRejects, rejectLines(res.Rejects)); diff != "" {
		t.Errorf("rejects (-want +got):\n%s", diff)
	}
	for user, want := range map[string]string{"bob.admin": "zed via bob.admin", "bob": "bob via CORP\\Bob", "aarcher": "", "a.new": "alice via a.new"} {
		if got := resolve(user); got != want {
			t.Errorf("after re-import user=%s resolves to %q, want %q", user, got, want)
		}
	}
	if n := count(t, st, `SELECT count(*) FROM identities`); n != 5 {
		t.Errorf("%d identities, want 5 (alice, bob, svc_backup, carol, zed)", n)
	}

	// Events resolve through the view.
	if _, err := st.db.ExecContext(t.Context(), `INSERT INTO events (id, file_id, source, source_type, "user", user_key) VALUES (1, 1, 't', 't', 'CORP\BOB', 'bob'), (2, 1, 't', 't', 'bob.admin', 'bob.admin')`); err != nil {
		t.Fatal(err)
	}
	tb, err := st.Query(t.Context(), `SELECT e.id, u.identity, u.privileged FROM events e JOIN user_identities u ON u.user_key = e.user_key ORDER BY e.id`)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(tb.Rows); got != "[[1 bob true] [2 zed <nil>]]" {
		t.Errorf("user_identities join = %s", got)
	}
}

func TestContextKindUnknown(t *testing.T) {
	st, _ := openTemp(t)
	p := writeFile(t, t.TempDir(), "x.csv", "name,notes\nfoo,bar\n")
	if _, err := st.ImportContext(t.Context(), p, ""); err == nil || !strings.Contains(err.Error(), "pass --kind") {
		t.Errorf("err = %v", err)
	}
	if n := count(t, st, `SELECT count(*) FROM assets`) + count(t, st, `SELECT count(*) FROM identities`); n != 0 {
		t.Errorf("%d rows stored from a refused file", n)
	}
}

func TestParseEntityRef(t *testing.T) {
	for _, tc := range []struct {
		in   string
		kind event.Entity
		val  string
		err  bool
	}{
		{"user=CORP\\alice", event.EntityUser, "CORP\\alice", false},
		{"IP = 10.0.0.1", event.EntityIP, "10.0.0.1", false},
		{"host=", 0, "", true},
		{"planet=earth", 0, "", true},
		{"alice", 0, "", true},
	} {
		k, v, err := ParseEntityRef(tc.in)
		if (err != nil) != tc.err || k != tc.kind || v != tc.val {
			t.Errorf("ParseEntityRef(%q) = %v %q %v", tc.in, k, v, err)
		}
	}
}

// TestIPNumMatchesNetip checks the SQL address arithmetic (trawl_ip_num, trawl_net_lo/hi/of)
// against net/netip on random IPv4 and IPv6 addresses and networks.
func TestIPNumMatchesNetip(t *testing.T) {
	st, err := Open(t.Context(), ":memory:", Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rng := rand.New(rand.NewPCG(3, 4))
	num := func(a netip.Addr) *big.Int {
		b := a.As16()
		return new(big.Int).SetBytes(b[:])
	}
	for i := range 300 {
		var a netip.Addr
		if i%2 == 0 {
			a = netip.AddrFrom4([4]byte{byte(rng.IntN(256)), byte(rng.IntN(256)), byte(rng.IntN(256)), byte(rng.IntN(256))})
		} else {
			var b [16]byte
			for j := range b {
				if rng.IntN(3) > 0 { // runs of zero groups, so that :: appears
					b[j] = byte(rng.IntN(256))
				}
			}
			a = netip.AddrFrom16(b).Unmap()
		}
		bits := rng.IntN(a.BitLen() + 1)
		p := netip.PrefixFrom(a, bits).Masked()
		var got [4]string
		if err := st.db.QueryRowContext(t.Context(), `SELECT trawl_ip_num($1)::VARCHAR, trawl_net_lo($2)::VARCHAR, trawl_net_hi($2)::VARCHAR,
			trawl_net_of(trawl_ip_num($1), trawl_net_bits($2))::VARCHAR`, a.String(), p.String()).Scan(&got[0], &got[1], &got[2], &got[3]); err != nil {
			t.Fatalf("%s %s: %v", a, p, err)
		}
		lo := num(p.Addr())
		size := new(big.Int).Lsh(big.NewInt(1), uint(p.Addr().BitLen()-bits))
		hi := new(big.Int).Sub(new(big.Int).Add(lo, size), big.NewInt(1))
		want := [4]string{num(a).String(), lo.String(), hi.String(), lo.String()}
		if got != want {
			t.Fatalf("%s in %s: SQL %v, netip %v", a, p, got, want)
		}
	}
	for _, bad := range []string{"", "1.2.3", "256.0.0.1", "1::2::3", "g::1", "1:2:3:4:5:6:7:8:9", "10.0.0.1 ", "::ffff:1.2.3.4"} {
		var got *string
		if err := st.db.QueryRowContext(t.Context(), `SELECT trawl_ip_num(?)::VARCHAR`, bad).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != nil {
			t.Errorf("trawl_ip_num(%q) = %s, want NULL", bad, *got)
		}
	}
}
