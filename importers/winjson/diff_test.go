package winjson

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"trawl/event"
	"trawl/generate"
	"trawl/importers"
	"trawl/importers/importertest"
	"trawl/importers/windows"
	"trawl/internal/testutil"
)

// The tests of this file hold the scanner path (Format.ParseLine) to the map decoder path it
// replaced (oldParseLine, below, the code as it was, renamed with an "old" prefix): the same
// events, column for column, and the same rejects, line for line, over the package's testdata,
// the hostile lines, crafted lines, generated logs, every sample the format sniffs, and fuzzed
// input. The one intended difference: the new events carry their fields only as FieldsJSON
// (the line), where the old ones also had the decoded map in Fields; the map decoded from
// FieldsJSON must equal the old Fields.

// oldParseLine is ParseLine as it was.
func oldParseLine(l importers.Line, sink importers.Sink) error {
	if l.Offset == 0 {
		l.Text = bytes.TrimPrefix(l.Text, utf8BOM) // Windows tools often write one
	}
	text := bytes.TrimSpace(l.Text)
	if len(text) == 0 {
		return nil
	}
	ev, err := oldParse(l, text)
	if err != nil {
		return sink.Reject(importers.RejectOf(l, err))
	}
	return sink.Event(importers.Record{Line: l.Num, Offset: l.Offset}, ev)
}

func oldParse(l importers.Line, text []byte) (*event.Event, error) {
	if !utf8.Valid(text) {
		return nil, errors.New("line is not valid UTF-8")
	}
	obj, err := importers.DecodeObject(text)
	if err != nil {
		return nil, err
	}
	var rec windows.Record
	if err := oldToRecord(obj, &rec); err != nil {
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

func oldShapeOf(o map[string]any) shape {
	if sys, ok := o["System"].(map[string]any); ok && oldHas(sys, "EventID") {
		return shapePyEvtx
	}
	if ev, ok := o["Event"].(map[string]any); ok {
		if sys, ok := ev["System"].(map[string]any); ok && oldHas(sys, "EventID") {
			return shapeEvtxDump
		}
	}
	if wl, ok := o["winlog"].(map[string]any); ok && (oldHas(wl, "event_id") || oldHas(wl, "channel")) {
		return shapeWinlogbeat
	}
	if oldHas(o, "event_id") && (oldHas(o, "log_name") || oldHas(o, "source_name")) {
		return shapeLegacyBeat
	}
	if _, ok := o["Payload"].(string); ok && oldHas(o, "EventId") && oldHas(o, "Channel") {
		return shapeEvtxECmd
	}
	if oldHas(o, "EventID") && (oldHas(o, "Channel") || oldHas(o, "channel") || oldHas(o, "SourceName") || oldHas(o, "ProviderName")) {
		return shapeFlat
	}
	if m, ok := o["SyslogMessage"].(string); ok && isEventXML(m) {
		return shapeSyslogXML
	}
	return shapeNone
}

func oldHas(m map[string]any, k string) bool { _, ok := m[k]; return ok }

// fieldError names the source field whose value is wrong.
func oldFieldError(field string, format string, args ...any) error {
	return &importers.FieldError{Field: field, Err: fmt.Errorf(format, args...)}
}

func oldToRecord(o map[string]any, r *windows.Record) error {
	switch oldShapeOf(o) {
	case shapePyEvtx:
		r.Message = oldText(o["Message"]) // Velociraptor renders it
		return oldFromSystem(o["System"].(map[string]any), o["EventData"], o["UserData"], "System.", r)
	case shapeEvtxDump:
		ev := o["Event"].(map[string]any)
		return oldFromSystem(ev["System"].(map[string]any), ev["EventData"], ev["UserData"], "Event.System.", r)
	case shapeWinlogbeat:
		return oldFromWinlogbeat(o, r)
	case shapeLegacyBeat:
		return oldFromLegacyBeat(o, r)
	case shapeFlat:
		return oldFromFlat(o, r)
	case shapeSyslogXML:
		return fromSyslogXML(o, r)
	case shapeEvtxECmd:
		return oldFromEvtxECmd(o, r)
	}
	return errors.New("not a Windows event: no EventID (or winlog.event_id) field")
}

// text renders a value, reading evtx_dump's {"#text": ...} wrappers.
func oldText(v any) string {
	if m, ok := v.(map[string]any); ok {
		if t, ok := m["#text"]; ok {
			return oldText(t)
		}
		if t, ok := m["Value"]; ok { // Velociraptor's {"EventID": {"Value": 4624}}
			return oldText(t)
		}
		return ""
	}
	return strings.TrimSpace(importers.Text(v))
}

// attr reads an XML attribute as evtx_dump writes it, {"#attributes": {name: value}}, or as
// Velociraptor does, {name: value}.
func oldAttr(v any, name string) string {
	m, ok := v.(map[string]any)
	if !ok {
		return ""
	}
	if a, ok := m["#attributes"].(map[string]any); ok {
		return oldText(a[name])
	}
	return oldText(m[name])
}

func oldEventID(field string, v any) (int, error) {
	s := oldText(v)
	if s == "" {
		return 0, oldFieldError(field, "empty event id")
	}
	n, err := event.ParseInt(s)
	if err != nil || n < 0 || n > 0xFFFFFFFF {
		return 0, oldFieldError(field, "not an event id: %q", importers.Truncate(s, 64))
	}
	return int(n), nil
}

func oldOptInt(v any) int64 {
	n, err := event.ParseInt(oldText(v))
	if err != nil {
		return 0
	}
	return n
}

func oldParseTime(field, s string) (time.Time, error) {
	t, err := event.ParseTime(s)
	if err != nil {
		return time.Time{}, oldFieldError(field, "%v", err)
	}
	return t, nil
}

// fromSystem reads the nested python-evtx and evtx_dump shapes.
func oldFromSystem(sys map[string]any, eventData, userData any, prefix string, r *windows.Record) error {
	var err error
	if r.EventID, err = oldEventID(prefix+"EventID", sys["EventID"]); err != nil {
		return err
	}
	r.Qualifiers = oldAttr(sys["EventID"], "Qualifiers")
	if q := oldText(sys["EventIDQualifiers"]); q != "" {
		r.Qualifiers = q
	}
	r.Provider = oldText(sys["Provider"])
	if n := oldAttr(sys["Provider"], "Name"); n != "" {
		r.Provider = n
	}
	r.ProviderGUID = oldText(sys["ProviderGuid"])
	if g := oldAttr(sys["Provider"], "Guid"); g != "" {
		r.ProviderGUID = g
	}
	r.Version = oldText(sys["Version"])
	r.Level = int(oldOptInt(sys["Level"]))
	r.Task = oldText(sys["Task"])
	r.Opcode = oldText(sys["Opcode"])
	r.Keywords = oldText(sys["Keywords"])
	r.EventRecordID = oldOptInt(sys["EventRecordID"])
	r.Channel = oldText(sys["Channel"])
	r.Computer = oldText(sys["Computer"])
	r.ProcessID = oldOptInt(sys["ProcessID"])
	r.ThreadID = oldOptInt(sys["ThreadID"])
	if ex := sys["Execution"]; ex != nil {
		r.ProcessID = oldOptInt(oldAttr(ex, "ProcessID"))
		r.ThreadID = oldOptInt(oldAttr(ex, "ThreadID"))
	}
	r.UserID = oldText(sys["UserID"])
	if u := oldAttr(sys["Security"], "UserID"); u != "" {
		r.UserID = u
	}
	tc := oldText(sys["TimeCreated"])
	if st := oldAttr(sys["TimeCreated"], "SystemTime"); st != "" {
		tc = st
	}
	if tc != "" {
		if r.TimeCreated, err = oldParseTime(prefix+"TimeCreated", tc); err != nil {
			return err
		}
	}
	r.Data = oldEventDataOf(eventData, userData)
	return nil
}

// eventDataOf merges EventData and UserData into the record's named values. Unnamed EventData
// values (a "Data" list) become Data, Data_2, ...; UserData's single wrapper element
// (<LogFileCleared>...) is unwrapped.
func oldEventDataOf(eventData, userData any) map[string]any {
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
				if m, ok := v.(map[string]any); ok && oldHas(m, "@Name") {
					v = []any{m} // EvtxECmd: a single named value is not a list
				}
				if list, ok := v.([]any); ok {
					unnamed := 0
					for _, x := range list {
						if m, ok := x.(map[string]any); ok && oldHas(m, "@Name") {
							out[oldText(m["@Name"])] = m["#text"] // EvtxECmd: {"@Name": n, "#text": v}
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

func oldFromWinlogbeat(o map[string]any, r *windows.Record) error {
	wl := o["winlog"].(map[string]any)
	get := func(k string) any { v, _ := importers.Get(wl, k); return v }
	idv := get("event_id")
	field := "winlog.event_id"
	if idv == nil {
		idv, _ = importers.Get(o, "event.code")
		field = "event.code"
	}
	var err error
	if r.EventID, err = oldEventID(field, idv); err != nil {
		return err
	}
	r.Channel = oldText(get("channel"))
	r.Provider = oldText(get("provider_name"))
	if r.Provider == "" {
		r.Provider, _ = importers.GetText(o, "event.provider")
	}
	r.ProviderGUID = oldText(get("provider_guid"))
	r.Computer = oldText(get("computer_name"))
	if r.Computer == "" {
		if h, ok := importers.GetText(o, "host.name"); ok {
			r.Computer = h
		} else {
			r.Computer, _ = importers.GetText(o, "host.hostname")
		}
	}
	r.EventRecordID = oldOptInt(get("record_id"))
	r.ProcessID = oldOptInt(get("process.pid"))
	r.ThreadID = oldOptInt(get("process.thread.id"))
	r.UserID = oldText(get("user.identifier"))
	r.Version = oldText(get("version"))
	r.Task = oldText(get("task"))
	r.Opcode = oldText(get("opcode"))
	r.Keywords = oldKeywordsText(get("keywords"))
	if lv, ok := importers.GetText(o, "log.level"); ok {
		r.Level = levelNames[strings.ToLower(lv)]
	}
	r.Message, _ = importers.GetText(o, "message")
	for _, f := range []string{"winlog.time_created", "@timestamp", "event.created"} {
		if s, ok := importers.GetText(o, f); ok && s != "" {
			if r.TimeCreated, err = oldParseTime(f, s); err != nil {
				return err
			}
			break
		}
	}
	r.Data = oldEventDataOf(get("event_data"), map[string]any{"user_data": get("user_data")})
	return nil
}

// keywordsText joins winlogbeat's keyword names ("Audit Success").
func oldKeywordsText(v any) string {
	if list, ok := v.([]any); ok {
		parts := make([]string, 0, len(list))
		for _, x := range list {
			parts = append(parts, oldText(x))
		}
		return strings.Join(parts, ",")
	}
	return oldText(v)
}

func oldFromLegacyBeat(o map[string]any, r *windows.Record) error {
	var err error
	if r.EventID, err = oldEventID("event_id", o["event_id"]); err != nil {
		return err
	}
	r.Channel = oldText(o["log_name"])
	r.Provider = oldText(o["source_name"])
	r.Computer = oldText(o["computer_name"])
	r.EventRecordID = oldOptInt(o["record_number"])
	r.ProcessID = oldOptInt(o["process_id"])
	r.ThreadID = oldOptInt(o["thread_id"])
	r.Task = oldText(o["task"])
	r.Opcode = oldText(o["opcode"])
	r.Keywords = oldKeywordsText(o["keywords"])
	r.Level = levelNames[strings.ToLower(oldText(o["level"]))]
	r.Message = oldText(o["message"])
	if u, ok := o["user"].(map[string]any); ok {
		r.UserID = oldText(u["identifier"])
	}
	if s := oldText(o["@timestamp"]); s != "" {
		if r.TimeCreated, err = oldParseTime("@timestamp", s); err != nil {
			return err
		}
	}
	r.Data = oldEventDataOf(o["event_data"], map[string]any{"user_data": o["user_data"]})
	return nil
}

// fromEvtxECmd reads Eric Zimmerman's EvtxECmd JSON: the System fields side by side, the
// EventData (or UserData) as a JSON document in Payload. A Payload that does not parse leaves
// the data empty; it is still in Fields.
func oldFromEvtxECmd(o map[string]any, r *windows.Record) error {
	var err error
	if r.EventID, err = oldEventID("EventId", o["EventId"]); err != nil {
		return err
	}
	r.Channel = oldText(o["Channel"])
	r.Provider = oldText(o["Provider"])
	r.Computer = oldText(o["Computer"])
	r.EventRecordID = oldOptInt(o["EventRecordId"])
	r.ProcessID = oldOptInt(o["ProcessId"])
	r.ThreadID = oldOptInt(o["ThreadId"])
	r.Level = levelNames[strings.ToLower(oldText(o["Level"]))]
	r.Keywords = oldText(o["Keywords"])
	if s := oldText(o["TimeCreated"]); s != "" {
		if r.TimeCreated, err = oldParseTime("TimeCreated", s); err != nil {
			return err
		}
	}
	r.Data = map[string]any{}
	if p, err := importers.DecodeObject([]byte(oldText(o["Payload"]))); err == nil {
		r.Data = oldEventDataOf(p["EventData"], p["UserData"])
	}
	return nil
}

func oldFromFlat(o map[string]any, r *windows.Record) error {
	var err error
	if r.EventID, err = oldEventID("EventID", o["EventID"]); err != nil {
		return err
	}
	nxlog := oldHas(o, "SourceModuleType") || oldHas(o, "EventReceivedTime")
	first := func(keys ...string) string {
		for _, k := range keys {
			if s := oldText(o[k]); s != "" {
				return s
			}
		}
		return ""
	}
	r.Channel = first("Channel", "channel")
	r.Provider = first("SourceName", "ProviderName")
	r.ProviderGUID = oldText(o["ProviderGuid"])
	r.Computer = first("Hostname", "Computer")
	r.Level = int(oldOptInt(o["Level"]))
	r.Keywords = oldText(o["Keywords"])
	nxlogType := ""
	if nxlog {
		for _, k := range []string{"EventType", "EventTypeOrignal"} {
			if et := oldText(o[k]); nxlogEventTypes[et] {
				nxlogType = et
			}
		}
	}
	if strings.HasPrefix(nxlogType, "AUDIT_") {
		r.Keywords = nxlogType // the same audit result, spelled out
	}
	r.Task = oldText(o["Task"])
	r.Opcode = oldText(o["Opcode"])
	r.Version = oldText(o["Version"])
	r.EventRecordID = oldOptInt(first("EventRecordID", "RecordNumber"))
	r.ProcessID = oldOptInt(o["ExecutionProcessID"])
	r.ThreadID = oldOptInt(o["ThreadID"])
	r.UserID = oldText(o["UserID"])
	r.Message = oldText(o["Message"])
	switch {
	case oldText(o["TimeCreated"]) != "":
		r.TimeCreated, err = oldParseTime("TimeCreated", oldText(o["TimeCreated"]))
	case oldText(o["EventTime"]) != "":
		r.TimeCreated, err = oldNxlogTime(o)
	case oldText(o["@timestamp"]) != "":
		r.TimeCreated, err = oldParseTime("@timestamp", oldText(o["@timestamp"]))
	}
	if err != nil {
		return err
	}
	// NXLog's severity follows the Windows level, except for audit events, which it rates
	// by their result (an audit failure is an ERROR): those rate nothing here.
	if nxlog && r.Level == 0 && !strings.HasPrefix(nxlogType, "AUDIT_") {
		r.Level = nxlogLevels[oldOptInt(o["SeverityValue"])]
	}
	r.Data = make(map[string]any, len(o))
	for k, v := range o {
		if flatEnvelope[k] || nxlog && nxlogEnvelope[k] || k == "EventType" && nxlogType != "" && oldText(v) == nxlogType {
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
func oldNxlogTime(o map[string]any) (time.Time, error) {
	s := oldText(o["EventTime"])
	t, err := oldParseTime("EventTime", s)
	if err != nil || oldHasZone(s) {
		return t, err
	}
	recv, err1 := event.ParseTime(oldText(o["EventReceivedTime"]))
	stamp, err2 := event.ParseTime(oldText(o["@timestamp"]))
	if err1 != nil || err2 != nil || oldHasZone(oldText(o["EventReceivedTime"])) || !oldHasZone(oldText(o["@timestamp"])) {
		return t, nil
	}
	off := stamp.Sub(recv).Round(15 * time.Minute)
	if off < -14*time.Hour || off > 14*time.Hour {
		return t, nil
	}
	return t.Add(off), nil
}

// hasZone reports whether a time text ends in a zone.
func oldHasZone(s string) bool { return zoneSuffix.MatchString(strings.TrimSpace(s)) }

// compareLines reads every line of data with both paths and fails at the first line whose
// outcome differs; it returns the number of lines compared.
func compareLines(t testing.TB, name string, data []byte) int {
	t.Helper()
	n := 0
	err := importers.ReadLines(context.Background(), bytes.NewReader(data), importers.Discard, func(l importers.Line) error {
		n++
		var got, want importertest.Result
		if err := (Format{}).ParseLine(l, importertest.Collect(&got)); err != nil {
			t.Fatalf("%s line %d: new path returned %v", name, l.Num, err)
		}
		if err := oldParseLine(l, importertest.Collect(&want)); err != nil {
			t.Fatalf("%s line %d: old path returned %v", name, l.Num, err)
		}
		diff := importertest.OutcomeDiff(&got, &want, strings.TrimSpace)
		// Both paths pick at random where a record has two data names differing in case only
		// (windows' case-blind lookup walks a map), so the old path is asked again.
		for try := 0; diff != "" && try < 100; try++ {
			want = importertest.Result{}
			oldParseLine(l, importertest.Collect(&want))
			diff = importertest.OutcomeDiff(&got, &want, strings.TrimSpace)
		}
		if diff != "" {
			t.Fatalf("%s line %d: %s\nline: %q", name, l.Num, diff, importers.Truncate(l.Text, 2000))
		}
		if diff := recordDiff(l); diff != "" {
			t.Fatalf("%s line %d: %s\nline: %q", name, l.Num, diff, importers.Truncate(l.Text, 2000))
		}
		return nil
	})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return n
}

// scanned counts the lines the scanner path took in compareLines, for the tests' logs.
var scanned atomic.Int64

// recordDiff compares the windows.Record the scanner path makes of a line it takes with the
// old path's, Data included (the columns show only the data fields some mapping reads).
func recordDiff(l importers.Line) string {
	if l.Offset == 0 {
		l.Text = bytes.TrimPrefix(l.Text, utf8BOM)
	}
	text := strings.TrimSpace(string(l.Text))
	if text == "" || !utf8.ValidString(text) {
		return ""
	}
	var got, want windows.Record
	var w worker
	errNew := w.fromScan(text, &got)
	if errNew == errSlow {
		return ""
	}
	scanned.Add(1)
	obj, err := importers.DecodeObject([]byte(text))
	if err != nil {
		return fmt.Sprintf("the scanner path took a line the decoder refuses: %v", err)
	}
	errOld := oldToRecord(obj, &want)
	if fmt.Sprint(errNew) != fmt.Sprint(errOld) {
		return fmt.Sprintf("record error: new %v, old %v", errNew, errOld)
	}
	if errNew == nil && !reflect.DeepEqual(got, want) {
		return fmt.Sprintf("record\nnew %+v\nold %+v", got, want)
	}
	return ""
}

// diffCases are lines that tell the paths apart if anything does: flattened records (the
// scanner path) with duplicate keys, objects and arrays where System fields go, nulls, escapes,
// NXLog's fields, and the other shapes, which the scanner path hands to the map path.
var diffCases = []string{
	`{"EventID":4624,"Channel":"Security","Hostname":"DC","TargetUserName":"bob","IpAddress":"10.0.0.1","LogonType":3}`,
	`{"EventID":4624,"EventID":4625,"Channel":"Security","TargetUserName":"a","TargetUserName":"b","Status":"0xc000006d"}`,
	`{"EventID":{"#text":"4624"},"Channel":"Security"}`,
	`{"EventID":4624,"Channel":{"Value":"Security"},"Hostname":"h"}`,
	`{"EventID":4624,"Channel":"Security","Hostname":{"name":"h"},"host":{"name":"x"},"tags":["a","b"],"port":1}`,
	`{"EventID":[4624],"Channel":"Security"}`,
	`{"EventID":4624,"Channel":["Security"],"Level":[4],"Keywords":["Audit Success"]}`,
	`{"EventID":null,"Channel":"Security"}`,
	`{"EventID":"","Channel":"Security"}`,
	`{"EventID":" 4624 ","Channel":" Security ","Hostname":" DC ","TimeCreated":" 2024-01-02T03:04:05Z "}`,
	`{"EventID":4624,"Channel":null,"SourceName":"Microsoft-Windows-Security-Auditing","TargetUserName":null,"IpAddress":null}`,
	`{"EventID":4624,"channel":"security","ProviderName":"x"}`,
	`{"EventID":1,"ProviderName":"Microsoft-Windows-Sysmon","Image":"C:\\a.exe","Hashes":"SHA1=AB,MD5=CD,SHA256=EF01"}`,
	`{"EventID":1,"Channel":"Microsoft-Windows-Sysmon/Operational","image":"C:\\a.exe","IMAGE":"C:\\b.exe"}`,
	`{"Event\u0049D":4688,"Chann\u0065l":"Security","NewProcessName":"C:\\Windows\\cmd.exe","CommandLine":"cmd \/c \"x\" \u00e9 \ud83d\ude00 \ud800"}`,
	`{"EventID":4688,"Channel":"Security","NewProcessName":"C:\\x.exe","ProcessId":"0x10","SubjectLogonId":"0x3e7","Data":{"a":[1,{"b":null}]},"Numbers":[1.5,-0,1e400]}`,
	`{"EventID":4624,"Channel":"Security","TimeCreated":"not a time"}`,
	`{"EventID":4624,"Channel":"Security","TimeCreated":"","EventTime":"2024-01-02 03:04:05","EventReceivedTime":"2024-01-02 03:04:06","@timestamp":"2024-01-02T01:04:06Z","SourceModuleType":"im_msvistalog"}`,
	`{"EventID":4625,"Channel":"Security","EventTime":"2024-01-02 03:04:05","EventReceivedTime":"2024-01-02 03:04:06","@timestamp":"2024-01-02T01:04:06.000Z","SourceModuleType":"im_msvistalog","EventType":"AUDIT_FAILURE","SeverityValue":4,"Category":"Logon","AccountName":"SYSTEM","Domain":"NT AUTHORITY","AccountType":"User","TargetUserName":"x"}`,
	`{"EventID":1,"Channel":"Microsoft-Windows-Sysmon/Operational","EventTime":"2024-01-02 03:04:05","EventReceivedTime":"x","EventType":"INFO","EventTypeOrignal":"INFO","SeverityValue":2,"Image":"C:\\a.exe"}`,
	`{"EventID":1,"Channel":"Microsoft-Windows-Sysmon/Operational","EventReceivedTime":"2024","EventType":"INFO","EventType":"-"}`,
	`{"EventID":1,"Channel":"Microsoft-Windows-Sysmon/Operational","EventReceivedTime":"2024","EventType":"-","EventType":"INFO"}`,
	`{"EventID":1,"Channel":"Microsoft-Windows-Sysmon/Operational","EventType":"INFO","AccountName":"bob"}`,
	`{"EventID":7045,"Channel":"System","SourceModuleType":null,"AccountName":"LocalSystem","ImagePath":"\"C:\\x y\\s.exe\" -k","ServiceName":"s"}`,
	`{"EventID":4104,"Channel":"Microsoft-Windows-PowerShell/Operational","ScriptBlockText":"IEX (New-Object Net.WebClient)","Path":null}`,
	`{"EventID":400,"Channel":"Windows PowerShell","Data":["a","HostApplication=powershell.exe -enc AA UserId=bob"],"Message":"x"}`,
	`{"EventID":400,"Channel":"Windows PowerShell","p":"HostApplication=powershell.exe -enc AA\n\tUserId=bob\n\tScriptName=C:\\s.ps1"}`,
	`{"EventID":4294967296,"Channel":"Security"}`,
	`{"EventID":-1,"Channel":"Security"}`,
	`{"EventID":4624,"Channel":"Security","Level":"4","Task":12544,"Opcode":0,"Version":2,"RecordNumber":"12","EventRecordID":null,"ExecutionProcessID":"x","ThreadID":1.5,"UserID":"S-1-5-18","Message":"  m  "}`,
	`{"EventID":4624,"Channel":"Security","IpAddress":"999.1.1.1","TargetUserName":"a"}`,
	`{"EventID":3,"Channel":"Microsoft-Windows-Sysmon/Operational","SourcePort":"http"}`,
	`{"EventID":4624,"Channel":"Security","":"empty key","\u0000":"nul","k\"q":"v"}`,
	"{\"EventID\":4624,\"Channel\":\"Security\",\"TargetUserName\":\"bob\\u0000\",\"Message\":\"\\u2028\\u001b[31m\"}",
	// python-evtx's nested shape
	`{"record_id":1,"System":{"Provider":"Microsoft-Windows-Security-Auditing","EventID":4624,"Version":"2","Level":"0","Task":"12544","Opcode":"0","Keywords":"0x8020000000000000","TimeCreated":"2021-04-21 13:30:00.569677","EventRecordID":"352963","Correlation":{"ActivityID":"","RelatedActivityID":""},"ProcessID":"4","ThreadID":"3572","Channel":"Security","Computer":"dc.example"},"EventData":{"TargetUserName":"bob","TargetDomainName":"CORP","IpAddress":"10.0.0.5","IpPort":"4444","LogonType":"3"}}`,
	`{"System":{"EventID":4624,"EventIDQualifiers":"16384","Channel":"Security","Execution":"x","ProcessID":"4","ThreadID":"5"},"EventData":{"xmlns":"http://x","#attributes":{"a":1},"TargetUserName":"bob","TargetUserName":"eve"}}`,
	`{"System":{"EventID":4624,"Channel":"Security","Execution":null,"ProcessID":"4","ThreadID":"5","Security":"S-1","UserID":"S-1-5-18"},"EventData":null,"UserData":"text"}`,
	`{"System":{"EventID":4624,"Channel":"Security","Execution":{"#attributes":{"ProcessID":"8","ThreadID":"9"}}}}`,
	`{"System":{"EventID":4624,"Channel":"Security","Security":{"#attributes":{"UserID":"S-1-5-18"}}},"EventData":{"TargetUserName":"bob"}}`,
	`{"System":{"EventID":{"#text":"4624","#attributes":{"Qualifiers":""}},"Provider":{"#attributes":{"Name":"P","Guid":"G"}},"Channel":"Security","TimeCreated":{"#attributes":{"SystemTime":"2024-01-02T03:04:05Z"}}}}`,
	`{"System":{"EventID":{"Value":4624},"Channel":"Security"}}`,
	`{"System":{"EventID":1102,"Channel":"Security"},"UserData":{"LogFileCleared":{"xmlns":"x","SubjectUserName":"admin","SubjectDomainName":"CORP"}}}`,
	`{"System":{"EventID":7045,"Channel":"System"},"EventData":{"Data":["a","b"],"Binary":null}}`,
	`{"System":{"EventID":7045,"Channel":"System"},"EventData":{"Data":{"#text":["a","b"]}}}`,
	`{"System":{"EventID":4688,"Channel":"Security","EventID":4624},"EventData":{"NewProcessName":"C:\\x.exe","CommandLine":{"a":[1,{"b":2}]},"N":1.5e3,"T":true,"F":false,"Z":null,"L":[1,"2"]}}`,
	`{"System":{"EventID":4624,"Channel":"Security"},"System":{"Channel":"Security"},"EventID":1,"Channel":"x"}`,
	`{"System":{"Channel":"Security"},"System":{"EventID":4624,"Channel":"Security"},"Message":"rendered  "}`,
	`{"System":{"EventID":4624,"Channel":"Security"},"Message":{"x":1}}`,
	`{"System":{"EventID":4624,"Channel":"Security"},"Message":["a"],"EventData":"text"}`,
	`{"System":"x","Event":{"System":{"EventID":4624,"Channel":"Security"}}}`,
	`{"System":{"EventID":4624,"Channel":"Security","TimeCreated":"yesterday"}}`,
	`{"System":{"EventID":"x","Channel":"Security"}}`,
	`{"System":{"EventID":4624,"Channel":"Security","Level":"4","Keywords":"0x8010000000000000","Computer":" H "},"EventData":{"Status":"0xc000006d","TargetUserName":"a","IpAddress":"999.1.1.1"}}`,
	`{"System":{"EventID":4624,"Channel":"Security"},"EventData":{"a":{"b":{"c":{"d":1}}}},"winlog":{"event_id":1},"EventID":2,"Channel":"x"}`,
	`{"Event":{"System":{"EventID":4624,"Channel":"Security"}},"System":{"EventID":1,"Channel":"System"}}`,
	// winlogbeat's shape
	`{"@timestamp":"2023-03-14T09:12:44.318Z","event":{"code":"4624","created":"2023-03-14T09:12:45.902Z","provider":"Microsoft-Windows-Security-Auditing"},"host":{"name":"dc01"},"log":{"level":"information"},"message":"An account was successfully logged on.","winlog":{"channel":"Security","computer_name":"DC01","event_data":{"IpAddress":"10.0.0.1","IpPort":"51234","LogonType":"3","TargetUserName":"alice","TargetDomainName":"CORP"},"event_id":"4624","keywords":["Audit Success"],"opcode":"Info","process":{"pid":688,"thread":{"id":2412}},"provider_guid":"{5484}","provider_name":"Microsoft-Windows-Security-Auditing","record_id":"1048576","task":"Logon","version":2,"user":{"identifier":"S-1-5-18"}}}`,
	`{"winlog":{"channel":"Security","event_data":{"TargetUserName":"a"}},"event":{"code":"4625","provider":"P"},"host":{"hostname":"h2"},"log":{"level":"Warning"},"@timestamp":"2023-03-14T09:12:44Z"}`,
	`{"winlog":{"event_id":null,"channel":"Security"},"event":{"code":4625}}`,
	`{"winlog":{"event_id":null,"channel":"Security"}}`,
	`{"winlog":{"event_id":{"#text":"4624"},"channel":{"Value":"Security"},"keywords":[{"#text":"Audit Failure"},"x"],"computer_name":"","process":{"pid":"1","thread":"7"}},"host":{"name":null,"hostname":"hh"}}`,
	`{"winlog":{"event_id":4624,"process":{"pid":1,"thread":{"id":2}},"process":{"pid":3}},"host":"h","event":["x"],"log":{"level":null}}`,
	`{"winlog":{"event_id":4624,"user":{"identifier":"S-1"},"user":"x"},"winlog":{"event_id":4625,"channel":"Security"}}`,
	`{"winlog":{"event_id":4624,"channel":"Security"},"winlog":{"channel":"Security","process":{"pid":9}}}`,
	`{"winlog":{"event_id":4624,"channel":"Security","time_created":"2023-03-14T09:12:44Z","event_data":{"xmlns":"x","#attributes":{"a":1},"Status":"0x0","Status":"0xc000006d","N":1,"B":true,"Z":null,"L":["a"],"O":{"b":{"c":1}}}},"@timestamp":"bad"}`,
	`{"winlog":{"event_id":4624,"channel":"Security","time_created":""},"@timestamp":"","event":{"created":"2023-03-14T09:12:44Z"}}`,
	`{"winlog":{"event_id":4624,"channel":"Security","time_created":"yesterday"}}`,
	`{"winlog":{"event_id":"x","channel":"Security"}}`,
	`{"winlog":{"event_id":4624,"channel":"Security","event_data":{"Data":["a","b"]}}}`,
	`{"winlog":{"event_id":1102,"channel":"Security","user_data":{"LogFileCleared":{"SubjectUserName":"admin"}}}}`,
	`{"winlog":{"event_id":1102,"channel":"Security","user_data":"text","event_data":{"user_data":"e"}}}`,
	`{"winlog":{"event_id":1102,"channel":"Security","user_data":null}}`,
	`{"winlog":{"event_id":4624,"channel":"Security","event_data":"text"}}`,
	`{"winlog":{"event_id":4624,"channel":"Security","process.pid":5,"process":{"pid":6}}}`,
	`{"winlog":{"event_id":4624,"channel":"Security"},"event.code":"1","host.name":"x"}`,
	`{"winlog":{"event_id":4624,"channel":"Security"},"agent":{"a.b":1},"event":{"code":"1","a.b":2}}`,
	`{"winlog":{"event_id":4624,"channel":"Security","process":{"thread":{"id.x":1,"id":3}}}}`,
	`{"winlog":{"provider_name":"x"},"EventID":1,"Channel":"Security"}`,
	`{"winlog":"text","EventID":1,"Channel":"Security"}`,
	`{"winlog":{"event_id":4624},"Event":{"System":{"EventID":1}}}`,
	`{"winlog":{"event_id":4624},"Event":"x"}`,
	`{"winlog":{"event_id":4624,"channel":"Microsoft-Windows-Sysmon/Operational","event_data":{"Image":"C:\\a.exe","Hashes":"SHA256=AB"}},"event_id":1,"log_name":"x","Payload":"{}"}`,
	`{"winlog":{"event_id":4624,"deep":{"a":{"b":{"c":{"d":1}}}},"process":{"thread":{"id":{"x":1}}}}}`,
	// other shapes: the map path
	`{"System":{"EventID":4624,"Channel":"Security"},"EventData":{"TargetUserName":"bob"},"EventID":1,"Channel":"x"}`,
	`{"System":"text","EventID":4624,"Channel":"Security"}`,
	`{"Event":{"System":{"EventID":4624}},"EventID":1,"Channel":"x"}`,
	`{"Event":1,"EventID":4624,"Channel":"Security"}`,
	`{"winlog":{"event_id":4624,"channel":"Security","event_data":{"TargetUserName":"bob"}},"@timestamp":"2024-01-02T03:04:05Z"}`,
	`{"winlog":"x","EventID":4624,"Channel":"Security"}`,
	`{"event_id":4624,"log_name":"Security","EventID":1,"Channel":"x"}`,
	`{"event_id":4624,"EventID":1,"Channel":"Security"}`,
	`{"Payload":"{\"EventData\":{\"Data\":[{\"@Name\":\"TargetUserName\",\"#text\":\"bob\"}]}}","EventId":4624,"Channel":"Security"}`,
	`{"Payload":1,"EventID":4624,"Channel":"Security"}`,
	`{"SyslogMessage":"<Event><System><EventID>1</EventID><Channel>Linux-Sysmon/Operational</Channel></System></Event>","HostName":"h"}`,
	`{"SyslogMessage":"<Event><System><EventID>1</EventID></System></Event>","EventID":2,"Channel":"x"}`,
	`{"EventID":4624}`,
	`{"Channel":"Security"}`,
	`{}`,
	// rejects and white space
	`not json`, `[1]`, `{"EventID":1,"Channel":"x"`, `{"EventID":1,"Channel":"x"}}`, `{"EventID":01,"Channel":"x"}`,
	`{"EventID":1,"Channel":"\x"}`, "{\"EventID\":1,\"Channel\":\"a\tb\"}", "{\"EventID\":1,\"Channel\":\"\xff\"}",
	" \t{\"EventID\":1,\"Channel\":\"System\"}\u00a0", "\ufeff{\"EventID\":1,\"Channel\":\"System\"}", "\u2003",
	`{"EventID":1,"Channel":"System","Deep":` + strings.Repeat("[", 9999) + strings.Repeat("]", 9999) + `}`,
	`{"EventID":1,"Channel":"System","Deep":` + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + `}`,
	`{"EventID":1,"Channel":"System","Big":"` + strings.Repeat("A", 1<<20) + `"}`,
}

// wideRecord is a flattened record with n data fields.
func wideRecord(n int) string {
	var b strings.Builder
	b.WriteString(`{"EventID":4688,"Channel":"Security"`)
	for i := range n {
		fmt.Fprintf(&b, `,"F%d":"%d"`, i, i)
	}
	b.WriteString("}")
	return b.String()
}

func TestDiffCases(t *testing.T) {
	cases := append(diffCases, wideRecord(20000))
	for _, tc := range hostile {
		cases = append(cases, tc.in)
	}
	for _, c := range cases {
		compareLines(t, "case", []byte(c+"\n"))
	}
	compareLines(t, "cases", []byte(strings.Join(cases, "\n")))
}

func TestDiffTestdata(t *testing.T) {
	scanned.Store(0)
	files, _ := filepath.Glob("testdata/*.jsonl")
	if len(files) == 0 {
		t.Fatal("no testdata")
	}
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		compareLines(t, p, data)
	}
	// recordDiff passes over the lines the scanner path declines: a scanner that declined
	// every line would pass unseen.
	if scanned.Load() == 0 {
		t.Error("no testdata line went by the scanner path")
	}
	t.Logf("%d lines by the scanner path", scanned.Load())
}

// TestDiffGenerated compares the paths over the Windows logs trawl generate writes (the demo's).
func TestDiffGenerated(t *testing.T) {
	scanned.Store(0)
	var files = map[string]*bytes.Buffer{}
	open := func(name string) (io.WriteCloser, error) {
		b := &bytes.Buffer{}
		files[name] = b
		return nopCloser{b}, nil
	}
	if _, err := generate.Run(t.Context(), generate.Config{Events: 20000, Seed: 3}, open); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, name := range []string{generate.SecurityLog, generate.SysmonLog, generate.SystemLog} {
		b := files[name]
		if b == nil || b.Len() == 0 {
			t.Fatalf("no %s generated", name)
		}
		n += compareLines(t, name, b.Bytes())
	}
	t.Logf("%d lines compared, %d of them by the scanner path", n, scanned.Load())
	// The generator writes the flattened shape only, which the scanner path takes whole.
	if got := scanned.Load(); got != int64(n) {
		t.Errorf("%d of %d generated lines went by the scanner path, want all", got, n)
	}
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

// TestDiffSamples compares the paths over every sample file the format sniffs.
func TestDiffSamples(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	scanned.Store(0)
	dir := testutil.Samples(t)
	files, lines := 0, 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		o, err := importers.Open(p)
		if err != nil {
			return nil // not a file the importers open
		}
		defer o.Close()
		data, err := io.ReadAll(io.LimitReader(o.R, 64<<20))
		if err != nil {
			return nil
		}
		if (Format{}).Sniff(data[:min(len(data), importers.SniffSize)]) == 0 {
			return nil
		}
		files++
		lines += compareLines(t, p, data)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files == 0 {
		t.Fatal("no Windows JSON sample found")
	}
	t.Logf("%d files, %d lines compared, %d of them by the scanner path", files, lines, scanned.Load())
}

// FuzzParseLineDiff holds the scanner path to the map decoder path on any input.
func FuzzParseLineDiff(f *testing.F) {
	for _, c := range diffCases {
		if len(c) < 4096 {
			f.Add([]byte(c))
		}
	}
	for _, tc := range hostile {
		f.Add([]byte(tc.in))
	}
	files, _ := filepath.Glob("testdata/*.jsonl")
	for _, p := range files {
		importertest.SeedLines(f, p)
	}
	importertest.SeedSampleLines(f, 5,
		"mordor/windows/credential_access/psh_lsass_memory_dump_comsvcs_2020-10-18T19500924.json",
		"mordor/windows/lateral_movement/mimikatz_CVE-2020-1472_Unauthenticated_NetrServerAuthenticate2_2020-09-16233923.json",
		"evtx-jsonl/deepblue/mimikatz-privesc-hashdump.evtx.jsonl",
	)
	f.Fuzz(func(t *testing.T, data []byte) {
		compareLines(t, "fuzz", data)
	})
}
