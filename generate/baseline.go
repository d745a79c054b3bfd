package generate

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"
)

// The baseline is a stream of benign activities (a user starting a program, browsing, opening
// a share, a cron job, an admin's SSH session, web visitors, AWS API calls...). Activity
// start times form a Poisson process whose rate follows office hours (weekday 08-18 busy,
// nights and weekends quiet); the rate is rescaled as it goes so that the --events budget
// runs out at about the end of the period. Each activity writes one to a dozen related
// records across the logs, a few seconds to minutes apart.

// hourWeight is the relative activity level of the hour containing t.
func hourWeight(t time.Time) float64 {
	h := t.Hour()
	if wd := t.Weekday(); wd == time.Saturday || wd == time.Sunday {
		if h >= 9 && h < 19 {
			return 1.2
		}
		return 0.5
	}
	switch {
	case h < 6:
		return 0.5
	case h < 7:
		return 1
	case h < 8:
		return 3
	case h < 12:
		return 10
	case h < 13:
		return 7
	case h < 17:
		return 10
	case h < 18:
		return 6
	case h < 20:
		return 3
	}
	return 1
}

// activity is one kind of benign behaviour with its weight in office hours and at night.
type activity struct {
	name       string
	day, night float64
	run        func(g *gen, t time.Time)
}

var activities = []activity{
	{"workstation-process", 30, 2, (*gen).wsProcess},
	{"browse", 28, 2, (*gen).browse},
	{"file-share", 8, 0.3, (*gen).fileShare},
	{"workstation-logon", 5, 0.2, (*gen).wsLogon},
	{"mistyped-password", 1, 0.05, (*gen).mistypedPassword},
	{"kerberos-service", 6, 1, (*gen).kerberosSvc},
	{"server-process", 6, 10, (*gen).serverProcess},
	{"server-dns", 4, 4, (*gen).serverDNS},
	{"process-access", 3, 3, (*gen).benignAccess},
	{"service-state", 0.8, 0.8, (*gen).benignServiceState},
	{"software-service", 0.02, 0.01, (*gen).benignServiceInstall},
	{"cron", 3, 6, (*gen).cron},
	{"admin-ssh", 2.5, 0.2, (*gen).adminSSH},
	{"ssh-noise", 1.5, 2, (*gen).sshNoise},
	{"web-visit", 12, 6, (*gen).webVisit},
	{"aws-api", 5, 1.5, (*gen).awsAPI},
}

func (g *gen) baseline(ctx context.Context) error {
	hours := int(g.end.Sub(g.start) / time.Hour)
	// Per-hour weight with a little day-to-day variation, and the weight-seconds left from
	// the start of each hour to the end of the period.
	dayVar := make([]float64, hours/24+2)
	for i := range dayVar {
		dayVar[i] = 0.85 + 0.3*g.r.Float64()
	}
	weight := func(h int) float64 {
		t := g.start.Add(time.Duration(h) * time.Hour)
		return hourWeight(t) * dayVar[(h/24)%len(dayVar)]
	}
	w := make([]float64, hours)
	suffix := make([]float64, hours+1)
	for h := hours - 1; h >= 0; h-- {
		w[h] = weight(h)
		suffix[h] = suffix[h+1] + w[h]*3600
	}
	remaining := func(sec float64) float64 {
		h := int(sec / 3600)
		if h >= hours {
			return 0
		}
		return (float64(h+1)*3600-sec)*w[h] + suffix[h+1]
	}
	cum := make([]float64, len(activities))

	var sec float64 // seconds since start
	acts, evs := int64(0), int64(0)
	meanEv := 3.0
	for g.baseLeft > 0 {
		if acts%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := g.out.failed(); err != nil {
				return fmt.Errorf("writing output: %w", err)
			}
		}
		if acts >= 64 {
			meanEv = float64(evs) / float64(acts)
		}
		// Expected activities left = remaining weight-seconds / scale.
		scale := meanEv * math.Max(remaining(sec), 60) / float64(g.baseLeft)
		// Advance by an exponential amount of weight-seconds.
		e := g.r.ExpFloat64() * scale
		for {
			h := int(sec / 3600)
			wh := 1.0
			if h < hours {
				wh = w[h]
			} else {
				wh = weight(h)
			}
			capacity := (float64(h+1)*3600 - sec) * wh
			if e <= capacity {
				sec += e / wh
				break
			}
			e -= capacity
			sec = float64(h + 1)
			sec *= 3600
		}
		t := g.start.Add(time.Duration(sec * float64(time.Second)))
		tn := t.UnixNano()
		for _, s := range g.streams {
			s.flush(tn, false)
		}
		// Pick an activity: office-hours kinds dominate when the hour is busy.
		b := math.Min(hourWeight(t)/10, 1)
		total := 0.0
		for i, a := range activities {
			total += a.day*b + a.night*(1-b)
			cum[i] = total
		}
		x := g.r.Float64() * total
		i := 0
		for i < len(cum)-1 && x >= cum[i] {
			i++
		}
		before := g.baseLeft
		activities[i].run(g, t)
		evs += before - g.baseLeft
		acts++
		n := 0
		for _, s := range g.streams {
			n += len(s.heap)
		}
		g.peakPending = max(g.peakPending, n)
	}
	return nil
}

// site is a web destination with a fixed address.
type site struct{ name, ip string }

var sites = []site{
	{"www.google.com", "142.250.74.68"}, {"outlook.office365.com", "52.97.146.162"}, {"teams.microsoft.com", "52.113.194.132"},
	{"login.microsoftonline.com", "20.190.159.68"}, {"www.linkedin.com", "13.107.42.14"}, {"github.com", "140.82.121.4"},
	{"www.bbc.co.uk", "151.101.0.81"}, {"en.wikipedia.org", "185.15.58.224"}, {"www.youtube.com", "142.250.74.110"},
	{"cdn.jsdelivr.net", "151.101.1.229"}, {webHostname, webPublicIP}, {"www.dhl.com", "23.50.52.201"},
	{"update.googleapis.com", "142.250.74.99"}, {"docs.google.com", "142.250.74.78"}, {"zoom.us", "170.114.52.2"},
	{"s3.eu-west-1.amazonaws.com", "52.218.105.75"}, {"eu-west-1.console.aws.amazon.com", "54.239.29.68"},
	{"www.maersk.com", "104.18.22.145"}, {"weather.com", "23.40.70.89"}, {"login.live.com", "20.190.160.20"},
}

// app is a program users start on their workstations; {u} is replaced by the user name.
type app struct{ image, cmd string }

var userApps = []app{
	{`C:\Program Files\Google\Chrome\Application\chrome.exe`, `"C:\Program Files\Google\Chrome\Application\chrome.exe" `},
	{`C:\Program Files\Google\Chrome\Application\chrome.exe`, `"C:\Program Files\Google\Chrome\Application\chrome.exe" --type=renderer --lang=en-GB --renderer-client-id=7 --mojo-platform-channel-handle=3212 /prefetch:1`},
	{`C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe`, `"C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe" --single-argument https://outlook.office365.com/`},
	{`C:\Program Files\Microsoft Office\root\Office16\OUTLOOK.EXE`, `"C:\Program Files\Microsoft Office\root\Office16\OUTLOOK.EXE" `},
	{`C:\Program Files\Microsoft Office\root\Office16\WINWORD.EXE`, `"C:\Program Files\Microsoft Office\root\Office16\WINWORD.EXE" /n "C:\Users\{u}\Documents\Quarterly report.docx"`},
	{`C:\Program Files\Microsoft Office\root\Office16\EXCEL.EXE`, `"C:\Program Files\Microsoft Office\root\Office16\EXCEL.EXE" "C:\Users\{u}\OneDrive - Acme Freight\Shipments 2026.xlsx"`},
	{`C:\Users\{u}\AppData\Local\Microsoft\Teams\current\Teams.exe`, `"C:\Users\{u}\AppData\Local\Microsoft\Teams\current\Teams.exe" --process-start-time=1`},
	{`C:\Windows\System32\notepad.exe`, `"C:\Windows\system32\notepad.exe" C:\Users\{u}\Desktop\notes.txt`},
	{`C:\Program Files\Adobe\Acrobat DC\Acrobat\Acrobat.exe`, `"C:\Program Files\Adobe\Acrobat DC\Acrobat\Acrobat.exe" "C:\Users\{u}\Downloads\BillOfLading-88121.pdf"`},
	{`C:\Users\{u}\AppData\Local\Microsoft\OneDrive\OneDrive.exe`, `"C:\Users\{u}\AppData\Local\Microsoft\OneDrive\OneDrive.exe" /background`},
	{`C:\Windows\System32\cmd.exe`, `"C:\Windows\system32\cmd.exe" /c ipconfig /all`},
	{`C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`, `powershell.exe -NoProfile -ExecutionPolicy Bypass -File \\acme.local\NETLOGON\map-drives.ps1`},
	{`C:\Windows\System32\mstsc.exe`, `"C:\Windows\system32\mstsc.exe" /v:APP01`},
	{`C:\Windows\explorer.exe`, `C:\Windows\explorer.exe /factory,{75dff2b7-6936-4c06-a8bb-676a7b00b24b} -Embedding`},
}

var systemApps = []app{
	{`C:\Windows\System32\svchost.exe`, `C:\Windows\system32\svchost.exe -k netsvcs -p -s Schedule`},
	{`C:\Windows\System32\wbem\WmiPrvSE.exe`, `C:\Windows\system32\wbem\wmiprvse.exe -secured -Embedding`},
	{`C:\Windows\System32\backgroundTaskHost.exe`, `"C:\Windows\system32\backgroundTaskHost.exe" -ServerName:BackgroundTaskHost.WebAccountBackgroundManagerTask`},
	{`C:\Windows\System32\taskhostw.exe`, `taskhostw.exe -RegisterDevice -ProtectionStateChanged -FreeNetworkOnly`},
	{`C:\Windows\System32\SearchProtocolHost.exe`, `"C:\Windows\system32\SearchProtocolHost.exe" Global\UsGthrFltPipeMssGthrPipe1_ Global\UsGthrCtrlFltPipeMssGthrPipe1 1 -2147483646 "Software\Microsoft\Windows Search" "Mozilla/4.0 (compatible; MSIE 6.0; Windows NT; MS Search 4.0 Robot)" "C:\ProgramData\Microsoft\Search\Data\Temp\usgthrsvc" "DownLevelDaemon"`},
	{`C:\Windows\System32\conhost.exe`, `\??\C:\Windows\system32\conhost.exe 0xffffffff -ForceV1`},
	{`C:\Windows\System32\gpupdate.exe`, `gpupdate.exe /target:computer`},
	{`C:\Program Files\Windows Defender\MpCmdRun.exe`, `"C:\Program Files\Windows Defender\MpCmdRun.exe" -wdenable`},
	{`C:\Windows\System32\sc.exe`, `C:\Windows\system32\sc.exe start wuauserv`},
	{`C:\Windows\System32\cmd.exe`, `C:\Windows\system32\cmd.exe /c C:\Scripts\nightly-backup.cmd`},
}

func (g *gen) randomWSUser() *user { return g.w.users[g.r.IntN(30)] }

func (g *gen) wsProcess(t time.Time) {
	u := g.randomWSUser()
	a := userApps[g.r.IntN(len(userApps))]
	image := strings.ReplaceAll(a.image, "{u}", u.Name)
	p := g.newProc(u.WS, image, strings.ReplaceAll(a.cmd, "{u}", u.Name), u.Name, nil)
	g.processCreate(t, p)
	if g.r.IntN(10) < 3 {
		g.fileCreate(t.Add(time.Duration(1+g.r.IntN(30))*time.Second), p,
			`C:\Users\`+u.Name+`\AppData\Local\Temp\`+fmt.Sprintf("~DF%04X.tmp", g.r.IntN(65536)))
	}
}

// browserProc is the long-running browser on a user's workstation.
func (g *gen) browserProc(h *host, u *user) *proc {
	p := &proc{Host: h, Image: `C:\Program Files\Google\Chrome\Application\chrome.exe`,
		CommandLine: `"C:\Program Files\Google\Chrome\Application\chrome.exe" `, User: domainNetBIOS + `\` + u.Name,
		UserSID: u.SID(), LogonID: logonID(h, u.Name), Integrity: "Medium"}
	p.PID = 2000 + 4*int(fnvHash(h.Name+u.Name)%2000)
	p.GUID = h.processGUID(p.PID, uint64(p.PID))
	return p
}

func (g *gen) browse(t time.Time) {
	u := g.randomWSUser()
	h := u.WS
	st := sites[g.r.IntN(len(sites))]
	p := g.browserProc(h, u)
	if g.r.IntN(40) == 0 { // a mistyped name
		name := "www.gooogle.con"
		g.dnsQuery(t, p, name, nil)
		g.zeekDNS(t, h.IP, g.ephemeralPort(), name, nil, 0)
		return
	}
	if g.r.IntN(2) == 0 {
		g.dnsQuery(t, p, st.name, []string{st.ip})
	}
	g.zeekDNS(t, h.IP, g.ephemeralPort(), st.name, []string{st.ip}, 60+g.r.IntN(3000))
	port := g.ephemeralPort()
	ct := t.Add(time.Duration(5+g.r.IntN(40)) * time.Millisecond)
	if g.r.IntN(10) < 3 {
		g.networkConnect(ct, p, "tcp", h.IP, port, st.ip, 443, st.name)
	}
	g.zeekConn(ct, conn{SrcIP: h.IP, SrcPort: port, DstIP: st.ip, DstPort: 443, Proto: "tcp", Service: "ssl",
		Duration: time.Duration(200+g.r.IntN(60000)) * time.Millisecond, OrigB: 800 + int64(g.r.IntN(20000)), RespB: 2000 + int64(g.r.IntN(900000))})
}

var shares = []string{"Public", "Projects", "Finance", "HR", "IT", "Operations"}

func (g *gen) fileShare(t time.Time) {
	u := g.randomWSUser()
	h, fs := u.WS, g.w.fileServer
	port := g.ephemeralPort()
	d := time.Duration(1+g.r.IntN(40)) * time.Second
	g.zeekConn(t, conn{SrcIP: h.IP, SrcPort: port, DstIP: fs.IP, DstPort: 445, Proto: "tcp", Service: "smb",
		Duration: d, OrigB: 2000 + int64(g.r.IntN(40000)), RespB: 5000 + int64(g.r.IntN(3000000))})
	t = t.Add(30 * time.Millisecond)
	g.logonSuccess(t, logonInfo{Host: fs, User: u.Name, SID: u.SID(), LogonType: 3, SrcIP: h.IP, SrcPort: port, Workstation: h.Name})
	g.shareAccess(t.Add(15*time.Millisecond), fs, u, h.IP, shares[g.r.IntN(len(shares))])
	g.logoff(t.Add(d), fs, u.Name, u.SID(), 3)
}

func (g *gen) wsLogon(t time.Time) {
	u := g.randomWSUser()
	h := u.WS
	lt := []int{2, 7, 7, 11}[g.r.IntN(4)]
	g.kerberosTGT(t, u, h.IP)
	g.kerberosService(t.Add(20*time.Millisecond), u, h.IP, h.Name+"$")
	g.logonSuccess(t.Add(60*time.Millisecond), logonInfo{Host: h, User: u.Name, SID: u.SID(), LogonType: lt, SrcIP: "127.0.0.1", Workstation: h.Name})
	if u.Admin {
		g.specialPrivileges(t.Add(60*time.Millisecond), h, u.Name, u.SID())
	}
}

func (g *gen) mistypedPassword(t time.Time) {
	u := g.randomWSUser()
	h := u.WS
	g.logonFailure(t, logonInfo{Host: h, User: u.Name, LogonType: 2, SrcIP: "127.0.0.1", Workstation: h.Name, AuthPackage: "Negotiate"}, "0xc000006a")
	g.logonSuccess(t.Add(time.Duration(4+g.r.IntN(10))*time.Second), logonInfo{Host: h, User: u.Name, SID: u.SID(), LogonType: 2, SrcIP: "127.0.0.1", Workstation: h.Name})
}

var spns = []string{"cifs/FS01", "MSSQLSvc/SQL01.acme.local:1433", "HTTP/APP01.acme.local", "ldap/DC01.acme.local", "host/PRN01", "WSUS01$"}

func (g *gen) kerberosSvc(t time.Time) {
	u := g.randomWSUser()
	g.zeekConn(t, conn{SrcIP: u.WS.IP, SrcPort: g.ephemeralPort(), DstIP: g.w.dc.IP, DstPort: 88, Proto: "tcp", Service: "krb_tcp",
		Duration: 8 * time.Millisecond, OrigB: 1450 + int64(g.r.IntN(200)), RespB: 1500 + int64(g.r.IntN(200))})
	g.kerberosService(t.Add(2*time.Millisecond), u, u.WS.IP, spns[g.r.IntN(len(spns))])
}

func (g *gen) randomServer() *host {
	if g.r.IntN(6) == 0 {
		return g.w.dc
	}
	return g.w.servers[g.r.IntN(len(g.w.servers))]
}

func (g *gen) serverProcess(t time.Time) {
	h := g.randomServer()
	if g.r.IntN(3) == 0 {
		h = g.w.workstations[g.r.IntN(len(g.w.workstations))]
	}
	a := systemApps[g.r.IntN(len(systemApps))]
	acct := "SYSTEM"
	if g.r.IntN(5) == 0 {
		acct = "NETWORK SERVICE"
	}
	g.processCreate(t, g.newProc(h, a.image, a.cmd, acct, nil))
}

var internalNames = []site{
	{"dc01.acme.local", dnsServerIP}, {"fs01.acme.local", "10.10.10.20"}, {"sql01.acme.local", "10.10.10.21"},
	{"app01.acme.local", "10.10.10.22"}, {"wsus01.acme.local", "10.10.10.23"}, {"_ldap._tcp.dc._msdcs.acme.local", dnsServerIP},
	{"ctldl.windowsupdate.com", "93.184.221.240"}, {"settings-win.data.microsoft.com", "20.42.65.92"},
	{"time.windows.com", "168.61.215.74"}, {"wpad.acme.local", ""},
}

func (g *gen) serverDNS(t time.Time) {
	h := g.randomServer()
	if g.r.IntN(2) == 0 {
		h = g.w.workstations[g.r.IntN(len(g.w.workstations))]
	}
	n := internalNames[g.r.IntN(len(internalNames))]
	var ans []string
	if n.ip != "" {
		ans = []string{n.ip}
	}
	g.zeekDNS(t, h.IP, g.ephemeralPort(), n.name, ans, 600)
}

var accessSources = []string{
	`C:\Windows\system32\svchost.exe`, `C:\Windows\System32\taskmgr.exe`, `C:\Program Files\VMware\VMware Tools\vmtoolsd.exe`,
	`C:\Windows\system32\csrss.exe`, `C:\Windows\System32\wbem\WmiPrvSE.exe`,
}
var accessTargets = []string{
	`C:\Windows\system32\svchost.exe`, `C:\Windows\Explorer.EXE`, `C:\Windows\system32\RuntimeBroker.exe`,
	`C:\Windows\system32\dwm.exe`, `C:\Windows\system32\ctfmon.exe`, `C:\Windows\system32\sihost.exe`,
}

func (g *gen) benignAccess(t time.Time) {
	hosts := g.w.windowsHosts()
	h := hosts[g.r.IntN(len(hosts))]
	src := g.newProc(h, accessSources[g.r.IntN(len(accessSources))], "", "SYSTEM", nil)
	target, access := accessTargets[g.r.IntN(len(accessTargets))], []string{"0x1000", "0x1400", "0x101541", "0x2000"}[g.r.IntN(4)]
	if g.r.IntN(25) == 0 { // Defender scanning LSASS: a classic false positive for LSASS rules
		src.Image = `C:\ProgramData\Microsoft\Windows Defender\Platform\4.18.24090.11-0\MsMpEng.exe`
		target, access = `C:\Windows\system32\lsass.exe`, "0x1000"
	}
	g.processAccess(t, src, target, 800+4*g.r.IntN(3000), access,
		`C:\Windows\SYSTEM32\ntdll.dll+9d1e4|C:\Windows\System32\KERNELBASE.dll+2be8e|UNKNOWN(00007FF8A1B2C3D4)`)
}

var serviceNames = []string{"Windows Update", "Background Intelligent Transfer Service", "Windows Modules Installer",
	"Microsoft Defender Antivirus Network Inspection Service", "Print Spooler", "WinHTTP Web Proxy Auto-Discovery Service"}

func (g *gen) benignServiceState(t time.Time) {
	hosts := g.w.windowsHosts()
	h := hosts[g.r.IntN(len(hosts))]
	state := "running"
	if g.r.IntN(2) == 0 {
		state = "stopped"
	}
	g.serviceState(t, h, serviceNames[g.r.IntN(len(serviceNames))], state)
}

// benignServiceInstall is software installing its updater service: the legitimate face of
// event 7045.
func (g *gen) benignServiceInstall(t time.Time) {
	h := g.w.workstations[g.r.IntN(len(g.w.workstations))]
	svc := []struct{ name, image string }{
		{"Google Updater Service", `"C:\Program Files (x86)\Google\GoogleUpdater\130.0.6703.0\updater.exe" --system --windows-service --service=update`},
		{"Mozilla Maintenance Service", `"C:\Program Files (x86)\Mozilla Maintenance Service\maintenanceservice.exe"`},
		{"Adobe Acrobat Update Service", `"C:\Program Files (x86)\Common Files\Adobe\ARM\1.0\armsvc.exe"`},
	}[g.r.IntN(3)]
	g.serviceInstalled(t, h, svc.name, svc.image, "auto start", "LocalSystem")
	g.serviceInstalledSecurity(t, h, h.Name+"$", "S-1-5-18", svc.name, svc.image, "auto start")
}

var cronJobs = []string{
	"test -x /usr/sbin/anacron || { cd / && run-parts --report /etc/cron.daily; }",
	"cd / && run-parts --report /etc/cron.hourly",
	"command -v debian-sa1 > /dev/null && debian-sa1 1 1",
	"/usr/local/bin/db-backup.sh >/var/log/db-backup.log 2>&1",
	"[ -x /usr/lib/php/sessionclean ] && if [ ! -d /run/systemd/system ]; then /usr/lib/php/sessionclean; fi",
	"/usr/bin/certbot renew --quiet",
}

func (g *gen) cron(t time.Time) {
	h := g.w.linux[g.r.IntN(len(g.w.linux))]
	pid := h.pid()
	t = t.Truncate(time.Minute).Add(time.Duration(1+g.r.IntN(900)) * time.Millisecond)
	g.syslog(t, h, "CRON", pid, "pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)")
	g.syslog(t, h, "CRON", pid+1, "(root) CMD ("+cronJobs[g.r.IntN(len(cronJobs))]+")")
	g.syslog(t.Add(time.Duration(50+g.r.IntN(3000))*time.Millisecond), h, "CRON", pid, "pam_unix(cron:session): session closed for user root")
}

var sudoCommands = []string{
	"/usr/bin/systemctl restart nginx", "/usr/bin/apt-get update", "/usr/bin/apt-get -y upgrade", "/usr/bin/journalctl -u postgresql --since today",
	"/usr/bin/tail -n 200 /var/log/syslog", "/usr/bin/docker ps", "/usr/sbin/ufw status", "/usr/bin/systemctl status prometheus",
}

func (g *gen) adminSSH(t time.Time) {
	u := g.w.admins[g.r.IntN(len(g.w.admins))]
	h := g.w.linux[g.r.IntN(len(g.w.linux))]
	from := g.w.bastion.IP
	if h == g.w.bastion {
		from = "10.10.40." + fmt.Sprint(10+u.RID%40) // the VPN pool
	}
	pid, port := h.pid(), g.ephemeralPort()
	session := 1000 + g.r.IntN(9000)
	d := time.Duration(2+g.r.IntN(40)) * time.Minute
	g.zeekConn(t, conn{SrcIP: from, SrcPort: port, DstIP: h.IP, DstPort: 22, Proto: "tcp", Service: "ssh",
		Duration: d, OrigB: 20000 + int64(g.r.IntN(200000)), RespB: 50000 + int64(g.r.IntN(2000000))})
	t = t.Add(300 * time.Millisecond)
	g.syslog(t, h, "sshd", pid, fmt.Sprintf("Accepted publickey for %s from %s port %d ssh2: ED25519 SHA256:%s", u.Name, from, port, sshKeyFP(u.Name)))
	g.syslog(t, h, "sshd", pid, fmt.Sprintf("pam_unix(sshd:session): session opened for user %s(uid=%d) by (uid=0)", u.Name, u.RID-100))
	g.syslog(t, h, "systemd-logind", 612, fmt.Sprintf("New session %d of user %s.", session, u.Name))
	if g.r.IntN(3) > 0 {
		st := t.Add(time.Duration(20+g.r.IntN(120)) * time.Second)
		g.syslog(st, h, "sudo", 0, fmt.Sprintf("   %s : TTY=pts/0 ; PWD=/home/%s ; USER=root ; COMMAND=%s", u.Name, u.Name, sudoCommands[g.r.IntN(len(sudoCommands))]))
		g.syslog(st, h, "sudo", 0, fmt.Sprintf("pam_unix(sudo:session): session opened for user root(uid=0) by %s(uid=%d)", u.Name, u.RID-100))
		g.syslog(st.Add(time.Duration(1+g.r.IntN(20))*time.Second), h, "sudo", 0, "pam_unix(sudo:session): session closed for user root")
	}
	end := t.Add(d)
	g.syslog(end, h, "sshd", pid, fmt.Sprintf("Received disconnect from %s port %d:11: disconnected by user", from, port))
	g.syslog(end, h, "sshd", pid, fmt.Sprintf("Disconnected from user %s %s port %d", u.Name, from, port))
	g.syslog(end, h, "sshd", pid, fmt.Sprintf("pam_unix(sshd:session): session closed for user %s", u.Name))
	g.syslog(end, h, "systemd-logind", 612, fmt.Sprintf("Session %d logged out. Waiting for processes to exit.", session))
}

func sshKeyFP(name string) string {
	const b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	var b [43]byte
	x := fnvHash(name)
	for i := range b {
		if i%10 == 0 {
			x = fnvHash(fmt.Sprint(name, i))
		}
		b[i] = b64[x&63]
		x >>= 6
	}
	return string(b[:])
}

var scanUsers = []string{"admin", "test", "user", "ubuntu", "oracle", "git", "postgres", "guest", "ftp", "nagios"}

// sshNoise is the background of Internet scanners knocking on the exposed SSH servers.
func (g *gen) sshNoise(t time.Time) {
	h := g.w.bastion
	if g.r.IntN(2) == 0 {
		h = g.w.web
	}
	ip := publicIP(g.r)
	pid, port := h.pid(), g.ephemeralPort()
	g.zeekConn(t, conn{SrcIP: ip, SrcPort: port, DstIP: h.IP, DstPort: 22, Proto: "tcp", Service: "ssh",
		Duration: time.Duration(500+g.r.IntN(4000)) * time.Millisecond, OrigB: 1200 + int64(g.r.IntN(900)), RespB: 1500 + int64(g.r.IntN(900))})
	t = t.Add(200 * time.Millisecond)
	switch g.r.IntN(3) {
	case 0:
		n := scanUsers[g.r.IntN(len(scanUsers))]
		g.syslog(t, h, "sshd", pid, fmt.Sprintf("Invalid user %s from %s port %d", n, ip, port))
		g.syslog(t.Add(time.Second), h, "sshd", pid, fmt.Sprintf("Connection closed by invalid user %s %s port %d [preauth]", n, ip, port))
	case 1:
		g.syslog(t, h, "sshd", pid, fmt.Sprintf("pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=%s  user=root", ip))
		g.syslog(t.Add(2*time.Second), h, "sshd", pid, fmt.Sprintf("Failed password for root from %s port %d ssh2", ip, port))
		g.syslog(t.Add(3*time.Second), h, "sshd", pid, fmt.Sprintf("Connection closed by authenticating user root %s port %d [preauth]", ip, port))
	default:
		g.syslog(t, h, "sshd", pid, fmt.Sprintf("Received disconnect from %s port %d:11: Bye Bye [preauth]", ip, port))
		g.syslog(t, h, "sshd", pid, fmt.Sprintf("Disconnected from %s port %d [preauth]", ip, port))
	}
}

var webPages = []struct {
	path   string
	status int
	size   int
}{
	{"/", 200, 18211}, {"/about", 200, 9120}, {"/services/freight", 200, 12877}, {"/services/warehousing", 200, 11402},
	{"/contact", 200, 7311}, {"/careers", 200, 8456}, {"/tracking", 200, 6120}, {"/news/2026/new-rotterdam-hub", 200, 10233},
	{"/favicon.ico", 200, 4286}, {"/robots.txt", 200, 74}, {"/sitemap.xml", 200, 2210}, {"/old-tracking.php", 301, 0},
}
var webAssets = []string{"/assets/css/main.css", "/assets/js/app.js", "/assets/img/logo.svg", "/assets/img/hero.webp", "/assets/fonts/inter.woff2"}
var agents = []string{
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36",
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Safari/605.1.15",
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:131.0) Gecko/20100101 Firefox/131.0",
	"Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1",
	"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Mobile Safari/537.36",
}
var bots = []string{
	"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
	"Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
	"Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
}
var probes = []string{"/wp-login.php", "/.env", "/xmlrpc.php", "/phpmyadmin/", "/.git/config", "/cgi-bin/luci/;stok=/locale", "/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php"}

func (g *gen) webVisit(t time.Time) {
	ip := publicIP(g.r)
	switch x := g.r.IntN(20); {
	case x < 2: // a scanner probing for well-known holes
		ua := "Mozilla/5.0 zgrab/0.x"
		if x == 1 {
			ua = "python-requests/2.31.0"
		}
		for i := 0; i < 1+g.r.IntN(4); i++ {
			g.accessLog(t, ip, "", "GET", probes[g.r.IntN(len(probes))], 404, 196, "", ua)
			t = t.Add(time.Duration(100+g.r.IntN(900)) * time.Millisecond)
		}
		return
	case x < 5: // a crawler
		p := webPages[g.r.IntN(len(webPages))]
		g.accessLog(t, ip, "", "GET", p.path, p.status, int64(p.size), "", bots[g.r.IntN(len(bots))])
		return
	}
	ua := agents[g.r.IntN(len(agents))]
	ref := "https://www.google.com/"
	for i := 0; i < 1+g.r.IntN(4); i++ {
		p := webPages[g.r.IntN(len(webPages))]
		path, status, size := p.path, p.status, int64(p.size+g.r.IntN(200))
		if p.path == "/tracking" && g.r.IntN(2) == 0 {
			path = fmt.Sprintf("/tracking?id=ACME%07d", g.r.IntN(10000000))
		}
		if status == 301 {
			size = 0
		}
		g.accessLog(t, ip, "", "GET", path, status, size, ref, ua)
		for j := 0; j < g.r.IntN(3); j++ {
			a := webAssets[g.r.IntN(len(webAssets))]
			st, sz := 200, int64(3000+g.r.IntN(90000))
			if g.r.IntN(3) == 0 {
				st, sz = 304, 0
			}
			g.accessLog(t.Add(time.Duration(50+g.r.IntN(300))*time.Millisecond), ip, "", "GET", a, st, sz, "https://"+webHostname+p.path, ua)
		}
		ref = "https://" + webHostname + p.path
		t = t.Add(time.Duration(3+g.r.IntN(60)) * time.Second)
	}
	if g.r.IntN(8) == 0 {
		g.accessLog(t, ip, "", "POST", "/contact", 302, 0, "https://"+webHostname+"/contact", ua)
	}
}

const cliAgent = "aws-cli/2.17.20 md/awscrt#0.20.11 ua/2.0 os/linux#6.8.0-45-generic md/arch#x86_64 lang/python#3.11.9 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe md/distrib#ubuntu.24 md/prompt#off"
const consoleAgent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36"

func (g *gen) awsAPI(t time.Time) {
	if g.r.IntN(4) == 0 { // the CI pipeline deploying from build01
		calls := []struct{ src, name string }{
			{"ecr.amazonaws.com", "GetAuthorizationToken"}, {"ecs.amazonaws.com", "DescribeServices"}, {"ecs.amazonaws.com", "UpdateService"},
		}
		for i, c := range calls {
			g.cloudTrail(t.Add(time.Duration(i)*1500*time.Millisecond), apiCall{Role: "ci-deploy", Source: c.src, Name: c.name, SrcIP: natIP,
				Agent: "aws-sdk-go-v2/1.30.3 os/linux lang/go#1.22.5 md/GOOS#linux md/GOARCH#amd64 api/ecs#1.45.2", ReadOnly: i < 2,
				Params: func(o *obj) { o.str("cluster", "acme-prod") }})
		}
		return
	}
	u := g.w.awsUsers[g.r.IntN(len(g.w.awsUsers))]
	if g.r.IntN(12) == 0 {
		g.cloudTrail(t, apiCall{User: u, Source: "signin.amazonaws.com", Name: "ConsoleLogin", SrcIP: natIP, Agent: consoleAgent,
			EventType: "AwsConsoleSignIn", Response: func(o *obj) { o.str("ConsoleLogin", "Success") }})
		return
	}
	calls := []struct {
		src, name string
		params    func(o *obj)
	}{
		{"ec2.amazonaws.com", "DescribeInstances", func(o *obj) { o.begin("instancesSet"); o.end(); o.begin("filterSet"); o.end() }},
		{"s3.amazonaws.com", "ListBuckets", func(o *obj) { o.str("Host", "s3.eu-west-1.amazonaws.com") }},
		{"sts.amazonaws.com", "GetCallerIdentity", nil},
		{"cloudwatch.amazonaws.com", "GetMetricData", func(o *obj) { o.str("startTime", "Mar 1, 2026 9:00:00 AM") }},
		{"logs.amazonaws.com", "FilterLogEvents", func(o *obj) { o.str("logGroupName", "/ecs/acme-tracking") }},
		{"rds.amazonaws.com", "DescribeDBInstances", nil},
		{"iam.amazonaws.com", "ListRoles", nil},
		{"ec2.amazonaws.com", "DescribeSecurityGroups", nil},
	}
	n := 1 + g.r.IntN(3)
	for i := 0; i < n; i++ {
		c := calls[g.r.IntN(len(calls))]
		g.cloudTrail(t.Add(time.Duration(i)*time.Duration(400+g.r.IntN(3000))*time.Millisecond),
			apiCall{User: u, Source: c.src, Name: c.name, SrcIP: natIP, Agent: cliAgent, ReadOnly: true, Params: c.params})
	}
}
