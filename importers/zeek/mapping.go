package zeek

import (
	"strings"

	"trawl/event"
	"trawl/importers"
)

// logMap is how one Zeek log (#path) becomes events: fixed category and action, the field
// table, and which field says whether the thing succeeded.
type logMap struct {
	Category string
	Action   string
	Fields   importers.FieldMap
	// Outcome names the field whose value decides the outcome, through Outcomes (value →
	// "success" or "failure"; the key "*" is the answer for any other present value).
	Outcome  string
	Outcomes map[string]string
	// AuthPackage is a fixed authentication package for the log's events.
	AuthPackage string
	// Finish computes the few columns a table row cannot express; nil for most logs.
	Finish func(ev *event.Event, get getter)
}

// getter reads a source field as text, as FieldMap.Apply does.
type getter func(src string) (string, bool)

// common applies to every log, known or not: the connection 4-tuple and uid most logs carry.
// Source names are Zeek's own ("id.orig_h"); lookups also accept the nested ({"id":{...}}) and
// underscore ("id_orig_h") spellings of JSON exports.
var common = importers.FieldMap{
	{Src: "ts", Col: "time"},
	{Src: "uid", Col: "session_id"},
	{Src: "id.orig_h", Col: "src_ip"},
	{Src: "id.orig_p", Col: "src_port"},
	{Src: "id.resp_h", Col: "dst_ip"},
	{Src: "id.resp_p", Col: "dst_port"},
	{Src: "proto", Col: "protocol"},
}

// boolOutcome reads Zeek booleans (T/F in TSV, true/false in JSON).
var boolOutcome = map[string]string{"true": "success", "false": "failure"}

// logs is the mapping table: one row per Zeek log path. Paths not listed still import with
// the common fields and every field kept in Fields.
var logs = map[string]logMap{
	"conn": {Category: "network", Action: "connection", Fields: importers.FieldMap{
		{Src: "orig_bytes", Col: "bytes_out"}, // bytes the originator (source) sent
		{Src: "resp_bytes", Col: "bytes_in"},  // bytes the responder sent back to the source
	}, Outcome: "conn_state", Outcomes: connStates},
	"dns": {Category: "dns", Action: "query", Fields: importers.FieldMap{
		{Src: "query", Col: "domain"},
		{Src: "rcode_name", Col: "message"},
	}, Outcome: "rcode_name", Outcomes: map[string]string{"NOERROR": "success", "*": "failure"}},
	"http": {Category: "http", Action: "request", Fields: importers.FieldMap{
		{Src: "host", Col: "domain"},
		{Src: "uri", Col: "url"},
		{Src: "method", Col: "http_method"},
		{Src: "status_code", Col: "http_status"},
		{Src: "user_agent", Col: "user_agent"},
		{Src: "username", Col: "user"},
		{Src: "request_body_len", Col: "bytes_out"},
		{Src: "response_body_len", Col: "bytes_in"},
	}},
	"ssl": {Category: "network", Action: "tls-handshake", Fields: importers.FieldMap{
		{Src: "server_name", Col: "domain"},
	}, Outcome: "established", Outcomes: boolOutcome},
	"x509": {Category: "network", Action: "certificate", Fields: importers.FieldMap{
		{Src: "certificate.subject", Col: "message"},
	}},
	"files": {Category: "file", Action: "file-transfer", Fields: importers.FieldMap{
		{Src: "filename", Col: "file_path"},
		{Src: "md5", Col: "hash"}, // strongest hash wins: later rows overwrite
		{Src: "sha1", Col: "hash"},
		{Src: "sha256", Col: "hash"},
		{Src: "seen_bytes", Col: "bytes_in"},
	}},
	"pe": {Category: "file", Action: "pe-file"},
	"smb_files": {Category: "file", Action: "smb-file", Fields: importers.FieldMap{
		{Src: "action", Col: "event_code"},
		{Src: "name", Col: "file_path"},
		{Src: "size", Col: "bytes_in"},
	}, Finish: smbFilePath},
	"smb_mapping": {Category: "file", Action: "smb-share-map", Fields: importers.FieldMap{
		{Src: "path", Col: "file_path"},
	}},
	"notice": {Category: "alert", Action: "notice", Fields: importers.FieldMap{
		{Src: "note", Col: "rule_name"},
		{Src: "note", Col: "event_code"},
		{Src: "msg", Col: "message"},
		{Src: "src", Col: "src_ip"},
		{Src: "dst", Col: "dst_ip"},
		{Src: "p", Col: "dst_port"},
	}},
	"weird": {Category: "network", Action: "weird", Fields: importers.FieldMap{
		{Src: "name", Col: "rule_name"},
		{Src: "name", Col: "event_code"},
		{Src: "addl", Col: "message"},
	}},
	"dpd": {Category: "network", Action: "protocol-violation", Fields: importers.FieldMap{
		{Src: "analyzer", Col: "event_code"},
		{Src: "failure_reason", Col: "message"},
	}},
	"analyzer": {Category: "network", Action: "protocol-violation", Fields: importers.FieldMap{
		{Src: "analyzer_name", Col: "event_code"},
		{Src: "failure_reason", Col: "message"},
	}},
	"kerberos": {Category: "auth", Action: "kerberos", Fields: importers.FieldMap{
		{Src: "request_type", Col: "event_code"},
		{Src: "client", Col: "user"},
		{Src: "error_msg", Col: "message"},
	}, Outcome: "success", Outcomes: boolOutcome, AuthPackage: "kerberos", Finish: kerberosClient},
	"ntlm": {Category: "auth", Action: "ntlm", Fields: importers.FieldMap{
		{Src: "username", Col: "user"},
		{Src: "domainname", Col: "user_domain"},
	}, Outcome: "success", Outcomes: boolOutcome, AuthPackage: "ntlm"},
	"ssh": {Category: "auth", Action: "ssh", Fields: importers.FieldMap{
		{Src: "client", Col: "user_agent"},
	}, Outcome: "auth_success", Outcomes: boolOutcome},
	"rdp": {Category: "auth", Action: "rdp", Fields: importers.FieldMap{
		{Src: "cookie", Col: "user"}, // the mstshash cookie carries the user name the client offers
		{Src: "result", Col: "message"},
	}, Outcome: "result", Outcomes: map[string]string{"Success": "success", "encrypted": "", "*": "failure"}},
	"rfb": {Category: "auth", Action: "vnc", Fields: importers.FieldMap{
		{Src: "authentication_method", Col: "auth_package"},
	}, Outcome: "auth", Outcomes: boolOutcome},
	"ftp": {Category: "network", Action: "ftp-command", Fields: importers.FieldMap{
		{Src: "user", Col: "user"},
		{Src: "command", Col: "event_code"},
		{Src: "arg", Col: "url"},
		{Src: "reply_msg", Col: "message"},
	}, Finish: ftpOutcome},
	"dce_rpc": {Category: "network", Action: "rpc-call", Fields: importers.FieldMap{
		{Src: "operation", Col: "event_code"},
		{Src: "endpoint", Col: "message"},
	}},
	"ldap_search": {Category: "network", Action: "ldap-search", Fields: importers.FieldMap{
		{Src: "base_object", Col: "message"},
	}, Outcome: "result", Outcomes: map[string]string{"success": "success", "*": "failure"}},
	"software": {Category: "network", Action: "software", Fields: importers.FieldMap{
		{Src: "host", Col: "src_ip"},
		{Src: "unparsed_version", Col: "user_agent"},
		{Src: "name", Col: "message"},
	}},
	"dhcp": {Category: "network", Action: "dhcp", Fields: importers.FieldMap{
		{Src: "client_addr", Col: "src_ip"},
		{Src: "server_addr", Col: "dst_ip"},
		{Src: "host_name", Col: "host"},
		{Src: "domain", Col: "domain"},
	}},
}

// connStates maps conn_state: "success" when the connection was established (a full or half
// handshake seen from both sides), "failure" when the originator's attempt got no answer or
// was rejected. States seen only midstream or only from the responder side (OTH, SHR, RSTRH)
// say nothing about success and give "".
var connStates = map[string]string{
	"SF": "success", "S1": "success", "S2": "success", "S3": "success",
	"RSTO": "success", "RSTR": "success",
	"S0": "failure", "REJ": "failure", "RSTOS0": "failure", "SH": "failure",
	"OTH": "", "SHR": "", "RSTRH": "",
}

// ftpOutcome: 1xx-3xx replies are positive, 4xx-5xx negative.
func ftpOutcome(ev *event.Event, get getter) {
	if v, ok := get("reply_code"); ok && v != "" {
		switch v[0] {
		case '1', '2', '3':
			ev.Outcome = "success"
		case '4', '5':
			ev.Outcome = "failure"
		}
	}
}

// smbFilePath joins the share path and the file name (\\HOST\C$ + dir\file.txt).
func smbFilePath(ev *event.Event, get getter) {
	p, _ := get("path")
	n, _ := get("name")
	p, n = event.Clean(p), event.Clean(n)
	switch {
	case p != "" && n != "":
		ev.FilePath = strings.TrimSuffix(p, `\`) + `\` + strings.TrimPrefix(n, `\`)
	case p != "":
		ev.FilePath = p
	}
}

// kerberosClient splits Zeek's "user/REALM" client into user and domain.
func kerberosClient(ev *event.Event, get getter) {
	c, ok := get("client")
	if !ok {
		return
	}
	if i := strings.LastIndexByte(c, '/'); i >= 0 {
		ev.User = event.Clean(c[:i])
		ev.UserDomain = event.Clean(c[i+1:])
	}
}

// known lists the paths whose name may be taken from a file name (conn.log, dns.json,
// conn.00:00:00-01:00:00.log.gz) when the content does not say.
var known = []string{
	"conn", "dns", "http", "ssl", "x509", "files", "pe", "smb_files", "smb_mapping", "notice",
	"weird", "dpd", "analyzer", "kerberos", "ntlm", "ssh", "rdp", "rfb", "ftp", "dce_rpc",
	"ldap_search", "ldap", "software", "dhcp", "sip", "snmp", "smtp", "socks", "tunnel",
	"radius", "mysql", "modbus", "dnp3", "irc", "intel", "known_hosts", "known_services",
	"known_certs", "capture_loss", "stats", "reporter", "loaded_scripts", "packet_filter",
	"ocsp", "ntp", "quic", "traceroute", "signatures", "syslog", "conn_long", "websocket",
}

// shapes guesses the path of a JSON record that names none, from a field only that log has.
var shapes = []struct{ field, path string }{
	{"note", "notice"},
	{"conn_state", "conn"},
	{"qtype_name", "dns"},
	{"status_code", "http"},
	{"server_name", "ssl"},
	{"analyzers", "files"},
	{"request_type", "kerberos"},
	{"auth_success", "ssh"},
	{"conn_uids", "files"},
	{"share_type", "smb_mapping"},
	{"named_pipe", "dce_rpc"},
	{"security_protocol", "rdp"},
	{"server_nb_computer_name", "ntlm"},
}
