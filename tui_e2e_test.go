package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"trawl/internal/tmuxtest"
)

// TestIntegrationWorkbenchTmux runs the real trawl binary inside tmux, as an analyst would, and
// asserts on captured screens: the walk of issue 7 at 120x40 with trawl --db STORE (filter the
// queue, open an incident, pivot to its user, the user's timeline, a hunt with a typo showing
// the checker's caret and line:col message, the fix and its results, quit with ctrl+c); trawl
// with no arguments (the store from TRAWL_DB) at 80x24, resized up to 120x40 and quit with q;
// hostile log text (a screen clear, an OSC 52 clipboard write, a window title, a colour)
// arriving as visible escapes on the real terminal; and the refusal without a terminal. Each
// run checks that trawl exits with the right status and leaves the terminal as it found it.
func TestIntegrationWorkbenchTmux(t *testing.T) {
	tmuxtest.Skip(t)
	dir := t.TempDir()
	bin := filepath.Join(dir, "trawl")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	// A small generated company with every attack scenario, hunted (which also scores): the
	// queue has ranked incidents.
	db := filepath.Join(dir, "demo.duckdb")
	for _, args := range [][]string{
		{"generate", "--events", "3000", "--days", "2", "--out", filepath.Join(dir, "logs")},
		{"--db", db, "import", filepath.Join(dir, "logs")},
		{"--db", db, "hunt"},
	} {
		mustTrawl(t, args...)
	}
	// trawl opens the store for writing when it can, and DuckDB lets one process write a store
	// and no other open it meanwhile: the runs side by side get their own copies.
	small, held := filepath.Join(dir, "small.duckdb"), filepath.Join(dir, "held.duckdb")
	b, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{small, held} {
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("read-only when another process holds the store", func(t *testing.T) {
		t.Parallel()
		heldReadOnly(t, bin, held)
	})
	t.Run("walk at 120x40", func(t *testing.T) {
		t.Parallel()
		walk(t, bin, db)
	})
	t.Run("80x24 and resize", func(t *testing.T) {
		t.Parallel()
		smallThenResize(t, bin, small)
	})
	t.Run("hostile log text", func(t *testing.T) {
		t.Parallel()
		hostileOnTerminal(t, bin)
	})
	t.Run("no terminal", func(t *testing.T) {
		t.Parallel()
		noTerminal(t, bin, db)
	})
}

// noTerminal: without a terminal on both stdin and stdout (CI, scripts, make demo in a pipe) the
// workbench refuses at once with a clear message and status 2 instead of hanging or drawing into
// a file.
func noTerminal(t *testing.T, bin, db string) {
	const msg = "the workbench needs a terminal on stdin and stdout"
	// Neither is a terminal: pipes.
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--db", db)
	cmd.Stdin = strings.NewReader("q")
	var out, errs strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errs
	err := cmd.Run()
	var exit *exec.ExitError
	if ctx.Err() != nil || !errors.As(err, &exit) || exit.ExitCode() != 2 || out.Len() != 0 || !strings.Contains(errs.String(), msg) {
		t.Errorf("trawl without a terminal: %v (context %v)\nstdout: %q\nstderr: %q", err, ctx.Err(), out.String(), errs.String())
	}
	// One of the two is a terminal, the other not.
	for _, tc := range []struct{ name, script string }{
		{"stdout to a file", `"$0" --db "$1" >"$2"`},
		{"stdin from /dev/null", `"$0" --db "$1" </dev/null`},
	} {
		s := tmuxtest.Start(t, 80, 24, e2eEnv, "sh", "-c", tc.script, bin, db, filepath.Join(t.TempDir(), "out"))
		s.WaitFor(tc.name, msg)
		if status, restored := s.Exit(tc.name); status != 2 || !restored {
			t.Errorf("%s: status %d, terminal modes restored %v; want 2, true\n%s", tc.name, status, restored, tmuxtest.Frame(s.Last))
		}
	}
}

// e2eEnv is the environment the workbench runs with: a fixed theme, whatever the caller's.
var e2eEnv = []string{"TRAWL_THEME=dark"}

func walk(t *testing.T, bin, db string) {
	s := tmuxtest.Start(t, 120, 40, e2eEnv, bin, "--db", db)

	scr := s.WaitFor("queue", "Queue", "sort: priority", "INCIDENT / ALERT", "P1", "Password spraying")
	if _, l := tmuxtest.Line(scr, "trawl"); !strings.HasPrefix(strings.TrimSpace(l), "trawl") {
		t.Errorf("the header is not on the first line:\n%s", tmuxtest.Frame(scr))
	}

	// Filter: / and text narrow the queue as the analyst types.
	s.Type("/")
	s.Type("spray")
	// The header says the filter at once; the rows follow when the query returns.
	s.Until("filter", "the queue filtered to the spraying incident", func(scr string) bool {
		return containsAll(scr, "filter: spray", "Password spraying") &&
			!strings.Contains(scr, "SSH brute force") && !strings.Contains(scr, "LSASS") && !strings.Contains(scr, "running")
	})
	s.Keys("Enter") // close the filter line; the filter stays

	// Acknowledge it: the store records it and the status column shows it.
	s.Type("a")
	scr = s.Until("acknowledged", "the incident's row saying ack", func(scr string) bool {
		_, l := tmuxtest.Line(scr, "Password spraying")
		return strings.Contains(scr, "acknowledged") && strings.Contains(l, " ack ")
	})
	if strings.Contains(scr, "read-only") {
		t.Errorf("plain trawl opened a writable store read-only:\n%s", tmuxtest.Frame(scr))
	}

	// Open the incident on top.
	s.Keys("Enter")
	scr = s.WaitFor("incident", "Incident ", "factors", "rank", "Password spraying", "entities user:")
	_, ents := tmuxtest.Line(scr, "entities user:")
	user := regexp.MustCompile(`user:(\S+)`).FindStringSubmatch(ents)[1]

	// Pivot to its user: the entity view.
	s.Type("p")
	s.WaitFor("pivot", "Entity user="+user, "first seen", "last seen", "Related")

	// The user's timeline: back to the incident, then t.
	s.Keys("Escape")
	s.WaitFor("back to the incident", "factors", "Password spraying")
	s.Type("t")
	scr = s.WaitFor("timeline", "Timeline of user "+user, "zoom", "on this page")
	rows := 0
	timeAtStart := regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d `)
	for _, l := range strings.Split(scr, "\n") {
		if timeAtStart.MatchString(l) {
			rows++
			if !strings.Contains(strings.ToLower(l), strings.ToLower(user)) {
				t.Errorf("a row of %s's timeline is about someone else: %q", user, l)
			}
		}
	}
	if rows == 0 {
		t.Errorf("the timeline shows no events:\n%s", tmuxtest.Frame(scr))
	}

	// The hunt console: a typo, the checker's error under it, the fix, the results.
	s.Type("3")
	s.WaitFor("hunt console", "Hunt", "no results yet")
	const typo = `logon | where outcom == "failure" | stats count() by host`
	s.Type(typo)
	scr = s.WaitFor("hunt error", `^~~~~~ unknown field "outcom"`, `1:15: unknown field "outcom" (did you mean "outcome"?)`)
	i, query := tmuxtest.Line(scr, typo)
	_, caret := tmuxtest.Line(scr, "^~~~~~ unknown field")
	if col, want := runeIndex(caret, "^"), runeIndex(query, "outcom"); i < 0 || col != want {
		t.Errorf("the caret is at column %d, the typo at %d:\n%s", col, want, tmuxtest.Frame(scr))
	}
	// Fix it where it is: back over the rest of the line and insert the missing letter.
	rest := ` == "failure" | stats count() by host`
	s.Tmux("send-keys", "-t", "e2e", "-N", strconv.Itoa(len(rest)), "Left")
	s.Type("e")
	scr = s.WaitFor("hunt fixed", "Hunt  ok", `logon | where outcome == "failure" | stats count() by host`)
	if strings.Contains(scr, "unknown field") {
		t.Errorf("the fixed query still shows the error:\n%s", tmuxtest.Frame(scr))
	}
	s.Keys("C-r")
	scr = s.WaitFor("hunt results", "results: rows 1", " host ", " count")
	if _, l := tmuxtest.Line(scr, "results: rows"); !regexp.MustCompile(`rows 1–\d+`).MatchString(l) {
		t.Errorf("results line %q", l)
	}

	// ctrl+c quits from anywhere, even the editor.
	s.Keys("C-c")
	checkExit(t, s)

	// trawl alerts reads the acknowledgement back: the spraying alerts are acknowledged.
	out, errs, code := trawl(t, "--db", db, "alerts", "-f", "csv")
	acked := 0
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, ",acknowledged,") {
			acked++
		}
	}
	if code != 0 || acked == 0 {
		t.Errorf("trawl alerts after acknowledging (status %d, %d acknowledged):\n%s%s", code, acked, out, errs)
	}
}

// heldReadOnly: a workbench opened --read-only holds the store (writers are kept out), so a
// second, plain trawl opens it read-only, says so, and refuses to acknowledge with the command
// that would allow it.
func heldReadOnly(t *testing.T, bin, db string) {
	first := tmuxtest.Start(t, 120, 40, e2eEnv, bin, "--db", db, "--read-only")
	first.WaitFor("the first workbench", "Queue", "sort: priority", "read-only")
	second := tmuxtest.Start(t, 120, 40, e2eEnv, bin, "--db", db)
	// Wait for the rows too, not only the header and the banner: a key pressed before the first
	// page arrives has nothing under the cursor to acknowledge.
	scr := second.WaitFor("the second workbench", "Queue", "sort: priority", "opened read-only: another process has the store open", "P1")
	if _, l := tmuxtest.Line(scr, "trawl"); !strings.Contains(l, "read-only") {
		t.Errorf("the header does not say read-only:\n%s", tmuxtest.Frame(scr))
	}
	second.Type("a")
	second.WaitFor("acknowledge refused", "opened read-only: run trawl tui --write")
	second.Type("q")
	checkExit(t, second)
	first.Type("q")
	checkExit(t, first)
}

func smallThenResize(t *testing.T, bin, db string) {
	// trawl with no arguments is the workbench, on the store TRAWL_DB names.
	s := tmuxtest.Start(t, 80, 24, append([]string{"TRAWL_DB=" + db}, e2eEnv...), bin)
	scr := s.WaitFor("queue at 80x24", "Queue", "P1", "q quit")
	lines := strings.Split(strings.TrimRight(scr, "\n"), "\n")
	if len(lines) != 24 || !strings.Contains(lines[23], "q quit") || !strings.Contains(lines[0], "trawl") {
		t.Errorf("at 80x24 the header and the status bar are not on the first and last lines:\n%s", tmuxtest.Frame(scr))
	}
	s.Type("?")
	s.WaitFor("help at 80x24", "Everywhere", "quit")
	s.Keys("Escape")
	s.WaitGone("help closed", "Everywhere")

	s.Resize(120, 40)
	scr = s.Until("resized to 120x40", "the status bar on line 40", func(scr string) bool {
		lines := strings.Split(strings.TrimRight(scr, "\n"), "\n")
		return len(lines) == 40 && strings.Contains(lines[39], "q quit") && strings.Contains(lines[0], "trawl")
	})
	if strings.Count(scr, "q quit") != 1 || strings.Count(scr, "sort: priority") != 1 {
		t.Errorf("the resized screen shows leftovers of the 80x24 one:\n%s", tmuxtest.Frame(scr))
	}
	s.Type("q")
	checkExit(t, s)
}

// Hostile log text: a screen clear and cursor home, an OSC 52 clipboard write, a window title and
// a colour, in a JSON message (decoded to real escape bytes) and raw in a syslog line.
const (
	hostileJSON = `{"time":"2026-03-02T09:00:00Z","user":"mallory","host":"ws66","action":"note",` +
		`"message":"before \u001b[2J\u001b[H clear \u001b]52;c;cHduZWQ=\u0007 clip \u001b]0;PWNED-TITLE\u0007 title \u001b[31mRED after"}` + "\n" +
		`{"time":"2026-03-02T09:01:00Z","user":"mallory","host":"ws66","action":"note","message":"plain line"}` + "\n"
	hostileSyslog = "Mar  2 09:02:00 ws66 sshd[4242]: Invalid user m\x1b[2J\x1b[Hal from 203.0.113.9 port 22 " +
		"\x1b]52;c;cHduZWQ=\x07 x \x1b]2;PWNED-TITLE2\x07 end\n"
)

func hostileOnTerminal(t *testing.T, bin string) {
	dir := t.TempDir()
	logs := filepath.Join(dir, "logs")
	if err := os.Mkdir(logs, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{"notes.jsonl": hostileJSON, "auth.log": hostileSyslog} {
		if err := os.WriteFile(filepath.Join(logs, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	db := filepath.Join(dir, "hostile.duckdb")
	if out, errs, code := trawl(t, "--db", db, "import", logs); code != 0 || !strings.Contains(out+errs, "3 events, 0 rejects") {
		t.Fatalf("import: status %d\n%s%s", code, out, errs)
	}
	s := tmuxtest.Start(t, 120, 40, e2eEnv, bin, "--db", db)
	s.WaitFor("queue", "Queue")

	// harmless checks what the terminal did with the screen on show: nothing but draw it.
	harmless := func(step, scr string) {
		t.Helper()
		if l := strings.SplitN(scr, "\n", 2)[0]; !strings.HasPrefix(strings.TrimSpace(l), "trawl") {
			t.Errorf("%s: the first line is not the header (a clear or cursor move got through?):\n%s", step, tmuxtest.Frame(scr))
		}
		if title := s.Display("#{pane_title}"); title != "trawl" {
			t.Errorf("%s: the window title became %q", step, title)
		}
		if bufs := s.Tmux("list-buffers"); bufs != "" {
			t.Errorf("%s: an OSC 52 write reached the clipboard: %q", step, bufs)
		}
		esc := s.CaptureEscapes()
		for _, bad := range []string{"\x1b]", "\x1b[2J", "\x1b[31mRED", "\x07"} {
			if strings.Contains(esc, bad) {
				t.Errorf("%s: the terminal holds %q from the log:\n%q", step, bad, esc)
			}
		}
	}

	// The timeline of every event: the JSON event's fields in the side panel.
	s.Type("4")
	scr := s.WaitFor("timeline, JSON event", `message        before \x1b[2J\x1b[H clear \x1b]52;c;cHduZWQ=\x07 clip \x1b]0;PWNED-TITLE\x07 title \x1b[31mRED after`)
	harmless("timeline, JSON event", scr)
	// The syslog event, whose raw line holds the bytes themselves.
	s.Type("G")
	scr = s.WaitFor("timeline, syslog event", `Invalid user m\x1b[2J\x1b[Hal from 203.0.113.9 port 22 \x1b]52;c;cHduZWQ=\x07`,
		`raw            Mar  2 09:02:00 ws66 sshd[4242]: Invalid user m\x1b[2J\x1b[Hal`)
	harmless("timeline, syslog event", scr)

	// The host's entity view.
	s.Type(":")
	s.Type("host ws66")
	s.Keys("Enter")
	scr = s.WaitFor("entity view", "Entity host=ws66", `\x1b[2J`)
	harmless("entity view", scr)

	// The hunt console's result table.
	s.Type("3")
	s.WaitFor("hunt console", "no results yet")
	s.Type(`events | where host == "ws66" | fields time, message`)
	s.WaitFor("hunt checked", "Hunt  ok")
	s.Keys("C-r")
	scr = s.WaitFor("hunt results", "results: rows 1–3", `before \x1b[2J\x1b[H clear`, `Invalid user m\x1b[2J\x1b[Hal`)
	harmless("hunt results", scr)

	s.Keys("C-c")
	checkExit(t, s)
}

// checkExit waits for trawl to end and checks it exited with status 0 and restored the terminal:
// the main screen back (no alternate screen), the cursor shown, mouse reporting off, the tty
// modes as before, and nothing of the workbench left on the screen.
func checkExit(t *testing.T, s *tmuxtest.Session) {
	t.Helper()
	status, restored := s.Exit("quit")
	if status != 0 {
		t.Errorf("trawl exited with status %d:\n%s", status, tmuxtest.Frame(s.Last))
	}
	if !restored {
		t.Errorf("trawl left the terminal modes changed (stty -g differs)")
	}
	if got := s.Display("#{alternate_on} #{cursor_flag} #{mouse_any_flag} #{mouse_sgr_flag}"); got != "0 1 0 0" {
		t.Errorf("terminal after exit: alternate screen, cursor, mouse any, mouse SGR = %s, want 0 1 0 0", got)
	}
	for _, x := range []string{"? help", "Queue", "Hunt"} {
		if strings.Contains(s.Last, x) {
			t.Errorf("the workbench's %q is still on the screen after exit:\n%s", x, tmuxtest.Frame(s.Last))
		}
	}
}

// runeIndex is the column (in runes) where sub starts in s, or -1.
func runeIndex(s, sub string) int {
	i := strings.Index(s, sub)
	if i < 0 {
		return -1
	}
	return utf8.RuneCountInString(s[:i])
}

func containsAll(s string, subs ...string) bool {
	for _, x := range subs {
		if !strings.Contains(s, x) {
			return false
		}
	}
	return true
}
