package engine

import (
	"database/sql/driver"
	"errors"
	"fmt"
	"reflect"
	"unsafe"

	"github.com/duckdb/duckdb-go/v2"
	"github.com/duckdb/duckdb-go/v2/mapping"

	"trawl/event"
)

// chunkWriter fills DuckDB data chunks column by column and hands each full chunk to a DuckDB
// appender in one call. duckdb-go's Appender.AppendRow makes one cgo call per value, NULLs
// included (a validity bit is set through C), and boxes every value in an interface; the events
// table has 50 columns, most of them NULL for any one source. Here a NULL costs a bit in a Go
// word, integers, timestamps and strings of up to 12 bytes are written straight into the
// vector's memory, and only longer strings cross into C (DuckDB copies them into its string
// heap). What is stored is the same as with appenderWriter: TestChunkWriterSameRows compares
// both.
type chunkWriter struct {
	app    mapping.Appender
	chunk  mapping.DataChunk
	types  []mapping.LogicalType
	cols   []chunkColumn
	size   int // rows a chunk holds (DuckDB's vector size)
	n      int // rows in the current chunk
	chunks int
}

type chunkColumn struct {
	vec   mapping.Vector
	data  unsafe.Pointer // the vector's values: int64 for BIGINT and TIMESTAMP, string_t for VARCHAR
	valid []uint64       // validity bits of the chunk's rows, 1 = not NULL; copied into DuckDB at flush
	nulls bool           // some row of the chunk is NULL
}

// duckdbConnOffset is where duckdb-go keeps the C connection handle in its Conn. duckdb-go does
// not export it; it is found by reflection (name and type), so a duckdb-go whose Conn is laid
// out differently makes newEventWriter fall back to the row appender instead of misreading.
var duckdbConnOffset, duckdbConnOK = func() (uintptr, bool) {
	f, ok := reflect.TypeFor[duckdb.Conn]().FieldByName("conn")
	if !ok || f.Type != reflect.TypeFor[mapping.Connection]() {
		return 0, false
	}
	return f.Offset, true
}()

// rawConnection is the C connection of a duckdb-go driver connection.
func rawConnection(dc driver.Conn) (mapping.Connection, bool) {
	c, ok := dc.(*duckdb.Conn)
	if !ok || c == nil || !duckdbConnOK {
		return mapping.Connection{}, false
	}
	conn := *(*mapping.Connection)(unsafe.Add(unsafe.Pointer(c), duckdbConnOffset))
	return conn, conn.Ptr != nil
}

// eventColumnTypes is the storage type of each column of the events table, in table order:
// the bookkeeping columns, the catalogue's, then the entity keys.
func eventColumnTypes() []mapping.Type {
	out := []mapping.Type{mapping.TypeBigInt, mapping.TypeBigInt, mapping.TypeBigInt, mapping.TypeBigInt, mapping.TypeVarchar}
	for _, c := range event.Columns {
		switch c.Type {
		case event.TypeTime:
			out = append(out, mapping.TypeTimestamp)
		case event.TypeInt:
			out = append(out, mapping.TypeBigInt)
		default:
			out = append(out, mapping.TypeVarchar)
		}
	}
	return append(out, mapping.TypeVarchar, mapping.TypeVarchar, mapping.TypeVarchar)
}

// newChunkWriter opens an appender on the events table of the connection. It fails when the
// connection is not duckdb-go's or the table's columns are not what the writer fills.
func newChunkWriter(dc driver.Conn) (*chunkWriter, error) {
	conn, ok := rawConnection(dc)
	if !ok {
		return nil, errors.New("no DuckDB connection handle")
	}
	w := &chunkWriter{size: int(mapping.VectorSize())}
	if mapping.AppenderCreateExt(conn, "", "", "events", &w.app) == mapping.StateError {
		err := errors.New(mapping.AppenderError(w.app))
		mapping.AppenderDestroy(&w.app)
		return nil, err
	}
	want := eventColumnTypes()
	if n := int(mapping.AppenderColumnCount(w.app)); n != len(want) {
		mapping.AppenderDestroy(&w.app)
		return nil, fmt.Errorf("events has %d columns, the writer fills %d", n, len(want))
	}
	for i, t := range want {
		lt := mapping.AppenderColumnType(w.app, mapping.IdxT(i))
		w.types = append(w.types, lt)
		if got := mapping.GetTypeId(lt); got != t {
			w.destroy()
			return nil, fmt.Errorf("events column %d has type %d, the writer fills %d", i+1, got, t)
		}
	}
	w.chunk = mapping.CreateDataChunk(w.types)
	w.cols = make([]chunkColumn, len(want))
	words := (w.size + 63) / 64
	for i := range w.cols {
		w.cols[i].valid = make([]uint64, words)
	}
	w.startChunk()
	return w, nil
}

// startChunk points the columns at the (reset) chunk's vectors and marks every row valid.
func (w *chunkWriter) startChunk() {
	for i := range w.cols {
		c := &w.cols[i]
		c.vec = mapping.DataChunkGetVector(w.chunk, mapping.IdxT(i))
		c.data = mapping.VectorGetData(c.vec)
		for j := range c.valid {
			c.valid[j] = ^uint64(0)
		}
		c.nulls = false
	}
	w.n = 0
}

func (c *chunkColumn) setNull(row int) {
	c.valid[row>>6] &^= 1 << (row & 63)
	c.nulls = true
}

func (c *chunkColumn) setInt(row int, v int64) {
	*(*int64)(unsafe.Add(c.data, row*8)) = v
}

// stringInline is how many bytes DuckDB keeps inside a string_t; longer strings live in the
// vector's string heap.
const stringInline = 12

// setString writes a non-NULL string. A string_t is 16 bytes: its length (uint32), then the
// string itself when it fits in 12 bytes (zero-padded: DuckDB compares inlined strings as
// whole words), else a prefix and a pointer, which DuckDB's own assign fills.
func (c *chunkColumn) setString(row int, s string) {
	if len(s) > stringInline {
		mapping.VectorAssignStringElement(c.vec, mapping.IdxT(row), s)
		return
	}
	var b [16]byte
	*(*uint32)(unsafe.Pointer(&b[0])) = uint32(len(s))
	copy(b[4:], s)
	*(*[16]byte)(unsafe.Add(c.data, row*16)) = b
}

// setText writes s, or NULL when it is empty.
func (c *chunkColumn) setText(row int, s string) {
	if s == "" {
		c.setNull(row)
		return
	}
	c.setString(row, s)
}

// Timestamps DuckDB can hold (the range duckdb-go's appender checks).
const minTimestampYear, maxTimestampYear = -290307, 294246

func (w *chunkWriter) Write(r *eventRow) error {
	if w.n == w.size {
		if err := w.flush(); err != nil {
			return err
		}
	}
	row, cols := w.n, w.cols
	cols[0].setInt(row, r.id)
	cols[1].setInt(row, r.fileID)
	if r.rec.Line > 0 {
		cols[2].setInt(row, r.rec.Line)
	} else {
		cols[2].setNull(row)
	}
	cols[3].setInt(row, r.rec.Offset)
	cols[4].setString(row, r.source) // NOT NULL: an empty source is stored as ''
	for i := range event.Columns {
		c := &cols[fixedCols+i]
		acc := &columnAccess[i]
		switch acc.kind {
		case accessTime:
			t := r.ev.Time
			if t.IsZero() {
				c.setNull(row)
				continue
			}
			if y := t.Year(); y < minTimestampYear || y > maxTimestampYear {
				return fmt.Errorf("column time: year %d is out of DuckDB's timestamp range", y)
			}
			c.setInt(row, t.UnixMicro())
		case accessInt:
			if v := acc.num(&r.ev); v.OK {
				c.setInt(row, v.V)
			} else {
				c.setNull(row)
			}
		case accessFields:
			c.setText(row, r.fields)
		case accessEscaped:
			s := acc.str(&r.ev)
			if !sameText(s, r.fields) { // the fields text was checked already: it is valid
				s = EscapeText(s)
			}
			c.setText(row, s)
		default:
			c.setText(row, validText(acc.str(&r.ev)))
		}
	}
	n := fixedCols + len(event.Columns)
	cols[n].setText(row, r.userKey)
	cols[n+1].setText(row, r.targetKey)
	cols[n+2].setText(row, r.hostKey)
	w.n++
	return nil
}

// sameText reports whether a and b are the same bytes in memory. A JSON record's raw text and
// its fields text are one string; prepareRow's validText returns its argument itself only when
// it is valid UTF-8 without NUL, so raw needs no second check then.
func sameText(a, b string) bool {
	return len(a) == len(b) && len(a) > 0 && unsafe.StringData(a) == unsafe.StringData(b)
}

// flush hands the filled chunk to the appender and starts an empty one.
func (w *chunkWriter) flush() error {
	if w.n == 0 {
		return nil
	}
	words := (w.n + 63) / 64
	for i := range w.cols {
		c := &w.cols[i]
		if !c.nulls {
			continue
		}
		mapping.VectorEnsureValidityWritable(c.vec)
		mask := unsafe.Slice((*uint64)(mapping.VectorGetValidity(c.vec)), words)
		copy(mask, c.valid[:words])
	}
	mapping.DataChunkSetSize(w.chunk, mapping.IdxT(w.n))
	if mapping.AppendDataChunk(w.app, w.chunk) == mapping.StateError {
		return fmt.Errorf("appending to events: %s", mapping.AppenderError(w.app))
	}
	mapping.DataChunkReset(w.chunk)
	w.startChunk()
	// Move the appended rows into the transaction every few chunks: the appender otherwise
	// keeps the whole batch in a buffer of its own until Close, and then copies it into the
	// transaction, holding the batch twice.
	if w.chunks++; flushChunks > 0 && w.chunks%flushChunks == 0 {
		if mapping.AppenderFlush(w.app) == mapping.StateError {
			return fmt.Errorf("appending to events: %s", mapping.AppenderError(w.app))
		}
	}
	return nil
}

// flushChunks is how many chunks the appender buffers before they move into the transaction.
// Measured on 1M JSON lines (471 MB, 2 cores): peak RSS 934 MB when the batch moved at Close,
// 718 MB every 8 chunks (16,384 rows), 671 MB every chunk, CPU time the same within noise.
var flushChunks = 8

// Close appends what is left and closes the appender; its rows are then part of the
// connection's transaction.
func (w *chunkWriter) Close() error {
	err := w.flush()
	if err == nil && mapping.AppenderFlush(w.app) == mapping.StateError {
		err = fmt.Errorf("appending to events: %s", mapping.AppenderError(w.app))
	}
	if err != nil {
		mapping.AppenderClear(w.app) // drop what was not stored, as duckdb-go's Close does
	}
	w.destroy()
	return err
}

func (w *chunkWriter) destroy() {
	if w.chunk.Ptr != nil {
		mapping.DestroyDataChunk(&w.chunk)
	}
	for i := range w.types {
		mapping.DestroyLogicalType(&w.types[i])
	}
	w.types = nil
	if w.app.Ptr != nil {
		mapping.AppenderDestroy(&w.app)
	}
}

// How the writer reads each catalogue column of an Event without boxing it in an interface.
type accessKind int

const (
	accessText    accessKind = iota // a string stored as valid UTF-8 (NULL when empty)
	accessEscaped                   // raw and message: invalid bytes kept as \xNN
	accessInt
	accessTime
	accessFields // the row's fields JSON
)

type columnAccessor struct {
	kind accessKind
	str  func(*event.Event) string
	num  func(*event.Event) event.Int
}

// eventStrings and eventInts read the catalogue's columns by name. A column missing here
// (added to the catalogue later) is read through its Get, which is slower but the same.
var eventStrings = map[string]func(*event.Event) string{
	"source_type":         func(e *event.Event) string { return e.SourceType },
	"category":            func(e *event.Event) string { return e.Category },
	"dataset":             func(e *event.Event) string { return e.Dataset },
	"event_code":          func(e *event.Event) string { return e.EventCode },
	"action":              func(e *event.Event) string { return e.Action },
	"outcome":             func(e *event.Event) string { return e.Outcome },
	"message":             func(e *event.Event) string { return e.Message },
	"host":                func(e *event.Event) string { return e.Host },
	"user":                func(e *event.Event) string { return e.User },
	"user_domain":         func(e *event.Event) string { return e.UserDomain },
	"target_user":         func(e *event.Event) string { return e.TargetUser },
	"logon_type":          func(e *event.Event) string { return e.LogonType },
	"auth_package":        func(e *event.Event) string { return e.AuthPackage },
	"session_id":          func(e *event.Event) string { return e.SessionID },
	"src_ip":              func(e *event.Event) string { return e.SrcIP },
	"dst_ip":              func(e *event.Event) string { return e.DstIP },
	"protocol":            func(e *event.Event) string { return e.Protocol },
	"process_name":        func(e *event.Event) string { return e.ProcessName },
	"process_path":        func(e *event.Event) string { return e.ProcessPath },
	"command_line":        func(e *event.Event) string { return e.CommandLine },
	"parent_name":         func(e *event.Event) string { return e.ParentName },
	"parent_path":         func(e *event.Event) string { return e.ParentPath },
	"parent_command_line": func(e *event.Event) string { return e.ParentCommandLine },
	"file_path":           func(e *event.Event) string { return e.FilePath },
	"hash":                func(e *event.Event) string { return e.Hash },
	"registry":            func(e *event.Event) string { return e.Registry },
	"domain":              func(e *event.Event) string { return e.Domain },
	"url":                 func(e *event.Event) string { return e.URL },
	"http_method":         func(e *event.Event) string { return e.HTTPMethod },
	"user_agent":          func(e *event.Event) string { return e.UserAgent },
	"rule_name":           func(e *event.Event) string { return e.RuleName },
	"raw":                 func(e *event.Event) string { return e.Raw },
}

var eventInts = map[string]func(*event.Event) event.Int{
	"severity":    func(e *event.Event) event.Int { return e.Severity },
	"src_port":    func(e *event.Event) event.Int { return e.SrcPort },
	"dst_port":    func(e *event.Event) event.Int { return e.DstPort },
	"bytes_in":    func(e *event.Event) event.Int { return e.BytesIn },
	"bytes_out":   func(e *event.Event) event.Int { return e.BytesOut },
	"pid":         func(e *event.Event) event.Int { return e.PID },
	"ppid":        func(e *event.Event) event.Int { return e.PPID },
	"http_status": func(e *event.Event) event.Int { return e.HTTPStatus },
}

// columnAccess has one accessor per catalogue column, in order.
var columnAccess = func() []columnAccessor {
	out := make([]columnAccessor, len(event.Columns))
	for i, c := range event.Columns {
		get := c.Get
		switch c.Type {
		case event.TypeTime:
			out[i].kind = accessTime
		case event.TypeInt:
			out[i].kind = accessInt
			if f, ok := eventInts[c.Name]; ok {
				out[i].num = f
			} else {
				out[i].num = func(e *event.Event) event.Int {
					v, ok := get(e).(int64)
					return event.Int{V: v, OK: ok}
				}
			}
		case event.TypeJSON:
			out[i].kind = accessFields
		default:
			if c.Name == "raw" || c.Name == "message" {
				out[i].kind = accessEscaped
			}
			if f, ok := eventStrings[c.Name]; ok {
				out[i].str = f
			} else {
				out[i].str = func(e *event.Event) string { s, _ := get(e).(string); return s }
			}
		}
	}
	return out
}()
