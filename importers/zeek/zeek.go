// Package zeek reads Zeek (Bro) logs, in both of Zeek's writers: the default TSV (a header of
// #separator, #fields, #types, #path lines, "-" for unset and "(empty)" for empty fields,
// epoch timestamps) and JSON lines (ISO or epoch ts; field names dotted "id.orig_h", nested
// {"id":{"orig_h":...}} or flattened "id_orig_h", all accepted). The log's path (conn, dns,
// http, ...) comes from #path, the JSON _path field, the file name, or failing those from a
// field only that log has; mapping.go maps each path through its own table. Every record keeps
// all its fields (typed by #types in TSV) in Event.Fields.
package zeek

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"trawl/event"
	"trawl/importers"
)

// Format is the Zeek log format.
type Format struct{}

func init() { importers.Register(Format{}) }

func (Format) Name() string { return "zeek" }
func (Format) Description() string {
	return "Zeek logs: TSV with #fields header, or JSON lines (conn, dns, http, ssl, files, notice, ...)"
}

// Sniff is certain of a Zeek TSV header, and rates JSON lines by Zeek's field names.
func (Format) Sniff(head []byte) int {
	h := bytes.TrimLeft(head, " \t\r\n")
	switch {
	case bytes.HasPrefix(h, []byte("#separator")):
		return 100
	case bytes.HasPrefix(h, []byte("#fields\t")), bytes.HasPrefix(h, []byte("#path\t")):
		return 90
	}
	objs := importers.SniffJSONLines(head, 8)
	if len(objs) == 0 {
		return 0
	}
	score := 100
	for _, o := range objs {
		s := 0
		_, hasTS := o["ts"]
		_, hasPath := o["_path"]
		_, orig := lookup(o, "id.orig_h")
		_, uid := o["uid"]
		switch {
		case hasTS && hasPath:
			s = 95
		case hasTS && orig && uid:
			s = 85
		case hasTS && (orig || uid):
			s = 60
		}
		score = min(score, s)
	}
	return score
}

// Read imports a Zeek log. Header lines configure the records after them (a file may hold
// several logs one after another); a data line before any #fields header, or with the wrong
// number of values, is a reject, as is a JSON line that does not decode.
func (Format) Read(ctx context.Context, in importers.Input, sink importers.Sink) error {
	r := newReader(pathFromName(in.Name), sink)
	return importers.ReadLines(ctx, in.R, sink, r.line)
}

// tsvHeader is the state the TSV header lines set.
type tsvHeader struct {
	sep, setSep, empty, unset string
	path                      string
	fields, types             []string
}

func defaultHeader() tsvHeader {
	return tsvHeader{sep: "\t", setSep: ",", empty: "(empty)", unset: "-"}
}

type reader struct {
	h        tsvHeader
	filePath string // the path the file name suggests, "" when it suggests none
	sink     importers.Sink
	ev       event.Event
}

func newReader(filePath string, sink importers.Sink) *reader {
	return &reader{h: defaultHeader(), filePath: filePath, sink: sink}
}

func (r *reader) line(l importers.Line) error {
	text := l.Text
	if len(bytes.TrimSpace(text)) == 0 {
		return nil
	}
	var (
		obj  map[string]any
		path string
		err  error
		raw  = string(text) // Raw, and the text TSV values are cut from: one copy of the line
	)
	switch text[0] {
	case '#':
		return r.header(l)
	case '{', '[', ' ', '\t':
		if t := bytes.TrimSpace(text); t[0] == '{' || t[0] == '[' {
			obj, err = importers.DecodeObject(t)
			if err == nil {
				path, _ = obj["_path"].(string)
			}
			break
		}
		fallthrough
	default:
		obj, err = r.tsv(raw)
		path = r.h.path
	}
	if err == nil {
		if path == "" {
			path = r.filePath
		}
		if path == "" {
			path = guessPath(obj)
		}
		err = build(&r.ev, path, obj, raw)
	}
	if err != nil {
		return r.sink.Reject(importers.RejectOf(l, err))
	}
	return r.sink.Event(importers.Record{Line: l.Num, Offset: l.Offset}, &r.ev)
}

// header reads one #-line of the TSV header.
func (r *reader) header(l importers.Line) error {
	text := string(l.Text)
	if rest, ok := strings.CutPrefix(text, "#separator"); ok {
		sep := unescape(strings.TrimLeft(rest, " \t"))
		if sep == "" {
			return r.sink.Reject(importers.Reject{Line: l.Num, Offset: l.Offset, Field: "#separator", Reason: "empty separator", Raw: l.Text})
		}
		if strings.ContainsAny(sep, "\r\n") {
			// A file whose lines end in lone CRs reads as one line: without this, all of it
			// would pass for a #separator directive and vanish without a trace.
			return r.sink.Reject(importers.Reject{Line: l.Num, Offset: l.Offset, Field: "#separator", Reason: "separator holds a line break (lines ending in a lone CR?)", Raw: l.Text})
		}
		r.h = defaultHeader()
		r.h.sep = sep
		return nil
	}
	name, value, _ := strings.Cut(text, r.h.sep)
	switch name {
	case "#set_separator":
		r.h.setSep = unescape(value)
	case "#empty_field":
		r.h.empty = unescape(value)
	case "#unset_field":
		r.h.unset = unescape(value)
	case "#path":
		r.h.path = unescape(value)
	case "#fields":
		r.h.fields = strings.Split(value, r.h.sep)
		r.h.types = nil
		for i, f := range r.h.fields {
			r.h.fields[i] = unescape(f)
		}
		if slices.Contains(r.h.fields, "") {
			r.h.fields = nil
			return r.sink.Reject(importers.Reject{Line: l.Num, Offset: l.Offset, Field: "#fields", Reason: "empty field name in #fields header", Raw: l.Text})
		}
	case "#types":
		r.h.types = strings.Split(value, r.h.sep)
	}
	return nil // #open, #close and comments carry nothing a record needs
}

// tsv splits a data line into its fields, typed by #types: numbers stay json.Number (their
// spelling kept), T/F become booleans, sets and vectors become lists; unset fields are left
// out, as Zeek's JSON writer leaves them out.
func (r *reader) tsv(text string) (map[string]any, error) {
	h := &r.h
	if h.fields == nil {
		return nil, fmt.Errorf("data line before any #fields header")
	}
	values := strings.Split(text, h.sep)
	if len(values) != len(h.fields) {
		return nil, fmt.Errorf("%d values for the %d fields of the #fields header", len(values), len(h.fields))
	}
	obj := make(map[string]any, len(values))
	for i, v := range values {
		if v == h.unset {
			continue
		}
		typ := ""
		if i < len(h.types) {
			typ = h.types[i]
		}
		obj[h.fields[i]] = h.value(v, typ)
	}
	return obj, nil
}

// value converts one TSV value by its Zeek type.
func (h *tsvHeader) value(v, typ string) any {
	if inner, ok := containerOf(typ); ok {
		if v == h.empty {
			return []any{}
		}
		parts := strings.Split(v, h.setSep)
		list := make([]any, len(parts))
		for i, p := range parts {
			if p == h.unset {
				continue // nil
			}
			list[i] = h.value(p, inner)
		}
		return list
	}
	if v == h.empty {
		return ""
	}
	switch typ {
	case "time", "interval", "double":
		if _, err := strconv.ParseFloat(v, 64); err == nil {
			return json.Number(v)
		}
	case "count", "int", "port":
		if _, err := strconv.ParseInt(v, 10, 64); err == nil {
			return json.Number(v)
		}
		if _, err := strconv.ParseUint(v, 10, 64); err == nil {
			return json.Number(v)
		}
	case "bool":
		switch v {
		case "T":
			return true
		case "F":
			return false
		}
	}
	return unescape(v)
}

// containerOf returns the element type of set[T], vector[T] and table[T].
func containerOf(typ string) (string, bool) {
	for _, p := range []string{"set[", "vector[", "table["} {
		if rest, ok := strings.CutPrefix(typ, p); ok && strings.HasSuffix(rest, "]") {
			return rest[:len(rest)-1], true
		}
	}
	return "", false
}

// unescape undoes Zeek's TSV escaping: \\ is a backslash, and \xHH a byte when that byte is
// printable ASCII, tab, newline or carriage return (the separators Zeek had to escape). Other
// \xHH (control characters, bytes of invalid UTF-8) stay as the four characters, as Zeek's
// JSON writer prints them: TSV and JSON logs of the same traffic then give the same text, and
// no raw control character (a terminal escape, say) reaches the store from an escape.
func unescape(s string) string {
	if strings.IndexByte(s, '\\') < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' && i+1 < len(s) {
			switch {
			case s[i+1] == '\\':
				b.WriteByte('\\')
				i++
				continue
			case s[i+1] == 'x' && i+3 < len(s) && isHex(s[i+2]) && isHex(s[i+3]):
				n, _ := strconv.ParseUint(s[i+2:i+4], 16, 8)
				if n == '\t' || n == '\n' || n == '\r' || n >= 0x20 && n < 0x7f {
					b.WriteByte(byte(n))
					i += 3
					continue
				}
				if n >= 0x80 { // a run of escaped bytes that may spell valid UTF-8
					run, end := escapedRun(s[i:])
					if utf8.Valid(run) {
						b.Write(run)
					} else {
						b.WriteString(s[i : i+end])
					}
					i += end - 1
					continue
				}
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}

// escapedRun decodes the \xHH escapes of bytes >= 0x80 at the start of s, returning the bytes
// and the length of text they took.
func escapedRun(s string) ([]byte, int) {
	var run []byte
	i := 0
	for i+3 < len(s) && s[i] == '\\' && s[i+1] == 'x' && isHex(s[i+2]) && isHex(s[i+3]) {
		n, _ := strconv.ParseUint(s[i+2:i+4], 16, 8)
		if n < 0x80 {
			break
		}
		run = append(run, byte(n))
		i += 4
	}
	return run, i
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// lookup reads a Zeek field from a decoded record under any of the spellings JSON exports use:
// the literal dotted name, a path through nested objects, or dots turned into underscores.
func lookup(obj map[string]any, src string) (string, bool) {
	v, ok := importers.Get(obj, src)
	if !ok && strings.IndexByte(src, '.') >= 0 {
		v, ok = obj[strings.ReplaceAll(src, ".", "_")]
	}
	if !ok || v == nil {
		return "", false
	}
	return importers.Text(v), true
}

// build fills ev from one record of the given log path.
func build(ev *event.Event, path string, obj map[string]any, raw string) error {
	*ev = event.Event{SourceType: "zeek", Dataset: "zeek", Raw: raw, Fields: obj}
	if path != "" {
		ev.Dataset = "zeek." + path
	}
	m := logs[path]
	ev.Category, ev.Action, ev.AuthPackage = m.Category, m.Action, m.AuthPackage
	get := func(src string) (string, bool) { return lookup(obj, src) }
	if err := common.Apply(ev, get); err != nil {
		return err
	}
	if err := m.Fields.Apply(ev, get); err != nil {
		return err
	}
	if m.Outcome != "" {
		if v, ok := get(m.Outcome); ok {
			if o, ok := m.Outcomes[v]; ok {
				ev.Outcome = o
			} else {
				ev.Outcome = m.Outcomes["*"]
			}
		}
	}
	if m.Finish != nil {
		m.Finish(ev, get)
	}
	return nil
}

// pathFromName takes the log path from a file name such as conn.log, dns.json or
// conn.00:00:00-01:00:00.log.gz, when it names a known Zeek log.
func pathFromName(name string) string {
	base := filepath.Base(name)
	if i := strings.IndexByte(base, '.'); i > 0 {
		base = base[:i]
	}
	if slices.Contains(known, base) {
		return base
	}
	return ""
}

// guessPath names the log of a record that does not say, from a field only that log has.
func guessPath(obj map[string]any) string {
	for _, s := range shapes {
		if _, ok := lookup(obj, s.field); ok {
			return s.path
		}
	}
	return ""
}
