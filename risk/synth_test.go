package risk

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// noiseRule is a benign-noise detection: a rule that fires on ordinary activity.
type noiseRule struct {
	name, title, severity string
	confidence            float64
	attack                []string
	weight                int    // relative frequency
	shape                 string // which entities its alerts carry: user-host, host, net, user, cloud
}

// noiseRules fire on ordinary activity at very different rates, like a real pack does: a few
// rules make most of the noise. Some share their names with the insider's alerts below.
var noiseRules = []noiseRule{
	{"failed_logon_burst", "Several failed logons for one user", "low", 0.4, []string{"T1110"}, 60, "user-host"},
	{"admin_tool_run", "Administrative tool run (psexec, wmic)", "low", 0.3, []string{"T1569.002", "T1047"}, 40, "user-host"},
	{"net_recon", "Account and group discovery with net.exe", "low", 0.4, []string{"T1087.001"}, 35, "user-host"},
	{"powershell_policy_bypass", "PowerShell with -ExecutionPolicy Bypass", "medium", 0.4, []string{"T1059.001"}, 30, "user-host"},
	{"off_hours_logon", "Logon outside the user's usual hours", "low", 0.4, []string{"T1078"}, 30, "user-host"},
	{"usb_storage", "USB mass storage device connected", "low", 0.3, []string{"T1052.001"}, 20, "user-host"},
	{"scheduled_task", "Scheduled task created", "low", 0.4, []string{"T1053.005"}, 25, "host"},
	{"service_installed", "New service installed", "medium", 0.4, []string{"T1543.003"}, 12, "host"},
	{"dns_long_query", "Long DNS query", "low", 0.3, []string{"T1071.004"}, 25, "net"},
	{"rare_user_agent", "Rare HTTP user agent", "low", 0.3, []string{"T1071.001"}, 20, "net"},
	{"port_scan_inbound", "Inbound port scan from the internet", "medium", 0.5, []string{"T1046"}, 18, "scan"},
	{"ssh_failed_burst", "SSH failed logons from one address", "medium", 0.5, []string{"T1110.001"}, 18, "scan"},
	{"cloud_upload", "Large upload to cloud storage", "medium", 0.4, []string{"T1567.002"}, 10, "net"},
	{"archive_created", "Archive created with 7-Zip or WinRAR", "low", 0.3, []string{"T1560.001"}, 10, "user-host"},
	{"file_access_spike", "Many files read from a share by one user", "medium", 0.4, []string{"T1039"}, 8, "user-host"},
	{"mfa_push_denied", "MFA push denied", "low", 0.4, []string{"T1621"}, 10, "user"},
	{"console_login_new_country", "Cloud console login from a new country", "medium", 0.4, []string{"T1078.004"}, 6, "cloud"},
	{"iam_policy_change", "IAM policy changed", "low", 0.3, []string{"T1098"}, 8, "cloud"},
	{"defender_pua", "Defender found a potentially unwanted application", "low", 0.5, []string{"T1204.002"}, 8, "user-host"},
	{"certutil_use", "certutil run with URL arguments", "medium", 0.4, []string{"T1105"}, 4, "user-host"},
	{"rdp_logon", "RDP logon to a server", "low", 0.3, []string{"T1021.001"}, 15, "user-host"},
	{"smb_admin_share", "Admin share accessed", "low", 0.3, []string{"T1021.002"}, 15, "user-host"},
	{"kerberos_rc4", "Kerberos ticket with RC4", "medium", 0.3, []string{"T1558.003"}, 6, "user"},
	{"proxy_blocked", "Proxy blocked a download", "low", 0.4, []string{"T1105"}, 20, "net"},
	{"sudo_use", "sudo to root", "low", 0.3, []string{"T1548.003"}, 15, "user-host"},
}

var synthStart = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)

// noiseAlerts makes n benign alerts over a week: 200 users and 120 hosts, each user on their
// own workstation and a few servers, each rule favouring a few pairs it fires on again and
// again (a backup job, a monitoring script), and a domain controller and a proxy that appear
// in a large share of all alerts.
func noiseAlerts(n int, seed uint64, firstID int64) []Alert {
	r := rand.New(rand.NewPCG(seed, 99))
	total := 0
	for _, nr := range noiseRules {
		total += nr.weight
	}
	pick := func() *noiseRule {
		x := r.IntN(total)
		for i := range noiseRules {
			if x < noiseRules[i].weight {
				return &noiseRules[i]
			}
			x -= noiseRules[i].weight
		}
		return &noiseRules[0]
	}
	user := func(i int) string { return fmt.Sprintf("user%03d", i) }
	ws := func(i int) string { return fmt.Sprintf("ws%03d", i) }
	wsIP := func(i int) string { return fmt.Sprintf("10.2.%d.%d", i/200, 10+i%200) }
	servers := []string{"dc01", "dc01", "dc01", "fs01", "app01", "app02", "sql02", "web02", "build01", "mon01"}
	// Favourite (user) per rule: 60% of a rule's alerts hit one of its five favourites.
	fav := map[string][]int{}
	for _, nr := range noiseRules {
		for k := 0; k < 5; k++ {
			fav[nr.name] = append(fav[nr.name], r.IntN(200))
		}
	}
	week := 7 * 24 * time.Hour
	out := make([]Alert, 0, n)
	for i := 0; i < n; i++ {
		nr := pick()
		u := r.IntN(200)
		if r.IntN(10) < 6 {
			u = fav[nr.name][r.IntN(5)]
		}
		t := synthStart.Add(time.Duration(r.Int64N(int64(week)))).Truncate(time.Second)
		a := Alert{ID: firstID + int64(i), Rule: nr.name, Title: nr.title, Severity: nr.severity, Confidence: nr.confidence,
			Attack: nr.attack, First: t, Last: t.Add(time.Duration(r.IntN(600)) * time.Second), Events: 1 + r.IntN(20),
			Entities: map[string][]string{}}
		switch nr.shape {
		case "user-host":
			a.Entities["user"] = []string{user(u)}
			if r.IntN(4) == 0 {
				a.Entities["host"] = []string{servers[r.IntN(len(servers))]}
			} else {
				a.Entities["host"] = []string{ws(u % 120)}
			}
		case "host":
			if r.IntN(3) == 0 {
				a.Entities["host"] = []string{servers[r.IntN(len(servers))]}
			} else {
				a.Entities["host"] = []string{ws(u % 120)}
			}
		case "net":
			a.Entities["src_ip"] = []string{wsIP(u % 120)}
			a.Entities["dst_ip"] = []string{"10.0.0.5"} // the proxy
			a.Entities["domain"] = []string{fmt.Sprintf("site%02d.example.com", r.IntN(40))}
		case "scan":
			a.Entities["src_ip"] = []string{fmt.Sprintf("198.18.%d.%d", r.IntN(4), r.IntN(250))}
			a.Entities["host"] = []string{[]string{"web02", "vpn02", "mail01"}[r.IntN(3)]}
		case "user":
			a.Entities["user"] = []string{user(u)}
			a.Entities["host"] = []string{"dc01"}
		case "cloud":
			a.Entities["user"] = []string{user(u)}
			a.Entities["src_ip"] = []string{fmt.Sprintf("192.0.2.%d", r.IntN(250))}
		}
		out = append(out, a)
	}
	return out
}

func at(day, hour, minute int) time.Time {
	return synthStart.Add(time.Duration(day)*24*time.Hour + time.Duration(hour)*time.Hour + time.Duration(minute)*time.Minute)
}

// intrusionAlerts is one planted multi-stage intrusion over a day and a half, across network,
// Linux and Windows alerts: an exploit against web01 from 203.0.113.45 (initial access), a web
// shell spawning a shell and reading /etc/shadow (execution, credential access), an SMB logon
// from web01's address to fs01 with the admin account it found (lateral movement), LSASS
// dumped on fs01 (credential access), and a large upload from fs01 to a known-bad address
// (exfiltration). Each stage shares an entity with the one before.
func intrusionAlerts(firstID int64) []Alert {
	mk := func(id int64, rule, title, sev string, conf float64, attack []string, t time.Time, ents map[string][]string) Alert {
		return Alert{ID: id, Rule: rule, Title: title, Severity: sev, Confidence: conf, Attack: attack, First: t, Last: t.Add(2 * time.Minute), Entities: ents, Events: 3}
	}
	return []Alert{
		mk(firstID, "exploit_public_app", "Exploit attempt against a public web application", "high", 0.7, []string{"T1190"}, at(2, 9, 12),
			map[string][]string{"src_ip": {"203.0.113.45"}, "dst_ip": {"10.1.0.5"}, "host": {"web01"}}),
		mk(firstID+1, "web_server_spawns_shell", "Web server process started a shell", "high", 0.8, []string{"T1505.003", "T1059.004"}, at(2, 9, 20),
			map[string][]string{"host": {"web01"}, "user": {"www-data"}, "process": {"sh"}}),
		mk(firstID+2, "shadow_file_read", "Password hashes read from /etc/shadow", "medium", 0.6, []string{"T1003.008"}, at(2, 9, 31),
			map[string][]string{"host": {"web01"}, "user": {"www-data"}}),
		mk(firstID+3, "smb_logon_from_server", "SMB network logon from a web server", "high", 0.6, []string{"T1021.002"}, at(2, 14, 2),
			map[string][]string{"src_ip": {"10.1.0.5"}, "host": {"fs01"}, "user": {"adm.jdoe"}}),
		mk(firstID+4, "lsass_memory_access", "A process opened LSASS memory", "critical", 0.8, []string{"T1003.001"}, at(2, 14, 40),
			map[string][]string{"host": {"fs01"}, "user": {"adm.jdoe"}, "process": {"rundll32.exe"}}),
		mk(firstID+5, "large_outbound_transfer", "Large upload from an internal host to one external address", "medium", 0.5, []string{"T1048"}, at(3, 2, 15),
			map[string][]string{"src_ip": {"10.1.2.20"}, "host": {"fs01"}, "dst_ip": {"198.51.100.7"}}),
	}
}

// insiderAlerts is the insider pattern: user vera (marked leaving) on her workstation ws222
// reads many files from the Contracts share, plugs in a USB drive, works off-hours, archives
// and uploads to cloud storage. Each alert alone is low or medium and its rule also fires on
// ordinary noise.
func insiderAlerts(firstID int64) []Alert {
	mk := func(id int64, rule, title, sev string, conf float64, attack []string, t time.Time, ents map[string][]string) Alert {
		return Alert{ID: id, Rule: rule, Title: title, Severity: sev, Confidence: conf, Attack: attack, First: t, Last: t.Add(20 * time.Minute), Entities: ents, Events: 40}
	}
	vera := map[string][]string{"user": {"vera"}, "host": {"ws222"}}
	return []Alert{
		mk(firstID, "file_access_spike", "Many files read from a share by one user", "medium", 0.4, []string{"T1039"}, at(4, 21, 5),
			map[string][]string{"user": {"vera"}, "host": {"fs02"}}),
		mk(firstID+1, "off_hours_logon", "Logon outside the user's usual hours", "low", 0.4, []string{"T1078"}, at(4, 21, 0), vera),
		mk(firstID+2, "usb_storage", "USB mass storage device connected", "low", 0.3, []string{"T1052.001"}, at(4, 22, 10), vera),
		mk(firstID+3, "archive_created", "Archive created with 7-Zip or WinRAR", "low", 0.3, []string{"T1560.001"}, at(4, 22, 30), vera),
		mk(firstID+4, "cloud_upload", "Large upload to cloud storage", "medium", 0.4, []string{"T1567.002"}, at(4, 23, 5),
			map[string][]string{"src_ip": {"10.1.3.22"}, "dst_ip": {"162.125.6.20"}, "domain": {"content.dropboxapi.com"}, "user": {"vera"}}),
	}
}

// scenarioContext is the inventory and intel of the planted stories.
func scenarioContext(intrusionFirst int64) Context {
	return Context{
		Assets: map[string]Asset{
			"host:web01":   {Key: "web01", Criticality: 4, InternetFacing: true, Vulnerabilities: 1},
			"ip:10.1.0.5":  {Key: "web01", Criticality: 4, InternetFacing: true, Vulnerabilities: 1},
			"host:fs01":    {Key: "fs01", Criticality: 5},
			"ip:10.1.2.20": {Key: "fs01", Criticality: 5},
			"host:fs02":    {Key: "fs02", Criticality: 4},
			"host:dc01":    {Key: "dc01", Criticality: 5},
			"host:ws222":   {Key: "ws222", Criticality: 2, Owner: "vera"},
			"ip:10.1.3.22": {Key: "ws222", Criticality: 2, Owner: "vera"},
		},
		Identities: map[string]Identity{
			"adm.jdoe": {Key: "adm.jdoe", Privileged: true},
			"vera":     {Key: "vera", Status: "leaving", LeaveDate: time.Date(2026, 3, 13, 0, 0, 0, 0, time.UTC)},
			"user017":  {Key: "user017", Privileged: true},
			"user042":  {Key: "user042", NoMFA: true},
		},
		Intel: map[int64][]IntelMatch{
			intrusionFirst + 5: {{Value: "198.51.100.7", Indicator: "198.51.100.0/24", Source: "abuse-feed", Confidence: 80}},
		},
	}
}
