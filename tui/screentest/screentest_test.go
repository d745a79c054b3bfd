package screentest

import (
	"testing"
)

func TestMain(m *testing.M) { Main(m) }

func TestStore(t *testing.T) {
	st := Store(t)
	tb, err := st.Query(t.Context(), `SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM events WHERE host = ?), (SELECT count(*) FROM alerts), (SELECT count(*) FROM rejects)`, HostileHost)
	if err != nil {
		t.Fatal(err)
	}
	row := tb.Rows[0]
	t.Logf("events %v hostile %v alerts %v rejects %v", row[0], row[1], row[2], row[3])
	if row[0].(int64) < 3000 || row[1].(int64) != 3 || row[2].(int64) == 0 || row[3].(int64) != 0 {
		t.Errorf("events, hostile events, alerts, rejects = %v, want >= 3000, 3, > 0, 0", row)
	}
}

func TestKey(t *testing.T) {
	for _, name := range []string{"a", "enter", "ctrl+r", "up", "pgdown", "G", "ctrl+s", "esc", "tab"} {
		if got := Key(name).String(); got != name {
			t.Errorf("Key(%q).String() = %q", name, got)
		}
	}
}

func TestKeys(t *testing.T) {
	got := Keys("j", "ctrl+r", "enter")
	if len(got) != 3 {
		t.Fatalf("Keys gave %d messages, want 3", len(got))
	}
	for i, name := range []string{"j", "ctrl+r", "enter"} {
		if got[i] != Key(name) {
			t.Errorf("Keys(...)[%d] = %v, want Key(%q)", i, got[i], name)
		}
	}
}
