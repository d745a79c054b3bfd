// Package engine is trawl's store: the only package that talks to DuckDB. It owns the schema
// (numbered, embedded migrations), imports files through the importers, and answers queries.
package engine

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/duckdb/duckdb-go/v2"
)

// ErrNeedsMigration is returned by a read-only Open of a store made by an older trawl: the
// schema needs migrations that only a writable open applies.
var ErrNeedsMigration = errors.New("database needs migration")

//go:embed migrations/*.sql
var migrationFS embed.FS

// Store is an open trawl database.
type Store struct {
	db       *sql.DB
	path     string
	readOnly bool
	nextID   atomic.Int64 // next event id
	nextFile atomic.Int64 // next file id
}

// Options configure Open.
type Options struct {
	ReadOnly bool // open without write access: for sql, events and stats
	Threads  int  // DuckDB worker threads; 0 means DuckDB's default (all cores)
	MemoryMB int  // DuckDB memory limit; 0 means DuckDB's default
}

// OpenReadOnly opens an existing store read-only. A store from an older trawl, whose schema
// needs migrations, is first brought up to date by one writable open (upgrading is called
// before it, to say so); if that open fails (the file is not writable, another process holds
// it), the ErrNeedsMigration error is returned.
func OpenReadOnly(ctx context.Context, path string, opt Options, upgrading func()) (*Store, error) {
	opt.ReadOnly = true
	st, err := Open(ctx, path, opt)
	if !errors.Is(err, ErrNeedsMigration) {
		return st, err
	}
	if upgrading != nil {
		upgrading()
	}
	w, werr := Open(ctx, path, Options{Threads: opt.Threads, MemoryMB: opt.MemoryMB})
	if werr != nil {
		return nil, err
	}
	if werr := w.Close(); werr != nil {
		return nil, werr
	}
	return Open(ctx, path, opt)
}

// openError names the store in an error opening it and, when another process holds the store
// (DuckDB allows one writer, or many readers), says what to do on a line of its own.
func openError(path string, err error) error {
	if strings.Contains(err.Error(), "Conflicting lock is held") {
		return fmt.Errorf("opening store %q: %w\nhint: another process has the store open (the DuckDB error names it): a workbench opened with plain `trawl` holds it for writing; quit it, or open the workbench with `trawl tui --read-only` while other commands run", path, err)
	}
	return fmt.Errorf("opening store %q: %w", path, err)
}

// Open opens (creating if needed) the database at path and brings its schema up to date.
// An empty path or ":memory:" opens a private in-memory store.
func Open(ctx context.Context, path string, opt Options) (*Store, error) {
	dsn := path
	if path == ":memory:" {
		dsn = ""
	}
	var params []string
	if opt.ReadOnly && dsn != "" {
		params = append(params, "access_mode=READ_ONLY")
	}
	if opt.Threads > 0 {
		params = append(params, "threads="+strconv.Itoa(opt.Threads))
	}
	if opt.MemoryMB > 0 {
		params = append(params, fmt.Sprintf("memory_limit=%dMB", opt.MemoryMB))
	}
	if len(params) > 0 {
		dsn += "?" + strings.Join(params, "&")
	}
	conn, err := duckdb.NewConnector(dsn, nil)
	if err != nil {
		return nil, openError(path, err)
	}
	s := &Store{db: sql.OpenDB(conn), path: path, readOnly: opt.ReadOnly}
	if err := s.migrate(ctx); err != nil {
		s.db.Close()
		return nil, openError(path, err)
	}
	if !opt.ReadOnly {
		if err := s.dropUnfinished(ctx); err != nil {
			s.db.Close()
			return nil, fmt.Errorf("opening store %q: %w", path, err)
		}
	}
	if err := s.loadCounters(ctx); err != nil {
		s.db.Close()
		return nil, fmt.Errorf("opening store %q: %w", path, err)
	}
	return s, nil
}

// Close closes the store.
func (s *Store) Close() error { return s.db.Close() }

// Path is the database path the store was opened with.
func (s *Store) Path() string { return s.path }

type migration struct {
	version int
	name    string
	sql     string
}

func migrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFS, "migrations")
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: name must start with a number and _", e.Name())
		}
		b, err := migrationFS.ReadFile("migrations/" + e.Name())
		if err != nil {
			return nil, err
		}
		out = append(out, migration{v, e.Name(), string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out, nil
}

// SchemaVersion is the newest migration this binary knows.
func SchemaVersion() int {
	ms, err := migrations()
	if err != nil {
		return 0
	}
	return newestVersion(ms)
}

// newestVersion is the version of the last of ms (sorted), 0 for none.
func newestVersion(ms []migration) int {
	if len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].version
}

func (s *Store) migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	var current int
	err = s.db.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&current)
	if err != nil {
		if s.readOnly {
			return errors.New("not a trawl database (no schema_migrations table); import something first")
		}
		if _, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR, applied_at TIMESTAMP DEFAULT current_timestamp)`); err != nil {
			return fmt.Errorf("creating schema_migrations: %w", err)
		}
	}
	if latest := newestVersion(ms); current > latest {
		return fmt.Errorf("database schema version %d is newer than this trawl (%d): upgrade trawl", current, latest)
	}
	// Apply every migration not yet recorded, not only those above the newest: numbers are
	// reserved by parallel work, so a lower one can land after a higher one was applied.
	applied := map[int]bool{}
	if current > 0 {
		rows, err := s.db.QueryContext(ctx, `SELECT version FROM schema_migrations`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var v int
			if err := rows.Scan(&v); err != nil {
				rows.Close()
				return err
			}
			applied[v] = true
		}
		rows.Close()
	}
	for _, m := range ms {
		if applied[m.version] {
			continue
		}
		if s.readOnly {
			return fmt.Errorf("%w %s; open it once for writing (trawl import)", ErrNeedsMigration, m.name)
		}
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name) VALUES (?, ?)`, m.version, m.name); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
	}
	return nil
}

func (s *Store) loadCounters(ctx context.Context) error {
	var ev, f int64
	if err := s.db.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) FROM events`).Scan(&ev); err != nil {
		return err
	}
	if err := s.db.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) FROM files`).Scan(&f); err != nil {
		return err
	}
	s.nextID.Store(ev + 1)
	s.nextFile.Store(f + 1)
	return nil
}

// dropUnfinished removes files whose import was killed part-way (left 'importing'), with their
// events and rejects, so that the store holds only whole files and they import again in full.
func (s *Store) dropUnfinished(ctx context.Context) error {
	for _, q := range []string{
		`DELETE FROM events WHERE file_id IN (SELECT id FROM files WHERE status = 'importing')`,
		`DELETE FROM rejects WHERE file_id IN (SELECT id FROM files WHERE status = 'importing')`,
		`DELETE FROM files WHERE status = 'importing'`,
	} {
		if _, err := s.db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("removing an unfinished import: %w", err)
		}
	}
	// The working tables of Sigma's shared scans (engine/sharedscan.go) are dropped at the end
	// of a hunt; a hunt that was killed leaves them. Only one process writes to a store, and
	// this runs before this one hunts, so every such table here is left over.
	var left []string
	err := s.QueryFunc(ctx, `SELECT table_name FROM duckdb_tables()
		WHERE database_name = current_database() AND NOT temporary AND table_name LIKE 'trawl\_shared\_%' ESCAPE '\'`, nil,
		func(_ []string, r []any) error {
			left = append(left, text(r[0]))
			return nil
		})
	if err != nil {
		return fmt.Errorf("looking for left-over scan tables: %w", err)
	}
	for _, name := range left {
		if _, err := s.db.ExecContext(ctx, "DROP TABLE IF EXISTS "+QuoteIdent(name)); err != nil {
			return fmt.Errorf("dropping the left-over scan table %s: %w", name, err)
		}
	}
	return nil
}
