package engine

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"

	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"trawl/event"
	"trawl/importers"
)

// pipeFormat is a tiny line format for store tests: "TIME|USER|HOST|IP|MESSAGE". A line that
// starts with "BAD" or has a malformed field becomes a reject; a line "SLOW" blocks until the
// context ends, so that tests can kill an import half-way.
type pipeFormat struct{}

func (pipeFormat) Name() string        { return "pipetest" }
func (pipeFormat) Description() string { return "test format" }
func (pipeFormat) Sniff(head []byte) int {
	if bytes.HasPrefix(head, []byte("20")) && bytes.Contains(head, []byte("|")) {
		return 100
	}
	return 0
}

var pipeMap = importers.FieldMap{{Src: "0", Col: "time"}, {Src: "1", Col: "user"}, {Src: "2", Col: "host"}, {Src: "3", Col: "src_ip"}, {Src: "4", Col: "message"}}

func (f pipeFormat) Read(ctx context.Context, in importers.Input, sink importers.Sink) error {
	return importers.ReadLines(ctx, in.R, sink, func(l importers.Line) error {
		if string(l.Text) == "SLOW" {
			<-ctx.Done()
			return ctx.Err()
		}
		return f.ParseLine(l, sink)
	})
}

func (pipeFormat) ParseLine(l importers.Line, sink importers.Sink) error {
	{
		text := string(l.Text)
		if strings.HasPrefix(text, "BAD") {
			return sink.Reject(importers.Reject{Line: l.Num, Offset: l.Offset, Reason: "bad line", Raw: l.Text})
		}
		parts := strings.Split(text, "|")
		ev := event.Event{Category: "logon", Raw: text}
		err := pipeMap.Apply(&ev, func(src string) (string, bool) {
			i := int(src[0] - '0')
			if i < len(parts) {
				return parts[i], true
			}
			return "", false
		})
		if err != nil {
			return sink.Reject(importers.RejectOf(l, err))
		}
		return sink.Event(importers.Record{Line: l.Num, Offset: l.Offset}, &ev)
	}
}

func init() { importers.Register(pipeFormat{}) }

func openTemp(t *testing.T) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "t.duckdb")
	st, err := Open(context.Background(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st, path
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func count(t *testing.T, st *Store, q string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := st.db.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func TestImportEventsRejectsAndIdempotence(t *testing.T) {
	st, _ := openTemp(t)
	dir := t.TempDir()
	a := writeFile(t, dir, "a.log", "2024-01-02T03:04:05Z|CORP\\Alice|WS01.corp.local|10.0.0.1|hello\nBAD line\n2024-01-02T03:05:00Z|alice@corp.local|ws01|::ffff:10.0.0.2|again\n2024-01-02T03:06:00Z|bob|ws02|not-an-ip|x\n")
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte("2024-01-03T00:00:00Z|ALICE|WS01|010.000.000.001|gz\n"))
	zw.Close()
	b := writeFile(t, dir, "b.log.gz", gz.String())

	ctx := context.Background()
	res := st.ImportFiles(ctx, []string{a, b}, ImportOptions{})
	for _, r := range res {
		if r.Err != nil {
			t.Fatalf("%s: %v", r.File, r.Err)
		}
	}
	if res[0].Events != 2 || res[0].Rejects != 2 || res[1].Events != 1 || res[1].Compression != "gzip" {
		t.Fatalf("results = %+v", res)
	}
	if n := count(t, st, `SELECT count(*) FROM events`); n != 3 {
		t.Errorf("events = %d, want 3", n)
	}
	// The format's name is the source type of events that do not set one.
	if n := count(t, st, `SELECT count(*) FROM events WHERE source_type = 'pipetest'`); n != 3 {
		t.Errorf("events with source type pipetest = %d, want 3", n)
	}
	// The reject keeps line, field, reason and the raw bytes.
	var line int64
	var field, reason string
	var raw []byte
	if err := st.db.QueryRow(`SELECT line, field, reason, raw FROM rejects WHERE field IS NOT NULL`).Scan(&line, &field, &reason, &raw); err != nil {
		t.Fatal(err)
	}
	if line != 4 || field != "3" || !strings.Contains(reason, "not an IP") || !strings.HasPrefix(string(raw), "2024-01-02T03:06:00Z|bob") {
		t.Errorf("reject = %d %q %q %q", line, field, reason, raw)
	}
	// One user, one host and IPs collapsed across spellings.
	tab, err := st.Query(ctx, `SELECT kind, value, events FROM entities ORDER BY kind, value`)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]any{{"host", "ws01", int64(3)}, {"ip", "10.0.0.1", int64(2)}, {"ip", "10.0.0.2", int64(1)}, {"user", "alice", int64(3)}}
	if diff := cmp.Diff(want, tab.Rows); diff != "" {
		t.Errorf("entities (-want +got):\n%s", diff)
	}
	// Importing again (even under another name) adds nothing.
	c := writeFile(t, dir, "copy-of-a.log", mustRead(t, a))
	res = st.ImportFiles(ctx, []string{a, c}, ImportOptions{})
	if !res[0].Skipped || !res[1].Skipped {
		t.Errorf("re-import not skipped: %+v", res)
	}
	if n := count(t, st, `SELECT count(*) FROM events`); n != 3 {
		t.Errorf("events after re-import = %d, want 3", n)
	}
	// Stats agree with the tables.
	stats, err := st.StatsByFile(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(stats) != 2 || stats[0].File != a || stats[0].Events != 2 || stats[0].Rejects != 2 || stats[0].Source != "pipetest" {
		t.Errorf("stats by file = %+v", stats)
	}
	if got := stats[0].First.Format(time.RFC3339); got != "2024-01-02T03:04:05Z" {
		t.Errorf("first = %s", got)
	}
}

func mustRead(t *testing.T, p string) string {
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestKilledImportLeavesStoreConsistent(t *testing.T) {
	st, path := openTemp(t)
	dir := t.TempDir()
	f := writeFile(t, dir, "slow.log", "2024-01-02T03:04:05Z|alice|ws01|10.0.0.1|one\nSLOW\n2024-01-02T03:04:06Z|alice|ws01|10.0.0.1|two\n")
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	res := st.ImportFiles(ctx, []string{f}, ImportOptions{ParseWorkers: 1})
	if res[0].Err == nil || !errors.Is(res[0].Err, context.DeadlineExceeded) {
		t.Fatalf("want a deadline error, got %+v", res[0])
	}
	for _, q := range []string{`SELECT count(*) FROM events`, `SELECT count(*) FROM files`, `SELECT count(*) FROM rejects`} {
		if n := count(t, st, q); n != 0 {
			t.Errorf("%s = %d after a killed import, want 0", q, n)
		}
	}
	// The store reopens and the file imports in full once the obstacle is gone.
	st.Close()
	if err := os.WriteFile(f, []byte("2024-01-02T03:04:05Z|alice|ws01|10.0.0.1|one\n2024-01-02T03:04:06Z|alice|ws01|10.0.0.1|two\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	st2, err := Open(context.Background(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	res = st2.ImportFiles(context.Background(), []string{f}, ImportOptions{})
	if res[0].Err != nil || res[0].Events != 2 {
		t.Fatalf("re-import: %+v", res[0])
	}
	// Ids continue after a reopen rather than restarting.
	if n := count(t, st2, `SELECT count(DISTINCT id) FROM events`); n != 2 {
		t.Errorf("distinct ids = %d", n)
	}
}

func TestImportErrors(t *testing.T) {
	st, _ := openTemp(t)
	dir := t.TempDir()
	notGzip := writeFile(t, dir, "fake.gz", "\x1f\x8bthis is not gzip at all")
	unknown := writeFile(t, dir, "unknown.bin", "\x00\x01\x02garbage")
	empty := writeFile(t, dir, "empty.log", "")
	res := st.ImportFiles(context.Background(), []string{notGzip, unknown, filepath.Join(dir, "missing"), empty}, ImportOptions{})
	if r := res[3]; r.Err != nil || r.Format != "empty" || r.Events != 0 {
		t.Errorf("empty file: %+v", r)
	}
	// Options meant for the other files do not make an empty one fail.
	st2, _ := openTemp(t)
	if r := st2.ImportFiles(context.Background(), []string{empty}, ImportOptions{Options: map[string]string{"delimiter": ";"}})[0]; r.Err != nil || r.Format != "empty" {
		t.Errorf("empty file with options: %+v", r)
	}
	for i, want := range []string{"not valid gzip", "unrecognised log format", "no such file"} {
		if res[i].Err == nil || !strings.Contains(res[i].Err.Error(), want) {
			t.Errorf("%s: err = %v, want %q", res[i].File, res[i].Err, want)
		}
		if !strings.Contains(res[i].Error, res[i].File) && i < 2 {
			t.Errorf("error %q does not name the file", res[i].Error)
		}
	}
}

func TestReadOnlySQL(t *testing.T) {
	st, _ := openTemp(t)
	ctx := context.Background()
	for _, q := range []string{"DROP TABLE events", "INSERT INTO files VALUES (1)", "ATTACH 'x.db'", "COPY events TO 'x.csv'"} {
		if err := st.ReadOnlySQL(ctx, q, func([]string, []any) error { return nil }); err == nil {
			t.Errorf("%q was accepted", q)
		}
	}
	var got []any
	if err := st.ReadOnlySQL(ctx, "SELECT 1 + 1", func(_ []string, row []any) error { got = append(got, row[0]); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != int32(2) {
		t.Errorf("got %v", got)
	}
}

func TestEntityCondition(t *testing.T) {
	tests := []struct {
		kind  event.Entity
		value string
		args  []any
	}{
		{event.EntityUser, `CORP\Alice`, []any{"alice", "alice"}},
		{event.EntityHost, "WS01.corp.local", []any{"ws01"}},
		{event.EntityIP, "::ffff:10.1.2.3", []any{"10.1.2.3", "10.1.2.3"}},
		{event.EntityDomain, "Evil_.com.", []any{"evil_.com", `%.evil\_.com`}},
	}
	for _, tt := range tests {
		_, args, err := EntityCondition(tt.kind, tt.value)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tt.args, args); diff != "" {
			t.Errorf("%v %q: %s", tt.kind, tt.value, diff)
		}
	}
	if _, _, err := EntityCondition(event.EntityIP, "nope"); err == nil {
		t.Error("bad IP accepted")
	}
}

// TestParallelParseKeepsOrder imports one file sequentially and in parallel and wants the same
// rows, rejects and ids in the same order, across many blocks and with an overlong line.
func TestParallelParseKeepsOrder(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	for i := range 20000 {
		switch {
		case i%997 == 0:
			b.WriteString("BAD " + fmt.Sprint(i) + "\n")
		case i == 12345:
			b.WriteString(strings.Repeat("x", importers.MaxLine+5) + "\n")
		default:
			fmt.Fprintf(&b, "2024-01-02T03:04:05Z|user%d|host%d|10.0.%d.%d|line %d\n", i%7, i%5, i/256%256, i%256, i)
		}
	}
	p := writeFile(t, dir, "big.log", b.String())
	dump := func(workers int) (string, FileResult) {
		st, _ := openTemp(t)
		res := st.ImportFiles(context.Background(), []string{p}, ImportOptions{Format: "pipetest", ParseWorkers: workers})
		if res[0].Err != nil {
			t.Fatal(res[0].Err)
		}
		tab, err := st.Query(context.Background(), `SELECT string_agg(concat_ws(',', id, line, byte_offset, source_type, "user", host_key, message), ';' ORDER BY id) FROM events`)
		if err != nil {
			t.Fatal(err)
		}
		rj, err := st.Query(context.Background(), `SELECT string_agg(concat_ws(',', line, byte_offset, reason, octet_length(raw), md5(raw)), ';' ORDER BY byte_offset) FROM rejects`)
		if err != nil {
			t.Fatal(err)
		}
		res[0].DurationMS = 0
		return fmt.Sprint(tab.Rows[0][0], "\n", rj.Rows[0][0]), res[0]
	}
	seq, seqRes := dump(1)
	par, parRes := dump(4)
	if seqRes != parRes {
		t.Errorf("results differ: %+v vs %+v", seqRes, parRes)
	}
	if seqRes.Events != 20000-21-1 || seqRes.Rejects != 22 {
		t.Errorf("counts: %+v", seqRes)
	}
	if seq != par {
		t.Errorf("parallel import differs from sequential (%d vs %d bytes)", len(seq), len(par))
	}
}

// TestBatchedImport imports a file across many batch transactions and wants it whole; a kill
// part-way (after batches have committed) removes the file entirely.
func TestBatchedImport(t *testing.T) {
	old := batchRows
	batchRows = 7
	defer func() { batchRows = old }()
	dir := t.TempDir()
	var b strings.Builder
	for i := range 100 {
		if i%10 == 3 {
			b.WriteString("BAD\n")
			continue
		}
		fmt.Fprintf(&b, "2024-01-02T03:04:%02dZ|u%d|h|10.0.0.%d|m%d\n", i%60, i%3, i, i)
	}
	p := writeFile(t, dir, "batched.log", b.String())
	for _, workers := range []int{1, 3} {
		st, _ := openTemp(t)
		res := st.ImportFiles(context.Background(), []string{p}, ImportOptions{Format: "pipetest", ParseWorkers: workers})
		if res[0].Err != nil || res[0].Events != 90 || res[0].Rejects != 10 {
			t.Fatalf("workers %d: %+v", workers, res[0])
		}
		if n := count(t, st, `SELECT count(*) FROM events`); n != 90 {
			t.Errorf("events = %d", n)
		}
		if n := count(t, st, `SELECT count(*) FROM files WHERE status = 'done' AND events = 90 AND rejects = 10`); n != 1 {
			t.Errorf("file row not done with its counts")
		}
	}

	// A kill after some batches committed: nothing of the file stays.
	slow := writeFile(t, dir, "slow.log", b.String()+"SLOW\n")
	st, _ := openTemp(t)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	res := st.ImportFiles(ctx, []string{slow}, ImportOptions{Format: "pipetest", ParseWorkers: 1})
	if res[0].Err == nil {
		t.Fatal("want an error")
	}
	for _, q := range []string{`SELECT count(*) FROM events`, `SELECT count(*) FROM files`, `SELECT count(*) FROM rejects`} {
		if n := count(t, st, q); n != 0 {
			t.Errorf("%s = %d after a killed batched import", q, n)
		}
	}
}

// TestOpenDropsUnfinishedImports: a file left 'importing' (the process died) is removed with
// its rows when the store is next opened for writing, and then imports in full.
func TestOpenDropsUnfinishedImports(t *testing.T) {
	st, path := openTemp(t)
	for _, q := range []string{
		`INSERT INTO files (id, path, fingerprint, size, format, source, events, rejects, imported_at, status) VALUES (7, 'x.log', 'fp', 1, 'pipetest', 'pipetest', 1, 1, now(), 'importing')`,
		`INSERT INTO events (id, file_id, source, source_type) VALUES (70, 7, 'pipetest', 'pipetest')`,
		`INSERT INTO rejects (file_id, reason) VALUES (7, 'r')`,
	} {
		if _, err := st.db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	ro, err := Open(context.Background(), path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if n := count(t, ro, `SELECT count(*) FROM files`); n != 1 {
		t.Errorf("a read-only open changed the store")
	}
	ro.Close()
	st2, err := Open(context.Background(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	for _, q := range []string{`SELECT count(*) FROM events`, `SELECT count(*) FROM files`, `SELECT count(*) FROM rejects`} {
		if n := count(t, st2, q); n != 0 {
			t.Errorf("%s = %d after reopening", q, n)
		}
	}
}

// TestImportRestoresThreads: files load with one DuckDB thread (loadThreads), and the store
// has its threads back for the pass after the import and for what follows.
func TestImportRestoresThreads(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.duckdb")
	st, err := Open(context.Background(), path, Options{Threads: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	p := writeFile(t, t.TempDir(), "a.log", "2024-01-02T03:04:05Z|alice|ws1|10.0.0.1|hello\n")
	var during int64
	restore := st.loadThreads(context.Background())
	during = count(t, st, `SELECT current_setting('threads')`)
	restore()
	if during != 1 {
		t.Errorf("threads while loading = %d, want 1", during)
	}
	if res := st.ImportFiles(context.Background(), []string{p}, ImportOptions{Format: "pipetest"}); res[0].Err != nil || res[0].Events != 1 {
		t.Fatalf("import: %+v", res[0])
	}
	if n := count(t, st, `SELECT current_setting('threads')`); n != 3 {
		t.Errorf("threads after the import = %d, want 3", n)
	}
}
