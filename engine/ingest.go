package engine

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"trawl/event"
	"trawl/importers"
)

// ImportOptions configure an import.
type ImportOptions struct {
	Format  string            // force a format by name; empty means detect from content
	Options map[string]string // format options (CSV column mapping, ...)
	Source  string            // source label; empty means the format name
	Workers int               // files imported at once; 0 means GOMAXPROCS
	// ParseWorkers is how many goroutines parse one file of a line format; 0 means GOMAXPROCS,
	// 1 parses on the import goroutine alone.
	ParseWorkers int
	// Progress, when set, is called from import goroutines as input is consumed.
	Progress func(p Progress)
}

// Progress reports how far one file's import has come.
type Progress struct {
	File      string
	BytesRead int64 // of the file as stored (compressed bytes for compressed files)
	Size      int64
	Events    int64
	Rejects   int64
	Done      bool
}

// FileResult is the outcome of importing one file.
type FileResult struct {
	File        string `json:"file"`
	Format      string `json:"format,omitempty"`
	Source      string `json:"source,omitempty"`
	Events      int64  `json:"events"`
	Rejects     int64  `json:"rejects"`
	Skipped     bool   `json:"skipped,omitempty"` // already imported (same fingerprint)
	Err         error  `json:"-"`
	Error       string `json:"error,omitempty"`
	DurationMS  int64  `json:"duration_ms"`
	Bytes       int64  `json:"bytes"`
	Compression string `json:"compression,omitempty"`
	Encoding    string `json:"encoding,omitempty"` // from a byte order mark: utf-8, utf-16le, utf-16be
}

// ImportFiles imports each file, several at a time. Each file is one transaction: it lands
// whole or not at all, so a killed import leaves the store consistent and the file is simply
// imported again next time. A file already imported (same fingerprint) is skipped. Results
// come back in the order of files; a file that cannot be read has Err set, and the others go on.
func (s *Store) ImportFiles(ctx context.Context, files []string, opt ImportOptions) []FileResult {
	results := make([]FileResult, len(files))
	restore := s.loadThreads(ctx)
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, len(files))
	jobs := make(chan int)
	var wg sync.WaitGroup
	var seen sync.Map // fingerprints claimed within this run
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				r := s.importFile(ctx, files[i], opt, &seen)
				if r.Err != nil {
					r.Error = r.Err.Error()
				}
				results[i] = r
			}
		}()
	}
	for i := range files {
		if ctx.Err() != nil {
			results[i] = FileResult{File: files[i], Err: ctx.Err(), Error: ctx.Err().Error()}
			continue
		}
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	restore()
	s.afterImport(ctx, results)
	return results
}

// loadThreads gives DuckDB one thread while files are loaded, and returns what puts the
// setting back. Loading is appends and commits, and a commit compresses its row group on the
// committing connection's thread: with more threads DuckDB's idle workers spin on its task
// queue's lock (pthread_mutex_lock and unlock were 17% of a perf profile of a 300k-line import,
// 5% with one thread) on the cores the parse workers need. The pass after the import (features,
// summary) runs with one thread on stores under 2M events (passThreads, engine/features.go),
// else with all threads. The setting is the database's, so a query running
// meanwhile on the same store gets one thread too.
func (s *Store) loadThreads(ctx context.Context) (restore func()) {
	var threads int64
	if err := s.db.QueryRowContext(ctx, `SELECT current_setting('threads')`).Scan(&threads); err != nil || threads <= 1 {
		return func() {}
	}
	restore = func() {
		s.db.ExecContext(context.WithoutCancel(ctx), `SET threads = `+strconv.FormatInt(threads, 10))
	}
	// Not with ctx: a cancellation that comes as the statement runs could leave the setting
	// at one thread while reporting an error, and nothing would restore it.
	if _, err := s.db.ExecContext(context.WithoutCancel(ctx), `SET threads = 1`); err != nil {
		restore() // whatever DuckDB did
		return func() {}
	}
	return restore
}

// fingerprint identifies a file's content cheaply: its size and the SHA-256 of its first and
// last MiB. Renamed or copied files are recognised; appended-to files are new.
func fingerprint(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", 0, err
	}
	h := sha256.New()
	fmt.Fprintf(h, "%d\n", st.Size())
	const part = 1 << 20
	if _, err := io.CopyN(h, f, part); err != nil && err != io.EOF {
		return "", 0, err
	}
	if st.Size() > 2*part {
		if _, err := f.Seek(-part, io.SeekEnd); err != nil {
			return "", 0, err
		}
		if _, err := io.Copy(h, f); err != nil {
			return "", 0, err
		}
	} else if st.Size() > part {
		if _, err := io.Copy(h, f); err != nil {
			return "", 0, err
		}
	}
	return hex.EncodeToString(h.Sum(nil)), st.Size(), nil
}

type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

func (s *Store) importFile(ctx context.Context, path string, opt ImportOptions, seen *sync.Map) (res FileResult) {
	start := time.Now()
	res.File = path
	defer func() { res.DurationMS = time.Since(start).Milliseconds() }()
	fp, size, err := fingerprint(path)
	if err != nil {
		res.Err = err
		return res
	}
	res.Bytes = size
	if _, dup := seen.LoadOrStore(fp, path); dup {
		res.Skipped = true
		return res
	}
	var existing int64
	err = s.db.QueryRowContext(ctx, `SELECT id FROM files WHERE fingerprint = ?`, fp).Scan(&existing)
	if err == nil {
		res.Skipped = true
		return res
	} else if !errors.Is(err, sql.ErrNoRows) {
		res.Err = err
		return res
	}

	f, err := os.Open(path)
	if err != nil {
		res.Err = err
		return res
	}
	defer f.Close()
	cr := &countingReader{r: f}
	in, err := importers.OpenReader(path, cr, size)
	if err != nil {
		res.Err = err
		return res
	}
	defer in.Close()
	res.Compression, res.Encoding = in.Compression, in.Encoding

	var format importers.Format
	if opt.Format != "" {
		var ok bool
		if format, ok = importers.Lookup(opt.Format); !ok {
			res.Err = fmt.Errorf("%s: unknown format %q", path, opt.Format)
			return res
		}
	} else if len(in.Head) == 0 {
		format = emptyFormat{} // an empty file is read, and has nothing in it
	} else if format, err = importers.Detect(in.Head); err != nil {
		res.Err = fmt.Errorf("%s: %w", path, err)
		return res
	}
	if len(opt.Options) > 0 {
		c, ok := format.(importers.Configurable)
		if !ok {
			res.Err = fmt.Errorf("%s: format %s takes no options", path, format.Name())
			return res
		}
		if format, err = c.WithOptions(opt.Options); err != nil {
			res.Err = fmt.Errorf("%s: %w", path, err)
			return res
		}
	}
	res.Format = format.Name()
	res.Source = opt.Source
	if res.Source == "" {
		res.Source = format.Name()
	}

	workers := parseWorkers(opt.ParseWorkers)
	meta := fileMeta{path: path, fingerprint: fp, size: size, format: format.Name(), source: res.Source, compression: in.Compression, start: start}
	res.Events, res.Rejects, err = s.loadFile(ctx, meta, func(sink *appendSink) error {
		if opt.Progress != nil {
			sink.progress = func() {
				opt.Progress(Progress{File: path, BytesRead: cr.n.Load(), Size: size, Events: sink.nEvents, Rejects: sink.nRejects})
			}
		}
		var readErr error
		if lp, ok := format.(importers.LineParser); ok && workers > 1 {
			readErr = readParallel(ctx, in.Input, lp, sink, workers)
		} else {
			readErr = format.Read(ctx, in.Input, sink)
		}
		if at, broken := in.Broken(); readErr == nil && broken != nil {
			// A compressed file that breaks off (a truncated gzip): what came before the break
			// is imported, and the break is a reject of its own, so the file's row shows it.
			readErr = sink.Reject(importers.Reject{Offset: at, Reason: broken.Error() + "; the rest of the file cannot be read"})
		}
		if readErr != nil {
			return fmt.Errorf("%s: %w", path, readErr)
		}
		return nil
	})
	if err != nil {
		res.Err = err
		res.Events, res.Rejects = 0, 0
	}
	if opt.Progress != nil {
		opt.Progress(Progress{File: path, BytesRead: size, Size: size, Events: res.Events, Rejects: res.Rejects, Done: true})
	}
	return res
}

func namedValues(vals ...any) []driver.NamedValue {
	out := make([]driver.NamedValue, len(vals))
	for i, v := range vals {
		out[i] = driver.NamedValue{Ordinal: i + 1, Value: v}
	}
	return out
}

// fileMeta describes an input for its row in the files table.
type fileMeta struct {
	path, fingerprint, format, source, compression string
	size                                           int64
	start                                          time.Time
}

// loadFile stores one input: it claims the file's row, lets read feed the sink, and commits in
// batches (see batcher). It is all or nothing: when read or storing fails, the file's events,
// rejects and row are removed again.
func (s *Store) loadFile(ctx context.Context, m fileMeta, read func(*appendSink) error) (events, rejects int64, err error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return 0, 0, err
	}
	defer conn.Close()
	fileID := s.nextFile.Add(1) - 1
	err = conn.Raw(func(dc any) error {
		ex := dc.(driver.ExecerContext)
		bg := context.WithoutCancel(ctx) // bookkeeping that must happen even when ctx is done
		exec := func(c context.Context, q string, args ...any) error {
			_, err := ex.ExecContext(c, q, namedValues(args...))
			return err
		}
		// Claim the file first, in a statement of its own: its fingerprint is unique.
		if err := exec(ctx, `INSERT INTO files (id, path, fingerprint, size, format, source, compression, events, rejects, imported_at, status)
			VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0, ?, 'importing')`, fileID, m.path, m.fingerprint, m.size, m.format, m.source, nullStr(m.compression), time.Now().UTC()); err != nil {
			return err
		}
		b := &batcher{ctx: ctx, conn: dc.(driver.Conn), exec: exec, fileID: fileID}
		done := false
		defer func() {
			if !done { // all or nothing: a failed file leaves no trace
				b.abort()
				exec(bg, `DELETE FROM events WHERE file_id = ?`, fileID)
				exec(bg, `DELETE FROM rejects WHERE file_id = ?`, fileID)
				exec(bg, `DELETE FROM files WHERE id = ?`, fileID)
			}
		}()
		sink := &appendSink{store: s, fileID: fileID, source: m.source, format: m.format, batch: b}
		b.sink = sink
		if err := b.begin(); err != nil {
			return err
		}
		if err := read(sink); err != nil {
			return err
		}
		if err := b.commit(); err != nil {
			return fmt.Errorf("%s: storing: %w", m.path, err)
		}
		events, rejects = sink.nEvents, sink.nRejects
		if err := exec(ctx, `UPDATE files SET status = 'done', duration_ms = ? WHERE id = ?`, time.Since(m.start).Milliseconds(), fileID); err != nil {
			return err
		}
		done = true
		return nil
	})
	if err != nil {
		return 0, 0, err
	}
	return events, rejects, nil
}

// InsertEvents stores events as one pseudo-file called name (nothing is read from disk): for
// rule test cases and tests. Each event's place in evs is its line number. Unlike an import it
// computes no derived data: a caller that needs the features or the entity summary runs
// UpdateFeatures or UpdateEntitySummary (profiles read the events while the summary lags).
func (s *Store) InsertEvents(ctx context.Context, name string, evs []event.Event) error {
	fp := fmt.Sprintf("inserted:%d:%s", s.nextFile.Load(), name)
	_, _, err := s.loadFile(ctx, fileMeta{path: name, fingerprint: fp, format: "inserted", source: "inserted", start: time.Now()}, func(sink *appendSink) error {
		for i := range evs {
			// sink.Event leaves evs as they are: the row takes a copy
			if err := sink.Event(importers.Record{Line: int64(i + 1)}, &evs[i]); err != nil {
				return err
			}
		}
		return nil
	})
	return err
}

// appendSink writes events and rejects of one file to the store, through the batcher's current
// transaction.
type appendSink struct {
	store             *Store
	batch             *batcher
	fileID            int64
	source, format    string
	nEvents, nRejects int64
	first, last       time.Time
	scratch           []byte // prepareRow's buffer
	progress          func()
}

// eventRow is one row of the events table as the writers take it: bookkeeping, the event and
// its entity keys, with text already made storable.
type eventRow struct {
	id, fileID int64
	rec        importers.Record
	source     string
	ev         event.Event // a copy: the reader may reuse its Event; Fields is not read
	fields     string      // JSON text of ev.Fields, "" for none
	userKey    string
	targetKey  string
	hostKey    string
}

// eventWriter appends event rows to the events table inside the file's transaction.
type eventWriter interface {
	Write(r *eventRow) error
	Close() error
}

// keys computes the entity resolution keys of the row.
func (r *eventRow) keys() {
	r.userKey, r.targetKey, r.hostKey = event.UserKey(r.ev.User), event.UserKey(r.ev.TargetUser), event.HostKey(r.ev.Host)
}

// column reads the catalogue column i of the row as the value stored: nil for NULL.
func (r *eventRow) column(i int) any {
	c := &event.Columns[i]
	switch c.Type {
	case event.TypeTime:
		if r.ev.Time.IsZero() {
			return nil
		}
		return r.ev.Time.UTC()
	case event.TypeInt:
		return c.Get(&r.ev)
	case event.TypeJSON:
		return nullStr(r.fields)
	default:
		s, _ := c.Get(&r.ev).(string)
		if c.Name == "raw" || c.Name == "message" {
			return nullStr(EscapeText(s))
		}
		return nullStr(validText(s))
	}
}

func (a *appendSink) Event(rec importers.Record, ev *event.Event) error {
	row := prepareRow(rec, ev, &a.scratch)
	return a.commit(&row)
}

// prepareRow copies what the store needs of an event (the reader may reuse ev) and does the
// per-row work that needs no order: the JSON text of its fields and its entity keys.
func prepareRow(rec importers.Record, ev *event.Event, scratch *[]byte) eventRow {
	row := eventRow{rec: rec, ev: *ev}
	row.ev.Fields, row.ev.FieldsJSON = nil, ""
	if ev.FieldsJSON != "" {
		row.fields = validText(ev.FieldsJSON)
	} else if len(ev.Fields) > 0 {
		// the same text as encoding/json's Encoder without HTML escaping, several times faster
		b, err := event.AppendFieldsJSON((*scratch)[:0], ev.Fields)
		if err == nil {
			row.fields = validText(string(b))
		}
		*scratch = b[:0] // keeps a grown buffer for the next row, without copying the text into it
	}
	row.keys()
	return row
}

// commit gives a prepared row its id, file and (when the reader left it empty) source type,
// and hands it to the writer, in file order. Both the serial and the parallel path end here.
func (a *appendSink) commit(row *eventRow) error {
	row.id, row.fileID, row.source = a.store.nextID.Add(1)-1, a.fileID, a.source
	if row.ev.SourceType == "" {
		row.ev.SourceType = a.format
	}
	if err := a.batch.events.Write(row); err != nil {
		return err
	}
	if t := row.ev.Time; !t.IsZero() {
		if a.first.IsZero() || t.Before(a.first) {
			a.first = t
		}
		if t.After(a.last) {
			a.last = t
		}
	}
	a.nEvents++
	if a.progress != nil && a.nEvents%4096 == 0 {
		a.progress()
	}
	return a.batch.tick()
}

func (a *appendSink) Reject(r importers.Reject) error {
	a.nRejects++
	// No copy of r.Raw: the appender copies the bytes into DuckDB's vector at once, so the
	// reader may reuse them as soon as this returns (the parallel path copies them only because
	// its rejects wait in a block until their turn). Empty Raw stays a nil slice, as before.
	raw := r.Raw
	if len(raw) == 0 {
		raw = nil
	}
	if err := a.batch.rejects.AppendRow(a.fileID, nullInt(r.Line), r.Offset, nullStr(r.Field), validText(r.Reason), raw); err != nil {
		return err
	}
	return a.batch.tick()
}

func nullStr(s string) driver.Value {
	if s == "" {
		return nil
	}
	return s
}

func nullInt(n int64) driver.Value {
	if n <= 0 {
		return nil
	}
	return n
}

// validText makes s storable as VARCHAR: invalid UTF-8 becomes U+FFFD, NUL is dropped.
func validText(s string) string {
	if utf8.ValidString(s) && !bytesContainsNUL(s) {
		return s
	}
	b := []byte(bytes.ToValidUTF8([]byte(s), []byte("\uFFFD")))
	return string(bytes.ReplaceAll(b, []byte{0}, nil))
}

func bytesContainsNUL(s string) bool { return strings.IndexByte(s, 0) >= 0 }

// EscapeText makes raw record text storable without losing bytes: valid UTF-8 stays as it is,
// each invalid byte and NUL becomes the four characters \xNN.
func EscapeText(s string) string {
	if utf8.ValidString(s) && !bytesContainsNUL(s) {
		return s
	}
	var b bytes.Buffer
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || r == 0 {
			fmt.Fprintf(&b, `\x%02x`, s[i])
			i++
			continue
		}
		b.WriteString(s[i : i+size])
		i += size
	}
	return b.String()
}

// fixedCols are the bookkeeping columns before the catalogue's: id, file_id, line,
// byte_offset, source.
const fixedCols = 5

// emptyFormat is what an empty input is: recorded as imported, with no events.
type emptyFormat struct{}

func (emptyFormat) Name() string        { return "empty" }
func (emptyFormat) Description() string { return "an empty file" }
func (emptyFormat) Sniff([]byte) int    { return 0 }
func (emptyFormat) Read(context.Context, importers.Input, importers.Sink) error {
	return nil
}

// WithOptions takes any options: there is nothing in an empty file for them to change, so an
// empty file among others imported with --option is not an error.
func (e emptyFormat) WithOptions(map[string]string) (importers.Format, error) { return e, nil }
