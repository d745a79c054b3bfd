package importer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"trawl/engine"
	"trawl/tui"
)

// Source is what the Import screen needs of the store: whether it takes imports, the import
// itself, and pages of a file's rejects. StoreSource implements it over an engine store; tests
// may fake it.
type Source interface {
	// Writable is nil when the store takes imports, else an error saying why not (opened
	// read-only).
	Writable(ctx context.Context) error
	// Import imports files, calling progress from import goroutines as input is consumed
	// (engine.ImportOptions.Progress), and returns one result per file in files' order.
	Import(ctx context.Context, files []string, progress func(engine.Progress)) []engine.FileResult
	// Rejects is one page of the rejects of the latest import of file (its path as imported).
	Rejects(ctx context.Context, file string, offset, limit int) (RejectPage, error)
}

// Reject is one input record that did not become an event. Raw is the start of the record as
// read (log text: sanitize before drawing); RawBytes is its whole length.
type Reject struct {
	Line     int64
	Offset   int64
	Field    string
	Reason   string
	Raw      string
	RawBytes int64
}

// RejectPage is a page of a file's rejects and how many the file has in all.
type RejectPage struct {
	Rows   []Reject
	Offset int
	Total  int
}

// ErrReadOnly is why a store opened read-only cannot take imports.
var ErrReadOnly = errors.New("the store is open read-only, so nothing can be imported here: quit and run `trawl tui --write`, or import from a shell with `trawl import PATH`")

// StoreSource imports into an engine store.
type StoreSource struct {
	S *engine.Store
	// Workers is the number of files imported at once (0: one per core).
	Workers int
}

// Writable implements Source: DuckDB says how the database was attached.
func (s StoreSource) Writable(ctx context.Context) error {
	mode := ""
	err := s.S.QueryFunc(ctx, `SELECT current_setting('access_mode')`, nil, func(_ []string, row []any) error {
		mode = fmt.Sprint(row[0])
		return nil
	})
	if err != nil {
		return fmt.Errorf("checking whether the store takes imports: %w", err)
	}
	if strings.EqualFold(mode, "read_only") {
		return ErrReadOnly
	}
	return nil
}

// Import implements Source.
func (s StoreSource) Import(ctx context.Context, files []string, progress func(engine.Progress)) []engine.FileResult {
	return s.S.ImportFiles(ctx, files, engine.ImportOptions{Workers: s.Workers, Progress: progress})
}

// rawShown is how much of a rejected record is read for the list.
const rawShown = 512

// Rejects implements Source: the page is cut in DuckDB, and only the start of each record read.
func (s StoreSource) Rejects(ctx context.Context, file string, offset, limit int) (RejectPage, error) {
	p := RejectPage{Offset: offset}
	err := s.S.QueryFunc(ctx, `SELECT r.line, r.byte_offset, r.field, r.reason, r.raw[1:?], octet_length(r.raw), count(*) OVER ()
		FROM rejects r WHERE r.file_id = (SELECT max(id) FROM files WHERE path = ?)
		ORDER BY r.byte_offset NULLS LAST, r.line NULLS LAST LIMIT ? OFFSET ?`,
		[]any{rawShown, file, max(limit, 1), max(offset, 0)}, func(_ []string, row []any) error {
			r := Reject{Line: tui.AsInt(row[0]), Offset: tui.AsInt(row[1]), Field: tui.AsString(row[2]), Reason: tui.AsString(row[3]), RawBytes: tui.AsInt(row[5])}
			r.Raw = tui.AsString(row[4])
			p.Rows = append(p.Rows, r)
			p.Total = int(tui.AsInt(row[6]))
			return nil
		})
	if err != nil {
		return p, fmt.Errorf("rejects of %s: %w", file, err)
	}
	if len(p.Rows) == 0 && offset > 0 {
		err = s.S.QueryFunc(ctx, `SELECT count(*) FROM rejects WHERE file_id = (SELECT max(id) FROM files WHERE path = ?)`, []any{file},
			func(_ []string, row []any) error {
				p.Total = int(tui.AsInt(row[0]))
				return nil
			})
		if err != nil {
			return p, fmt.Errorf("rejects of %s: %w", file, err)
		}
	}
	return p, nil
}

// Entry is one item of a folder listing.
type Entry struct {
	Name string
	Dir  bool
	Size int64
}

// maxEntries bounds a listing, so a folder of a million files costs no more than this.
const maxEntries = 10000

// listDir reads a folder: folders first, then files, each by name; hidden entries only when
// asked. Symbolic links are followed to tell folders from files.
func listDir(dir string, hidden bool) ([]Entry, bool, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, false, err
	}
	defer f.Close()
	des, err := f.ReadDir(maxEntries + 1)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, false, err
	}
	more := len(des) > maxEntries
	if more {
		des = des[:maxEntries]
	}
	out := make([]Entry, 0, len(des))
	for _, d := range des {
		if !hidden && strings.HasPrefix(d.Name(), ".") {
			continue
		}
		e := Entry{Name: d.Name(), Dir: d.IsDir()}
		if fi, err := os.Stat(filepath.Join(dir, d.Name())); err == nil {
			e.Dir = fi.IsDir()
			if fi.Mode().IsRegular() {
				e.Size = fi.Size()
			}
		}
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Dir != out[j].Dir {
			return out[i].Dir
		}
		return out[i].Name < out[j].Name
	})
	return out, more, nil
}

// complete extends a typed path: to the longest common prefix of the names in its folder that
// start with its last part, adding a slash when that is a single folder. It also returns the
// matching names (at most limit) to show.
func complete(typed string, limit int) (string, []string) {
	dir, part := filepath.Split(typed)
	look := dir
	if look == "" {
		look = "."
	}
	f, err := os.Open(look)
	if err != nil {
		return typed, nil
	}
	defer f.Close()
	names, _ := f.Readdirnames(maxEntries)
	var match []string
	for _, n := range names {
		if strings.HasPrefix(n, part) && (strings.HasPrefix(part, ".") || !strings.HasPrefix(n, ".")) {
			match = append(match, n)
		}
	}
	sort.Strings(match)
	if len(match) == 0 {
		return typed, nil
	}
	prefix := match[0]
	for _, n := range match[1:] {
		for !strings.HasPrefix(n, prefix) {
			prefix = prefix[:len(prefix)-1]
		}
	}
	out := dir + prefix
	if len(match) == 1 {
		if fi, err := os.Stat(out); err == nil && fi.IsDir() {
			out += string(filepath.Separator)
		}
	}
	return out, match[:min(len(match), limit)]
}

// hasGlob says whether a typed path is a pattern.
func hasGlob(p string) bool { return strings.ContainsAny(p, "*?[") }
