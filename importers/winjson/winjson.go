// Package winjson reads Windows and Sysmon events exported as JSON lines, in the shapes the
// common tools write: python-evtx, evtx_dump and Velociraptor (nested System/EventData),
// EvtxECmd (EventData as a JSON string in Payload), winlogbeat (ECS winlog.*), flattened exports such as OTRF Mordor and NXLog (EventID, Channel, Hostname and the
// event data side by side), and syslog records carrying event XML (Sysmon for Linux through
// Azure Log Analytics). Each line becomes a windows.Record, normalized by windows.Normalize
// like binary EVTX records are.
//
// Times are taken as the export gives them. Mordor's TimeCreated is known to be the lab's local
// time (at times on a 12-hour clock) labelled UTC; it is kept, so that a file's Security and
// Sysmon events stay on one clock, and Sysmon's true UtcTime remains in the fields. NXLog's
// EventTime has no zone: when the record also has the shipper's @timestamp and NXLog's
// EventReceivedTime, their difference gives the agent's UTC offset.
//
// Every field is kept, as the line's own text in Event.FieldsJSON (the store's fields column),
// not as a decoded Fields map. The common shapes (flattened, python-evtx, winlogbeat) are read
// from the members importers.ScanObject lists, without decoding the line into maps; the rest,
// and lines with something unusual where the shape's fields go, through importers.DecodeObject
// and the map readers (toRecord), which give the same events. diff_test.go holds the two to
// the map path as it was before the scanner.
package winjson

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
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
// file on several cores. Blank lines are skipped; only the sink's error is returned. Each call
// borrows a worker (scanner scratch and the event) from a pool.
func (Format) ParseLine(l importers.Line, sink importers.Sink) error {
	if l.Offset == 0 {
		l.Text = bytes.TrimPrefix(l.Text, utf8BOM) // Windows tools often write one
	}
	if len(bytes.TrimSpace(l.Text)) == 0 {
		return nil
	}
	w := workers.Get().(*worker)
	defer workers.Put(w)
	ev, err := w.parse(l)
	if err != nil {
		return sink.Reject(importers.RejectOf(l, err))
	}
	return sink.Event(importers.Record{Line: l.Num, Offset: l.Offset}, ev)
}

// worker is the per-goroutine state of reading, reused for every line: the JSON scanner, the
// event (the sink copies what it keeps) and the flat fields of the line.
type worker struct {
	scan    importers.JSONScanner
	ev      event.Event
	flat    flatFields
	keys    []flatKey // what each member of the line is to fromScan
	fieldOf []int8    // the winlogbeat field of each member (fromScanWinlogbeat)
}

var workers = sync.Pool{New: func() any { return new(worker) }}

// errSlow says that the scanner path does not take a line: the map decoder reads it (or words
// its reject), as every line was read before.
var errSlow = errors.New("winjson: line needs the map decoder")

// parse makes the event of one line. A flattened export (Mordor, NXLog, the generated logs) is
// read from the members ScanObject lists, without decoding the line into a map; any other shape,
// and the few flat lines the scanner path does not take (invalid JSON, an object where a
// System field should be), go through the map decoder and toRecord, which give the same event.
func (w *worker) parse(l importers.Line) (*event.Event, error) {
	raw := string(l.Text)
	text := strings.TrimSpace(raw)
	if !utf8.ValidString(text) {
		return nil, errors.New("line is not valid UTF-8")
	}
	var rec windows.Record
	err := w.fromScan(text, &rec)
	if err == errSlow {
		obj, err := importers.DecodeObjectString(text)
		if err != nil {
			return nil, err
		}
		rec = windows.Record{}
		if err := toRecord(obj, &rec); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, err
	}
	// The whole object is the line itself: FieldsJSON, without a Fields map (the store reads
	// no Fields beside FieldsJSON, and Normalize builds none when FieldsJSON is set).
	w.ev = event.Event{SourceType: "winjson", Raw: raw, FieldsJSON: text}
	ev := &w.ev
	if err := windows.Normalize(&rec, ev); err != nil {
		return nil, err
	}
	return ev, nil
}

// fromScan reads a line from the members ScanObject lists (the line's and those of its
// objects), as toRecord reads its decoded map: a flattened export (shapeOf's shapeFlat, then
// fromFlat) or python-evtx's System and EventData (shapePyEvtx, then fromSystem). It returns
// errSlow for a line of another shape or one it does not take.
func (w *worker) fromScan(text string, r *windows.Record) error {
	members, err := w.scan.ScanObject(text, 3) // winlog.process.thread.id is 3 deep
	if err != nil {
		return errSlow // the map decoder words the reject
	}
	f := &w.flat
	f.reset()
	keys := w.keys[:0]
	other := false
	nData := 0 // at most this many top-level members are data
	system, eventData, userData, winlog := int32(-1), int32(-1), int32(-1), int32(-1)
	for i := range members {
		m := &members[i]
		k, ok := flatKeys[m.Key]
		if !ok {
			k.slot = -1
		}
		keys = append(keys, k)
		if m.Parent >= 0 {
			continue // a member of a nested object
		}
		other = other || k.other
		if !k.envelope {
			nData++
		}
		if k.slot >= 0 {
			f.member[k.slot] = int32(i) // the last of duplicate keys wins, as in the map
		}
		switch m.Key { // the last of duplicate keys wins
		case "System":
			system = int32(i)
		case "EventData":
			eventData = int32(i)
		case "UserData":
			userData = int32(i)
		case "winlog":
			winlog = int32(i)
		}
	}
	w.keys = keys
	if cap(w.keys) > 1<<14 {
		w.keys = nil // one huge line must not pin its memory
	}
	if system >= 0 {
		return w.fromScanSystem(members, system, eventData, userData, r)
	}
	if winlog >= 0 {
		return w.fromScanWinlogbeat(members, r)
	}
	if other {
		return errSlow // Event, winlog, event_id, Payload: another shape, perhaps
	}
	if !f.isFlat() {
		return errSlow // not a Windows event, or syslog event XML: the map path words it
	}
	for s, i := range f.member {
		if i < 0 {
			continue
		}
		m := &members[i]
		if m.Kind == importers.JSONObject {
			return errSlow // text() reads "#text" or "Value" in it: the map path does that
		}
		f.has[s] = true
		f.text[s] = strings.TrimSpace(m.Text())
	}
	if err := f.record(r); err != nil {
		return err
	}
	r.Data = make(map[string]any, nData)
	for i := range members {
		m, k := &members[i], keys[i]
		if m.Parent >= 0 || k.slot >= 0 && f.member[k.slot] != int32(i) {
			continue // a nested member, or an earlier duplicate of a System field
		}
		if k.envelope || f.nxlog && k.nxlog || k.slot == int8(fEventType) && f.nxlogType != "" && f.text[fEventType] == f.nxlogType {
			continue // no event data, as fromFlat tells
		}
		r.Data[m.Key] = m.Decoded()
	}
	return nil
}

// Winlogbeat's fields as the scanner path finds them: wb* are the members the record has (of
// each name, the last), -2 for none.
const (
	wbWinlog = iota // the record's
	wbEvent
	wbHost
	wbLog
	wbMessage
	wbTimestamp
	wbEventID // winlog's
	wbChannel
	wbProviderName
	wbProviderGUID
	wbComputerName
	wbRecordID
	wbProcess
	wbUser
	wbVersion
	wbTask
	wbOpcode
	wbKeywords
	wbEventData
	wbUserData
	wbTimeCreated
	wbCode // event's
	wbProvider
	wbCreated
	wbHostName // host's
	wbHostHostname
	wbLogLevel  // log's
	wbPID       // winlog.process's
	wbThread    //
	wbThreadID  // winlog.process.thread's
	wbUserIdent // winlog.user's
	nWB
)

// wbNames are the names of the fields under each parent field (-1: the record).
var wbNames = map[int]map[string]int{
	-1:        {"winlog": wbWinlog, "event": wbEvent, "host": wbHost, "log": wbLog, "message": wbMessage, "@timestamp": wbTimestamp},
	wbWinlog:  {"event_id": wbEventID, "channel": wbChannel, "provider_name": wbProviderName, "provider_guid": wbProviderGUID, "computer_name": wbComputerName, "record_id": wbRecordID, "process": wbProcess, "user": wbUser, "version": wbVersion, "task": wbTask, "opcode": wbOpcode, "keywords": wbKeywords, "event_data": wbEventData, "user_data": wbUserData, "time_created": wbTimeCreated},
	wbEvent:   {"code": wbCode, "provider": wbProvider, "created": wbCreated},
	wbHost:    {"name": wbHostName, "hostname": wbHostHostname},
	wbLog:     {"level": wbLogLevel},
	wbProcess: {"pid": wbPID, "thread": wbThread},
	wbThread:  {"id": wbThreadID},
	wbUser:    {"identifier": wbUserIdent},
}

// wbPaths are the dotted paths fromWinlogbeat looks up, under winlog (get) and under the
// record (top).
var (
	wbWinlogPaths = map[string]int{"event_id": wbEventID, "channel": wbChannel, "provider_name": wbProviderName, "provider_guid": wbProviderGUID, "computer_name": wbComputerName, "record_id": wbRecordID, "process.pid": wbPID, "process.thread.id": wbThreadID, "user.identifier": wbUserIdent, "version": wbVersion, "task": wbTask, "opcode": wbOpcode, "keywords": wbKeywords}
	wbTopPaths    = map[string]int{"event.code": wbCode, "event.provider": wbProvider, "host.name": wbHostName, "host.hostname": wbHostHostname, "log.level": wbLogLevel, "message": wbMessage, "winlog.time_created": wbTimeCreated, "@timestamp": wbTimestamp, "event.created": wbCreated}
)

// fromScanWinlogbeat reads winlogbeat's shape, {"winlog": {...}, "event": {...}, ...}, as
// toRecord and fromWinlogbeat read it, from the members of the line. importers.Get's dotted
// paths are plain paths through nested objects here: a key with a dot in an object the paths go
// through (the record, winlog, event, host, log, winlog.process, winlog.process.thread,
// winlog.user) sends the line to the map path, as does an unnamed event_data "Data", a
// user_data, or a top-level Event (shapeOf's evtx_dump shape comes first).
func (w *worker) fromScanWinlogbeat(members []importers.JSONMember, r *windows.Record) error {
	var at [nWB]int32 // the member of each field, -2 for none
	for i := range at {
		at[i] = -2
	}
	// The members of each field's object: a later duplicate of a field forgets the members
	// of the earlier one's object, which come before it.
	var forget func(f int)
	forget = func(f int) {
		for _, g := range wbNames[f] {
			at[g] = -2
			forget(g)
		}
	}
	// fieldOf is the field of each member, -2 for none; a member's parent precedes it.
	fieldOf := w.fieldOf[:0]
	defer func() {
		if cap(fieldOf) <= 1<<14 {
			w.fieldOf = fieldOf // one huge line must not pin its memory
		}
	}()
	for i := range members {
		m := &members[i]
		fieldOf = append(fieldOf, -2)
		pf := -1
		if m.Parent >= 0 {
			if pf = int(fieldOf[m.Parent]); pf < 0 || wbNames[pf] == nil {
				continue // a member of an object the paths do not go through
			}
		}
		if strings.IndexByte(m.Key, '.') >= 0 {
			return errSlow // importers.Get would try it as a literal key
		}
		if pf == -1 && m.Key == "Event" {
			return errSlow
		}
		if f, ok := wbNames[pf][m.Key]; ok {
			at[f] = int32(i)
			fieldOf[i] = int8(f)
			forget(f)
		}
	}
	wl := at[wbWinlog]
	if members[wl].Kind != importers.JSONObject || at[wbEventID] < 0 && at[wbChannel] < 0 {
		return errSlow // not winlogbeat's shape; shapeOf decides
	}
	if i := at[wbUserData]; i >= 0 && members[i].Kind != importers.JSONNull {
		return errSlow
	}
	// A field has a member only when each field on its path is an object (only an object's
	// members are listed).
	value := func(f int) (any, bool) {
		i := at[f]
		if i < 0 {
			return nil, false
		}
		return members[i].Decoded(), true
	}
	get := func(k string) any {
		f, ok := wbWinlogPaths[k]
		if !ok {
			panic("winjson: no winlogbeat field " + k) // a path winlogbeatHeader reads is missing from the table
		}
		v, _ := value(f)
		return v
	}
	top := func(k string) (any, bool) {
		f, ok := wbTopPaths[k]
		if !ok {
			panic("winjson: no winlogbeat field " + k)
		}
		return value(f)
	}
	if err := winlogbeatHeader(get, top, r); err != nil {
		return err
	}
	var err error
	r.Data, err = scanEventData(members, at[wbEventData])
	return err
}

// scanEventData is eventDataOf of the member ed without UserData, from the members of the
// line: the members of its object but #attributes and xmlns, the last of duplicate keys
// winning. An unnamed "Data" (eventDataOf numbers its values) is errSlow; no member (ed < 0)
// or one that is no object gives no data.
func scanEventData(members []importers.JSONMember, ed int32) (map[string]any, error) {
	n := 0
	if ed >= 0 && members[ed].Kind == importers.JSONObject {
		for i := ed + 1; i < int32(len(members)); i++ {
			if members[i].Parent == ed {
				n++
			}
		}
	}
	data := make(map[string]any, n)
	if n == 0 {
		return data, nil
	}
	for i := ed + 1; i < int32(len(members)); i++ {
		m := &members[i]
		if m.Parent != ed {
			continue
		}
		switch m.Key {
		case "#attributes", "xmlns":
			continue
		case "Data":
			return nil, errSlow // unnamed values: eventDataOf numbers them
		}
		data[m.Key] = m.Decoded() // the last of duplicate keys wins
	}
	return data, nil
}

// sysSlot is a System field fromSystem reads.
type sysSlot int8

const (
	sEventID sysSlot = iota
	sEventIDQualifiers
	sProvider
	sProviderGuid
	sVersion
	sLevel
	sTask
	sOpcode
	sKeywords
	sEventRecordID
	sChannel
	sComputer
	sProcessID
	sThreadID
	sExecution
	sUserID
	sSecurity
	sTimeCreated
	nSysSlots
)

// sysSlots are the System fields by name.
var sysSlots = map[string]sysSlot{
	"EventID": sEventID, "EventIDQualifiers": sEventIDQualifiers, "Provider": sProvider, "ProviderGuid": sProviderGuid,
	"Version": sVersion, "Level": sLevel, "Task": sTask, "Opcode": sOpcode, "Keywords": sKeywords,
	"EventRecordID": sEventRecordID, "Channel": sChannel, "Computer": sComputer, "ProcessID": sProcessID,
	"ThreadID": sThreadID, "Execution": sExecution, "UserID": sUserID, "Security": sSecurity, "TimeCreated": sTimeCreated,
}

// fromScanSystem reads python-evtx's shape, {"System": {...}, "EventData": {...}}, as toRecord
// and fromSystem read it, from the members of the line (system, eventData and userData are the
// members of those names, -1 for none). It takes the System fields as plain values; an object
// in one of those fields (evtx_dump's {"#attributes": ...}, Velociraptor's {"Value": ...}), a
// rendered Message that is an object, an unnamed EventData "Data" or any UserData object sends
// the line to the map path.
func (w *worker) fromScanSystem(members []importers.JSONMember, system, eventData, userData int32, r *windows.Record) error {
	if members[system].Kind != importers.JSONObject {
		return errSlow // not python-evtx's shape; shapeOf decides
	}
	var slot [nSysSlots]int32
	for i := range slot {
		slot[i] = -1
	}
	for i := system + 1; i < int32(len(members)); i++ {
		m := &members[i]
		if m.Parent != system {
			continue
		}
		if s, ok := sysSlots[m.Key]; ok {
			slot[s] = i // the last of duplicate keys wins
		}
	}
	if slot[sEventID] < 0 {
		return errSlow // shapeOf goes on to other shapes
	}
	if userData >= 0 && members[userData].Kind == importers.JSONObject {
		return errSlow
	}
	var t [nSysSlots]string
	for s, i := range slot {
		if i < 0 {
			continue
		}
		m := &members[i]
		if m.Kind == importers.JSONObject {
			return errSlow
		}
		t[s] = strings.TrimSpace(m.Text())
	}
	msg := w.flat.member[fMessage]
	if msg >= 0 {
		if members[msg].Kind == importers.JSONObject {
			return errSlow
		}
		r.Message = strings.TrimSpace(members[msg].Text())
	}

	var err error
	if r.EventID, err = eventIDText("System.EventID", t[sEventID]); err != nil {
		return err
	}
	r.Qualifiers = t[sEventIDQualifiers] // a Qualifiers attribute needs an object
	r.Provider = t[sProvider]
	r.ProviderGUID = t[sProviderGuid]
	r.Version = t[sVersion]
	r.Level = int(optIntText(t[sLevel]))
	r.Task = t[sTask]
	r.Opcode = t[sOpcode]
	r.Keywords = t[sKeywords]
	r.EventRecordID = optIntText(t[sEventRecordID])
	r.Channel = t[sChannel]
	r.Computer = t[sComputer]
	r.ProcessID = optIntText(t[sProcessID])
	r.ThreadID = optIntText(t[sThreadID])
	if i := slot[sExecution]; i >= 0 && members[i].Kind != importers.JSONNull {
		r.ProcessID, r.ThreadID = 0, 0 // the attributes of a value that is no object
	}
	r.UserID = t[sUserID]
	if tc := t[sTimeCreated]; tc != "" {
		if r.TimeCreated, err = parseTime("System.TimeCreated", tc); err != nil {
			return err
		}
	}
	r.Data, err = scanEventData(members, eventData)
	return err
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

func eventID(field string, v any) (int, error) { return eventIDText(field, text(v)) }

// eventIDText is eventID of a value's text.
func eventIDText(field, s string) (int, error) {
	if s == "" {
		return 0, fieldError(field, "empty event id")
	}
	n, err := event.ParseInt(s)
	if err != nil || n < 0 || n > 0xFFFFFFFF {
		return 0, fieldError(field, "not an event id: %q", importers.Truncate(s, 64))
	}
	return int(n), nil
}

func optInt(v any) int64 { return optIntText(text(v)) }

// optIntText is optInt of a value's text.
func optIntText(s string) int64 {
	if s == "" {
		return 0 // absent: no error to make
	}
	n, err := event.ParseInt(s)
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
	top := func(k string) (any, bool) { return importers.Get(o, k) }
	if err := winlogbeatHeader(get, top, r); err != nil {
		return err
	}
	r.Data = eventDataOf(get("event_data"), map[string]any{"user_data": get("user_data")})
	return nil
}

// getText is importers.GetText through a lookup.
func getText(get func(string) (any, bool), key string) (string, bool) {
	v, ok := get(key)
	if !ok || v == nil {
		return "", false
	}
	return importers.Text(v), true
}

// winlogbeatHeader reads a winlogbeat record's fields but its data: get(k) is importers.Get
// of the winlog object (nil for none), top(k) importers.Get of the record.
func winlogbeatHeader(get func(string) any, top func(string) (any, bool), r *windows.Record) error {
	idv := get("event_id")
	field := "winlog.event_id"
	if idv == nil {
		idv, _ = top("event.code")
		field = "event.code"
	}
	var err error
	if r.EventID, err = eventID(field, idv); err != nil {
		return err
	}
	r.Channel = text(get("channel"))
	r.Provider = text(get("provider_name"))
	if r.Provider == "" {
		r.Provider, _ = getText(top, "event.provider")
	}
	r.ProviderGUID = text(get("provider_guid"))
	r.Computer = text(get("computer_name"))
	if r.Computer == "" {
		if h, ok := getText(top, "host.name"); ok {
			r.Computer = h
		} else {
			r.Computer, _ = getText(top, "host.hostname")
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
	if lv, ok := getText(top, "log.level"); ok {
		r.Level = levelNames[strings.ToLower(lv)]
	}
	r.Message, _ = getText(top, "message")
	for _, f := range []string{"winlog.time_created", "@timestamp", "event.created"} {
		if s, ok := getText(top, f); ok && s != "" {
			if r.TimeCreated, err = parseTime(f, s); err != nil {
				return err
			}
			break
		}
	}
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
// the data empty; it is still in the fields.
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

// flatSlot is a field of a flattened export that describes the record and that fromFlat
// reads.
type flatSlot int8

const (
	fEventID flatSlot = iota
	fChannel
	fChannelLower // "channel"
	fSourceName
	fProviderName
	fProviderGuid
	fHostname
	fComputer
	fLevel
	fKeywords
	fEventType
	fEventTypeOrignal
	fTask
	fOpcode
	fVersion
	fEventRecordID
	fRecordNumber
	fExecutionProcessID
	fThreadID
	fUserID
	fMessage
	fTimeCreated
	fEventTime
	fTimestamp
	fEventReceivedTime
	fSeverityValue
	fSourceModuleType
	nFlatSlots
)

// flatSlotNames are the JSON names of the slots.
var flatSlotNames = [nFlatSlots]string{
	fEventID: "EventID", fChannel: "Channel", fChannelLower: "channel", fSourceName: "SourceName",
	fProviderName: "ProviderName", fProviderGuid: "ProviderGuid", fHostname: "Hostname", fComputer: "Computer",
	fLevel: "Level", fKeywords: "Keywords", fEventType: "EventType", fEventTypeOrignal: "EventTypeOrignal",
	fTask: "Task", fOpcode: "Opcode", fVersion: "Version", fEventRecordID: "EventRecordID",
	fRecordNumber: "RecordNumber", fExecutionProcessID: "ExecutionProcessID", fThreadID: "ThreadID",
	fUserID: "UserID", fMessage: "Message", fTimeCreated: "TimeCreated", fEventTime: "EventTime",
	fTimestamp: "@timestamp", fEventReceivedTime: "EventReceivedTime", fSeverityValue: "SeverityValue",
	fSourceModuleType: "SourceModuleType",
}

// flatKey is what a top-level key is to the scanner path: a slot (or -1), a key of another
// shape (other: the line goes to the map path, whose shapeOf decides), a key of flatEnvelope
// or of nxlogEnvelope.
type flatKey struct {
	slot            int8
	other           bool
	envelope, nxlog bool
}

// flatKeys are the top-level keys the scanner path looks for.
var flatKeys = func() map[string]flatKey {
	m := map[string]flatKey{}
	key := func(name string) flatKey {
		k, ok := m[name]
		if !ok {
			k.slot = -1
		}
		return k
	}
	for s, name := range flatSlotNames {
		k := key(name)
		k.slot = int8(s)
		m[name] = k
	}
	for _, name := range []string{"System", "Event", "winlog", "event_id", "Payload"} {
		k := key(name)
		k.other = true
		m[name] = k
	}
	for name := range flatEnvelope {
		k := key(name)
		k.envelope = true
		m[name] = k
	}
	for name := range nxlogEnvelope {
		k := key(name)
		k.nxlog = true
		m[name] = k
	}
	return m
}()

// flatFields are the slots of one flattened record: their text (as text() renders the value)
// and whether the record has them (a null value counts).
type flatFields struct {
	text      [nFlatSlots]string
	has       [nFlatSlots]bool
	member    [nFlatSlots]int32 // the scanner path's member of each slot, -1 for none
	nxlog     bool
	nxlogType string
}

func (f *flatFields) reset() {
	*f = flatFields{}
	for i := range f.member {
		f.member[i] = -1
	}
}

// isFlat is shapeOf's test for shapeFlat, for a record without the keys of the shapes tested
// before it (the scanner path sends those to the map path).
func (f *flatFields) isFlat() bool {
	m := &f.member
	return m[fEventID] >= 0 && (m[fChannel] >= 0 || m[fChannelLower] >= 0 || m[fSourceName] >= 0 || m[fProviderName] >= 0)
}

// record fills r from the slots, all but Data.
func (f *flatFields) record(r *windows.Record) error {
	var err error
	t := &f.text
	if r.EventID, err = eventIDText("EventID", t[fEventID]); err != nil {
		return err
	}
	f.nxlog = f.has[fSourceModuleType] || f.has[fEventReceivedTime]
	first := func(slots ...flatSlot) string {
		for _, s := range slots {
			if t[s] != "" {
				return t[s]
			}
		}
		return ""
	}
	r.Channel = first(fChannel, fChannelLower)
	r.Provider = first(fSourceName, fProviderName)
	r.ProviderGUID = t[fProviderGuid]
	r.Computer = first(fHostname, fComputer)
	r.Level = int(optIntText(t[fLevel]))
	r.Keywords = t[fKeywords]
	f.nxlogType = ""
	if f.nxlog {
		for _, s := range []flatSlot{fEventType, fEventTypeOrignal} {
			if et := t[s]; nxlogEventTypes[et] {
				f.nxlogType = et
			}
		}
	}
	if strings.HasPrefix(f.nxlogType, "AUDIT_") {
		r.Keywords = f.nxlogType // the same audit result, spelled out
	}
	r.Task = t[fTask]
	r.Opcode = t[fOpcode]
	r.Version = t[fVersion]
	r.EventRecordID = optIntText(first(fEventRecordID, fRecordNumber))
	r.ProcessID = optIntText(t[fExecutionProcessID])
	r.ThreadID = optIntText(t[fThreadID])
	r.UserID = t[fUserID]
	r.Message = t[fMessage]
	switch {
	case t[fTimeCreated] != "":
		r.TimeCreated, err = parseTime("TimeCreated", t[fTimeCreated])
	case t[fEventTime] != "":
		r.TimeCreated, err = nxlogTime(t[fEventTime], t[fEventReceivedTime], t[fTimestamp])
	case t[fTimestamp] != "":
		r.TimeCreated, err = parseTime("@timestamp", t[fTimestamp])
	}
	if err != nil {
		return err
	}
	// NXLog's severity follows the Windows level, except for audit events, which it rates
	// by their result (an audit failure is an ERROR): those rate nothing here.
	if f.nxlog && r.Level == 0 && !strings.HasPrefix(f.nxlogType, "AUDIT_") {
		r.Level = nxlogLevels[optIntText(t[fSeverityValue])]
	}
	return nil
}

// fromFlat reads a decoded flattened record.
func fromFlat(o map[string]any, r *windows.Record) error {
	var f flatFields
	f.reset()
	for s, name := range flatSlotNames {
		v, ok := o[name]
		f.has[s] = ok
		f.text[s] = text(v)
	}
	if err := f.record(r); err != nil {
		return err
	}
	r.Data = make(map[string]any, len(o))
	for k, v := range o {
		// No event data: a field of the envelope, or NXLog's EventType.
		if flatEnvelope[k] || f.nxlog && nxlogEnvelope[k] || k == "EventType" && f.nxlogType != "" && text(v) == f.nxlogType {
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
func nxlogTime(s, received, stampText string) (time.Time, error) {
	t, err := parseTime("EventTime", s)
	if err != nil || hasZone(s) {
		return t, err
	}
	recv, err1 := event.ParseTime(received)
	stamp, err2 := event.ParseTime(stampText)
	if err1 != nil || err2 != nil || hasZone(received) || !hasZone(stampText) {
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
