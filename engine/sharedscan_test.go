package engine

import (
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"trawl/dsl"
)

// TestRunRulesShared checks that filter rules run in one shared scan raise the same alerts
// (counts and evidence) as each rule run on its own, including a rule that matches nothing.
func TestRunRulesShared(t *testing.T) {
	s := huntStore(t)
	ctx := t.Context()
	queries := []string{
		`logon | where outcome == "failure"`,
		`logon | where user =~ "ALICE" | where src_ip in 10.0.0.0/8`,
		`logon | where user == "nobody"`,
		`logon | where message contains "log on" and logon_type in ("3", "10")`,
	}
	cat := dsl.EventCatalogue()
	rules := checkedRules(t, "r", queries)
	run1, _ := s.StartHunt(ctx, time.Time{}, nil)
	var alone []RuleResult
	for _, cr := range rules {
		res, err := s.RunRule(ctx, run1, alertRuleOf(cr))
		if err != nil {
			t.Fatal(err)
		}
		alone = append(alone, res)
	}
	var shared []SharedRule
	var args []any
	for _, cr := range rules {
		f, ok := dsl.RuleFilter(cr, cat, len(args)+1, dsl.Options{})
		if !ok || f.Category != "logon" {
			t.Fatalf("%s: not a logon filter: %v", cr.Name.Name, f)
		}
		args = append(args, f.Args...)
		shared = append(shared, SharedRule{AlertRule: alertRuleOf(cr), Cond: f.Cond})
	}
	run2, _ := s.StartHunt(ctx, time.Time{}, nil)
	got, err := s.RunRulesShared(ctx, run2, "logon", shared, args)
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for i := range rules {
		total += alone[i].Alerts
		// The same alerts: as many, and none new (each equals one of run 1, same evidence).
		if got[i].Alerts != alone[i].Alerts || got[i].New != 0 {
			t.Errorf("%s: shared %+v, alone %+v", rules[i].Name.Name, got[i], alone[i])
		}
	}
	if total == 0 || alone[2].Alerts != 0 {
		t.Errorf("the rules should raise alerts, the third none: %+v", alone)
	}
}

// TestRunRulesSharedPaths checks that rules reading JSON paths raise the same alerts when
// their paths come from a path table (each extracted once per event) as on their own, for a
// category and for every event, and that the table is dropped.
func TestRunRulesSharedPaths(t *testing.T) {
	s := huntStore(t)
	ctx := t.Context()
	for _, tc := range []struct {
		category string
		queries  []string
	}{
		{"process", []string{
			`process | where fields.EventData.IntegrityLevel =~ "MEDIUM"`,
			`process | where fields.EventData.IntegrityLevel in~ ("high", "system") and command_line contains "whoami"`,
			`process | where fields.EventData.ParentImage contains any ("winword", "excel") or fields.EventData.IntegrityLevel == "High"`,
			`process | where fields.EventData.Nothing is not null`,
			`process | where not (fields.EventData.IntegrityLevel =~ "medium")`,
		}},
		{"", []string{
			`events | where fields.service == "dns"`,
			`events | where fields.EventData.IntegrityLevel is null and user =~ "alice"`,
		}},
	} {
		cat := dsl.EventCatalogue()
		rules := checkedRules(t, "p", tc.queries)
		run1, _ := s.StartHunt(ctx, time.Time{}, nil)
		var alone []RuleResult
		total := 0
		for _, cr := range rules {
			res, err := s.RunRule(ctx, run1, alertRuleOf(cr))
			if err != nil {
				t.Fatal(err)
			}
			alone = append(alone, res)
			total += res.Alerts
		}
		pc := dsl.PathColumns{Columns: map[string]bool{"command_line": true, "user": true}}
		var shared []SharedRule
		var args []any
		for _, cr := range rules {
			f, ok := dsl.RuleFilterPaths(cr, cat, len(args)+1, dsl.Options{}, &pc)
			if !ok || f.Category != tc.category {
				t.Fatalf("%s: not a filter of %q: %v", cr.Name.Name, tc.category, f)
			}
			args = append(args, f.Args...)
			shared = append(shared, SharedRule{AlertRule: alertRuleOf(cr), Cond: f.Cond})
		}
		cols := make([]PathColumn, len(pc.List))
		for i, p := range pc.List {
			cols[i] = PathColumn{Column: p.Column, Path: p.Path, Name: p.Name, Lower: p.Lower}
		}
		// The event columns the conditions read as they are (not through a path column).
		read := map[string]bool{}
		for _, r := range shared {
			for _, m := range quotedName.FindAllStringSubmatch(r.Cond, -1) {
				if !strings.HasPrefix(m[1], "trawl_") {
					read[m[1]] = true
				}
			}
		}
		var columns []string
		for c := range read {
			columns = append(columns, c)
		}
		// A path table of every event, and a distinct table (one row per distinct
		// combination of the values read), of no more rows than events.
		for _, distinct := range []bool{false, true} {
			run2, _ := s.StartHunt(ctx, time.Time{}, nil)
			var table *PathTable
			var err error
			if distinct {
				table, err = s.ExtractDistinct(ctx, run2, ScanScope{Category: tc.category}, cols, columns)
			} else {
				table, err = s.ExtractPaths(ctx, run2, tc.category, cols)
			}
			if err != nil {
				t.Fatal(err)
			}
			if distinct {
				rows, err := table.Rows(ctx)
				var events int64
				q := `SELECT count(*) FROM events WHERE category = $1 OR $1 = ''`
				if err != nil || s.db.QueryRowContext(ctx, q, tc.category).Scan(&events) != nil || rows == 0 || rows > events {
					t.Errorf("category %q: distinct table of %d rows for %d events (%v)", tc.category, rows, events, err)
				}
			}
			got, err := s.RunRulesScoped(ctx, run2, ScanScope{Category: tc.category}, shared, args, table)
			if err != nil {
				t.Fatal(err)
			}
			for i := range rules {
				if got[i].Alerts != alone[i].Alerts || got[i].New != 0 {
					t.Errorf("%s (distinct %v): shared %+v, alone %+v", rules[i].Name.Name, distinct, got[i], alone[i])
				}
			}
			if err := table.Drop(ctx); err != nil {
				t.Fatal(err)
			}
			var n int
			if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE 'trawl_shared_%'`).Scan(&n); err != nil || n != 0 {
				t.Errorf("%d shared tables left (%v)", n, err)
			}
		}
		if total == 0 {
			t.Errorf("category %q: the rules should raise alerts", tc.category)
		}
	}
}

// checkedRules parses and checks one rule per query, named prefix followed by a, b, c, ...
func checkedRules(t *testing.T, prefix string, queries []string) []*dsl.CheckedRule {
	t.Helper()
	var rules []*dsl.CheckedRule
	for i, q := range queries {
		src := "rule " + prefix + string(rune('a'+i)) + " {\n  title \"t\"\n  severity low\n  query " + q + "\n}\n"
		rs, err := dsl.ParseRules("t.hunt", src)
		if err != nil {
			t.Fatal(dsl.FormatError(src, err))
		}
		cr, _, err := dsl.CheckRule(rs[0], dsl.EventCatalogue(), nil, dsl.Options{})
		if err != nil {
			t.Fatal(err)
		}
		rules = append(rules, cr)
	}
	return rules
}

// alertRuleOf is the rule as RunRule runs it on its own: its compiled evidence query.
func alertRuleOf(cr *dsl.CheckedRule) AlertRule {
	return AlertRule{Name: cr.Name.Name, Title: cr.Title, Severity: cr.Severity.String(), SQL: cr.Compiled.EvidenceSQL, Args: cr.Compiled.Args, EventRows: cr.Compiled.EventRows}
}

var quotedName = regexp.MustCompile(`"([a-z_0-9]+)"`)

// TestScanScope checks that a scan narrowed to a dataset and a time raises the same alerts as
// the rules on their own when each rule requires that dataset, and that events outside the
// scope are not read.
func TestScanScope(t *testing.T) {
	s := huntStore(t)
	ctx := t.Context()
	// The test events have no dataset: half of them get one.
	dataset := "Security"
	if _, err := s.db.ExecContext(ctx, `UPDATE events SET dataset = CASE WHEN id % 2 = 0 THEN 'Security' ELSE 'System' END`); err != nil {
		t.Fatal(err)
	}
	cat := dsl.EventCatalogue()
	src := "rule d {\n  title \"t\"\n  severity low\n  query events | where dataset == \"" + dataset + "\" and user is not null\n}\n"
	rs, err := dsl.ParseRules("t.hunt", src)
	if err != nil {
		t.Fatal(dsl.FormatError(src, err))
	}
	// Since halfway through the events: the rule alone applies it in its query, the scan in
	// its scope (the condition leaves it out).
	var lo, hi time.Time
	if err := s.db.QueryRowContext(ctx, `SELECT min(time), max(time) FROM events`).Scan(&lo, &hi); err != nil {
		t.Fatal(err)
	}
	since := lo.Add(hi.Sub(lo) / 2)
	cr, _, err := dsl.CheckRule(rs[0], cat, nil, dsl.Options{Since: since})
	if err != nil {
		t.Fatal(err)
	}
	ar := alertRuleOf(cr)
	run1, _ := s.StartHunt(ctx, time.Time{}, nil)
	alone, err := s.RunRule(ctx, run1, ar)
	if err != nil || alone.Alerts == 0 {
		t.Fatalf("alone: %+v %v", alone, err)
	}
	var all, after int
	q := `SELECT count(*), count(*) FILTER (WHERE time >= $2) FROM events WHERE dataset = $1 AND "user" IS NOT NULL`
	if err := s.db.QueryRowContext(ctx, q, dataset, since).Scan(&all, &after); err != nil || after == 0 || after == all {
		t.Fatalf("since should leave out some of the %d events, not all (%d after it, %v)", all, after, err)
	}
	f, ok := dsl.RuleFilter(cr, cat, 1, dsl.Options{})
	if !ok {
		t.Fatal("not a filter")
	}
	scope := ScanScope{Dataset: dataset, Since: since}
	for _, distinct := range []bool{false, true} {
		run2, _ := s.StartHunt(ctx, time.Time{}, nil)
		var table *PathTable
		if distinct {
			if table, err = s.ExtractDistinct(ctx, run2, scope, nil, []string{"dataset", "user"}); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.RunRulesScoped(ctx, run2, scope, []SharedRule{{AlertRule: ar, Cond: f.Cond}}, f.Args, table)
		if err != nil {
			t.Fatal(err)
		}
		if got[0].Alerts != alone.Alerts || got[0].New != 0 {
			t.Errorf("distinct %v: scoped %+v, alone %+v", distinct, got[0], alone)
		}
		table.Drop(ctx)
	}
}

// TestAlternationSameRows checks that any-tests of many literals, compiled to one regular
// expression, select the same events as the same tests written one by one with or.
func TestAlternationSameRows(t *testing.T) {
	s := huntStore(t)
	ctx := t.Context()
	var matched int64
	defer func() {
		if matched == 0 {
			t.Error("no test matched any event: the comparison proves nothing")
		}
	}()
	vals := []string{`"WHOAMI"`, `"-enc"`, `"nothing.at.all"`, `'C:\Windows'`, `"(x|y)"`, `"–c"`}
	for _, op := range []string{"contains", "startswith", "endswith", "contains_cs", "startswith_cs"} {
		for _, col := range []string{"command_line", "process_path", "fields.EventData.ParentImage"} {
			var ors []string
			for _, v := range vals {
				ors = append(ors, col+" "+op+" "+v)
			}
			count := func(q string) int64 {
				c, err := dsl.Build("process | where "+q+" | stats count() as n", dsl.EventCatalogue())
				if err != nil {
					t.Fatal(err)
				}
				tb, err := s.Query(ctx, c.SQL, c.Args...)
				if err != nil {
					t.Fatal(err)
				}
				return tb.Rows[0][0].(int64)
			}
			anyQ := col + " " + op + " any (" + strings.Join(vals, ", ") + ")"
			a, b := count(anyQ), count(strings.Join(ors, " or "))
			if a != b {
				t.Errorf("%s: %d events, one by one %d", anyQ, a, b)
			}
			matched += a
		}
	}
}

// TestOpenOverlay checks that an overlay reads the events of its source store and writes its
// alerts to the scratch store only, leaving the source as it was.
func TestOpenOverlay(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	src := filepath.Join(dir, "src.duckdb")
	s, err := Open(ctx, src, Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	csvPath, _ := filepath.Abs(filepath.Join("..", "dsl", "testdata", "events.csv"))
	if _, err := s.db.ExecContext(ctx, `INSERT INTO events BY NAME SELECT * FROM read_csv($1, header = true, all_varchar = true)`, csvPath); err != nil {
		t.Fatal(err)
	}
	var events int64
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM events`).Scan(&events); err != nil || events == 0 {
		t.Fatalf("%d events (%v)", events, err)
	}
	s.Close()
	o, err := OpenOverlay(ctx, filepath.Join(dir, "scratch.duckdb"), src, Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	if err := o.db.QueryRowContext(ctx, `SELECT count(*) FROM events`).Scan(&n); err != nil || n != events {
		t.Errorf("overlay: %d events, want %d (%v)", n, events, err)
	}
	run, _ := o.StartHunt(ctx, time.Time{}, nil)
	res, err := o.RunRule(ctx, run, AlertRule{Name: "all", Title: "t", Severity: "low", SQL: `SELECT [id] AS evidence FROM events`, EventRows: true})
	if err != nil || res.Alerts == 0 {
		t.Fatalf("overlay rule: %+v %v", res, err)
	}
	o.Close()
	s, err = Open(ctx, src, Options{Threads: 1, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM alerts`).Scan(&n); err != nil || n != 0 {
		t.Errorf("source store: %d alerts (%v), want none", n, err)
	}
}

// TestPathColumnBase checks the base-name columns of the image pre-filter: the text after the
// last backslash, lower-cased, null for null, in path tables and distinct tables alike.
func TestPathColumnBase(t *testing.T) {
	s := huntStore(t)
	ctx := t.Context()
	values := []any{`C:\Windows\System32\CertUtil.EXE`, `cmd.exe`, `C:\Temp\`, nil, `\\server\share\Straße.exe`, `/usr/bin/Python3`}
	want := []any{"certutil.exe", "cmd.exe", "", nil, "straße.exe", "/usr/bin/python3"}
	if _, err := s.db.ExecContext(ctx, `UPDATE events SET process_path = ([$1, $2, $3, $4, $5, $6])[id % 6 + 1]`, values...); err != nil {
		t.Fatal(err)
	}
	cols := []PathColumn{{Column: "process_path", Name: "b", Base: true}, {Column: "process_path", Name: "l", Lower: true}}
	for _, distinct := range []bool{false, true} {
		run, _ := s.StartHunt(ctx, time.Time{}, nil)
		var table *PathTable
		var err error
		if distinct {
			table, err = s.ExtractDistinct(ctx, run, ScanScope{}, cols, []string{"process_path"})
		} else {
			table, err = s.ExtractScope(ctx, run, ScanScope{}, cols)
		}
		if err != nil {
			t.Fatal(err)
		}
		q := `SELECT e.process_path, t.b FROM ` + table.table + ` t JOIN events e ON e.id = t.trawl_path_id`
		if distinct {
			q = `SELECT process_path, b FROM ` + table.table
		}
		rows, err := s.db.QueryContext(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for rows.Next() {
			var path, base *string
			if err := rows.Scan(&path, &base); err != nil {
				t.Fatal(err)
			}
			n++
			i := slices.IndexFunc(values, func(v any) bool { return v == nil && path == nil || path != nil && v == *path })
			if i < 0 {
				t.Fatalf("unexpected path %v", path)
			}
			if w := want[i]; (w == nil) != (base == nil) || base != nil && *base != w {
				t.Errorf("distinct %v: base of %v is %v, want %v", distinct, values[i], deref(base), w)
			}
		}
		rows.Close()
		if n == 0 || distinct && n != len(values) {
			t.Errorf("distinct %v: %d rows", distinct, n)
		}
		table.Drop(ctx)
	}
}

func deref(p *string) any {
	if p == nil {
		return nil
	}
	return *p
}
