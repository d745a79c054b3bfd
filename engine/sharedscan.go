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
