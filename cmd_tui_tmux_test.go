package main

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// tmuxSession drives the real trawl binary in a detached tmux session.
type tmuxSession struct {
	t    *testing.T
	name string
}

func (s *tmuxSession) tmux(args ...string) string {
	s.t.Helper()
	out, err := exec.Command("tmux", args...).CombinedOutput()
	if err != nil {
		s.t.Fatalf("tmux %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// screen is what the pane shows now.
func (s *tmuxSession) screen() string {
	out, err := exec.Command("tmux", "capture-pane", "-p", "-t", s.name).CombinedOutput()
	if err != nil {
		return ""
	}
	return string(out)
}

// waitFor waits until the pane shows every one of texts and returns the screen.
func (s *tmuxSession) waitFor(step string, texts ...string) string {
	s.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		scr := s.screen()
		missing := ""
		for _, x := range texts {
			if !strings.Contains(scr, x) {
				missing = x
				break
			}
		}
		if missing == "" {
			if testing.Verbose() {
				s.t.Logf("%s:\n%s", step, scr)
			}
			return scr
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("%s: the screen never showed %q; it shows:\n%s", step, missing, scr)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// keys sends key names (tmux spelling: Enter, Escape, C-r, Tab).
func (s *tmuxSession) keys(k ...string) { s.tmux(append([]string{"send-keys", "-t", s.name}, k...)...) }

// text types literal text.
func (s *tmuxSession) text(x string) { s.tmux("send-keys", "-t", s.name, "-l", x) }

// TestIntegrationTmux runs the workbench binary inside tmux the way an analyst would: filter
// the queue, open an incident, pivot to a user, open the user's timeline, write a hunt with a
// typo and see the checker's error, fix it and see results, quit. It asserts on captured
// screens.
func TestIntegrationTmux(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs it under tmux")
	}
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("no tmux")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "trawl")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	db := filepath.Join(dir, "t.duckdb")
	for _, args := range [][]string{
		{"generate", "--events", "3000", "--days", "2", "--out", filepath.Join(dir, "logs")},
		{"--db", db, "import", filepath.Join(dir, "logs")},
		{"--db", db, "hunt"},
	} {
		if out, errs, code := trawl(t, args...); code != 0 {
			t.Fatalf("trawl %v: %d\n%s%s", args, code, out, errs)
		}
	}
	s := &tmuxSession{t: t, name: "trawl-e2e-" + filepath.Base(dir)}
	// No arguments: the workbench is the default command. A shell keeps the pane after exit.
	s.tmux("new-session", "-d", "-s", s.name, "-x", "160", "-y", "48", "-e", "TRAWL_DB="+db, "-e", "TERM=xterm-256color",
		"sh", "-c", bin+"; echo trawl exited $?; sleep 30")
	t.Cleanup(func() { exec.Command("tmux", "kill-session", "-t", s.name).Run() })

	s.waitFor("queue", "Queue", "sort: priority", "INCIDENT / ALERT")

	// Filter the queue.
	s.text("/")
	s.text("lsass")
	scr := s.waitFor("filter", "filter: lsass", "LSASS")
	if strings.Contains(scr, "SSH brute force") {
		t.Errorf("the filter kept an SSH alert:\n%s", scr)
	}
	s.keys("Enter")

	// Open the incident on top.
	s.keys("Enter")
	s.waitFor("incident", "Incident ", "score", "factors", "rank")

	// Pivot to its user.
	s.text("p")
	s.waitFor("pivot", "Entity user=", "first seen")

	// Back, then the user's timeline around the incident.
	s.keys("Escape")
	s.waitFor("back", "factors")
	s.text("t")
	s.waitFor("timeline", "Timeline of user", "zoom")

	// The hunt console: a typo, the checker's error, the fix, results.
	s.text("3")
	s.waitFor("hunt console", "Hunt")
	s.text(`logon | where outcom == "failure" | stats count() by host`)
	s.waitFor("hunt error", `unknown field "outcom"`)
	s.keys("C-u")
	s.text(`logon | where outcome == "failure" | stats count() by host`)
	s.waitFor("hunt fixed", "Hunt  ok")
	s.keys("C-r")
	scr = s.waitFor("hunt results", "results: rows 1", "bastion01")
	if strings.Contains(scr, "unknown field") {
		t.Errorf("the fixed query still shows the error:\n%s", scr)
	}

	// Quit: leave the editor, then q.
	s.keys("Tab")
	s.text("q")
	s.waitFor("quit", "trawl exited 0")
}
