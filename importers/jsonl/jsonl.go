// Package jsonl reads generic JSON lines: one JSON object per line, of any schema. It is the
// fallback for JSON that no specific format claims, so it sniffs low. Columns are filled from
// field names by the shared guess table (importers/guess), or by map.<column>=<json path>
// options; every field is kept whatever was mapped, as the line's own text in
// Event.FieldsJSON (which the store keeps as the fields column), not as a decoded Fields map.
//
// A value that does not parse for an explicitly mapped column rejects the line, naming the
// field; an explicitly mapped field that a line does not have leaves the column empty (JSON
// lines vary in shape). A guessed value that does not parse is passed over for the next
// candidate and stays in the fields.
package jsonl

import (
	"bytes"
	"context"
	"errors"
	"hash/maphash"
	"math"
	"slices"
	"sort"
	"strings"
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

// worker is the per-goroutine state of reading: the mapping plans of the shapes seen, the JSON
// scanner and the scratch space of one record, all reused for every record.
type worker struct {
	plans   planCache
	scan    importers.JSONScanner
	ids     []int32 // the path node of each member of the record
	leafIDs []int32 // the nodes of its leaves
	ev      event.Event
	leaves  map[string]any // the map decoder's leaf paths (recordSlow)
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

// errSlow says that the scanner cannot make the event of a record alone: the map decoder
// (recordSlow) makes it, or words its reject.
var errSlow = errors.New("jsonl: record needs the map decoder")

// errSlowLarge is errSlow for a record of more members than the plan cache holds paths
// (recordMapLarge).
var errSlowLarge = errors.New("jsonl: large record needs the map decoder")

// parseLine makes the event or the reject of one line; only the sink's error is returned. A
// blank line is skipped. The line is scanned once, without building maps (record); the few
// records the scanner leaves (invalid JSON, a path met twice) go through the map decoder
// (recordSlow), which gives the same events and rejects.
func (w *worker) parseLine(l importers.Line, sink importers.Sink) error {
	if len(bytes.TrimSpace(l.Text)) == 0 {
		return nil
	}
	raw := string(l.Text) // the event's Raw; the values read from it share its memory
	ev, err := w.record(raw)
	if err == errSlow || err == errSlowLarge {
		ev, err = w.recordSlow(raw, err == errSlowLarge)
	}
	// Keep only modest scratch space: one huge record must not pin its memory. A full plan
	// cache would start afresh at the next record anyway (ready).
	if cap(w.ids) > 1<<14 {
		w.ids, w.leafIDs, w.plans.prev = nil, nil, nil
	}
	if len(w.leaves) > maxPaths {
		w.leaves = map[string]any{} // clear would keep its table
	}
	if w.plans.npaths >= maxPaths || len(w.plans.nodes) >= maxPaths {
		w.plans = planCache{explicit: w.plans.explicit}
	}
	if err != nil {
		return sink.Reject(importers.RejectOf(l, err))
	}
	return sink.Event(importers.Record{Line: l.Num, Offset: l.Offset}, ev)
}

// newEvent starts the worker's event for a record (the sink copies what it keeps). Fields is
// left nil: FieldsJSON, the record's own text, holds every field, and the store reads that.
func (w *worker) newEvent(raw string) *event.Event {
	w.ev = event.Event{SourceType: "jsonl", Raw: raw, FieldsJSON: raw}
	return &w.ev
}

// record makes the event of one line from the members the scanner lists, or returns errSlow,
// or the *importers.FieldError of an explicitly mapped value that does not fit its column.
// Leaves are the members that are not objects, down to maxDepth; a leaf's path is the dotted
// path of keys leading to it, as flattenMap makes it, and a record whose paths repeat (a
// duplicate key, or "a.b" beside {"a":{"b":..}}) goes to the map decoder, where the last
// duplicate wins.
func (w *worker) record(raw string) (*event.Event, error) {
	members, err := w.scan.ScanObject(strings.TrimSpace(raw), maxDepth)
	if err != nil {
		return nil, errSlow // the map decoder words the reject as it always has
	}
	if len(members) > maxPaths {
		return w.recordLarge(raw, members)
	}
	c := &w.plans
	c.ready()
	gen := c.nextGen()
	var shape shapeKey
	ids, leaves := w.ids[:0], w.leafIDs[:0]
	for i := range members {
		m := &members[i]
		parent := int32(-1)
		if m.Parent >= 0 {
			parent = ids[m.Parent]
		}
		// A record of the shape seen last has its keys in the same places: no lookup.
		var id int32
		if i < len(c.prev) && c.nodes[c.prev[i]].parent == parent && c.nodes[c.prev[i]].key == m.Key {
			id = c.prev[i]
		} else {
			id = c.node(parent, m.Key)
		}
		n := &c.nodes[id]
		if n.stamp == gen {
			w.ids, w.leafIDs = ids, leaves
			return nil, errSlow
		}
		n.stamp, n.member = gen, int32(i)
		ids = append(ids, id)
		if m.Kind != importers.JSONObject {
			shape.sum += n.hash
			shape.n++
			leaves = append(leaves, id)
		}
	}
	w.ids, w.leafIDs = ids, leaves
	c.prev = append(c.prev[:0], ids...)

	ev := w.newEvent(raw)
	rec := scanned{raw: raw}
	get := func(field string) (string, bool) {
		var m *importers.JSONMember
		if id, ok := c.byPath[field]; ok && c.nodes[id].stamp == gen {
			m = &members[c.nodes[id].member]
		}
		return rec.get(m, field)
	}
	plan := c.get(shape, func(names []string) []string {
		for _, id := range leaves {
			names = append(names, c.nodes[id].path)
		}
		return names
	})
	if err := plan.Apply(ev, get); err != nil {
		return nil, err // a *importers.FieldError naming the field
	}
	return ev, nil
}

// recordLarge is record for a record of more members than the plan cache holds paths: its
// paths are made and sorted here, once, and never enter the cache (whose maps and nodes would
// cost several times the record for a record met once), and its plan is built for it alone.
// It gives what record gives: a path met twice goes to the map decoder, leaves are looked up
// by path, and an explicit path that is not a leaf here is read from the decoded record.
func (w *worker) recordLarge(raw string, members []importers.JSONMember) (*event.Event, error) {
	paths := make([]string, len(members))
	for i := range members {
		m := &members[i]
		paths[i] = m.Key
		if m.Parent >= 0 && paths[m.Parent] != "" {
			paths[i] = paths[m.Parent] + "." + m.Key
		}
	}
	order := make([]int32, len(members))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int { return strings.Compare(paths[a], paths[b]) })
	var names []string
	for i, id := range order {
		if i > 0 && paths[id] == paths[order[i-1]] {
			return nil, errSlowLarge // a path met twice
		}
		if members[id].Kind != importers.JSONObject {
			names = append(names, paths[id])
		}
	}
	ev := w.newEvent(raw)
	rec := scanned{raw: raw}
	get := func(field string) (string, bool) {
		var m *importers.JSONMember
		if i, ok := slices.BinarySearchFunc(order, field, func(id int32, f string) int { return strings.Compare(paths[id], f) }); ok {
			m = &members[order[i]]
		}
		return rec.get(m, field)
	}
	if err := guess.Build(names, w.plans.explicit).Apply(ev, get); err != nil {
		return nil, err
	}
	return ev, nil
}

// scanned is a record read by the scanner, as the lookups of record and recordLarge see it.
type scanned struct {
	raw     string
	obj     map[string]any // decoded only for a path that is not a leaf here
	decoded bool
}

// get is the value of field, whose member is m (nil for none): a leaf's text (null is no
// value); any other path (to an object, deeper than maxDepth, or absent) is looked up in the
// record, decoded the first time.
func (r *scanned) get(m *importers.JSONMember, field string) (string, bool) {
	if m != nil {
		switch m.Kind {
		case importers.JSONObject: // not a leaf
		case importers.JSONNull:
			return "", false
		default:
			return m.Text(), true
		}
	}
	if !r.decoded {
		r.obj, _ = importers.DecodeObjectString(r.raw)
		r.decoded = true
	}
	return importers.GetText(r.obj, field)
}

// recordSlow makes the event of one line through the map decoder: DecodeObjectString, then
// recordMap (recordMapLarge for a large record). It is how every line was read before the
// scanner, and gives the same result.
func (w *worker) recordSlow(raw string, large bool) (*event.Event, error) {
	obj, err := importers.DecodeObjectString(raw)
	if err != nil {
		return nil, err
	}
	ev := w.newEvent(raw)
	if large {
		err = w.recordMapLarge(ev, obj)
	} else {
		err = w.recordMap(ev, obj)
	}
	if err != nil {
		return nil, err
	}
	return ev, nil
}

// recordMap fills ev from a decoded line; an error is the line's reject.
func (w *worker) recordMap(ev *event.Event, obj map[string]any) error {
	leaves := w.leaves
	clear(leaves)
	w.plans.ready()
	var shape shapeKey
	w.plans.flattenMap(leaves, &shape, "", obj, 0)
	plan := w.plans.get(shape, func(names []string) []string {
		for k := range leaves {
			names = append(names, k)
		}
		return names
	})
	return plan.Apply(ev, leafGet(leaves, obj)) // a *importers.FieldError naming the field
}

// recordMapLarge is recordMap for a record of more members than the plan cache holds paths
// (one that recordLarge leaves): as recordLarge does, it makes its paths and plan for itself
// and keeps them out of the cache and the worker, where they would cost several times the
// record for a record met once.
func (w *worker) recordMapLarge(ev *event.Event, obj map[string]any) error {
	leaves := map[string]any{}
	w.plans.flattenMap(leaves, nil, "", obj, 0)
	names := make([]string, 0, len(leaves))
	for k := range leaves {
		names = append(names, k)
	}
	sort.Strings(names)
	return guess.Build(names, w.plans.explicit).Apply(ev, leafGet(leaves, obj))
}

// leafGet is the lookup of a decoded record: its leaves by path (null is no value), then any
// other path (an explicit one to an object or array) in the record.
func leafGet(leaves, obj map[string]any) func(string) (string, bool) {
	return func(field string) (string, bool) {
		if v, ok := leaves[field]; ok {
			if v == nil {
				return "", false
			}
			return importers.Text(v), true
		}
		return importers.GetText(obj, field)
	}
}

// flattenMap records every scalar and array of obj under its dotted path, and adds each new
// path to the record's shape. Objects nested deeper than maxDepth are left out (they stay in
// the record's fields). The paths and their hashes come from the cache, so a record of a
// shape seen before allocates none. With a nil shape (a large record) the cache is neither
// read nor filled.
//
// A path met twice (a key with a dot, "a.b", beside "a": {"b"}) keeps the value importers.Get
// finds for it, whatever the map's order: an object's own leaves come before its nested
// objects' (the literal key wins), and nested objects go in key order, so a shorter first
// segment comes first. Lines with such paths are the only ones that come here (the scanner
// takes the others), so sorting their keys costs nothing elsewhere.
func (c *planCache) flattenMap(out map[string]any, shape *shapeKey, prefix string, obj map[string]any, depth int) {
	if depth > maxDepth {
		return
	}
	var under map[string]pathEntry
	if shape != nil {
		if under = c.paths[prefix]; under == nil {
			under = map[string]pathEntry{}
			c.paths[prefix] = under
		}
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	entry := func(k string) pathEntry {
		pe, ok := under[k]
		if !ok {
			pe.path = k
			if prefix != "" {
				pe.path = prefix + "." + k
			}
			if shape == nil {
				return pe
			}
			pe.hash = maphash.String(c.seed, pe.path)
			under[k] = pe
			c.npaths++
		}
		return pe
	}
	for _, k := range keys { // the leaves first
		v := obj[k]
		if _, ok := v.(map[string]any); ok {
			continue
		}
		pe := entry(k)
		if _, met := out[pe.path]; met {
			continue
		}
		out[pe.path] = v
		if shape != nil {
			shape.sum += pe.hash
			shape.n++
		}
	}
	for _, k := range keys {
		if m, ok := obj[k].(map[string]any); ok {
			c.flattenMap(out, shape, entry(k).path, m, depth+1)
		}
	}
}

// planCache keeps the mapping plan of the record shapes seen so far: JSON lines from one
// source repeat a handful of shapes, and choosing a plan costs more than using it. A shape is
// known by the sum of its leaf paths' hashes and their number, so the paths need no sorting;
// two shapes meeting on one key is a 2^-64 chance, and would only cost a guessed column. It
// also keeps the dotted paths of the members met so far (nodes), with their hashes, and
// those flattenMap made.
type planCache struct {
	explicit guess.Explicit
	seed     maphash.Seed
	plans    map[shapeKey]guess.Plan

	// The scanner's paths: one node per distinct dotted path.
	nodes  []pathNode
	byKey  map[nodeKey]int32 // a key under a parent node (-1 for the top): its node
	byPath map[string]int32
	prev   []int32 // the nodes of the last record's members, in order
	gen    uint32  // the current record's stamp

	paths  map[string]map[string]pathEntry // flattenMap's: prefix, then key: the path and its hash
	npaths int
}

type shapeKey struct {
	sum uint64
	n   int
}

// pathNode is one dotted path, and where the current record has it.
type pathNode struct {
	path   string
	hash   uint64 // of path, under the cache's seed
	parent int32  // the parent node and key that first led here
	key    string
	stamp  uint32 // gen of the last record that had the path
	member int32  // that record's member at the path
}

type nodeKey struct {
	parent int32
	key    string
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
	if c.plans == nil || len(c.plans) >= maxPlans || c.npaths >= maxPaths || len(c.nodes) >= maxPaths || c.gen == math.MaxUint32 {
		c.plans = map[shapeKey]guess.Plan{}
		c.paths = map[string]map[string]pathEntry{}
		c.npaths = 0
		c.nodes = nil
		c.byKey = map[nodeKey]int32{}
		c.byPath = map[string]int32{}
		c.prev = c.prev[:0]
		c.gen = 0
		c.seed = maphash.MakeSeed()
	}
}

// nextGen starts a record: the stamp that marks the nodes it has.
func (c *planCache) nextGen() uint32 {
	c.gen++
	return c.gen
}

// node returns the node of key under the node parent (-1: a key of the record itself),
// adding it the first time. A key under the node of the empty path makes a path of its own,
// as flattenMap does with its empty prefix.
func (c *planCache) node(parent int32, key string) int32 {
	if id, ok := c.byKey[nodeKey{parent, key}]; ok {
		return id
	}
	key = strings.Clone(key) // not the line's memory
	path := key
	if parent >= 0 && c.nodes[parent].path != "" {
		path = c.nodes[parent].path + "." + key
	}
	id, ok := c.byPath[path]
	if !ok {
		id = int32(len(c.nodes))
		c.nodes = append(c.nodes, pathNode{path: path, hash: maphash.String(c.seed, path), parent: parent, key: key})
		c.byPath[path] = id
	}
	c.byKey[nodeKey{parent, key}] = id
	return id
}

// get returns the plan of a record shape, building it the first time from the record's leaf
// paths, which names appends to its argument.
func (c *planCache) get(key shapeKey, names func([]string) []string) guess.Plan {
	if p, ok := c.plans[key]; ok {
		return p
	}
	list := names(nil)
	sort.Strings(list)
	p := guess.Build(list, c.explicit)
	c.plans[key] = p
	return p
}
