package engine

import (
	"context"
	"fmt"
	"strconv"
	"strings"
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
}

// PathTable holds, for every event of one category, the JSON paths the conditions of a shared
// scan read, each extracted once per event (json_extract_string with a list of paths parses
// the record once for all of them), so that conditions test columns instead of parsing the
// record again for every test. Drop it when done.
type PathTable struct {
	s     *Store
	table string
}

// ExtractPaths builds the path table of category ("" for every event) for paths. The table
// holds the event id (trawl_path_id) and one column per path; it is a table of the store (shared
// scans run over several connections), named after the run, and Drop removes it.
func (s *Store) ExtractPaths(ctx context.Context, run int64, category string, paths []PathColumn) (*PathTable, error) {
	t := &PathTable{s: s, table: QuoteIdent(fmt.Sprintf("trawl_shared_paths_%d", run))}
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
	for _, p := range paths {
		var v string
		if p.Path != "" {
			l := lists[p.Column]
			v = l.name + "[" + strconv.Itoa(l.index[p.Path]+1) + "]"
		} else {
			v = QuoteIdent(p.Column)
			inner = append(inner, v)
		}
		if p.Lower {
			v = "lower(" + v + ")"
		}
		sel = append(sel, v+" AS "+QuoteIdent(p.Name))
	}
	q := "CREATE OR REPLACE TABLE " + t.table + " AS SELECT " + strings.Join(sel, ", ") + " FROM (SELECT " + strings.Join(inner, ", ") + " FROM events"
	var args []any
	if category != "" {
		q += " WHERE category = $1"
		args = append(args, category)
	}
	q += ")"
	if _, err := s.db.ExecContext(ctx, q, args...); err != nil {
		return nil, fmt.Errorf("extracting %d paths of category %q: %w", len(paths), category, err)
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
	out := make([]RuleResult, len(rules))
	if len(rules) == 0 {
		return out, nil
	}
	table := QuoteIdent(fmt.Sprintf("trawl_shared_hits_%d", run))
	// One pass over the category's events: a list of the numbers of the rules whose condition
	// holds (CASE WHEN tests a conjunction's terms in turn, each on the rows the earlier ones
	// keep; list_distinct drops the NULLs of the rules that do not match), unnested.
	var b strings.Builder
	b.WriteString("CREATE OR REPLACE TABLE " + table + " AS SELECT r, id FROM (SELECT id, unnest(list_distinct([")
	for i, r := range rules {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("CASE WHEN " + r.Cond + " THEN " + strconv.Itoa(i) + " END")
	}
	b.WriteString("])) AS r FROM events")
	if paths != nil {
		b.WriteString(" JOIN " + paths.table + " ON trawl_path_id = id")
	}
	if category != "" {
		args = append(args[:len(args):len(args)], category)
		b.WriteString(" WHERE category = $" + strconv.Itoa(len(args)))
	}
	b.WriteString(")")
	if _, err := s.db.ExecContext(ctx, b.String(), args...); err != nil {
		return nil, fmt.Errorf("shared scan of %d rules (category %q): %w", len(rules), category, err)
	}
	defer s.db.ExecContext(context.WithoutCancel(ctx), "DROP TABLE IF EXISTS "+table)
	rows, err := s.db.QueryContext(ctx, "SELECT DISTINCT r FROM "+table+" ORDER BY r")
	if err != nil {
		return nil, err
	}
	var hit []int
	for rows.Next() {
		var r int
		if err := rows.Scan(&r); err != nil {
			rows.Close()
			return nil, err
		}
		hit = append(hit, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
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
