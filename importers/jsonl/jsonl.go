// Package jsonl reads generic JSON lines: one JSON object per line, of any schema. It is the
// fallback for JSON that no specific format claims, so it sniffs low. Columns are filled from
// field names by the shared guess table (importers/guess), or by map.<column>=<json path>
// options; every field is kept in Event.Fields whatever was mapped.
//
// A value that does not parse for an explicitly mapped column rejects the line, naming the
// field; an explicitly mapped field that a line does not have leaves the column empty (JSON
// lines vary in shape). A guessed value that does not parse is passed over for the next
// candidate and stays in Fields.
package jsonl

import (
	"context"
	"hash/maphash"
	"sort"
	"sync"

	"trawl/event"
	"trawl/importers"
	"trawl/importers/guess"
)

// SniffScore is what Sniff answers for JSON lines: low, so that every specific JSON format
// (Zeek, Suricata, CloudTrail, Windows exports) wins over it.
const SniffScore = 10

// maxDepth bounds how deep Read looks for mappable fields; deeper values stay in Fields.
const maxDepth = 32

// Format is the generic JSON-lines format.
type Format struct {
	explicit guess.Explicit
	workers  *sync.Pool // of *worker for this mapping; nil: defaultWorkers
}

func init() { importers.Register(Format{}) }

func (Format) Name() string { return "jsonl" }
func (Format) Description() string {
	return "generic JSON lines (one object per line), columns guessed from field names or set with map.<column>=<path>"
}

// Sniff answers SniffScore when the input starts with JSON objects, one per line.
func (Format) Sniff(head []byte) int {
	if len(importers.SniffJSONLines(head, 8)) > 0 {
		return SniffScore
	}
	return 0
}

// WithOptions takes map.<column>=<json path> settings; a path is a literal key or a dotted
// path through nested objects ("source.ip").
func (f Format) WithOptions(opts map[string]string) (importers.Format, error) {
	ex, err := guess.ParseOptions(opts)
	if err != nil {
		return nil, err
	}
	f.explicit = ex
	f.workers = newWorkerPool(ex)
	return f, nil
}

// Read imports every line; a line that is not a JSON object, or whose explicitly mapped field
// does not fit its column, is a reject.
func (f Format) Read(ctx context.Context, in importers.Input, sink importers.Sink) error {
	return importers.ReadEachLine(ctx, in, sink, newWorker(f.explicit).parseLine)
}

// ParseLine makes the format a LineParser, so the store parses one file on all cores. Each
// call borrows a worker (plan cache and scratch map) from the pool of the format's mapping.
func (f Format) ParseLine(l importers.Line, sink importers.Sink) error {
	pool := f.workers
	if pool == nil {
		pool = defaultWorkers
	}
	w := pool.Get().(*worker)
	defer pool.Put(w)
	return w.parseLine(l, sink)
}

// worker is the per-goroutine state of reading: the mapping plans of the shapes seen, and a
// scratch map of leaf paths reused for every record.
type worker struct {
	plans  planCache
	leaves map[string]any
}

// defaultWorkers serves the format without options.
var defaultWorkers = newWorkerPool(nil)

// newWorkerPool makes the worker pool of one explicit mapping (the options decide the plans).
// WithOptions makes it once, so ParseLine does no per-line lookup.
func newWorkerPool(ex guess.Explicit) *sync.Pool {
	return &sync.Pool{New: func() any { return newWorker(ex) }}
}

// newWorker is a worker for one explicit mapping, with an empty plan cache.
func newWorker(ex guess.Explicit) *worker {
	return &worker{plans: planCache{explicit: ex}, leaves: map[string]any{}}
}

func (w *worker) parseLine(l importers.Line, sink importers.Sink) error {
	return importers.ParseJSONLineText(l, sink, func(l importers.Line, text string, obj map[string]any) error {
		return w.record(l, text, obj, sink)
	})
}

// record makes the event of one decoded line; an error is the line's reject.
func (w *worker) record(l importers.Line, raw string, obj map[string]any, sink importers.Sink) error {
	leaves := w.leaves
	clear(leaves)
	w.plans.ready()
	var shape shapeKey
	w.plans.flatten(leaves, &shape, "", obj, 0)
	ev := &event.Event{SourceType: "jsonl", Raw: raw, Fields: obj, FieldsJSON: raw}
	get := func(field string) (string, bool) {
		if v, ok := leaves[field]; ok {
			if v == nil {
				return "", false
			}
			return importers.Text(v), true
		}
		return importers.GetText(obj, field) // an explicit path to an object or array
	}
	if err := w.plans.get(shape, leaves).Apply(ev, get); err != nil {
		return err // a *importers.FieldError naming the field
	}
	return importers.Emit(sink, l, ev)
}

// flatten records every scalar and array of obj under its dotted path, and adds each new path
// to the record's shape. Objects nested deeper than maxDepth are left out (they stay in
// Fields). The paths and their hashes come from the cache, so a record of a shape seen before
// allocates none.
func (c *planCache) flatten(out map[string]any, shape *shapeKey, prefix string, obj map[string]any, depth int) {
	if depth > maxDepth {
		return
	}
	under := c.paths[prefix]
	if under == nil {
		under = map[string]pathEntry{}
		c.paths[prefix] = under
	}
	for k, v := range obj {
		pe, ok := under[k]
		if !ok {
			pe.path = k
			if prefix != "" {
				pe.path = prefix + "." + k
			}
			pe.hash = maphash.String(c.seed, pe.path)
			under[k] = pe
			c.npaths++
		}
		if m, ok := v.(map[string]any); ok {
			c.flatten(out, shape, pe.path, m, depth+1)
			continue
		}
		n := len(out)
		out[pe.path] = v
		if len(out) > n { // a path met twice (a key with a dot, "a.b", beside "a": {"b"}) counts once
			shape.sum += pe.hash
			shape.n++
		}
	}
}

// planCache keeps the mapping plan of the record shapes seen so far: JSON lines from one
// source repeat a handful of shapes, and choosing a plan costs more than using it. A shape is
// known by the sum of its paths' hashes and their number, so the paths need no sorting; two
// shapes meeting on one key is a 2^-64 chance, and would only cost a guessed column. It also
// keeps the dotted paths made by flatten, with their hashes.
type planCache struct {
	explicit guess.Explicit
	seed     maphash.Seed
	plans    map[shapeKey]guess.Plan
	paths    map[string]map[string]pathEntry // prefix, then key: the path and its hash
	npaths   int
}

type shapeKey struct {
	sum uint64
	n   int
}

// pathEntry is a leaf's dotted path and its hash under the cache's seed.
type pathEntry struct {
	path string
	hash uint64
}

const (
	maxPlans = 256
	maxPaths = 1 << 14
)

// ready starts the cache afresh when it is new or full (a source with ever-changing keys must
// not grow it without bound): a new seed, no plans, no paths.
func (c *planCache) ready() {
	if c.plans == nil || len(c.plans) >= maxPlans || c.npaths >= maxPaths {
		c.plans = map[shapeKey]guess.Plan{}
		c.paths = map[string]map[string]pathEntry{}
		c.npaths = 0
		c.seed = maphash.MakeSeed()
	}
}

// get returns the plan of the shape that flatten computed for leaves, building it the first
// time.
func (c *planCache) get(key shapeKey, leaves map[string]any) guess.Plan {
	if p, ok := c.plans[key]; ok {
		return p
	}
	names := make([]string, 0, len(leaves))
	for k := range leaves {
		names = append(names, k)
	}
	sort.Strings(names)
	p := guess.Build(names, c.explicit)
	c.plans[key] = p
	return p
}
