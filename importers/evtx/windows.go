package evtx

import (
	"strconv"
	"strings"

	"trawl/importers/windows"
)

// Windows returns the record as a windows.Record: the System fields, and the EventData (or
// UserData) named values. Unnamed EventData values get keys Data, Data_2, ... in document
// order; UserData's wrapper element is unwrapped. Empty values are nil, as in python-evtx JSON.
func (r *Record) Windows() *windows.Record {
	w := &windows.Record{TimeCreated: r.TimeCreated}
	sys := r.Root.Child("System")
	for e := range sys.Elems() {
		switch e.Name {
		case "Provider":
			w.Provider, _ = e.Attr("Name")
			w.ProviderGUID, _ = e.Attr("Guid")
		case "EventID":
			w.EventID, _ = strconv.Atoi(strings.TrimSpace(e.Text()))
			w.Qualifiers, _ = e.Attr("Qualifiers")
		case "Version":
			w.Version = e.Text()
		case "Level":
			w.Level, _ = strconv.Atoi(strings.TrimSpace(e.Text()))
		case "Task":
			w.Task = e.Text()
		case "Opcode":
			w.Opcode = e.Text()
		case "Keywords":
			w.Keywords = e.Text()
		case "EventRecordID":
			w.EventRecordID, _ = strconv.ParseInt(strings.TrimSpace(e.Text()), 10, 64)
		case "Execution":
			p, _ := e.Attr("ProcessID")
			t, _ := e.Attr("ThreadID")
			w.ProcessID, _ = strconv.ParseInt(p, 10, 64)
			w.ThreadID, _ = strconv.ParseInt(t, 10, 64)
		case "Channel":
			w.Channel = e.Text()
		case "Computer":
			w.Computer = e.Text()
		case "Security":
			w.UserID, _ = e.Attr("UserID")
		}
	}
	ed, ud := r.Root.Child("EventData"), r.Root.Child("UserData")
	n := 0
	for range ed.Elems() {
		n++
	}
	for wrap := range ud.Elems() {
		for range wrap.Elems() {
			n++
		}
	}
	w.Data = make(map[string]any, n)
	if ed != nil {
		unnamed := 0
		for e := range ed.Elems() {
			k, ok := e.Attr("Name")
			if !ok {
				k = e.Name
				if e.Name == "Data" {
					unnamed++
					if unnamed > 1 {
						k = "Data_" + strconv.Itoa(unnamed)
					}
				}
			}
			w.Data[k] = dataValue(e)
		}
	}
	if ud != nil {
		for wrap := range ud.Elems() {
			if !wrap.HasChildren() {
				if t := wrap.Text(); t != "" {
					w.Data[wrap.Name] = cleanText(t)
				}
				continue
			}
			for e := range wrap.Elems() {
				if _, dup := w.Data[e.Name]; !dup {
					w.Data[e.Name] = dataValue(e)
				}
			}
		}
	}
	return w
}

// dataValue is an element's text (nil when empty) or, for an element with children, a map of
// them.
func dataValue(e *Element) any {
	if !e.HasChildren() {
		if t := e.Text(); t != "" {
			return cleanText(t)
		}
		return nil
	}
	m := map[string]any{}
	for c := range e.Elems() {
		if _, dup := m[c.Name]; !dup {
			m[c.Name] = dataValue(c)
		}
	}
	return m
}
