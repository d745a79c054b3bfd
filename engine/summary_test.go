package engine

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"trawl/event"
	"trawl/generate"
)

// summaryContent is the summary tables' facts, rows of one combination summed (imports add a
// row each), as text to compare.
func summaryContent(t *testing.T, s *Store) string {
	t.Helper()
	return rowsText(t, s,
		`SELECT * EXCLUDE (events, first, last), sum(events), min(first), max(last) FROM entity_activity GROUP BY ALL ORDER BY ALL`,
		`SELECT * EXCLUDE (events), sum(events) FROM entity_related GROUP BY ALL ORDER BY ALL`,
		`SELECT * EXCLUDE (events, first, last), sum(events), min(first), max(last) FROM entity_user_pairs GROUP BY ALL ORDER BY ALL`,
		`SELECT * FROM entity_summary_state`)
}

// rowsText is the rows of each query as a line of JSON, as text to compare.
func rowsText(t *testing.T, s *Store, queries ...string) string {
	t.Helper()
	var b strings.Builder
	for _, q := range queries {
		tb, err := s.Query(t.Context(), q)
		if err != nil {
			t.Fatal(err)
		}
		out, _ := json.Marshal(tb.Rows)
		b.Write(out)
		b.WriteByte('\n')
	}
	return b.String()
}

// TestEntitySummaryIncremental imports a generated company in three imports. After each, the
// summary kept up import by import holds the same facts as one computed again from all the
// events, and so does the backfill of migrations 012 and 014; profiles read from it are the profiles read
// from the events, for the busiest and quietest entities of every kind.
func TestEntitySummaryIncremental(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and imports 20,000 records")
	}
	dir := t.TempDir()
	if _, err := generate.Run(t.Context(), generate.Config{Scenarios: []string{"all"}, Events: 20000, Seed: 3,
		Start: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), Days: 5}, generate.DirOpener(filepath.Join(dir, "logs"))); err != nil {
		t.Fatal(err)
	}
	var files []string
	filepath.WalkDir(filepath.Join(dir, "logs"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !strings.HasSuffix(p, generate.TruthFile) {
			files = append(files, p)
		}
		return nil
	})
	slices.Sort(files)
	if len(files) < 3 {
		t.Fatalf("files: %v", files)
	}
	db := filepath.Join(dir, "store.duckdb")
	s, err := Open(t.Context(), db, Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { s.Close() }()
	third := len(files) / 3
	for step, group := range [][]string{files[:third], files[third : 2*third], files[2*third:]} {
		for _, r := range s.ImportFiles(t.Context(), group, ImportOptions{}) {
			if r.Err != nil {
				t.Fatalf("%s: %v", r.File, r.Err)
			}
		}
		if !s.summaryCovers(t.Context()) {
			t.Fatalf("import %d: the summary does not cover the events", step+1)
		}
		if _, related := s.summaryState(t.Context()); !related {
			t.Fatalf("import %d: the summary left out related entities", step+1)
		}
		if n := count(t, s, `SELECT sum(events) FROM entity_summary_state`); n != count(t, s, `SELECT count(*) FROM events`) {
			t.Fatalf("import %d: summary of %d events", step+1, n)
		}
		incremental := summaryContent(t, s)
		checkProfilesFromSummary(t, s)
		st, err := s.RebuildEntitySummary(t.Context())
		if err != nil || !st.Rebuilt {
			t.Fatalf("rebuild: %+v, %v", st, err)
		}
		if full := summaryContent(t, s); full != incremental {
			t.Fatalf("import %d: incremental summary differs from a full one:\n%s\nfull:\n%s", step+1, incremental, full)
		}
		if st, err := s.UpdateEntitySummary(t.Context()); err != nil || st.Events != 0 || st.Rebuilt {
			t.Fatalf("update with nothing new: %+v, %v", st, err)
		}
	}
	// The migration's backfill of a store made before it.
	want := summaryContent(t, s)
	for _, q := range []string{`DROP TABLE entity_activity`, `DROP TABLE entity_related`, `DROP TABLE entity_user_pairs`, `DROP TABLE entity_summary_state`,
		`DELETE FROM schema_migrations WHERE version IN (12, 14)`} {
		if _, err := s.db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	if s, err = Open(t.Context(), db, Options{Threads: 1}); err != nil {
		t.Fatal(err)
	}
	if got := summaryContent(t, s); got != want {
		t.Fatalf("backfill differs from the summary kept up:\n%s\nwant:\n%s", got, want)
	}
}

// checkProfilesFromSummary compares profiles read through the summary with profiles read from
// the events (the summary set aside), for entities of every kind and the users named in users.
func checkProfilesFromSummary(t *testing.T, s *Store, users ...string) {
	t.Helper()
	top, err := s.Query(t.Context(), `SELECT kind, value FROM entities WHERE kind IN ('user', 'host', 'ip', 'process', 'domain', 'hash')
		QUALIFY row_number() OVER (PARTITION BY kind ORDER BY events DESC, value) IN (1, 4) OR row_number() OVER (PARTITION BY kind ORDER BY events, value) = 1
		ORDER BY kind, value`)
	if err != nil {
		t.Fatal(err)
	}
	if len(top.Rows) < 3 {
		t.Fatalf("entities: %v", top.Rows)
	}
	for _, u := range users {
		top.Rows = append(top.Rows, []any{"user", u})
	}
	opt := EntityProfileOptions{Related: 4, Days: 10, Limit: 5}
	profiles := func() []string {
		var out []string
		for _, r := range top.Rows {
			kind, _ := event.ParseEntity(text(r[0]))
			p, err := s.EntityProfile(t.Context(), kind, text(r[1]), opt)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := json.MarshalIndent(p, "", " ")
			out = append(out, string(b))
		}
		return out
	}
	got := profiles()
	if _, err := s.db.Exec(`UPDATE entity_summary_state SET max_id = -1`); err != nil {
		t.Fatal(err)
	}
	if s.summaryCovers(t.Context()) {
		t.Fatal("a summary behind the events is used")
	}
	want := profiles()
	if _, err := s.db.Exec(`UPDATE entity_summary_state SET max_id = (SELECT max(id) FROM events)`); err != nil {
		t.Fatal(err)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("%v: profile from the summary:\n%s\nfrom the events:\n%s", top.Rows[i], got[i], want[i])
		}
	}
}

// TestEntitySummaryWithoutRelated: on events whose entity values combine freely (every event a
// new combination) the summary keeps no related rows and says so; profiles count related
// entities over the events and are the same as without the summary, and the state stays so for
// later imports (which would otherwise add related rows for part of the events) until a rebuild
// decides again.
func TestEntitySummaryWithoutRelated(t *testing.T) {
	s, err := Open(t.Context(), filepath.Join(t.TempDir(), "store.duckdb"), Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	add := func(file, from, n int) {
		t.Helper()
		if _, err := s.db.Exec(`INSERT INTO files (id, path, fingerprint, format, source, events, rejects, imported_at, status)
			VALUES (?, 'f', ?, 'kv', 'kv', ?, 0, now(), 'done')`, file, fmt.Sprint("fp", file), n); err != nil {
			t.Fatal(err)
		}
		if _, err := s.db.Exec(`INSERT INTO events (id, file_id, source, source_type, time, user_key, target_user_key, host_key, src_ip, dst_ip)
			SELECT i, ?, 'kv', 'kv', TIMESTAMP '2026-03-02 00:00:00' + to_seconds(i * 7), 'u' || (i % 7), CASE WHEN i % 3 > 0 THEN 'u' || (i % 5) END, 'h' || (i % 5),
				'10.' || (i // 65536) % 256 || '.' || (i // 256) % 256 || '.' || i % 256, '192.168.0.' || (i % 3)
			FROM range(?, ?) r(i)`, file, from, from+n); err != nil {
			t.Fatal(err)
		}
		if _, err := s.UpdateEntitySummary(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	check := func(step string) {
		t.Helper()
		covers, related := s.summaryState(t.Context())
		if !covers || related {
			t.Fatalf("%s: covers %v, related %v; want the summary without related rows", step, covers, related)
		}
		if n := count(t, s, `SELECT count(*) FROM entity_related`); n != 0 {
			t.Fatalf("%s: %d related rows", step, n)
		}
		if n := count(t, s, `SELECT sum(events) FROM entity_activity WHERE kind = 'host'`); n != count(t, s, `SELECT count(*) FROM events`) {
			t.Fatalf("%s: activity of %d host events", step, n)
		}
		// u1's identity has the keys u1, u2 and u3: an event naming two of them counts once.
		if n := count(t, s, `SELECT count(*) FROM events WHERE user_key IN ('u1', 'u2', 'u3') AND target_user_key IN ('u1', 'u2', 'u3') AND user_key <> target_user_key`); n == 0 {
			t.Fatalf("%s: no event names two keys of an identity", step)
		}
		checkProfilesFromSummary(t, s, "u1", "u4")
	}
	for _, k := range []string{"u1", "u2", "u3"} {
		if _, err := s.db.Exec(`INSERT INTO identity_aliases VALUES (?, 'x', ?)`, k, k); err != nil {
			t.Fatal(err)
		}
	}
	add(1, 1, 60000)
	check("first import")
	add(2, 60001, 1000) // small enough to keep related rows on its own
	check("second import")
	if st, err := s.RebuildEntitySummary(t.Context()); err != nil || !st.Rebuilt || st.Events != 61000 {
		t.Fatalf("rebuild: %+v, %v", st, err)
	}
	check("rebuild")
}
