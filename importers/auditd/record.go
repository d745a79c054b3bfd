package auditd

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"trawl/importers"
)

// record is one line of an audit log: `[node=NAME ]type=TYPE msg=audit(STAMP): key=value ...`.
type record struct {
	node   string
	typ    string
	stamp  string    // the audit id as written inside audit(...): "1604994496.155:92733"
	time   time.Time // UTC
	serial string
	// interpreted is true for ausearch -i output, whose values are already readable.
	interpreted bool
	fields      []kv
}

// kv is one field of a record, value decoded (hex and quotes removed).
type kv struct{ key, val string }

// get returns the last value of key in the record.
func (r *record) get(key string) (string, bool) {
	for i := len(r.fields) - 1; i >= 0; i-- {
		if r.fields[i].key == key {
			return r.fields[i].val, true
		}
	}
	return "", false
}

// maxFields bounds how many fields one record may have; a line of tens of thousands of tiny
// fields still parses, but its extra fields are folded into one.
const maxFields = 4096

var (
	errNoType  = errors.New("not an audit record: no type= at the start")
	errNoStamp = errors.New("no msg=audit(TIME:SERIAL) stamp")
)

// parseRecord reads one audit line. The record's fields are copies: the line may be reused.
func parseRecord(line []byte) (record, error) {
	var r record
	s := line
	if bytes.HasPrefix(s, []byte("node=")) {
		i := bytes.IndexByte(s, ' ')
		if i < 0 {
			return r, errNoType
		}
		r.node = string(s[len("node="):i])
		s = bytes.TrimLeft(s[i:], " ")
	}
	if !bytes.HasPrefix(s, []byte("type=")) {
		return r, errNoType
	}
	s = s[len("type="):]
	i := bytes.IndexByte(s, ' ')
	if i <= 0 {
		return r, errNoStamp
	}
	r.typ = string(s[:i])
	if !validType(r.typ) {
		return r, fmt.Errorf("record type %q is not an audit record type", importers.Truncate(r.typ, 40))
	}
	s = bytes.TrimLeft(s[i:], " ")
	if !bytes.HasPrefix(s, []byte("msg=audit(")) {
		return r, errNoStamp
	}
	s = s[len("msg=audit("):]
	end := bytes.IndexByte(s, ')')
	if end < 0 || end > 64 {
		return r, errNoStamp
	}
	r.stamp = string(s[:end])
	colon := strings.LastIndexByte(r.stamp, ':')
	if colon < 0 {
		return r, fmt.Errorf("audit stamp %q has no serial", r.stamp)
	}
	r.serial = r.stamp[colon+1:]
	if _, err := strconv.ParseUint(r.serial, 10, 64); err != nil {
		return r, fmt.Errorf("audit stamp %q: serial is not a number", r.stamp)
	}
	t, interpreted, err := parseStamp(r.stamp[:colon])
	if err != nil {
		return r, err
	}
	r.time, r.interpreted = t, interpreted
	s = s[end+1:]
	// "): " in raw logs, ") : " in ausearch -i output.
	s = bytes.TrimLeft(s, " ")
	s = bytes.TrimPrefix(s, []byte(":"))
	r.fields = parseFields(make([]kv, 0, 32), r.typ, s, r.interpreted, 0)
	return r, nil
}

// validType accepts the upper-case names auditd writes (SYSCALL, USER_LOGIN, UNKNOWN[1337]).
func validType(t string) bool {
	if len(t) > 64 {
		return false
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '[' || c == ']' || c >= 'a' && c <= 'z') {
			return false
		}
	}
	return true
}

// parseStamp reads the time part of an audit id: epoch seconds with milliseconds in raw logs,
// "11/10/2020 07:48:16.155" (local time of the machine, read as UTC) in ausearch -i output.
func parseStamp(s string) (time.Time, bool, error) {
	if sec, frac, ok := strings.Cut(s, "."); ok && isDigits(sec) && isDigits(frac) && len(sec) <= 12 && len(frac) <= 9 {
		n, _ := strconv.ParseInt(sec, 10, 64)
		f, _ := strconv.ParseInt(frac+strings.Repeat("0", 9-len(frac)), 10, 64)
		return time.Unix(n, f).UTC(), false, nil
	}
	if isDigits(s) && len(s) <= 12 && s != "" {
		n, _ := strconv.ParseInt(s, 10, 64)
		return time.Unix(n, 0).UTC(), false, nil
	}
	for _, layout := range []string{"01/02/2006 15:04:05.000", "01/02/06 15:04:05.000", "2006-01-02 15:04:05.000"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true, nil
		}
	}
	return time.Time{}, false, fmt.Errorf("audit stamp time %q is neither epoch seconds nor an ausearch date", importers.Truncate(s, 40))
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// parseFields appends the key=value fields of s to out. Values are "double quoted", 'single
// quoted' (the msg='...' of user-space records, whose content is parsed as fields in turn),
// { braced } (ausearch -i socket addresses) or bare words up to the next space. Words without
// '=' (the "avc:  denied  { read } for" of SELinux) are collected in the field "text". The
// byte 0x1d starts the enriched part of a record (UID="root" AUID="wardog"), parsed the same.
func parseFields(out []kv, typ string, s []byte, interpreted bool, depth int) []kv {
	var text []string
	for len(s) > 0 {
		if s[0] == ' ' || s[0] == 0x1d || s[0] == '\t' {
			s = s[1:]
			continue
		}
		if len(out) >= maxFields {
			out = append(out, kv{"_rest", cleanText(s)})
			break
		}
		// key: up to '=' or space
		k := 0
		for k < len(s) && s[k] != '=' && s[k] != ' ' && s[k] != 0x1d {
			k++
		}
		if k == len(s) || s[k] != '=' || k == 0 {
			if k == 0 {
				k = 1
			}
			text = append(text, cleanText(s[:k]))
			s = s[k:]
			continue
		}
		key, ok := commonKeys[string(s[:k])] // no allocation for the usual names
		if !ok {
			key = string(s[:k])
		}
		s = s[k+1:]
		var val string
		switch {
		case len(s) > 0 && s[0] == '"':
			end := bytes.IndexByte(s[1:], '"')
			if end < 0 { // unterminated: the rest of the line
				val, s = cleanText(s[1:]), nil
			} else {
				val, s = cleanText(s[1:1+end]), s[2+end:]
			}
		case len(s) > 0 && s[0] == '\'':
			end := bytes.IndexByte(s[1:], '\'')
			var inner []byte
			if end < 0 {
				inner, s = s[1:], nil
			} else {
				inner, s = s[1:1+end], s[2+end:]
			}
			if key == "msg" && depth == 0 {
				out = parseFields(out, typ, inner, interpreted, depth+1)
				continue
			}
			val = cleanText(inner)
		case len(s) > 0 && s[0] == '{':
			end := bytes.IndexByte(s, '}')
			if end < 0 { // unclosed: the rest of the line
				val, s = cleanText(bytes.TrimSpace(s[1:])), nil
			} else {
				val, s = cleanText(bytes.TrimSpace(s[1:end])), s[end+1:]
			}
		case interpreted && key == "proctitle":
			val, s = cleanText(bytes.TrimRight(s, " ")), nil
		default:
			e := 0
			for e < len(s) && s[e] != ' ' && s[e] != 0x1d {
				e++
			}
			raw := s[:e]
			s = s[e:]
			if !interpreted && isHexField(typ, key) {
				if d, ok := decodeHex(raw, key == "proctitle"); ok {
					val = d
					break
				}
			}
			val = cleanText(raw)
		}
		out = append(out, kv{key, val})
	}
	if len(text) > 0 {
		out = append(out, kv{"text", strings.Join(text, " ")})
	}
	return out
}

// commonKeys are the field names of the usual records, interned so that parsing them does not
// allocate.
var commonKeys = func() map[string]string {
	m := map[string]string{}
	for _, k := range strings.Fields(`arch syscall success exit a0 a1 a2 a3 items ppid pid auid uid gid
		euid suid fsuid egid sgid fsgid tty ses comm exe subj key argc cwd item name inode dev mode
		ouid ogid rdev nametype cap_fp cap_fi cap_fe cap_fver cap_frootid obj proctitle saddr op
		acct hostname addr terminal res grantors unit id cmd msg ARCH SYSCALL AUID UID GID EUID
		SUID FSUID EGID SGID FSGID OUID OGID SADDR ID`) {
		m[k] = k
	}
	return m
}()

// hexFields are the fields auditd writes as hex when their text holds a space, a quote, a
// control character or a byte above 0x7e (audit_log_untrustedstring). Other unquoted hex
// values (a0=558e251634a0 of SYSCALL) are numbers and stay as they are.
var hexFields = map[string]bool{
	"proctitle": true, "comm": true, "exe": true, "cwd": true, "name": true, "path": true,
	"acct": true, "cmd": true, "data": true, "key": true, "root_dir": true, "dir": true,
	"file": true, "grp": true, "new_group": true, "ocomm": true, "vm": true, "new-disk": true,
	"old-disk": true, "watch": true,
}

func isHexField(typ, key string) bool {
	if hexFields[key] {
		return true
	}
	// EXECVE arguments: a0, a1, ... and the pieces a3[0], a3[1] of a long argument.
	if typ == "EXECVE" && len(key) > 1 && key[0] == 'a' && key[1] >= '0' && key[1] <= '9' {
		return !strings.HasSuffix(key, "_len")
	}
	return false
}

// decodeHex decodes an even-length run of hex digits. NUL bytes separate proctitle's arguments
// and become spaces there; elsewhere they stay. ok is false for anything that is not hex.
func decodeHex(raw []byte, nulToSpace bool) (string, bool) {
	if len(raw) == 0 || len(raw)%2 != 0 {
		return "", false
	}
	b := make([]byte, len(raw)/2)
	if _, err := hex.Decode(b, raw); err != nil {
		return "", false
	}
	if nulToSpace {
		b = bytes.TrimRight(b, "\x00")
		for i := range b {
			if b[i] == 0 {
				b[i] = ' '
			}
		}
	}
	return cleanText(b), true
}

// cleanText makes field text valid UTF-8 (invalid bytes become U+FFFD) without other changes.
func cleanText(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	return string(bytes.ToValidUTF8(b, []byte("\uFFFD")))
}
