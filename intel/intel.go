// Package intel reads threat-intelligence indicators: plain IOC lists (one value a line), CSV
// files with type/value/confidence/source/expiry columns, and STIX 2.1 bundles whose indicator
// patterns reduce to IP addresses, networks, domains, URLs and file hashes. It is pure: readers
// turn bytes into Indicators and Rejects; the engine stores them and matches them to events.
package intel

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"trawl/event"
)

// Type is the kind of value an indicator names.
type Type string

const (
	IPv4   Type = "ipv4"
	IPv6   Type = "ipv6"
	CIDR   Type = "cidr" // an IPv4 or IPv6 network
	Domain Type = "domain"
	URL    Type = "url"
	MD5    Type = "md5"
	SHA1   Type = "sha1"
	SHA256 Type = "sha256"
	SHA512 Type = "sha512"
)

// Types lists every indicator type, in display order.
var Types = []Type{IPv4, IPv6, CIDR, Domain, URL, MD5, SHA1, SHA256, SHA512}

// Indicator is one matchable value with what the feed said about it.
type Indicator struct {
	Type        Type
	Value       string    // normalized (see Normalize)
	Source      string    // feed name: --source, the CSV source column, or the STIX creator's name
	Confidence  int       // 0..100; -1 when the feed does not say
	ValidFrom   time.Time // zero when not given
	ValidUntil  time.Time // expiry; zero means it never expires
	Labels      []string
	ID          string // the STIX indicator id, or the CSV id column
	Name        string
	Description string
	Pattern     string // the STIX pattern this value came from
	Note        string // how the pattern was reduced (AND/FOLLOWEDBY broadened, qualifiers ignored)
	Line        int64  // line of the input where the record starts (1-based)
}

// Reject is an input record that gave no indicator: a bad value, or (Skipped) a STIX
// indicator whose pattern cannot be reduced to values.
type Reject struct {
	Line    int64
	Field   string
	Reason  string
	Raw     string // the record text, cut to a few hundred bytes
	ID      string // STIX id when known
	Skipped bool   // a well-formed record trawl cannot use (pattern type, unsupported comparison)
}

func (r Reject) String() string {
	kind := "rejected"
	if r.Skipped {
		kind = "skipped"
	}
	s := fmt.Sprintf("line %d", r.Line)
	if r.Field != "" {
		s += ": field " + r.Field
	}
	if r.ID != "" {
		s += " (" + r.ID + ")"
	}
	return s + ": " + kind + ": " + r.Reason
}

// Sink receives what a reader finds. Returning an error stops the reader.
type Sink interface {
	Indicator(ind Indicator) error
	Reject(r Reject) error
}

// ErrUnknownType is returned by Normalize for a type it does not know.
var ErrUnknownType = errors.New("unknown indicator type")

// ParseType reads a type name as feeds write it (ip, ipv4-addr, domain-name, sha-256, hash...).
// "hash" and "ip" need the value to decide and give "" with ok true.
func ParseType(s string) (Type, bool) {
	k := typeSeparators.Replace(strings.ToLower(strings.TrimSpace(s)))
	switch k {
	case "ipv4", "ipv4addr", "ipv4address":
		return IPv4, true
	case "ipv6", "ipv6addr", "ipv6address":
		return IPv6, true
	case "ip", "ipaddr", "ipaddress", "address", "ipsrc", "ipdst", "":
		return "", true
	case "cidr", "network", "netblock", "subnet", "iprange":
		return CIDR, true
	case "domain", "domainname", "hostname", "host", "fqdn", "dns":
		return Domain, true
	case "url", "uri", "link":
		return URL, true
	case "md5", "filehashmd5":
		return MD5, true
	case "sha1", "filehashsha1":
		return SHA1, true
	case "sha256", "filehashsha256":
		return SHA256, true
	case "sha512", "filehashsha512":
		return SHA512, true
	case "hash", "filehash", "file":
		return "", true
	}
	return "", false
}

// typeSeparators drops the separators feeds put in type names (ipv4-addr, file_hash, SHA 256).
var typeSeparators = strings.NewReplacer("_", "", "-", "", " ", "")

// Refang undoes the usual defanging of shared indicators: hxxp(s)://, fxp://, [.], (.), {.},
// [dot], [:], [://], [at].
func Refang(s string) string {
	if !strings.ContainsAny(s, "[({xX") {
		return s
	}
	s = refanger.Replace(s)
	ls := strings.ToLower(s)
	for _, p := range [][2]string{{"hxxps://", "https://"}, {"hxxp://", "http://"}, {"fxp://", "ftp://"}} {
		if strings.HasPrefix(ls, p[0]) {
			return p[1] + s[len(p[0]):]
		}
	}
	return s
}

var refanger = strings.NewReplacer("[.]", ".", "(.)", ".", "{.}", ".", "[dot]", ".", "(dot)", ".", "[:]", ":", "[://]", "://", "[at]", "@", "[@]", "@")

// Infer guesses the type of a bare value and normalizes it.
func Infer(s string) (Type, string, error) {
	s = strings.TrimSpace(Refang(s))
	if s == "" {
		return "", "", errors.New("empty value")
	}
	switch {
	case strings.Contains(s, "://"):
		return normalizeAs(URL, s)
	case strings.Contains(s, "/"):
		return normalizeAs(CIDR, s)
	case isHex(s):
		switch len(s) {
		case 32:
			return MD5, strings.ToLower(s), nil
		case 40:
			return SHA1, strings.ToLower(s), nil
		case 64:
			return SHA256, strings.ToLower(s), nil
		case 128:
			return SHA512, strings.ToLower(s), nil
		}
	}
	if t, v, err := normalizeIP(s); err == nil {
		return t, v, nil
	}
	if strings.Contains(s, ":") && !strings.Contains(s, ".") {
		return "", "", fmt.Errorf("%q is not an IPv6 address", short(s))
	}
	if !strings.Contains(strings.TrimSuffix(s, "."), ".") {
		return "", "", fmt.Errorf("%q is no IP address, network, URL, hash or domain name (a domain needs a dot)", short(s))
	}
	return normalizeAs(Domain, s)
}

// Normalize checks value against type t and returns the stored form: IP addresses canonical
// (IPv4-mapped IPv6 unmapped), networks masked (a /32 or /128 becomes a plain address, with
// its type), domains lower-case without a trailing dot or leading "*.", URL scheme and host
// lower-case, hashes lower-case hex of the right length. An empty t infers the type.
func Normalize(t Type, value string) (Type, string, error) {
	value = strings.TrimSpace(Refang(value))
	if value == "" {
		return "", "", errors.New("empty value")
	}
	if t == "" {
		return Infer(value)
	}
	return normalizeAs(t, value)
}

func normalizeAs(t Type, s string) (Type, string, error) {
	switch t {
	case IPv4, IPv6:
		if strings.Contains(s, "/") {
			return normalizeAs(CIDR, s)
		}
		got, v, err := normalizeIP(s)
		if err != nil {
			return "", "", err
		}
		if got != t {
			return "", "", fmt.Errorf("%q is an %s address, not %s", s, got, t)
		}
		return t, v, nil
	case CIDR:
		if !strings.Contains(s, "/") {
			return normalizeIP(s)
		}
		p, err := event.NormalizePrefix(s)
		if err != nil {
			return "", "", fmt.Errorf("%q is not a network (CIDR): %v", s, cutErr(err))
		}
		if p.IsSingleIP() {
			return ipType(p.Addr()), p.Addr().String(), nil
		}
		return CIDR, p.String(), nil
	case Domain:
		d := strings.ToLower(strings.TrimSuffix(s, "."))
		d = strings.TrimPrefix(d, "*.")
		if _, v, err := normalizeIP(d); err == nil {
			return "", "", fmt.Errorf("%q is an IP address, not a domain name (%s)", short(s), v)
		}
		if err := checkDomain(d); err != nil {
			return "", "", fmt.Errorf("%q is not a domain name: %v", short(s), err)
		}
		return Domain, d, nil
	case URL:
		v, err := normalizeURL(s)
		if err != nil {
			return "", "", err
		}
		return URL, v, nil
	case MD5, SHA1, SHA256, SHA512:
		want := hashDigits[t]
		if len(s) != want || !isHex(s) {
			return "", "", fmt.Errorf("%q is not a %s hash (%d hex digits)", short(s), t, want)
		}
		return t, strings.ToLower(s), nil
	}
	return "", "", fmt.Errorf("%w %q", ErrUnknownType, string(t))
}

// hashDigits is the number of hex digits of each hash type.
var hashDigits = map[Type]int{MD5: 32, SHA1: 40, SHA256: 64, SHA512: 128}

func normalizeIP(s string) (Type, string, error) {
	s = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return "", "", fmt.Errorf("%q is not an IP address", short(s))
	}
	a = a.Unmap()
	return ipType(a), a.String(), nil
}

func ipType(a netip.Addr) Type {
	if a.Is4() {
		return IPv4
	}
	return IPv6
}

func normalizeURL(s string) (string, error) {
	u, err := url.Parse(s)
	if err != nil {
		return "", fmt.Errorf("%q is not a URL: %v", short(s), cutErr(err))
	}
	if u.Scheme == "" || u.Host == "" {
		return "", fmt.Errorf("%q is not a URL (needs scheme://host)", short(s))
	}
	// Rebuild only the parts url.Parse lower-cases nothing of: scheme and host are
	// case-insensitive, the rest is kept exactly as written.
	i := strings.Index(s, "://")
	rest := s[i+3:]
	host, tail := rest, ""
	if j := strings.IndexAny(rest, "/?#"); j >= 0 {
		host, tail = rest[:j], rest[j:]
	}
	if tail == "/" {
		tail = ""
	}
	return strings.ToLower(s[:i]) + "://" + strings.ToLower(host) + tail, nil
}

func checkDomain(d string) error {
	if d == "" || len(d) > 253 {
		return errors.New("empty or longer than 253 characters")
	}
	labels := strings.Split(d, ".")
	if last := labels[len(labels)-1]; strings.Trim(last, "0123456789") == "" && last != "" {
		return errors.New("the last label is a number (an IP address?)")
	}
	for _, label := range labels {
		if label == "" {
			return errors.New("empty label")
		}
		if len(label) > 63 {
			return errors.New("label longer than 63 characters")
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c >= 0x80) {
				return fmt.Errorf("character %q not allowed", c)
			}
		}
	}
	return nil
}

func isHex(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// cutErr drops the input echo some parse errors repeat.
func cutErr(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 {
		return s[i+2:]
	}
	return s
}

func short(s string) string {
	if len(s) > 80 {
		return s[:77] + "..."
	}
	return s
}

// ParseConfidence reads a confidence as 0..100, or the STIX words (none, low, med, high) and
// their usual spellings. Empty gives -1 (unknown).
func ParseConfidence(s string) (int, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	switch s {
	case "":
		return -1, nil
	case "none":
		return 0, nil
	case "low", "l":
		return 15, nil
	case "med", "medium", "m":
		return 50, nil
	case "high", "h":
		return 85, nil
	}
	n, err := strconv.Atoi(strings.TrimPrefix(s, "+"))
	if err != nil {
		return 0, fmt.Errorf("%q is not a confidence (0-100, or low/medium/high)", short(s))
	}
	if n < 0 || n > 100 {
		return 0, fmt.Errorf("confidence %d out of range 0-100", n)
	}
	return n, nil
}

// ParseTime reads a timestamp as feeds write them: RFC 3339 (STIX), "2006-01-02 15:04:05",
// or a bare date (midnight UTC). Empty gives the zero time.
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02 15:04:05Z07:00", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a time (want RFC 3339 or YYYY-MM-DD)", short(s))
}
