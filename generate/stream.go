package generate

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
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
	w      *bufio.Writer
	c      io.Closer
	heap   []pending
	free   [][]byte
	events int64
	err    error

	// CloudTrail file rotation.
	ctAccount string
	ctHour    int64
	ctCount   int
	ctRand    *rand.Rand
	files     []string
}

func newStream(name string, kind streamKind, open Opener) *stream {
	return &stream{name: name, kind: kind, open: open, ctHour: -1}
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
		if s.w == nil {
			s.err = s.openFile(s.name)
			if s.err != nil {
				return
			}
		}
		s.w.Write(p.buf)
		s.w.WriteByte('\n')
	case cloudTrailKind:
		hour := p.t / int64(time.Hour)
		if s.w == nil || hour != s.ctHour || s.ctCount >= cloudTrailFileRecords {
			if s.err = s.closeFile(); s.err != nil {
				return
			}
			s.ctHour, s.ctCount = hour, 0
			start := time.Unix(0, p.t).UTC()
			name := fmt.Sprintf("%s/%s_CloudTrail_%s_%s_%s.json", s.name, s.ctAccount, awsRegion,
				start.Format("20060102T1504Z"), randomToken(s.ctRand, 16))
			if s.err = s.openFile(name); s.err != nil {
				return
			}
			s.w.WriteString(`{"Records":[`)
		}
		if s.ctCount > 0 {
			s.w.WriteByte(',')
		}
		s.ctCount++
		s.w.Write(p.buf)
	}
	s.events++
}

func (s *stream) openFile(name string) error {
	wc, err := s.open(name)
	if err != nil {
		return fmt.Errorf("creating %s: %w", name, err)
	}
	s.files = append(s.files, name)
	s.c = wc
	if s.w == nil {
		s.w = bufio.NewWriterSize(wc, 256<<10)
	} else {
		s.w.Reset(wc)
	}
	return nil
}

// closeFile finishes the current file, if one is open.
func (s *stream) closeFile() error {
	if s.c == nil {
		return nil
	}
	if s.kind == cloudTrailKind {
		s.w.WriteString("]}\n")
	}
	err := s.w.Flush()
	if cerr := s.c.Close(); err == nil {
		err = cerr
	}
	s.c = nil
	if err != nil {
		return fmt.Errorf("writing %s: %w", s.name, err)
	}
	return nil
}

// close drains the stream and closes its file.
func (s *stream) close() error {
	s.flush(0, true)
	if s.err != nil {
		if s.c != nil {
			s.c.Close()
		}
		return s.err
	}
	return s.closeFile()
}

const tokenChars = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

func randomToken(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = tokenChars[r.IntN(len(tokenChars))]
	}
	return string(b)
}
