// Package cef reads ArcSight Common Event Format lines:
//
//	CEF:Version|Device Vendor|Device Product|Device Version|Signature ID|Name|Severity|Extension
//
// alone or behind a syslog header (<PRI>Mmm dd hh:mm:ss host, or RFC 5424). The header's
// fields may escape | and \ with a backslash; the extension is key=value pairs separated by
// spaces, where a value may contain spaces and ends where the next " key=" starts, and escapes
// \=, \\, \n and \r. Custom labelled fields (cs1Label=Foo cs1=bar) are also kept under their
// label. Keys map to columns through one table, fieldMap.
package cef

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"trawl/event"
	"trawl/importers"
)

// fieldMap maps CEF keys (the extension dictionary's short names, and the names this package
// gives to header and syslog fields) to event columns. Rows for one column go from weakest to
// strongest: a later row wins when its key is present.
var fieldMap = importers.FieldMap{
	{Src: "syslog_time", Col: "time"}, // the syslog header's time, when nothing better is given
	{Src: "end", Col: "time"},         // endTime
	{Src: "start", Col: "time"},       // startTime
	{Src: "rt", Col: "time"},          // deviceReceiptTime: the event's time for ArcSight

	{Src: "signature_id", Col: "event_code"}, // header Signature ID
	{Src: "name", Col: "rule_name"},          // header Name: what the device detected or logged
	{Src: "name", Col: "message"},
	{Src: "msg", Col: "message"},
	{Src: "cat", Col: "category"}, // deviceEventCategory, in the vendor's own words
	{Src: "act", Col: "action"},   // deviceAction
	{Src: "outcome", Col: "outcome"},

	{Src: "shost", Col: "host"}, // sourceHostName, when the device does not name itself
	{Src: "syslog_host", Col: "host"},
	{Src: "dvchost", Col: "host"}, // deviceHostName: the host that logged the event

	{Src: "suser", Col: "user"}, // sourceUserName
	{Src: "sntdom", Col: "user_domain"},
	{Src: "duser", Col: "target_user"}, // destinationUserName

	{Src: "src", Col: "src_ip"}, // sourceAddress
	{Src: "spt", Col: "src_port"},
	{Src: "dst", Col: "dst_ip"}, // destinationAddress
	{Src: "dpt", Col: "dst_port"},
	{Src: "proto", Col: "protocol"}, // transportProtocol (TCP); app is left in Fields: devices put App-IDs and event kinds there
	{Src: "in", Col: "bytes_in"},    // bytesIn
	{Src: "out", Col: "bytes_out"},  // bytesOut

	{Src: "dproc", Col: "process_name"},      // destinationProcessName (its base name)
	{Src: "sproc", Col: "process_name"},      // sourceProcessName, the acting process (its base name)
	{Src: "dproc_path", Col: "process_path"}, // dproc when it is a path
	{Src: "sproc_path", Col: "process_path"}, // sproc when it is a path
	{Src: "dpid", Col: "pid"},
	{Src: "spid", Col: "pid"},

	{Src: "fname", Col: "file_path"},    // fileName
	{Src: "filePath", Col: "file_path"}, // full path when given
	{Src: "fileHash", Col: "hash"},
	{Src: "dhost", Col: "domain"}, // destinationHostName: the host asked for
	{Src: "request", Col: "url"},  // requestUrl
	{Src: "requestMethod", Col: "http_method"},
	{Src: "requestClientApplication", Col: "user_agent"},
}

// headerNames are the Fields keys of the seven header fields after "CEF:".
var headerNames = [...]string{"cef_version", "device_vendor", "device_product", "device_version", "signature_id", "name", "severity"}

// labelled lists the custom fields that carry a label in <key>Label (cs1 and cs1Label, ...).
var labelled = func() []string {
	var m []string
	add := func(prefix string, n int) {
		for i := 1; i <= n; i++ {
			m = append(m, prefix+strconv.Itoa(i))
		}
	}
	add("cs", 6)
	add("cn", 3)
	add("cfp", 4)
	add("c6a", 4)
	add("deviceCustomDate", 2)
	add("flexString", 2)
	add("flexNumber", 2)
	add("flexDate", 1)
	return m
}()

// Format is the CEF format.
type Format struct{}

func init() { importers.Register(Format{}) }

func (Format) Name() string { return "cef" }
func (Format) Description() string {
	return "ArcSight Common Event Format (CEF:0|vendor|product|...), alone or behind a syslog header"
}

// Sniff answers 90 when most complete lines of head carry a CEF header.
func (Format) Sniff(head []byte) int {
	lines, ok := importers.SniffLines(head, 20, func(line []byte) bool {
		start := cefStart(line)
		if start < 0 {
			return false
		}
		_, _, err := splitHeader(line[start+4:])
		return err == nil
	})
	if lines == 0 || ok*5 < lines*4 {
		return 0
	}
	return 90
}

// Read imports every line; blank lines are skipped.
func (f Format) Read(ctx context.Context, in importers.Input, sink importers.Sink) error {
	return importers.ReadEachLine(ctx, in, sink, f.ParseLine)
}

// ParseLine makes the format an importers.LineParser: lines are independent, so the store may
// parse one file on several cores.
func (Format) ParseLine(l importers.Line, sink importers.Sink) error {
	return importers.ParseEvent(l, sink, toEvent)
}

var _ importers.LineParser = Format{}

func toEvent(line []byte) (*event.Event, error) {
	f, err := parseLine(line)
	if err != nil {
		return nil, err
	}
	ev := &event.Event{SourceType: "cef", Raw: string(line), Fields: make(map[string]any, len(f))}
	for k, v := range f {
		ev.Fields[k] = v
	}
	ev.Dataset = strings.TrimSpace(f["device_vendor"] + " " + f["device_product"])
	get := func(src string) (string, bool) {
		if proc, ok := strings.CutSuffix(src, "_path"); ok && (proc == "sproc" || proc == "dproc") {
			v := f[proc]
			return v, strings.ContainsAny(v, `\/`)
		}
		v, ok := f[src]
		if !ok {
			return "", false
		}
		switch src {
		case "rt", "start", "end", "syslog_time":
			if t, ok := parseTime(v); ok {
				return t.Format(time.RFC3339Nano), true
			}
			if src == "syslog_time" {
				return "", false // an RFC 3164 stamp has no year: not a time to guess
			}
		case "outcome":
			return normalizeOutcome(v), true
		case "sproc", "dproc":
			return event.BaseName(v), true
		}
		return v, true
	}
	if err := fieldMap.Apply(ev, get); err != nil {
		return nil, err
	}
	if n, ok := severity(f["severity"]); ok {
		ev.Severity = event.IntOf(n)
	}
	return ev, nil
}

// cefStart finds "CEF:<digit>" at the start of the line or after a space or '>' (the end of a
// syslog header); -1 when absent.
func cefStart(line []byte) int {
	from := 0
	for {
		i := bytes.Index(line[from:], []byte("CEF:"))
		if i < 0 {
			return -1
		}
		i += from
		if (i == 0 || line[i-1] == ' ' || line[i-1] == '>') && i+4 < len(line) && line[i+4] >= '0' && line[i+4] <= '9' {
			return i
		}
		from = i + 4
	}
}

// parseLine splits a line into its named fields: syslog_* from a syslog header, the seven
// header fields (headerNames) and every extension key, plus each labelled custom field under
// its label.
func parseLine(line []byte) (map[string]string, error) {
	start := cefStart(line)
	if start < 0 {
		return nil, errors.New("not a CEF line: no CEF:<version>| header")
	}
	header, ext, err := splitHeader(line[start+4:])
	if err != nil {
		return nil, err
	}
	f := make(map[string]string, 16)
	if start > 0 {
		parseSyslogHeader(f, string(bytes.TrimSpace(line[:start])))
	}
	for i, v := range header {
		f[headerNames[i]] = v
	}
	pairs, err := parseExtension(ext)
	if err != nil {
		return nil, err
	}
	for _, p := range pairs {
		if _, dup := f[p.key]; dup {
			// a repeated key, or a key that shadows a header name: keep both
			f[p.key+"#"+strconv.Itoa(len(f))] = p.val
			continue
		}
		f[p.key] = p.val
	}
	for _, k := range labelled {
		v, ok := f[k]
		label := strings.TrimSpace(f[k+"Label"])
		if !ok || label == "" {
			continue
		}
		if _, taken := f[label]; taken {
			label += " (" + k + ")"
		}
		f[label] = v
	}
	return f, nil
}

// splitHeader reads the seven |-separated header fields after "CEF:", undoing \| and \\, and
// returns them and the extension after the seventh |.
func splitHeader(b []byte) (header [7]string, ext []byte, err error) {
	var cur []byte
	n := 0
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c == '\\' && i+1 < len(b) && (b[i+1] == '|' || b[i+1] == '\\') {
			cur = append(cur, b[i+1])
			i++
			continue
		}
		if c == '|' {
			header[n] = string(cur)
			cur = cur[:0]
			n++
			if n == 7 {
				return header, b[i+1:], nil
			}
			continue
		}
		cur = append(cur, c)
	}
	return header, nil, fmt.Errorf("not a CEF line: header has %d of its 7 |-terminated fields", n)
}

type pair struct{ key, val string }

// parseExtension splits "k1=v1 k2=v two k3=v3". A key is a run of key characters preceded by
// the start or a space and followed by an unescaped '='; a value runs to the space before the
// next key. Text before the first key is an error.
func parseExtension(b []byte) ([]pair, error) {
	type pos struct{ keyStart, eq int }
	var keys []pos
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++ // an escaped character is never a separator
		case '=':
			j := i
			for j > 0 && isKeyChar(b[j-1]) {
				j--
			}
			if j < i && (j == 0 || b[j-1] == ' ') {
				keys = append(keys, pos{j, i})
			}
		}
	}
	if len(keys) == 0 {
		if len(bytes.TrimSpace(b)) > 0 {
			return nil, fmt.Errorf("extension has no key=value pair: %q", importers.Truncate(b, 60))
		}
		return nil, nil
	}
	if lead := bytes.TrimSpace(b[:keys[0].keyStart]); len(lead) > 0 {
		return nil, fmt.Errorf("extension starts with text that is not key=value: %q", importers.Truncate(lead, 60))
	}
	out := make([]pair, len(keys))
	for i, k := range keys {
		end := len(b)
		if i+1 < len(keys) {
			end = keys[i+1].keyStart
		}
		v := bytes.TrimRight(b[k.eq+1:end], " ")
		out[i] = pair{string(b[k.keyStart:k.eq]), unescapeValue(v)}
	}
	return out, nil
}

func isKeyChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-' || c == '[' || c == ']'
}

// unescapeValue undoes the extension escapes \= \\ \n \r (and \| that some devices write);
// any other backslash stays as written.
func unescapeValue(v []byte) string {
	if bytes.IndexByte(v, '\\') < 0 {
		return string(v)
	}
	out := make([]byte, 0, len(v))
	for i := 0; i < len(v); i++ {
		if v[i] == '\\' && i+1 < len(v) {
			switch v[i+1] {
			case '=', '\\', '|':
				out = append(out, v[i+1])
				i++
				continue
			case 'n':
				out = append(out, '\n')
				i++
				continue
			case 'r':
				out = append(out, '\r')
				i++
				continue
			}
		}
		out = append(out, v[i])
	}
	return string(out)
}

// parseSyslogHeader reads what precedes "CEF:": <PRI>, then an RFC 3164 stamp and host
// ("Mar  5 10:15:02 fw01") or an RFC 5424 version, stamp and host ("1 2024-03-05T10:15:02Z
// fw01 ..."). The whole header is kept as syslog_header.
func parseSyslogHeader(f map[string]string, h string) {
	f["syslog_header"] = h
	if strings.HasPrefix(h, "<") {
		if end := strings.IndexByte(h, '>'); end > 1 && end <= 4 && allDigits(h[1:end]) {
			f["syslog_pri"] = h[1:end]
			h = h[end+1:]
		}
	}
	tok := strings.Fields(h)
	switch {
	case len(tok) >= 3 && allDigits(tok[0]) && len(tok[0]) <= 2: // RFC 5424
		f["syslog_time"] = tok[1]
		f["syslog_host"] = tok[2]
	case len(tok) >= 4 && len(tok[0]) == 3 && strings.Count(tok[2], ":") == 2: // RFC 3164
		f["syslog_time"] = strings.Join(tok[:3], " ")
		f["syslog_host"] = tok[3]
	case len(tok) >= 5 && len(tok[0]) == 3 && strings.Count(tok[3], ":") == 2: // with a year
		f["syslog_time"] = strings.Join(tok[:4], " ")
		f["syslog_host"] = tok[4]
	}
}

// cefTimeLayouts are CEF's date formats (besides epoch milliseconds).
var cefTimeLayouts = []string{
	"Jan 2 2006 15:04:05 MST",
	"Jan 2 2006 15:04:05 -0700",
	"Jan 2 2006 15:04:05 -07:00",
	"Jan 2 2006 15:04:05",
	time.RFC3339Nano,
	"Jan 2 15:04:05 2006",
}

// parseTime reads a CEF time: epoch milliseconds (or seconds), "MMM dd yyyy HH:mm:ss[.SSS]
// [zone]" or RFC 3339.
func parseTime(v string) (time.Time, bool) {
	v = strings.Join(strings.Fields(v), " ")
	if allDigits(v) && v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return time.Time{}, false
		}
		if n > 1e11 { // milliseconds, CEF's own epoch unit
			return time.UnixMilli(n).UTC(), true
		}
		return time.Unix(n, 0).UTC(), true
	}
	for _, l := range cefTimeLayouts {
		if t, err := time.Parse(l, v); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// severity rates the header severity on the event model's 0-4 scale. CEF gives 0-10 (0-3 low,
// 4-6 medium, 7-8 high, 9-10 very high) or the words; 0 becomes info.
func severity(v string) (int64, bool) {
	v = strings.ToLower(strings.TrimSpace(v))
	switch v {
	case "low":
		return 1, true
	case "medium":
		return 2, true
	case "high":
		return 3, true
	case "very-high", "very high", "veryhigh", "critical":
		return 4, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > 10 {
		return 0, false // "Unknown" or out of range: kept in Fields only
	}
	switch {
	case n == 0:
		return 0, true
	case n <= 3:
		return 1, true
	case n <= 6:
		return 2, true
	case n <= 8:
		return 3, true
	}
	return 4, true
}

// normalizeOutcome turns "/Success", "success", "Failure", "failed" into success or failure;
// other values are kept lower-case.
func normalizeOutcome(v string) string {
	s := strings.ToLower(strings.TrimPrefix(strings.TrimSpace(v), "/"))
	switch s {
	case "success", "succeeded", "successful", "allowed", "ok":
		return "success"
	case "failure", "failed", "fail", "denied", "blocked":
		return "failure"
	}
	return s
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
