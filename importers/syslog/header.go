package syslog

import (
	"errors"
	"strings"
	"time"

	gosyslog "github.com/leodido/go-syslog/v4"
	"github.com/leodido/go-syslog/v4/rfc5424"
)

// stampKind says which timestamp a line carried.
type stampKind int

const (
	stampNone    stampKind = iota
	stampBSD               // RFC 3164 "Mmm dd hh:mm:ss": no year, no zone
	stampRFC3339           // an RFC 3339 time in an RFC 3164 line (rsyslog's high-precision template)
	stamp5424              // an RFC 5424 TIMESTAMP (possibly "-")
)

// bsdStamp is an RFC 3164 timestamp before a year is chosen for it.
type bsdStamp struct {
	year                      int // 0 unless the line carries one ("Mmm dd yyyy hh:mm:ss")
	month                     time.Month
	day, hour, minute, second int
	nsec                      int
}

// header is the parsed frame of one syslog line. Its strings are substrings of the line.
type header struct {
	pri     int // 0..191, or -1 when the line has no <PRI>
	kind    stampKind
	bsd     bsdStamp
	time    time.Time // for stampRFC3339 and stamp5424; zero for a NILVALUE 5424 time
	zoned   bool      // time carried its own offset
	host    string
	app     string
	procid  string
	msgid   string                       // RFC 5424 only
	sd      map[string]map[string]string // RFC 5424 only
	version int                          // RFC 5424 only, else 0
	msg     string
}

// headerError is a line that is not a syslog line, naming the part of the frame to blame.
type headerError struct {
	field  string
	reason string
}

func (e *headerError) Error() string { return e.reason }

func errAt(field, reason string) error { return &headerError{field, reason} }

var errNotSyslog = errAt("", `not a syslog line: expected "<PRI>", an RFC 3164 time ("Mmm dd hh:mm:ss"), an RFC 3339 time or an RFC 5424 header ("<PRI>1 ")`)

// parser parses lines. It holds the RFC 5424 machine, which is not safe for concurrent use, so
// each Read and each Sniff makes its own.
type parser struct {
	loc   *time.Location
	m5424 gosyslog.Machine
}

func newParser(loc *time.Location) *parser {
	return &parser{loc: loc}
}

// parse reads the frame of line s into h. s must not contain a line terminator.
func (p *parser) parse(s string, h *header) error {
	*h = header{pri: -1}
	rest := s
	if strings.HasPrefix(rest, "<") {
		end := strings.IndexByte(rest[:min(len(rest), 5)], '>')
		if end < 2 {
			return errAt("priority", "invalid <PRI>: expected 1 to 3 digits between < and >")
		}
		n, ok := atoi(rest[1:end])
		if !ok || n > 191 {
			return errAt("priority", "invalid <PRI>: expected a number from 0 to 191")
		}
		h.pri = n
		rest = rest[end+1:]
	}
	if len(rest) > 2 && rest[0] == '1' && rest[1] == ' ' && (isDigit(rest[2]) || rest[2] == '-') {
		return p.parse5424(s, h)
	}
	if rest == "" {
		return errNotSyslog
	}
	var err error
	switch {
	case isLetter(rest[0]):
		rest, err = p.parseBSDStamp(rest, h)
	case isDigit(rest[0]):
		rest, err = p.parseRFC3339Stamp(rest, h)
	default:
		return errNotSyslog
	}
	if err != nil {
		return err
	}
	// HOSTNAME: one token. A token ending in ':' is a tag written without a hostname
	// ("Jan  2 03:04:05 kernel: ..."), as local syslog daemons sometimes do.
	rest = strings.TrimLeft(rest, " ")
	tok := rest
	if i := strings.IndexByte(rest, ' '); i >= 0 {
		tok = rest[:i]
	}
	if tok == "" {
		return errAt("hostname", "missing hostname after the timestamp")
	}
	if !strings.HasSuffix(tok, ":") {
		for i := 0; i < len(tok); i++ {
			if c := tok[i]; c < 0x20 || c == 0x7f {
				return errAt("hostname", "control character in the hostname")
			}
		}
		h.host = tok
		rest = rest[len(tok):]
		if rest != "" {
			rest = rest[1:]
		}
	}
	h.app, h.procid, h.msg = splitTag(rest)
	return nil
}

// splitTag splits "prog[pid]: message" or "prog: message". When the text does not start with a
// tag, it is all message.
func splitTag(s string) (app, procid, msg string) {
	const maxTag, maxPID = 128, 32
	i := 0
	for i < len(s) && i <= maxTag {
		c := s[i]
		if c <= ' ' || c == '[' || c == ':' || c == 0x7f {
			break
		}
		i++
	}
	if i == 0 || i > maxTag || i == len(s) {
		return "", "", s
	}
	name, j := s[:i], i
	if s[j] == '[' {
		k := strings.IndexByte(s[j:min(len(s), j+maxPID+2)], ']')
		if k < 2 {
			return "", "", s
		}
		procid = s[j+1 : j+k]
		for x := 0; x < len(procid); x++ {
			if procid[x] <= ' ' || procid[x] == 0x7f {
				return "", "", s
			}
		}
		j += k + 1
	}
	if j >= len(s) || s[j] != ':' {
		return "", "", s
	}
	j++
	if j < len(s) && s[j] == ' ' {
		j++
	}
	return name, procid, s[j:]
}

var months = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// parseBSDStamp reads "Mmm dd hh:mm:ss" with a space- or zero-padded day, optional fractional
// seconds, and an optional year after the day ("Mmm dd yyyy hh:mm:ss"), and returns the rest.
func (p *parser) parseBSDStamp(s string, h *header) (string, error) {
	if len(s) < 15 {
		return "", errNotSyslog
	}
	var month time.Month
	for i, m := range months {
		if s[:3] == m || strings.EqualFold(s[:3], m) {
			month = time.Month(i + 1)
			break
		}
	}
	if month == 0 || s[3] != ' ' {
		return "", errNotSyslog
	}
	s = strings.TrimLeft(s[4:], " ")
	day, s, ok := digits(s, 1, 2)
	if !ok || day < 1 || day > 31 || s == "" || s[0] != ' ' {
		return "", errAt("timestamp", "invalid day in the RFC 3164 timestamp")
	}
	s = s[1:]
	st := bsdStamp{month: month, day: day}
	if len(s) > 5 && isDigit(s[0]) && isDigit(s[1]) && isDigit(s[2]) && isDigit(s[3]) && s[4] == ' ' {
		st.year, _ = atoi(s[:4])
		s = s[5:]
	}
	var hh, mm, ss int
	var ok1, ok2, ok3 bool
	hh, s, ok1 = digits(s, 2, 2)
	if ok1 && s != "" && s[0] == ':' {
		mm, s, ok2 = digits(s[1:], 2, 2)
	}
	if ok2 && s != "" && s[0] == ':' {
		ss, s, ok3 = digits(s[1:], 2, 2)
	}
	if !ok3 || hh > 23 || mm > 59 || ss > 60 {
		return "", errAt("timestamp", "invalid time of day in the RFC 3164 timestamp")
	}
	if ss == 60 { // a leap second: keep it within the minute
		ss, st.nsec = 59, 999999999
	}
	if s != "" && s[0] == '.' {
		n, rest, ok := fraction(s[1:])
		if !ok {
			return "", errAt("timestamp", "invalid fractional seconds in the RFC 3164 timestamp")
		}
		st.nsec, s = n, rest
	}
	if s != "" && s[0] != ' ' {
		return "", errAt("timestamp", "unexpected text after the RFC 3164 timestamp")
	}
	st.hour, st.minute, st.second = hh, mm, ss
	if st.year != 0 {
		if !validDate(st.year, month, day) {
			return "", errAt("timestamp", "day out of range for its month")
		}
	} else if !validDate(2000, month, day) { // 2000 is a leap year: Feb 29 passes here
		return "", errAt("timestamp", "day out of range for its month")
	}
	h.kind, h.bsd = stampBSD, st
	return s, nil
}

// parseRFC3339Stamp reads "2023-01-02T03:04:05.123456+00:00" (a space may stand for the T, the
// zone may be missing: then the configured zone applies) and returns the rest.
func (p *parser) parseRFC3339Stamp(s string, h *header) (string, error) {
	tok := s
	if i := strings.IndexByte(s, ' '); i >= 0 {
		tok = s[:i]
	}
	if len(tok) < 19 || tok[4] != '-' || tok[7] != '-' || (tok[10] != 'T' && tok[10] != 't') {
		return "", errNotSyslog
	}
	t, zoned, err := parseISO(tok, p.loc)
	if err != nil {
		return "", errAt("timestamp", err.Error())
	}
	h.kind, h.time, h.zoned = stampRFC3339, t, zoned
	return s[len(tok):], nil
}

// parseISO parses an RFC 3339 time whose zone may be missing (then loc applies).
func parseISO(tok string, loc *time.Location) (time.Time, bool, error) {
	zoned := tok[len(tok)-1] == 'Z' || tok[len(tok)-1] == 'z' || strings.LastIndexAny(tok[19:], "+-") >= 0
	var t time.Time
	var err error
	norm := tok
	if tok[10] == 't' || tok[len(tok)-1] == 'z' {
		norm = strings.ToUpper(tok)
	}
	if zoned {
		t, err = time.Parse(time.RFC3339Nano, norm)
		if err != nil { // journalctl -o short-iso writes +0000
			t, err = time.Parse("2006-01-02T15:04:05.999999999Z0700", norm)
		}
	} else {
		t, err = time.ParseInLocation("2006-01-02T15:04:05.999999999", norm, loc)
	}
	if err != nil {
		return time.Time{}, false, errors.New("invalid RFC 3339 timestamp")
	}
	return t, zoned, nil
}

// parse5424 parses an RFC 5424 line with the go-syslog machine.
func (p *parser) parse5424(s string, h *header) error {
	if p.m5424 == nil {
		p.m5424 = rfc5424.NewMachine(rfc5424.WithOptionalPriority())
	}
	m, err := p.m5424.Parse([]byte(s))
	if err != nil {
		return errAt("rfc5424", "invalid RFC 5424 line: "+err.Error())
	}
	msg, ok := m.(*rfc5424.SyslogMessage)
	if !ok || msg == nil {
		return errAt("rfc5424", "invalid RFC 5424 line")
	}
	h.kind, h.version = stamp5424, int(msg.Version)
	if msg.Timestamp != nil {
		h.time, h.zoned = *msg.Timestamp, true
	}
	h.host = deref(msg.Hostname)
	h.app = deref(msg.Appname)
	h.procid = deref(msg.ProcID)
	h.msgid = deref(msg.MsgID)
	if msg.StructuredData != nil {
		h.sd = *msg.StructuredData
	}
	h.msg = strings.TrimPrefix(deref(msg.Message), "\ufeff")
	return nil
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func validDate(year int, m time.Month, d int) bool {
	return time.Date(year, m, d, 0, 0, 0, 0, time.UTC).Day() == d
}

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isLetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

// digits reads between lo and hi decimal digits at the start of s.
func digits(s string, lo, hi int) (int, string, bool) {
	n, i := 0, 0
	for i < len(s) && i < hi && isDigit(s[i]) {
		n = n*10 + int(s[i]-'0')
		i++
	}
	if i < lo {
		return 0, s, false
	}
	return n, s[i:], true
}

// fraction reads 1 to 9 digits of fractional seconds as nanoseconds.
func fraction(s string) (int, string, bool) {
	n, i := 0, 0
	for i < len(s) && isDigit(s[i]) {
		if i < 9 {
			n = n*10 + int(s[i]-'0')
		}
		i++
	}
	if i == 0 {
		return 0, s, false
	}
	for k := i; k < 9; k++ {
		n *= 10
	}
	return n, s[i:], true
}

func atoi(s string) (int, bool) {
	if s == "" || len(s) > 9 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}
