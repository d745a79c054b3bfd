package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"trawl/internal/tmuxtest"
)

// TestIntegrationTmux runs the workbench binary inside tmux the way an analyst would, opened
// with no arguments: a hostile log line shown escaped (no clipboard write, no title), filter the queue, open an incident, pivot to a user, open the user's
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
	// A hostile log line: an OSC 52 clipboard write, a window title and a screen clear.
	hostile := filepath.Join(dir, "hostile", "auth.log")
	os.MkdirAll(filepath.Dir(hostile), 0o755)
	writeFile(t, hostile, "Mar  2 10:00:00 evilhost sshd[1]: \x1b]52;c;cm0gLXJmIH4=\x07 \x1b]0;pwned\x07 \x1b[2J mallory\n")
	for _, args := range [][]string{
		{"generate", "--events", "3000", "--days", "2", "--out", filepath.Join(dir, "logs")},
		{"--db", db, "import", filepath.Join(dir, "logs"), hostile},
		{"--db", db, "hunt"},
	} {
		if out, errs, code := trawl(t, args...); code != 0 {
			t.Fatalf("trawl %v: %d\n%s%s", args, code, out, errs)
		}
	}
	s := tmuxtest.Start(t, 160, 48, []string{"TRAWL_DB=" + db, "TERM=xterm-256color"}, bin)

	s.WaitFor("queue", "Queue", "sort: priority", "INCIDENT / ALERT")

	// The hostile line, shown in the host's view, arrives escaped: no clipboard write, no title.
	s.Type(":")
	s.Type("host evilhost")
	s.Keys("Enter")
	s.WaitFor("hostile line", "Entity host=evilhost", `\x1b]52;c;`)
	if b := strings.TrimSpace(s.Tmux("list-buffers")); b != "" {
		t.Errorf("a log line wrote the clipboard: %s", b)
	}
	if title := s.Display("#{pane_title}"); strings.Contains(title, "pwned") {
		t.Errorf("a log line set the window title: %q", title)
	}
	s.Keys("Escape") // wait before the next key: ESC and a key at once read as alt+key
	s.WaitFor("back to the queue", "INCIDENT / ALERT")

	// Filter the queue.
	s.Type("/")
	s.Type("lsass")
	// Each keystroke starts a query; the last one's result replaces the others'.
	s.WaitFor("filter", "filter: lsass", "LSASS")
	s.WaitGone("filter applied", "SSH brute force", "running")
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
