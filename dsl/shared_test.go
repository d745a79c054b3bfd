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
		q, err := Parse(tc.query)
		if err != nil {
			t.Fatal(err)
		}
		ch, err := Check(q, EventCatalogue())
		if err != nil {
			t.Fatal(err)
		}
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
