package generate

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"sync"
	"time"

	"trawl/event"
)

// Windows events are written as the OTRF/Mordor flattened winlogbeat JSON lines: System
// fields (Channel, EventID, Hostname, SourceName, ProviderGuid, Level, Task, Keywords,
// TimeCreated, @timestamp) and the EventData names side by side in one object, numbers as
// strings the way Mordor has them, plus a rendered Message. The long boilerplate paragraphs
// Windows appends to some messages are left out to keep the files small.

const (
	chanSecurity = "Security"
	chanSysmon   = "Microsoft-Windows-Sysmon/Operational"
	chanSystem   = "System"

	guidSecurity = "{54849625-5478-4994-a5ba-3e3b0328c30d}"
	guidSysmon   = "{5770385f-c22a-43e0-bf4c-06f5698ffbd9}"
	guidSCM      = "{555908d1-a6d7-4695-8e1e-26931d2012f4}"

	kwAuditSuccess = "0x8020000000000000"
	kwAuditFailure = "0x8010000000000000"
	kwSysmon       = "0x8000000000000000"
	kwSCM          = "0x8080000000000000"
)

// winBegin starts a Windows record on the stream for channel with the System fields.
func (g *gen) winBegin(s *stream, t time.Time, h *host, channel string, id int, task string, keywords string) obj {
	o := obj{b: append(s.buf(), '{')}
	o.time("@timestamp", t, 3)
	ts := o.b[len(o.b)-26:] // "2006-01-02T15:04:05.000Z" with its quotes
	o.key("TimeCreated")
	o.b = append(o.b, ts...)
	o.str("Hostname", h.FQDN())
	o.str("Channel", channel)
	o.num("EventID", int64(id))
	switch channel {
	case chanSecurity:
		o.str("SourceName", "Microsoft-Windows-Security-Auditing")
		o.str("ProviderGuid", guidSecurity)
		o.str("Level", "0")
	case chanSysmon:
		o.str("SourceName", "Microsoft-Windows-Sysmon")
		o.str("ProviderGuid", guidSysmon)
		o.str("Level", "4")
	case chanSystem:
		o.str("SourceName", "Service Control Manager")
		o.str("ProviderGuid", guidSCM)
		o.str("Level", "4")
	}
	o.str("Task", task)
	o.str("Keywords", keywords)
	return o
}

// winEnd adds the message, closes the object and queues it.
func (g *gen) winEnd(s *stream, t time.Time, o obj, msg string) {
	o.str("Message", msg)
	o.b = append(o.b, '}')
	g.push(s, t, o.b)
}

// msgBuilder renders the "Title\r\n\r\nSection:\r\n\tKey:\t\tValue" layout of Windows
// messages straight into the record as an escaped JSON string (no intermediate strings).
type msgBuilder struct{ o *obj }

// message starts the Message field; close it with winClose.
func (o *obj) message() *msgBuilder {
	o.key("Message")
	o.b = append(o.b, '"')
	return &msgBuilder{o}
}

// WriteString appends s, escaped.
func (m *msgBuilder) WriteString(s string) {
	m.o.b = event.AppendJSONStringBody(m.o.b, s)
}

func (m *msgBuilder) title(s string) *msgBuilder {
	m.WriteString(s)
	return m
}

func (m *msgBuilder) section(s string) *msgBuilder {
	m.o.b = append(m.o.b, `\r\n\r\n`...)
	m.WriteString(s)
	m.o.b = append(m.o.b, ':')
	return m
}

func (m *msgBuilder) kv(k, v string) *msgBuilder {
	m.o.b = append(m.o.b, `\r\n\t`...)
	m.WriteString(k)
	m.o.b = append(m.o.b, `:\t\t`...)
	m.WriteString(v)
	return m
}

// winClose ends the Message begun by message(), closes the object and queues it.
func (g *gen) winClose(s *stream, t time.Time, o *obj) {
	o.b = append(o.b, '"', '}')
	g.push(s, t, o.b)
}

// sysmonEvent writes a Sysmon record whose EventData is kv (name, value, name, value...) and
// whose Message is "Title:\r\nName: value..." over the same pairs, as Sysmon renders it.
func (g *gen) sysmonEvent(t time.Time, h *host, id int, title string, kv ...string) {
	if !g.allow() {
		return
	}
	s := g.sysmon
	o := g.winBegin(s, t, h, chanSysmon, id, taskIDs[id], kwSysmon)
	for i := 0; i+1 < len(kv); i += 2 {
		o.str(kv[i], kv[i+1])
	}
	m := o.message()
	m.WriteString(title)
	o.b = append(o.b, ':')
	for i := 0; i+1 < len(kv); i += 2 {
		o.b = append(o.b, `\r\n`...)
		o.b = append(o.b, kv[i]...)
		o.b = append(o.b, ':', ' ')
		o.b = event.AppendJSONStringBody(o.b, kv[i+1])
	}
	g.winClose(s, t, &o)
}

var taskIDs = map[int]string{1: "1", 3: "3", 5: "5", 10: "10", 11: "11", 22: "22"}

func hex(n int) string { return "0x" + strconv.FormatInt(int64(n), 16) }

func sysmonTime(t time.Time) string { return string(appendISO(nil, t, ' ', 3)) }

// integrityLabels maps Sysmon's IntegrityLevel to the mandatory label SID of 4688.
var integrityLabels = map[string]string{"Low": "S-1-16-4096", "Medium": "S-1-16-8192", "High": "S-1-16-12288", "System": "S-1-16-16384"}

// proc is a process as Sysmon and Security 4688 describe it.
type proc struct {
	Host        *host
	PID         int
	GUID        string
	Image       string
	CommandLine string
	User        string // DOMAIN\name
	UserSID     string
	LogonID     string
	Integrity   string // Low, Medium, High, System
	Parent      *proc
}

func (p *proc) userName() string {
	if i := strings.LastIndexByte(p.User, '\\'); i >= 0 {
		return p.User[i+1:]
	}
	return p.User
}

func (p *proc) userDomain() string {
	if i := strings.LastIndexByte(p.User, '\\'); i >= 0 {
		return p.User[:i]
	}
	return "-"
}

// newProc makes a process on h; the parent may be nil (a long-running system process is then
// invented as the parent).
func (g *gen) newProc(h *host, image, cmd, userName string, parent *proc) *proc {
	p := &proc{Host: h, PID: h.pid(), Image: image, CommandLine: cmd, Parent: parent}
	g.seq++
	p.GUID = h.processGUID(p.PID, g.seq)
	switch userName {
	case "SYSTEM":
		p.User, p.UserSID, p.LogonID, p.Integrity = `NT AUTHORITY\SYSTEM`, "S-1-5-18", "0x3e7", "System"
	case "NETWORK SERVICE":
		p.User, p.UserSID, p.LogonID, p.Integrity = `NT AUTHORITY\NETWORK SERVICE`, "S-1-5-20", "0x3e4", "System"
	default:
		u := g.w.byName[userName]
		p.User = domainNetBIOS + `\` + userName
		if u != nil {
			p.UserSID = u.SID()
		}
		p.LogonID = logonID(h, userName)
		p.Integrity = "Medium"
	}
	if parent == nil {
		pp := &proc{Host: h, Image: `C:\Windows\explorer.exe`, CommandLine: `C:\Windows\Explorer.EXE`, User: p.User, UserSID: p.UserSID, LogonID: p.LogonID}
		if strings.HasPrefix(p.User, "NT AUTHORITY") {
			pp.Image, pp.CommandLine = `C:\Windows\System32\services.exe`, `C:\Windows\system32\services.exe`
		}
		pp.PID = 600 + int(fnvHash(h.Name+pp.Image)%400)*4
		pp.GUID = h.processGUID(pp.PID, uint64(pp.PID))
		p.Parent = pp
	}
	return p
}

// logonID is a stable logon session id for a user on a host (one session per pair).
func logonID(h *host, user string) string {
	return hex(0x100000 + int(fnvHash(h.Name+"|"+user)%0xeffff))
}

func fnvHash(s string) uint64 {
	f := fnv.New64a()
	f.Write([]byte(s))
	return f.Sum64()
}

var (
	hashMu    sync.Mutex
	hashCache = map[string]string{}
)

// hashes renders Sysmon's Hashes field for an image: fake but stable per path.
func hashes(image string) string {
	hashMu.Lock()
	defer hashMu.Unlock()
	if h, ok := hashCache[image]; ok {
		return h
	}
	if len(hashCache) > 10000 {
		clear(hashCache)
	}
	h := makeHashes(image)
	hashCache[image] = h
	return h
}

func makeHashes(image string) string {
	k := strings.ToLower(image)
	x := fmt.Sprintf("%016x%016x%016x%016x", fnvHash(k), fnvHash(k+"1"), fnvHash(k+"2"), fnvHash(k+"3"))
	u := strings.ToUpper(x)
	return "SHA1=" + u[:40] + ",MD5=" + u[8:40] + ",SHA256=" + u + ",IMPHASH=" + u[16:48]
}

// processCreate writes Sysmon 1 and Security 4688 for p at t.
func (g *gen) processCreate(t time.Time, p *proc) {
	cwd := `C:\Windows\system32\`
	if p.Integrity == "Medium" {
		cwd = `C:\Users\` + p.userName() + `\`
	}
	g.sysmonEvent(t, p.Host, 1, "Process Create", "RuleName", "-", "UtcTime", sysmonTime(t), "ProcessGuid", p.GUID,
		"ProcessId", strconv.Itoa(p.PID), "Image", p.Image, "OriginalFileName", event.BaseName(p.Image), "CommandLine", p.CommandLine,
		"CurrentDirectory", cwd, "User", p.User, "LogonId", p.LogonID, "TerminalSessionId", "1", "IntegrityLevel", p.Integrity,
		"Hashes", hashes(p.Image), "ParentProcessGuid", p.Parent.GUID, "ParentProcessId", strconv.Itoa(p.Parent.PID),
		"ParentImage", p.Parent.Image, "ParentCommandLine", p.Parent.CommandLine)
	if g.allow() {
		s := g.security
		t2 := t.Add(time.Millisecond * 2)
		o := g.winBegin(s, t2, p.Host, chanSecurity, 4688, "13312", kwAuditSuccess)
		label := integrityLabels[p.Integrity]
		o.str("SubjectUserSid", p.UserSID)
		o.str("SubjectUserName", p.userName())
		o.str("SubjectDomainName", p.userDomain())
		o.str("SubjectLogonId", p.LogonID)
		o.str("NewProcessId", hex(p.PID))
		o.str("NewProcessName", p.Image)
		o.str("TokenElevationType", "%%1938")
		o.str("ProcessId", hex(p.Parent.PID))
		o.str("CommandLine", p.CommandLine)
		o.str("TargetUserSid", "S-1-0-0")
		o.str("TargetUserName", "-")
		o.str("TargetDomainName", "-")
		o.str("TargetLogonId", "0x0")
		o.str("ParentProcessName", p.Parent.Image)
		o.str("MandatoryLabel", label)
		m := o.message()
		m.title("A new process has been created.").section("Creator Subject").kv("Security ID", p.UserSID).kv("Account Name", p.userName()).
			kv("Account Domain", p.userDomain()).kv("Logon ID", p.LogonID).section("Process Information").kv("New Process ID", hex(p.PID)).
			kv("New Process Name", p.Image).kv("Creator Process ID", hex(p.Parent.PID)).kv("Creator Process Name", p.Parent.Image).
			kv("Process Command Line", p.CommandLine)
		g.winClose(s, t2, &o)
	}
}

// networkConnect writes Sysmon 3 for p connecting from src to dst.
func (g *gen) networkConnect(t time.Time, p *proc, proto, srcIP string, srcPort int, dstIP string, dstPort int, dstHost string) {
	if dstHost == "" {
		dstHost = "-"
	}
	g.sysmonEvent(t, p.Host, 3, "Network connection detected", "RuleName", "-", "UtcTime", sysmonTime(t), "ProcessGuid", p.GUID,
		"ProcessId", strconv.Itoa(p.PID), "Image", p.Image, "User", p.User, "Protocol", proto, "Initiated", "true",
		"SourceIsIpv6", "false", "SourceIp", srcIP, "SourceHostname", p.Host.FQDN(), "SourcePort", strconv.Itoa(srcPort),
		"SourcePortName", "-", "DestinationIsIpv6", "false", "DestinationIp", dstIP, "DestinationHostname", dstHost,
		"DestinationPort", strconv.Itoa(dstPort), "DestinationPortName", portName(dstPort))
}

func portName(p int) string {
	switch p {
	case 443:
		return "https"
	case 80:
		return "http"
	case 445:
		return "microsoft-ds"
	case 53:
		return "domain"
	case 88:
		return "kerberos"
	case 389:
		return "ldap"
	case 22:
		return "ssh"
	case 1433:
		return "ms-sql-s"
	}
	return "-"
}

// dnsQuery writes Sysmon 22 for p resolving name to answers.
func (g *gen) dnsQuery(t time.Time, p *proc, name string, answers []string) {
	var res []byte
	status := "9003" // DNS_ERROR_RCODE_NAME_ERROR
	for _, a := range answers {
		res = append(res, "::ffff:"...)
		res = append(res, a...)
		res = append(res, ';')
		status = "0"
	}
	g.sysmonEvent(t, p.Host, 22, "Dns query", "RuleName", "-", "UtcTime", sysmonTime(t), "ProcessGuid", p.GUID,
		"ProcessId", strconv.Itoa(p.PID), "QueryName", name, "QueryStatus", status,
		"QueryResults", string(res), "Image", p.Image, "User", p.User)
}

// fileCreate writes Sysmon 11 for p creating path.
func (g *gen) fileCreate(t time.Time, p *proc, path string) {
	ut := sysmonTime(t)
	g.sysmonEvent(t, p.Host, 11, "File created", "RuleName", "-", "UtcTime", ut, "ProcessGuid", p.GUID,
		"ProcessId", strconv.Itoa(p.PID), "Image", p.Image, "TargetFilename", path, "CreationUtcTime", ut, "User", p.User)
}

// processAccess writes Sysmon 10: src opened a handle to target with access mask.
func (g *gen) processAccess(t time.Time, src *proc, targetImage string, targetPID int, access string, callTrace string) {
	h := src.Host
	g.sysmonEvent(t, h, 10, "Process accessed", "RuleName", "-", "UtcTime", sysmonTime(t), "SourceProcessGUID", src.GUID,
		"SourceProcessId", strconv.Itoa(src.PID), "SourceThreadId", strconv.Itoa(src.PID+4+targetPID%97), "SourceImage", src.Image,
		"TargetProcessGUID", h.processGUID(targetPID, uint64(targetPID)), "TargetProcessId", strconv.Itoa(targetPID), "TargetImage", targetImage,
		"GrantedAccess", access, "CallTrace", callTrace, "SourceUser", src.User, "TargetUser", `NT AUTHORITY\SYSTEM`)
}

// logonInfo describes a logon for 4624/4625.
type logonInfo struct {
	Host        *host
	User        string // account name
	Domain      string
	SID         string
	LogonType   int
	SrcIP       string // "-" for local
	SrcPort     int
	Workstation string
	AuthPackage string // Kerberos, NTLM, Negotiate
	LogonID     string
}

func (l *logonInfo) defaults() {
	if l.Domain == "" {
		l.Domain = domainNetBIOS
	}
	if l.SID == "" {
		l.SID = "S-1-0-0"
	}
	if l.SrcIP == "" {
		l.SrcIP = "-"
	}
	if l.Workstation == "" {
		l.Workstation = "-"
	}
	if l.AuthPackage == "" {
		l.AuthPackage = "Kerberos"
	}
	if l.LogonID == "" {
		l.LogonID = logonID(l.Host, l.User)
	}
}

func logonProcess(l *logonInfo) string {
	switch {
	case l.AuthPackage == "NTLM":
		return "NtLmSsp "
	case l.LogonType == 2 || l.LogonType == 7 || l.LogonType == 11 || l.LogonType == 10:
		return "User32 "
	}
	return "Kerberos"
}

// logonSuccess writes Security 4624.
func (g *gen) logonSuccess(t time.Time, l logonInfo) {
	if !g.allow() {
		return
	}
	l.defaults()
	s := g.security
	o := g.winBegin(s, t, l.Host, chanSecurity, 4624, "12544", kwAuditSuccess)
	port := "-"
	if l.SrcPort > 0 {
		port = strconv.Itoa(l.SrcPort)
	}
	procName, procID := `C:\Windows\System32\lsass.exe`, "0x2f0"
	if l.LogonType == 3 {
		procName, procID = "-", "0x0"
	}
	lmPkg := "-"
	if l.AuthPackage == "NTLM" {
		lmPkg = "NTLM V2"
	}
	o.str("SubjectUserSid", "S-1-5-18")
	o.str("SubjectUserName", l.Host.Name+"$")
	o.str("SubjectDomainName", domainNetBIOS)
	o.str("SubjectLogonId", "0x3e7")
	o.str("TargetUserSid", l.SID)
	o.str("TargetUserName", l.User)
	o.str("TargetDomainName", l.Domain)
	o.str("TargetLogonId", l.LogonID)
	o.str("LogonType", strconv.Itoa(l.LogonType))
	o.str("LogonProcessName", logonProcess(&l))
	o.str("AuthenticationPackageName", l.AuthPackage)
	o.str("WorkstationName", l.Workstation)
	o.str("LogonGuid", "{00000000-0000-0000-0000-000000000000}")
	o.str("TransmittedServices", "-")
	o.str("LmPackageName", lmPkg)
	o.str("KeyLength", "0")
	o.str("ProcessId", procID)
	o.str("ProcessName", procName)
	o.str("IpAddress", l.SrcIP)
	o.str("IpPort", port)
	o.str("ImpersonationLevel", "%%1833")
	o.str("RestrictedAdminMode", "-")
	o.str("TargetOutboundUserName", "-")
	o.str("TargetOutboundDomainName", "-")
	o.str("VirtualAccount", "%%1843")
	o.str("TargetLinkedLogonId", "0x0")
	o.str("ElevatedToken", "%%1843")
	m := o.message()
	m.title("An account was successfully logged on.").section("Subject").kv("Security ID", "S-1-5-18").kv("Account Name", l.Host.Name+"$").
		kv("Account Domain", domainNetBIOS).kv("Logon ID", "0x3E7").section("Logon Information").kv("Logon Type", strconv.Itoa(l.LogonType)).
		section("New Logon").kv("Security ID", l.SID).kv("Account Name", l.User).kv("Account Domain", l.Domain).kv("Logon ID", l.LogonID).
		section("Process Information").kv("Process ID", procID).kv("Process Name", procName).
		section("Network Information").kv("Workstation Name", l.Workstation).kv("Source Network Address", l.SrcIP).kv("Source Port", port).
		section("Detailed Authentication Information").kv("Logon Process", logonProcess(&l)).kv("Authentication Package", l.AuthPackage)
	g.winClose(s, t, &o)
}

// logonFailure writes Security 4625 (bad password when sub is 0xc000006a, unknown user for
// 0xc0000064).
func (g *gen) logonFailure(t time.Time, l logonInfo, subStatus string) {
	if !g.allow() {
		return
	}
	l.defaults()
	s := g.security
	o := g.winBegin(s, t, l.Host, chanSecurity, 4625, "12544", kwAuditFailure)
	port := "-"
	if l.SrcPort > 0 {
		port = strconv.Itoa(l.SrcPort)
	}
	o.str("SubjectUserSid", "S-1-0-0")
	o.str("SubjectUserName", "-")
	o.str("SubjectDomainName", "-")
	o.str("SubjectLogonId", "0x0")
	o.str("TargetUserSid", "S-1-0-0")
	o.str("TargetUserName", l.User)
	o.str("TargetDomainName", l.Domain)
	o.str("Status", "0xc000006d")
	o.str("FailureReason", "%%2313")
	o.str("SubStatus", subStatus)
	o.str("LogonType", strconv.Itoa(l.LogonType))
	o.str("LogonProcessName", logonProcess(&l))
	o.str("AuthenticationPackageName", l.AuthPackage)
	o.str("WorkstationName", l.Workstation)
	o.str("TransmittedServices", "-")
	o.str("LmPackageName", "-")
	o.str("KeyLength", "0")
	o.str("ProcessId", "0x0")
	o.str("ProcessName", "-")
	o.str("IpAddress", l.SrcIP)
	o.str("IpPort", port)
	m := o.message()
	m.title("An account failed to log on.").section("Subject").kv("Security ID", "S-1-0-0").kv("Account Name", "-").
		kv("Account Domain", "-").kv("Logon ID", "0x0").section("Logon Type").kv("Logon Type", strconv.Itoa(l.LogonType)).
		section("Account For Which Logon Failed").kv("Security ID", "S-1-0-0").kv("Account Name", l.User).kv("Account Domain", l.Domain).
		section("Failure Information").kv("Failure Reason", "Unknown user name or bad password.").kv("Status", "0xC000006D").kv("Sub Status", strings.ToUpper(subStatus[2:])).
		section("Network Information").kv("Workstation Name", l.Workstation).kv("Source Network Address", l.SrcIP).kv("Source Port", port).
		section("Detailed Authentication Information").kv("Logon Process", logonProcess(&l)).kv("Authentication Package", l.AuthPackage)
	g.winClose(s, t, &o)
}

// logoff writes Security 4634.
func (g *gen) logoff(t time.Time, h *host, user, sid string, logonType int) {
	if !g.allow() {
		return
	}
	s := g.security
	o := g.winBegin(s, t, h, chanSecurity, 4634, "12545", kwAuditSuccess)
	lid := logonID(h, user)
	o.str("TargetUserSid", sid)
	o.str("TargetUserName", user)
	o.str("TargetDomainName", domainNetBIOS)
	o.str("TargetLogonId", lid)
	o.str("LogonType", strconv.Itoa(logonType))
	m := o.message()
	m.title("An account was logged off.").section("Subject").kv("Security ID", sid).kv("Account Name", user).
		kv("Account Domain", domainNetBIOS).kv("Logon ID", lid).section("Logon Type").kv("Logon Type", strconv.Itoa(logonType))
	g.winClose(s, t, &o)
}

// specialPrivileges writes Security 4672 for an administrator's logon.
func (g *gen) specialPrivileges(t time.Time, h *host, user, sid string) {
	if !g.allow() {
		return
	}
	s := g.security
	o := g.winBegin(s, t, h, chanSecurity, 4672, "12548", kwAuditSuccess)
	privs := "SeSecurityPrivilege\n\t\t\tSeBackupPrivilege\n\t\t\tSeRestorePrivilege\n\t\t\tSeTakeOwnershipPrivilege\n\t\t\tSeDebugPrivilege\n\t\t\tSeSystemEnvironmentPrivilege\n\t\t\tSeLoadDriverPrivilege\n\t\t\tSeImpersonatePrivilege"
	o.str("SubjectUserSid", sid)
	o.str("SubjectUserName", user)
	o.str("SubjectDomainName", domainNetBIOS)
	o.str("SubjectLogonId", logonID(h, user))
	o.str("PrivilegeList", privs)
	m := o.message()
	m.title("Special privileges assigned to new logon.").section("Subject").kv("Security ID", sid).kv("Account Name", user).
		kv("Account Domain", domainNetBIOS).kv("Logon ID", logonID(h, user))
	m.WriteString("\r\n\r\nPrivileges:\t\t")
	m.WriteString(strings.ReplaceAll(privs, "\n", "\r\n"))
	g.winClose(s, t, &o)
}

// kerberosTGT writes Security 4768 on the DC.
func (g *gen) kerberosTGT(t time.Time, u *user, clientIP string) {
	if !g.allow() {
		return
	}
	s := g.security
	o := g.winBegin(s, t, g.w.dc, chanSecurity, 4768, "14339", kwAuditSuccess)
	o.str("TargetUserName", u.Name)
	o.str("TargetDomainName", strings.ToUpper(domainFQDN))
	o.str("TargetSid", u.SID())
	o.str("ServiceName", "krbtgt")
	o.str("ServiceSid", domainSID+"-502")
	o.str("TicketOptions", "0x40810010")
	o.str("Status", "0x0")
	o.str("TicketEncryptionType", "0x12")
	o.str("PreAuthType", "2")
	o.str("IpAddress", "::ffff:"+clientIP)
	o.str("IpPort", strconv.Itoa(49152+int(fnvHash(u.Name+clientIP)%16000)))
	m := o.message()
	m.title("A Kerberos authentication ticket (TGT) was requested.").section("Account Information").kv("Account Name", u.Name).
		kv("Supplied Realm Name", strings.ToUpper(domainFQDN)).kv("User ID", u.SID()).section("Service Information").
		kv("Service Name", "krbtgt").section("Network Information").kv("Client Address", "::ffff:"+clientIP).
		section("Additional Information").kv("Ticket Options", "0x40810010").kv("Result Code", "0x0").kv("Ticket Encryption Type", "0x12")
	g.winClose(s, t, &o)
}

// kerberosService writes Security 4769 on the DC.
func (g *gen) kerberosService(t time.Time, u *user, clientIP, service string) {
	if !g.allow() {
		return
	}
	s := g.security
	o := g.winBegin(s, t, g.w.dc, chanSecurity, 4769, "14337", kwAuditSuccess)
	o.str("TargetUserName", u.Name+"@"+strings.ToUpper(domainFQDN))
	o.str("TargetDomainName", strings.ToUpper(domainFQDN))
	o.str("ServiceName", service)
	o.str("ServiceSid", domainSID+"-1001")
	o.str("TicketOptions", "0x40810000")
	o.str("TicketEncryptionType", "0x12")
	o.str("IpAddress", "::ffff:"+clientIP)
	o.str("IpPort", "0")
	o.str("Status", "0x0")
	o.str("LogonGuid", "{00000000-0000-0000-0000-000000000000}")
	o.str("TransmittedServices", "-")
	m := o.message()
	m.title("A Kerberos service ticket was requested.").section("Account Information").kv("Account Name", u.Name+"@"+strings.ToUpper(domainFQDN)).
		kv("Account Domain", strings.ToUpper(domainFQDN)).section("Service Information").kv("Service Name", service).
		section("Network Information").kv("Client Address", "::ffff:"+clientIP).section("Additional Information").
		kv("Ticket Options", "0x40810000").kv("Ticket Encryption Type", "0x12").kv("Failure Code", "0x0")
	g.winClose(s, t, &o)
}

// shareAccess writes Security 5140 (a network share was accessed).
func (g *gen) shareAccess(t time.Time, h *host, u *user, clientIP, share string) {
	if !g.allow() {
		return
	}
	s := g.security
	o := g.winBegin(s, t, h, chanSecurity, 5140, "12808", kwAuditSuccess)
	o.str("SubjectUserSid", u.SID())
	o.str("SubjectUserName", u.Name)
	o.str("SubjectDomainName", domainNetBIOS)
	o.str("SubjectLogonId", logonID(h, u.Name))
	o.str("ObjectType", "File")
	o.str("IpAddress", clientIP)
	o.str("IpPort", strconv.Itoa(49152+int(fnvHash(u.Name+share)%16000)))
	o.str("ShareName", `\\*\`+share)
	o.str("ShareLocalPath", `\??\D:\Shares\`+share)
	o.str("AccessMask", "0x1")
	o.str("AccessList", "%%4416")
	m := o.message()
	m.title("A network share object was accessed.").section("Subject").kv("Security ID", u.SID()).kv("Account Name", u.Name).
		kv("Account Domain", domainNetBIOS).kv("Logon ID", logonID(h, u.Name)).section("Network Information").kv("Object Type", "File").
		kv("Source Address", clientIP).section("Share Information").kv("Share Name", `\\*\`+share).kv("Share Path", `\??\D:\Shares\`+share)
	g.winClose(s, t, &o)
}

// serviceInstalled writes System 7045.
func (g *gen) serviceInstalled(t time.Time, h *host, name, image, start, account string) {
	if !g.allow() {
		return
	}
	s := g.system
	o := g.winBegin(s, t, h, chanSystem, 7045, "0", kwSCM)
	o.str("ServiceName", name)
	o.str("ImagePath", image)
	o.str("ServiceType", "user mode service")
	o.str("StartType", start)
	o.str("AccountName", account)
	msg := "A service was installed in the system.\r\n\r\nService Name:  " + name + "\r\nService File Name:  " + image +
		"\r\nService Type:  user mode service\r\nService Start Type:  " + start + "\r\nService Account:  " + account
	g.winEnd(s, t, o, msg)
}

// serviceInstalledSecurity writes Security 4697.
func (g *gen) serviceInstalledSecurity(t time.Time, h *host, subjName, subjSID, name, image, start string) {
	if !g.allow() {
		return
	}
	s := g.security
	o := g.winBegin(s, t, h, chanSecurity, 4697, "12289", kwAuditSuccess)
	startCode := map[string]string{"auto start": "2", "demand start": "3", "disabled": "4"}[start]
	o.str("SubjectUserSid", subjSID)
	o.str("SubjectUserName", subjName)
	o.str("SubjectDomainName", domainNetBIOS)
	o.str("SubjectLogonId", logonID(h, subjName))
	o.str("ServiceName", name)
	o.str("ServiceFileName", image)
	o.str("ServiceType", "0x10")
	o.str("ServiceStartType", startCode)
	o.str("ServiceAccount", "LocalSystem")
	m := o.message()
	m.title("A service was installed in the system.").section("Subject").kv("Security ID", subjSID).kv("Account Name", subjName).
		kv("Account Domain", domainNetBIOS).kv("Logon ID", logonID(h, subjName)).section("Service Information").kv("Service Name", name).
		kv("Service File Name", image).kv("Service Type", "0x10").kv("Service Start Type", startCode).kv("Service Account", "LocalSystem")
	g.winClose(s, t, &o)
}

// serviceState writes System 7036 (a service entered the running or stopped state).
func (g *gen) serviceState(t time.Time, h *host, display, state string) {
	if !g.allow() {
		return
	}
	s := g.system
	o := g.winBegin(s, t, h, chanSystem, 7036, "0", kwSCM)
	o.str("param1", display)
	o.str("param2", state)
	g.winEnd(s, t, o, "The "+display+" service entered the "+state+" state.")
}

// accountDisabled writes Security 4725 on the DC: admin disabled target.
func (g *gen) accountDisabled(t time.Time, admin, target *user) {
	if !g.allow() {
		return
	}
	s := g.security
	h := g.w.dc
	o := g.winBegin(s, t, h, chanSecurity, 4725, "13824", kwAuditSuccess)
	o.str("TargetUserName", target.Name)
	o.str("TargetDomainName", domainNetBIOS)
	o.str("TargetSid", target.SID())
	o.str("SubjectUserSid", admin.SID())
	o.str("SubjectUserName", admin.Name)
	o.str("SubjectDomainName", domainNetBIOS)
	o.str("SubjectLogonId", logonID(h, admin.Name))
	m := o.message()
	m.title("A user account was disabled.").section("Subject").kv("Security ID", admin.SID()).kv("Account Name", admin.Name).
		kv("Account Domain", domainNetBIOS).kv("Logon ID", logonID(h, admin.Name)).section("Target Account").
		kv("Security ID", target.SID()).kv("Account Name", target.Name).kv("Account Domain", domainNetBIOS)
	g.winClose(s, t, &o)
}

// objectAccess writes Security 4663 (an attempt was made to access an object).
func (g *gen) objectAccess(t time.Time, p *proc, objType, objName, mask string) {
	if !g.allow() {
		return
	}
	s := g.security
	o := g.winBegin(s, t, p.Host, chanSecurity, 4663, "12802", kwAuditSuccess)
	o.str("SubjectUserSid", p.UserSID)
	o.str("SubjectUserName", p.userName())
	o.str("SubjectDomainName", p.userDomain())
	o.str("SubjectLogonId", p.LogonID)
	o.str("ObjectServer", "Security")
	o.str("ObjectType", objType)
	o.str("ObjectName", objName)
	o.str("HandleId", "0x"+strconv.FormatInt(int64(0x100+p.PID%0x700), 16))
	o.str("AccessList", "%%4484\n\t\t\t\t")
	o.str("AccessMask", mask)
	o.str("ProcessId", hex(p.PID))
	o.str("ProcessName", p.Image)
	o.str("ResourceAttributes", "-")
	m := o.message()
	m.title("An attempt was made to access an object.").section("Subject").kv("Security ID", p.UserSID).kv("Account Name", p.userName()).
		kv("Account Domain", p.userDomain()).kv("Logon ID", p.LogonID).section("Object").kv("Object Server", "Security").
		kv("Object Type", objType).kv("Object Name", objName).section("Process Information").kv("Process ID", hex(p.PID)).
		kv("Process Name", p.Image).section("Access Request Information").kv("Access Mask", mask)
	g.winClose(s, t, &o)
}
