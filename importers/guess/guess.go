// Package guess maps the fields of generic records (a JSON object per line, a CSV row under a
// header) onto event columns by their names, for the formats that do not know the schema of
// what they read: jsonl and csv. The guesses live in one table, Table; an analyst overrides or
// completes them with map.<column>=<source field> options, read by ParseOptions.
//
// Names are compared after Norm: lower case with everything but letters and digits removed,
// so "@timestamp", "Timestamp", "source.ip", "Source IP", "src_ip" and "SrcIP" meet their row.
package guess

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"trawl/event"
	"trawl/importers"
)

// Row is one line of the guess table: an event column and the source field names that fill
// it, strongest first. The first name present with a usable value wins.
type Row struct {
	Col   string
	Names []string
}

// Table is the heuristic mapping shared by jsonl and csv. ECS dotted names, Splunk/CIM names,
// Windows export names and the usual ad-hoc spellings are listed; overly generic names
// ("name", "id", "type", "value") are deliberately absent.
var Table = []Row{
	{"time", []string{"@timestamp", "timestamp", "time", "ts", "eventTime", "event_time", "event.created", "datetime", "date_time", "TimeCreated", "TimeGenerated", "UtcTime", "_time", "created_at", "logtime", "log_time", "date"}},
	{"category", []string{"event.category", "category"}},
	{"dataset", []string{"event.dataset", "dataset", "log.logger", "channel", "logger", "sourcetype", "program", "appname"}},
	{"event_code", []string{"event.code", "EventID", "event_id", "eventid", "event_code", "event.type", "eventName", "event_name", "signature_id", "sid"}},
	{"action", []string{"event.action", "action"}},
	{"outcome", []string{"event.outcome", "outcome", "result"}},
	{"severity", []string{"event.severity", "severity", "log.level", "level"}},
	{"message", []string{"message", "msg", "log", "text", "description", "Content"}},
	{"host", []string{"host.name", "host.hostname", "hostname", "host", "computer", "computer_name", "ComputerName", "Computer", "device", "device_name", "dvc", "agent.hostname", "observer.hostname"}},
	{"user", []string{"user.name", "username", "user", "user_name", "account", "account_name", "SubjectUserName", "src_user", "userIdentity.userName", "login"}},
	{"user_domain", []string{"user.domain", "user_domain", "domain_name", "SubjectDomainName"}},
	{"target_user", []string{"user.target.name", "target_user", "TargetUserName", "dst_user", "dest_user"}},
	{"logon_type", []string{"winlog.logon.type", "logon_type", "LogonType"}},
	{"session_id", []string{"session.id", "session_id", "sessionid", "session", "TargetLogonId", "LogonId", "uid"}},
	{"src_ip", []string{"source.ip", "client.ip", "src_ip", "srcip", "src", "source_ip", "client_ip", "clientip", "remote_addr", "remote_ip", "c-ip", "sourceIPAddress", "IpAddress", "id.orig_h", "src_addr"}},
	{"src_port", []string{"source.port", "client.port", "src_port", "srcport", "spt", "source_port", "client_port", "sport", "IpPort", "id.orig_p"}},
	{"dst_ip", []string{"destination.ip", "server.ip", "dst_ip", "dstip", "dst", "dest_ip", "destination_ip", "dest", "server_ip", "id.resp_h", "dst_addr"}},
	{"dst_port", []string{"destination.port", "server.port", "dst_port", "dstport", "dpt", "dest_port", "destination_port", "dport", "server_port", "id.resp_p"}},
	{"protocol", []string{"network.transport", "network.protocol", "protocol", "proto", "transport"}},
	{"bytes_in", []string{"destination.bytes", "bytes_in", "bytesin", "bytes_received", "rcvd_bytes", "in_bytes", "cs-bytes"}},
	{"bytes_out", []string{"source.bytes", "bytes_out", "bytesout", "bytes_sent", "sent_bytes", "out_bytes", "sc-bytes", "bytes", "body_bytes_sent"}},
	{"process_name", []string{"process.name", "process_name", "processname", "proc", "program_name"}},
	{"process_path", []string{"process.executable", "process_path", "image", "exe", "executable", "NewProcessName"}},
	{"pid", []string{"process.pid", "pid", "process_id", "ProcessId", "NewProcessId"}},
	{"command_line", []string{"process.command_line", "command_line", "commandline", "cmdline", "cmd", "command", "CommandLine"}},
	{"parent_name", []string{"process.parent.name", "parent_name"}},
	{"parent_path", []string{"process.parent.executable", "parent_path", "parent_image", "ParentImage", "ParentProcessName"}},
	{"ppid", []string{"process.parent.pid", "ppid", "parent_pid", "parent_process_id", "ParentProcessId"}},
	{"parent_command_line", []string{"process.parent.command_line", "parent_command_line", "ParentCommandLine"}},
	{"file_path", []string{"file.path", "file_path", "filepath", "TargetFilename", "file.name", "file_name", "filename", "path"}},
	{"hash", []string{"file.hash.sha256", "hash.sha256", "sha256", "file.hash.sha1", "hash.sha1", "sha1", "file.hash.md5", "hash.md5", "md5", "hash", "file_hash"}},
	{"registry", []string{"registry.path", "registry.key", "registry_path", "registry_key", "TargetObject"}},
	{"domain", []string{"dns.question.name", "url.domain", "query", "qname", "domain", "dns_query", "QueryName", "fqdn"}},
	{"url", []string{"url.original", "url.full", "url", "uri", "request_uri", "cs-uri-stem", "request.url"}},
	{"http_method", []string{"http.request.method", "http_method", "method", "request_method", "cs-method", "verb"}},
	{"http_status", []string{"http.response.status_code", "http_status", "status_code", "statuscode", "response_code", "sc-status", "status"}},
	{"user_agent", []string{"user_agent.original", "user_agent", "useragent", "http_user_agent", "cs(User-Agent)", "userAgent"}},
	{"rule_name", []string{"rule.name", "rule_name", "signature", "alert.signature", "threat.name", "alert_name"}},
}

// Norm is the comparison form of a field name: lower case letters and digits only.
func Norm(name string) string {
	var b strings.Builder
	b.Grow(len(name))
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
			b.WriteByte(c)
		case c >= 'A' && c <= 'Z':
			b.WriteByte(c + 'a' - 'A')
		}
	}
	return b.String()
}

// normTable is Table with every name in Norm form.
var normTable = func() []Row {
	out := make([]Row, len(Table))
	for i, r := range Table {
		names := make([]string, len(r.Names))
		for j, n := range r.Names {
			names[j] = Norm(n)
		}
		out[i] = Row{r.Col, names}
	}
	return out
}()

// Validate checks the table and reports a name listed for two columns (a name can fill one
// column only; "@timestamp" and "timestamp" in one row are the same name twice, which is
// harmless). Tests call it.
func Validate() error {
	seen := map[string]string{}
	for _, r := range Table {
		if !event.Settable(r.Col) {
			return fmt.Errorf("guess table: no such column %q", r.Col)
		}
		for _, n := range r.Names {
			k := Norm(n)
			if k == "" {
				return fmt.Errorf("guess table: column %s: empty name %q", r.Col, n)
			}
			if prev, dup := seen[k]; dup && prev != r.Col {
				return fmt.Errorf("guess table: %q maps to both %s and %s", n, prev, r.Col)
			}
			seen[k] = r.Col
		}
	}
	return nil
}

// Explicit is a column mapping given by the analyst: column -> source field name (a dotted
// path for JSON, a header name for CSV), from map.<column>=<field> options.
type Explicit map[string]string

// ParseOptions reads the map.<column>=<field> options. Other keys and unknown columns are
// errors that name them, so that a typo does not pass in silence.
func ParseOptions(opts map[string]string) (Explicit, error) {
	out := Explicit{}
	keys := make([]string, 0, len(opts))
	for k := range opts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		col, ok := strings.CutPrefix(k, "map.")
		if !ok {
			return nil, fmt.Errorf("unknown option %q (want map.<column>=<field>)", k)
		}
		if !event.Settable(col) {
			return nil, fmt.Errorf("option %s: no such column %q", k, col)
		}
		if strings.TrimSpace(opts[k]) == "" {
			return nil, fmt.Errorf("option %s: empty field name", k)
		}
		out[col] = opts[k]
	}
	return out, nil
}

// Plan is the mapping chosen for one set of available field names: for each column, the
// candidate fields in order, and whether the analyst asked for it explicitly.
type Plan struct {
	Cols []PlanCol
}

// PlanCol is one column of a Plan.
type PlanCol struct {
	Col      string
	Fields   []string // source field names as the record spells them, strongest first
	Explicit bool     // from a map option: an unparsable value rejects the record
}

// Build chooses the fields for every column of Table among names (the record's field names as
// spelled), with explicit mappings taking over their column. Explicit fields are used as
// given, whether present or not.
func Build(names []string, explicit Explicit) Plan {
	byNorm := make(map[string]string, len(names))
	for _, n := range names {
		k := Norm(n)
		if _, dup := byNorm[k]; !dup {
			byNorm[k] = n
		}
	}
	var p Plan
	for _, r := range normTable {
		if f, ok := explicit[r.Col]; ok {
			p.Cols = append(p.Cols, PlanCol{Col: r.Col, Fields: []string{f}, Explicit: true})
			continue
		}
		var fields []string
		for _, n := range r.Names {
			if f, ok := byNorm[n]; ok {
				fields = append(fields, f)
			}
		}
		if len(fields) > 0 {
			p.Cols = append(p.Cols, PlanCol{Col: r.Col, Fields: fields})
		}
	}
	// explicit columns outside the table (rare: every settable column is in it today)
	cols := make([]string, 0, len(explicit))
	for c := range explicit {
		cols = append(cols, c)
	}
	sort.Strings(cols)
	for _, c := range cols {
		if !p.has(c) {
			p.Cols = append(p.Cols, PlanCol{Col: c, Fields: []string{explicit[c]}, Explicit: true})
		}
	}
	return p
}

func (p Plan) has(col string) bool {
	for _, c := range p.Cols {
		if c.Col == col {
			return true
		}
	}
	return false
}

// Apply fills ev through the plan, reading values with get. For a guessed column, a value
// that does not parse is passed over for the next candidate (the value stays in the event's
// Fields): a guess must not cost the record. For an explicit column it is an
// *importers.FieldError naming the field, and the caller rejects the record.
func (p Plan) Apply(ev *event.Event, get func(field string) (string, bool)) error {
	for _, c := range p.Cols {
		for _, f := range c.Fields {
			v, ok := get(f)
			if !ok || strings.TrimSpace(v) == "" {
				continue
			}
			err := set(ev, c.Col, v)
			if err == nil {
				break
			}
			if c.Explicit {
				return importers.SetError(f, err)
			}
		}
	}
	return nil
}

// set is event.Set with more time layouts than event.ParseTime knows (ctime, slashes), which
// exports of unknown origin use.
func set(ev *event.Event, col, v string) error {
	if col == "severity" {
		if n, ok := severityWords[strings.ToLower(strings.TrimSpace(v))]; ok {
			ev.Severity = event.IntOf(n)
			return nil
		}
	}
	if col != "time" {
		return ev.Set(col, v)
	}
	err := ev.Set(col, v)
	if err == nil {
		return nil
	}
	s := strings.TrimSpace(v)
	for _, l := range extraTimeLayouts {
		if t, perr := time.Parse(l, s); perr == nil {
			ev.Time = t.UTC()
			return nil
		}
	}
	return err
}

// severityWords rates the level names logs use on the event model's 0 (info) to 4 (critical)
// scale.
var severityWords = map[string]int64{
	"debug": 0, "trace": 0, "info": 0, "informational": 0, "information": 0, "notice": 0,
	"low": 1, "warn": 1, "warning": 1,
	"medium": 2, "moderate": 2, "error": 2, "err": 2,
	"high": 3, "severe": 3, "crit": 4, "critical": 4, "alert": 4, "emerg": 4, "emergency": 4, "fatal": 4,
}

var extraTimeLayouts = []string{
	time.ANSIC,                   // Sun Dec  4 04:47:44 2005
	"Mon Jan 02 15:04:05 2006",   // zero-padded day
	time.UnixDate,                // Sun Dec  4 04:47:44 UTC 2005
	"2006/01/02 15:04:05.999999", // many appliances
	"2006/01/02 15:04:05",
	"2006-01-02T15:04:05.999999999-07",
	"2006-01-02",
	"Jan 2, 2006 15:04:05.999999999 MST",
	"02-Jan-2006 15:04:05",
}
