package event

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// setters writes a string value into the named column, parsing it for typed columns. Importers
// use it through field-mapping tables: source field name -> column name.
var setters = map[string]func(*Event, string) error{
	"category":            func(e *Event, v string) error { e.Category = v; return nil },
	"dataset":             func(e *Event, v string) error { e.Dataset = v; return nil },
	"event_code":          func(e *Event, v string) error { e.EventCode = v; return nil },
	"action":              func(e *Event, v string) error { e.Action = v; return nil },
	"outcome":             func(e *Event, v string) error { e.Outcome = v; return nil },
	"severity":            intSetter(func(e *Event) *Int { return &e.Severity }),
	"message":             func(e *Event, v string) error { e.Message = v; return nil },
	"host":                func(e *Event, v string) error { e.Host = Clean(v); return nil },
	"user":                func(e *Event, v string) error { e.User = Clean(v); return nil },
	"user_domain":         func(e *Event, v string) error { e.UserDomain = Clean(v); return nil },
	"target_user":         func(e *Event, v string) error { e.TargetUser = Clean(v); return nil },
	"logon_type":          func(e *Event, v string) error { e.LogonType = Clean(v); return nil },
	"auth_package":        func(e *Event, v string) error { e.AuthPackage = Clean(v); return nil },
	"session_id":          func(e *Event, v string) error { e.SessionID = Clean(v); return nil },
	"src_ip":              ipSetter(func(e *Event) *string { return &e.SrcIP }),
	"src_port":            intSetter(func(e *Event) *Int { return &e.SrcPort }),
	"dst_ip":              ipSetter(func(e *Event) *string { return &e.DstIP }),
	"dst_port":            intSetter(func(e *Event) *Int { return &e.DstPort }),
	"protocol":            func(e *Event, v string) error { e.Protocol = strings.ToLower(Clean(v)); return nil },
	"bytes_in":            intSetter(func(e *Event) *Int { return &e.BytesIn }),
	"bytes_out":           intSetter(func(e *Event) *Int { return &e.BytesOut }),
	"process_name":        func(e *Event, v string) error { e.ProcessName = Clean(v); return nil },
	"process_path":        func(e *Event, v string) error { e.ProcessPath = Clean(v); return nil },
	"pid":                 intSetter(func(e *Event) *Int { return &e.PID }),
	"command_line":        func(e *Event, v string) error { e.CommandLine = v; return nil },
	"parent_name":         func(e *Event, v string) error { e.ParentName = Clean(v); return nil },
	"parent_path":         func(e *Event, v string) error { e.ParentPath = Clean(v); return nil },
	"ppid":                intSetter(func(e *Event) *Int { return &e.PPID }),
	"parent_command_line": func(e *Event, v string) error { e.ParentCommandLine = v; return nil },
	"file_path":           func(e *Event, v string) error { e.FilePath = Clean(v); return nil },
	"hash":                func(e *Event, v string) error { e.Hash = strings.ToLower(Clean(v)); return nil },
	"registry":            func(e *Event, v string) error { e.Registry = Clean(v); return nil },
	"domain": func(e *Event, v string) error {
		e.Domain = strings.TrimSuffix(strings.ToLower(Clean(v)), ".")
		return nil
	},
	"url":         func(e *Event, v string) error { e.URL = Clean(v); return nil },
	"http_method": func(e *Event, v string) error { e.HTTPMethod = strings.ToUpper(Clean(v)); return nil },
	"http_status": intSetter(func(e *Event) *Int { return &e.HTTPStatus }),
	"user_agent":  func(e *Event, v string) error { e.UserAgent = Clean(v); return nil },
	"rule_name":   func(e *Event, v string) error { e.RuleName = v; return nil },
	"time": func(e *Event, v string) error {
		t, err := ParseTime(v)
		if err != nil {
			return err
		}
		e.Time = t
		return nil
	},
}

func intSetter(f func(*Event) *Int) func(*Event, string) error {
	return func(e *Event, v string) error {
		v = strings.TrimSpace(v)
		if v == "" || isPlaceholder(v) {
			return nil
		}
		n, err := ParseInt(v)
		if err != nil {
			return err
		}
		*f(e) = IntOf(n)
		return nil
	}
}

func ipSetter(f func(*Event) *string) func(*Event, string) error {
	return func(e *Event, v string) error {
		if t := strings.TrimSpace(v); t == "" || isPlaceholder(t) {
			return nil
		}
		ip := NormalizeIP(v)
		if ip == "" {
			return fmt.Errorf("not an IP address: %q", truncate(v, 64))
		}
		*f(e) = ip
		return nil
	}
}

// Set writes v into the named column, parsing it for typed columns. An unknown column or an
// unparsable value is an error naming both; the event is left unchanged then.
func (e *Event) Set(column, v string) error {
	f, ok := setters[column]
	if !ok {
		return fmt.Errorf("unknown column %q", column)
	}
	if err := f(e, v); err != nil {
		return fmt.Errorf("field %s: %w", column, err)
	}
	return nil
}

// Settable reports whether Set accepts the column name; mapping tables are checked with it.
func Settable(column string) bool { _, ok := setters[column]; return ok }

// ParseInt reads decimal or 0x-prefixed hex integers.
func ParseInt(v string) (int64, error) {
	v = strings.TrimSpace(v)
	if strings.HasPrefix(v, "0x") || strings.HasPrefix(v, "0X") {
		u, err := strconv.ParseUint(v[2:], 16, 64)
		if err != nil {
			return 0, fmt.Errorf("not a number: %q", truncate(v, 64))
		}
		return int64(u), nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(v, 64)
		if ferr != nil || f != float64(int64(f)) {
			return 0, fmt.Errorf("not an integer: %q", truncate(v, 64))
		}
		return int64(f), nil
	}
	return n, nil
}

var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999Z0700",
	"02/Jan/2006:15:04:05 -0700",
	"Jan 2 2006 15:04:05",
	"Jan 2 2006 15:04:05 MST",
	time.RFC1123Z,
	time.RFC1123,
}

// ParseTime reads the time formats logs use: RFC 3339 with or without zone, space-separated
// ISO, Apache CLF, epoch seconds/milliseconds (with fraction). A time without a zone is UTC.
// The result is always UTC.
func ParseTime(v string) (time.Time, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, fmt.Errorf("empty time")
	}
	if c := v[0]; c >= '0' && c <= '9' && !strings.ContainsAny(v, "-:/ ") {
		if f, err := strconv.ParseFloat(v, 64); err == nil {
			return EpochTime(f), nil
		}
	}
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, v); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("unrecognised time %q", truncate(v, 64))
}

// EpochTime converts epoch seconds, or milliseconds when the value is too large to be seconds,
// into UTC time with microsecond precision.
func EpochTime(f float64) time.Time {
	if f > 1e11 { // milliseconds
		f /= 1000
	}
	sec := int64(f)
	usec := int64((f-float64(sec))*1e6 + 0.5)
	return time.Unix(sec, usec*1000).UTC()
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
