// Package winjson reads Windows and Sysmon events exported as JSON lines, in the shapes the
// common tools write: python-evtx, evtx_dump and Velociraptor (nested System/EventData),
// EvtxECmd (EventData as a JSON string in Payload), winlogbeat (ECS winlog.*), flattened exports such as OTRF Mordor and NXLog (EventID, Channel, Hostname and the
// event data side by side), and syslog records carrying event XML (Sysmon for Linux through
// Azure Log Analytics). Each line becomes a windows.Record, normalized by windows.Normalize
// like binary EVTX records are.
//
// Times are taken as the export gives them. Mordor's TimeCreated is known to be the lab's local
// time (at times on a 12-hour clock) labelled UTC; it is kept, so that a file's Security and
// Sysmon events stay on one clock, and Sysmon's true UtcTime remains in Fields. NXLog's
// EventTime has no zone: when the record also has the shipper's @timestamp and NXLog's
// EventReceivedTime, their difference gives the agent's UTC offset.
package winjson

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"trawl/event"
	"trawl/importers"
	"trawl/importers/windows"
)

func init() { importers.Register(Format{}) }

// Format is the "winjson" format.
type Format struct{}

var _ importers.LineParser = Format{}

// Name implements importers.Format.
func (Format) Name() string { return "winjson" }

// Description implements importers.Format.
func (Format) Description() string {
	return "Windows/Sysmon events as JSON lines (python-evtx, evtx_dump, EvtxECmd, Velociraptor, winlogbeat, NXLog, Mordor)"
}

var utf8BOM = []byte("\xef\xbb\xbf")

// Sniff scores by field names: every sniffed line must be a Windows event in a known shape.
func (Format) Sniff(head []byte) int {
	head = bytes.TrimPrefix(head, utf8BOM)
	objs := importers.SniffJSONLines(head, 8)
	if len(objs) == 0 {
		// A first line longer than the sniffed head (a big script block): look for the names.
		h := head
		if len(h) > 0 && h[0] == '{' && bytes.Contains(h, []byte(`"EventID"`)) &&
			(bytes.Contains(h, []byte(`"Channel"`)) || bytes.Contains(h, []byte(`"System"`))) {
			return 60
		}
		if len(h) > 0 && h[0] == '{' && bytes.Contains(h, []byte(`"winlog"`)) && bytes.Contains(h, []byte(`"event_id"`)) {
			return 60
		}
		return 0
	}
	score := 100
	for _, o := range objs {
		s := shapeOf(o)
		switch s {
		case shapeNone:
			return 0
		case shapeFlat, shapeLegacyBeat, shapeSyslogXML, shapeEvtxECmd:
			score = min(score, 85)
		default:
			score = min(score, 90)
		}
	}
	return score
}

// Read implements importers.Format: one event per line, a reject for a line that is not JSON,
// not a Windows event, or whose values do not fit.
func (f Format) Read(ctx context.Context, in importers.Input, sink importers.Sink) error {
	return importers.ReadEachLine(ctx, in, sink, f.ParseLine)
}

// ParseLine implements importers.LineParser: lines are independent, so the store may parse a
// file on several cores. Blank lines are skipped; only the sink's error is returned.
func (Format) ParseLine(l importers.Line, sink importers.Sink) error {
	if l.Offset == 0 {
		l.Text = bytes.TrimPrefix(l.Text, utf8BOM) // Windows tools often write one
	}
	text := bytes.TrimSpace(l.Text)
	if len(text) == 0 {
		return nil
	}
	ev, err := parse(l, text)
	if err != nil {
		return sink.Reject(importers.RejectOf(l, err))
	}
	return sink.Event(importers.Record{Line: l.Num, Offset: l.Offset}, ev)
}

func parse(l importers.Line, text []byte) (*event.Event, error) {
	if !utf8.Valid(text) {
		return nil, errors.New("line is not valid UTF-8")
	}
	obj, err := importers.DecodeObject(text)
	if err != nil {
		return nil, err
	}
	var rec windows.Record
	if err := toRecord(obj, &rec); err != nil {
		return nil, err
	}
	// Fields is the whole object, so its JSON text is the line itself.
	ev := &event.Event{SourceType: "winjson", Raw: string(l.Text), Fields: obj}
	ev.FieldsJSON = ev.Raw
	if len(text) != len(l.Text) {
		ev.FieldsJSON = string(text)
	}
	if err := windows.Normalize(&rec, ev); err != nil {
		return nil, err
	}
	return ev, nil
}

type shape int

const (
	shapeNone       shape = iota
	shapePyEvtx           // {"System": {...}, "EventData": {...}} (python-evtx, the samples' evtx-jsonl; Velociraptor)
	shapeEvtxDump         // {"Event": {"System": {...}, "EventData": {...}}} (evtx_dump, chainsaw)
	shapeWinlogbeat       // {"winlog": {"channel", "event_id", "event_data", ...}, "@timestamp"}
	shapeLegacyBeat       // winlogbeat 6: top-level event_id, log_name, computer_name, event_data
	shapeFlat             // Mordor, NXLog: EventID, Channel, Hostname and the data side by side
	shapeSyslogXML        // Azure Log Analytics syslog whose SyslogMessage is event XML (Sysmon for Linux)
	shapeEvtxECmd         // EvtxECmd (KAPE) JSON: EventId, Channel, Computer and the EventData as a JSON string in Payload
)

func shapeOf(o map[string]any) shape {
	if sys, ok := o["System"].(map[string]any); ok && has(sys, "EventID") {
		return shapePyEvtx
	}
	if ev, ok := o["Event"].(map[string]any); ok {
		if sys, ok := ev["System"].(map[string]any); ok && has(sys, "EventID") {
			return shapeEvtxDump
		}
	}
	if wl, ok := o["winlog"].(map[string]any); ok && (has(wl, "event_id") || has(wl, "channel")) {
		return shapeWinlogbeat
	}
	if has(o, "event_id") && (has(o, "log_name") || has(o, "source_name")) {
		return shapeLegacyBeat
	}
	if _, ok := o["Payload"].(string); ok && has(o, "EventId") && has(o, "Channel") {
		return shapeEvtxECmd
	}
	if has(o, "EventID") && (has(o, "Channel") || has(o, "channel") || has(o, "SourceName") || has(o, "ProviderName")) {
		return shapeFlat
	}
	if m, ok := o["SyslogMessage"].(string); ok && isEventXML(m) {
		return shapeSyslogXML
	}
	return shapeNone
}

func has(m map[string]any, k string) bool { _, ok := m[k]; return ok }

// fieldError names the source field whose value is wrong.
func fieldError(field string, format string, args ...any) error {
	return &importers.FieldError{Field: field, Err: fmt.Errorf(format, args...)}
}

func toRecord(o map[string]any, r *windows.Record) error {
	switch shapeOf(o) {
	case shapePyEvtx:
		r.Message = text(o["Message"]) // Velociraptor renders it
		return fromSystem(o["System"].(map[string]any), o["EventData"], o["UserData"], "System.", r)
	case shapeEvtxDump:
		ev := o["Event"].(map[string]any)
		return fromSystem(ev["System"].(map[string]any), ev["EventData"], ev["UserData"], "Event.System.", r)
	case shapeWinlogbeat:
		return fromWinlogbeat(o, r)
	case shapeLegacyBeat:
		return fromLegacyBeat(o, r)
	case shapeFlat:
		return fromFlat(o, r)
	case shapeSyslogXML:
		return fromSyslogXML(o, r)
	case shapeEvtxECmd:
		return fromEvtxECmd(o, r)
	}
	return errors.New("not a Windows event: no EventID (or winlog.event_id) field")
}

// text renders a value, reading evtx_dump's {"#text": ...} wrappers.
func text(v any) string {
	if m, ok := v.(map[string]any); ok {
		if t, ok := m["#text"]; ok {
			return text(t)
		}
		if t, ok := m["Value"]; ok { // Velociraptor's {"EventID": {"Value": 4624}}
			return text(t)
		}
		return ""
	}
	return strings.TrimSpace(importers.Text(v))
}

// attr reads an XML attribute as evtx_dump writes it, {"#attributes": {name: value}}, or as
// Velociraptor does, {name: value}.
func attr(v any, name string) string {
	m, ok := v.(map[string]any)
	if !ok {
		return ""
	}
	if a, ok := m["#attributes"].(map[string]any); ok {
		return text(a[name])
	}
	return text(m[name])
}

func eventID(field string, v any) (int, error) {
	s := text(v)
	if s == "" {
		return 0, fieldError(field, "empty event id")
	}
	n, err := event.ParseInt(s)
	if err != nil || n < 0 || n > 0xFFFFFFFF {
		return 0, fieldError(field, "not an event id: %q", importers.Truncate(s, 64))
	}
	return int(n), nil
}

func optInt(v any) int64 {
	n, err := event.ParseInt(text(v))
	if err != nil {
		return 0
	}
	return n
}

func parseTime(field, s string) (time.Time, error) {
	t, err := event.ParseTime(s)
	if err != nil {
		return time.Time{}, fieldError(field, "%v", err)
	}
	return t, nil
}

// fromSystem reads the nested python-evtx and evtx_dump shapes.
func fromSystem(sys map[string]any, eventData, userData any, prefix string, r *windows.Record) error {
	var err error
	if r.EventID, err = eventID(prefix+"EventID", sys["EventID"]); err != nil {
		return err
	}
	r.Qualifiers = attr(sys["EventID"], "Qualifiers")
	if q := text(sys["EventIDQualifiers"]); q != "" {
		r.Qualifiers = q
	}
	r.Provider = text(sys["Provider"])
	if n := attr(sys["Provider"], "Name"); n != "" {
		r.Provider = n
	}
	r.ProviderGUID = text(sys["ProviderGuid"])
	if g := attr(sys["Provider"], "Guid"); g != "" {
		r.ProviderGUID = g
	}
	r.Version = text(sys["Version"])
	r.Level = int(optInt(sys["Level"]))
	r.Task = text(sys["Task"])
	r.Opcode = text(sys["Opcode"])
	r.Keywords = text(sys["Keywords"])
	r.EventRecordID = optInt(sys["EventRecordID"])
	r.Channel = text(sys["Channel"])
	r.Computer = text(sys["Computer"])
	r.ProcessID = optInt(sys["ProcessID"])
	r.ThreadID = optInt(sys["ThreadID"])
	if ex := sys["Execution"]; ex != nil {
		r.ProcessID = optInt(attr(ex, "ProcessID"))
		r.ThreadID = optInt(attr(ex, "ThreadID"))
	}
	r.UserID = text(sys["UserID"])
	if u := attr(sys["Security"], "UserID"); u != "" {
		r.UserID = u
	}
	tc := text(sys["TimeCreated"])
	if st := attr(sys["TimeCreated"], "SystemTime"); st != "" {
		tc = st
	}
	if tc != "" {
		if r.TimeCreated, err = parseTime(prefix+"TimeCreated", tc); err != nil {
			return err
		}
	}
	r.Data = eventDataOf(eventData, userData)
	return nil
}

// eventDataOf merges EventData and UserData into the record's named values. Unnamed EventData
// values (a "Data" list) become Data, Data_2, ...; UserData's single wrapper element
// (<LogFileCleared>...) is unwrapped.
func eventDataOf(eventData, userData any) map[string]any {
	out := map[string]any{}
	if ed, ok := eventData.(map[string]any); ok {
		for k, v := range ed {
			if k == "#attributes" || k == "xmlns" {
				continue
			}
			if k == "Data" {
				if m, ok := v.(map[string]any); ok {
					if t, ok := m["#text"]; ok {
						v = t
					}
				}
				if m, ok := v.(map[string]any); ok && has(m, "@Name") {
					v = []any{m} // EvtxECmd: a single named value is not a list
				}
				if list, ok := v.([]any); ok {
					unnamed := 0
					for _, x := range list {
						if m, ok := x.(map[string]any); ok && has(m, "@Name") {
							out[text(m["@Name"])] = m["#text"] // EvtxECmd: {"@Name": n, "#text": v}
							continue
						}
						unnamed++
						name := "Data"
						if unnamed > 1 {
							name = fmt.Sprintf("Data_%d", unnamed)
						}
						out[name] = x
					}
					continue
				}
			}
			out[k] = v
		}
	}
	if ud, ok := userData.(map[string]any); ok {
		for k, v := range ud {
			if v == nil {
				continue
			}
			inner, ok := v.(map[string]any)
			if !ok {
				out[k] = v
				continue
			}
			for ik, iv := range inner {
				if ik == "#attributes" || ik == "xmlns" {
					continue
				}
				if _, dup := out[ik]; !dup {
					out[ik] = iv
				}
			}
		}
	}
	return out
}

// levelNames maps the level words of winlogbeat (log.level, level) and EvtxECmd (Level),
// lower-cased, to Windows levels.
var levelNames = map[string]int{"critical": 1, "error": 2, "warning": 3, "information": 4, "info": 4, "verbose": 5}

func fromWinlogbeat(o map[string]any, r *windows.Record) error {
	wl := o["winlog"].(map[string]any)
	get := func(k string) any { v, _ := importers.Get(wl, k); return v }
	idv := get("event_id")
	field := "winlog.event_id"
	if idv == nil {
		idv, _ = importers.Get(o, "event.code")
		field = "event.code"
	}
	var err error
	if r.EventID, err = eventID(field, idv); err != nil {
		return err
	}
	r.Channel = text(get("channel"))
	r.Provider = text(get("provider_name"))
	if r.Provider == "" {
		r.Provider, _ = importers.GetText(o, "event.provider")
	}
	r.ProviderGUID = text(get("provider_guid"))
	r.Computer = text(get("computer_name"))
	if r.Computer == "" {
		if h, ok := importers.GetText(o, "host.name"); ok {
			r.Computer = h
		} else {
			r.Computer, _ = importers.GetText(o, "host.hostname")
		}
	}
	r.EventRecordID = optInt(get("record_id"))
	r.ProcessID = optInt(get("process.pid"))
	r.ThreadID = optInt(get("process.thread.id"))
	r.UserID = text(get("user.identifier"))
	r.Version = text(get("version"))
	r.Task = text(get("task"))
	r.Opcode = text(get("opcode"))
	r.Keywords = keywordsText(get("keywords"))
	if lv, ok := importers.GetText(o, "log.level"); ok {
		r.Level = levelNames[strings.ToLower(lv)]
	}
	r.Message, _ = importers.GetText(o, "message")
	for _, f := range []string{"winlog.time_created", "@timestamp", "event.created"} {
		if s, ok := importers.GetText(o, f); ok && s != "" {
			if r.TimeCreated, err = parseTime(f, s); err != nil {
				return err
			}
			break
		}
	}
	r.Data = eventDataOf(get("event_data"), map[string]any{"user_data": get("user_data")})
	return nil
}

// keywordsText joins winlogbeat's keyword names ("Audit Success").
func keywordsText(v any) string {
	if list, ok := v.([]any); ok {
		parts := make([]string, 0, len(list))
		for _, x := range list {
			parts = append(parts, text(x))
		}
		return strings.Join(parts, ",")
	}
	return text(v)
}

func fromLegacyBeat(o map[string]any, r *windows.Record) error {
	var err error
	if r.EventID, err = eventID("event_id", o["event_id"]); err != nil {
		return err
	}
	r.Channel = text(o["log_name"])
	r.Provider = text(o["source_name"])
	r.Computer = text(o["computer_name"])
	r.EventRecordID = optInt(o["record_number"])
	r.ProcessID = optInt(o["process_id"])
	r.ThreadID = optInt(o["thread_id"])
	r.Task = text(o["task"])
	r.Opcode = text(o["opcode"])
	r.Keywords = keywordsText(o["keywords"])
	r.Level = levelNames[strings.ToLower(text(o["level"]))]
	r.Message = text(o["message"])
	if u, ok := o["user"].(map[string]any); ok {
		r.UserID = text(u["identifier"])
	}
	if s := text(o["@timestamp"]); s != "" {
		if r.TimeCreated, err = parseTime("@timestamp", s); err != nil {
			return err
		}
	}
	r.Data = eventDataOf(o["event_data"], map[string]any{"user_data": o["user_data"]})
	return nil
}

// fromEvtxECmd reads Eric Zimmerman's EvtxECmd JSON: the System fields side by side, the
// EventData (or UserData) as a JSON document in Payload. A Payload that does not parse leaves
// the data empty; it is still in Fields.
func fromEvtxECmd(o map[string]any, r *windows.Record) error {
	var err error
	if r.EventID, err = eventID("EventId", o["EventId"]); err != nil {
		return err
	}
	r.Channel = text(o["Channel"])
	r.Provider = text(o["Provider"])
	r.Computer = text(o["Computer"])
	r.EventRecordID = optInt(o["EventRecordId"])
	r.ProcessID = optInt(o["ProcessId"])
	r.ThreadID = optInt(o["ThreadId"])
	r.Level = levelNames[strings.ToLower(text(o["Level"]))]
	r.Keywords = text(o["Keywords"])
	if s := text(o["TimeCreated"]); s != "" {
		if r.TimeCreated, err = parseTime("TimeCreated", s); err != nil {
			return err
		}
	}
	r.Data = map[string]any{}
	if p, err := importers.DecodeObject([]byte(text(o["Payload"]))); err == nil {
		r.Data = eventDataOf(p["EventData"], p["UserData"])
	}
	return nil
}

// flatEnvelope lists the fields of flattened exports that describe the record rather than
// the event; everything else is event data.
var flatEnvelope = map[string]bool{
	"EventID": true, "Channel": true, "channel": true, "SourceName": true, "ProviderName": true, "ProviderGuid": true,
	"Hostname": true, "Computer": true, "Level": true, "Keywords": true, "Task": true, "Opcode": true, "OpcodeValue": true,
	"Version": true, "RecordNumber": true, "EventRecordID": true, "ExecutionProcessID": true, "ThreadID": true, "Message": true,
	"TimeCreated": true, "EventTime": true, "EventReceivedTime": true, "SourceModuleName": true, "SourceModuleType": true,
	"Severity": true, "SeverityValue": true, "UserID": true, "@timestamp": true, "@version": true, "host": true, "port": true,
	"tags": true, "ActivityID": true, "RelatedActivityID": true, "ERROR_EVT_UNRESOLVED": true,
}

// nxlogEnvelope adds NXLog's own fields; their names clash with event data of other exports
// (7045's AccountName), so they count as envelope only in NXLog records. NXLog's EventType
// (INFO, AUDIT_SUCCESS, ...) is handled apart: Sysmon has an EventType of its own, and Mordor's
// NXLog exports keep Sysmon's there and move NXLog's to "EventTypeOrignal" (sic).
var nxlogEnvelope = map[string]bool{"Category": true, "AccountName": true, "Domain": true, "AccountType": true, "EventTypeOrignal": true}

// nxlogEventTypes are the values of NXLog's own EventType field.
var nxlogEventTypes = map[string]bool{"INFO": true, "WARNING": true, "ERROR": true, "CRITICAL": true, "VERBOSE": true, "AUDIT_SUCCESS": true, "AUDIT_FAILURE": true}

// nxlogLevels maps NXLog's SeverityValue (2 INFO .. 5 CRITICAL) to Windows levels.
var nxlogLevels = map[int64]int{2: 4, 3: 3, 4: 2, 5: 1}

func fromFlat(o map[string]any, r *windows.Record) error {
	var err error
	if r.EventID, err = eventID("EventID", o["EventID"]); err != nil {
		return err
	}
	nxlog := has(o, "SourceModuleType") || has(o, "EventReceivedTime")
	first := func(keys ...string) string {
		for _, k := range keys {
			if s := text(o[k]); s != "" {
				return s
			}
		}
		return ""
	}
	r.Channel = first("Channel", "channel")
	r.Provider = first("SourceName", "ProviderName")
	r.ProviderGUID = text(o["ProviderGuid"])
	r.Computer = first("Hostname", "Computer")
	r.Level = int(optInt(o["Level"]))
	r.Keywords = text(o["Keywords"])
	nxlogType := ""
	if nxlog {
		for _, k := range []string{"EventType", "EventTypeOrignal"} {
			if et := text(o[k]); nxlogEventTypes[et] {
				nxlogType = et
			}
		}
	}
	if strings.HasPrefix(nxlogType, "AUDIT_") {
		r.Keywords = nxlogType // the same audit result, spelled out
	}
	r.Task = text(o["Task"])
	r.Opcode = text(o["Opcode"])
	r.Version = text(o["Version"])
	r.EventRecordID = optInt(first("EventRecordID", "RecordNumber"))
	r.ProcessID = optInt(o["ExecutionProcessID"])
	r.ThreadID = optInt(o["ThreadID"])
	r.UserID = text(o["UserID"])
	r.Message = text(o["Message"])
	switch {
	case text(o["TimeCreated"]) != "":
		r.TimeCreated, err = parseTime("TimeCreated", text(o["TimeCreated"]))
	case text(o["EventTime"]) != "":
		r.TimeCreated, err = nxlogTime(o)
	case text(o["@timestamp"]) != "":
		r.TimeCreated, err = parseTime("@timestamp", text(o["@timestamp"]))
	}
	if err != nil {
		return err
	}
	// NXLog's severity follows the Windows level, except for audit events, which it rates
	// by their result (an audit failure is an ERROR): those rate nothing here.
	if nxlog && r.Level == 0 && !strings.HasPrefix(nxlogType, "AUDIT_") {
		r.Level = nxlogLevels[optInt(o["SeverityValue"])]
	}
	r.Data = make(map[string]any, len(o))
	for k, v := range o {
		if flatEnvelope[k] || nxlog && nxlogEnvelope[k] || k == "EventType" && nxlogType != "" && text(v) == nxlogType {
			continue
		}
		r.Data[k] = v
	}
	return nil
}

// nxlogTime reads NXLog's EventTime. It is the agent's local time without a zone; when the
// record also has the shipper's UTC @timestamp and NXLog's local EventReceivedTime, their
// difference (rounded to 15 minutes) is the agent's UTC offset. Otherwise the time is taken as
// UTC.
func nxlogTime(o map[string]any) (time.Time, error) {
	s := text(o["EventTime"])
	t, err := parseTime("EventTime", s)
	if err != nil || hasZone(s) {
		return t, err
	}
	recv, err1 := event.ParseTime(text(o["EventReceivedTime"]))
	stamp, err2 := event.ParseTime(text(o["@timestamp"]))
	if err1 != nil || err2 != nil || hasZone(text(o["EventReceivedTime"])) || !hasZone(text(o["@timestamp"])) {
		return t, nil
	}
	off := stamp.Sub(recv).Round(15 * time.Minute)
	if off < -14*time.Hour || off > 14*time.Hour {
		return t, nil
	}
	return t.Add(off), nil
}

// zoneSuffix matches a time text that ends in a zone: Z, +hh:mm, -hhmm.
var zoneSuffix = regexp.MustCompile(`(?i)(?:\d[zZ]|\d[+-]\d\d:?\d\d)$`)

// hasZone reports whether a time text ends in a zone.
func hasZone(s string) bool { return zoneSuffix.MatchString(strings.TrimSpace(s)) }
