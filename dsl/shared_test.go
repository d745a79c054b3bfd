package dsl

import (
	"fmt"
	"testing"
	"time"
)

func TestFilterOf(t *testing.T) {
	t.Parallel()
	since := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		query, category, cond, args string
		opt                         Options
		ok                          bool
	}{
		{`process | where process_name =~ "cmd.exe" | where command_line contains "/c"`, "process",
			`((lower("process_name") = lower($5)) AND contains(lower("command_line"), lower($6)))`, `[cmd.exe /c]`, Options{}, true},
		{`events | where fields.EventData.User in~ ("a", "b")`, "",
			`((lower(json_extract_string("fields", $5)) IN (lower($6), lower($7))))`, `[$."EventData"."User" a b]`, Options{}, true},
		{`scheduled_task`, "scheduled-task", `(true)`, `[]`, Options{}, true},
		{`logon | where user == "x"`, "logon", `("time" >= $5 AND ("user" = $6))`, `[2026-03-01 00:00:00 +0000 UTC x]`, Options{Since: since}, true},
		{`logon | stats count() by user`, "", "", "", Options{}, false},
		{`logon | where user == "x" | head 3`, "", "", "", Options{}, false},
		{`sequence by user within 5m [logon] then [process]`, "", "", "", Options{}, false},
	} {
		ch := mustCheck(t, tc.query)
		f, ok := FilterOf(ch, 5, tc.opt)
		if ok != tc.ok {
			t.Errorf("%s: ok %v, want %v", tc.query, ok, tc.ok)
			continue
		}
		if !ok {
			continue
		}
		if f.Category != tc.category || f.Cond != tc.cond || fmt.Sprint(f.Args) != tc.args {
			t.Errorf("%s:\n got %q %s %v\nwant %q %s %s", tc.query, f.Category, f.Cond, f.Args, tc.category, tc.cond, tc.args)
		}
	}
}

// TestFilterOfPaths checks that JSON paths become columns of the path table, each path named
// once across the rules of a scan, with the values still bound.
func TestFilterOfPaths(t *testing.T) {
	t.Parallel()
	pc := PathColumns{Columns: map[string]bool{"command_line": true}}
	for _, tc := range []struct{ query, cond, args string }{
		{`process | where fields.EventData.Hashes contains any ("a", "b") and fields.EventData.Product =~ "x"`,
			`(((contains("trawl_lower_2", lower($1)) OR contains("trawl_lower_2", lower($2))) AND ("trawl_lower_4" = lower($3))))`, `[a b x]`},
		{`process | where fields.EventData.Product == "y" and command_line contains "z" and process_path contains "w"`,
			`(((("trawl_path_3" = $1) AND contains("trawl_lower_5", lower($2))) AND contains(lower("process_path"), lower($3))))`, `[y z w]`},
	} {
		ch := mustCheck(t, tc.query)
		f, ok := FilterOfPaths(ch, 1, Options{}, &pc)
		if !ok || f.Cond != tc.cond || fmt.Sprint(f.Args) != tc.args {
			t.Errorf("%s:\n got %v %s %v\nwant %s %s", tc.query, ok, f.Cond, f.Args, tc.cond, tc.args)
		}
	}
	want := `[{fields $."EventData"."Hashes" trawl_path_1 false} {fields $."EventData"."Hashes" trawl_lower_2 true} ` +
		`{fields $."EventData"."Product" trawl_path_3 false} {fields $."EventData"."Product" trawl_lower_4 true} {command_line  trawl_lower_5 true}]`
	if got := fmt.Sprint(pc.List); got != want {
		t.Errorf("paths %s, want %s", got, want)
	}
	if _, ok := FilterOfPaths(nil, 1, Options{}, &pc); ok {
		t.Error("a nil query is no filter")
	}
}

// TestLiteralAlternation checks when an any-test of literals becomes one regular expression
// and what that expression is: escaped, lower-cased only where that is certain, anchored for
// startswith and endswith, split when long.
func TestLiteralAlternation(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ query, cond, args string }{
		{`process | where command_line contains any ("A.b", "c|d", "e(f", "G*")`,
			`regexp_matches(lower("command_line"), $1)`, `[(?:a\.b|c\|d|e\(f|g\*)]`},
		{`process | where command_line startswith any ("a", "b", "c", "d", "É")`,
			`(starts_with(lower("command_line"), lower($2)) OR regexp_matches(lower("command_line"), $1))`, `[^(?:a|b|c|d) É]`},
		{`process | where command_line endswith_cs any ("A", "b", "C", "d")`,
			`regexp_matches("command_line", $1)`, `[(?:A|b|C|d)$]`},
		{`process | where command_line contains any ("😀", "✅", "1", "-")`,
			`regexp_matches(lower("command_line"), $1)`, `[(?:😀|✅|1|-)]`},
		{`process | where command_line contains any ("a", "b", "c")`,
			`(contains(lower("command_line"), lower($1)) OR contains(lower("command_line"), lower($2)) OR contains(lower("command_line"), lower($3)))`, `[a b c]`},
		{`process | where command_line contains all ("a", "b", "c", "d")`,
			`(contains(lower("command_line"), lower($1)) AND contains(lower("command_line"), lower($2)) AND contains(lower("command_line"), lower($3)) AND contains(lower("command_line"), lower($4)))`, `[a b c d]`},
	} {
		ch := mustCheck(t, tc.query)
		f, ok := FilterOf(ch, 1, Options{})
		want := "(" + tc.cond + ")"
		if !ok || f.Cond != want || fmt.Sprint(f.Args) != tc.args {
			t.Errorf("%s:\n got %s %v\nwant %s %s", tc.query, f.Cond, f.Args, want, tc.args)
		}
	}
	long := make([]Expr, 0, 600)
	for i := range 600 {
		long = append(long, &Literal{Kind: LitString, Value: fmt.Sprintf("value-%03d", i)})
	}
	rest, pats := literalAlternation(&StrMatch{Op: "contains", Values: long})
	if len(rest) != 0 || len(pats) < 2 {
		t.Fatalf("600 literals: %d left, %d patterns", len(rest), len(pats))
	}
	for _, p := range pats {
		if len(p) > maxAlternation+10 {
			t.Errorf("pattern of %d bytes", len(p))
		}
	}
}

// mustCheck parses and checks query against the event catalogue, failing the test on an error.
func mustCheck(t *testing.T, query string) *Checked {
	t.Helper()
	q, err := Parse(query)
	if err != nil {
		t.Fatal(err)
	}
	ch, err := Check(q, EventCatalogue())
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

// TestFilterDataset checks which filters require a dataset: only a test of it in the top-level
// conjunction of the where stages, never one under an OR or a NOT, nor text in a value.
func TestFilterDataset(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ query, want string }{
		{`events | where dataset == "Security" and event_code =~ "4624"`, "Security"},
		{`events | where ((dataset == "Security" and event_code =~ "4624"))`, "Security"},
		{`events | where event_code =~ "4624" and (dataset == "System" and user is null)`, "System"},
		{`events | where dataset == "Security" or event_code =~ "4624"`, ""},
		{`events | where (dataset == "Security" and user is null) or user == "x"`, ""},
		{`events | where not (dataset == "Security" and user is null)`, ""},
		{`events | where command_line like "*x*" and dataset == "Security"`, "Security"},
		{`events | where command_line == ' AND ("dataset" = $1)'`, ""},
		{`events | where user is null | where dataset == "System"`, "System"},
		{`events | where dataset =~ "security"`, ""},
		{`events | where dataset == ""`, ""},
	} {
		f, ok := FilterOf(mustCheck(t, tc.query), 5, Options{})
		if !ok || f.Dataset != tc.want {
			t.Errorf("%s: %q (%v), want %q", tc.query, f.Dataset, ok, tc.want)
		}
	}
}
