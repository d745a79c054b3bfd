package main

import (
	"bytes"
	"io"
	"log"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"trawl/engine"
	"trawl/themes"
	"trawl/tui/workbench"
)

// TestTuiIsTheDefault: `trawl` with no arguments is the workbench (here, without a terminal,
// its refusal), and the other commands and --help still work.
func TestTuiIsTheDefault(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		out  string // in stdout
		errs string // in stderr
	}{
		{"no arguments opens the workbench", nil, 2, "", "the workbench needs a terminal"},
		{"tui", []string{"tui"}, 2, "", "the workbench needs a terminal"},
		{"tui with a theme", []string{"tui", "--theme", "high-contrast"}, 2, "", "the workbench needs a terminal"},
		{"unknown theme", []string{"tui", "--theme", "sepia"}, 2, "", `unknown theme "sepia"`},
		{"help lists commands", []string{"--help"}, 0, "import", ""},
		{"help lists tui", []string{"--help"}, 0, "tui", ""},
		{"tui help", []string{"tui", "--help"}, 0, "--theme", ""},
		{"other commands still run", []string{"attack", "T1110"}, 0, "Brute Force", ""},
		{"unknown command is an error", []string{"frobnicate"}, 2, "", "unexpected argument frobnicate"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, errs, code := trawl(t, tc.args...)
			if code != tc.code || !strings.Contains(out, tc.out) || !strings.Contains(errs, tc.errs) {
				t.Errorf("trawl %v: code %d (want %d)\nstdout:\n%s\nstderr:\n%s", tc.args, code, tc.code, out, errs)
			}
		})
	}
}

// syncBuffer is a bytes.Buffer safe to read while the program writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestWorkbenchProgram runs the real Bubble Tea program over a generated, hunted store with scripted
// input: it draws the queue, opens the top incident, then the import screen (refusing a read-only
// store), and quits on q.
func TestWorkbenchProgram(t *testing.T) {
	if testing.Short() {
		t.Skip("generates, imports and hunts a small data set")
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "t.duckdb")
	for _, args := range [][]string{
		{"generate", "--events", "800", "--days", "1", "--out", filepath.Join(dir, "logs")},
		{"--db", db, "import", filepath.Join(dir, "logs")},
		{"--db", db, "hunt"},
	} {
		mustTrawl(t, args...)
	}
	st, err := engine.Open(t.Context(), db, engine.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	th, _ := themes.ByName("dark")
	in, keys := io.Pipe()
	var out, logBuf syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- runWorkbench(t.Context(), st, th, workbench.Options{DB: "fixture", Log: log.New(&logBuf, "", 0)}, in, &out,
			tea.WithWindowSize(80, 24), tea.WithColorProfile(colorprofile.Ascii))
	}()
	waitFor := func(s string) {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for !strings.Contains(out.String(), s) {
			if time.Now().After(deadline) {
				t.Fatalf("the screen never showed %q; output:\n%q", s, out.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitFor("· sort: priority")
	io.WriteString(keys, "\r")
	waitFor("rank 1")
	io.WriteString(keys, "6") // the import screen, which says the store is read-only
	waitFor("trawl tui --write")
	io.WriteString(keys, "q")
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("q did not quit the workbench")
	}
	keys.Close()
	if l := logBuf.String(); !strings.Contains(l, "open Queue") || !strings.Contains(l, "(page): ") || !strings.Contains(l, "open Incident") {
		t.Errorf("debug log:\n%s", l)
	}
}
