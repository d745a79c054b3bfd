package event

import (
	"net/netip"
	"strconv"
	"strings"
)

// UserKey is the resolution key of a user name: the bare account name, lower-case, with any
// NT domain prefix (CORP\alice) or UPN suffix (alice@corp.local) removed, so that the three
// spellings of one account meet. Empty and placeholder values ("-", "N/A") give "".
func UserKey(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\\'); i >= 0 {
		s = s[i+1:]
	}
	if i := strings.IndexByte(s, '@'); i > 0 {
		s = s[:i]
	}
	s = strings.ToLower(strings.TrimSpace(s))
	if isPlaceholder(s) {
		return ""
	}
	return s
}

// UserDomainOf returns the domain part of CORP\alice or alice@corp.local, lower-case.
func UserDomainOf(s string) string {
	if i := strings.LastIndexByte(s, '\\'); i > 0 {
		return strings.ToLower(s[:i])
	}
	if i := strings.IndexByte(s, '@'); i > 0 && i < len(s)-1 {
		return strings.ToLower(s[i+1:])
	}
	return ""
}

// HostKey is the resolution key of a host: lower-case short name (the first DNS label), so
// WS01.corp.local, ws01 and WS01 meet. An IP address stays a whole (normalized) address.
func HostKey(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.TrimSuffix(s, ".")
	if isPlaceholder(s) {
		return ""
	}
	if ip := NormalizeIP(s); ip != "" {
		return ip
	}
	if i := strings.IndexByte(s, '.'); i > 0 {
		s = s[:i]
	}
	return s
}

// NormalizeIP returns the canonical text of an IP address: IPv4-mapped IPv6 addresses
// (::ffff:10.0.0.1) unmap to IPv4, zero-padded IPv4 (010.000.000.001) loses its padding, IPv6
// is compressed and lower-case, a zone is dropped and brackets are removed. Anything that is not
// an address gives "".
func NormalizeIP(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || isPlaceholder(s) {
		return ""
	}
	s = strings.TrimPrefix(strings.TrimSuffix(s, "]"), "[")
	if i := strings.IndexByte(s, '%'); i > 0 {
		s = s[:i]
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap().String()
	}
	// zero-padded dotted quad: netip rejects leading zeros, read it as decimal.
	parts := strings.Split(s, ".")
	if len(parts) != 4 {
		return ""
	}
	var b [4]byte
	for i, p := range parts {
		if p == "" || len(p) > 3 {
			return ""
		}
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || n > 255 {
			return ""
		}
		b[i] = byte(n)
	}
	return netip.AddrFrom4(b).String()
}

// NormalizePrefix parses an IP network in CIDR notation into its canonical form: an
// IPv4-mapped IPv6 network (::ffff:10.0.0.0/120) unmaps to IPv4 (10.0.0.0/24) and host bits are
// masked off (10.1.2.3/8 is 10.0.0.0/8). Callers decide what a single-address network means.
func NormalizePrefix(s string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(strings.TrimSpace(s))
	if err != nil {
		return netip.Prefix{}, err
	}
	if p.Addr().Is4In6() {
		p = netip.PrefixFrom(p.Addr().Unmap(), max(p.Bits()-96, 0))
	}
	return p.Masked(), nil
}

// BaseName returns the last element of a Windows or POSIX path.
func BaseName(p string) string {
	p = strings.TrimRight(p, `\/`)
	if i := strings.LastIndexAny(p, `\/`); i >= 0 {
		return p[i+1:]
	}
	return p
}

func isPlaceholder(s string) bool {
	switch s {
	case "-", "n/a", "N/A", "null", "NULL", "(null)", "none", "None", "unknown":
		return true
	}
	return false
}

// Clean returns s, or "" when s is a placeholder that logs use for "no value" ("-", "N/A",
// "(null)"). Importers use it so that placeholders do not become entities.
func Clean(s string) string {
	if isPlaceholder(strings.TrimSpace(s)) {
		return ""
	}
	return s
}
