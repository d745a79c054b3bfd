// Package web reads web server access logs: the Common Log Format of Apache, nginx and Tomcat,
// the Combined format (referer and user agent), and their usual variants: a virtual host
// prefix (Apache vhost_combined, "host:port " first), and trailing fields such as nginx's
// $request_time, Apache's %D/%T or a quoted X-Forwarded-For.
//
// Scanners send garbage request lines (TLS handshakes, binary, unbalanced quotes): a line
// whose request is malformed still imports when the rest of it parses, with the request kept
// as given. Only a line without the CLF skeleton (client, [time], "request", status) is a
// reject.
//
// Every line is category "http". The outcome follows the status class: 1xx to 3xx are
// "success", 4xx and 5xx "failure" (denied, not found, server error), so that failed probes
// and authentication failures (401) can be counted per client.
package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"trawl/event"
	"trawl/importers"
)

// fieldMap is the one mapping table of the format: parsed field -> event column. The parsed
// field names are also the keys of Event.Fields.
var fieldMap = importers.FieldMap{
	{Src: "remote_ip", Col: "src_ip"},      // %h when it is an address (not a resolved name)
	{Src: "authuser", Col: "user"},         // %u; "-" is no user
	{Src: "time", Col: "time"},             // %t, [02/Jan/2006:15:04:05 -0700]
	{Src: "method", Col: "http_method"},    // from %r
	{Src: "url", Col: "url"},               // from %r, as given (not decoded)
	{Src: "status", Col: "http_status"},    // %>s
	{Src: "bytes", Col: "bytes_out"},       // %b / %O, bytes sent to the client; "-" is none
	{Src: "user_agent", Col: "user_agent"}, // Combined: second quoted field
	{Src: "vhost_name", Col: "domain"},     // vhost prefix: the requested host
	{Src: "vhost_port", Col: "dst_port"},   // vhost prefix: the server port
}

// Format is the access log format.
type Format struct{}

func init() { importers.Register(Format{}) }

func (Format) Name() string { return "web" }
func (Format) Description() string {
	return "web server access logs: Common/Combined Log Format (Apache, nginx, Tomcat), vhost prefix and request-time suffix"
}

// Sniff answers 80 when most complete lines of head parse as access log lines.
func (Format) Sniff(head []byte) int {
	lines, ok := importers.SniffLines(head, 20, func(line []byte) bool {
		_, err := parseLine(line)
		return err == nil
	})
	if lines == 0 || ok*5 < lines*4 {
		return 0
	}
	return 80
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
	ev := &event.Event{
		SourceType: "web",
		Category:   "http",
		Dataset:    "access",
		Action:     "request",
		Raw:        string(line),
		Fields:     make(map[string]any, len(f)),
	}
	for k, v := range f {
		ev.Fields[k] = v
	}
	if err := fieldMap.Apply(ev, func(src string) (string, bool) { v, ok := f[src]; return v, ok }); err != nil {
		return nil, err
	}
	if p := f["protocol"]; len(p) >= 5 && (p[:5] == "HTTP/" || p[:5] == "http/") {
		ev.Protocol = "http"
	}
	// Outcome follows the status class: 4xx and 5xx are failures (denied, not found, server
	// error), 1xx to 3xx successes.
	if ev.HTTPStatus.OK {
		if ev.HTTPStatus.V >= 400 {
			ev.Outcome = "failure"
		} else {
			ev.Outcome = "success"
		}
	}
	return ev, nil
}

// parseLine splits one access log line into named fields (see fieldMap for the names that
// fill columns; the others are request, protocol, client, ident, referer, request_time,
// vhost, quoted_N and extra_N). It fails only when the CLF skeleton is missing.
func parseLine(s []byte) (map[string]string, error) {
	f := map[string]string{}

	// client, ident and user before " [", with an optional vhost first
	open := bytes.Index(s, []byte(" ["))
	if open < 0 {
		return nil, errors.New("not an access log line: no [time]")
	}
	pre := bytes.Fields(s[:open])
	switch {
	case len(pre) < 3:
		return nil, errors.New("not an access log line: want client, ident and user before [time]")
	case len(pre) == 4 || (len(pre) > 4 && isVhost(pre[0])):
		f["vhost"] = string(pre[0])
		name, port := splitVhost(pre[0])
		f["vhost_name"] = name
		if port != "" {
			f["vhost_port"] = port
		}
		pre = pre[1:]
	}
	f["client"] = string(pre[0])
	if ip := event.NormalizeIP(string(pre[0])); ip != "" {
		f["remote_ip"] = string(pre[0])
	}
	f["ident"] = string(pre[1])
	f["authuser"] = string(bytes.Join(pre[2:], []byte(" ")))

	// [time]
	rest := s[open+2:]
	end := bytes.IndexByte(rest, ']')
	if end < 0 {
		return nil, errors.New("not an access log line: [time] is not closed")
	}
	f["time"] = string(rest[:end])
	if _, err := event.ParseTime(f["time"]); err != nil {
		return nil, &importers.FieldError{Field: "time", Err: err}
	}
	rest = rest[end+1:]

	// "request" status bytes: the request ends at the first quote followed by a status code,
	// so quotes inside it (scanner payloads) do not cut it short.
	if len(rest) < 2 || rest[0] != ' ' || rest[1] != '"' {
		return nil, errors.New(`not an access log line: no "request" after [time]`)
	}
	rest = rest[2:]
	qe := requestEnd(rest)
	if qe < 0 {
		return nil, errors.New(`not an access log line: no closing quote followed by a status code`)
	}
	parseRequest(f, rest[:qe])
	rest = rest[qe+2:] // past `" `
	f["status"] = string(rest[:3])
	rest = rest[3:]
	if len(rest) > 0 {
		rest = rest[1:]
		sp := bytes.IndexByte(rest, ' ')
		if sp < 0 {
			sp = len(rest)
		}
		b := rest[:sp]
		if !isBytes(b) {
			return nil, &importers.FieldError{Field: "bytes", Err: fmt.Errorf("not a byte count: %q", importers.Truncate(b, 40))}
		}
		f["bytes"] = string(b)
		rest = rest[sp:]
	}
	parseTrailer(f, rest)
	return f, nil
}

// requestEnd finds the quote closing the request: the first one followed by a space, three
// digits and a space or the end of the line. -1 when there is none.
func requestEnd(b []byte) int {
	for i := 0; i < len(b); i++ {
		if b[i] != '"' {
			continue
		}
		t := b[i+1:]
		if len(t) >= 4 && t[0] == ' ' && isDigit(t[1]) && isDigit(t[2]) && isDigit(t[3]) && (len(t) == 4 || t[4] == ' ') {
			return i
		}
	}
	return -1
}

// parseRequest splits "METHOD url PROTOCOL". A request that does not start with a method
// (a TLS handshake, binary, an empty request) keeps only the raw request and is marked
// malformed; a URL with spaces in it is kept whole.
func parseRequest(f map[string]string, req []byte) {
	f["request"] = string(req)
	if string(req) == "-" || len(req) == 0 {
		return // Apache writes "-" for a connection that sent no request
	}
	sp := bytes.IndexByte(req, ' ')
	if sp <= 0 || !isMethod(req[:sp]) {
		f["request_malformed"] = "true"
		return
	}
	f["method"] = string(req[:sp])
	target := req[sp+1:]
	if ps := bytes.LastIndexByte(target, ' '); ps >= 0 && bytes.HasPrefix(bytes.ToUpper(target[ps+1:]), []byte("HTTP/")) {
		f["protocol"] = string(target[ps+1:])
		target = target[:ps]
	} else if bytes.HasPrefix(bytes.ToUpper(target), []byte("HTTP/")) && !bytes.Contains(target, []byte(" ")) {
		f["protocol"], target = string(target), nil // "GET HTTP/1.1": no URL
	}
	if len(target) > 0 {
		f["url"] = string(target)
	}
}

// parseTrailer reads what follows the byte count: quoted strings (referer, user agent, then
// others such as X-Forwarded-For) and bare tokens (a request time, then anything else).
func parseTrailer(f map[string]string, b []byte) {
	quoted, bare := 0, 0
	for {
		b = bytes.TrimLeft(b, " \t")
		if len(b) == 0 {
			return
		}
		var tok []byte
		if b[0] == '"' {
			tok, b = quotedToken(b[1:])
			quoted++
			switch quoted {
			case 1:
				f["referer"] = string(tok)
			case 2:
				f["user_agent"] = string(tok)
			default:
				f["quoted_"+strconv.Itoa(quoted)] = string(tok)
			}
			continue
		}
		sp := bytes.IndexAny(b, " \t")
		if sp < 0 {
			sp = len(b)
		}
		tok, b = b[:sp], b[sp:]
		if _, hasTime := f["request_time"]; !hasTime && isNumber(tok) {
			// nginx $request_time (seconds with milliseconds), Apache %D (microseconds) or %T
			// (seconds): kept as written, the unit depends on the configuration.
			f["request_time"] = string(tok)
			continue
		}
		bare++
		f["extra_"+strconv.Itoa(bare)] = string(tok)
	}
}

// quotedToken reads a quoted value whose opening quote is consumed: it ends at a quote that
// is not escaped by a backslash and is followed by a space or the end of the line. The
// escapes \" and \\ that Apache and nginx write are undone; others (\xhh) stay as written.
// An unclosed value runs to the end.
func quotedToken(b []byte) (tok, rest []byte) {
	end, rest := len(b), []byte(nil)
	for i := 0; i < len(b); i++ {
		if b[i] == '\\' {
			i++
			continue
		}
		if b[i] == '"' && (i+1 == len(b) || b[i+1] == ' ' || b[i+1] == '\t') {
			end, rest = i, b[i+1:]
			break
		}
	}
	tok = b[:end]
	if bytes.IndexByte(tok, '\\') >= 0 {
		tok = []byte(unescaper.Replace(string(tok)))
	}
	return tok, rest
}

var unescaper = strings.NewReplacer(`\"`, `"`, `\\`, `\`)

func isVhost(b []byte) bool {
	i := bytes.LastIndexByte(b, ':')
	return i > 0 && i < len(b)-1 && allDigits(b[i+1:])
}

// splitVhost splits "name:port" (or "[v6]:port"); without a port the whole is the name.
func splitVhost(b []byte) (name, port string) {
	if isVhost(b) {
		i := bytes.LastIndexByte(b, ':')
		name, port = string(b[:i]), string(b[i+1:])
	} else {
		name = string(b)
	}
	if len(name) > 1 && name[0] == '[' && name[len(name)-1] == ']' {
		name = name[1 : len(name)-1]
	}
	return name, port
}

func isMethod(b []byte) bool {
	if len(b) == 0 || len(b) > 24 {
		return false
	}
	for _, c := range b {
		if !(c >= 'A' && c <= 'Z' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

func isBytes(b []byte) bool { return string(b) == "-" || allDigits(b) }

func isNumber(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	dots := 0
	for _, c := range b {
		if c == '.' {
			dots++
		} else if !isDigit(c) {
			return false
		}
	}
	return dots <= 1 && b[0] != '.'
}

func allDigits(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if !isDigit(c) {
			return false
		}
	}
	return true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
