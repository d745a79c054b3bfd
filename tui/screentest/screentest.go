// Package screentest helps test workbench screens: a small store built from a seeded generated
// data set (plus hostile events and the alerts of the built-in rules), key messages, and golden
// screens with the ANSI styling stripped.
package screentest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"trawl/dsl"
	"trawl/engine"
	"trawl/event"
	"trawl/generate"
	_ "trawl/importers/all" // the formats the generated files are in
	"trawl/internal/testutil"
	"trawl/inventory"
	"trawl/rules"
)

// Fixed facts of the fixture store, for tests to pivot on.
const (
	// HostileHost is the host of the events carrying terminal escapes.
	HostileHost = "evil-host"
	// HostileUser is the user of those events.
	HostileUser = "mallory"
	// HostileMessage is the message of the first one: a colour change, a title change, a
	// cursor move and a bell.
	HostileMessage = "login ok \x1b[31mRED\x1b[0m \x1b]0;pwned\x07 \x1b[2J\x1b[H done"
)

// HostileTime is when the hostile events happened (inside the generated period).
var HostileTime = generate.DefaultStart.Add(9 * time.Hour)

var (
	once     sync.Once
	storeDir string
	buildErr error
)

// Store opens (read-only) a store built once per test binary: 3000 generated events over three
// days with every scenario, the hostile events, context and intel, and the alerts of the
// built-in rules.
func Store(t testing.TB) *engine.Store {
	t.Helper()
	once.Do(func() { storeDir, buildErr = build() })
	if buildErr != nil {
		t.Fatalf("building the fixture store: %v", buildErr)
	}
	st, err := engine.Open(context.Background(), filepath.Join(storeDir, "trawl.db"), engine.Options{ReadOnly: true, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func build() (string, error) {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "trawl-screentest-")
	if err != nil {
		return "", err
	}
	logs := filepath.Join(dir, "logs")
	if _, err := generate.Run(ctx, generate.Config{Events: 3000, Seed: 7, Days: 3, SyslogTime: "rfc3339"}, generate.DirOpener(logs)); err != nil {
		return "", fmt.Errorf("generating: %w", err)
	}
	var files []string
	err = filepath.WalkDir(logs, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && filepath.Base(p) != generate.TruthFile {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		return "", err
	}
	st, err := engine.Open(ctx, filepath.Join(dir, "trawl.db"), engine.Options{Threads: 1})
	if err != nil {
		return "", err
	}
	defer st.Close()
	for _, r := range st.ImportFiles(ctx, files, engine.ImportOptions{Workers: 1, ParseWorkers: 1}) {
		if r.Err != nil {
			return "", fmt.Errorf("importing %s: %w", r.File, r.Err)
		}
	}
	if err := st.InsertEvents(ctx, "hostile.log", HostileEvents()); err != nil {
		return "", err
	}
	// as an import would, so the entity view reads the summary over every event
	if _, err := st.UpdateEntitySummary(ctx); err != nil {
		return "", err
	}
	if err := importContext(ctx, st, dir); err != nil {
		return "", err
	}
	return dir, runRules(ctx, st)
}

// Context and intel of the fixture: an identity and an asset for the encoded-powershell victim,
// and indicators for the beaconing address and domain and for the hostile events' address (with
// terminal escapes in its description).
const (
	identitiesCSV = "user,display_name,email,department,role,privileged,mfa,status,manager\n" +
		"grace.popescu,Grace Popescu,grace.popescu@acme.local,Finance,Accountant,no,yes,active,Omar Haddad\n"
	assetsCSV = "name,ip,owner,criticality,environment,internet_facing\n" +
		"WS07.acme.local,10.10.20.27,it-desktop,3,corp,no\n"
	intelCSV = "type,value,confidence,source,expiry,labels,description\n" +
		"ipv4-addr,203.0.113.200,90,fixture-feed,2099-12-31,c2,Beacon C2\n" +
		"domain,sync.cloud-telemetry.net,80,fixture-feed,2099-12-31,c2,Fake telemetry C2\n" +
		"ipv4-addr,203.0.113.66,50,fixture-feed,2099-12-31,scanner,\"evil \x1b[5mBLINK\x1b[0m feed\"\n"
)

func importContext(ctx context.Context, st *engine.Store, dir string) error {
	write := func(name, body string) (string, error) {
		p := filepath.Join(dir, name)
		return p, os.WriteFile(p, []byte(body), 0o644)
	}
	ids, err := write("identities.csv", identitiesCSV)
	if err != nil {
		return err
	}
	assets, err := write("assets.csv", assetsCSV)
	if err != nil {
		return err
	}
	iocs, err := write("iocs.csv", intelCSV)
	if err != nil {
		return err
	}
	if _, err := st.ImportContext(ctx, ids, inventory.Identities); err != nil {
		return fmt.Errorf("importing identities: %w", err)
	}
	if _, err := st.ImportContext(ctx, assets, inventory.Assets); err != nil {
		return fmt.Errorf("importing assets: %w", err)
	}
	if _, err := st.ImportIntel(ctx, iocs, "fixture-feed"); err != nil {
		return fmt.Errorf("importing intel: %w", err)
	}
	return nil
}

// HostileEvents are logon events whose text carries terminal escapes and control characters.
func HostileEvents() []event.Event {
	evs := make([]event.Event, 3)
	for i := range evs {
		e := &evs[i]
		e.Time = HostileTime.Add(time.Duration(i) * time.Minute)
		e.SourceType = "syslog"
		e.Category = "logon"
		e.Action = "logon"
		e.Outcome = "success"
		e.Host = HostileHost
		e.User = HostileUser
		e.SrcIP = "203.0.113.66"
		e.Message = HostileMessage
		e.Raw = HostileMessage
	}
	evs[1].Message = "tab\there\rcarriage \x00nul \u202eevil-rtl"
	evs[2].Message = strings.Repeat("long ", 400)
	return evs
}

// runRules raises the built-in rules' alerts, as `trawl hunt` does.
func runRules(ctx context.Context, st *engine.Store) error {
	run, err := st.StartHunt(ctx, time.Time{}, nil)
	if err != nil {
		return err
	}
	n, alerts := 0, 0
	for _, f := range rules.Files() {
		rs, err := dsl.ParseRules(f.Name, f.Text)
		if err != nil {
			return err
		}
		for _, r := range rs {
			cr, _, err := dsl.CheckRule(r, dsl.EventCatalogue(), nil, dsl.Options{})
			if err != nil {
				return fmt.Errorf("rule %s: %w", r.Name.Name, err)
			}
			res, err := st.RunRule(ctx, run, engine.AlertRule{
				Name: cr.Name.Name, Title: cr.Title, Severity: cr.Severity.String(), Confidence: cr.Confidence,
				Attack: cr.AttackIDs(), SQL: cr.Compiled.EvidenceSQL, Args: cr.Compiled.Args, EventRows: cr.Compiled.EventRows,
			})
			if err != nil {
				return fmt.Errorf("rule %s: %w", r.Name.Name, err)
			}
			n++
			alerts += res.Alerts
		}
	}
	return st.FinishHunt(ctx, run, n, alerts, nil)
}

// Key is the key press of a name as key.Binding spells it: "a", "enter", "ctrl+r", "up", "pgdown".
func Key(name string) tea.KeyPressMsg {
	mod := tea.KeyMod(0)
	for {
		switch {
		case strings.HasPrefix(name, "ctrl+") && len(name) > 5:
			mod |= tea.ModCtrl
			name = name[5:]
			continue
		case strings.HasPrefix(name, "alt+") && len(name) > 4:
			mod |= tea.ModAlt
			name = name[4:]
			continue
		case strings.HasPrefix(name, "shift+") && len(name) > 6:
			mod |= tea.ModShift
			name = name[6:]
			continue
		}
		break
	}
	if code, ok := specialKeys[name]; ok {
		return tea.KeyPressMsg{Code: code, Mod: mod}
	}
	r := []rune(name)
	if len(r) != 1 {
		panic("screentest.Key: unknown key " + name)
	}
	if mod != 0 {
		return tea.KeyPressMsg{Code: r[0], Mod: mod}
	}
	return tea.KeyPressMsg{Code: r[0], Text: name}
}

// Keys is the key presses of names, each as Key spells it.
func Keys(names ...string) []tea.Msg {
	out := make([]tea.Msg, len(names))
	for i, n := range names {
		out[i] = Key(n)
	}
	return out
}

var specialKeys = map[string]rune{
	"enter": tea.KeyEnter, "esc": tea.KeyEscape, "tab": tea.KeyTab, "backspace": tea.KeyBackspace,
	"up": tea.KeyUp, "down": tea.KeyDown, "left": tea.KeyLeft, "right": tea.KeyRight,
	"pgup": tea.KeyPgUp, "pgdown": tea.KeyPgDown, "home": tea.KeyHome, "end": tea.KeyEnd,
	"space": tea.KeySpace, "delete": tea.KeyDelete,
}

// Type is the key presses typing s (newlines as enter).
func Type(s string) []tea.Msg {
	var out []tea.Msg
	for _, r := range s {
		if r == '\n' {
			out = append(out, tea.KeyPressMsg{Code: tea.KeyEnter})
			continue
		}
		out = append(out, tea.KeyPressMsg{Code: r, Text: string(r)})
	}
	return out
}

// Screen is a View for a golden file: ANSI styling stripped, trailing spaces cut, and every line
// checked to fit width cells and be free of control characters; the view must be height lines.
func Screen(t testing.TB, view string, width, height int) string {
	t.Helper()
	plain := ansi.Strip(view)
	lines := strings.Split(plain, "\n")
	if len(lines) != height {
		t.Errorf("view is %d lines, want %d", len(lines), height)
	}
	for i, l := range lines {
		if w := ansi.StringWidth(l); w > width {
			t.Errorf("line %d is %d cells wide, more than %d: %q", i+1, w, width, l)
		}
		for _, r := range l {
			if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
				t.Errorf("line %d holds control character %U: %q", i+1, r, l)
				break
			}
		}
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.Join(lines, "\n") + "\n"
}

// Golden compares a screen with testdata/golden/<name>.txt (-update rewrites it).
func Golden(t testing.TB, name, view string, width, height int) {
	t.Helper()
	testutil.Golden(t, filepath.Join("testdata", "golden", name+".txt"), []byte(Screen(t, view, width, height)))
}

// Main runs a package's tests and removes the fixture store afterwards; call it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	if storeDir != "" {
		os.RemoveAll(storeDir)
	}
	os.Exit(code)
}

// Updater is a screen model: Update returns the model itself.
type Updater[M any] interface {
	Update(tea.Msg) (M, tea.Cmd)
}

// Drive sends msgs to m one by one, running every command they return synchronously and
// feeding its messages back (batches flattened), as a tea.Program would, and returns the model.
func Drive[M Updater[M]](t testing.TB, m M, msgs ...tea.Msg) M {
	t.Helper()
	n := 0
	var send func(msg tea.Msg)
	send = func(msg tea.Msg) {
		if n++; n > 10000 {
			t.Fatal("screentest.Drive: more than 10000 messages (a command loop?)")
		}
		var cmd tea.Cmd
		m, cmd = m.Update(msg)
		for _, next := range Run(cmd) {
			send(next)
		}
	}
	for _, msg := range msgs {
		send(msg)
	}
	return m
}

// Run runs cmd and returns its messages, batches flattened, nil messages left out.
func Run(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	msg := cmd()
	if b, ok := msg.(tea.BatchMsg); ok {
		var out []tea.Msg
		for _, c := range b {
			out = append(out, Run(c)...)
		}
		return out
	}
	if msg == nil {
		return nil
	}
	return []tea.Msg{msg}
}
