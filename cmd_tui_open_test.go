package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"trawl/engine"
)

// newTuiStore makes an empty store file (all migrations applied) and returns its path.
func newTuiStore(t *testing.T) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "t.duckdb")
	st, err := engine.Open(context.Background(), db, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	return db
}

// memoryLimit is DuckDB's memory_limit setting of st, as it prints it.
func memoryLimit(t *testing.T, st *engine.Store) string {
	t.Helper()
	var v string
	err := st.QueryFunc(context.Background(), `SELECT current_setting('memory_limit')`, nil, func(_ []string, row []any) error {
		v = fmt.Sprint(row[0])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestTuiOpenAccess: plain trawl opens a writable store for writing, with the import memory
// cap; --read-only and --write do as they say; a missing store is an error unless --write.
func TestTuiOpenAccess(t *testing.T) {
	db := newTuiStore(t)
	capped := func() string {
		st, err := engine.Open(context.Background(), db, engine.Options{ReadOnly: true, MemoryMB: 384})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		return memoryLimit(t, st)
	}()
	uncapped := func() string {
		st, err := engine.Open(context.Background(), db, engine.Options{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		return memoryLimit(t, st)
	}()
	if capped == uncapped {
		t.Fatalf("memory limit %s capped and not: the check could not fail", capped)
	}
	tests := []struct {
		name     string
		cmd      TuiCmd
		db       string
		readOnly bool
		memory   string // "" when not checked
		err      string
	}{
		{"default opens for writing, memory capped", TuiCmd{MemoryMB: 384}, db, false, capped, ""},
		{"--read-only", TuiCmd{ReadOnly: true, MemoryMB: 384}, db, true, "", ""},
		{"--write", TuiCmd{Write: true, MemoryMB: 384}, db, false, capped, ""},
		{"default on a missing store", TuiCmd{MemoryMB: 384}, filepath.Join(t.TempDir(), "none.duckdb"), false, "", "no trawl database"},
		{"--read-only on a missing store", TuiCmd{ReadOnly: true}, filepath.Join(t.TempDir(), "none.duckdb"), false, "", "no trawl database"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := &Globals{DB: tc.db, Ctx: context.Background()}
			st, notice, err := tc.cmd.open(g)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Errorf("error %v, want %q", err, tc.err)
				}
				if st != nil {
					st.Close()
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			if st.ReadOnly() != tc.readOnly || notice != "" {
				t.Errorf("read-only %v (want %v), notice %q", st.ReadOnly(), tc.readOnly, notice)
			}
			if tc.memory != "" {
				if got := memoryLimit(t, st); got != tc.memory {
					t.Errorf("memory limit %s, want %s (as trawl import)", got, tc.memory)
				}
			}
		})
	}
}

// TestTuiOpenFallsBackWhenHeld: when another process holds the store (here one reading it,
// which keeps writers out), plain trawl opens it read-only and says why.
func TestTuiOpenFallsBackWhenHeld(t *testing.T) {
	db := newTuiStore(t)
	// This test binary, rerun as a helper, holds the store open read-only until its stdin closes.
	cmd := exec.Command(os.Args[0], "-test.run=^TestTuiHoldStoreHelper$")
	cmd.Env = append(os.Environ(), "TRAWL_TEST_HOLD_DB="+db)
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { in.Close(); cmd.Wait() }()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "holding") {
		t.Fatalf("helper: %q %v", line, err)
	}
	g := &Globals{DB: db, Ctx: context.Background()}
	st, notice, err := (&TuiCmd{MemoryMB: 384}).open(g)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("notice: %s", notice)
	if !st.ReadOnly() || !strings.Contains(notice, "opened read-only: another process has the store open") || !strings.Contains(notice, "PID") {
		t.Errorf("read-only %v, notice %q", st.ReadOnly(), notice)
	}
	st.Close()
	// --write insists.
	if st, _, err := (&TuiCmd{Write: true}).open(g); err == nil {
		st.Close()
		t.Error("--write opened a store another process holds")
	}
	// A command that writes says who holds the store and what to do.
	_, errs, code := trawl(t, "--db", db, "suppress", "add", "x", "--rule", "r", "--reason", "y")
	if code == 0 || !strings.Contains(errs, "PID") || !strings.Contains(errs, "\nhint: another process has the store open") || !strings.Contains(errs, "trawl tui --read-only") {
		t.Errorf("writing to a held store: %d %s", code, errs)
	}
}

// TestTuiHoldStoreHelper is not a test: TestTuiOpenFallsBackWhenHeld runs it in another process.
func TestTuiHoldStoreHelper(t *testing.T) {
	db := os.Getenv("TRAWL_TEST_HOLD_DB")
	if db == "" {
		t.Skip("helper process only")
	}
	st, err := engine.Open(context.Background(), db, engine.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	fmt.Println("holding")
	io.Copy(io.Discard, os.Stdin)
}
