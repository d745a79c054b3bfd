package syslog

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"trawl/internal/testutil"
)

// TestMappingDoc keeps docs/syslog-mapping.md in step with the table: go test -update rewrites it.
func TestMappingDoc(t *testing.T) {
	var b strings.Builder
	b.WriteString(`# Syslog mapping

Generated from the table in importers/syslog/messages.go by ` + "`go test ./importers/syslog -update`" + `;
do not edit by hand.

The syslog format reads RFC 3164 lines (` + "`Mmm dd hh:mm:ss host prog[pid]: msg`" + `, also with an RFC 3339
time as rsyslog writes it, or a year after the day) and RFC 5424 lines (` + "`<PRI>1 TIMESTAMP HOST APP PROCID MSGID [SD] MSG`" + `),
each with or without ` + "`<PRI>`" + `. A line that is neither is a reject; blank lines are skipped.

Every event gets: ` + "`time`" + ` (UTC), ` + "`host`" + `, ` + "`dataset`" + ` = the program (syslog tag or APP-NAME, as
given), ` + "`process_name`" + ` = its base name, ` + "`pid`" + ` when the PROCID is a number, ` + "`message`" + ` = the
message as given, ` + "`event_code`" + ` = the RFC 5424 MSGID, ` + "`severity`" + ` from the PRI (emerg/alert 4,
crit 3, err 2, warning 1, notice/info/debug 0; none without PRI), ` + "`category`" + ` = system unless a row
below says otherwise, and in ` + "`fields`" + `: program, pid, priority, facility, severity (names),
version, msgid, structured_data (SD-ID → parameters) and every capture of the row that matched.
sshd lines also get ` + "`session_id`" + ` = the pid (it ties one connection's lines together) and
` + "`protocol`" + ` = ssh when they name a source address.

Times without a zone (RFC 3164) are in the ` + "`tz`" + ` option's zone, UTC by default. RFC 3164 times have
no year: the ` + "`year`" + ` option gives the first line's; without it, the first line gets the latest
year that does not put it after the reference time (the ` + "`now`" + ` option, else the file's
modification time, else the clock, with two days of slack). After that a month more than six
months before the previous line's starts a new year (Dec → Jan), a month more than six months
after it is a late line from the previous year, and a line with a full date sets the year.

Before matching, the message is trimmed, rsyslog's ` + "`message repeated N times: [ ... ]`" + ` is
unwrapped (fields.repeated = N), sshd's ` + "` [preauth]`" + ` suffix is taken off (fields.preauth = true)
and an ` + "`error: `" + `, ` + "`fatal: `" + ` or ` + "`warning: `" + ` prefix goes to fields.log_level; a message that no row
matches with level error or fatal gets action error. Messages over 8 KiB are not matched.

In a message, ` + "`{name}`" + ` is one token (as short as the rest allows), ` + "`{name...}`" + ` any text (as long
as the rest allows: user names may hold spaces), ` + "`{*}`" + ` any text not kept. A capture named
after a column fills it (method fills auth_package and logon_type); a value that does not fit its
column (a host name for src_ip) stays in fields, src_host for addresses. Rows are tried in order,
the program's own before the rows for any program; the first match wins.

`)
	b.WriteString("| programs | message | category | action | outcome | also |\n|---|---|---|---|---|---|\n")
	for _, r := range table {
		progs := r.programs
		if progs == anyProg {
			progs = "any"
		} else {
			progs = strings.Join(strings.Fields(progs), ", ")
		}
		also := ""
		if r.then != nil {
			also = r.then.doc
		}
		fmt.Fprintf(&b, "| %s | `%s` | %s | %s | %s | %s |\n", progs, r.template, r.category, r.action, r.outcome, also)
	}
	b.WriteString("\nDigit-only captures: ")
	var digits []string
	for n := range digitCaptures {
		digits = append(digits, n)
	}
	sort.Strings(digits)
	b.WriteString(strings.Join(digits, ", ") + ".\n")
	testutil.Golden(t, "../../docs/syslog-mapping.md", []byte(b.String()))
}
