package engine

import (
	"context"
	"database/sql/driver"
	"fmt"
	"io/fs"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"trawl/event"
	"trawl/internal/testutil"
)

// TestChunkWriterUsed checks that imports go through the chunk writer: a duckdb-go whose
// connection no longer matches would silently fall back to the slower row appender.
func TestChunkWriterUsed(t *testing.T) {
	st, _ := openTemp(t)
	conn, err := st.db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		w, err := newEventWriter(dc.(driver.Conn))
		if err != nil {
			return err
		}
		defer w.Close()
		if _, ok := w.(*chunkWriter); !ok {
			return fmt.Errorf("events are written by %T, not the chunk writer", w)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestColumnAccess checks that the writer reads every catalogue column as the catalogue's Get
// does.
func TestColumnAccess(t *testing.T) {
	// a distinct value in every string and Int field of the Event
	var ev event.Event
	v := reflect.ValueOf(&ev).Elem()
	for i := range v.NumField() {
		switch f := v.Field(i); f.Type() {
		case reflect.TypeFor[string]():
			f.SetString(fmt.Sprintf("value of %s", v.Type().Field(i).Name))
		case reflect.TypeFor[event.Int]():
			f.Set(reflect.ValueOf(event.IntOf(int64(1000 + i))))
		}
	}
	for i, c := range event.Columns {
		a := columnAccess[i]
		switch c.Type {
		case event.TypeInt:
			want := c.Get(&ev)
			if v := a.num(&ev); !v.OK || v.V != want {
				t.Errorf("%s: accessor %v, Get %v", c.Name, v, want)
			}
			if _, ok := eventInts[c.Name]; !ok {
				t.Errorf("%s has no typed accessor in eventInts", c.Name)
			}
		case event.TypeString, event.TypeIP:
			want := c.Get(&ev)
			if got := a.str(&ev); got != want || got == "" {
				t.Errorf("%s: accessor %q, Get %q", c.Name, got, want)
			}
			if _, ok := eventStrings[c.Name]; !ok {
				t.Errorf("%s has no typed accessor in eventStrings", c.Name)
			}
		}
	}
}

// edgeEvents are events whose values sit on the chunk writer's boundaries: strings of 12 and 13
// bytes (inlined or not), empty, invalid UTF-8 and NUL, times before 1970 and with sub-
// microsecond parts, NULL and extreme integers, and enough rows to fill several chunks.
func edgeEvents(n int) []event.Event {
	out := make([]event.Event, n)
	base := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	for i := range out {
		ev := &out[i]
		switch i % 7 {
		case 0:
			ev.Time = base.Add(time.Duration(i) * time.Millisecond)
		case 1:
			ev.Time = time.Date(1950, 6, 1, 12, 0, 0, 999, time.UTC) // before 1970, nanoseconds dropped
		case 2:
			ev.Time = base.Add(time.Duration(i)*time.Second + 1500*time.Nanosecond)
		}
		ev.User = strings.Repeat("u", i%20) // lengths 0..19 around the 12-byte inline limit
		ev.Host = fmt.Sprintf("WS%010d.corp", i)
		ev.SrcIP = fmt.Sprintf("10.0.%d.%d", i/256%256, i%256)
		if i%3 == 0 {
			ev.SrcPort = event.IntOf(int64(i))
		}
		if i%11 == 0 {
			ev.BytesOut = event.IntOf(-1 << 63)
			ev.BytesIn = event.IntOf(1<<63 - 1)
		}
		if i%5 == 0 {
			ev.Message = "bad \xff bytes \x00 and NUL"
			ev.CommandLine = "cmd \xc3 /c"
		}
		ev.Action = []string{"", "logon", "process-start", "exactly12byt", "thirteen-byte"}[i%5]
		ev.Raw = fmt.Sprintf("raw line %d with some text", i)
		if i%4 == 0 {
			ev.Fields = map[string]any{"n": i, "s": "x"}
		}
		if i%13 == 0 {
			ev.SourceType = "custom"
		}
		switch i % 6 { // a JSON record: raw and fields are one string, valid or not
		case 1:
			ev.Raw = fmt.Sprintf(`{"n":%d,"s":"text"}`, i)
			ev.FieldsJSON = ev.Raw
		case 4:
			ev.Raw = fmt.Sprintf("{\"n\":%d,\"s\":\"bad \xff \x00\"}", i)
			ev.FieldsJSON = ev.Raw
		}
	}
	return out
}

// TestChunkWriterSameRows stores edge-case events through the chunk writer and through
// duckdb-go's row appender and compares every stored row, reject and file row.
func TestChunkWriterSameRows(t *testing.T) {
	compareWriters(t, func(st *Store) {
		if err := st.InsertEvents(context.Background(), "edge", edgeEvents(12_345)); err != nil {
			t.Fatal(err)
		}
	})
}

// TestChunkWriterSameRowsSamples does the same with real sample files of every format.
func TestChunkWriterSameRowsSamples(t *testing.T) {
	files := pickSamples(t, testutil.Samples(t))
	compareWriters(t, func(st *Store) {
		for _, r := range st.ImportFiles(context.Background(), files, ImportOptions{Workers: 1}) {
			if r.Err != nil {
				t.Logf("%s: %v", r.File, r.Err)
			}
		}
	})
}

// compareWriters fills a store with load once through each writer and fails on any difference
// in events, rejects or files (but the import time and duration).
func compareWriters(t *testing.T, load func(*Store)) {
	t.Helper()
	defer func(n, f int) { batchRows, flushChunks = n, f }(batchRows, flushChunks)
	batchRows = 5000 // several batches, each several chunks and a part-filled one
	flushChunks = 2  // and the appender's rows move into the transaction within a batch
	dump := func(rowAppender bool) map[string][][]any {
		useRowAppender = rowAppender
		defer func() { useRowAppender = false }()
		st, _ := openTemp(t)
		load(st)
		out := map[string][][]any{}
		for name, q := range map[string]string{
			"events":  `SELECT * FROM events ORDER BY id`,
			"rejects": `SELECT * FROM rejects ORDER BY file_id, byte_offset, line`,
			"files":   `SELECT * EXCLUDE (imported_at, duration_ms) FROM files ORDER BY id`,
		} {
			rows, err := st.db.Query(q)
			if err != nil {
				t.Fatal(err)
			}
			cols, _ := rows.Columns()
			for rows.Next() {
				vals := make([]any, len(cols))
				ptrs := make([]any, len(cols))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				if err := rows.Scan(ptrs...); err != nil {
					t.Fatal(err)
				}
				out[name] = append(out[name], vals)
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			rows.Close()
		}
		return out
	}
	rowApp, chunk := dump(true), dump(false)
	if len(chunk["events"]) == 0 {
		t.Fatal("no events stored")
	}
	t.Logf("%d events, %d rejects, %d files compared", len(chunk["events"]), len(chunk["rejects"]), len(chunk["files"]))
	for _, table := range []string{"events", "rejects", "files"} {
		if diff := cmp.Diff(rowApp[table], chunk[table]); diff != "" {
			t.Errorf("%s differ (-row appender +chunk writer):\n%s", table, diff)
		}
	}
}

// TestChunkWriterTimeRange checks that a time DuckDB cannot store fails the import, as it did
// with the row appender, and leaves nothing behind.
func TestChunkWriterTimeRange(t *testing.T) {
	for _, rowAppender := range []bool{true, false} {
		useRowAppender = rowAppender
		st, _ := openTemp(t)
		evs := edgeEvents(10)
		evs[5].Time = time.Date(300_000, 1, 1, 0, 0, 0, 0, time.UTC)
		err := st.InsertEvents(context.Background(), "far", evs)
		useRowAppender = false
		if err == nil {
			t.Fatalf("row appender %v: year 300000 stored", rowAppender)
		}
		if n := count(t, st, `SELECT count(*) FROM events`); n != 0 {
			t.Fatalf("row appender %v: %d events left after a failed insert", rowAppender, n)
		}
	}
}

// pickSamples takes up to three small files of each sample folder, so every format is seen.
func pickSamples(t *testing.T, root string) []string {
	t.Helper()
	per := map[string]int{}
	var out []string
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		top, _, _ := strings.Cut(rel, string(filepath.Separator))
		if top == "attack" || strings.HasSuffix(p, ".md") || strings.HasSuffix(p, ".txt") || strings.HasSuffix(p, ".csv") {
			return nil
		}
		if info, err := d.Info(); err != nil || info.Size() > 4<<20 || per[top] >= 3 {
			return nil
		}
		per[top]++
		out = append(out, p)
		return nil
	})
	sort.Strings(out)
	return out
}
