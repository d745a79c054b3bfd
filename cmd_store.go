package main

import (
	"fmt"
	"sort"
	"time"

	"trawl/engine"
	"trawl/event"
	"trawl/importers"
)

// SourcesCmd lists sources.
type SourcesCmd struct {
	OutputFlags
}

func (c *SourcesCmd) Run(g *Globals) error {
	st, err := openStore(g, true)
	if err != nil {
		return err
	}
	defer st.Close()
	return writeSourceStats(g, st, c.OutputFlags)
}

// writeSourceStats prints the counts per source: trawl sources, and trawl stats by default.
func writeSourceStats(g *Globals, st *engine.Store, out OutputFlags) error {
	stats, err := st.Stats(g.Ctx)
	if err != nil {
		return err
	}
	w := out.writer(g.Stdout, []string{"source", "format", "files", "events", "rejects", "first", "last"})
	for _, s := range stats {
		if err := w.Row([]any{s.Source, s.Format, s.Files, s.Events, s.Rejects, s.First, s.Last}); err != nil {
			return err
		}
	}
	return w.Flush()
}

// StatsCmd prints counts per source or per file.
type StatsCmd struct {
	OutputFlags
	By string `help:"Group by: source or file." enum:"source,file" default:"source"`
}

func (c *StatsCmd) Run(g *Globals) error {
	st, err := openStore(g, true)
	if err != nil {
		return err
	}
	defer st.Close()
	if c.By == "file" {
		files, err := st.StatsByFile(g.Ctx)
		if err != nil {
			return err
		}
		w := c.writer(g.Stdout, []string{"file", "source", "format", "events", "rejects", "first", "last"})
		for _, f := range files {
			if err := w.Row([]any{f.File, f.Source, f.Format, f.Events, f.Rejects, f.First, f.Last}); err != nil {
				return err
			}
		}
		return w.Flush()
	}
	return writeSourceStats(g, st, c.OutputFlags)
}

// EventsCmd lists events.
type EventsCmd struct {
	OutputFlags
	Entity string `help:"Only events about this entity, as KIND=VALUE (user, host, ip, process, domain, hash, file)."`
	From   string `help:"Only events at or after this time (RFC 3339 or YYYY-MM-DD)."`
	To     string `help:"Only events before this time."`
	Limit  int    `help:"At most this many events (0: all)." default:"100"`
}

func (c *EventsCmd) Run(g *Globals) error {
	var f engine.EventFilter
	var err error
	if c.Entity != "" {
		if f.Entity, f.Value, err = engine.ParseEntityRef(c.Entity); err != nil {
			return fmt.Errorf("--entity %w", err)
		}
	}
	if f.From, err = parseWhen(c.From); err != nil {
		return fmt.Errorf("--from: %w", err)
	}
	if f.To, err = parseWhen(c.To); err != nil {
		return fmt.Errorf("--to: %w", err)
	}
	f.Limit = c.Limit
	st, err := openStore(g, true)
	if err != nil {
		return err
	}
	defer st.Close()
	out := c.stream(g.Stdout)
	if err := st.Events(g.Ctx, f, out.row); err != nil {
		return err
	}
	return out.flush(engine.EventColumns)
}

func parseWhen(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	return event.ParseTime(s)
}

// EntitiesCmd lists entities.
type EntitiesCmd struct {
	OutputFlags
	Kind  string `help:"Only this kind: user, host, ip, process, domain, hash."`
	Limit int    `help:"At most this many (0: all)." default:"100"`
}

func (c *EntitiesCmd) Run(g *Globals) error {
	st, err := openStore(g, true)
	if err != nil {
		return err
	}
	defer st.Close()
	q := `SELECT kind, value, events, source_types, first_seen, last_seen FROM entities`
	var args []any
	if c.Kind != "" {
		if _, ok := event.ParseEntity(c.Kind); !ok {
			return fmt.Errorf("--kind %q: want user, host, ip, process, domain or hash", c.Kind)
		}
		q += ` WHERE kind = ?`
		args = append(args, c.Kind)
	}
	q += ` ORDER BY events DESC, kind, value`
	if c.Limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", c.Limit)
	}
	return streamQuery(g, st, c.OutputFlags, q, args)
}

// RejectsCmd lists rejects.
type RejectsCmd struct {
	OutputFlags
	File  string `help:"Only rejects of files whose path contains this text."`
	Limit int    `help:"At most this many (0: all)." default:"100"`
}

func (c *RejectsCmd) Run(g *Globals) error {
	st, err := openStore(g, true)
	if err != nil {
		return err
	}
	defer st.Close()
	q := `SELECT f.path AS file, r.line, r.byte_offset, r.field, r.reason, octet_length(r.raw) AS raw_bytes,
		CAST(r.raw[1:200] AS VARCHAR) AS raw_start FROM rejects r JOIN files f ON f.id = r.file_id`
	var args []any
	if c.File != "" {
		q += ` WHERE contains(f.path, ?)`
		args = append(args, c.File)
	}
	q += ` ORDER BY f.id, r.byte_offset`
	if c.Limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", c.Limit)
	}
	return streamQuery(g, st, c.OutputFlags, q, args)
}

// SQLCmd runs read-only SQL.
type SQLCmd struct {
	OutputFlags
	Query string `arg:"" help:"The SQL statement (SELECT, WITH, DESCRIBE, SUMMARIZE, ...)."`
}

func (c *SQLCmd) Run(g *Globals) error {
	st, err := openStore(g, true)
	if err != nil {
		return err
	}
	defer st.Close()
	out := c.stream(g.Stdout)
	if err := st.ReadOnlySQL(g.Ctx, c.Query, out.row); err != nil {
		return err
	}
	return out.flush(nil)
}

func streamQuery(g *Globals, st *engine.Store, flags OutputFlags, q string, args []any) error {
	out := flags.stream(g.Stdout)
	if err := st.QueryFunc(g.Ctx, q, args, out.row); err != nil {
		return err
	}
	return out.flush(nil)
}

// FormatsCmd lists importers.
type FormatsCmd struct {
	OutputFlags
}

func (c *FormatsCmd) Run(g *Globals) error {
	fs := importers.Formats()
	sort.Slice(fs, func(i, j int) bool { return fs[i].Name() < fs[j].Name() })
	w := c.writer(g.Stdout, []string{"format", "description"})
	for _, f := range fs {
		if err := w.Row([]any{f.Name(), f.Description()}); err != nil {
			return err
		}
	}
	return w.Flush()
}
