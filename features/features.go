// Package features holds what trawl's derived event features are made of: the columns the
// store adds to every event (Columns), the embedded reference lists they are computed from
// (LOLBAS binaries, the normal parents of Windows system processes, port names, special address
// blocks) and the few computations that need more than SQL (DecodeBase64Text). It is pure: the
// store (package engine) runs the feature pass in DuckDB and fills its tables from these lists.
package features

import (
	"bufio"
	"bytes"
	"compress/flate"
	"compress/gzip"
	_ "embed"
	"encoding/base64"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Type is the storage type of a feature column.
type Type string

const (
	Bool   Type = "BOOLEAN"
	Int    Type = "BIGINT"
	Float  Type = "DOUBLE"
	String Type = "VARCHAR"
)

// Column is one derived feature column.
type Column struct {
	Name string
	Type Type
	Doc  string
}

// Columns are the derived feature columns in table order (engine migration 006, table
// event_features, view events_features). NULL means the feature does not apply to the event
// (no address, no command line, no user, ...).
var Columns = []Column{
	{"src_ip_class", String, "class of src_ip: internal (in an asset range), private, loopback, link-local, cgnat, multicast, documentation, broadcast, unspecified, reserved or external"},
	{"dst_ip_class", String, "class of dst_ip, as src_ip_class"},
	{"dst_service", String, "IANA service name of dst_port (ssh, rdp, http, ...), when trawl knows it"},
	{"dst_port_class", String, "admin (22, 3389, 5985, 445, ...), well-known (< 1024), registered (1024-49151) or ephemeral (>= 49152)"},
	{"port_mismatch", Bool, "the event's protocol is on a port it does not belong to (HTTP off the web ports, DNS not on 53, SSH not on 22, ...)"},
	{"lolbas", Bool, "process_name is a LOLBAS binary (lolbas-project.github.io)"},
	{"encoded_ps", Bool, "PowerShell command line with -EncodedCommand (or an abbreviation) or a FromBase64String literal"},
	{"decoded_command", String, "the decoded text of the encoded PowerShell command (UTF-16LE) or FromBase64String literal"},
	{"cmd_entropy", Float, "Shannon entropy of command_line, in bits per character"},
	{"signed", Bool, "the image is signed, where Sysmon says so (Signed field)"},
	{"signature_status", String, "Sysmon's SignatureStatus (Valid, Expired, ...)"},
	{"unexpected_parent", Bool, "a Windows system process (svchost, lsass, ...) started by a parent it never normally has"},
	{"event_hour", Int, "hour of the day of time, UTC (0-23)"},
	{"off_hours", Bool, "the hour is rare for this user (their own history), or outside 08-18 when the history is thin"},
	{"new_account", Bool, "the user was created (4720, user-create) within 7 days before, or first seen in the store's last 7 days"},
	{"failures_1h", Int, "failed logons and authentications of this user in the hour up to the event"},
}

// Windows and thresholds of the feature pass, named so docs and tests say the same.
const (
	// NewAccountDays: an account is new this many days after its creation or first sighting.
	NewAccountDays = 7
	// BusinessStart and BusinessEnd bound the fallback working hours [start, end), UTC.
	BusinessStart, BusinessEnd = 8, 18
	// MinHistoryEvents and MinHistoryDays: a user with less history gets the fallback hours.
	MinHistoryEvents, MinHistoryDays = 50, 3
	// RareHourShare: an hour is off-hours for a user when it and its two neighbours hold less
	// than this share of the user's events.
	RareHourShare = 0.05
	// EphemeralFrom is the first port of the IANA dynamic (ephemeral) range.
	EphemeralFrom = 49152
	// CloudSessionGap ends a cloud session after this many minutes without activity.
	CloudSessionGapMinutes = 30
)

//go:embed lolbas.csv
var lolbasCSV string

//go:embed parents.csv
var parentsCSV string

//go:embed ports.csv
var portsCSV string

//go:embed protocol_ports.csv
var protocolPortsCSV string

//go:embed ip_ranges.csv
var ipRangesCSV string

// rows reads one of the embedded comma-separated lists: '#' lines are comments, the first
// other line is the header.
func rows(name, text string, fields int) [][]string {
	var out [][]string
	header := true
	sc := bufio.NewScanner(strings.NewReader(text))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if header {
			header = false
			continue
		}
		f := strings.Split(line, ",")
		if len(f) != fields {
			panic(fmt.Sprintf("features/%s:%d: want %d fields, got %d", name, n, fields, len(f)))
		}
		out = append(out, f)
	}
	return out
}

// LOLBAS is one entry of the LOLBAS list.
type LOLBAS struct{ Category, Name string }

// LOLBASList is the embedded LOLBAS list (see NOTICE.md), names as the project writes them.
func LOLBASList() []LOLBAS {
	var out []LOLBAS
	for _, r := range rows("lolbas.csv", lolbasCSV, 2) {
		out = append(out, LOLBAS{r[0], r[1]})
	}
	return out
}

// Parent is one normal parent of a Windows system process, both lower-case base names.
type Parent struct{ Child, Parent string }

// Parents lists every normal (child, parent) pair.
func Parents() []Parent {
	var out []Parent
	for _, r := range rows("parents.csv", parentsCSV, 2) {
		for _, p := range strings.Split(r[1], "|") {
			out = append(out, Parent{strings.ToLower(r[0]), strings.ToLower(p)})
		}
	}
	return out
}

// Port is a destination port trawl names.
type Port struct {
	Port    int
	Service string
	Admin   bool
}

// Ports is the embedded port list.
func Ports() []Port {
	var out []Port
	for _, r := range rows("ports.csv", portsCSV, 3) {
		n, err := strconv.Atoi(r[0])
		if err != nil {
			panic("features/ports.csv: " + err.Error())
		}
		out = append(out, Port{n, r[1], r[2] == "true"})
	}
	return out
}

// ProtocolPort is one port an application protocol is expected on.
type ProtocolPort struct {
	Protocol string
	Port     int
}

// ProtocolPorts lists the expected ports of each application protocol.
func ProtocolPorts() []ProtocolPort {
	var out []ProtocolPort
	for _, r := range rows("protocol_ports.csv", protocolPortsCSV, 2) {
		for _, p := range strings.Split(r[1], "|") {
			n, err := strconv.Atoi(p)
			if err != nil {
				panic("features/protocol_ports.csv: " + err.Error())
			}
			out = append(out, ProtocolPort{r[0], n})
		}
	}
	return out
}

// IPRange is a special-purpose network and the class of its addresses.
type IPRange struct{ Network, Class string }

// IPRanges lists the special-purpose networks.
func IPRanges() []IPRange {
	var out []IPRange
	for _, r := range rows("ip_ranges.csv", ipRangesCSV, 2) {
		out = append(out, IPRange{r[0], r[1]})
	}
	return out
}

// DecodeBase64Text decodes a base64 literal of a command line into text: UTF-16LE (what
// -EncodedCommand takes) when the bytes look like it, else UTF-8. A gzip or raw deflate payload
// (what Metasploit's stagers wrap in GzipStream or DeflateStream) is inflated first, up to
// MaxDecoded bytes. ok is false for bad base64 and for binary payloads, which have no text to
// keep. Missing padding is tolerated, as PowerShell tolerates it.
func DecodeBase64Text(s string) (text string, ok bool) {
	s = strings.TrimRight(strings.TrimSpace(s), "=")
	b, err := base64.RawStdEncoding.DecodeString(s)
	if err != nil || len(b) == 0 {
		return "", false
	}
	if inflated, ok := inflate(b); ok {
		b = inflated
	}
	if len(b)%2 == 0 && looksUTF16LE(b) {
		u := make([]uint16, len(b)/2)
		for i := range u {
			u[i] = uint16(b[2*i]) | uint16(b[2*i+1])<<8
		}
		return printable(string(utf16.Decode(u)))
	}
	if utf8.Valid(b) {
		return printable(string(b))
	}
	return "", false
}

// MaxDecoded bounds the text an inflated payload may expand to.
const MaxDecoded = 1 << 20

// inflate expands a gzip (by its magic) or raw deflate payload; ok is false when b is neither.
func inflate(b []byte) ([]byte, bool) {
	var r io.Reader
	if len(b) > 2 && b[0] == 0x1f && b[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			return nil, false
		}
		r = zr
	} else if utf8.Valid(b) {
		return nil, false // text, not a compressed stream
	} else {
		r = flate.NewReader(bytes.NewReader(b))
	}
	out, err := io.ReadAll(io.LimitReader(r, MaxDecoded+1))
	if err != nil || len(out) == 0 || len(out) > MaxDecoded {
		return nil, false
	}
	return out, true
}

// looksUTF16LE: most code units of text in UTF-16LE have a zero high byte (ASCII and Latin-1),
// which UTF-8 text never has.
func looksUTF16LE(b []byte) bool {
	zero := 0
	for i := 1; i < len(b); i += 2 {
		if b[i] == 0 {
			zero++
		}
	}
	return zero*2 >= len(b)/2
}

// printable accepts text with no control characters other than tab, CR and LF, and drops a
// byte order mark.
func printable(s string) (string, bool) {
	s = strings.TrimPrefix(s, "\uFEFF")
	for _, r := range s {
		if r == utf8.RuneError || (r < 0x20 && r != '\t' && r != '\r' && r != '\n') || r == 0x7f {
			return "", false
		}
	}
	return s, s != ""
}

// Entropy is the Shannon entropy of the characters of s in bits per character, as the feature
// pass computes cmd_entropy in SQL (kept here for the tests and for callers without a store).
func Entropy(s string) float64 {
	if s == "" {
		return 0
	}
	counts := map[rune]int{}
	n := 0
	for _, r := range s {
		counts[r]++
		n++
	}
	var h float64
	for _, c := range counts {
		p := float64(c) / float64(n)
		h -= p * math.Log2(p)
	}
	return h
}

// EncodedCommandPattern finds the -EncodedCommand argument of a PowerShell command line (RE2
// syntax, for DuckDB): any unambiguous prefix from -e and -ec up to -encodedcommand, written
// with -, / or a dash PowerShell accepts (en dash, em dash, horizontal bar), and the base64
// argument, optionally quoted, in group 1.
const EncodedCommandPattern = `(?i)(?:^|[\s"'])(?:-|/|\x{2013}|\x{2014}|\x{2015})(?:ec|e(?:n(?:c(?:o(?:d(?:e(?:d(?:c(?:o(?:m(?:m(?:a(?:n(?:d)?)?)?)?)?)?)?)?)?)?)?)?)?)[\s:]+["']?([A-Za-z0-9+/]{8,}={0,2})`

// FromBase64Pattern finds a [Convert]::FromBase64String literal, the base64 text in group 1. The
// quote may be doubled, as it is inside a single-quoted -Command argument.
const FromBase64Pattern = `(?i)FromBase64String\s*\(\s*["']{1,2}([A-Za-z0-9+/]{8,}={0,2})["']`

// PowerShellPattern says a command line or image is PowerShell's.
const PowerShellPattern = `(?i)(?:powershell|pwsh)`
