package evtx

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// AppendXML appends the XML of e as python-evtx renders a record: every element written as
// <name attr="v">content</name> followed by a newline, values escaped for XML with non-ASCII
// characters as numeric references and C0 control characters (but tab, LF, CR) dropped.
// Unlike python-evtx, double quotes in attribute values are escaped, so the output is always
// well-formed.
func AppendXML(b []byte, e *Element) []byte {
	if e == nil {
		return b
	}
	if e.Name == "" {
		return appendContentXML(b, e)
	}
	b = append(b, '<')
	b = append(b, e.Name...)
	for _, a := range e.Attrs {
		b = append(b, ' ')
		b = append(b, a.Name...)
		b = append(b, '=', '"')
		b = appendEscaped(b, a.Value, true)
		b = append(b, '"')
	}
	b = append(b, '>')
	b = appendContentXML(b, e)
	b = append(b, '<', '/')
	b = append(b, e.Name...)
	return append(b, '>', '\n')
}

func appendContentXML(b []byte, e *Element) []byte {
	for _, n := range e.Content {
		switch n.Kind {
		case TextNode:
			b = appendEscaped(b, n.Text, false)
		case ElemNode:
			b = AppendXML(b, n.Elem)
		case CDataNode:
			b = append(b, "<![CDATA["...)
			b = appendEscaped(b, n.Text, false)
			b = append(b, "]]>"...)
		case PINode:
			b = append(b, "<?"...)
			b = appendEscaped(b, n.Text, false)
			b = append(b, "?>"...)
		}
	}
	return b
}

// RenderXML returns the record's XML as python-evtx prints it (without the XML declaration).
func (r *Record) RenderXML() []byte { return AppendXML(nil, r.Root) }

func xmlString(e *Element) string { return string(appendContentXML(nil, e)) }

// restricted reports the characters python-evtx removes from values (XML 1.1 restricted
// characters that are ASCII; the others are written as character references first).
func restricted(r rune) bool {
	return (r >= 0x01 && r <= 0x08) || r == 0x0b || r == 0x0c || (r >= 0x0e && r <= 0x1f) || r == 0x7f
}

func appendEscaped(b []byte, s string, attr bool) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			switch {
			case c == '&':
				b = append(b, "&amp;"...)
			case c == '<':
				b = append(b, "&lt;"...)
			case c == '>':
				b = append(b, "&gt;"...)
			case c == '"' && attr:
				b = append(b, "&quot;"...)
			case restricted(rune(c)):
			default:
				b = append(b, c)
			}
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		b = append(b, "&#"...)
		b = strconv.AppendInt(b, int64(r), 10)
		b = append(b, ';')
	}
	return b
}

// cleanText is a value as it reads back from python-evtx's XML: restricted characters gone
// and line ends normalized by the XML parser (CR LF and lone CR become LF).
func cleanText(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '\r' || restricted(rune(c)) {
			return cleanSlow(s)
		}
	}
	return s
}

func cleanSlow(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\r':
			b = append(b, '\n')
			if i+1 < len(s) && s[i+1] == '\n' {
				i++
			}
		case restricted(rune(c)):
		default:
			b = append(b, c)
		}
	}
	return string(b)
}

// AppendJSON appends the record as one JSON object in the shape of the project's python-evtx
// JSON decoding (evtx-jsonl): {"record_id":N,"System":{...},"EventData":{...}} where System
// flattens the usual System elements, EventData maps each Data element's Name (or its tag)
// to its text (null when empty) and UserData (or any other section) nests element by element.
func (r *Record) AppendJSON(b []byte) []byte {
	b = append(b, `{"record_id":`...)
	b = strconv.AppendUint(b, r.ID, 10)
	root := r.Root
	for sec := range root.Elems() {
		b = append(b, ',')
		b = appendJSONString(b, sec.Name)
		b = append(b, ':')
		switch sec.Name {
		case "System":
			b = appendSystemJSON(b, sec)
		case "EventData":
			b = appendEventDataJSON(b, sec)
		default:
			b = appendNestedJSON(b, sec)
		}
	}
	return append(b, '}')
}

// RenderJSON returns the record as JSON (see AppendJSON).
func (r *Record) RenderJSON() []byte { return r.AppendJSON(nil) }

type jsonObj struct {
	b     []byte
	first bool
}

func (o *jsonObj) key(k string) {
	if !o.first {
		o.b = append(o.b, ',')
	}
	o.first = false
	o.b = appendJSONString(o.b, k)
	o.b = append(o.b, ':')
}

func (o *jsonObj) str(k, v string) {
	o.key(k)
	o.b = appendJSONString(o.b, cleanText(v))
}

func appendSystemJSON(b []byte, sys *Element) []byte {
	o := jsonObj{b: append(b, '{'), first: true}
	for e := range sys.Elems() {
		switch e.Name {
		case "Provider":
			if v, ok := e.Attr("Name"); ok {
				o.str("Provider", v)
			}
			if v, ok := e.Attr("Guid"); ok && v != "" {
				o.str("ProviderGuid", v)
			}
		case "EventID":
			o.key("EventID")
			t := cleanText(e.Text())
			if n, err := strconv.ParseInt(strings.TrimSpace(t), 10, 64); err == nil {
				o.b = strconv.AppendInt(o.b, n, 10)
			} else {
				o.b = appendJSONString(o.b, t)
			}
			if v, ok := e.Attr("Qualifiers"); ok && v != "" {
				o.str("EventIDQualifiers", v)
			}
		case "TimeCreated":
			if v, ok := e.Attr("SystemTime"); ok {
				o.str("TimeCreated", v)
			}
		case "Correlation":
			o.key("Correlation")
			c := jsonObj{b: append(o.b, '{'), first: true}
			a, _ := e.Attr("ActivityID")
			r, _ := e.Attr("RelatedActivityID")
			c.str("ActivityID", a)
			c.str("RelatedActivityID", r)
			o.b = append(c.b, '}')
		case "Execution":
			if v, ok := e.Attr("ProcessID"); ok {
				o.str("ProcessID", v)
			}
			if v, ok := e.Attr("ThreadID"); ok {
				o.str("ThreadID", v)
			}
		case "Security":
			if v, ok := e.Attr("UserID"); ok && v != "" {
				o.str("UserID", v)
			}
		default:
			o.str(e.Name, e.Text())
		}
	}
	return append(o.b, '}')
}

func appendEventDataJSON(b []byte, ed *Element) []byte {
	return appendObjectJSON(b, ed, func(e *Element) string {
		if k, ok := e.Attr("Name"); ok {
			return k
		}
		return e.Name
	})
}

func elementName(e *Element) string { return e.Name }

func appendNestedJSON(b []byte, e *Element) []byte {
	if !e.HasChildren() {
		if t := e.Text(); t != "" {
			return appendJSONString(b, cleanText(t))
		}
		return append(b, "null"...)
	}
	return appendObjectJSON(b, e, elementName)
}

// appendObjectJSON writes the child elements of e as a JSON object keyed by key(child). A key
// that repeats is written once, where it first appears, with the value of its last element,
// as a Python dict built from the elements would hold it.
func appendObjectJSON(b []byte, e *Element, key func(*Element) string) []byte {
	var kidsBuf [32]*Element
	var keysBuf [32]string
	kids, keys := kidsBuf[:0], keysBuf[:0]
	for c := range e.Elems() {
		kids = append(kids, c)
		keys = append(keys, key(c))
	}
	last := lastIndex(keys)
	o := jsonObj{b: append(b, '{'), first: true}
	for i, k := range keys {
		j := i
		if last != nil {
			if first, ok := last[k]; !ok || first < 0 {
				continue // written already
			} else {
				j = first
				last[k] = -1
			}
		}
		o.key(k)
		o.b = appendNestedJSON(o.b, kids[j])
	}
	return append(o.b, '}')
}

// lastIndex returns nil when keys has no duplicates, else the index of each key's last
// occurrence.
func lastIndex(keys []string) map[string]int {
	dup := false
	if len(keys) <= 32 {
		for i := 1; i < len(keys) && !dup; i++ {
			for j := 0; j < i; j++ {
				if keys[i] == keys[j] {
					dup = true
					break
				}
			}
		}
	} else {
		seen := make(map[string]bool, len(keys))
		for _, k := range keys {
			if seen[k] {
				dup = true
				break
			}
			seen[k] = true
		}
	}
	if !dup {
		return nil
	}
	m := make(map[string]int, len(keys))
	for i, k := range keys {
		m[k] = i
	}
	return m
}

// appendJSONString writes s as a JSON string the way Python's json.dumps(ensure_ascii=False)
// does.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n == 1 {
				b = append(b, `\ufffd`...)
			} else {
				b = append(b, s[i:i+n]...)
			}
			i += n
			continue
		}
		i++
		switch c {
		case '"':
			b = append(b, '\\', '"')
		case '\\':
			b = append(b, '\\', '\\')
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		case '\b':
			b = append(b, '\\', 'b')
		case '\f':
			b = append(b, '\\', 'f')
		default:
			if c < 0x20 {
				b = append(b, '\\', 'u', '0', '0', hexdigits[c>>4], hexdigits[c&0xf])
			} else {
				b = append(b, c)
			}
		}
	}
	return append(b, '"')
}
