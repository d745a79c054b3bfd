package winjson

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"html"
	"io"
	"strings"

	"trawl/event"
	"trawl/importers/windows"
)

// isEventXML reports whether s holds a Windows event XML document.
func isEventXML(s string) bool {
	s = strings.TrimSpace(s)
	return strings.HasPrefix(s, "<Event>") || strings.HasPrefix(s, "<Event ")
}

// maxXMLDepth bounds the nesting of event XML; the schema needs four levels.
const maxXMLDepth = 32

// fromEventXML reads a Windows event XML document (<Event><System>..<EventData><Data Name=..>,
// or <UserData><Wrapper><Field>) held by field, the JSON field name used in messages. Syslog
// cuts long messages: a document that ends early still gives what it holds, the value being
// read when it ended kept as far as it goes, as long as its System part names the event id.
func fromEventXML(field, doc string, r *windows.Record) error {
	dec := xml.NewDecoder(strings.NewReader(doc))
	// Sysmon for Linux writes entities without their semicolon ("&lt unknown process&gt "):
	// the lenient decoder leaves them alone and html.UnescapeString reads them.
	dec.Strict = false
	var (
		path      []string
		text      strings.Builder
		sys       = map[string]string{}
		attrs     = map[string]string{}
		data      = map[string]any{}
		dataName  string
		dataStart int64 = -1
		unnamed   int
	)
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			if sys["EventID"] != "" && strings.Contains(err.Error(), "unexpected EOF") {
				if dataStart >= 0 && dataStart <= int64(len(doc)) {
					data[dataName] = html.UnescapeString(cutPartialEntity(doc[dataStart:]))
				}
				break
			}
			return fieldError(field, "invalid event XML: %v", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			path = append(path, t.Name.Local)
			if len(path) > maxXMLDepth {
				return fieldError(field, "event XML nested deeper than %d", maxXMLDepth)
			}
			text.Reset()
			if len(path) == 3 && path[1] == "System" {
				for _, a := range t.Attr {
					attrs[path[2]+"."+a.Name.Local] = a.Value
				}
			}
			if len(path) == 3 && path[1] == "EventData" || len(path) == 4 && path[1] == "UserData" {
				dataName = t.Name.Local
				if len(path) == 3 {
					dataName = ""
					for _, a := range t.Attr {
						if a.Name.Local == "Name" {
							dataName = a.Value
						}
					}
					if dataName == "" {
						unnamed++
						dataName = "Data"
						if unnamed > 1 {
							dataName = fmt.Sprintf("Data_%d", unnamed)
						}
					}
				}
				dataStart = dec.InputOffset()
			}
		case xml.CharData:
			if bytes.IndexByte(t, '&') >= 0 {
				text.WriteString(html.UnescapeString(string(t)))
			} else {
				text.Write(t)
			}
		case xml.EndElement:
			switch {
			case len(path) == 3 && path[1] == "System":
				sys[path[2]] = strings.TrimSpace(text.String())
			case dataStart >= 0:
				data[dataName] = text.String()
				dataStart = -1
			}
			if len(path) > 0 {
				path = path[:len(path)-1]
			}
		}
	}
	var err error
	if r.EventID, err = eventID(field+".EventID", sys["EventID"]); err != nil {
		return err
	}
	r.Qualifiers = attrs["EventID.Qualifiers"]
	r.Provider, r.ProviderGUID = attrs["Provider.Name"], attrs["Provider.Guid"]
	r.Version, r.Task, r.Opcode, r.Keywords = sys["Version"], sys["Task"], sys["Opcode"], sys["Keywords"]
	r.Level = int(optInt(sys["Level"]))
	r.EventRecordID = optInt(sys["EventRecordID"])
	r.ProcessID, r.ThreadID = optInt(attrs["Execution.ProcessID"]), optInt(attrs["Execution.ThreadID"])
	r.Channel, r.Computer = sys["Channel"], sys["Computer"]
	r.UserID = attrs["Security.UserID"]
	if r.UserID == "" {
		r.UserID = attrs["Security.UserId"] // Sysmon for Linux spells it so
	}
	if t := strings.TrimSpace(attrs["TimeCreated.SystemTime"]); t != "" {
		if r.TimeCreated, err = event.ParseTime(t); err != nil {
			return fieldError(field+".TimeCreated", "%v", err)
		}
	}
	r.Data = data
	return nil
}

// fromSyslogXML reads a syslog record (Azure Log Analytics' Syslog table) whose message is
// event XML; the host and time of the XML win over the syslog envelope's.
func fromSyslogXML(o map[string]any, r *windows.Record) error {
	if err := fromEventXML("SyslogMessage", text(o["SyslogMessage"]), r); err != nil {
		return err
	}
	if r.Computer == "" {
		r.Computer = text(o["HostName"])
		if r.Computer == "" {
			r.Computer = text(o["Computer"])
		}
	}
	if r.TimeCreated.IsZero() {
		for _, f := range []string{"EventTime", "TimeGenerated"} {
			if s := text(o[f]); s != "" {
				t, err := parseTime(f, s)
				if err != nil {
					return err
				}
				r.TimeCreated = t
				break
			}
		}
	}
	return nil
}

// cutPartialEntity drops an entity cut off by the end of the text ("a &am").
func cutPartialEntity(s string) string {
	if i := strings.LastIndexByte(s, '&'); i >= 0 && !strings.ContainsAny(s[i:], "; ") && len(s)-i < 12 {
		return s[:i]
	}
	return s
}
