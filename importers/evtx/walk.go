package evtx

import (
	"context"
	"runtime"
	"sync"
)

// Walk decodes every chunk of the file, on workers goroutines (GOMAXPROCS when workers <= 0),
// and calls fn with each record or reject in file order. Chunks past the header's chunk count
// are read too (dirty files), as other tools do. At most about three chunks per worker are
// held in memory at once. An error from fn, ctx being done or an I/O error stops the walk and
// is returned.
func (f *File) Walk(ctx context.Context, workers int, fn func(Entry) error) error {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	if workers <= 1 {
		return f.walkSerial(ctx, fn)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	type result struct {
		entries []Entry
		err     error
	}
	type job struct {
		i   int
		buf []byte
		n   int
		res chan result
	}
	pool := sync.Pool{New: func() any { return make([]byte, chunkSize) }}
	jobs := make(chan job)
	order := make(chan job, 2*workers) // bounds the chunks in flight
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(jobs)
		defer close(order)
		for i := 0; ; i++ {
			buf := pool.Get().([]byte)
			n, err := f.readChunk(buf)
			j := job{i: i, buf: buf, n: n, res: make(chan result, 1)}
			if err != nil {
				j.res <- result{err: err}
			}
			if n == 0 && err == nil {
				return
			}
			select {
			case order <- j:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
			select {
			case jobs <- j:
			case <-ctx.Done():
				j.res <- result{err: ctx.Err()}
				return
			}
			if n < chunkSize {
				return
			}
		}
	}()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := newChunkDecoder()
			for j := range jobs {
				out := d.decodeChunk(j.buf[:j.n], j.i, j.i < int(f.Header.ChunkCount), nil)
				pool.Put(j.buf)
				j.res <- result{entries: out}
			}
		}()
	}
	var err error
	for j := range order {
		if err != nil {
			continue // drain
		}
		r := <-j.res
		if r.err != nil {
			err = r.err
			cancel()
			continue
		}
		for _, e := range r.entries {
			if err = fn(e); err != nil {
				cancel()
				break
			}
		}
	}
	wg.Wait()
	if err == nil {
		err = ctx.Err()
	}
	return err
}

func (f *File) walkSerial(ctx context.Context, fn func(Entry) error) error {
	d := newChunkDecoder()
	buf := make([]byte, chunkSize)
	var entries []Entry
	for i := 0; ; i++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		n, err := f.readChunk(buf)
		if err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		entries = d.decodeChunk(buf[:n], i, i < int(f.Header.ChunkCount), entries[:0])
		for _, e := range entries {
			if err := fn(e); err != nil {
				return err
			}
		}
		if n < chunkSize {
			return nil
		}
	}
}
