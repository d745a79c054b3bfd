package engine

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"trawl/event"
)

// Table is a query result: column names and rows of Go values (string, int64, float64, bool,
// time.Time, nil, ...).
type Table struct {
	Columns []string
	Rows    [][]any
}

// Query runs sql with bound args and collects the result. Keep results small (use LIMIT):
// everything is held in memory.
func (s *Store) Query(ctx context.Context, query string, args ...any) (*Table, error) {
	t := &Table{}
	err := s.QueryFunc(ctx, query, args, func(cols []string, row []any) error {
		if t.Columns == nil {
			t.Columns = cols
		}
		t.Rows = append(t.Rows, append([]any(nil), row...))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// QueryFunc streams a query's rows to fn. The row slice is reused between calls.
func (s *Store) QueryFunc(ctx context.Context, query string, args []any, fn func(cols []string, row []any) error) error {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		if err := fn(cols, vals); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Columns lists the columns of the events table, for checking and completion.
func (s *Store) Columns(ctx context.Context) ([]string, error) {
	t, err := s.Query(ctx, `SELECT column_name FROM information_schema.columns WHERE table_name = 'events' ORDER BY ordinal_position`)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(t.Rows))
	for i, r := range t.Rows {
		out[i] = r[0].(string)
	}
	return out, nil
}

// ReadOnlySQL runs an analyst's ad hoc statement. Only reading statements are accepted; the
// CLI also opens the database read-only for it, so this check is a clear message, not the guard.
func (s *Store) ReadOnlySQL(ctx context.Context, query string, fn func(cols []string, row []any) error) error {
	q := strings.TrimSpace(query)
	first := strings.ToUpper(strings.SplitN(strings.TrimLeft(q, "( \t\n"), " ", 2)[0])
	switch strings.TrimRight(first, "\n\t(") {
	case "SELECT", "WITH", "FROM", "DESCRIBE", "SHOW", "SUMMARIZE", "EXPLAIN", "VALUES", "PIVOT", "UNPIVOT", "TABLE":
	default:
		return fmt.Errorf("trawl sql runs reading statements only (SELECT, WITH, FROM, DESCRIBE, SHOW, SUMMARIZE, EXPLAIN); got %q", first)
	}
	return s.QueryFunc(ctx, q, nil, fn)
}

// SourceStats is one row of `trawl stats`.
type SourceStats struct {
	Source  string     `json:"source"`
	Format  string     `json:"format"`
	Files   int64      `json:"files"`
	Events  int64      `json:"events"`
	Rejects int64      `json:"rejects"`
	First   *time.Time `json:"first"`
	Last    *time.Time `json:"last"`
}

// Stats summarises the store per source (label), from the files table.
func (s *Store) Stats(ctx context.Context) ([]SourceStats, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT source, string_agg(DISTINCT format, ',' ORDER BY format), count(*), sum(events), sum(rejects), min(first), max(last)
		FROM files GROUP BY source ORDER BY source`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []SourceStats
	for rows.Next() {
		var st SourceStats
		var first, last sql.NullTime
		if err := rows.Scan(&st.Source, &st.Format, &st.Files, &st.Events, &st.Rejects, &first, &last); err != nil {
			return nil, err
		}
		st.First, st.Last = timePtr(first), timePtr(last)
		out = append(out, st)
	}
	return out, rows.Err()
}

// FileStats is one row of `trawl stats --by file`.
type FileStats struct {
	File       string     `json:"file"`
	Source     string     `json:"source"`
	Format     string     `json:"format"`
	Events     int64      `json:"events"`
	Rejects    int64      `json:"rejects"`
	First      *time.Time `json:"first"`
	Last       *time.Time `json:"last"`
	Size       int64      `json:"size"`
	ImportedAt time.Time  `json:"imported_at"`
}

// StatsByFile lists every imported file.
func (s *Store) StatsByFile(ctx context.Context) ([]FileStats, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT path, source, format, events, rejects, first, last, size, imported_at FROM files ORDER BY path, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []FileStats
	for rows.Next() {
		var st FileStats
		var first, last sql.NullTime
		if err := rows.Scan(&st.File, &st.Source, &st.Format, &st.Events, &st.Rejects, &first, &last, &st.Size, &st.ImportedAt); err != nil {
			return nil, err
		}
		st.First, st.Last = timePtr(first), timePtr(last)
		out = append(out, st)
	}
	return out, rows.Err()
}

func timePtr(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}

// EventFilter selects events for `trawl events`.
type EventFilter struct {
	Entity event.Entity
	Value  string
	From   time.Time
	To     time.Time
	Limit  int
}

// EventColumns is what `trawl events` shows by default.
var EventColumns = []string{"id", "time", "source_type", "category", "event_code", "action", "outcome", "host", "user", "src_ip", "dst_ip", "dst_port", "process_name", "command_line", "domain", "url", "message"}

// Events lists events in time order, matching an entity by its resolution key.
func (s *Store) Events(ctx context.Context, f EventFilter, fn func(cols []string, row []any) error) error {
	var where []string
	var args []any
	if f.Entity != event.EntityNone {
		cond, a, err := EntityCondition(f.Entity, f.Value)
		if err != nil {
			return err
		}
		where = append(where, cond)
		args = append(args, a...)
	}
	if !f.From.IsZero() {
		where = append(where, "time >= ?")
		args = append(args, f.From.UTC())
	}
	if !f.To.IsZero() {
		where = append(where, "time < ?")
		args = append(args, f.To.UTC())
	}
	q := "SELECT " + selectList(EventColumns) + " FROM events"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY time NULLS LAST, id"
	if f.Limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	return s.QueryFunc(ctx, q, args, fn)
}

// EntityCondition is the SQL condition (with bound args) that selects events about an entity,
// resolving the value the same way import did (entityKey).
func EntityCondition(kind event.Entity, value string) (string, []any, error) {
	k, err := entityKey(kind, value)
	if err != nil {
		return "", nil, err
	}
	switch kind {
	case event.EntityUser:
		return "(user_key = ? OR target_user_key = ?)", []any{k, k}, nil
	case event.EntityHost:
		return "host_key = ?", []any{k}, nil
	case event.EntityIP:
		return "(src_ip = ? OR dst_ip = ?)", []any{k, k}, nil
	case event.EntityProcess:
		return "(lower(process_name) = ? OR lower(parent_name) = ?)", []any{k, k}, nil
	case event.EntityDomain:
		cond, args := domainCondition("domain", value)
		return cond, args, nil
	case event.EntityHash:
		return "hash = ?", []any{k}, nil
	case event.EntityFile:
		return "lower(file_path) = ?", []any{k}, nil
	}
	return "", nil, fmt.Errorf("unknown entity kind %v", kind)
}

// entityKey is an entity's value as the events' columns for its kind hold it: a user's or a
// host's key, an address in its normal form, a process's base name and a domain (without its
// final dot), hash or file path lower-cased.
func entityKey(kind event.Entity, value string) (string, error) {
	switch kind {
	case event.EntityUser:
		return event.UserKey(value), nil
	case event.EntityHost:
		return event.HostKey(value), nil
	case event.EntityIP:
		ip := event.NormalizeIP(value)
		if ip == "" {
			return "", fmt.Errorf("%q is not an IP address", value)
		}
		return ip, nil
	case event.EntityProcess:
		return strings.ToLower(event.BaseName(value)), nil
	case event.EntityDomain:
		return strings.TrimSuffix(strings.ToLower(value), "."), nil
	case event.EntityHash, event.EntityFile:
		return strings.ToLower(value), nil
	}
	return "", fmt.Errorf("unknown entity kind %v", kind)
}

// domainCondition selects a domain and its subdomains in column col.
func domainCondition(col, value string) (string, []any) {
	v := strings.TrimSuffix(strings.ToLower(value), ".")
	return "(" + col + " = ? OR " + col + " LIKE ? ESCAPE '\\')", []any{v, "%." + LikeEscape(v)}
}

// LikeEscape escapes LIKE's wildcards and its escape character (for ESCAPE '\').
func LikeEscape(s string) string { return likeEscaper.Replace(s) }

// likeEscaper is built once: a Replacer is costly to build per call.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// QuoteIdent quotes an SQL identifier.
func QuoteIdent(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// selectList is the quoted column names, comma-separated, for a SELECT of exactly the columns
// a caller also prints as its header.
func selectList(cols []string) string {
	quoted := make([]string, len(cols))
	for i, c := range cols {
		quoted[i] = QuoteIdent(c)
	}
	return strings.Join(quoted, ", ")
}

// readLines reads the file of the first parameter as one text column, line, a row per line
// (delimiter \x01, which text lines do not hold; no quotes or escapes).
const readLines = `read_csv(?, columns = {'line': 'VARCHAR'}, header = false, delim = E'\x01', quote = '', escape = '', strict_mode = false)`

// ecsEventsLoad is RawLoad's "ecs-events" query, for the import bench's ECS corpus: every
// column it fills holds what trawl's jsonl import stores for those lines (TestRawLoadECSFloor
// compares all columns but the ids and the byte offset).
const ecsEventsLoad = `INSERT INTO raw_load BY NAME
SELECT n AS id, 1 AS file_id, n AS line, 'jsonl' AS source, 'jsonl' AS source_type,
       try_cast(v[1] AS TIMESTAMP) AS time, v[9] AS event_code, v[10] AS action, v[11] AS outcome,
       v[15] AS message, v[2] AS host, v[3] AS "user", v[4] AS user_domain,
       v[5] AS src_ip, try_cast(v[6] AS BIGINT) AS src_port, v[7] AS dst_ip, try_cast(v[8] AS BIGINT) AS dst_port,
       v[12] AS process_path,
       try_cast(v[13] AS BIGINT) AS pid, v[14] AS command_line,
       line AS raw, line AS fields, lower(v[3]) AS user_key, lower(split_part(v[2], '.', 1)) AS host_key
FROM (SELECT line, ordinality AS n,
             json_extract_string(line, ['$."@timestamp"', '$.host.name', '$.user.name', '$.user.domain',
                 '$.source.ip', '$.source.port', '$.destination.ip', '$.destination.port', '$.event.code',
                 '$.event.action', '$.event.outcome', '$.process.executable', '$.process.pid',
                 '$.process.command_line', '$.message']) AS v
      FROM ` + readLines + ` WITH ORDINALITY)`

// RawLoad is the baseline import benchmarks measure trawl against: DuckDB loading path into a
// new table of this store by itself, with read_json for JSON lines (kind "json") or read_csv as
// one text column per line (kind "lines"); kind "ecs-events" is the floor described at
// ecsEventsLoad. Open the store on a file, as trawl import does, so
// both pay for writing a persistent, compressed table. It returns the rows loaded.
func (s *Store) RawLoad(ctx context.Context, path, kind string) (int64, error) {
	var q string
	switch kind {
	case "json":
		q = `CREATE OR REPLACE TABLE raw_load AS SELECT * FROM read_json(?, format = 'newline_delimited')`
	case "lines":
		q = `CREATE OR REPLACE TABLE raw_load AS SELECT * FROM ` + readLines
	case "ecs-events":
		// Not a baseline but a floor: DuckDB by itself writing what trawl's store keeps of an
		// ECS JSON line (the record text as raw and as fields, the mapped fields typed, entity
		// keys, line numbers) into a table shaped like events. No Go, no normalization beyond
		// lower-casing, no derived passes: what a DuckDB-native JSON-lines path could at best do.
		if _, err := s.db.ExecContext(ctx, `CREATE OR REPLACE TABLE raw_load AS SELECT * FROM events LIMIT 0`); err != nil {
			return 0, err
		}
		q = ecsEventsLoad
	default:
		return 0, fmt.Errorf("raw load: unknown kind %q", kind)
	}
	if _, err := s.db.ExecContext(ctx, q, path); err != nil {
		return 0, err
	}
	var n int64
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM raw_load`).Scan(&n); err != nil {
		return 0, err
	}
	_, err := s.db.ExecContext(ctx, `CHECKPOINT`)
	return n, err
}
