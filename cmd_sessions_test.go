package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"trawl/internal/testutil"
)

// TestCLISessionsOpenSSH: the loghub OpenSSH log has exactly one successful login (fztu from
// 119.137.62.142, sshd pid 24680), opened and closed by pam: one ssh session of three events.
func TestCLISessionsOpenSSH(t *testing.T) {
	sample := testutil.Sample(t, "loghub/OpenSSH/OpenSSH_2k.log")
	db := filepath.Join(t.TempDir(), "t.duckdb")
	mustTrawl(t, "--db", db, "import", "--no-progress", sample)
	out, errs, code := trawl(t, "--db", db, "sessions", "--kind", "ssh", "-f", "json")
	if code != 0 {
		t.Fatalf("sessions: %d %s", code, errs)
	}
	rows := jsonLines(t, out)
	if len(rows) != 1 {
		t.Fatalf("want one ssh session, got %d:\n%s", len(rows), out)
	}
	s := rows[0]
	for k, want := range map[string]any{"kind": "ssh", "key": "24680", "host": "LabSZ", "user": "fztu", "src_ip": "119.137.62.142", "events": float64(3), "closed": true} {
		if s[k] != want {
			t.Errorf("session %s = %v, want %v", k, s[k], want)
		}
	}
	id := fmt.Sprint(s["id"])

	out, _, code = trawl(t, "--db", db, "sessions", "--show", id, "-f", "csv")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 4 {
		t.Fatalf("sessions --show %s: %d\n%s", id, code, out)
	}
	for i, want := range []string{"Accepted password for fztu", "session opened for user fztu", "session closed for user fztu"} {
		if !strings.Contains(lines[i+1], want) || !strings.HasSuffix(lines[i+1], ",authentication") {
			t.Errorf("event %d: %s; want %q in the authentication phase", i+1, lines[i+1], want)
		}
	}

	// The session of the first event is the same one; an event outside any session has none.
	out, _, code = trawl(t, "--db", db, "sessions", "--event", id, "-f", "json")
	if code != 0 || !strings.Contains(out, `"user":"fztu"`) {
		t.Errorf("sessions --event %s: %d %s", id, code, out)
	}
	if _, errs, code := trawl(t, "--db", db, "sessions", "--event", "1"); code != 1 || !strings.Contains(errs, "belongs to no session") {
		t.Errorf("sessions --event 1: %d %s", code, errs)
	}
	out, _, _ = trawl(t, "--db", db, "sessions", "--entity", "ip=119.137.62.142", "-f", "csv")
	if strings.Count(out, "\n") != 2 {
		t.Errorf("sessions --entity ip=119.137.62.142:\n%s", out)
	}
	if _, _, code := trawl(t, "--db", db, "sessions", "--entity", "nonsense"); code != 2 {
		t.Errorf("bad --entity: exit %d, want 2", code)
	}

	// features rebuild recomputes every event and the sessions.
	out, errs, code = trawl(t, "--db", db, "features", "rebuild", "-f", "json")
	if code != 0 {
		t.Fatalf("features rebuild: %d %s", code, errs)
	}
	fr := jsonLines(t, out)
	if len(fr) != 1 || fr[0]["events"] != float64(2000) || fr[0]["sessions"] != float64(1) {
		t.Errorf("features rebuild: %s", out)
	}
	out, _, _ = trawl(t, "--db", db, "features", "update", "-f", "json")
	if fr := jsonLines(t, out); len(fr) != 1 || fr[0]["events"] != float64(0) {
		t.Errorf("features update after rebuild: %s", out)
	}
}
