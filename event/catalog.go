package event

import "fmt"

// Type is a column's storage type.
type Type int

const (
	TypeString Type = iota
	TypeInt
	TypeTime
	TypeIP
	TypeJSON
)

func (t Type) String() string {
	switch t {
	case TypeString:
		return "string"
	case TypeInt:
		return "int"
	case TypeTime:
		return "time"
	case TypeIP:
		return "ip"
	case TypeJSON:
		return "json"
	}
	return fmt.Sprintf("Type(%d)", int(t))
}

// Entity is a kind of thing that events are about and that the analyst pivots on.
type Entity int

const (
	EntityNone Entity = iota
	EntityUser
	EntityHost
	EntityIP
	EntityProcess
	EntityDomain
	EntityHash
	EntityFile
)

var entityNames = [...]string{"", "user", "host", "ip", "process", "domain", "hash", "file"}

func (e Entity) String() string {
	if int(e) < len(entityNames) {
		return entityNames[e]
	}
	return fmt.Sprintf("Entity(%d)", int(e))
}

// ParseEntity maps a name such as "user" to its Entity.
func ParseEntity(s string) (Entity, bool) {
	for i, n := range entityNames {
		if i > 0 && n == s {
			return Entity(i), true
		}
	}
	return EntityNone, false
}

// Column describes one column of the events table as analysts, the DSL and the store see it.
type Column struct {
	Name   string
	Type   Type
	Entity Entity // which entity kind the column holds, if any
	Doc    string
	// Get reads the column from an Event: string, int64 (or nil for a NULL Int), time.Time or
	// map[string]any.
	Get func(*Event) any
}

func str(f func(*Event) string) func(*Event) any { return func(e *Event) any { return f(e) } }
func num(f func(*Event) Int) func(*Event) any {
	return func(e *Event) any {
		if v := f(e); v.OK {
			return v.V
		}
		return nil
	}
}

// Columns is the catalogue of the event model's own columns, in table order. The store adds
// bookkeeping columns (id, file, line, ingest time) and derived key columns (user_key, host_key).
var Columns = []Column{
	{"time", TypeTime, EntityNone, "when the event happened, UTC", func(e *Event) any { return e.Time }},
	{"source_type", TypeString, EntityNone, "format of the input: evtx, winjson, syslog, zeek, suricata, cloudtrail, web, cef, csv, jsonl", str(func(e *Event) string { return e.SourceType })},
	{"category", TypeString, EntityNone, "event category: logon, process, network, dns, file, http, registry, cloud, auth, alert, system", str(func(e *Event) string { return e.Category })},
	{"dataset", TypeString, EntityNone, "finer origin: Windows channel, Zeek log, syslog program", str(func(e *Event) string { return e.Dataset })},
	{"event_code", TypeString, EntityNone, "the source's event id or type (4624, ConsoleLogin, alert)", str(func(e *Event) string { return e.EventCode })},
	{"action", TypeString, EntityNone, "normalized action (logon, process-start, connection, ...)", str(func(e *Event) string { return e.Action })},
	{"outcome", TypeString, EntityNone, "success, failure or empty", str(func(e *Event) string { return e.Outcome })},
	{"severity", TypeInt, EntityNone, "0 info, 1 low, 2 medium, 3 high, 4 critical, when the source rates it", num(func(e *Event) Int { return e.Severity })},
	{"message", TypeString, EntityNone, "human-readable message", str(func(e *Event) string { return e.Message })},
	{"host", TypeString, EntityHost, "host the event was logged on, as given", str(func(e *Event) string { return e.Host })},
	{"user", TypeString, EntityUser, "acting user, as given", str(func(e *Event) string { return e.User })},
	{"user_domain", TypeString, EntityNone, "domain of the acting user", str(func(e *Event) string { return e.UserDomain })},
	{"target_user", TypeString, EntityUser, "account acted upon", str(func(e *Event) string { return e.TargetUser })},
	{"logon_type", TypeString, EntityNone, "Windows logon type number or ssh method", str(func(e *Event) string { return e.LogonType })},
	{"auth_package", TypeString, EntityNone, "authentication package (NTLM, Kerberos, password, publickey)", str(func(e *Event) string { return e.AuthPackage })},
	{"session_id", TypeString, EntityNone, "logon id, ssh pid, access key or connection uid", str(func(e *Event) string { return e.SessionID })},
	{"src_ip", TypeIP, EntityIP, "source address (normalized)", str(func(e *Event) string { return e.SrcIP })},
	{"src_port", TypeInt, EntityNone, "source port", num(func(e *Event) Int { return e.SrcPort })},
	{"dst_ip", TypeIP, EntityIP, "destination address (normalized)", str(func(e *Event) string { return e.DstIP })},
	{"dst_port", TypeInt, EntityNone, "destination port", num(func(e *Event) Int { return e.DstPort })},
	{"protocol", TypeString, EntityNone, "transport or application protocol, lower-case", str(func(e *Event) string { return e.Protocol })},
	{"bytes_in", TypeInt, EntityNone, "bytes received by the source", num(func(e *Event) Int { return e.BytesIn })},
	{"bytes_out", TypeInt, EntityNone, "bytes sent by the source", num(func(e *Event) Int { return e.BytesOut })},
	{"process_name", TypeString, EntityProcess, "process image base name", str(func(e *Event) string { return e.ProcessName })},
	{"process_path", TypeString, EntityNone, "process image full path", str(func(e *Event) string { return e.ProcessPath })},
	{"pid", TypeInt, EntityNone, "process id", num(func(e *Event) Int { return e.PID })},
	{"command_line", TypeString, EntityNone, "process command line", str(func(e *Event) string { return e.CommandLine })},
	{"parent_name", TypeString, EntityProcess, "parent image base name", str(func(e *Event) string { return e.ParentName })},
	{"parent_path", TypeString, EntityNone, "parent image full path", str(func(e *Event) string { return e.ParentPath })},
	{"ppid", TypeInt, EntityNone, "parent process id", num(func(e *Event) Int { return e.PPID })},
	{"parent_command_line", TypeString, EntityNone, "parent command line", str(func(e *Event) string { return e.ParentCommandLine })},
	{"file_path", TypeString, EntityFile, "file acted upon", str(func(e *Event) string { return e.FilePath })},
	{"hash", TypeString, EntityHash, "strongest file hash given, lower-case hex", str(func(e *Event) string { return e.Hash })},
	{"registry", TypeString, EntityNone, "registry key or value path", str(func(e *Event) string { return e.Registry })},
	{"domain", TypeString, EntityDomain, "DNS name queried or requested", str(func(e *Event) string { return e.Domain })},
	{"url", TypeString, EntityNone, "URL or request path", str(func(e *Event) string { return e.URL })},
	{"http_method", TypeString, EntityNone, "HTTP method", str(func(e *Event) string { return e.HTTPMethod })},
	{"http_status", TypeInt, EntityNone, "HTTP status code", num(func(e *Event) Int { return e.HTTPStatus })},
	{"user_agent", TypeString, EntityNone, "HTTP user agent", str(func(e *Event) string { return e.UserAgent })},
	{"rule_name", TypeString, EntityNone, "detection name carried by the source (IDS signature, AV threat)", str(func(e *Event) string { return e.RuleName })},
	{"raw", TypeString, EntityNone, "the original record text", str(func(e *Event) string { return e.Raw })},
	{"fields", TypeJSON, EntityNone, "every parsed source field as JSON", func(e *Event) any { return e.Fields }},
}

// ColumnByName finds a catalogue column.
func ColumnByName(name string) (Column, bool) {
	for _, c := range Columns {
		if c.Name == name {
			return c, true
		}
	}
	return Column{}, false
}
