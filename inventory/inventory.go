// Package inventory reads the context tables an analyst keeps about their estate: assets (hosts
// and networks with owner, business criticality, environment, exposure and known
// vulnerabilities) and identities (users with aliases, department, role, privilege, service
// account, MFA, manager and employment status). Files are CSV with a header, a JSON array of
// objects or JSON lines; the kind is told by the column names. The package is pure: the engine
// stores what it reads and resolves events against it.
package inventory

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"trawl/event"
	"trawl/internal/tabular"
)

// Kind is which context table a file feeds.
type Kind string

const (
	Assets     Kind = "assets"
	Identities Kind = "identities"
)

// ParseKind reads a --kind value ("asset", "assets", "identity", "users", ...).
func ParseKind(s string) (Kind, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "":
		return "", nil
	case "asset", "assets", "host", "hosts":
		return Assets, nil
	case "identity", "identities", "user", "users":
		return Identities, nil
	}
	return "", fmt.Errorf("unknown context kind %q (want assets or identities)", s)
}

// Bool is a yes/no that may be unknown. The zero value is unknown.
type Bool struct {
	V, OK bool
}

// Asset is a host or a network.
type Asset struct {
	Key             string   // host key of the name, else the first address
	Name            string   // as given
	Hostnames       []string // other names it goes by, as given
	Addresses       []string // normalized IP addresses and CIDR networks
	Owner           string
	Criticality     int // 1 (lowest) .. 5 (business critical); 0 when not given
	Environment     string
	InternetFacing  Bool
	Vulnerabilities []string
	Extra           map[string]any // columns trawl has no field for, kept as given
	Line            int64
}

// HostKeys are the event.HostKey values that resolve to the asset: its name and hostnames.
func (a Asset) HostKeys() []string {
	var keys []string
	for _, h := range append([]string{a.Name}, a.Hostnames...) {
		if k := event.HostKey(h); k != "" && event.NormalizeIP(k) == "" && !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	return keys
}

// Identity is a person or service account.
type Identity struct {
	Key            string // event.UserKey of User
	User           string // the account name as given
	DisplayName    string
	Email          string
	Aliases        []string // other account names (CORP\x, x@corp.example, a SID, a cloud login), as given
	Department     string
	Role           string
	Privileged     Bool
	ServiceAccount Bool
	MFA            Bool
	Manager        string
	Status         string    // active, leaving, left, or the word given, lower-case
	LeaveDate      time.Time // zero when not given
	Extra          map[string]any
	Line           int64
}

// AliasKeys are the event.UserKey values that resolve to the identity, its own key first.
func (id Identity) AliasKeys() []string {
	keys := []string{id.Key}
	for _, a := range append(append([]string{}, id.Aliases...), id.Email) {
		if k := event.UserKey(a); k != "" && !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	return keys
}

// Reject is a record that could not be read, with the field to blame.
type Reject struct {
	Line   int64
	Field  string
	Reason string
	Raw    string
}

func (r Reject) String() string {
	s := fmt.Sprintf("line %d", r.Line)
	if r.Field != "" {
		s += ": field " + r.Field
	}
	return s + ": " + r.Reason
}

// Sink receives records; an error stops the read.
type Sink interface {
	Asset(a Asset) error
	Identity(id Identity) error
	Reject(r Reject) error
}

// The columns each field is read from, by normalized name (lower case, spaces and dashes as
// "_"). A column not listed is kept in Extra.
var assetColumns = map[string]string{
	"name": "name", "host": "name", "hostname": "name", "host_name": "name", "asset": "name", "asset_name": "name",
	"computer": "name", "computer_name": "name", "fqdn": "name", "device": "name",
	"hostnames": "hostnames", "aliases": "hostnames", "alias": "hostnames", "dns_names": "hostnames", "other_names": "hostnames",
	"ip": "addresses", "ips": "addresses", "ip_address": "addresses", "ip_addresses": "addresses", "address": "addresses",
	"addresses": "addresses", "cidr": "addresses", "cidrs": "addresses", "network": "addresses", "networks": "addresses",
	"subnet": "addresses", "subnets": "addresses", "range": "addresses", "ip_range": "addresses",
	"owner": "owner", "owner_email": "owner", "contact": "owner", "business_owner": "owner",
	"criticality": "criticality", "business_criticality": "criticality", "crit": "criticality", "importance": "criticality",
	"environment": "environment", "env": "environment", "zone": "environment",
	"internet_facing": "internet_facing", "internet": "internet_facing", "exposed": "internet_facing", "public": "internet_facing", "external": "internet_facing",
	"vulnerabilities": "vulnerabilities", "vulns": "vulnerabilities", "known_vulnerabilities": "vulnerabilities", "cves": "vulnerabilities", "cve": "vulnerabilities",
}

var identityColumns = map[string]string{
	"user": "user", "username": "user", "user_name": "user", "account": "user", "account_name": "user", "login": "user",
	"samaccountname": "user", "sam_account_name": "user", "uid": "user",
	"display_name": "display_name", "displayname": "display_name", "full_name": "display_name", "name": "display_name",
	"email": "email", "mail": "email", "email_address": "email",
	"aliases": "aliases", "alias": "aliases", "other_accounts": "aliases", "accounts": "aliases", "upn": "aliases",
	"userprincipalname": "aliases", "user_principal_name": "aliases", "sid": "aliases", "object_sid": "aliases",
	"department": "department", "dept": "department", "team": "department",
	"role": "role", "title": "role", "job_title": "role", "position": "role",
	"privileged": "privileged", "admin": "privileged", "is_admin": "privileged", "privileged_account": "privileged",
	"service_account": "service_account", "service": "service_account", "is_service_account": "service_account",
	"mfa": "mfa", "mfa_enabled": "mfa", "2fa": "mfa", "two_factor": "mfa",
	"manager": "manager", "manager_name": "manager", "reports_to": "manager",
	"status": "status", "employment_status": "status", "employment": "status", "state": "status",
	"leave_date": "leave_date", "leaving_date": "leave_date", "leaving_on": "leave_date", "termination_date": "leave_date",
	"end_date": "leave_date", "last_day": "leave_date",
}

// kindOf tells assets from identities by the columns of a record: the kind with more columns
// of its own (not shared) wins.
func kindOf(names []string) (Kind, error) {
	var a, i int
	for _, n := range names {
		_, inA := assetColumns[n]
		_, inI := identityColumns[n]
		switch {
		case inA && !inI:
			a++
		case inI && !inA:
			i++
		}
	}
	switch {
	case a > i:
		return Assets, nil
	case i > a:
		return Identities, nil
	}
	return "", fmt.Errorf("cannot tell assets from identities by the columns (%s); pass --kind", strings.Join(names, ", "))
}

// Read reads a context file. kind "" detects it from the first record's columns. It returns the
// kind read; a file whose kind cannot be told is an error.
func Read(r io.Reader, kind Kind, sink Sink) (Kind, tabular.Format, error) {
	var kindErr error
	format, err := tabular.Read(r, func(row tabular.Row) error {
		if kind == "" {
			if kind, kindErr = kindOf(row.Names); kindErr != nil {
				return kindErr
			}
		}
		if kind == Assets {
			a, rj := assetOf(row)
			if rj != nil {
				return sink.Reject(*rj)
			}
			return sink.Asset(a)
		}
		id, rj := identityOf(row)
		if rj != nil {
			return sink.Reject(*rj)
		}
		return sink.Identity(id)
	}, func(line int64, raw string, err error) error {
		return sink.Reject(Reject{Line: line, Reason: err.Error(), Raw: raw})
	})
	if kindErr != nil {
		return "", format, kindErr
	}
	return kind, format, err
}

// fields walks a row's columns through a column table, giving the field name (or "" for an
// unknown column), the column name and its value.
func fields(row tabular.Row, table map[string]string, fn func(field, col string, v any) error) error {
	for _, n := range row.Names {
		v, ok := row.Fields[n]
		if !ok || v == nil || tabular.Text(v) == "" {
			continue
		}
		if err := fn(table[n], n, v); err != nil {
			return err
		}
	}
	return nil
}

// fieldError blames one column.
type fieldError struct {
	col string
	err error
}

func (e *fieldError) Error() string { return e.err.Error() }

func rejectOf(row tabular.Row, err error) *Reject {
	r := &Reject{Line: row.Line, Reason: err.Error(), Raw: row.Raw}
	var fe *fieldError
	if errors.As(err, &fe) {
		r.Field = fe.col
	}
	return r
}

func assetOf(row tabular.Row) (Asset, *Reject) {
	a := Asset{Line: row.Line}
	err := fields(row, assetColumns, func(field, col string, v any) error {
		text := strings.TrimSpace(tabular.Text(v))
		var err error
		switch field {
		case "name":
			a.Name = text
		case "hostnames":
			a.Hostnames = append(a.Hostnames, tabular.List(v)...)
		case "addresses":
			for _, s := range tabular.List(v) {
				addr, aerr := parseAddress(s)
				if aerr != nil {
					return &fieldError{col, aerr}
				}
				if !slices.Contains(a.Addresses, addr) {
					a.Addresses = append(a.Addresses, addr)
				}
			}
		case "owner":
			a.Owner = text
		case "criticality":
			a.Criticality, err = parseCriticality(text)
		case "environment":
			a.Environment = strings.ToLower(text)
		case "internet_facing":
			a.InternetFacing, err = parseBool(v)
		case "vulnerabilities":
			a.Vulnerabilities = append(a.Vulnerabilities, tabular.List(v)...)
		default:
			if a.Extra == nil {
				a.Extra = map[string]any{}
			}
			a.Extra[col] = v
		}
		if err != nil {
			return &fieldError{col, err}
		}
		return nil
	})
	if err != nil {
		return Asset{}, rejectOf(row, err)
	}
	// A name that is an address is an address too.
	if ip := event.NormalizeIP(a.Name); ip != "" && !slices.Contains(a.Addresses, ip) {
		a.Addresses = append([]string{ip}, a.Addresses...)
	}
	if keys := a.HostKeys(); len(keys) > 0 {
		a.Key = keys[0]
	} else if len(a.Addresses) > 0 {
		a.Key = a.Addresses[0]
	}
	if a.Key == "" {
		return Asset{}, &Reject{Line: row.Line, Field: "name", Reason: "an asset needs a name, host name, IP address or network", Raw: row.Raw}
	}
	return a, nil
}

func identityOf(row tabular.Row) (Identity, *Reject) {
	id := Identity{Line: row.Line}
	err := fields(row, identityColumns, func(field, col string, v any) error {
		text := strings.TrimSpace(tabular.Text(v))
		var err error
		switch field {
		case "user":
			if id.User != "" {
				id.Aliases = append(id.Aliases, text) // a second account column
			} else {
				id.User = text
			}
		case "display_name":
			id.DisplayName = text
		case "email":
			id.Email = text
		case "aliases":
			id.Aliases = append(id.Aliases, tabular.List(v)...)
		case "department":
			id.Department = text
		case "role":
			id.Role = text
		case "privileged":
			id.Privileged, err = parseBool(v)
		case "service_account":
			id.ServiceAccount, err = parseBool(v)
		case "mfa":
			id.MFA, err = parseBool(v)
		case "manager":
			id.Manager = text
		case "status":
			var d time.Time
			id.Status, d, err = parseStatus(text)
			if !d.IsZero() {
				id.LeaveDate = d
			}
		case "leave_date":
			id.LeaveDate, err = ParseDate(text)
		default:
			if id.Extra == nil {
				id.Extra = map[string]any{}
			}
			id.Extra[col] = v
		}
		if err != nil {
			return &fieldError{col, err}
		}
		return nil
	})
	if err != nil {
		return Identity{}, rejectOf(row, err)
	}
	if id.User == "" && id.Email != "" {
		id.User = id.Email
	}
	id.Key = event.UserKey(id.User)
	if id.Key == "" {
		return Identity{}, &Reject{Line: row.Line, Field: "user", Reason: "an identity needs a user (account) name", Raw: row.Raw}
	}
	if id.Status == "" && !id.LeaveDate.IsZero() {
		id.Status = "leaving"
	}
	return id, nil
}

// parseAddress normalizes an IP address or a CIDR network; a /32 (/128) network is an address.
func parseAddress(s string) (string, error) {
	if strings.Contains(s, "/") {
		p, err := event.NormalizePrefix(s)
		if err != nil {
			return "", fmt.Errorf("%q is not an IP network (CIDR)", s)
		}
		if p.IsSingleIP() {
			return p.Addr().String(), nil
		}
		return p.String(), nil
	}
	if ip := event.NormalizeIP(s); ip != "" {
		return ip, nil
	}
	return "", fmt.Errorf("%q is not an IP address or network", s)
}

var criticalityWords = map[string]int{"minimal": 1, "negligible": 1, "none": 1, "low": 2, "medium": 3, "moderate": 3, "high": 4, "critical": 5, "very high": 5}

func parseCriticality(s string) (int, error) {
	if n, ok := criticalityWords[strings.ToLower(s)]; ok {
		return n, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 5 {
		return 0, fmt.Errorf("criticality %q: want 1 (lowest) to 5 (business critical), or low/medium/high/critical", s)
	}
	return n, nil
}

func parseBool(v any) (Bool, error) {
	if b, ok := v.(bool); ok {
		return Bool{b, true}, nil
	}
	s := strings.ToLower(strings.TrimSpace(tabular.Text(v)))
	switch s {
	case "":
		return Bool{}, nil
	case "true", "yes", "y", "1", "x", "on", "enabled", "enforced":
		return Bool{true, true}, nil
	case "false", "no", "n", "0", "off", "disabled", "none":
		return Bool{false, true}, nil
	}
	return Bool{}, fmt.Errorf("%q is not yes or no", s)
}

// statusWords normalizes employment status words.
var statusWords = map[string]string{
	"active": "active", "employed": "active", "current": "active", "enabled": "active",
	"leaving": "leaving", "leaver": "leaving", "resigned": "leaving", "notice": "leaving", "terminating": "leaving", "departing": "leaving",
	"left": "left", "terminated": "left", "departed": "left", "former": "left", "disabled": "left", "inactive": "left",
}

// parseStatus reads "active", "leaving on 2026-12-01", "leaving 1 Dec 2026", "left", ...: the
// status word, normalized, and a date when one follows it.
func parseStatus(s string) (string, time.Time, error) {
	word, rest, _ := strings.Cut(strings.ToLower(strings.TrimSpace(s)), " ")
	rest = strings.TrimSpace(rest)
	for _, p := range []string{"on ", "at ", "from ", "since ", "as of "} {
		rest = strings.TrimPrefix(rest, p)
	}
	status := word
	if w, ok := statusWords[word]; ok {
		status = w
	}
	if rest == "" {
		return status, time.Time{}, nil
	}
	d, err := ParseDate(rest)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("status %q: %v", s, err)
	}
	return status, d, nil
}

// ParseDate reads a date: 2006-01-02, 2006/01/02, RFC 3339, "2 Jan 2006", "Jan 2 2006",
// "January 2, 2006" (time.Parse reads month names in any case: "1 DEC 2026", "1 dec 2026").
// Day/month orders that can be confused (01/02/2006) are refused.
func ParseDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date (want YYYY-MM-DD or 2 Jan 2006)", s)
}

var dateLayouts = []string{"2006-01-02", "2006/01/02", time.RFC3339, "2006-01-02 15:04:05", "2 Jan 2006", "2 January 2006", "Jan 2 2006", "January 2 2006", "Jan 2, 2006", "January 2, 2006"}
