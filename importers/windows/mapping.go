package windows

import (
	"html"
	"strconv"
	"strings"

	"trawl/event"
	"trawl/importers"
)

// Channel names as keys of the mapping tables: lower-case, since exports disagree on case
// ("Security" in EVTX, "security" in some Mordor files).
const (
	chSecurity   = "security"
	chSystem     = "system"
	chAppl       = "application"
	chSysmon     = "microsoft-windows-sysmon/operational"
	chPowerShell = "microsoft-windows-powershell/operational"
	chPSClassic  = "windows powershell"
	chDefender   = "microsoft-windows-windows defender/operational"
)

// channelAliases maps other spellings of a channel to its table key.
var channelAliases = map[string]string{
	"linux-sysmon/operational": chSysmon, // Sysmon for Linux uses the same event ids and names
}

// canonicalChannels spells the well-known channels the way Windows does, for the dataset
// column, whatever case the export used.
var canonicalChannels = map[string]string{
	chSecurity:   "Security",
	chSystem:     "System",
	chAppl:       "Application",
	chSysmon:     "Microsoft-Windows-Sysmon/Operational",
	chPowerShell: "Microsoft-Windows-PowerShell/Operational",
	chPSClassic:  "Windows PowerShell",
	chDefender:   "Microsoft-Windows-Windows Defender/Operational",
}

// providerChannels finds the channel of a record that names only its provider.
var providerChannels = map[string]string{
	"microsoft-windows-security-auditing": chSecurity,
	"microsoft-windows-sysmon":            chSysmon,
	"service control manager":             chSystem,
	"microsoft-windows-powershell":        chPowerShell,
	"powershell":                          chPSClassic,
	"microsoft-windows-windows defender":  chDefender,
}

// eventKey selects a mapping: a channel (lower-case table key) and an event id.
type eventKey struct {
	Channel string
	ID      int
}

// account names the data fields holding an account name and its domain. When the domain field
// is empty or absent, a DOMAIN\name value is split.
type account struct{ Name, Domain string }

// spec is how one kind of Windows event maps onto the event model.
type spec struct {
	Category string
	Action   string
	Outcome  string // fixed outcome; Status, when present in the record, overrides it
	Status   string // data field with a status code: zero means success, anything else failure
	// Users are the data fields naming the acting user (the logged-on account for logons),
	// strongest first: the first one present wins. Nil means defaultUsers.
	Users []account
	// Targets are the data fields naming the account acted upon, strongest first.
	Targets []string
	// Fields maps data fields to columns, later rows winning when their field is present.
	Fields fieldMap
	table  importers.FieldMap // Fields converted, filled by init
	// Extra handles what a table cannot say (conditional columns, values parsed out of text).
	Extra func(d data, ev *event.Event) error
}

var (
	subject      = account{"SubjectUserName", "SubjectDomainName"}
	target       = account{"TargetUserName", "TargetDomainName"}
	sysmonUser   = account{"User", ""}
	defaultUsers = []account{subject, target, sysmonUser, {"UserName", ""}}
	noUser       = []account{}
)

// Field tables shared by several events.
var (
	logonFields = fieldMap{
		{"LogonType", "logon_type"},
		{"AuthenticationPackageName", "auth_package"},
		{"TargetLogonId", "session_id"},
		{"IpAddress", "src_ip"},
		{"IpPort", "src_port"},
		{"ProcessName", "process_path"},
		{"ProcessId", "pid"},
	}
	logoffFields = fieldMap{
		{"LogonType", "logon_type"},
		{"TargetLogonId", "session_id"},
	}
	subjectSession = fieldMap{{"SubjectLogonId", "session_id"}}
	kerberosFields = fieldMap{
		{"IpAddress", "src_ip"},
		{"IpPort", "src_port"},
	}
	// Sysmon's RuleName (the config's tag, "technique_id=T1059,...") is no detection: it stays
	// in Fields rather than filling rule_name, which alerting reads.
	sysmonProcess = fieldMap{
		{"Image", "process_path"},
		{"ProcessId", "pid"},
	}
	securityProcess = fieldMap{
		{"SubjectLogonId", "session_id"},
		{"ProcessName", "process_path"},
		{"ProcessId", "pid"},
	}
	wfpFields = fieldMap{
		{"Application", "process_path"},
		{"ProcessID", "pid"},
		{"SourceAddress", "src_ip"},
		{"SourcePort", "src_port"},
		{"DestAddress", "dst_ip"},
		{"DestPort", "dst_port"},
	}
	defenderFields = fieldMap{
		{"Threat Name", "rule_name"},
		{"Process Name", "process_path"},
	}
)

func with(m fieldMap, more ...field) fieldMap {
	out := append(fieldMap(nil), m...)
	return append(out, more...)
}

// fieldMap is a mapping table written in this package: rows of {data field, column}, applied
// through importers.FieldMap (later rows win when their field is present).
type fieldMap []field

type field struct{ Src, Col string }

// Table converts the rows to an importers.FieldMap.
func (m fieldMap) Table() importers.FieldMap {
	out := make(importers.FieldMap, len(m))
	for i, f := range m {
		out[i] = importers.Field{Src: f.Src, Col: f.Col}
	}
	return out
}

// specs is the mapping table: one row per channel and event id. Events not listed here get
// the generic mapping (host, time, code, dataset, user) and keep every field in Fields.
var specs = map[eventKey]spec{
	// Security: logons and authentication.
	{chSecurity, 4624}: {Category: "logon", Action: "logon", Outcome: "success", Users: []account{target}, Fields: logonFields},
	{chSecurity, 4625}: {Category: "logon", Action: "logon", Outcome: "failure", Status: "Status", Users: []account{target}, Fields: logonFields},
	{chSecurity, 4634}: {Category: "logon", Action: "logoff", Outcome: "success", Users: []account{target}, Fields: logoffFields},
	{chSecurity, 4647}: {Category: "logon", Action: "logoff", Outcome: "success", Users: []account{target}, Fields: logoffFields},
	{chSecurity, 4648}: {Category: "logon", Action: "explicit-credentials-logon", Users: []account{target}, Fields: with(kerberosFields,
		field{"SubjectLogonId", "session_id"}, field{"ProcessName", "process_path"}, field{"ProcessId", "pid"})},
	{chSecurity, 4672}: {Category: "logon", Action: "privileged-logon", Outcome: "success", Users: []account{subject}, Fields: subjectSession},
	{chSecurity, 4776}: {Category: "auth", Action: "credential-validation", Status: "Status", Users: []account{{"TargetUserName", ""}},
		Fields: fieldMap{{"PackageName", "auth_package"}}},
	{chSecurity, 4768}: {Category: "auth", Action: "kerberos-tgt-request", Status: "Status", Users: []account{target}, Fields: kerberosFields},
	{chSecurity, 4769}: {Category: "auth", Action: "kerberos-service-ticket-request", Status: "Status", Users: []account{target},
		Targets: []string{"ServiceName"}, Fields: kerberosFields},
	{chSecurity, 4771}: {Category: "auth", Action: "kerberos-preauth", Outcome: "failure", Status: "Status", Users: []account{target}, Fields: kerberosFields},

	// Security: processes, services, tasks.
	{chSecurity, 4688}: {Category: "process", Action: "process-start", Users: []account{target, subject}, Fields: fieldMap{
		{"SubjectLogonId", "session_id"},
		{"NewProcessName", "process_path"},
		{"NewProcessId", "pid"},
		{"CommandLine", "command_line"},
		{"ParentProcessName", "parent_path"},
		{"ProcessId", "ppid"},
	}},
	{chSecurity, 4689}: {Category: "process", Action: "process-end", Users: []account{subject}, Fields: securityProcess},
	{chSecurity, 4697}: {Category: "service", Action: "service-install", Users: []account{subject}, Fields: with(subjectSession,
		field{"ServiceFileName", "command_line"}), Extra: imageFromCommandLine},
	{chSecurity, 4698}: taskSpec("task-create"),
	{chSecurity, 4699}: taskSpec("task-delete"),
	{chSecurity, 4700}: taskSpec("task-enable"),
	{chSecurity, 4701}: taskSpec("task-disable"),
	{chSecurity, 4702}: taskSpec("task-update"),

	// Security: accounts and groups.
	{chSecurity, 4720}: accountSpec("user-create"),
	{chSecurity, 4722}: accountSpec("user-enable"),
	{chSecurity, 4723}: accountSpec("password-change"),
	{chSecurity, 4724}: accountSpec("password-reset"),
	{chSecurity, 4725}: accountSpec("user-disable"),
	{chSecurity, 4726}: accountSpec("user-delete"),
	{chSecurity, 4738}: accountSpec("user-change"),
	{chSecurity, 4740}: accountSpec("user-lockout"),
	{chSecurity, 4767}: accountSpec("user-unlock"),
	{chSecurity, 4781}: accountSpec("user-rename"),
	{chSecurity, 4741}: accountSpec("computer-create"),
	{chSecurity, 4742}: accountSpec("computer-change"),
	{chSecurity, 4743}: accountSpec("computer-delete"),
	{chSecurity, 4765}: accountSpec("sid-history-add"),
	{chSecurity, 4798}: accountSpec("user-groups-enumerate"),
	{chSecurity, 4799}: groupSpec("group-members-enumerate"),
	{chSecurity, 4728}: groupSpec("group-member-add"),
	{chSecurity, 4732}: groupSpec("group-member-add"),
	{chSecurity, 4756}: groupSpec("group-member-add"),
	{chSecurity, 4729}: groupSpec("group-member-remove"),
	{chSecurity, 4733}: groupSpec("group-member-remove"),
	{chSecurity, 4757}: groupSpec("group-member-remove"),

	// Security: audit log, objects, shares, firewall.
	{chSecurity, 1102}: {Category: "audit", Action: "log-clear", Outcome: "success", Users: []account{subject}, Fields: subjectSession},
	{chSecurity, 4662}: {Category: "directory", Action: "directory-object-access", Users: []account{subject}, Fields: subjectSession},
	{chSecurity, 4656}: {Category: "object", Action: "object-handle-request", Users: []account{subject}, Fields: securityProcess, Extra: objectTarget},
	{chSecurity, 4663}: {Category: "object", Action: "object-access", Users: []account{subject}, Fields: securityProcess, Extra: objectTarget},
	{chSecurity, 4703}: {Category: "privilege", Action: "token-right-adjust", Users: []account{target, subject}, Fields: securityProcess},
	{chSecurity, 4673}: {Category: "privilege", Action: "privileged-service-call", Users: []account{subject}, Fields: securityProcess},
	{chSecurity, 5140}: {Category: "file", Action: "share-access", Users: []account{subject}, Fields: with(kerberosFields,
		field{"SubjectLogonId", "session_id"}, field{"ShareName", "file_path"})},
	{chSecurity, 5145}: {Category: "file", Action: "share-object-access", Users: []account{subject}, Fields: with(kerberosFields,
		field{"SubjectLogonId", "session_id"}), Extra: shareObject},
	{chSecurity, 5156}: {Category: "network", Action: "connection", Outcome: "success", Users: noUser, Fields: wfpFields, Extra: wfpProtocol},
	{chSecurity, 5157}: {Category: "network", Action: "connection", Outcome: "failure", Users: noUser, Fields: wfpFields, Extra: wfpProtocol},
	{chSecurity, 5158}: {Category: "network", Action: "bind", Outcome: "success", Users: noUser, Fields: wfpFields, Extra: wfpProtocol},

	// System.
	{chSystem, 7045}: {Category: "service", Action: "service-install", Users: noUser, Fields: fieldMap{{"ImagePath", "command_line"}}, Extra: imageFromCommandLine},
	{chSystem, 7036}: {Category: "service", Action: "service-state-change", Users: noUser},
	{chSystem, 7040}: {Category: "service", Action: "service-start-type-change", Users: noUser},
	{chSystem, 7034}: {Category: "service", Action: "service-crash", Outcome: "failure", Users: noUser},
	{chSystem, 104}:  {Category: "audit", Action: "log-clear", Outcome: "success", Users: []account{subject}},

	// Application.
	{chAppl, 18456}: {Category: "logon", Action: "logon", Outcome: "failure", Users: noUser, Extra: mssqlLogon},

	// Sysmon (also Sysmon for Linux).
	{chSysmon, 1}: {Category: "process", Action: "process-start", Fields: with(sysmonProcess,
		field{"CommandLine", "command_line"},
		field{"ParentImage", "parent_path"},
		field{"ParentProcessId", "ppid"},
		field{"ParentCommandLine", "parent_command_line"},
		field{"LogonId", "session_id"})},
	{chSysmon, 2}: {Category: "file", Action: "file-time-change", Fields: with(sysmonProcess, field{"TargetFilename", "file_path"})},
	{chSysmon, 3}: {Category: "network", Action: "connection", Fields: with(sysmonProcess,
		field{"Protocol", "protocol"},
		field{"SourceIp", "src_ip"},
		field{"SourcePort", "src_port"},
		field{"DestinationIp", "dst_ip"},
		field{"DestinationPort", "dst_port"},
		field{"DestinationHostname", "domain"})},
	{chSysmon, 4}:  {Category: "config", Action: "sysmon-state-change"},
	{chSysmon, 5}:  {Category: "process", Action: "process-end", Fields: sysmonProcess},
	{chSysmon, 6}:  {Category: "driver", Action: "driver-load", Fields: fieldMap{{"ImageLoaded", "file_path"}}},
	{chSysmon, 7}:  {Category: "module", Action: "image-load", Fields: with(sysmonProcess, field{"ImageLoaded", "file_path"})},
	{chSysmon, 8}:  {Category: "process", Action: "remote-thread-create", Users: []account{{"SourceUser", ""}}, Fields: sourceProcess},
	{chSysmon, 9}:  {Category: "file", Action: "raw-access-read", Fields: with(sysmonProcess, field{"Device", "file_path"})},
	{chSysmon, 10}: {Category: "process", Action: "process-access", Users: []account{{"SourceUser", ""}}, Fields: sourceProcess},
	{chSysmon, 11}: {Category: "file", Action: "file-create", Fields: with(sysmonProcess, field{"TargetFilename", "file_path"})},
	{chSysmon, 12}: registrySpec("registry-object-change"),
	{chSysmon, 13}: registrySpec("registry-value-set"),
	{chSysmon, 14}: registrySpec("registry-key-rename"),
	{chSysmon, 15}: {Category: "file", Action: "file-stream-create", Fields: with(sysmonProcess, field{"TargetFilename", "file_path"})},
	{chSysmon, 16}: {Category: "config", Action: "sysmon-config-change"},
	{chSysmon, 17}: {Category: "pipe", Action: "pipe-create", Fields: with(sysmonProcess, field{"PipeName", "file_path"})},
	{chSysmon, 18}: {Category: "pipe", Action: "pipe-connect", Fields: with(sysmonProcess, field{"PipeName", "file_path"})},
	{chSysmon, 19}: {Category: "wmi", Action: "wmi-filter"},
	{chSysmon, 20}: {Category: "wmi", Action: "wmi-consumer", Fields: fieldMap{{"Destination", "command_line"}}},
	{chSysmon, 21}: {Category: "wmi", Action: "wmi-binding"},
	{chSysmon, 22}: {Category: "dns", Action: "dns-query", Status: "QueryStatus", Fields: with(sysmonProcess, field{"QueryName", "domain"})},
	{chSysmon, 23}: {Category: "file", Action: "file-delete", Fields: with(sysmonProcess, field{"TargetFilename", "file_path"})},
	{chSysmon, 24}: {Category: "process", Action: "clipboard-change", Fields: sysmonProcess},
	{chSysmon, 25}: {Category: "process", Action: "process-tamper", Fields: sysmonProcess},
	{chSysmon, 26}: {Category: "file", Action: "file-delete", Fields: with(sysmonProcess, field{"TargetFilename", "file_path"})},

	// PowerShell.
	{chPowerShell, 4104}: {Category: "script", Action: "script-block", Fields: fieldMap{{"ScriptBlockText", "command_line"}, {"Path", "file_path"}}},
	{chPowerShell, 4103}: {Category: "script", Action: "module-execute", Extra: powerShellContext},
	{chPSClassic, 400}:   {Category: "script", Action: "engine-start", Extra: powerShellClassic},
	{chPSClassic, 403}:   {Category: "script", Action: "engine-stop", Extra: powerShellClassic},
	{chPSClassic, 600}:   {Category: "script", Action: "provider-start", Extra: powerShellClassic},
	{chPSClassic, 800}:   {Category: "script", Action: "pipeline-execute", Extra: powerShellClassic},

	// Defender.
	{chDefender, 1006}: defenderSpec("malware-detected", ""),
	{chDefender, 1015}: defenderSpec("malware-detected", ""),
	{chDefender, 1116}: defenderSpec("malware-detected", ""),
	{chDefender, 1007}: defenderSpec("malware-action", "success"),
	{chDefender, 1117}: defenderSpec("malware-action", "success"),
	{chDefender, 1008}: defenderSpec("malware-action", "failure"),
	{chDefender, 1118}: defenderSpec("malware-action", "failure"),
	{chDefender, 1119}: defenderSpec("malware-action", "failure"),
	{chDefender, 5001}: {Category: "config", Action: "realtime-protection-disable", Users: noUser},
	{chDefender, 5007}: {Category: "config", Action: "defender-config-change", Users: noUser},
	{chDefender, 5010}: {Category: "config", Action: "antispyware-disable", Users: noUser},
	{chDefender, 5012}: {Category: "config", Action: "antivirus-disable", Users: noUser},
}

func init() {
	for k, s := range specs {
		s.table = s.Fields.Table()
		specs[k] = s
	}
}

// sourceProcess is for Sysmon 8 and 10, which act on another process: its image is the file
// acted upon (lsass.exe).
var sourceProcess = fieldMap{
	{"SourceImage", "process_path"},
	{"SourceProcessId", "pid"},
	{"TargetImage", "file_path"},
}

func taskSpec(action string) spec {
	return spec{Category: "scheduled-task", Action: action, Users: []account{subject}, Fields: subjectSession, Extra: taskCommand}
}

func accountSpec(action string) spec {
	return spec{Category: "iam", Action: action, Users: []account{subject}, Targets: []string{"TargetUserName", "TargetSid"}, Fields: subjectSession}
}

// groupSpec is for group changes: TargetUserName is the group there, the member is the target.
func groupSpec(action string) spec {
	return spec{Category: "iam", Action: action, Users: []account{subject}, Targets: []string{"MemberName", "MemberSid"}, Fields: subjectSession}
}

func registrySpec(action string) spec {
	return spec{Category: "registry", Action: action, Fields: with(sysmonProcess, field{"TargetObject", "registry"}), Extra: registryAction}
}

func defenderSpec(action, outcome string) spec {
	s := spec{Category: "alert", Action: action, Outcome: outcome, Users: []account{{"Detection User", ""}}, Fields: defenderFields, Extra: defenderDetails}
	if outcome == "success" {
		s.Status = "Error Code"
	}
	return s
}

// Normalize maps a Windows record onto ev: the common System fields first (time, host,
// channel, event id, level, message), then the channel and event id's table row, or the generic
// mapping for events without one. It leaves ev.SourceType, ev.Raw and (when already set)
// ev.Fields or ev.FieldsJSON to the reader; when neither is set, ev.Fields gets the record's
// fields. A data value that does not fit its column is an error naming the data field (a
// *importers.FieldError).
func Normalize(r *Record, ev *event.Event) error {
	ch := channelKey(r.Channel, r.Provider)
	ev.Time = r.TimeCreated.UTC()
	ev.Dataset = strings.TrimSpace(r.Channel)
	if c, ok := canonicalChannels[strings.ToLower(ev.Dataset)]; ok {
		ev.Dataset = c
	} else if ev.Dataset == "" {
		ev.Dataset = canonicalChannels[ch] // guessed from the provider
	}
	ev.EventCode = strconv.Itoa(r.EventID)
	ev.Host = event.Clean(r.Computer)
	ev.Message = r.Message
	if sev, ok := levelSeverity[r.Level]; ok {
		ev.Severity = event.IntOf(sev)
	}
	ev.Outcome = keywordOutcome(r.Keywords)
	if ev.Fields == nil && ev.FieldsJSON == "" { // a reader keeping the record's own JSON text needs no map
		ev.Fields = r.Map()
	}

	d := data(r.Data)
	s, known := specs[eventKey{ch, r.EventID}]
	if known {
		ev.Category, ev.Action = s.Category, s.Action
		if s.Outcome != "" {
			ev.Outcome = s.Outcome
		}
	}
	users := s.Users
	if users == nil {
		users = defaultUsers
	}
	for _, a := range users {
		if name, ok := d.get(a.Name); ok {
			setUser(ev, name, d.text(a.Domain))
			break
		}
	}
	if ev.User == "" && len(users) > 0 && users[0] == subject {
		// Some exports drop UserData (Mordor's 1102): the rendered message still names the
		// subject.
		if name, domain := messageSubject(r.Message); name != "" {
			setUser(ev, name, domain)
		}
	}
	for _, t := range s.Targets {
		if name, ok := d.get(t); ok {
			ev.TargetUser = name
			break
		}
	}
	if err := s.table.Apply(ev, d.get); err != nil {
		return err
	}
	if s.Status != "" {
		if st, ok := d.get(s.Status); ok {
			ev.Outcome = statusOutcome(st)
		}
	}
	if s.Extra != nil {
		if err := s.Extra(d, ev); err != nil {
			return err
		}
	}
	if ev.Hash == "" {
		for _, f := range []string{"Hashes", "Hash"} {
			if h, ok := d.get(f); ok {
				ev.Hash = strongestHash(h)
				break
			}
		}
	}
	if ev.ProcessName == "" && ev.ProcessPath != "" {
		ev.ProcessName = event.BaseName(ev.ProcessPath)
	}
	if ev.ParentName == "" && ev.ParentPath != "" {
		ev.ParentName = event.BaseName(ev.ParentPath)
	}
	return nil
}

// Map returns the record as a plain map, for Event.Fields when the reader has no original
// object of its own: the System fields that are set, and the named data under "EventData".
func (r *Record) Map() map[string]any {
	m := map[string]any{"EventID": r.EventID}
	put := func(k, v string) {
		if v != "" {
			m[k] = v
		}
	}
	put("Provider", r.Provider)
	put("ProviderGuid", r.ProviderGUID)
	put("Qualifiers", r.Qualifiers)
	put("Version", r.Version)
	put("Task", r.Task)
	put("Opcode", r.Opcode)
	put("Keywords", r.Keywords)
	put("Channel", r.Channel)
	put("Computer", r.Computer)
	put("UserID", r.UserID)
	if r.Level != 0 {
		m["Level"] = r.Level
	}
	if !r.TimeCreated.IsZero() {
		m["TimeCreated"] = r.TimeCreated.UTC().Format("2006-01-02T15:04:05.000000Z")
	}
	if r.EventRecordID != 0 {
		m["EventRecordID"] = r.EventRecordID
	}
	if r.ProcessID != 0 {
		m["ProcessID"] = r.ProcessID
	}
	if r.ThreadID != 0 {
		m["ThreadID"] = r.ThreadID
	}
	if len(r.Data) > 0 {
		m["EventData"] = r.Data
	}
	return m
}

// channelKey is the table key of a channel: lower-case, aliases resolved, and guessed from the
// provider when the record names no channel.
func channelKey(channel, provider string) string {
	ch := strings.ToLower(strings.TrimSpace(channel))
	if a, ok := channelAliases[ch]; ok {
		return a
	}
	if ch == "" {
		return providerChannels[strings.ToLower(strings.TrimSpace(provider))]
	}
	return ch
}

// levelSeverity maps the Windows Level (1 critical, 2 error, 3 warning, 4 information) to the
// event severity scale. Level 0 (log always) and 5 (verbose) rate nothing.
var levelSeverity = map[int]int64{1: 4, 2: 3, 3: 2, 4: 0}

// Keyword bits of the Security log's audit results.
const (
	keywordAuditFailure = 0x0010000000000000
	keywordAuditSuccess = 0x0020000000000000
)

// keywordOutcome reads the audit success/failure keyword: a hex or (signed) decimal bit mask
// as EVTX and NXLog give it, or the names winlogbeat and NXLog use.
func keywordOutcome(kw string) string {
	kw = strings.TrimSpace(kw)
	if kw == "" {
		return ""
	}
	low := strings.ToLower(kw)
	switch {
	case strings.Contains(low, "audit failure"), strings.Contains(low, "audit_failure"):
		return "failure"
	case strings.Contains(low, "audit success"), strings.Contains(low, "audit_success"):
		return "success"
	}
	var bits uint64
	if strings.HasPrefix(low, "0x") {
		u, err := strconv.ParseUint(low[2:], 16, 64)
		if err != nil {
			return ""
		}
		bits = u
	} else if n, err := strconv.ParseInt(low, 10, 64); err == nil {
		bits = uint64(n)
	} else if u, err := strconv.ParseUint(low, 10, 64); err == nil {
		bits = u
	} else {
		return ""
	}
	switch {
	case bits&keywordAuditFailure != 0:
		return "failure"
	case bits&keywordAuditSuccess != 0:
		return "success"
	}
	return ""
}

// statusOutcome reads an NTSTATUS, Kerberos or Win32 status code: zero is success.
func statusOutcome(s string) string {
	n, err := event.ParseInt(s)
	if err != nil {
		return ""
	}
	if n == 0 {
		return "success"
	}
	return "failure"
}

// setUser fills user and user_domain; a DOMAIN\name value is split when no domain is given.
func setUser(ev *event.Event, name, domain string) {
	domain = event.Clean(strings.TrimSpace(domain))
	if domain == "" {
		if i := strings.LastIndexByte(name, '\\'); i > 0 && i < len(name)-1 {
			domain, name = name[:i], name[i+1:]
		}
	}
	ev.User = name
	ev.UserDomain = domain
}

// strongestHash picks SHA256, then SHA1, then MD5 from a Sysmon "SHA1=..,MD5=..,SHA256=.."
// list (IMPHASH is not a file hash). A bare hex value is taken as it is.
func strongestHash(s string) string {
	if !strings.Contains(s, "=") {
		if isHex(strings.TrimSpace(s)) {
			return strings.ToLower(strings.TrimSpace(s))
		}
		return ""
	}
	// best is the last value of the strongest hash seen so far: no map or slice per event.
	best, bestRank := "", -1
	for rest, more := s, true; more; {
		var part string
		part, rest, more = strings.Cut(rest, ",")
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !isHex(v) {
			continue
		}
		for rank, name := range hashRanks {
			if rank >= bestRank && strings.EqualFold(k, name) {
				best, bestRank = v, rank
			}
		}
	}
	return strings.ToLower(best)
}

// hashRanks are the file hashes strongestHash takes, weakest first.
var hashRanks = [...]string{"MD5", "SHA1", "SHA256"}

func isHex(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// data reads EventData values as text. Placeholders ("-", "N/A", ...) count as absent, so
// that a weaker field never overwrites a stronger one with nothing.
type data map[string]any

func (d data) get(name string) (string, bool) {
	if name == "" {
		return "", false
	}
	v, ok := d[name]
	if !ok {
		for k, x := range d { // exports disagree on case now and then
			if strings.EqualFold(k, name) {
				v, ok = x, true
				break
			}
		}
	}
	if !ok || v == nil {
		return "", false
	}
	s := importers.Text(v)
	if strings.TrimSpace(s) == "" || event.Clean(strings.TrimSpace(s)) == "" {
		return "", false
	}
	return s, true
}

func (d data) text(name string) string {
	s, _ := d.get(name)
	return s
}

// set writes one column from a data field, naming the field when the value does not fit.
func set(ev *event.Event, src, col, v string) error {
	if err := ev.Set(col, v); err != nil {
		return importers.SetError(src, err)
	}
	return nil
}

// imageFromCommandLine derives the process path and name from a command line (a service's
// ImagePath, a task's command): the quoted first token, the text up to ".exe", or the first
// word.
func imageFromCommandLine(_ data, ev *event.Event) error {
	if ev.ProcessPath == "" && ev.CommandLine != "" {
		ev.ProcessPath = event.Clean(imageOf(ev.CommandLine))
	}
	return nil
}

func imageOf(cmd string) string {
	cmd = strings.TrimSpace(cmd)
	if strings.HasPrefix(cmd, `"`) {
		if end := strings.IndexByte(cmd[1:], '"'); end >= 0 {
			return cmd[1 : end+1]
		}
		return strings.Trim(cmd, `"`)
	}
	if i := strings.Index(strings.ToLower(cmd), ".exe"); i >= 0 {
		return cmd[:i+4]
	}
	if i := strings.IndexAny(cmd, " \t"); i >= 0 {
		return cmd[:i]
	}
	return cmd
}

// taskCommand reads the action of a scheduled task from its XML definition (TaskContent, or
// TaskContentNew for updates): <Exec><Command> and <Arguments>.
func taskCommand(d data, ev *event.Event) error {
	xml, ok := d.get("TaskContent")
	if !ok {
		xml, ok = d.get("TaskContentNew")
	}
	if !ok {
		return nil
	}
	cmd := xmlElement(xml, "Command")
	if cmd == "" {
		return nil
	}
	ev.ProcessPath = event.Clean(strings.Trim(cmd, `"`))
	if args := xmlElement(xml, "Arguments"); args != "" {
		cmd += " " + args
	}
	ev.CommandLine = cmd
	return nil
}

// xmlElement returns the unescaped text of the first <name>...</name> in s, or "". Good enough
// for the flat, generated XML of task definitions; it never fails on malformed input.
func xmlElement(s, name string) string {
	open, end := "<"+name+">", "</"+name+">"
	i := strings.Index(s, open)
	if i < 0 {
		// python-evtx and some exports keep the XML escaped
		s = html.UnescapeString(s)
		if i = strings.Index(s, open); i < 0 {
			return ""
		}
	}
	rest := s[i+len(open):]
	j := strings.Index(rest, end)
	if j < 0 {
		return ""
	}
	return strings.TrimSpace(html.UnescapeString(rest[:j]))
}

// objectTarget fills file_path or registry from ObjectName, by ObjectType.
func objectTarget(d data, ev *event.Event) error {
	name, ok := d.get("ObjectName")
	if !ok {
		return nil
	}
	switch strings.ToLower(d.text("ObjectType")) {
	case "process": // a handle to another process: its image is the object (lsass.exe)
		return set(ev, "ObjectName", "file_path", name)
	case "file":
		ev.Category = "file"
		return set(ev, "ObjectName", "file_path", name)
	case "key":
		ev.Category = "registry"
		return set(ev, "ObjectName", "registry", name)
	}
	return nil
}

// shareObject joins ShareName and RelativeTargetName into one path.
func shareObject(d data, ev *event.Event) error {
	share, rel := d.text("ShareName"), d.text("RelativeTargetName")
	p := share
	if rel != "" {
		p = strings.TrimRight(share, `\`) + `\` + strings.TrimLeft(rel, `\`)
	}
	if p == "" {
		return nil
	}
	return set(ev, "RelativeTargetName", "file_path", p)
}

// ipProtocols names the IANA protocol numbers the Windows Filtering Platform reports.
var ipProtocols = map[string]string{"1": "icmp", "6": "tcp", "17": "udp", "58": "ipv6-icmp"}

func wfpProtocol(d data, ev *event.Event) error {
	p, ok := d.get("Protocol")
	if !ok {
		return nil
	}
	if name, ok := ipProtocols[strings.TrimSpace(p)]; ok {
		p = name
	}
	return set(ev, "Protocol", "protocol", p)
}

// registryActions refines Sysmon 12-14 by their EventType.
var registryActions = map[string]string{
	"createkey":   "registry-key-create",
	"deletekey":   "registry-key-delete",
	"deletevalue": "registry-value-delete",
	"setvalue":    "registry-value-set",
	"renamekey":   "registry-key-rename",
	"renamevalue": "registry-value-rename",
}

func registryAction(d data, ev *event.Event) error {
	if t, ok := d.get("EventType"); ok {
		if a, ok := registryActions[strings.ToLower(strings.TrimSpace(t))]; ok {
			ev.Action = a
		}
	}
	return nil
}

// defenderSeverity maps Defender's Severity ID (1 low, 2 moderate, 4 high, 5 severe).
var defenderSeverity = map[string]int64{"1": 1, "2": 2, "4": 3, "5": 4}

func defenderDetails(d data, ev *event.Event) error {
	if sev, ok := defenderSeverity[strings.TrimSpace(d.text("Severity ID"))]; ok {
		ev.Severity = event.IntOf(sev)
	}
	p, ok := d.get("Path")
	if !ok {
		return nil
	}
	// "file:_C:\x\y.ps1;process:_pid:123" lists resources; the first file is the one.
	for _, res := range strings.Split(p, ";") {
		kind, val, ok := strings.Cut(res, ":_")
		if !ok {
			val, kind = res, "file"
		}
		if strings.EqualFold(kind, "file") || strings.EqualFold(kind, "containerfile") {
			return set(ev, "Path", "file_path", val)
		}
	}
	return nil
}

// powerShellContext reads 4103's ContextInfo ("Host Application = ...", "User = ...").
func powerShellContext(d data, ev *event.Event) error {
	ctx := keyValues(d.text("ContextInfo"), "=")
	if app := ctx["host application"]; app != "" {
		ev.CommandLine = app
		ev.ProcessPath = event.Clean(imageOf(app))
	}
	if u := event.Clean(ctx["user"]); u != "" {
		setUser(ev, u, "")
	}
	if s := event.Clean(ctx["script name"]); s != "" {
		ev.FilePath = s
	}
	return nil
}

// powerShellClassic reads the "Windows PowerShell" log's details text (the last unnamed Data
// value, or param3 in winlogbeat): HostApplication=, UserId=, ScriptName=.
func powerShellClassic(d data, ev *event.Event) error {
	for _, v := range d {
		s, ok := v.(string)
		if !ok || !strings.Contains(s, "HostApplication=") {
			continue
		}
		kv := keyValues(s, "=")
		if app := kv["hostapplication"]; app != "" {
			ev.CommandLine = app
			ev.ProcessPath = event.Clean(imageOf(app))
		}
		if u := event.Clean(kv["userid"]); u != "" {
			setUser(ev, u, "")
		}
		if sn := event.Clean(kv["scriptname"]); sn != "" {
			ev.FilePath = sn
		}
		break
	}
	return nil
}

// stringTagsToLines and dropStringTags handle the <string>..</string> wrappers python-evtx
// leaves around unnamed data; built once, as a Replacer is costly to build per record.
var (
	stringTagsToLines = strings.NewReplacer("<string>", "\n", "</string>", "\n")
	dropStringTags    = strings.NewReplacer("<string>", "", "</string>", "")
)

// keyValues reads "Key sep Value" lines (keys lower-cased, spaces kept inside them), trimming
// the surrounding blanks and any XML string wrappers python-evtx leaves around unnamed data.
func keyValues(s, sep string) map[string]string {
	out := map[string]string{}
	s = stringTagsToLines.Replace(s)
	for _, line := range strings.Split(s, "\n") {
		k, v, ok := strings.Cut(line, sep)
		if !ok {
			continue
		}
		k = strings.ToLower(strings.TrimSpace(k))
		if _, dup := out[k]; dup || k == "" {
			continue
		}
		out[k] = strings.TrimSpace(strings.TrimSuffix(v, "\r"))
	}
	return out
}

// mssqlLogon reads MSSQL's failed login (Application 18456) from its unnamed insertion strings
// ("Data", "Data_2", ... or winlogbeat's param1, param2, ...; python-evtx joins them as
// <string>..</string> lines in "Data"): the account comes first, the client address follows
// "[CLIENT: ".
func mssqlLogon(d data, ev *event.Event) error {
	var parts []string
	add := func(s string) {
		s = dropStringTags.Replace(s)
		parts = append(parts, strings.Split(s, "\n")...)
	}
	if s, ok := d.get("Data"); ok {
		add(s)
	}
	for i := 2; ; i++ {
		s, ok := d.get("Data_" + strconv.Itoa(i))
		if !ok {
			break
		}
		add(s)
	}
	for i := 1; ; i++ {
		s, ok := d.get("param" + strconv.Itoa(i))
		if !ok {
			break
		}
		add(s)
	}
	if len(parts) > 0 {
		if u := event.Clean(strings.TrimSpace(parts[0])); u != "" {
			ev.User = u
		}
	}
	for _, p := range parts {
		if i := strings.Index(p, "[CLIENT: "); i >= 0 {
			ip := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(p[i+len("[CLIENT: "):]), "]"))
			if n := event.NormalizeIP(ip); n != "" {
				ev.SrcIP = n
			}
		}
	}
	return nil
}

// messageSubject reads the first "Account Name:" and its "Account Domain:" or "Domain Name:"
// from a rendered Security message: the subject, which Windows lists first.
func messageSubject(msg string) (name, domain string) {
	i := strings.Index(msg, "Account Name:")
	if i < 0 {
		return "", ""
	}
	rest := msg[i:]
	line := func(s, label string) string {
		j := strings.Index(s, label)
		if j < 0 {
			return ""
		}
		v := s[j+len(label):]
		if k := strings.IndexAny(v, "\r\n"); k >= 0 {
			v = v[:k]
		}
		return event.Clean(strings.TrimSpace(v))
	}
	name = line(rest, "Account Name:")
	next := rest[len("Account Name:"):]
	if k := strings.Index(next, "Account Name:"); k >= 0 {
		next = next[:k] // stay within the subject block
	}
	domain = line(next, "Account Domain:")
	if domain == "" {
		domain = line(next, "Domain Name:")
	}
	return name, domain
}
