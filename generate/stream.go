package generate

import (
	"compress/gzip"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Opener creates one output file by its slash-separated name relative to the output root
// ("linux/auth.log"). DirOpener writes to a folder; tests use an in-memory opener.
type Opener func(name string) (io.WriteCloser, error)

// DirOpener returns an Opener creating files (and their folders) under dir.
func DirOpener(dir string) Opener {
	return func(name string) (io.WriteCloser, error) {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return nil, err
		}
		return os.Create(p)
	}
}

// GzipOpener wraps open so that every log file is gzip-compressed and named with a .gz
// suffix (trawl's importers decompress by content). The ground truth stays plain JSON.
func GzipOpener(open Opener) Opener {
	return func(name string) (io.WriteCloser, error) {
		if name == TruthFile {
			return open(name)
		}
		wc, err := open(name + ".gz")
		if err != nil {
			return nil, err
		}
		zw, err := gzip.NewWriterLevel(wc, gzip.BestCompression)
		if err != nil {
			wc.Close()
			return nil, err
		}
		return &gzipFile{zw, wc}, nil
	}
}

type gzipFile struct {
	*gzip.Writer
	file io.WriteCloser
}

func (g *gzipFile) Close() error {
	err := g.Writer.Close()
	if cerr := g.file.Close(); err == nil {
		err = cerr
	}
	return err
}

// pending is one formatted record waiting in a stream's reorder buffer.
type pending struct {
	t   int64 // unix nanoseconds
	seq uint64
	buf []byte
}

func (a pending) less(b pending) bool {
	if a.t != b.t {
		return a.t < b.t
	}
	return a.seq < b.seq
}

// streamKind says how records are framed in a file.
type streamKind int

const (
	linesKind      streamKind = iota // one record per line
	cloudTrailKind                   // {"Records":[...]} files, rotated by hour
)

// cloudTrailFileRecords caps the records in one CloudTrail file (AWS delivers a file about
// every five minutes; a busy hour here is split the same way).
const cloudTrailFileRecords = 2000

// stream is one output log. Activities emit records slightly out of order (a logon and the
// process it starts a few seconds later, while the next activity has already begun), so
// records wait in a small min-heap keyed by time and are written once the simulation clock
// has passed them. The heap holds only the records of activities still in progress and the
// pre-scheduled attack records, never a share of the whole output.
type stream struct {
	name   string
	kind   streamKind
	open   Opener
	out    *writer
	c      io.WriteCloser // the open file, nil between files
	chunk  []byte         // formatted bytes not yet handed to the writer
	heap   []pending
	free   [][]byte
	events int64
	err    error

	// CloudTrail file rotation.
	ctAccount string
	ctHour    int64
	ctCount   int
	ctRand    *rand.Rand
}

func newStream(name string, kind streamKind, open Opener, out *writer) *stream {
	return &stream{name: name, kind: kind, open: open, out: out, ctHour: -1}
}

// buf returns an empty buffer to format a record into.
func (s *stream) buf() []byte {
	if n := len(s.free); n > 0 {
		b := s.free[n-1]
		s.free = s.free[:n-1]
		return b[:0]
	}
	return make([]byte, 0, 1024)
}

// push queues a formatted record for time t.
func (s *stream) push(t time.Time, seq uint64, b []byte) {
	s.heap = append(s.heap, pending{t: t.UnixNano(), seq: seq, buf: b})
	i := len(s.heap) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !s.heap[i].less(s.heap[p]) {
			break
		}
		s.heap[i], s.heap[p] = s.heap[p], s.heap[i]
		i = p
	}
}

func (s *stream) pop() pending {
	h := s.heap
	top := h[0]
	n := len(h) - 1
	h[0] = h[n]
	h = h[:n]
	i := 0
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		m := l
		if r := l + 1; r < n && h[r].less(h[l]) {
			m = r
		}
		if !h[m].less(h[i]) {
			break
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
	s.heap = h
	return top
}

// flush writes every queued record at or before t (all of them when all is set).
func (s *stream) flush(t int64, all bool) {
	for len(s.heap) > 0 && (all || s.heap[0].t <= t) {
		p := s.pop()
		s.write(p)
		if cap(p.buf) <= 64<<10 {
			s.free = append(s.free, p.buf)
		}
	}
}

func (s *stream) write(p pending) {
	if s.err != nil {
		return
	}
	switch s.kind {
	case linesKind:
		if s.c == nil {
			if s.err = s.openFile(s.name); s.err != nil {
				return
			}
		}
		s.chunk = append(s.chunk, p.buf...)
		s.chunk = append(s.chunk, '\n')
	case cloudTrailKind:
		hour := p.t / int64(time.Hour)
		if s.c == nil || hour != s.ctHour || s.ctCount >= cloudTrailFileRecords {
			s.closeFile()
			s.ctHour, s.ctCount = hour, 0
			start := time.Unix(0, p.t).UTC()
			name := fmt.Sprintf("%s/%s_CloudTrail_%s_%s_%s.json", s.name, s.ctAccount, awsRegion,
				start.Format("20060102T1504Z"), randomToken(s.ctRand, 16))
			if s.err = s.openFile(name); s.err != nil {
				return
			}
			s.chunk = append(s.chunk, `{"Records":[`...)
		}
		if s.ctCount > 0 {
			s.chunk = append(s.chunk, ',')
		}
		s.ctCount++
		s.chunk = append(s.chunk, p.buf...)
	}
	s.events++
	if len(s.chunk) >= chunkSize {
		s.out.send(s.c, s.chunk, false)
		s.chunk = s.out.buffer()
	}
}

func (s *stream) openFile(name string) error {
	wc, err := s.open(name)
	if err != nil {
		return fmt.Errorf("creating %s: %w", name, err)
	}
	s.c = wc
	if s.chunk == nil {
		s.chunk = s.out.buffer()
	}
	return nil
}

// closeFile finishes the current file, if one is open: its last bytes and the close go to
// the writer.
func (s *stream) closeFile() {
	if s.c == nil {
		return
	}
	if s.kind == cloudTrailKind {
		s.chunk = append(s.chunk, "]}\n"...)
	}
	s.out.send(s.c, s.chunk, true)
	s.chunk = s.out.buffer()
	s.c = nil
}

// close drains the stream and closes its file.
func (s *stream) close() error {
	s.flush(0, true)
	s.closeFile()
	return s.err
}

// chunkSize is how many bytes a stream gathers before handing them to the writer.
const chunkSize = 256 << 10

// writer does the file writes on its own goroutine, so that formatting (the generator's
// goroutine) and the system calls of writing use two cores. Chunks are written in the order
// they are sent, so the output does not depend on scheduling.
type writer struct {
	ch   chan chunk
	free chan []byte
	done chan struct{}
	mu   sync.Mutex
	err  error
}

type chunk struct {
	w     io.WriteCloser
	data  []byte
	close bool
}

func newWriter() *writer {
	w := &writer{ch: make(chan chunk, 16), free: make(chan []byte, 32), done: make(chan struct{})}
	go w.loop()
	return w
}

func (w *writer) loop() {
	defer close(w.done)
	for c := range w.ch {
		if w.failed() == nil {
			_, err := c.w.Write(c.data)
			if c.close {
				if cerr := c.w.Close(); err == nil {
					err = cerr
				}
			}
			if err != nil {
				w.mu.Lock()
				w.err = err
				w.mu.Unlock()
			}
		} else if c.close {
			c.w.Close()
		}
		select {
		case w.free <- c.data[:0]:
		default:
		}
	}
}

func (w *writer) send(wc io.WriteCloser, data []byte, close bool) {
	w.ch <- chunk{w: wc, data: data, close: close}
}

func (w *writer) buffer() []byte {
	select {
	case b := <-w.free:
		return b
	default:
		return make([]byte, 0, chunkSize+64<<10)
	}
}

// failed returns the first write error so far.
func (w *writer) failed() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// finish waits for every chunk to be written and returns the first error.
func (w *writer) finish() error {
	close(w.ch)
	<-w.done
	if err := w.failed(); err != nil {
		return fmt.Errorf("writing output: %w", err)
	}
	return nil
}

const tokenChars = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

func randomToken(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = tokenChars[r.IntN(len(tokenChars))]
	}
	return string(b)
}
