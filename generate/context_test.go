package generate

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"trawl/engine"
	"trawl/event"
	"trawl/inventory"
)

// loadContext writes the context files of fs to a folder and loads them through the importer
// `trawl context import` uses (engine.Store.ImportContext), failing on any reject.
func loadContext(t *testing.T, fs *memFS) *engine.Store {
	t.Helper()
	dir := t.TempDir()
	st, err := engine.Open(t.Context(), ":memory:", engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	for _, f := range []struct {
		name string
		kind inventory.Kind
		rows int64
	}{{AssetsFile, inventory.Assets, 30 + 6 + 5 + 1 + int64(len(networks))}, {IdentitiesFile, inventory.Identities, 40 + 3}} {
		b, ok := fs.files[f.name]
		if !ok {
			t.Fatalf("%s was not written (files: %v)", f.name, fs.names())
		}
		path := filepath.Join(dir, f.name)
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		res, err := st.ImportContext(t.Context(), path, "") // the kind told by the columns
		if err != nil {
			t.Fatalf("%s: %v", f.name, err)
		}
		for _, r := range res.Rejects {
			t.Errorf("%s: reject %v", f.name, r)
		}
		if res.Kind != f.kind || res.Format != "csv" || res.Rows != f.rows {
			t.Errorf("%s read as %s %s with %d rows, want %s csv with %d", f.name, res.Kind, res.Format, res.Rows, f.kind, f.rows)
		}
	}
	return st
}

func entityContext(t *testing.T, st *engine.Store, kind event.Entity, value string) *engine.EntityContext {
	t.Helper()
	ec, err := st.EntityContext(t.Context(), kind, value)
	if err != nil {
		t.Fatalf("%s=%s: %v", kind, value, err)
	}
	return ec
}

// TestContextMatchesWorld: WriteContext writes an assets and an identities file that load
// with no reject and describe the simulated company: every host by name, FQDN and address
// (the domain controller criticality 5, servers at least 3, workstations 2 owned by their
// user, the web server internet-facing), its networks, every employee under the spellings
// the logs use (ACME\name, name@ACME.LOCAL, the SID), admins privileged, the service accounts
// marked, and the insider of insider-exfil leaving on the day the log shows her account
// disabled (4725).
func TestContextMatchesWorld(t *testing.T) {
	fs, sum := generateMem(t, Config{Events: 5000, Seed: 3})
	if _, ok := fs.files[AssetsFile]; ok {
		t.Fatal("Run wrote the context itself: callers that walk its output folder would take it for logs")
	}
	if err := WriteContext(fs.open, sum); err != nil {
		t.Fatal(err)
	}
	st := loadContext(t, fs)
	w := newWorld()

	for _, h := range w.allHosts() {
		for _, ref := range []struct {
			kind  event.Entity
			value string
		}{{event.EntityHost, h.Name}, {event.EntityHost, h.FQDN()}, {event.EntityIP, h.IP}} {
			// A name resolves to its row; an address to its row, then the network it is in.
			ec := entityContext(t, st, ref.kind, ref.value)
			n := 1
			if ref.kind == event.EntityIP {
				n = 2
			}
			if len(ec.Assets) != n || ec.Assets[0].Key != strings.ToLower(h.Name) || n == 2 && ec.Assets[1].MatchedBy != "cidr" {
				t.Errorf("%s=%s resolves to %+v, want asset %s (and then its network)", ref.kind, ref.value, ec.Assets, h.Name)
				continue
			}
			a := ec.Assets[0]
			want := 3
			switch {
			case h.Kind == domainController, h == w.sqlServer:
				want = 5
			case h == w.fileServer, h.Name == "db01":
				want = 4
			case h.Kind == workstation:
				want = 2
			}
			if a.Criticality != want {
				t.Errorf("%s has criticality %d, want %d", h.Name, a.Criticality, want)
			}
			if h.Kind == domainController && a.Criticality != 5 {
				t.Errorf("domain controller %s is not criticality 5", h.Name)
			}
			if a.InternetFacing != (inventory.Bool{V: h.Exposed, OK: true}) {
				t.Errorf("%s internet_facing %+v, want %v", h.Name, a.InternetFacing, h.Exposed)
			}
			if h == w.web && (!a.InternetFacing.V || a.Environment != "dmz") {
				t.Errorf("the web server is %+v, want internet-facing in the dmz", a)
			}
		}
	}
	for _, u := range w.users {
		if u.WS != nil {
			if a := entityContext(t, st, event.EntityHost, u.WS.Name).Assets; len(a) != 1 || a[0].Owner != u.Name {
				t.Errorf("%s: owner %+v, want %s", u.WS.Name, a, u.Name)
			}
		}
	}
	// The VPN pool the admins come from, the office's egress and the web site's public address.
	for ip, want := range map[string]string{"10.10.40.27": "10.10.40.0/24", natIP: natIP, webPublicIP: "web01"} {
		if a := entityContext(t, st, event.EntityIP, ip).Assets; len(a) == 0 || a[0].Key != want {
			t.Errorf("ip=%s resolves to %+v, want %s", ip, a, want)
		}
	}

	insider := w.users[insiderIndex].Name
	disabled := disableDate(t, fs, insider)
	for _, u := range w.users {
		for _, alias := range []string{u.Name, domainNetBIOS + `\` + u.Name, u.Name + "@" + strings.ToUpper(domainFQDN), u.SID()} {
			ec := entityContext(t, st, event.EntityUser, alias)
			if ec.Identity == nil || ec.Identity.User != u.Name {
				t.Errorf("user=%s resolves to %+v, want %s", alias, ec.Identity, u.Name)
			}
		}
		id := entityContext(t, st, event.EntityUser, u.Name).Identity
		if id == nil {
			continue
		}
		if id.DisplayName != u.Full || id.Department == "" || id.Role == "" || id.Privileged != (inventory.Bool{V: u.Admin, OK: true}) ||
			id.ServiceAccount != (inventory.Bool{V: false, OK: true}) {
			t.Errorf("%s: %+v", u.Name, id)
		}
		if u.Name == insider {
			if id.Status != "leaving" || !id.LeaveDate.Equal(disabled) {
				t.Errorf("the insider %s: status %q leave date %s, want leaving on %s (her account is disabled that day)", u.Name, id.Status, id.LeaveDate, disabled)
			}
		} else if id.Status != "active" {
			t.Errorf("%s: status %q, want active", u.Name, id.Status)
		}
	}
	for _, name := range []string{"deploy", "ci-deploy"} {
		if id := entityContext(t, st, event.EntityUser, name).Identity; id == nil || !id.ServiceAccount.V {
			t.Errorf("%s is not a service account: %+v", name, id)
		}
	}
	if id := entityContext(t, st, event.EntityUser, `ACME\Administrator`).Identity; id == nil || !id.Privileged.V {
		t.Errorf("the built-in Administrator is not privileged: %+v", id)
	}
}

// disableDate is the day (UTC midnight) of the Security 4725 record disabling user, read from
// the generated log.
func disableDate(t *testing.T, fs *memFS, user string) time.Time {
	t.Helper()
	for _, line := range fs.lines(SecurityLog) {
		if !strings.Contains(line, `"EventID":4725`) {
			continue
		}
		var rec struct {
			Timestamp      time.Time `json:"@timestamp"`
			TargetUserName string
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatal(err)
		}
		if rec.TargetUserName == user {
			return rec.Timestamp.UTC().Truncate(24 * time.Hour)
		}
	}
	t.Fatalf("no 4725 for %s in %s", user, SecurityLog)
	return time.Time{}
}

// TestContextWithoutInsider: without insider-exfil nobody is leaving; the assets do not depend
// on the seed, and writing the context leaves the logs as they were.
func TestContextWithoutInsider(t *testing.T) {
	a, sumA := generateMem(t, Config{Events: 2000, Seed: 1, Scenarios: []string{"none"}})
	b, sumB := generateMem(t, Config{Events: 2000, Seed: 2})
	before := map[string][]byte{}
	for n, buf := range a.files {
		before[n] = bytes.Clone(buf.Bytes())
	}
	for _, x := range []struct {
		fs  *memFS
		sum *Summary
	}{{a, sumA}, {b, sumB}} {
		if err := WriteContext(x.fs.open, x.sum); err != nil {
			t.Fatal(err)
		}
	}
	for n, data := range before {
		if !bytes.Equal(a.files[n].Bytes(), data) {
			t.Errorf("%s changed when the context was written", n)
		}
	}
	if !bytes.Equal(a.files[AssetsFile].Bytes(), b.files[AssetsFile].Bytes()) {
		t.Error("the assets depend on the seed or scenarios")
	}
	if strings.Contains(a.files[IdentitiesFile].String(), "leaving") {
		t.Error("someone is leaving without the insider-exfil scenario")
	}
	if !strings.Contains(b.files[IdentitiesFile].String(), "leaving on ") {
		t.Error("nobody is leaving with the insider-exfil scenario")
	}
	loadContext(t, a)
}
