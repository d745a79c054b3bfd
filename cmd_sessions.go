package main

import (
	"fmt"

	"trawl/engine"
)

func init() {
	registerCommand("sessions", "Logon, SSH and cloud sessions (docs/features.md), or the events of one session in order.",
		func() any { return &SessionsCmd{} })
}

// SessionsCmd is trawl sessions.
type SessionsCmd struct {
	OutputFlags
	Entity string `help:"Only sessions with an event about this entity: KIND=VALUE (user=alice, host=ws1, ip=10.0.0.5, process=cmd.exe)." short:"e"`
	Kind   string `help:"Only sessions of this kind." enum:",windows,ssh,cloud" default:""`
	Event  int64  `help:"Show the session this event id belongs to." name:"event"`
	Alert  int64  `help:"Show the sessions the evidence of this alert happened in."`
	Show   int64  `help:"List the events of the session with this id, in time order, each with its phase (authentication, activity, data transfer)."`
	Limit  int    `help:"Show at most this many sessions (0: all)." default:"0"`
}

var sessionHeader = []string{"id", "kind", "key", "host", "user", "src_ip", "start", "end", "events", "closed"}

func (c *SessionsCmd) Run(g *Globals) error {
	st, err := openStore(g, true)
	if err != nil {
		return err
	}
	defer st.Close()
	if c.Show != 0 {
		s := c.stream(g.Stdout)
		if err := st.SessionEvents(g.Ctx, c.Show, s.row); err != nil {
			return err
		}
		return s.flush(append(append([]string(nil), engine.EventColumns...), "phase"))
	}
	w := c.writer(g.Stdout, sessionHeader)
	row := func(se engine.Session) error {
		return w.Row([]any{se.ID, se.Kind, se.Key, se.Host, se.User, se.SrcIP, se.Start, se.End, se.Events, se.Closed})
	}
	if c.Event != 0 {
		se, err := st.SessionOf(g.Ctx, c.Event)
		if err != nil {
			return err
		}
		if se == nil {
			return exitError{1, fmt.Errorf("event %d belongs to no session", c.Event)}
		}
		if err := row(*se); err != nil {
			return err
		}
		return w.Flush()
	}
	if c.Alert != 0 {
		ss, err := st.AlertSessions(g.Ctx, c.Alert)
		if err != nil {
			return err
		}
		for _, se := range ss {
			if err := row(se); err != nil {
				return err
			}
		}
		return w.Flush()
	}
	f := engine.SessionFilter{Kind: c.Kind, Limit: c.Limit}
	if c.Entity != "" {
		if f.Entity, f.Value, err = engine.ParseEntityRef(c.Entity); err != nil {
			return exitError{2, err}
		}
	}
	if err := st.Sessions(g.Ctx, f, row); err != nil {
		return err
	}
	return w.Flush()
}
