// Package syslog reads Linux syslog files (/var/log/syslog, auth.log, secure, messages): RFC
// 3164 lines ("Mmm dd hh:mm:ss host prog[pid]: msg", or with the RFC 3339 time rsyslog writes
// in its high-precision format) and RFC 5424 lines ("<PRI>1 TIMESTAMP HOST APP PROCID MSGID
// [SD] MSG"), each with or without a <PRI> prefix. The messages of sshd, sudo, su, login, cron,
// systemd-logind, PAM and the account tools are mapped into the event model by the table in
// messages.go; other programs' lines become "system" events with their message kept.
//
// The RFC 3164 frame is parsed by hand: it is the bulk of real files, and go-syslog's rfc3164
// parser (v4.6.0, tried with optional PRI and RFC 3339 times) was three to five times slower on the
// loghub OpenSSH lines with six allocations a line against none (BenchmarkFrame3164), gave the
// message "1]: " for an empty "sshd[1]: " message, and has a fixed-year option where a file
// needs the year to follow it. RFC 5424 lines, with their structured data and escapes, go
// through github.com/leodido/go-syslog/v4/rfc5424. RFC 3164 times have no year and no zone: see
// yearTracker for the year, and the "tz" option. docs/syslog-mapping.md describes the mapping.
package syslog

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"trawl/event"
	"trawl/importers"
)

// Format is the syslog format. The zero value reads times without a zone as UTC and guesses
// RFC 3164 years from the clock.
type Format struct {
	year int            // the "year" option
	loc  *time.Location // the "tz" option; nil means UTC
	now  func() time.Time
}

func init() { importers.Register(Format{}) }

func (Format) Name() string { return "syslog" }
func (Format) Description() string {
	return "Linux syslog/auth.log: RFC 3164 (BSD) and RFC 5424 lines; sshd, sudo, su, PAM, cron, logind and account changes parsed"
}

// Options are the settings WithOptions accepts, with what they do.
var Options = map[string]string{
	"year": "year of the first RFC 3164 line (those have none); later lines step to the next year when the month wraps",
	"tz":   "IANA time zone of times written without one (RFC 3164 times), e.g. Europe/Paris or Local; default UTC",
	"now":  "reference time (RFC 3339) for guessing RFC 3164 years, instead of the file's modification time or the clock: the first line is taken to be no later than it",
}

// WithOptions returns the format configured by year=, tz= and now=.
func (f Format) WithOptions(opts map[string]string) (importers.Format, error) {
	for k, v := range opts {
		switch k {
		case "year":
			y, err := strconv.Atoi(v)
			if err != nil || y < 1 || y > 9999 {
				return nil, fmt.Errorf("syslog option year=%q: expected a year such as 2024", v)
			}
			f.year = y
		case "tz":
			loc, err := time.LoadLocation(v)
			if err != nil {
				return nil, fmt.Errorf("syslog option tz=%q: %v", v, err)
			}
			f.loc = loc
		case "now":
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return nil, fmt.Errorf("syslog option now=%q: expected an RFC 3339 time such as 2024-06-01T00:00:00Z", v)
			}
			f.now = func() time.Time { return t }
		default:
			names := make([]string, 0, len(Options))
			for n := range Options {
				names = append(names, n)
			}
			sort.Strings(names)
			return nil, fmt.Errorf("syslog: unknown option %q (known: %s)", k, strings.Join(names, ", "))
		}
	}
	return f, nil
}

func (f Format) location() *time.Location {
	if f.loc == nil {
		return time.UTC
	}
	return f.loc
}

// Sniff rates head by how many of its first lines have a syslog frame. The score stays
// moderate, so a format for what syslog carries (CEF over syslog, say) can outbid it.
func (f Format) Sniff(head []byte) int {
	const maxLines = 20
	p := newParser(time.UTC)
	var h header
	lines, good := 0, 0
	for len(head) > 0 && lines < maxLines {
		i := bytes.IndexByte(head, '\n')
		var line []byte
		if i < 0 {
			if lines > 0 || len(head) >= importers.SniffSize {
				break // a cut line tells nothing
			}
			line, head = head, nil // a one-line file without a final newline
		} else {
			line, head = head[:i], head[i+1:]
		}
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		lines++
		if p.parse(string(line), &h) == nil && (h.host != "" || h.app != "") {
			good++
		}
	}
	switch {
	case lines == 0 || good == 0:
		return 0
	case good*5 >= lines*4:
		return 70
	case good*2 >= lines:
		return 50
	}
	return 0
}

// Read imports every line. A line without a syslog frame is a reject; blank lines are skipped.
func (f Format) Read(ctx context.Context, in importers.Input, sink importers.Sink) error {
	r := f.newReader(in.Name)
	var ev event.Event
	return importers.ReadLines(ctx, in.R, sink, func(l importers.Line) error {
		if len(bytes.TrimSpace(l.Text)) == 0 {
			return nil
		}
		if err := r.event(l.Text, &ev); err != nil {
			return sink.Reject(importers.RejectOf(l, err))
		}
		return sink.Event(importers.Record{Line: l.Num, Offset: l.Offset}, &ev)
	})
}

// reader is the state of one Read.
type reader struct {
	p     *parser
	years yearTracker
	loc   *time.Location
	h     header
}

func (f Format) newReader(name string) *reader {
	loc := f.location()
	return &reader{
		p:     newParser(loc),
		years: yearTracker{fixed: f.year, ref: f.reference(name), loc: loc},
		loc:   loc,
	}
}

// reference is the time no RFC 3164 line of the input is taken to be later than: the "now"
// option; else the modification time of the file, when name is one and it is not in the
// future (a log's last line was written by then, so an archived log keeps its year); else
// the clock.
func (f Format) reference(name string) time.Time {
	if f.now != nil {
		return f.now()
	}
	now := time.Now()
	if name == "" {
		return now
	}
	fi, err := os.Stat(name)
	if err != nil || !fi.Mode().IsRegular() || fi.ModTime().After(now) || fi.ModTime().Year() < 1971 {
		return now
	}
	return fi.ModTime()
}

// event parses one line into ev. A line that is not syslog gives a *importers.FieldError.
func (r *reader) event(line []byte, ev *event.Event) error {
	raw := string(line)
	h := &r.h
	if err := r.p.parse(raw, h); err != nil {
		var he *headerError
		if !errors.As(err, &he) || he.field == "" {
			return err
		}
		return &importers.FieldError{Field: he.field, Err: errors.New(he.reason)}
	}
	*ev = event.Event{SourceType: "syslog", Category: "system", Raw: raw}
	fields := make(map[string]any, 8)
	switch h.kind {
	case stampBSD:
		st := h.bsd
		year := st.year
		if year == 0 {
			year = r.years.resolve(st)
			if !validDate(year, st.month, st.day) {
				return &importers.FieldError{Field: "timestamp", Err: fmt.Errorf("%s %d does not exist in %d, the year chosen for this line", st.month, st.day, year)}
			}
		}
		t := time.Date(year, st.month, st.day, st.hour, st.minute, st.second, st.nsec, r.loc)
		if st.year != 0 {
			r.years.seen(t)
		}
		ev.Time = t.UTC()
	default:
		if !h.time.IsZero() {
			r.years.seen(h.time)
			ev.Time = h.time.UTC()
		}
	}

	if h.pri >= 0 {
		fac, sev := h.pri/8, h.pri%8
		fields["priority"] = h.pri
		fields["facility"] = facilityNames[fac]
		fields["severity"] = severityNames[sev]
		ev.Severity = event.IntOf(severityScale[sev])
	}
	if h.kind == stamp5424 {
		fields["version"] = h.version
		if h.msgid != "" {
			fields["msgid"] = h.msgid
			ev.EventCode = h.msgid
		}
		if len(h.sd) > 0 {
			fields["structured_data"] = structuredData(h.sd)
		}
	}
	ev.Host = event.Clean(h.host)
	ev.Message = h.msg
	if h.app != "" {
		fields["program"] = h.app
		ev.Dataset = h.app
		ev.ProcessName = event.BaseName(h.app)
	}
	if h.procid != "" {
		fields["pid"] = h.procid
		if n, ok := atoi(h.procid); ok {
			ev.PID = event.IntOf(int64(n))
		}
	}
	sshLike := isSSHD(h.app)
	if sshLike && h.procid != "" {
		ev.SessionID = h.procid // the sshd child's pid ties one connection's lines together
	}
	if classify(h.app, clean(h.msg, fields), ev, fields) == nil {
		if lvl := fields["log_level"]; lvl == "error" || lvl == "fatal" {
			ev.Action = "error" // sshd's "error: ..." and "fatal: ..." lines the table does not know
		}
	}
	if sshLike && ev.SrcIP != "" {
		ev.Protocol = "ssh"
	}
	ev.Fields = fields
	return nil
}

// clean returns the text the message table is matched against: trimmed, with sshd's
// " [preauth]" suffix, an "error: "/"fatal: " level prefix and rsyslog's "message repeated N
// times: [ ... ]" wrapper taken off and noted in fields.
func clean(msg string, fields map[string]any) string {
	s := strings.TrimSpace(msg)
	if rest, ok := strings.CutPrefix(s, "message repeated "); ok {
		if n, inner, ok := strings.Cut(rest, " times: ["); ok && strings.HasSuffix(inner, "]") {
			if count, ok := atoi(n); ok {
				fields["repeated"] = count
				s = strings.TrimSpace(inner[:len(inner)-1])
			}
		}
	}
	if rest, ok := strings.CutSuffix(s, " [preauth]"); ok {
		fields["preauth"] = true
		s = rest
	}
	for _, level := range [...]string{"error", "fatal", "warning"} {
		if rest, ok := strings.CutPrefix(s, level+": "); ok {
			fields["log_level"] = level
			s = rest
			break
		}
	}
	return s
}

// sshdNames are the tags sshd logs under (OpenSSH 9.8 split it into sshd-session and
// sshd-auth).
var sshdNames = strings.Fields(sshd)

func isSSHD(app string) bool {
	for _, n := range sshdNames {
		if app == n {
			return true
		}
	}
	return false
}

// structuredData renders RFC 5424 SD-ELEMENTs as nested maps for Event.Fields.
func structuredData(sd map[string]map[string]string) map[string]any {
	out := make(map[string]any, len(sd))
	for id, params := range sd {
		m := make(map[string]any, len(params))
		for k, v := range params {
			m[k] = v
		}
		out[id] = m
	}
	return out
}

var facilityNames = [24]string{
	"kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron",
	"authpriv", "ftp", "ntp", "security", "console", "solaris-cron",
	"local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7",
}

var severityNames = [8]string{"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"}

// severityScale maps syslog severities onto the event model's 0..4: emerg and alert are
// critical, crit high, err medium, warning low, notice and below informational.
var severityScale = [8]int64{4, 4, 3, 2, 1, 0, 0, 0}
