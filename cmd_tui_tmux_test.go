package main

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"trawl/internal/tmuxtest"
)

// TestIntegrationTmux runs the workbench binary inside tmux the way an analyst would, opened
// with no arguments: filter the queue, open an incident, pivot to a user, open the user's
// timeline, write a hunt with a typo and see the checker's error, fix it and see results, quit
// (exit status 0, terminal modes restored). It asserts on captured screens.
func TestIntegrationTmux(t *testing.T) {
	tmuxtest.Skip(t)
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
	s := tmuxtest.Start(t, 160, 48, []string{"TRAWL_DB=" + db, "TERM=xterm-256color"}, bin)

	s.WaitFor("queue", "Queue", "sort: priority", "INCIDENT / ALERT")

	// Filter the queue.
	s.Type("/")
	s.Type("lsass")
	if scr := s.WaitFor("filter", "filter: lsass", "LSASS"); strings.Contains(scr, "SSH brute force") {
		t.Errorf("the filter kept an SSH alert:\n%s", scr)
	}
	s.Keys("Enter")

	// Open the incident on top.
	s.Keys("Enter")
	s.WaitFor("incident", "Incident ", "score", "factors", "rank")

	// Pivot to its user.
	s.Type("p")
	s.WaitFor("pivot", "Entity user=", "first seen")

	// Back, then the user's timeline around the incident.
	s.Keys("Escape")
	s.WaitFor("back", "factors")
	s.Type("t")
	s.WaitFor("timeline", "Timeline of user", "zoom")

	// The hunt console: a typo, the checker's error, the fix, results.
	s.Type("3")
	s.WaitFor("hunt console", "Hunt")
	s.Type(`logon | where outcom == "failure" | stats count() by host`)
	s.WaitFor("hunt error", `unknown field "outcom"`)
	s.Keys("C-u")
	s.Type(`logon | where outcome == "failure" | stats count() by host`)
	s.WaitFor("hunt fixed", "Hunt  ok")
	s.Keys("C-r")
	if scr := s.WaitFor("hunt results", "results: rows 1", "bastion01"); strings.Contains(scr, "unknown field") {
		t.Errorf("the fixed query still shows the error:\n%s", scr)
	}

	// Quit: leave the editor, then q.
	s.Keys("Tab")
	s.Type("q")
	if status, restored := s.Exit("quit"); status != 0 || !restored {
		t.Errorf("quit: exit status %d, terminal modes restored %v", status, restored)
	}
}
