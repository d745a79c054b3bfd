package casefile

import (
	"context"
	"errors"
	"fmt"

	tea "charm.land/bubbletea/v2"

	"trawl/tui"
)

// PinEventMsg asks to pin an event to a case's evidence. Any screen may send it (the root
// turns a "pin" key on a selected event into one). CaseID 0 means the active case: the case
// file the analyst looked at last.
type PinEventMsg struct {
	EventID int64
	CaseID  int64
}

// CreateCaseMsg asks to open a case from the selected alerts or from an incident (IncidentID
// wins when both are set). Title replaces the default title when not empty.
type CreateCaseMsg struct {
	AlertIDs   []int64
	IncidentID int64
	Title      string
}

// CaseChangedMsg says a case was created or changed outside its case file (a pin from
// another screen); the case screens reload when they get it. The root broadcasts it to every
// screen, as it does with any message it does not handle itself.
// From is the id of the screen that made the change (0: none), which has reloaded already.
type CaseChangedMsg struct {
	ID   int64
	From int
}

// EventSelector is a screen with a selected event (an alert's evidence, a timeline, hunt
// results): the root's pin key asks it which event to pin.
type EventSelector interface {
	SelectedEvent() (id int64, ok bool)
}

// CaseSelector is a screen with alerts or an incident selected (the queue, an alert, an
// incident): the root's new-case key asks it what to open a case from.
type CaseSelector interface {
	CaseSelection() (CreateCaseMsg, bool)
}

// PinSelected is the command for the root's pin key on screen s: a PinEventMsg for its
// selected event, or a status-bar error saying why not.
func PinSelected(s any) tea.Cmd {
	sel, ok := s.(EventSelector)
	if !ok {
		return tui.Fail(errors.New("this screen has no event to pin"))
	}
	id, ok := sel.SelectedEvent()
	if !ok {
		return tui.Fail(errors.New("select an event to pin"))
	}
	return func() tea.Msg { return PinEventMsg{EventID: id} }
}

// CreateFromSelected is the command for the root's new-case key on screen s: a CreateCaseMsg
// for its selected alerts or incident, or a status-bar error saying why not.
func CreateFromSelected(s any) tea.Cmd {
	sel, ok := s.(CaseSelector)
	if !ok {
		return tui.Fail(errors.New("open a case from the queue, an alert or an incident"))
	}
	req, ok := sel.CaseSelection()
	if !ok || (req.IncidentID <= 0 && len(req.AlertIDs) == 0) {
		return tui.Fail(errors.New("select alerts or an incident to open a case from"))
	}
	return func() tea.Msg { return req }
}

// Desk is the root's handle on case files: the Source the case screens write through and the
// active case that PinEventMsg pins to. The root keeps one and gives it to both case screens.
type Desk struct {
	Src    Source
	active int64
}

// NewDesk returns a Desk over src.
func NewDesk(src Source) *Desk { return &Desk{Src: src} }

// Active is the active case (0: none yet).
func (d *Desk) Active() int64 { return d.active }

// SetActive makes id the active case; the case file does this when it is shown.
func (d *Desk) SetActive(id int64) { d.active = id }

// ErrNoActiveCase is the answer to a pin when no case has been opened.
var ErrNoActiveCase = errors.New("no case to pin to: open a case first (C on alerts or an incident, or the cases screen)")

// Handle runs PinEventMsg and CreateCaseMsg as commands and reports whether msg was one of
// them. The commands' messages are tui.StatusMsg (done, or the error), CaseChangedMsg, and for
// a new case tui.OpenMsg for its case file (Target Kind "case").
func (d *Desk) Handle(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case PinEventMsg:
		return d.pin(msg), true
	case CreateCaseMsg:
		return d.create(msg), true
	}
	return nil, false
}

func (d *Desk) pin(msg PinEventMsg) tea.Cmd {
	id := msg.CaseID
	if id == 0 {
		id = d.active
	}
	if id == 0 {
		return tui.Fail(ErrNoActiveCase)
	}
	if msg.EventID <= 0 {
		return tui.Fail(errors.New("select an event to pin"))
	}
	src := d.Src
	return func() tea.Msg {
		if err := src.Pin(context.Background(), id, msg.EventID); err != nil {
			return tui.StatusMsg{Err: fmt.Errorf("pinning event %d to case %d: %w", msg.EventID, id, err)}
		}
		return tea.BatchMsg{
			func() tea.Msg { return CaseChangedMsg{ID: id} },
			tui.Notify(fmt.Sprintf("event %d pinned to case %d", msg.EventID, id)),
		}
	}
}

func (d *Desk) create(msg CreateCaseMsg) tea.Cmd {
	src := d.Src
	return func() tea.Msg {
		id, err := src.Create(context.Background(), msg)
		if err != nil {
			return tui.StatusMsg{Err: fmt.Errorf("opening a case: %w", err)}
		}
		return tea.BatchMsg{
			func() tea.Msg { return CaseChangedMsg{ID: id} },
			tui.Open(tui.Target{Kind: "case", ID: id}),
			tui.Notify(fmt.Sprintf("case %d opened", id)),
		}
	}
}
