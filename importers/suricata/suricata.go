// Package suricata reads Suricata EVE JSON: the eve.json a sensor writes (one event per line)
// and dumps of EVE events as one JSON array, pretty-printed or not, which it streams element by
// element. Every event_type (alert, dns, http, tls, flow, fileinfo, anomaly, ssh, smb, ...) maps
// through the common table plus its own row in the types table below; all fields are kept.
package suricata

import (
	"bytes"
	"context"
	"strings"

	"trawl/event"
	"trawl/importers"
)

// Format is Suricata EVE JSON.
type Format struct{}

func init() { importers.Register(Format{}) }

func (Format) Name() string { return "suricata" }
func (Format) Description() string {
	return "Suricata EVE JSON: eve.json lines, or a JSON array of EVE events (alerts, dns, http, tls, flow, ...)"
}

// common applies to every event type.
var common = importers.FieldMap{
	{Src: "timestamp", Col: "time"},
	{Src: "event_type", Col: "event_code"},
	{Src: "flow_id", Col: "session_id"},
	{Src: "src_ip", Col: "src_ip"},
	{Src: "src_port", Col: "src_port"},
	{Src: "dest_ip", Col: "dst_ip"},
	{Src: "dest_port", Col: "dst_port"},
	{Src: "proto", Col: "protocol"}, // transport, as Zeek gives it; app_proto stays in Fields
	{Src: "host", Col: "host"},      // the sensor name, when the EVE output sets one
	{Src: "flow.bytes_toserver", Col: "bytes_out"},
	{Src: "flow.bytes_toclient", Col: "bytes_in"},
}

// eventType is the mapping of one event_type.
type eventType struct {
	Category string
	Action   string
	Fields   importers.FieldMap
}

// types is the mapping table, one row per event_type. Unknown types keep the common fields.
var types = map[string]eventType{
	"alert": {Category: "alert", Action: "alert", Fields: importers.FieldMap{
		{Src: "alert.signature", Col: "rule_name"},
		{Src: "alert.category", Col: "message"},
		{Src: "http.hostname", Col: "domain"},
		{Src: "dns.query.0.rrname", Col: "domain"},
		{Src: "tls.sni", Col: "domain"},
		{Src: "http.url", Col: "url"},
		{Src: "http.http_method", Col: "http_method"},
		{Src: "http.status", Col: "http_status"},
		{Src: "http.http_user_agent", Col: "user_agent"},
	}},
	"dns": {Category: "dns", Action: "query", Fields: importers.FieldMap{
		{Src: "dns.type", Col: "action"},
		{Src: "dns.rrname", Col: "domain"},
		{Src: "dns.queries.0.rrname", Col: "domain"}, // EVE v3 (Suricata 8) requests
		{Src: "dns.rcode", Col: "message"},
	}},
	"http": {Category: "http", Action: "request", Fields: importers.FieldMap{
		{Src: "http.hostname", Col: "domain"},
		{Src: "http.url", Col: "url"},
		{Src: "http.http_method", Col: "http_method"},
		{Src: "http.status", Col: "http_status"},
		{Src: "http.http_user_agent", Col: "user_agent"},
		{Src: "http.length", Col: "bytes_in"},
	}},
	"tls": {Category: "network", Action: "tls-handshake", Fields: importers.FieldMap{
		{Src: "tls.sni", Col: "domain"},
		{Src: "tls.subject", Col: "message"},
	}},
	"flow": {Category: "network", Action: "connection", Fields: importers.FieldMap{
		{Src: "flow.state", Col: "message"},
	}},
	"netflow": {Category: "network", Action: "connection", Fields: importers.FieldMap{
		{Src: "netflow.bytes", Col: "bytes_out"},
	}},
	"fileinfo": {Category: "file", Action: "file-transfer", Fields: importers.FieldMap{
		{Src: "fileinfo.filename", Col: "file_path"},
		{Src: "fileinfo.md5", Col: "hash"}, // strongest hash wins: later rows overwrite
		{Src: "fileinfo.sha1", Col: "hash"},
		{Src: "fileinfo.sha256", Col: "hash"},
		{Src: "fileinfo.size", Col: "bytes_in"},
		{Src: "http.hostname", Col: "domain"},
		{Src: "http.url", Col: "url"},
	}},
	"anomaly": {Category: "network", Action: "anomaly", Fields: importers.FieldMap{
		{Src: "anomaly.event", Col: "rule_name"},
		{Src: "anomaly.type", Col: "message"},
	}},
	"ssh": {Category: "network", Action: "ssh", Fields: importers.FieldMap{
		{Src: "ssh.client.software_version", Col: "user_agent"},
	}},
	"smb": {Category: "network", Action: "smb", Fields: importers.FieldMap{
		{Src: "smb.command", Col: "message"},
		{Src: "smb.filename", Col: "file_path"},
		{Src: "smb.ntlmssp.user", Col: "user"},
		{Src: "smb.ntlmssp.domain", Col: "user_domain"},
	}},
	"krb5": {Category: "auth", Action: "kerberos", Fields: importers.FieldMap{
		{Src: "krb5.cname", Col: "user"},
		{Src: "krb5.realm", Col: "user_domain"},
		{Src: "krb5.msg_type", Col: "message"},
	}},
	"ftp": {Category: "network", Action: "ftp-command", Fields: importers.FieldMap{
		{Src: "ftp.command", Col: "message"},
	}},
	"smtp": {Category: "network", Action: "smtp", Fields: importers.FieldMap{
		{Src: "smtp.helo", Col: "domain"},
	}},
	"dhcp": {Category: "network", Action: "dhcp", Fields: importers.FieldMap{
		{Src: "dhcp.hostname", Col: "host"},
	}},
	"rdp": {Category: "network", Action: "rdp", Fields: importers.FieldMap{
		{Src: "rdp.cookie", Col: "user"},
	}},
}

// Severity maps Suricata's alert.severity (1 is the most severe, 3 the least; rule sets
// sometimes use 4 for informational) onto trawl's 0 info .. 4 critical scale:
//
//	Suricata 1 (high)   → 3 high
//	Suricata 2 (medium) → 2 medium
//	Suricata 3 (low)    → 1 low
//	Suricata 4 or more  → 0 info
//
// Suricata has no "critical": 4 is left for sources and hunts that know better. Other values
// (0, negative, not a number) leave severity unset and are kept in Fields.
var Severity = map[string]int64{"1": 3, "2": 2, "3": 1}

// Sniff answers high for EVE: JSON lines or a JSON array whose objects carry event_type and
// timestamp.
func (Format) Sniff(head []byte) int {
	h := bytes.TrimLeft(head, " \t\r\n")
	if len(h) > 0 && h[0] == '[' {
		var objs []map[string]any
		// rejects in a cut-off head mean nothing: they go to Discard
		_ = importers.ReadJSONArray(context.Background(), bytes.NewReader(h), "", importers.Discard, func(_ importers.Line, obj map[string]any) error {
			objs = append(objs, obj)
			return nil
		})
		return score(objs)
	}
	return score(importers.SniffJSONLines(head, 8))
}

func score(objs []map[string]any) int {
	if len(objs) == 0 {
		return 0
	}
	for _, o := range objs {
		_, typ := o["event_type"]
		_, ts := o["timestamp"]
		if !typ || !ts {
			return 0
		}
	}
	return 95
}

// Read imports EVE JSON lines, or streams a JSON array of EVE objects when the input starts
// with '['.
func (Format) Read(ctx context.Context, in importers.Input, sink importers.Sink) error {
	var ev event.Event
	return importers.ReadJSONRecords(ctx, in, "", sink, func(l importers.Line, obj map[string]any) error {
		if err := build(&ev, obj, l.Text); err != nil {
			return err
		}
		return importers.Emit(sink, l, &ev)
	})
}

// build fills ev from one EVE object. raw is the record's text; an array element's
// pretty-printing is compacted so that Raw is one line, as eve.json would have it.
func build(ev *event.Event, obj map[string]any, raw []byte) error {
	*ev = event.Event{SourceType: "suricata", Raw: importers.CompactJSON(raw), Fields: obj}
	typ, _ := obj["event_type"].(string)
	if typ != "" {
		ev.Dataset = "suricata." + typ
	} else {
		ev.Dataset = "suricata"
	}
	t := types[typ]
	ev.Category, ev.Action = t.Category, t.Action
	get := func(src string) (string, bool) { return getText(obj, src) }
	if err := common.Apply(ev, get); err != nil {
		return err
	}
	if err := t.Fields.Apply(ev, get); err != nil {
		return err
	}
	if typ == "alert" {
		if v, ok := get("alert.severity"); ok {
			if s, ok := Severity[strings.TrimSpace(v)]; ok {
				ev.Severity = event.IntOf(s)
			} else if n, err := event.ParseInt(v); err == nil && n >= 4 {
				ev.Severity = event.IntOf(0)
			}
		}
		if a, _ := get("alert.action"); a == "blocked" {
			ev.Outcome = "failure" // the traffic did not get through
		}
	}
	return nil
}

// getText reads a dotted path, where a numeric step indexes an array (dns.queries.0.rrname).
func getText(obj map[string]any, src string) (string, bool) {
	if v, ok := importers.GetText(obj, src); ok {
		return v, true
	}
	var cur any = obj
	for rest, more := src, true; more; {
		var step string
		step, rest, more = strings.Cut(rest, ".")
		switch c := cur.(type) {
		case map[string]any:
			cur = c[step]
		case []any:
			if step != "0" || len(c) == 0 {
				return "", false
			}
			cur = c[0]
		default:
			return "", false
		}
	}
	if cur == nil {
		return "", false
	}
	return importers.Text(cur), true
}
