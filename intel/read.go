package intel

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"

	"trawl/event"
	"trawl/importers"
	"trawl/internal/tabular"
)

// Format is an indicator file format.
type Format string

const (
	FormatList  Format = "list"  // one value a line, type inferred
	FormatTable Format = "table" // CSV with a header, or JSON objects, with type/value/... columns
	FormatSTIX  Format = "stix"  // a STIX 2.1 bundle
)

// Options configure a read.
type Options struct {
	Source string // feed name for indicators that do not name their own
}

// Detect decides the format of an indicator file from its first bytes.
func Detect(head []byte) Format {
	t := bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\ufeff")), " \t\r\n")
	if len(t) > 0 && (t[0] == '{' || t[0] == '[') {
		if t[0] == '{' && bytes.Contains(head, []byte(`"bundle"`)) || bytes.Contains(head, []byte(`"spec_version"`)) {
			return FormatSTIX
		}
		return FormatTable
	}
	first, _, _ := bytes.Cut(t, []byte("\n"))
	if bytes.ContainsAny(first, ",;\t") {
		for _, h := range strings.FieldsFunc(string(first), func(r rune) bool { return r == ',' || r == ';' || r == '\t' }) {
			if _, ok := valueColumns[tabular.Normalize(strings.Trim(h, `" `))]; ok {
				return FormatTable
			}
		}
	}
	return FormatList
}

// Read reads indicators from r in the format Detect finds, and says which it was.
func Read(ctx context.Context, r io.Reader, opt Options, sink Sink) (Format, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, _ := br.Peek(8192)
	f := Detect(head)
	var err error
	switch f {
	case FormatSTIX:
		err = ReadSTIX(ctx, br, opt, sink)
	case FormatTable:
		err = ReadTable(ctx, br, opt, sink)
	default:
		err = ReadList(ctx, br, opt, sink)
	}
	return f, err
}

// ReadList reads one value a line. Blank lines and lines starting with '#', '//' or ';' are
// comments; text after the value (after white space, an optional '#') is its description.
// Defanged values (hxxp://, evil[.]com) are refanged.
func ReadList(ctx context.Context, r io.Reader, opt Options, sink Sink) error {
	rs := rejectSink{sink}
	return importers.ReadLines(ctx, r, rs, func(l importers.Line) error {
		text := strings.TrimSpace(string(l.Text))
		if text == "" || strings.HasPrefix(text, "#") || strings.HasPrefix(text, "//") || strings.HasPrefix(text, ";") {
			return nil
		}
		value, rest, _ := strings.Cut(text, " ")
		if i := strings.IndexByte(value, '\t'); i >= 0 {
			value, rest = value[:i], value[i+1:]+" "+rest
		}
		rest = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(rest), "#"))
		t, v, err := Infer(value)
		if err != nil {
			return sink.Reject(Reject{Line: l.Num, Field: "value", Reason: err.Error(), Raw: cutRaw(text)})
		}
		return sink.Indicator(Indicator{Type: t, Value: v, Source: opt.Source, Confidence: -1, Description: rest, Line: l.Num})
	})
}

// rejectSink adapts a Sink to the importers' line reader, which only ever reports overlong
// lines to it.
type rejectSink struct{ s Sink }

func (r rejectSink) Event(importers.Record, *event.Event) error { return nil }

func (r rejectSink) Reject(rj importers.Reject) error {
	return r.s.Reject(Reject{Line: rj.Line, Reason: rj.Reason, Raw: cutRaw(string(rj.Raw))})
}

// The table columns each field is read from, by normalized header name. A value column can
// imply its type (a "domain" column holds domains).
var (
	valueColumns = map[string]Type{
		"value": "", "indicator": "", "ioc": "", "observable": "", "ioc_value": "", "indicator_value": "",
		"ip": "", "ip_address": "", "address": "", "domain": Domain, "hostname": Domain, "fqdn": Domain,
		"url": URL, "md5": MD5, "sha1": SHA1, "sha256": SHA256, "hash": "",
	}
	valueOrder       = []string{"value", "indicator", "ioc", "ioc_value", "indicator_value", "observable", "ip", "ip_address", "address", "domain", "hostname", "fqdn", "url", "sha256", "sha1", "md5", "hash"}
	typeColumns      = []string{"type", "ioc_type", "indicator_type", "observable_type", "kind"}
	confColumns      = []string{"confidence", "conf"}
	sourceColumns    = []string{"source", "feed", "provider"}
	expiryColumns    = []string{"expiry", "expires", "expiration", "expires_at", "expiration_date", "valid_until"}
	validFromColumns = []string{"valid_from", "first_seen", "created"}
	labelColumns     = []string{"labels", "label", "tags", "tag"}
	nameColumns      = []string{"name", "threat", "malware"}
	descColumns      = []string{"description", "comment", "comments", "note", "notes"}
	idColumns        = []string{"id", "indicator_id", "uuid"}
)

func first(row tabular.Row, names []string) (string, string) {
	for _, n := range names {
		if v, ok := row.Get(n); ok && strings.TrimSpace(v) != "" {
			return n, strings.TrimSpace(v)
		}
	}
	return "", ""
}

// ReadTable reads a CSV file with a header (or JSON objects) holding a value column and any of
// type, confidence, source, expiry, valid_from, labels, name, description and id.
func ReadTable(ctx context.Context, r io.Reader, opt Options, sink Sink) error {
	_, err := tabular.Read(r, func(row tabular.Row) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		rj, ind := tableRow(row, opt)
		if rj != nil {
			return sink.Reject(*rj)
		}
		return sink.Indicator(ind)
	}, func(line int64, raw string, err error) error {
		return sink.Reject(Reject{Line: line, Reason: err.Error(), Raw: raw})
	})
	return err
}

func tableRow(row tabular.Row, opt Options) (*Reject, Indicator) {
	reject := func(field, reason string) (*Reject, Indicator) {
		return &Reject{Line: row.Line, Field: field, Reason: reason, Raw: row.Raw}, Indicator{}
	}
	ind := Indicator{Source: opt.Source, Confidence: -1, Line: row.Line}
	col, value := first(row, valueOrder)
	if col == "" {
		return reject("value", "no value (a value, indicator, ioc, ip, domain, url or hash column)")
	}
	t := valueColumns[col]
	if tc, tv := first(row, typeColumns); tc != "" {
		pt, ok := ParseType(tv)
		if !ok {
			return reject(tc, fmt.Sprintf("unknown indicator type %q", short(tv)))
		}
		if pt != "" {
			t = pt
		}
	}
	nt, nv, err := Normalize(t, value)
	if err != nil {
		return reject(col, err.Error())
	}
	ind.Type, ind.Value = nt, nv
	if c, v := first(row, confColumns); c != "" {
		if ind.Confidence, err = ParseConfidence(v); err != nil {
			return reject(c, err.Error())
		}
	}
	if c, v := first(row, expiryColumns); c != "" {
		if ind.ValidUntil, err = ParseTime(v); err != nil {
			return reject(c, err.Error())
		}
	}
	if c, v := first(row, validFromColumns); c != "" {
		if ind.ValidFrom, err = ParseTime(v); err != nil {
			return reject(c, err.Error())
		}
	}
	if _, v := first(row, sourceColumns); v != "" {
		ind.Source = v
	}
	if c, _ := first(row, labelColumns); c != "" {
		ind.Labels = tabular.List(row.Fields[c])
	}
	_, ind.Name = first(row, nameColumns)
	_, ind.Description = first(row, descColumns)
	_, ind.ID = first(row, idColumns)
	return nil, ind
}

func cutRaw(s string) string {
	if len(s) > 512 {
		return s[:512]
	}
	return s
}
