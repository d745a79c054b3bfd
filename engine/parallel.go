package engine

import (
	"context"
	"runtime"
	"sync"

	"trawl/event"
	"trawl/importers"
)

// Parallel parsing of one file. A reader cuts the input into blocks of whole lines (with
// ReadLines, so overlong lines are rejects as everywhere), workers parse blocks into prepared
// rows and rejects, and the import goroutine commits blocks in file order. Memory is bounded by
// the blocks in flight: lookahead per worker and one more per worker, each at most blockBytes
// plus one line and its prepared rows.

const (
	blockBytes = 1 << 20
	blockLines = 4096
	// lookahead is how many parsed blocks per worker may wait for the committer. While the
	// committer commits a batch (its row group compressed on that thread) the workers parse on,
	// up to this many blocks ahead: about 2,000 JSON lines of 470 bytes and 4 MB of prepared rows
	// a block. 8 raised the peak RSS of a 300k-line import on two cores from about 530 to
	// 640-730 MB, and covering a whole commit (about 50 blocks) would cost 200 MB more: the
	// memory bound wins.
	lookahead = 2
)

// parseWorkers is how many goroutines parse one file: n when set, else one per core.
func parseWorkers(n int) int {
	if n > 0 {
		return n
	}
	return max(1, runtime.GOMAXPROCS(0))
}

type lineBlock struct {
	data  []byte
	lines []importers.Line // Text points into data
	// rejects found by the reader itself (overlong lines), in order among the lines: a reject
	// with index i comes before lines[i].
	early []earlyReject
	// results, filled by a worker
	items []blockItem
	err   error
	done  chan struct{}
}

type earlyReject struct {
	before int
	r      importers.Reject
}

// blockItem is one output of a block, in order: a prepared row or a reject.
type blockItem struct {
	row    eventRow
	reject *importers.Reject
}

// blockSink collects a worker's output for one block.
type blockSink struct {
	b       *lineBlock
	scratch []byte // prepareRow's buffer
}

func (s *blockSink) Event(rec importers.Record, ev *event.Event) error {
	s.b.items = append(s.b.items, blockItem{row: prepareRow(rec, ev, &s.scratch)})
	return nil
}

func (s *blockSink) Reject(r importers.Reject) error {
	r.Raw = append([]byte(nil), r.Raw...)
	s.b.items = append(s.b.items, blockItem{reject: &r})
	return nil
}

func readParallel(ctx context.Context, in importers.Input, lp importers.LineParser, sink *appendSink, workers int) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	work := make(chan *lineBlock, workers)
	order := make(chan *lineBlock, lookahead*workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			bs := &blockSink{}
			for b := range work {
				bs.b = b
				for i, l := range b.lines {
					for len(b.early) > 0 && b.early[0].before == i {
						r := b.early[0].r
						b.items = append(b.items, blockItem{reject: &r})
						b.early = b.early[1:]
					}
					if err := lp.ParseLine(l, bs); err != nil {
						b.err = err
						break
					}
				}
				for _, e := range b.early {
					r := e.r
					b.items = append(b.items, blockItem{reject: &r})
				}
				close(b.done)
			}
		}()
	}

	// The reader: ReadLines into blocks.
	readErr := make(chan error, 1)
	go func() {
		defer close(order)
		defer close(work)
		cur := newBlock()
		send := func() bool {
			// work first: the committer waits only for blocks a worker has taken.
			select {
			case work <- cur:
			case <-ctx.Done():
				return false
			}
			select {
			case order <- cur:
			case <-ctx.Done():
				return false
			}
			cur = newBlock()
			return true
		}
		rs := readerSink{cur: &cur}
		err := importers.ReadLines(ctx, in.R, rs, func(l importers.Line) error {
			start := len(cur.data)
			cur.data = append(cur.data, l.Text...)
			cur.lines = append(cur.lines, importers.Line{Num: l.Num, Offset: l.Offset, Text: cur.data[start:len(cur.data):len(cur.data)]})
			if len(cur.data) >= blockBytes || len(cur.lines) >= blockLines {
				if !send() {
					return ctx.Err()
				}
			}
			return nil
		})
		if err == nil && (len(cur.lines) > 0 || len(cur.early) > 0) {
			if !send() {
				err = ctx.Err()
			}
		}
		readErr <- err
	}()

	// Commit blocks in order.
	var err error
	for b := range order {
		<-b.done
		if err != nil {
			continue // drain
		}
		for i := range b.items {
			it := &b.items[i]
			if it.reject != nil {
				err = sink.Reject(*it.reject)
			} else {
				err = sink.commit(&it.row)
			}
			if err != nil {
				break
			}
		}
		if err == nil && b.err != nil {
			err = b.err
		}
		if err != nil {
			cancel()
		}
	}
	wg.Wait()
	rerr := <-readErr
	if err != nil {
		return err
	}
	return rerr
}

func newBlock() *lineBlock {
	return &lineBlock{data: make([]byte, 0, blockBytes+64<<10), lines: make([]importers.Line, 0, 256), done: make(chan struct{})}
}

// readerSink takes the rejects ReadLines itself makes (overlong lines) into the current block.
type readerSink struct{ cur **lineBlock }

func (readerSink) Event(importers.Record, *event.Event) error { return nil }

func (s readerSink) Reject(r importers.Reject) error {
	b := *s.cur
	r.Raw = append([]byte(nil), r.Raw...)
	b.early = append(b.early, earlyReject{before: len(b.lines), r: r})
	return nil
}
