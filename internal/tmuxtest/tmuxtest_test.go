package tmuxtest

import (
	"strings"
	"testing"
)

// TestSession: a shell script as the program; the helper sees its output, sends it a line,
// reads its exit status and notices terminal modes it left changed.
func TestSession(t *testing.T) {
	Skip(t)
	tests := []struct {
		name     string
		script   string
		status   int
		restored bool
	}{
		{"clean exit", `printf 'ready\n'; read line; echo "got $line"; exit 0`, 0, true},
		{"failure status", `printf 'ready\n'; read line; echo "got $line"; exit 3`, 3, true},
		{"modes left changed", `printf 'ready\n'; read line; echo "got $line"; stty -echo; exit 0`, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := Start(t, 80, 24, []string{"GREETING=hi"}, "sh", "-c", tc.script)
			s.WaitFor("start", "ready")
			s.Type("abc")
			s.Keys("Enter")
			scr := s.WaitFor("echo", "got abc")
			if i, l := Line(scr, "got abc"); i < 0 || strings.TrimSpace(l) != "got abc" {
				t.Errorf("Line: %d %q", i, l)
			}
			status, restored := s.Exit("exit")
			if status != tc.status || restored != tc.restored {
				t.Errorf("exit status %d, restored %v; want %d, %v\n%s", status, restored, tc.status, tc.restored, Frame(s.Last))
			}
		})
	}
}

// TestEnvAndSize: the environment given reaches the program and the pane has the size asked for.
func TestEnvAndSize(t *testing.T) {
	Skip(t)
	s := Start(t, 100, 30, []string{"GREETING=hello-there"}, "sh", "-c", `echo "$GREETING"; read x`)
	s.WaitFor("env", "hello-there")
	if got := s.Display("#{pane_width}x#{pane_height}"); got != "100x30" {
		t.Errorf("pane size %s, want 100x30", got)
	}
	if s.PID() == 0 {
		t.Error("no pid for the running program")
	}
	s.Resize(120, 40)
	if got := s.Display("#{pane_width}x#{pane_height}"); got != "120x40" {
		t.Errorf("pane size after resize %s, want 120x40", got)
	}
}

// TestSeesSideEffects: the checks the workbench's hostile-text test relies on do see a program
// that writes escape sequences raw: the window title changes, an OSC 52 write becomes a tmux
// paste buffer, and a screen clear wipes what was above.
func TestSeesSideEffects(t *testing.T) {
	Skip(t)
	s := Start(t, 80, 24, nil, "sh", "-c",
		`echo first; printf 'x\033]2;PWNED\007y\033]52;c;cHduZWQ=\007z\n'; printf 'second\n'; read x; printf '\033[2J\033[Hthird\n'; read x`)
	s.WaitFor("raw escapes", "xyz", "second")
	if got := s.Display("#{pane_title}"); got != "PWNED" {
		t.Errorf("pane title %q, want PWNED", got)
	}
	if got := s.Tmux("list-buffers"); !strings.Contains(got, "pwned") {
		t.Errorf("list-buffers %q, want the OSC 52 text", got)
	}
	s.Keys("Enter")
	scr := s.WaitFor("clear", "third")
	if strings.Contains(scr, "first") || !strings.HasPrefix(scr, "third") {
		t.Errorf("the clear did not clear:\n%s", Frame(scr))
	}
}
