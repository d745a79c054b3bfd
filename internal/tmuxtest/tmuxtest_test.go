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
