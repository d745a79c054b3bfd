package engine

import (
	"database/sql/driver"

	"github.com/duckdb/duckdb-go/v2"

	"trawl/event"
)

// appenderWriter appends rows one at a time through DuckDB's appender.
type appenderWriter struct {
	app *duckdb.Appender
	row []driver.Value
}

// newEventWriter opens the writer of the events table: the chunk writer, or duckdb-go's row
// appender when the chunk writer cannot be used with this connection (see chunkWriter).
func newEventWriter(conn driver.Conn) (eventWriter, error) {
	if !useRowAppender {
		if w, err := newChunkWriter(conn); err == nil {
			return w, nil
		}
	}
	return newAppenderWriter(conn)
}

// useRowAppender makes newEventWriter use the row appender: for tests that compare the two.
var useRowAppender = false

func newAppenderWriter(conn driver.Conn) (eventWriter, error) {
	app, err := duckdb.NewAppenderFromConn(conn, "", "events")
	if err != nil {
		return nil, err
	}
	return &appenderWriter{app: app, row: make([]driver.Value, fixedCols+len(event.Columns)+3)}, nil
}

func (w *appenderWriter) Write(r *eventRow) error {
	row := w.row
	row[0], row[1], row[2], row[3], row[4] = r.id, r.fileID, nullInt(r.rec.Line), r.rec.Offset, r.source
	for i := range event.Columns {
		row[fixedCols+i] = r.column(i)
	}
	n := fixedCols + len(event.Columns)
	row[n], row[n+1], row[n+2] = nullStr(r.userKey), nullStr(r.targetKey), nullStr(r.hostKey)
	return w.app.AppendRow(row...)
}

func (w *appenderWriter) Close() error { return w.app.Close() }
