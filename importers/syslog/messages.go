package syslog

import (
	"strings"

	"trawl/event"
)

// This file is the message table: what the messages of the programs analysts care about mean
// in the event model. One row per kind of message:
//
//	{programs, template, category, action, outcome, then}
//
// programs are the syslog tags the row applies to (any program when empty). The template is the
// message text with captures in braces:
//
//	{name}     one token, as short as the rest of the template allows
//	{name...}  any text, as long as the rest of the template allows (user names may hold spaces)
//	{*}        any text, not kept
//
// and the template must match the whole message (after the clean-ups in clean). A capture named
// after an event column (user, src_ip, src_port, target_user, session_id, ...) fills it; every
// capture is kept in Event.Fields under its name. A capture that does not fit its column (a
// host name where sshd could have logged an address) stays in Fields only. Ports, counts and
// codes (digitCaptures) match digits only. `then` finishes the few rows whose meaning depends on
// the values.
//
// The first row that matches wins, so a more specific row comes before a more general one. The
// program's own rows are tried before the rows for any program.

// Program groups.
const (
	sshd     = "sshd sshd-session sshd-auth"
	sudo     = "sudo"
	su       = "su"
	cron     = "cron crond"
	logind   = "systemd-logind"
	login    = "login"
	accounts = "useradd usermod userdel groupadd groupmod groupdel gpasswd passwd chpasswd chage"
	anyProg  = ""
)

// Outcomes.
const (
	ok   = "success"
	fail = "failure"
	none = ""
)

type rule struct {
	programs string
	template string
	category string
	action   string
	outcome  string
	then     *step
}

// A step finishes the rows whose meaning depends on the values; doc says what it does, for
// docs/syslog-mapping.md.
type step struct {
	doc string
	fn  func(*match)
}

var table = []rule{
	// sshd: logons. The method (password, publickey, keyboard-interactive/pam, none) goes to
	// auth_package and logon_type.
	{sshd, "Accepted {method} for {user...} from {src_ip} port {src_port} {ssh_protocol}: {key_type} {key_fingerprint}", "logon", "logon", ok, nil},
	{sshd, "Accepted {method} for {user...} from {src_ip} port {src_port} {ssh_protocol}: {key_info...}", "logon", "logon", ok, nil},
	{sshd, "Accepted {method} for {user...} from {src_ip} port {src_port} {ssh_protocol}", "logon", "logon", ok, nil},
	{sshd, "Failed {method} for invalid user {user...} from {src_ip} port {src_port} {ssh_protocol}: {key_type} {key_fingerprint}", "logon", "logon", fail, invalidUser},
	{sshd, "Failed {method} for invalid user {user...} from {src_ip} port {src_port} {ssh_protocol}", "logon", "logon", fail, invalidUser},
	{sshd, "Failed {method} for {user...} from {src_ip} port {src_port} {ssh_protocol}: {key_type} {key_fingerprint}", "logon", "logon", fail, nil},
	{sshd, "Failed {method} for {user...} from {src_ip} port {src_port} {ssh_protocol}: {key_info...}", "logon", "logon", fail, nil},
	{sshd, "Failed {method} for {user...} from {src_ip} port {src_port} {ssh_protocol}", "logon", "logon", fail, nil},

	// sshd: user checks before authentication.
	{sshd, "Invalid user {user...} from {src_ip} port {src_port}", "auth", "invalid-user", fail, invalidUser},
	{sshd, "Invalid user {user...} from {src_ip}", "auth", "invalid-user", fail, invalidUser},
	{sshd, "input_userauth_request: invalid user {user...}", "auth", "invalid-user-request", fail, invalidUser},
	{sshd, "User {user...} from {src_ip} not allowed because {reason...}", "auth", "user-not-allowed", fail, nil},
	{sshd, "User {user...} not allowed because {reason...}", "auth", "user-not-allowed", fail, nil},
	{sshd, "maximum authentication attempts exceeded for invalid user {user...} from {src_ip} port {src_port} {ssh_protocol}", "auth", "max-auth-attempts", fail, invalidUser},
	{sshd, "maximum authentication attempts exceeded for {user...} from {src_ip} port {src_port} {ssh_protocol}", "auth", "max-auth-attempts", fail, nil},
	{sshd, "Disconnecting: Too many authentication failures for invalid user {user...}", "auth", "too-many-failures", fail, invalidUser},
	{sshd, "Disconnecting: Too many authentication failures for {user...}", "auth", "too-many-failures", fail, nil},
	{sshd, "Disconnecting: Too many authentication failures", "auth", "too-many-failures", fail, nil},
	{sshd, "Disconnecting invalid user {user...} {src_ip} port {src_port}: Too many authentication failures", "auth", "too-many-failures", fail, invalidUser},
	{sshd, "Disconnecting authenticating user {user...} {src_ip} port {src_port}: Too many authentication failures", "auth", "too-many-failures", fail, nil},
	{sshd, "PAM: Authentication failure for illegal user {user...} from {src_ip}", "auth", "credential-validation", fail, invalidUser},
	{sshd, "PAM: Authentication failure for {user...} from {src_ip}", "auth", "credential-validation", fail, nil},
	{sshd, "PAM service({pam_service}) ignoring max retries; {tries} > {max_tries}", "auth", "max-retries-ignored", none, nil},

	// sshd: connections. "Disconnected from user" ends an authenticated session.
	{sshd, "Connection from {src_ip} port {src_port} on {dst_ip} port {dst_port}{*}", "network", "connection", none, nil},
	{sshd, "Connection closed by authenticating user {user...} {src_ip} port {src_port}", "network", "disconnect", none, nil},
	{sshd, "Connection closed by invalid user {user...} {src_ip} port {src_port}", "network", "disconnect", none, invalidUser},
	{sshd, "Connection closed by {src_ip} port {src_port}", "network", "disconnect", none, nil},
	{sshd, "Connection closed by {src_ip}", "network", "disconnect", none, nil},
	{sshd, "Connection reset by authenticating user {user...} {src_ip} port {src_port}", "network", "disconnect", none, nil},
	{sshd, "Connection reset by invalid user {user...} {src_ip} port {src_port}", "network", "disconnect", none, invalidUser},
	{sshd, "Connection reset by {src_ip} port {src_port}", "network", "disconnect", none, nil},
	{sshd, "Connection reset by {src_ip}", "network", "disconnect", none, nil},
	{sshd, "Disconnected from user {user...} {src_ip} port {src_port}", "logon", "logoff", ok, nil},
	{sshd, "Disconnected from authenticating user {user...} {src_ip} port {src_port}", "network", "disconnect", none, nil},
	{sshd, "Disconnected from invalid user {user...} {src_ip} port {src_port}", "network", "disconnect", none, invalidUser},
	{sshd, "Disconnected from {src_ip} port {src_port}", "network", "disconnect", none, nil},
	{sshd, "Received disconnect from {src_ip} port {src_port}:{reason_code}: {reason...}", "network", "disconnect", none, nil},
	{sshd, "Received disconnect from {src_ip}: {reason_code}: {reason...}", "network", "disconnect", none, nil},
	{sshd, "Did not receive identification string from {src_ip} port {src_port}", "network", "no-identification", fail, nil},
	{sshd, "Did not receive identification string from {src_ip}", "network", "no-identification", fail, nil},
	{sshd, "Bad protocol version identification {*} from {src_ip} port {src_port}", "network", "bad-protocol", fail, nil},
	{sshd, "Bad protocol version identification {*} from {src_ip}", "network", "bad-protocol", fail, nil},
	{sshd, "Timeout before authentication for {src_ip} port {src_port}", "network", "timeout", fail, nil},
	{sshd, "Unable to negotiate with {src_ip} port {src_port}: {reason...}", "network", "negotiation-failed", fail, nil},
	{sshd, "reverse mapping checking getaddrinfo for {src_host} [{src_ip}] failed - POSSIBLE BREAK-IN ATTEMPT!", "network", "reverse-mapping-failed", none, breakIn},
	{sshd, "reverse mapping checking getaddrinfo for {src_host} [{src_ip}] failed{*}", "network", "reverse-mapping-failed", none, nil},
	{sshd, "Address {src_ip} maps to {src_host}, but this does not map back to the address - POSSIBLE BREAK-IN ATTEMPT!", "network", "reverse-mapping-failed", none, breakIn},
	{sshd, "Address {src_ip} maps to {src_host}, but this does not map back to the address{*}", "network", "reverse-mapping-failed", none, nil},
	{sshd, "Server listening on {dst_ip} port {dst_port}.", "system", "listen", none, nil},
	{sshd, "Received signal {signal}; terminating.", "system", "stop", none, nil},

	// sudo: "alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/ls -la", possibly
	// with a reason first ("3 incorrect password attempts ; TTY=...").
	{sudo, "{user} : {sudo...}", "process", "process-start", ok, sudoCommand},

	// su: shadow-utils and util-linux spellings.
	{su, "Successful su for {target_user} by {user}", "auth", "su", ok, nil},
	{su, "FAILED su for {target_user} by {user}", "auth", "su", fail, nil},
	{su, "FAILED SU (to {target_user}) {user} on {tty}", "auth", "su", fail, nil},
	{su, "(to {target_user}) {user} on {tty}", "auth", "su", ok, nil},
	{su, "+ {tty} {user}:{target_user}", "auth", "su", ok, nil},
	{su, "- {tty} {user}:{target_user}", "auth", "su", fail, nil},

	// login on a console.
	{login, "FAILED LOGIN {count} FROM {tty} FOR {user}, {reason...}", "logon", "logon", fail, nil},
	{login, "FAILED LOGIN ({count}) on '{tty}' FROM '{src_host}' FOR '{user}', {reason...}", "logon", "logon", fail, nil},
	{login, "FAILED LOGIN ({count}) on '{tty}' FOR '{user}', {reason...}", "logon", "logon", fail, nil},
	{login, "ROOT LOGIN {*}on '{tty}'{*}", "logon", "logon", ok, rootLogin},

	// Account changes (shadow-utils). The companion lines that only say which file was
	// updated (/etc/gshadow, shadow groups) are "group-file-update", so that one change is
	// one event with the main action.
	{accounts, "new user: {kv...}", "iam", "user-create", ok, kvTarget("name")},
	{accounts, "new group: {kv...}", "iam", "group-create", ok, kvGroup("name")},
	{accounts, "group added to {file}: {kv...}", "iam", "group-file-update", ok, kvGroup("name")},
	{accounts, "add '{target_user}' to group '{group}'", "iam", "group-member-add", ok, nil},
	{accounts, "add '{target_user}' to shadow group '{group}'", "iam", "group-file-update", ok, nil},
	{accounts, "delete user '{target_user}'", "iam", "user-delete", ok, nil},
	{accounts, "removed group '{group}' owned by '{target_user}'", "iam", "group-delete", ok, nil},
	{accounts, "removed shadow group '{group}' owned by '{target_user}'", "iam", "group-file-update", ok, nil},
	{accounts, "delete '{target_user}' from group '{group}'", "iam", "group-member-remove", ok, nil},
	{accounts, "delete '{target_user}' from shadow group '{group}'", "iam", "group-file-update", ok, nil},
	{accounts, "group '{group}' removed from {file}", "iam", "group-file-update", ok, nil},
	{accounts, "group '{group}' removed", "iam", "group-delete", ok, nil},
	{accounts, "change user '{target_user}' password", "iam", "password-change", ok, nil},
	{accounts, "lock user '{target_user}' password", "iam", "user-disable", ok, nil},
	{accounts, "unlock user '{target_user}' password", "iam", "user-enable", ok, nil},
	{accounts, "change user '{target_user}' {change...}", "iam", "user-change", ok, nil},
	{accounts, "user {target_user} added by {user} to group {group}", "iam", "group-member-add", ok, nil},
	{accounts, "user {target_user} removed by {user} from group {group}", "iam", "group-member-remove", ok, nil},
	{accounts, "password for '{target_user}' changed by '{user}'", "iam", "password-change", ok, nil},
	{accounts, "changed password expiry for {target_user}", "iam", "user-change", ok, nil},

	// cron starting a job: "(root) CMD (   cd / && run-parts --report /etc/cron.hourly)".
	{cron, "({user}) CMD ({command...})", "process", "process-start", ok, cronCommand},

	// systemd-logind sessions.
	{logind, "New session {session_id} of user {user}.", "logon", "session-open", ok, nil},
	{logind, "Session {session_id} logged out. Waiting for processes to exit.", "logon", "logoff", ok, nil},
	{logind, "Removed session {session_id}.", "logon", "session-close", ok, nil},

	// PAM modules, whatever program hosts them: pam_unix(sshd:auth), pam_unix(sudo:session),
	// pam_sss(su-l:auth), ...
	{anyProg, "pam_{pam_module}({pam_service}:auth): authentication failure; {kv...}", "auth", "credential-validation", fail, pamAuth},
	{anyProg, "pam_{pam_module}({pam_service}:auth): check pass; user unknown", "auth", "user-unknown", fail, nil},
	{anyProg, "pam_{pam_module}({pam_service}:session): session opened for user {session_user} by {by...}", "logon", "session-open", ok, pamSession},
	{anyProg, "pam_{pam_module}({pam_service}:session): session closed for user {session_user}", "logon", "session-close", ok, pamSession},
	{anyProg, "pam_{pam_module}({pam_service}:chauthtok): password changed for {target_user}", "iam", "password-change", ok, nil},
	{anyProg, "PAM {count} more authentication failure; {kv...}", "auth", "credential-validation", fail, pamAuth},
	{anyProg, "PAM {count} more authentication failures; {kv...}", "auth", "credential-validation", fail, pamAuth},
}

// digitCaptures are the captures that match digits only.
var digitCaptures = map[string]bool{
	"src_port": true, "dst_port": true, "count": true, "tries": true, "max_tries": true,
	"reason_code": true, "signal": true,
}

// captureColumns are captures that fill columns not named like them.
var captureColumns = map[string][]string{
	"method": {"auth_package", "logon_type"},
}

// segKind is what one piece of a template matches.
type segKind int

const (
	segLiteral segKind = iota // the text itself
	segToken                  // {name}: one or more non-space bytes, as few as possible
	segDigits                 // {name} of digitCaptures: one or more digits, as many as possible
	segText                   // {name...} and {*}: any text, as much as possible
)

type segment struct {
	kind  segKind
	lit   string // segLiteral
	group int    // index of the capture in names, 0 for {*}
}

// compiled is a rule ready to match.
type compiled struct {
	*rule
	segs   []segment
	prefix string   // the template's literal start, checked first
	parts  []string // the template's literal parts after the prefix, which must appear in order
	names  []string // capture names by group (index 0 unused)
}

// compileTemplate splits a template into segments. It panics on a malformed template: the
// table is code.
func compileTemplate(r *rule) *compiled {
	c := &compiled{rule: r, names: []string{""}}
	t := r.template
	for t != "" {
		i := strings.IndexByte(t, '{')
		if i < 0 {
			i = len(t)
		}
		if i > 0 {
			if len(c.segs) == 0 {
				c.prefix = t[:i]
			} else {
				c.parts = append(c.parts, t[:i])
			}
			c.segs = append(c.segs, segment{kind: segLiteral, lit: t[:i]})
		}
		if i == len(t) {
			break
		}
		j := strings.IndexByte(t[i:], '}')
		if j < 0 {
			panic("syslog: unclosed brace in template " + r.template)
		}
		name := t[i+1 : i+j]
		t = t[i+j+1:]
		seg := segment{kind: segToken}
		switch {
		case name == "*":
			seg.kind = segText
		case strings.HasSuffix(name, "..."):
			seg.kind, name = segText, strings.TrimSuffix(name, "...")
		case digitCaptures[name]:
			seg.kind = segDigits
		}
		if name != "*" {
			seg.group = len(c.names)
			c.names = append(c.names, name)
		}
		if n := len(c.segs); n > 0 && c.segs[n-1].kind != segLiteral && !(c.segs[n-1].kind == segDigits && seg.kind == segText && seg.group == 0) {
			panic("syslog: captures without text between them in template " + r.template)
		}
		c.segs = append(c.segs, seg)
	}
	return c
}

// maxSteps bounds the work of matching one template against one message.
const maxSteps = 10000

// match matches text against the template, filling vals (indexed by group). It follows the
// preferences of the equivalent regular expression (see templateRegexp in the tests): text and
// digit captures take as much as they can, token captures as little.
func (c *compiled) match(text string, vals []string) bool {
	steps := 0
	return c.matchFrom(0, text, vals, &steps)
}

func (c *compiled) matchFrom(k int, s string, vals []string, steps *int) bool {
	if *steps++; *steps > maxSteps {
		return false
	}
	if k == len(c.segs) {
		return s == ""
	}
	sg := c.segs[k]
	if sg.kind == segLiteral {
		return strings.HasPrefix(s, sg.lit) && c.matchFrom(k+1, s[len(sg.lit):], vals, steps)
	}
	if k+1 == len(c.segs) { // the last capture takes the rest
		if !sg.accepts(s) {
			return false
		}
		vals[sg.group] = s
		return true
	}
	next := c.segs[k+1]
	if sg.kind == segDigits { // longest first, within the digits there are
		run := 0
		for run < len(s) && isDigit(s[run]) {
			run++
		}
		for end := run; end >= 1; end-- {
			if next.kind == segLiteral && !strings.HasPrefix(s[end:], next.lit) {
				continue
			}
			if c.matchFrom(k+1, s[end:], vals, steps) {
				vals[sg.group] = s[:end]
				return true
			}
		}
		return false
	}
	if sg.kind == segText { // longest first
		for end := strings.LastIndex(s, next.lit); end >= 0; end = strings.LastIndex(s[:end], next.lit) {
			if !sg.accepts(s[:end]) {
				continue
			}
			if c.matchFrom(k+1, s[end:], vals, steps) {
				vals[sg.group] = s[:end]
				return true
			}
			if *steps > maxSteps {
				return false
			}
		}
		return false
	}
	for from := 1; from <= len(s); { // shortest first
		i := strings.Index(s[from:], next.lit)
		if i < 0 {
			return false
		}
		end := from + i
		if !sg.accepts(s[:end]) {
			return false // a longer value holds the same bad byte
		}
		if c.matchFrom(k+1, s[end:], vals, steps) {
			vals[sg.group] = s[:end]
			return true
		}
		from = end + 1
	}
	return false
}

// accepts reports whether v is a whole value of the segment.
func (sg segment) accepts(v string) bool {
	switch sg.kind {
	case segText:
		return strings.IndexByte(v, '\n') < 0
	case segDigits:
		if v == "" {
			return false
		}
		for i := 0; i < len(v); i++ {
			if !isDigit(v[i]) {
				return false
			}
		}
	case segToken:
		if v == "" {
			return false
		}
		for i := 0; i < len(v); i++ {
			switch v[i] {
			case ' ', '\t', '\n', '\r', '\f':
				return false
			}
		}
	}
	return true
}

// rulesFor maps a lower-case program name to its rules followed by the rules for any program;
// generic holds the latter alone, for every other program.
var (
	rulesFor = map[string][]*compiled{}
	generic  []*compiled
)

func init() {
	own := map[string][]*compiled{}
	for i := range table {
		c := compileTemplate(&table[i])
		if c.programs == anyProg {
			generic = append(generic, c)
			continue
		}
		for _, p := range strings.Fields(c.programs) {
			own[p] = append(own[p], c)
		}
	}
	for p, rs := range own {
		rulesFor[p] = append(rs, generic...)
	}
}

// rulesOf returns the rules to try for a program.
func rulesOf(program string) []*compiled {
	if rs, ok := rulesFor[program]; ok {
		return rs
	}
	if rs, ok := rulesFor[strings.ToLower(program)]; ok {
		return rs
	}
	return generic
}

// mayMatch is a quick test that rest holds the template's literal parts in order, which
// rules out most rules before matching them.
func (c *compiled) mayMatch(rest string) bool {
	for _, p := range c.parts {
		i := strings.Index(rest, p)
		if i < 0 {
			return false
		}
		rest = rest[i+len(p):]
	}
	return true
}

// match is the state of applying a matched rule to an event.
type match struct {
	ev     *event.Event
	fields map[string]any
	caps   []capture // this rule's captures in template order
}

type capture struct{ name, value string }

// cap returns the value of the named capture, "" when the rule has none.
func (m *match) cap(name string) string {
	for _, c := range m.caps {
		if c.name == name {
			return c.value
		}
	}
	return ""
}

// maxMatchLen bounds the messages the table is tried on: real auth messages are short, and a
// megabyte-long message is kept as it is without matching templates against it.
const maxMatchLen = 8 << 10

// classify finds the first rule matching text among the program's rules and applies it. It
// returns the rule, or nil when none matched.
func classify(program, text string, ev *event.Event, fields map[string]any) *compiled {
	if len(text) > maxMatchLen {
		return nil
	}
	for _, c := range rulesOf(program) {
		if !strings.HasPrefix(text, c.prefix) || !c.mayMatch(text[len(c.prefix):]) {
			continue
		}
		var buf [8]string
		vals := buf[:0]
		if len(c.names) > len(buf) {
			vals = make([]string, 0, len(c.names))
		}
		vals = vals[:len(c.names)]
		if !c.match(text, vals) {
			continue
		}
		m := match{ev: ev, fields: fields, caps: make([]capture, 0, len(c.names)-1)}
		for g := 1; g < len(c.names); g++ {
			m.caps = append(m.caps, capture{c.names[g], vals[g]})
		}
		ev.Category, ev.Action, ev.Outcome = c.category, c.action, c.outcome
		for _, cp := range m.caps {
			if cp.name != "kv" && cp.name != "sudo" {
				m.set(cp.name, cp.value)
			}
		}
		if c.then != nil {
			c.then.fn(&m)
		}
		return c
	}
	return nil
}

// set keeps a parsed value in Fields and fills its column when it has one and the value fits.
func (m *match) set(name, v string) {
	m.fields[name] = v
	cols, ok := captureColumns[name]
	if !ok {
		if !event.Settable(name) {
			return
		}
		cols = []string{name}
	}
	for _, col := range cols {
		// A value that does not fit stays in Fields only; a host name where an address
		// was expected is also kept as src_host, as pam's rhost= is.
		if err := m.ev.Set(col, v); err != nil && col == "src_ip" {
			m.fields["src_host"] = v
		}
	}
}

// --- the `then` steps ---

var (
	invalidUser = &step{"fields.invalid_user = true", func(m *match) { m.fields["invalid_user"] = true }}
	breakIn     = &step{"fields.possible_break_in = true", func(m *match) { m.fields["possible_break_in"] = true }}
	rootLogin   = &step{"user = root", func(m *match) { m.ev.User = "root" }}
	pamAuth     = &step{"the pairs into fields; user = ruser and target_user = user when both are given and differ, else user = user (or ruser); rhost = src_ip, or fields.src_host for a name", pamAuthPairs}
	pamSession  = &step{"user = the opener and target_user = the session's account when someone else opened it (su, sudo), else user = the session's account", pamSessionUsers}
	sudoCommand = &step{"the ` ; ` details into fields; USER = target_user, COMMAND = command_line and process_path/process_name of its image, sudo = parent_name/ppid; a reason before the details makes it a failure, and a password failure is category auth, action credential-validation", sudoDetails}
	cronCommand = &step{"CMD = command_line (run by a shell: no image), cron = parent_name/ppid", cronJob}
)

func kvTarget(key string) *step {
	return &step{"the pairs into fields; " + key + " = target_user", func(m *match) {
		kv := m.keepKV()
		m.ev.TargetUser = event.Clean(kv(key))
	}}
}

func kvGroup(key string) *step {
	return &step{"the pairs into fields; " + key + " = fields.group", func(m *match) {
		kv := m.keepKV()
		if g := kv(key); g != "" {
			m.fields["group"] = g
		}
	}}
}

// eachKV calls fn with the pairs of "logname= uid=0 euid=0 tty=ssh ruser= rhost=1.2.3.4
// user=root" or "name=bob, UID=1001, GID=1001, home=/home/bob"; keys are lower-cased.
func eachKV(s string, fn func(k, v string)) {
	for s != "" {
		s = strings.TrimLeft(s, " ")
		tok := s
		if i := strings.IndexByte(s, ' '); i >= 0 {
			tok, s = s[:i], s[i+1:]
		} else {
			s = ""
		}
		tok = strings.TrimSuffix(tok, ",")
		k, v, ok := strings.Cut(tok, "=")
		if !ok || k == "" {
			continue
		}
		fn(strings.ToLower(k), v)
	}
}

// keepKV stores the pairs of the kv capture in Fields (empty values too: "ruser=" says
// something) and returns a lookup of them.
func (m *match) keepKV() func(k string) string {
	eachKV(m.cap("kv"), func(k, v string) { m.fields[k] = v })
	return func(k string) string {
		v, _ := m.fields[k].(string)
		return v
	}
}

// pamAuthPairs reads pam's "authentication failure" pairs. user= is the account being authenticated,
// ruser= the one asking: for su and sudo the asking user acts on the target account; for sshd
// ruser is empty and user= is the account that failed to log on. rhost= is an address or a
// host name.
func pamAuthPairs(m *match) {
	kv := m.keepKV()
	user, ruser := event.Clean(kv("user")), event.Clean(kv("ruser"))
	switch {
	case ruser != "" && user != "" && ruser != user:
		m.ev.User, m.ev.TargetUser = ruser, user
	case user != "":
		m.ev.User = user
	case ruser != "":
		m.ev.User = ruser
	}
	if rhost := kv("rhost"); rhost != "" {
		if ip := event.NormalizeIP(rhost); ip != "" {
			m.ev.SrcIP = ip
		} else {
			m.fields["src_host"] = rhost
		}
	}
}

// pamSessionUsers reads "session opened for user root(uid=0) by alice(uid=1000)": the session's
// account is the target when someone else opened it (su, sudo), else it is the user.
func pamSessionUsers(m *match) {
	who, uid := splitUID(m.cap("session_user"))
	if uid != "" {
		m.fields["session_uid"] = uid
	}
	by, byUID := splitUID(strings.TrimSpace(m.cap("by")))
	if byUID != "" {
		m.fields["by_uid"] = byUID
	}
	if by == "LOGIN" { // login(1) opens sessions as "LOGIN": nobody in particular
		by = ""
	}
	if by != "" && by != who {
		m.ev.User, m.ev.TargetUser = by, event.Clean(who)
	} else {
		m.ev.User = event.Clean(who)
	}
}

// splitUID splits "alice(uid=1000)" into "alice" and "1000".
func splitUID(s string) (name, uid string) {
	if i := strings.Index(s, "(uid="); i >= 0 && strings.HasSuffix(s, ")") {
		return s[:i], s[i+5 : len(s)-1]
	}
	return s, ""
}

// sudoDetails reads sudo's " ; "-separated details. The command sudo ran (or refused) is the
// process; sudo is its parent. A reason before the details makes it a failure: a password
// failure is an authentication failure, anything else a refused command.
func sudoDetails(m *match) {
	details := m.cap("sudo")
	var reason string
	for details != "" {
		part, rest, _ := strings.Cut(details, " ; ")
		k, v, isKV := strings.Cut(part, "=")
		if isKV && k == "COMMAND" {
			v = v + strings.TrimPrefix(details, part) // the command may itself hold " ; "
			rest = ""
		}
		switch {
		case !isKV || strings.ContainsRune(k, ' '):
			if reason == "" {
				reason = strings.TrimSpace(part)
			}
		case k == "USER":
			m.ev.TargetUser = event.Clean(v)
			m.fields["run_as"] = v
		case k == "COMMAND":
			m.fields["command"] = v
			m.ev.CommandLine = v
			exe, _, _ := strings.Cut(strings.TrimSpace(v), " ")
			m.ev.ProcessPath, m.ev.ProcessName = exe, event.BaseName(exe)
		default:
			m.fields[strings.ToLower(k)] = v
		}
		details = rest
	}
	if m.ev.CommandLine != "" {
		m.becomeParent()
	}
	if reason == "" {
		return
	}
	m.fields["reason"] = reason
	m.ev.Outcome = fail
	if strings.Contains(reason, "incorrect password") || strings.Contains(reason, "password is required") {
		m.ev.Category, m.ev.Action = "auth", "credential-validation"
	}
}

// cronJob: cron runs the command through a shell, so the command line is known but not
// the program's image; cron is the parent.
func cronJob(m *match) {
	m.ev.CommandLine = m.cap("command")
	m.ev.ProcessName, m.ev.ProcessPath = "", ""
	m.becomeParent()
}

// becomeParent moves the logging program into the parent columns: the event's process is the
// one it started.
func (m *match) becomeParent() {
	m.ev.ParentName, m.ev.PPID = event.BaseName(m.ev.Dataset), m.ev.PID
	m.ev.PID = event.Int{}
}
