package engine

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// SharedRule is a filter rule (each matching event is evidence) that RunRulesShared runs with
// others reading the same category: its alert metadata (SQL and Args are not used) and its
// condition over the events table (dsl.FilterOf), whose parameters are numbered within the
// args of the whole call.
type SharedRule struct {
	AlertRule
	Cond string
}

// RunRulesShared runs filter rules that read one category ("" for every event) in one scan of
// the events table: each event is read once and every rule's condition computed on it, giving
// (rule, event) pairs for the events that match; then each rule with matches writes its
// alerts as RunRule does (grouped per host and hour, no duplicates of stored alerts). args are
// the parameters of all the conditions. It returns one result per rule, in order.
func (s *Store) RunRulesShared(ctx context.Context, run int64, category string, rules []SharedRule, args []any) ([]RuleResult, error) {
	return s.RunRulesSharedPaths(ctx, run, category, rules, args, nil)
}

// PathColumn is one column of a path table: the text at the JSON path Path (DuckDB syntax,
// $."EventData"."Hashes") of the JSON column Column, named Name. Column and Path come from the
// hunting language's checked field references (dsl.PathColumns), never from log content.
type PathColumn struct {
	Column, Path, Name string
	Lower              bool // the text lower-cased; with no Path, the column Column lower-cased
	// Base makes the column the base name of the text: what follows its last backslash,
	// lower-cased (C:\Windows\System32\CertUtil.exe gives certutil.exe). Shared scans test
	// it first for the rules that require an image name (the image pre-filter).
	Base bool
}

// PathTable holds, for every event of one category, the JSON paths the conditions of a shared
// scan read, each extracted once per event (json_extract_string with a list of paths parses
// the record once for all of them), so that conditions test columns instead of parsing the
// record again for every test. Drop it when done.
type PathTable struct {
	s        *Store
	table    string
	distinct bool // one row per distinct combination of values (ExtractDistinct)
}

// Rows is how many rows the table has: events, or for a distinct table combinations.
func (t *PathTable) Rows(ctx context.Context) (int64, error) {
	var n int64
	err := t.s.db.QueryRowContext(ctx, "SELECT count(*) FROM "+t.table).Scan(&n)
	return n, err
}

// ExtractPaths builds the path table of category ("" for every event) for paths. The table
// holds the event id (trawl_path_id) and one column per path; it is a table of the store (shared
// scans run over several connections), named after the run, and Drop removes it.
func (s *Store) ExtractPaths(ctx context.Context, run int64, category string, paths []PathColumn) (*PathTable, error) {
	return s.extractPaths(ctx, run, ScanScope{Category: category}, paths, nil, false)
}

// ExtractScope is ExtractPaths for the events of scope.
func (s *Store) ExtractScope(ctx context.Context, run int64, scope ScanScope, paths []PathColumn) (*PathTable, error) {
	return s.extractPaths(ctx, run, scope, paths, nil, false)
}

// ScanScope is the events a shared scan reads: those of Category ("" for every category), of
// Dataset when not "" and at or after Since when not zero. A scan of a narrower scope than
// its rules' categories is still exact when every rule's condition implies the scope (a rule
// testing dataset == "Security" needs only the Security events).
type ScanScope struct {
	Category, Dataset string
	Since             time.Time
}

// where is the WHERE clause (with a leading space; "" for every event) selecting the scope,
// its parameters numbered after the n already given.
func (sc ScanScope) where(n int) (string, []any) {
	var conds []string
	var args []any
	add := func(test string, v any) {
		args = append(args, v)
		conds = append(conds, test+" $"+strconv.Itoa(n+len(args)))
	}
	if sc.Category != "" {
		add("category =", sc.Category)
	}
	if sc.Dataset != "" {
		add("dataset =", sc.Dataset)
	}
	if !sc.Since.IsZero() {
		add("time >=", sc.Since.UTC())
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// ExtractDistinct builds a distinct table for the scope: one row per distinct combination of
// the values the rules' conditions read (the path columns paths and the event columns
// columns, each under its own name), with the list of the events holding it (trawl_ids).
// Events repeat the same process, command line and parent many times, so the rules'
// conditions run once per combination instead of once per event (RunRulesScoped), and no
// table of every event is kept: the events stream into a hash aggregate. The conditions
// must read nothing but these columns; columns must be event column names (never log
// content). Drop it when done.
func (s *Store) ExtractDistinct(ctx context.Context, run int64, scope ScanScope, paths []PathColumn, columns []string) (*PathTable, error) {
	return s.extractPaths(ctx, run, scope, paths, columns, true)
}

func (s *Store) extractPaths(ctx context.Context, run int64, scope ScanScope, paths []PathColumn, columns []string, distinct bool) (*PathTable, error) {
	t := &PathTable{s: s, table: QuoteIdent(fmt.Sprintf("trawl_shared_paths_%d", run)), distinct: distinct}
	// The JSON paths of each JSON column, extracted as one list (one parse of the record);
	// then each path column an element of it, lowered or not, and each lowered event column.
	type list struct {
		name  string
		paths []string
		index map[string]int
	}
	lists := map[string]*list{}
	var order []string
	for _, p := range paths {
		if p.Path == "" {
			continue
		}
		if strings.IndexByte(p.Path, 0) >= 0 {
			return nil, fmt.Errorf("NUL in JSON path %q", p.Path)
		}
		l := lists[p.Column]
		if l == nil {
			l = &list{name: QuoteIdent(fmt.Sprintf("trawl_paths_%d", len(order))), index: map[string]int{}}
			lists[p.Column] = l
			order = append(order, p.Column)
		}
		if _, seen := l.index[p.Path]; !seen {
			l.index[p.Path] = len(l.paths)
			l.paths = append(l.paths, p.Path)
		}
	}
	inner := []string{"id"}
	for _, col := range order {
		l := lists[col]
		lits := make([]string, len(l.paths))
		for i, p := range l.paths {
			lits[i] = sqlText(p)
		}
		inner = append(inner, "json_extract_string("+QuoteIdent(col)+", ["+strings.Join(lits, ", ")+"]) AS "+l.name)
	}
	sel := []string{"id AS trawl_path_id"}
	if distinct {
		sel = []string{"list(id) AS trawl_ids"}
		for _, c := range columns {
			if !slices.Contains(inner, QuoteIdent(c)) {
				inner = append(inner, QuoteIdent(c))
			}
			sel = append(sel, QuoteIdent(c))
		}
	}
	for _, p := range paths {
		var v string
		if p.Path != "" {
			l := lists[p.Column]
			v = l.name + "[" + strconv.Itoa(l.index[p.Path]+1) + "]"
		} else {
			v = QuoteIdent(p.Column)
			if !slices.Contains(inner, v) {
				inner = append(inner, v)
			}
		}
		switch {
		case p.Base:
			v = "lower(regexp_extract(" + v + ", '[^\\\\]*$'))"
		case p.Lower:
			v = "lower(" + v + ")"
		}
		sel = append(sel, v+" AS "+QuoteIdent(p.Name))
	}
	where, args := scope.where(0)
	q := "CREATE OR REPLACE TABLE " + t.table + " AS SELECT " + strings.Join(sel, ", ") + " FROM (SELECT " + strings.Join(inner, ", ") + " FROM events" + where + ")"
	if distinct {
		q += " GROUP BY ALL"
	}
	if _, err := s.db.ExecContext(ctx, q, args...); err != nil {
		return nil, fmt.Errorf("extracting %d paths of category %q: %w", len(paths), scope.Category, err)
	}
	return t, nil
}

// Drop removes the path table.
func (t *PathTable) Drop(ctx context.Context) error {
	if t == nil {
		return nil
	}
	_, err := t.s.db.ExecContext(context.WithoutCancel(ctx), "DROP TABLE IF EXISTS "+t.table)
	return err
}

// RunRulesSharedPaths is RunRulesShared with the conditions reading the columns of paths (a
// table ExtractPaths built for the same category; nil for none).
func (s *Store) RunRulesSharedPaths(ctx context.Context, run int64, category string, rules []SharedRule, args []any, paths *PathTable) ([]RuleResult, error) {
	return s.RunRulesScoped(ctx, run, ScanScope{Category: category}, rules, args, paths)
}

// RunRulesScoped is RunRulesSharedPaths over the events of scope; with a distinct table
// (ExtractDistinct, built for the same scope) the conditions run once per row of it and
// each match stands for every event of the row.
func (s *Store) RunRulesScoped(ctx context.Context, run int64, scope ScanScope, rules []SharedRule, args []any, paths *PathTable) ([]RuleResult, error) {
	out := make([]RuleResult, len(rules))
	if len(rules) == 0 {
		return out, nil
	}
	table := QuoteIdent(fmt.Sprintf("trawl_shared_hits_%d", run))
	// One pass over the category's events: a list of the numbers of the rules whose condition
	// holds (CASE WHEN tests a conjunction's terms in turn, each on the rows the earlier ones
	// keep; list_distinct drops the NULLs of the rules that do not match), unnested.
	var b strings.Builder
	// Over a distinct table, each matching row stands for the events of its list.
	row, ids, from := "id", "id", ""
	if paths != nil && paths.distinct {
		row, ids = "trawl_ids", "unnest(trawl_ids) AS id"
	}
	b.WriteString("CREATE OR REPLACE TABLE " + table + " AS SELECT r, " + ids + " FROM (SELECT " + row + ", unnest(list_distinct([")
	for i, r := range rules {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("CASE WHEN " + r.Cond + " THEN " + strconv.Itoa(i) + " END")
	}
	switch {
	case paths != nil && paths.distinct:
		from = " FROM " + paths.table
	case paths != nil:
		from = " FROM events JOIN " + paths.table + " ON trawl_path_id = id"
	default:
		from = " FROM events"
	}
	b.WriteString("])) AS r" + from)
	if paths == nil || !paths.distinct {
		where, more := scope.where(len(args))
		args = append(args[:len(args):len(args)], more...)
		b.WriteString(where)
	}
	b.WriteString(")")
	if _, err := s.db.ExecContext(ctx, b.String(), args...); err != nil {
		return nil, fmt.Errorf("shared scan of %d rules (category %q): %w", len(rules), scope.Category, err)
	}
	defer s.db.ExecContext(context.WithoutCancel(ctx), "DROP TABLE IF EXISTS "+table)
	var hit []int
	err := s.scanRows(ctx, "SELECT DISTINCT r FROM "+table+" ORDER BY r", nil, func(rows *sql.Rows) error {
		var r int
		if err := rows.Scan(&r); err != nil {
			return err
		}
		hit = append(hit, r)
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, i := range hit {
		r := rules[i].AlertRule
		r.SQL = "SELECT [id] AS evidence FROM " + table + " WHERE r = " + strconv.Itoa(i)
		r.Args, r.EventRows = nil, true
		res, err := s.RunRule(ctx, run, r)
		if err != nil {
			return nil, err
		}
		out[i] = res
	}
	return out, nil
}

// OpenOverlay opens a scratch store at scratch (a new file) whose events and files are those
// of the store at src, attached read-only: rules run over src's events, while the hunt runs,
// alerts and shared-scan tables go to the scratch store and src is left as it was (a
// benchmark over a large store alters nothing in it, and needs no copy of it). src must have
// the events and files tables of this version's schema.
func OpenOverlay(ctx context.Context, scratch, src string, opt Options) (*Store, error) {
	if strings.ContainsRune(src, 0) {
		return nil, fmt.Errorf("NUL in store path %q", src)
	}
	s, err := Open(ctx, scratch, opt)
	if err != nil {
		return nil, err
	}
	stmts := []string{
		"ATTACH " + sqlText(src) + " AS trawl_overlay_src (READ_ONLY)",
		"DROP TABLE events CASCADE",
		"CREATE VIEW events AS SELECT * FROM trawl_overlay_src.events",
		"DROP TABLE files CASCADE",
		"CREATE VIEW files AS SELECT * FROM trawl_overlay_src.files",
	}
	for _, q := range stmts {
		if _, err := s.db.ExecContext(ctx, q); err != nil {
			s.Close()
			return nil, fmt.Errorf("overlay of store %q: %w", src, err)
		}
	}
	return s, nil
}
