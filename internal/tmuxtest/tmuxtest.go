// Package tmuxtest drives a real program inside tmux for end-to-end tests of the workbench: it
// starts the program in a detached session on a private tmux server (its own socket, no user
// configuration), sends keys, and waits for captured screens to show what a step expects. Every
// wait polls with a deadline and prints the last capture when it fails; nothing sleeps a fixed
// time.
//
// The program runs under a small shell wrapper that records, after the program exits, its exit
// status and whether the terminal modes (stty -g) are the ones it started with, then keeps the
// pane open so the screen left behind can be inspected.
package tmuxtest

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// DefaultTimeout bounds every wait unless Session.Timeout says otherwise. It is generous: the
// machines running the suite are small and busy, and a wait returns as soon as the screen is
// right.
const DefaultTimeout = 30 * time.Second

// Skip skips the test when it cannot run: under -short, or without tmux on the PATH.
func Skip(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end run under tmux: skipped with -short")
	}
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("end-to-end run under tmux: tmux is not installed (make test installs it from Debian)")
	}
}

// Session is one program running in a detached tmux session on a private server.
type Session struct {
	t      testing.TB
	socket string
	// Timeout bounds each wait (DefaultTimeout when zero).
	Timeout time.Duration
	// Poll, when set, is the fixed time between captures while waiting (for measuring latency);
	// by default the wait backs off from 20 to 200 ms.
	Poll time.Duration
	// Last is the most recent capture.
	Last string
}

var seq atomic.Int64

// Markers the wrapper prints when the program ends.
const (
	exitedPrefix = "tmuxtest: exited "
	ttyRestored  = "tmuxtest: terminal modes restored"
	ttyChanged   = "tmuxtest: terminal modes CHANGED"
)

// Start runs argv (program and arguments, no shell quoting needed) in a new detached session of
// width x height on a private tmux server, with env (NAME=value) added to its environment. The
// server is killed when the test ends.
func Start(t testing.TB, width, height int, env []string, argv ...string) *Session {
	t.Helper()
	s := &Session{t: t, socket: fmt.Sprintf("trawl-e2e-%d-%d", time.Now().UnixNano(), seq.Add(1))}
	// The wrapper: remember the terminal modes, run the program, report its status and whether
	// the modes came back, then stay so the pane can still be captured.
	wrapper := `s=$(stty -g); "$@"; rc=$?; ` +
		`if [ "$(stty -g)" = "$s" ]; then echo "` + ttyRestored + `"; else echo "` + ttyChanged + `"; fi; ` +
		`echo "` + exitedPrefix + `$rc"; exec sleep 3600`
	args := []string{"new-session", "-d", "-s", "e2e", "-x", strconv.Itoa(width), "-y", strconv.Itoa(height)}
	for _, e := range env {
		args = append(args, "-e", e)
	}
	args = append(args, "sh", "-c", wrapper, "sh")
	args = append(args, argv...)
	// -f /dev/null: no user configuration. set-clipboard on lets a test see an OSC 52 write as
	// a tmux paste buffer; it is set in the same call, before the program draws anything.
	args = append([]string{"-f", "/dev/null"}, args...)
	args = append(args, ";", "set-option", "-s", "set-clipboard", "on")
	var path string
	t.Cleanup(func() {
		exec.Command("tmux", "-L", s.socket, "kill-server").Run()
		// A killed server leaves its socket file behind.
		if path != "" {
			os.Remove(path)
		}
	})
	s.Tmux(args...)
	path = s.Display("#{socket_path}")
	return s
}

// run runs tmux on the session's server.
func (s *Session) run(args ...string) (string, error) {
	out, err := exec.Command("tmux", append([]string{"-L", s.socket}, args...)...).CombinedOutput()
	return string(out), err
}

// Tmux runs a tmux command on the session's server and fails the test if it fails.
func (s *Session) Tmux(args ...string) string {
	s.t.Helper()
	out, err := s.run(args...)
	if err != nil {
		s.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// Capture is the pane's visible text now (tmux capture-pane -p), trailing blanks trimmed per line.
func (s *Session) Capture() string {
	out, err := s.run("capture-pane", "-p", "-t", "e2e")
	if err != nil {
		return "capture failed: " + err.Error() + "\n" + out
	}
	s.Last = out
	return out
}

// CaptureEscapes is the pane with its attributes as escape sequences (capture-pane -e): what
// the terminal holds, to show that no escape from log text was interpreted.
func (s *Session) CaptureEscapes() string {
	s.t.Helper()
	return s.Tmux("capture-pane", "-p", "-e", "-t", "e2e")
}

// Display expands a tmux format for the pane (#{alternate_on}, #{pane_title}, ...).
func (s *Session) Display(format string) string {
	s.t.Helper()
	return strings.TrimRight(s.Tmux("display-message", "-p", "-t", "e2e", format), "\n")
}

// Keys sends key names in tmux spelling: Enter, Escape, Tab, C-r, Up, NPage.
func (s *Session) Keys(keys ...string) {
	s.t.Helper()
	s.Tmux(append([]string{"send-keys", "-t", "e2e"}, keys...)...)
}

// Type sends literal text.
func (s *Session) Type(text string) {
	s.t.Helper()
	s.Tmux("send-keys", "-t", "e2e", "-l", text)
}

// Resize resizes the session's window.
func (s *Session) Resize(width, height int) {
	s.t.Helper()
	s.Tmux("resize-window", "-t", "e2e", "-x", strconv.Itoa(width), "-y", strconv.Itoa(height))
}

// Until polls the screen until ok accepts it and returns that screen. On timeout it fails the
// test with the step's name, what was awaited and the last capture.
func (s *Session) Until(step, what string, ok func(screen string) bool) string {
	s.t.Helper()
	timeout := s.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	deadline := time.Now().Add(timeout)
	next := func(d time.Duration) time.Duration { return min(d*2, 200*time.Millisecond) }
	wait := 20 * time.Millisecond
	if s.Poll > 0 {
		wait, next = s.Poll, func(d time.Duration) time.Duration { return d }
	}
	for ; ; wait = next(wait) {
		scr := s.Capture()
		if ok(scr) {
			if testing.Verbose() {
				s.t.Logf("%s:\n%s", step, scr)
			}
			return scr
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("%s: after %v the screen still does not show %s; last capture:\n%s", step, timeout, what, Frame(scr))
		}
		time.Sleep(wait)
	}
}

// WaitFor waits until the screen shows every one of texts and returns it.
func (s *Session) WaitFor(step string, texts ...string) string {
	s.t.Helper()
	return s.Until(step, fmt.Sprintf("%q", texts), func(scr string) bool { return containsAll(scr, texts) })
}

// WaitGone waits until the screen shows none of texts and returns it.
func (s *Session) WaitGone(step string, texts ...string) string {
	s.t.Helper()
	return s.Until(step, fmt.Sprintf("none of %q", texts), func(scr string) bool {
		for _, x := range texts {
			if strings.Contains(scr, x) {
				return false
			}
		}
		return true
	})
}

// Exit waits for the program to end and returns its exit status and whether the wrapper found
// the terminal modes restored.
func (s *Session) Exit(step string) (status int, restored bool) {
	s.t.Helper()
	scr := s.Until(step, "the program's exit", func(scr string) bool { return strings.Contains(scr, exitedPrefix) })
	i := strings.Index(scr, exitedPrefix) + len(exitedPrefix)
	j := i
	for j < len(scr) && scr[j] >= '0' && scr[j] <= '9' {
		j++
	}
	status, err := strconv.Atoi(scr[i:j])
	if err != nil {
		s.t.Fatalf("%s: unreadable exit status in:\n%s", step, Frame(scr))
	}
	return status, strings.Contains(scr, ttyRestored)
}

// PID is the process id of the program: the child of the wrapper shell (0 once it has ended).
func (s *Session) PID() int {
	s.t.Helper()
	shell := s.Display("#{pane_pid}")
	out, err := exec.Command("pgrep", "-P", shell).Output()
	if err != nil {
		return 0
	}
	for _, f := range strings.Fields(string(out)) {
		pid, err := strconv.Atoi(f)
		if err == nil {
			return pid
		}
	}
	return 0
}

// Frame draws a capture inside a border so its blank lines and edges show in a failure message.
func Frame(scr string) string {
	lines := strings.Split(strings.TrimRight(scr, "\n"), "\n")
	var b strings.Builder
	b.WriteString("┌────\n")
	for _, l := range lines {
		b.WriteString("│")
		b.WriteString(l)
		b.WriteString("\n")
	}
	b.WriteString("└────")
	return b.String()
}

// Line returns the first line of scr containing sub, and its index (-1 and "" when none does).
func Line(scr, sub string) (int, string) {
	for i, l := range strings.Split(scr, "\n") {
		if strings.Contains(l, sub) {
			return i, l
		}
	}
	return -1, ""
}

func containsAll(s string, subs []string) bool {
	for _, x := range subs {
		if !strings.Contains(s, x) {
			return false
		}
	}
	return true
}
