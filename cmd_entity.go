package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"trawl/engine"
	"trawl/render"
)

func init() {
	registerCommand("entity", "Profile one entity: activity, context, intel, alerts, related entities and timeline (docs/entity.md).",
		func() any { return &EntityCmd{} })
}

// EntityCmd is trawl entity.
type EntityCmd struct {
	Show EntityShowCmd `cmd:"" help:"Show an entity's profile: KIND=VALUE (user=CORP\\alice, host=ws01, ip=10.0.0.1, process, domain, hash, file)."`
}

// EntityShowCmd is trawl entity show.
type EntityShowCmd struct {
	OutputFlags
	Ref     string `arg:"" name:"entity" help:"KIND=VALUE."`
	From    string `help:"Only events at or after this time (RFC 3339 or YYYY-MM-DD)."`
	To      string `help:"Only events before this time."`
	Limit   int    `help:"Timeline events shown (the first ones in time order)." default:"50"`
	Related int    `help:"Related entities shown per kind." default:"5"`
	Alerts  int    `help:"Alerts shown (the first ones in time order)." default:"50"`
	Days    int    `help:"Days of activity in the sparkline, ending at the last active day." default:"90"`
}

func (c *EntityShowCmd) Run(g *Globals) error {
	kind, value, err := engine.ParseEntityRef(c.Ref)
	if err != nil {
		return exitError{2, err}
	}
	opt := engine.EntityProfileOptions{Limit: c.Limit, Related: c.Related, Alerts: c.Alerts, Days: c.Days}
	if opt.From, opt.To, err = parseWindow(c.From, c.To); err != nil {
		return err
	}
	st, err := openStore(g, true)
	if err != nil {
		return err
	}
	defer st.Close()
	p, err := st.EntityProfile(g.Ctx, kind, value, opt)
	if err != nil {
		return err
	}
	switch c.Format {
	case "json":
		// writeJSON, as trawl case does: C1 controls and bidi overrides from the logs leave
		// JSON-escaped, not as raw characters a terminal or a viewer would act on.
		return writeJSON(g.Stdout, p)
	case "csv":
		return writeTimeline(g.Stdout, render.CSV, p.Timeline)
	}
	return writeProfile(g.Stdout, p)
}

// timelineColumns are the columns of the timeline table and CSV.
var timelineColumns = []string{"id", "time", "source_type", "category", "event_code", "action", "outcome", "host", "user", "src_ip", "dst_ip", "dst_port", "process_name", "command_line", "domain", "url", "message"}

func writeTimeline(out io.Writer, f render.Format, events []engine.TimelineEvent) error {
	w := render.New(out, f, timelineColumns)
	for _, e := range events {
		var port any
		if e.DstPort != nil {
			port = *e.DstPort
		}
		if err := w.Row([]any{e.ID, e.Time, e.SourceType, e.Category, e.EventCode, e.Action, e.Outcome, e.Host, e.User, e.SrcIP, e.DstIP,
			port, e.Process, e.CommandLine, e.Domain, e.URL, e.Message}); err != nil {
			return err
		}
	}
	return w.Flush()
}

// writeProfile prints the profile as text sections; every value from the logs or the context
// files goes through render (tables) or render.Sanitize.
func writeProfile(out io.Writer, p *engine.EntityProfile) error {
	clean := render.Sanitize
	line := func(format string, args ...any) { fmt.Fprintf(out, format+"\n", args...) }
	line("ENTITY %s=%s", p.Kind, clean(p.Value))
	line("  key:       %s", clean(p.Key))
	if len(p.Keys) > 1 || p.Identity != "" {
		line("  resolved:  %s (%s)", clean(p.Identity), clean(strings.Join(p.Keys, ", ")))
	}
	if p.From != nil || p.To != nil {
		line("  window:    %s .. %s", render.Text(p.From), render.Text(p.To))
	}
	line("  events:    %d", p.Events)
	line("  seen:      %s .. %s", render.Text(p.First), render.Text(p.Last))
	if len(p.Activity) > 0 {
		var busiest int64
		for _, d := range p.Activity {
			busiest = max(busiest, d.Events)
		}
		line("  activity:  %s |%s| %s (busiest day %d events)", p.Activity[0].Day, p.Sparkline, p.Activity[len(p.Activity)-1].Day, busiest)
	}
	if r := p.Risk; r != nil {
		hub := ""
		if r.Hub {
			hub = ", a hub"
		}
		line("  risk:      %.1f from %d alerts of %d rules, peak at %s%s", r.Risk, r.Alerts, r.Rules, render.Text(r.PeakAt), hub)
	}
	section := func(title string, cols []string, rows [][]any) error {
		fmt.Fprintf(out, "\n%s\n", title)
		if len(rows) == 0 {
			fmt.Fprintln(out, "  (none)")
			return nil
		}
		w := render.New(out, render.Table, cols)
		for _, r := range rows {
			if err := w.Row(r); err != nil {
				return err
			}
		}
		return w.Flush()
	}
	var rows [][]any
	for _, s := range p.Sources {
		rows = append(rows, []any{s.Source, s.SourceType, s.Events, s.First, s.Last})
	}
	if err := section("SOURCES", []string{"source", "source_type", "events", "first_seen", "last_seen"}, rows); err != nil {
		return err
	}
	rows = nil
	if ec := p.Context; ec != nil {
		if id := ec.Identity; id != nil {
			rows = append(rows, []any{"identity", id.Key, profileJoin(
				profileField("user", id.User), profileField("name", id.DisplayName), profileField("email", id.Email), profileField("department", id.Department),
				profileField("role", id.Role), profileTri("privileged", id.Privileged.V, id.Privileged.OK), profileTri("service_account", id.ServiceAccount.V, id.ServiceAccount.OK),
				profileTri("mfa", id.MFA.V, id.MFA.OK), profileField("manager", id.Manager), profileField("status", id.Status), profileField("leave_date", profileDate(id.LeaveDate)),
				profileField("via alias", ec.Alias))})
		}
		for _, a := range ec.Assets {
			crit := ""
			if a.Criticality > 0 {
				crit = fmt.Sprint(a.Criticality)
			}
			rows = append(rows, []any{"asset", a.Key, profileJoin(
				profileField("name", a.Name), profileField("criticality", crit), profileField("environment", a.Environment), profileField("owner", a.Owner),
				profileTri("internet_facing", a.InternetFacing.V, a.InternetFacing.OK), profileField("vulnerabilities", strings.Join(a.Vulnerabilities, ",")),
				profileField("matched", a.MatchedBy+" "+a.Matched))})
		}
	}
	if err := section("CONTEXT", []string{"kind", "key", "details"}, rows); err != nil {
		return err
	}
	rows = nil
	for _, h := range p.Intel {
		var conf any
		if h.Confidence != nil {
			conf = *h.Confidence
		}
		rows = append(rows, []any{h.Field, h.Value, h.MatchedBy, h.Indicator, h.Type, h.Source, conf, h.ValidUntil, h.Events, h.First, h.Last})
	}
	if err := section("THREAT INTEL", []string{"field", "value", "matched_by", "indicator", "type", "source", "confidence", "valid_until", "events", "first_seen", "last_seen"}, rows); err != nil {
		return err
	}
	rows = nil
	for _, a := range p.Alerts {
		rows = append(rows, []any{a.ID, a.Rule, a.Severity, strings.Join(a.Attack, ","), a.First, a.Last, strings.Join(a.Suppressed, ",")})
	}
	title := fmt.Sprintf("ALERTS (%d)", p.AlertsTotal)
	if int64(len(p.Alerts)) < p.AlertsTotal {
		title = fmt.Sprintf("ALERTS (first %d of %d)", len(p.Alerts), p.AlertsTotal)
	}
	if err := section(title, []string{"id", "rule", "severity", "attack", "first", "last", "suppressed_by"}, rows); err != nil {
		return err
	}
	rows = nil
	for _, r := range p.Related {
		rows = append(rows, []any{r.Kind, r.Value, r.Events})
	}
	if err := section("RELATED ENTITIES (events in common)", []string{"kind", "value", "events"}, rows); err != nil {
		return err
	}
	fmt.Fprintf(out, "\nTIMELINE (first %d of %d events)\n", len(p.Timeline), p.Events)
	if len(p.Timeline) == 0 {
		fmt.Fprintln(out, "  (none)")
		return nil
	}
	return writeTimeline(out, render.Table, p.Timeline)
}

func profileField(name, v string) string {
	if strings.TrimSpace(v) == "" {
		return ""
	}
	return name + "=" + v
}

func profileTri(name string, v, ok bool) string {
	if !ok {
		return ""
	}
	return fmt.Sprintf("%s=%v", name, v)
}

// profileJoin joins the non-empty parts with two spaces.
func profileJoin(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, "  ")
}

func profileDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format("2006-01-02")
}
