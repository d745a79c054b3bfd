package engine

import (
	"sync"
)

// pipeBatch is how many rows travel between the reading and the writing goroutine at once.
const pipeBatch = 1024

// pipeWriter runs an eventWriter on its own goroutine, so that parsing a file (on the import's
// goroutine) and storing it (text checks, entity keys and DuckDB's appender, here) use two
// cores. Rows travel in batches through a short channel, which bounds memory.
type pipeWriter struct {
	inner eventWriter
	batch []eventRow
	ch    chan []eventRow
	free  chan []eventRow
	done  chan struct{}
	mu    sync.Mutex
	err   error
}

func newPipeWriter(inner eventWriter) *pipeWriter {
	w := &pipeWriter{inner: inner, ch: make(chan []eventRow, 4), free: make(chan []eventRow, 6), done: make(chan struct{})}
	w.batch = make([]eventRow, 0, pipeBatch)
	go w.run()
	return w
}

func (w *pipeWriter) run() {
	defer close(w.done)
	for b := range w.ch {
		if w.failed() == nil {
			for i := range b {
				if err := w.inner.Write(&b[i]); err != nil {
					w.fail(err)
					break
				}
			}
		}
		clear(b) // drop references to strings before reuse
		select {
		case w.free <- b[:0]:
		default:
		}
	}
}

func (w *pipeWriter) fail(err error) {
	w.mu.Lock()
	if w.err == nil {
		w.err = err
	}
	w.mu.Unlock()
}

func (w *pipeWriter) failed() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// Write queues a copy of the row. An error of an earlier row's storing is returned as soon as
// it is known, which stops the read.
func (w *pipeWriter) Write(r *eventRow) error {
	w.batch = append(w.batch, *r)
	if len(w.batch) == cap(w.batch) {
		w.ch <- w.batch
		select {
		case b := <-w.free:
			w.batch = b
		default:
			w.batch = make([]eventRow, 0, pipeBatch)
		}
		return w.failed()
	}
	return nil
}

// Close stores what is queued, waits for the writer and closes the inner writer.
func (w *pipeWriter) Close() error {
	if len(w.batch) > 0 {
		w.ch <- w.batch
		w.batch = nil
	}
	close(w.ch)
	<-w.done
	err := w.failed()
	if cerr := w.inner.Close(); err == nil {
		err = cerr
	}
	return err
}
