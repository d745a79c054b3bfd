package engine

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
)

// TestOpenReadOnlyUpgradesOldStore: a store whose newest migration is missing (as one made by an
// older trawl) refuses a plain read-only open with ErrNeedsMigration; OpenReadOnly brings it up to
// date once, saying so, keeps its events, and opens it read-only.
func TestOpenReadOnlyUpgradesOldStore(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.duckdb")
	st, err := Open(ctx, path, Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	var latest int
	if err := st.db.QueryRow(`SELECT max(version) FROM schema_migrations`).Scan(&latest); err != nil {
		t.Fatal(err)
	}
	if _, err := st.db.Exec(`INSERT INTO files (id, path, fingerprint, size, format, source, events, rejects, imported_at, status) VALUES (1, 'x.log', 'fp', 1, 'kv', 'kv', 1, 0, now(), 'done')`); err != nil {
		t.Fatal(err)
	}
	if _, err := st.db.Exec(`INSERT INTO events (id, file_id, source, source_type) VALUES (1, 1, 'kv', 'kv')`); err != nil {
		t.Fatal(err)
	}
	// forget the newest migration; applying it again must work on its own (its tables gone)
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	last := ms[len(ms)-1]
	if last.version != latest {
		t.Fatalf("newest migration %d, store at %d", last.version, latest)
	}
	if _, err := st.db.Exec(`DELETE FROM schema_migrations WHERE version = ?`, latest); err != nil {
		t.Fatal(err)
	}
	if _, err := st.db.Exec(`DROP TABLE entity_activity`); err != nil {
		t.Fatalf("the test expects migration %s to make entity_activity: %v", last.name, err)
	}
	st.Close()

	if _, err := Open(ctx, path, Options{ReadOnly: true}); !errors.Is(err, ErrNeedsMigration) {
		t.Fatalf("read-only open of an old store: %v, want ErrNeedsMigration", err)
	}
	said := 0
	ro, err := OpenReadOnly(ctx, path, Options{Threads: 1}, func() { said++ })
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if said != 1 {
		t.Errorf("upgrading was called %d times, want once", said)
	}
	if !ro.ReadOnly() {
		t.Error("OpenReadOnly gave a writable store")
	}
	if n := count(t, ro, `SELECT count(*) FROM events`); n != 1 {
		t.Errorf("events after the upgrade: %d, want 1", n)
	}
	if n := count(t, ro, `SELECT count(*) FROM schema_migrations WHERE version = ?`, latest); n != 1 {
		t.Error("the newest migration was not applied")
	}
	// an up-to-date store opens without upgrading
	ro2, err := OpenReadOnly(ctx, path, Options{Threads: 1}, func() { said++ })
	if err != nil {
		t.Fatal(err)
	}
	ro2.Close()
	if said != 1 {
		t.Error("an up-to-date store was upgraded again")
	}
}

// TestOpenDropsLeftoverScanTables: the working tables of a Sigma hunt that was killed are gone
// after the next writable open; other tables stay.
func TestOpenDropsLeftoverScanTables(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "s.duckdb")
	st, err := Open(ctx, path, Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`CREATE TABLE trawl_shared_paths_7 (id BIGINT)`,
		`CREATE TABLE trawl_shared_hits_7 (r INTEGER)`,
		`CREATE TABLE trawl_sharedx (id BIGINT)`, // not a scan table: no underscore after shared
		`CREATE TABLE my_notes (id BIGINT)`,
	} {
		if _, err := st.db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	ro, err := Open(ctx, path, Options{Threads: 1, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if n := count(t, ro, `SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE 'trawl_shared_%'`); n != 3 {
		t.Errorf("a read-only open dropped tables: %d left of 3", n)
	}
	ro.Close()
	st, err = Open(ctx, path, Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var names string
	if err := st.db.QueryRow(`SELECT string_agg(table_name, ',' ORDER BY table_name) FROM duckdb_tables() WHERE table_name IN ('trawl_shared_paths_7', 'trawl_shared_hits_7', 'trawl_sharedx', 'my_notes')`).Scan(&names); err != nil {
		t.Fatal(err)
	}
	if names != "my_notes,trawl_sharedx" {
		t.Errorf("tables after a writable open: %s, want my_notes,trawl_sharedx", names)
	}
}
