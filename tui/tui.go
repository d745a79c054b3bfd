// Package tui holds what the workbench's screens share: the Context (size, theme, keys, store,
// running jobs), the Screen interface the root lays out, navigation and job messages, the
// global key map and the Store interface the screens read through. The root model lives in
// tui/workbench and the screens in tui/<screen>/, so that they can all import this package.
package tui

import (
	"sync/atomic"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"trawl/themes"
)

// MinWidth and MinHeight are the smallest terminal the workbench lays out.
const (
	MinWidth  = 80
	MinHeight = 24
)

// Context is shared by pointer between the root and every screen. Screens read it; only the
// root changes the size and theme. Everything in it is used from the Update goroutine only,
// except what a job's command captures by value.
type Context struct {
	Theme *themes.Theme
	Keys  *KeyMap
	Store Store
	// Now is the clock for ages ("5m ago"); tests fix it.
	Now func() time.Time

	ids  atomic.Int64
	jobs jobs
}

// NewContext returns a Context over store with the given theme and the default key map.
func NewContext(store Store, theme *themes.Theme) *Context {
	return &Context{
		Theme: theme,
		Keys:  DefaultKeyMap(),
		Store: store,
		Now:   time.Now,
		jobs:  jobs{latest: map[jobSlot]uint64{}, running: map[uint64]runningJob{}},
	}
}

// NewID returns an id for a new screen, unique in this Context; job results are routed by it.
func (c *Context) NewID() int { return int(c.ids.Add(1)) }

// Screen is one pane of the workbench. Screens are pointers and keep their own state; View
// must return exactly the size last given to SetSize (lines of at most that many cells).
type Screen interface {
	// ID is the id the screen got from Context.NewID; job results for it carry it as Owner.
	ID() int
	// Title names the screen in the header and the history ("Queue", "Alert 12").
	Title() string
	// Init starts the screen's first jobs.
	Init() tea.Cmd
	// Update handles a key the root did not take, a job result for this screen, or any other
	// message.
	Update(msg tea.Msg) tea.Cmd
	View() string
	SetSize(width, height int)
	// ShortHelp and FullHelp are the screen's own bindings, for the status bar and `?`.
	ShortHelp() []key.Binding
	FullHelp() [][]key.Binding
	// Capturing is true while the screen takes text input (a filter, an editor): the root then
	// leaves every key but ctrl+c to it.
	Capturing() bool
}

// Target says which screen to open: a Kind the root has a constructor for, and its subject.
type Target struct {
	Kind string // "queue", "overview", "alert", "incident", "entity", "timeline", "hunt", ...
	ID   int64  // alert or incident id
	// Entity kind ("user", "host", "ip", ...) and value, for entity and timeline screens.
	Entity, Value string
	// Query is hunting-language text for the hunt console or a query timeline.
	Query string
	// From is where a timeline begins (zero: at the first event), e.g. an hour before an alert.
	From time.Time
}

// OpenMsg asks the root to push a screen for Target onto the history.
type OpenMsg struct{ Target Target }

// Open is a command sending OpenMsg.
func Open(t Target) tea.Cmd { return func() tea.Msg { return OpenMsg{Target: t} } }

// StatusMsg shows a line in the status bar: a notice, or an error when Err is set.
type StatusMsg struct {
	Text string
	Err  error
}

// Notify is a command showing text in the status bar.
func Notify(text string) tea.Cmd { return func() tea.Msg { return StatusMsg{Text: text} } }

// Fail is a command showing err in the status bar.
func Fail(err error) tea.Cmd { return func() tea.Msg { return StatusMsg{Err: err} } }
