package auditd

import (
	"encoding/binary"
	"encoding/hex"
	"net/netip"
	"path"
	"strconv"
	"strings"

	"trawl/event"
	"trawl/importers"
)

// syscallColumns fills the process columns of a SYSCALL record.
var syscallColumns = importers.FieldMap{
	{Src: "pid", Col: "pid"},
	{Src: "ppid", Col: "ppid"},
	{Src: "ses", Col: "session_id"},
	{Src: "comm", Col: "process_name"},
	{Src: "exe", Col: "process_path"},
}

// userSpaceColumns fills the columns of the record that starts any other event: the user-space
// messages of pam, sshd, sudo, shadow-utils and systemd, and kernel records such as AVC.
var userSpaceColumns = importers.FieldMap{
	{Src: "pid", Col: "pid"},
	{Src: "ppid", Col: "ppid"},
	{Src: "ses", Col: "session_id"},
	{Src: "comm", Col: "process_name"},
	{Src: "exe", Col: "process_path"},
	{Src: "addr", Col: "src_ip"},
	{Src: "laddr", Col: "src_ip"},
	{Src: "cmd", Col: "command_line"},
	{Src: "name", Col: "file_path"},
	{Src: "path", Col: "file_path"},
}

// unset reports the values audit writes for "none": unset ids, ?, (none).
func unset(v string) bool {
	switch strings.TrimSpace(v) {
	case "", "?", "4294967295", "-1", "unset", "(none)", "(null)", "(unknown)", "none":
		return true
	}
	return false
}

// builder turns one group into an event.
type builder struct {
	ev     *event.Event
	byType map[string][]*record
	errs   []string
}

// set writes a column, keeping a value that does not parse in Fields only (the error is listed
// in Fields["_mapping_errors"]): one odd field does not lose the whole audit event.
func (b *builder) set(col, v string) {
	if unset(v) {
		return
	}
	if err := b.ev.Set(col, v); err != nil {
		b.errs = append(b.errs, err.Error())
	}
}

func (b *builder) apply(m importers.FieldMap, r *record) {
	for _, f := range m {
		if v, ok := r.get(f.Src); ok {
			b.set(f.Col, v)
		}
	}
}

func (b *builder) first(typ string) *record {
	if rs := b.byType[typ]; len(rs) > 0 {
		return rs[0]
	}
	return nil
}

func buildEvent(g *group) *event.Event {
	ev := &event.Event{SourceType: "auditd", Dataset: "auditd", Raw: string(g.raw)}
	b := &builder{ev: ev, byType: map[string][]*record{}}
	fields := map[string]any{}
	var primary *record
	for i := range g.recs {
		r := &g.recs[i]
		b.byType[r.typ] = append(b.byType[r.typ], r)
		if r.typ == "EOE" {
			continue
		}
		m := recordFields(r)
		if r.typ == "SOCKADDR" {
			decodeSockaddr(r, m)
		}
		switch old := fields[r.typ].(type) {
		case nil:
			if listTypes[r.typ] {
				fields[r.typ] = []any{m}
			} else {
				fields[r.typ] = m
			}
		case []any:
			fields[r.typ] = append(old, m)
		case map[string]any:
			fields[r.typ] = []any{old, m}
		}
		if primary == nil && !auxiliary[r.typ] {
			primary = r
		}
	}
	if s := b.first("SYSCALL"); s != nil {
		primary = s
	}
	if primary == nil {
		primary = &g.recs[0]
	}
	head := &g.recs[0]
	fields["audit_id"] = head.stamp
	if head.node != "" {
		fields["node"] = head.node
		b.set("host", head.node)
	}
	if g.split != "" {
		fields["_split"] = g.split
	}
	ev.Time = primary.time
	ev.EventCode = primary.typ

	if primary.typ == "SYSCALL" {
		b.syscall(primary, fields)
	} else {
		b.userSpace(primary)
	}
	if ev.CommandLine == "" {
		if cmd := commandLine(b.byType["EXECVE"]); cmd != "" {
			ev.CommandLine = cmd
		} else if p := b.first("PROCTITLE"); p != nil {
			if v, ok := p.get("proctitle"); ok && !unset(v) {
				ev.CommandLine = v
			}
		}
	}
	if ev.FilePath == "" {
		b.set("file_path", b.filePath())
	}
	if ev.ProcessPath != "" {
		ev.ProcessName = event.BaseName(ev.ProcessPath)
	}
	if len(b.errs) > 0 {
		fields["_mapping_errors"] = b.errs
	}
	ev.Fields = fields
	return ev
}

// recordFields is a record's fields as a map; a repeated key gets _2, _3... (a user-space
// message may repeat a key of its header inside msg='...').
func recordFields(r *record) map[string]any {
	m := make(map[string]any, len(r.fields))
	var seen map[string]int // how many times a repeated key was seen
	for _, f := range r.fields {
		k := f.key
		if _, dup := m[k]; dup {
			if seen == nil {
				seen = map[string]int{}
			}
			for {
				seen[f.key]++
				k = f.key + "_" + strconv.Itoa(seen[f.key]+1)
				if _, dup := m[k]; !dup {
					break
				}
			}
		}
		m[k] = f.val
	}
	return m
}

// syscall maps a SYSCALL record and its companions.
func (b *builder) syscall(r *record, fields map[string]any) {
	ev := b.ev
	rule, name := lookupSyscall(r)
	if name != "" {
		if m, ok := fields["SYSCALL"].(map[string]any); ok {
			if v, _ := r.get("syscall"); v != name {
				m["syscall_name"] = name
			}
		}
	}
	if rule != nil {
		ev.Category, ev.Action = rule.category, rule.action
	} else {
		ev.Category, ev.Action = "process", "syscall"
	}
	b.apply(syscallColumns, r)
	b.set("user", actingUser(r))
	if v, ok := r.get("success"); ok {
		ev.Outcome = outcomeOf(v)
	}
	if name == "" {
		name = "SYSCALL"
		if n, ok := r.get("syscall"); ok && n != "" {
			name = "syscall " + n
		}
	}
	who := ev.ProcessPath
	if who == "" {
		who = ev.ProcessName
	}
	ev.Message = name
	if who != "" {
		ev.Message += " by " + who
	}
	if ev.Outcome == "failure" {
		if x, ok := r.get("exit"); ok {
			ev.Message += " failed (exit " + x + ")"
		}
	}
	if s := b.first("SOCKADDR"); s != nil {
		b.sockaddr(s, rule)
	}
}

// lookupSyscall names the call of a SYSCALL record: by number on x86_64, by name in ausearch -i
// output (syscall=execve arch=x86_64).
func lookupSyscall(r *record) (*syscallRule, string) {
	v, _ := r.get("syscall")
	if rule, ok := syscallByName[v]; ok {
		return rule, v
	}
	arch, _ := r.get("arch")
	if arch != archX8664 && arch != "x86_64" {
		return nil, ""
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return nil, ""
	}
	if rule, ok := syscallByNum[n]; ok {
		return rule, rule.name
	}
	return nil, ""
}

// actingUser is the login user of a record: the enriched AUID name, the auid, else the uid.
func actingUser(r *record) string {
	for _, k := range []string{"AUID", "auid", "UID", "uid"} {
		if v, ok := r.get(k); ok && !unset(v) {
			return v
		}
	}
	return ""
}

// accountOf is the account a user-space message is about: acct=, else the enriched ID or id=.
func accountOf(r *record) string {
	for _, k := range []string{"acct", "ID", "id", "grp"} {
		if v, ok := r.get(k); ok && !unset(v) {
			return v
		}
	}
	return ""
}

func outcomeOf(v string) string {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "yes", "success", "1":
		return "success"
	case "no", "failed", "fail", "failure", "0":
		return "failure"
	}
	return ""
}

// userSpace maps an event started by a record other than SYSCALL.
func (b *builder) userSpace(r *record) {
	ev := b.ev
	rule, known := recordTypes[r.typ]
	if known {
		ev.Category, ev.Action = rule.category, rule.action
		if rule.severity > 0 {
			ev.Severity = event.IntOf(int64(rule.severity))
		}
	} else {
		ev.Action = strings.ReplaceAll(strings.ToLower(r.typ), "_", "-")
	}
	b.apply(userSpaceColumns, r)
	switch rule.user {
	case byAccount:
		user := accountOf(r)
		if user == "" {
			user = actingUser(r)
		}
		b.set("user", user)
	case byTarget:
		b.set("user", actingUser(r))
		b.set("target_user", accountOf(r))
	default:
		b.set("user", actingUser(r))
	}
	if v, ok := r.get("res"); ok {
		ev.Outcome = outcomeOf(v)
	} else if v, ok := r.get("success"); ok {
		ev.Outcome = outcomeOf(v)
	}
	if strings.HasPrefix(ev.Action, "access-") {
		if t, _ := r.get("text"); strings.Contains(t, "granted") {
			ev.Action = "access-granted"
		}
	}
	parts := []string{r.typ}
	for _, k := range []string{"op", "unit", "text"} {
		if v, ok := r.get(k); ok && !unset(v) {
			parts = append(parts, v)
		}
	}
	ev.Message = strings.Join(parts, " ")
}

// filePath is the file an event acted on, from its PATH records: the deleted or created name
// first, else the first name that is not a parent directory; relative names are joined to CWD.
func (b *builder) filePath() string {
	var pick string
	for _, want := range []string{"DELETE", "CREATE", ""} {
		for _, p := range b.byType["PATH"] {
			name, ok := p.get("name")
			if !ok || unset(name) {
				continue
			}
			nt, _ := p.get("nametype")
			if want == "" && nt != "PARENT" || want != "" && nt == want {
				pick = name
				break
			}
		}
		if pick != "" {
			break
		}
	}
	if pick == "" || strings.HasPrefix(pick, "/") {
		return pick
	}
	if c := b.first("CWD"); c != nil {
		if cwd, ok := c.get("cwd"); ok && strings.HasPrefix(cwd, "/") {
			return path.Join(cwd, pick)
		}
	}
	return pick
}

// commandLine joins the arguments of the EXECVE records of an event: a0 a1 ..., where a long
// argument comes as aN_len=... with pieces aN[0], aN[1], ...
func commandLine(recs []*record) string {
	if len(recs) == 0 {
		return ""
	}
	args := map[string]*strings.Builder{}
	argc := -1
	for _, r := range recs {
		for _, f := range r.fields {
			if f.key == "argc" {
				if n, err := strconv.Atoi(f.val); err == nil && n >= 0 {
					argc = n
				}
				continue
			}
			k := f.key
			if i := strings.IndexByte(k, '['); i > 0 {
				k = k[:i] // a piece of a long argument: pieces arrive in order
			}
			b := args[k]
			if b == nil {
				b = &strings.Builder{}
				args[k] = b
			}
			b.WriteString(f.val)
		}
	}
	var out []string
	limit := argc
	if limit < 0 || limit > len(args) {
		limit = len(args)
	}
	for i := 0; i < limit; i++ {
		a, ok := args["a"+strconv.Itoa(i)]
		if !ok {
			if argc < 0 {
				break
			}
			continue
		}
		out = append(out, a.String())
	}
	return strings.Join(out, " ")
}

// decodeSockaddr adds the decoded socket address of a SOCKADDR record to its fields: family,
// address and port for IPv4 and IPv6, path for local sockets.
func decodeSockaddr(r *record, m map[string]any) {
	if v, ok := r.get("saddr"); ok {
		if fam, addr, port, p, ok := parseSaddr(v); ok {
			m["family"] = fam
			if addr != "" {
				m["address"] = addr
				m["port"] = port
			}
			if p != "" {
				m["path"] = p
			}
		}
	}
}

// parseSaddr reads a struct sockaddr as hex (raw logs) or as the "fam=inet laddr=... lport=..."
// text of ausearch -i and the enriched SADDR field.
func parseSaddr(v string) (fam, addr string, port int, unixPath string, ok bool) {
	if strings.Contains(v, "=") {
		fs := parseFields(nil, "", []byte(v), true, 1)
		r := record{fields: fs}
		fam, _ = r.get("fam")
		if fam == "" {
			fam, _ = r.get("saddr_fam")
		}
		addr, _ = r.get("laddr")
		if p, ok := r.get("lport"); ok {
			port, _ = strconv.Atoi(p)
		}
		unixPath, _ = r.get("path")
		return fam, addr, port, unixPath, fam != ""
	}
	raw, err := hex.DecodeString(v)
	if err != nil || len(raw) < 2 {
		return "", "", 0, "", false
	}
	switch binary.LittleEndian.Uint16(raw) {
	case 2:
		if len(raw) < 8 {
			return "inet", "", 0, "", true
		}
		a := netip.AddrFrom4([4]byte(raw[4:8]))
		return "inet", a.String(), int(binary.BigEndian.Uint16(raw[2:4])), "", true
	case 10:
		if len(raw) < 24 {
			return "inet6", "", 0, "", true
		}
		a := netip.AddrFrom16([16]byte(raw[8:24])).Unmap()
		return "inet6", a.String(), int(binary.BigEndian.Uint16(raw[2:4])), "", true
	case 1:
		p := raw[2:]
		abstract := len(p) > 0 && p[0] == 0
		if abstract {
			p = p[1:]
		}
		if i := strings.IndexByte(string(p), 0); i >= 0 {
			p = p[:i]
		}
		s := cleanText(p)
		if abstract {
			s = "@" + s
		}
		return "local", "", 0, s, true
	case 16:
		return "netlink", "", 0, "", true
	default:
		return "family " + strconv.Itoa(int(binary.LittleEndian.Uint16(raw))), "", 0, "", true
	}
}

// sockaddr fills the network columns from a SOCKADDR record: the destination for calls that
// reach out (connect, sendto), the source for bind and accept.
func (b *builder) sockaddr(s *record, rule *syscallRule) {
	v, ok := s.get("saddr")
	if !ok {
		v, ok = s.get("SADDR")
	}
	if !ok {
		return
	}
	fam, addr, port, _, ok := parseSaddr(v)
	if !ok || addr == "" || (fam != "inet" && fam != "inet6") {
		return
	}
	dir := "dst"
	if rule != nil && rule.dir != "" {
		dir = rule.dir
	}
	b.set(dir+"_ip", addr)
	b.set(dir+"_port", strconv.Itoa(port))
}
