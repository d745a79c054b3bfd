// Package tuitest adds to screentest what the workbench's own tests need: the fixture store
// with its alerts scored (incidents, alert scores, entity risk), as `trawl hunt` leaves a store.
package tuitest

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"trawl/engine"
	"trawl/tui/screentest"
)

var (
	once     sync.Once
	dir      string
	buildErr error
)

// ScoredStore opens (read-only) a copy of screentest's fixture store whose alerts have been
// scored with the default policy. The copy is made once per test binary, beside the fixture;
// call screentest.Main from TestMain to remove both.
func ScoredStore(t testing.TB) *engine.Store {
	t.Helper()
	src := screentest.Store(t).Path()
	once.Do(func() { dir, buildErr = build(src) })
	if buildErr != nil {
		t.Fatalf("building the scored fixture: %v", buildErr)
	}
	st, err := engine.Open(context.Background(), filepath.Join(dir, "scored.db"), engine.Options{ReadOnly: true, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// Writable copies the store st reads (a fixture) into the test's directory and opens the copy
// for writing, closed when the test ends: for tests that change what they read.
func Writable(t testing.TB, st *engine.Store) *engine.Store {
	t.Helper()
	path := filepath.Join(t.TempDir(), "writable.db")
	if err := copyFile(st.Path(), path); err != nil {
		t.Fatal(err)
	}
	w, err := engine.Open(context.Background(), path, engine.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

func build(src string) (string, error) {
	// Next to the fixture, so that screentest.Main removes it with the fixture.
	d := filepath.Dir(src)
	dst := filepath.Join(d, "scored.db")
	if err := copyFile(src, dst); err != nil {
		return d, err
	}
	ctx := context.Background()
	st, err := engine.Open(ctx, dst, engine.Options{Threads: 1})
	if err != nil {
		return d, err
	}
	defer st.Close()
	if _, err := st.Score(ctx, engine.ScoreOptions{}); err != nil {
		return d, fmt.Errorf("scoring: %w", err)
	}
	return d, nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
