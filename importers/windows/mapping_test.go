package windows

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"trawl/event"
	"trawl/importers"
)

func TestTablesNameRealColumns(t *testing.T) {
	for k, s := range specs {
		if err := s.table.Validate(); err != nil {
			t.Errorf("%v: %v", k, err)
		}
		if s.Category == "" || s.Action == "" {
			t.Errorf("%v: category and action must be set", k)
		}
	}
}

func TestNormalize(t *testing.T) {
	t.Parallel()
	when := time.Date(2021, 4, 21, 13, 30, 0, 123000000, time.UTC)
	sec := func(id int, d map[string]any) Record {
		return Record{Channel: "Security", Provider: "Microsoft-Windows-Security-Auditing", EventID: id, Computer: "DC01.corp.local", TimeCreated: when, Keywords: "0x8020000000000000", Data: d}
	}
	sysmon := func(id int, d map[string]any) Record {
		return Record{Channel: "Microsoft-Windows-Sysmon/Operational", EventID: id, Computer: "WS01", TimeCreated: when, Level: 4, Data: d}
	}
	base := func(code, dataset, host string) event.Event {
		return event.Event{Time: when, EventCode: code, Dataset: dataset, Host: host}
	}
	tests := []struct {
		name string
		rec  Record
		want func(e *event.Event)
	}{
		{"4624 network logon puts the target in user", sec(4624, map[string]any{
			"SubjectUserName": "DC01$", "SubjectDomainName": "CORP", "TargetUserName": "alice", "TargetDomainName": "CORP",
			"TargetLogonId": "0x3e7", "LogonType": "3", "AuthenticationPackageName": "NTLM", "IpAddress": "::ffff:10.0.0.5", "IpPort": "49152",
			"ProcessName": "-", "ProcessId": "0x0"}),
			func(e *event.Event) {
				*e = base("4624", "Security", "DC01.corp.local")
				e.Category, e.Action, e.Outcome = "logon", "logon", "success"
				e.User, e.UserDomain, e.SessionID, e.LogonType, e.AuthPackage = "alice", "CORP", "0x3e7", "3", "NTLM"
				e.SrcIP, e.SrcPort, e.PID = "10.0.0.5", event.IntOf(49152), event.IntOf(0)
			}},
		{"4625 failure with loopback ::1 kept", sec(4625, map[string]any{
			"TargetUserName": "admin", "TargetDomainName": "-", "Status": "0xc000006d", "SubStatus": "0xc0000064", "LogonType": "10", "IpAddress": "::1", "IpPort": "-"}),
			func(e *event.Event) {
				*e = base("4625", "Security", "DC01.corp.local")
				e.Category, e.Action, e.Outcome = "logon", "logon", "failure"
				e.User, e.LogonType, e.SrcIP = "admin", "10", "::1"
			}},
		{"4771 zero status is a success", sec(4771, map[string]any{"TargetUserName": "bob", "Status": "0x0", "IpAddress": "::ffff:10.23.123.11", "IpPort": "50000"}),
			func(e *event.Event) {
				*e = base("4771", "Security", "DC01.corp.local")
				e.Category, e.Action, e.Outcome = "auth", "kerberos-preauth", "success"
				e.User, e.SrcIP, e.SrcPort = "bob", "10.23.123.11", event.IntOf(50000)
			}},
		{"4776 non-zero status", sec(4776, map[string]any{"TargetUserName": "NOUSER", "Workstation": "FS01", "Status": "0xc0000064", "PackageName": "MICROSOFT_AUTHENTICATION_PACKAGE_V1_0"}),
			func(e *event.Event) {
				*e = base("4776", "Security", "DC01.corp.local")
				e.Category, e.Action, e.Outcome = "auth", "credential-validation", "failure"
				e.User, e.AuthPackage = "NOUSER", "MICROSOFT_AUTHENTICATION_PACKAGE_V1_0"
			}},
		{"4769 service account is the target", sec(4769, map[string]any{"TargetUserName": "admmig@OFFSEC.LAN", "TargetDomainName": "OFFSEC.LAN",
			"ServiceName": "Svc-SQL-DB01", "TicketEncryptionType": "0x17", "IpAddress": "::ffff:10.23.23.9", "IpPort": "55180", "Status": "0x0"}),
			func(e *event.Event) {
				*e = base("4769", "Security", "DC01.corp.local")
				e.Category, e.Action, e.Outcome = "auth", "kerberos-service-ticket-request", "success"
				e.User, e.UserDomain, e.TargetUser, e.SrcIP, e.SrcPort = "admmig@OFFSEC.LAN", "OFFSEC.LAN", "Svc-SQL-DB01", "10.23.23.9", event.IntOf(55180)
			}},
		{"4663 on a file fills file_path", sec(4663, map[string]any{"SubjectUserName": "bob", "ObjectType": "File", "ObjectName": `C:\secret.txt`,
			"ProcessName": `C:\Windows\explorer.exe`, "ProcessId": "0x4d0"}),
			func(e *event.Event) {
				*e = base("4663", "Security", "DC01.corp.local")
				e.Category, e.Action, e.Outcome, e.User, e.FilePath = "file", "object-access", "success", "bob", `C:\secret.txt`
				e.ProcessPath, e.ProcessName, e.PID = `C:\Windows\explorer.exe`, "explorer.exe", event.IntOf(0x4d0)
			}},
		{"5156 protocol number named", sec(5156, map[string]any{"Application": `\device\harddiskvolume2\windows\system32\svchost.exe`, "ProcessID": "4584",
			"SourceAddress": "192.168.2.5", "SourcePort": "61628", "DestAddress": "239.255.255.250", "DestPort": "1900", "Protocol": "17"}),
			func(e *event.Event) {
				*e = base("5156", "Security", "DC01.corp.local")
				e.Category, e.Action, e.Outcome, e.Protocol = "network", "connection", "success", "udp"
				e.ProcessPath, e.ProcessName, e.PID = `\device\harddiskvolume2\windows\system32\svchost.exe`, "svchost.exe", event.IntOf(4584)
				e.SrcIP, e.SrcPort, e.DstIP, e.DstPort = "192.168.2.5", event.IntOf(61628), "239.255.255.250", event.IntOf(1900)
			}},
		{"5145 joins share and relative name", sec(5145, map[string]any{"SubjectUserName": "wardog", "ShareName": `\\*\IPC$`, "RelativeTargetName": "PSEXESVC", "IpAddress": "fe80::1%12"}),
			func(e *event.Event) {
				*e = base("5145", "Security", "DC01.corp.local")
				e.Category, e.Action, e.Outcome, e.User = "file", "share-object-access", "success", "wardog"
				e.FilePath, e.SrcIP = `\\*\IPC$\PSEXESVC`, "fe80::1"
			}},
		{"4688 falls back to the subject when the target is -", sec(4688, map[string]any{
			"SubjectUserName": "admmig", "SubjectDomainName": "OFFSEC", "SubjectLogonId": "0x1a2b", "TargetUserName": "-", "TargetDomainName": "-",
			"NewProcessName": `C:\Windows\System32\schtasks.exe`, "NewProcessId": "0x1c58", "CommandLine": `schtasks /create /tn x`,
			"ParentProcessName": `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`, "ProcessId": "0x8f0"}),
			func(e *event.Event) {
				*e = base("4688", "Security", "DC01.corp.local")
				e.Category, e.Action, e.Outcome = "process", "process-start", "success"
				e.User, e.UserDomain, e.SessionID = "admmig", "OFFSEC", "0x1a2b"
				e.ProcessPath, e.ProcessName, e.PID = `C:\Windows\System32\schtasks.exe`, "schtasks.exe", event.IntOf(0x1c58)
				e.CommandLine, e.ParentPath, e.ParentName, e.PPID = `schtasks /create /tn x`, `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`, "powershell.exe", event.IntOf(0x8f0)
			}},
		{"4732 member is the target, the group stays in fields", sec(4732, map[string]any{
			"SubjectUserName": "admmig", "SubjectDomainName": "OFFSEC", "TargetUserName": "Administrators", "MemberName": "-", "MemberSid": "S-1-5-21-1-2-3-1001"}),
			func(e *event.Event) {
				*e = base("4732", "Security", "DC01.corp.local")
				e.Category, e.Action, e.Outcome = "iam", "group-member-add", "success"
				e.User, e.UserDomain, e.TargetUser = "admmig", "OFFSEC", "S-1-5-21-1-2-3-1001"
			}},
		{"4698 task command from its XML", sec(4698, map[string]any{"SubjectUserName": "a", "TaskName": `\eviltask`,
			"TaskContent": `<?xml version="1.0" encoding="UTF-16"?><Task><Actions Context="Author"><Exec><Command>C:\tools\shell.cmd</Command><Arguments>-x &amp; y</Arguments></Exec></Actions></Task>`}),
			func(e *event.Event) {
				*e = base("4698", "Security", "DC01.corp.local")
				e.Category, e.Action, e.Outcome = "scheduled-task", "task-create", "success"
				e.User, e.ProcessPath, e.ProcessName, e.CommandLine = "a", `C:\tools\shell.cmd`, "shell.cmd", `C:\tools\shell.cmd -x & y`
			}},
		{"7045 service image from the command line", Record{Channel: "System", EventID: 7045, Computer: "WIN7", TimeCreated: when, Level: 4,
			Data: map[string]any{"ServiceName": "hgabms", "ImagePath": `cmd.exe /c echo hgabms > \\.\pipe\hgabms`, "AccountName": "LocalSystem"}},
			func(e *event.Event) {
				*e = base("7045", "System", "WIN7")
				e.Category, e.Action, e.Severity = "service", "service-install", event.IntOf(0)
				e.CommandLine, e.ProcessPath, e.ProcessName = `cmd.exe /c echo hgabms > \\.\pipe\hgabms`, "cmd.exe", "cmd.exe"
			}},
		{"sysmon 1 with hashes and DOMAIN\\user", sysmon(1, map[string]any{
			"RuleName": "-", "Image": `C:\Windows\System32\cmd.exe`, "ProcessId": "3388", "CommandLine": "cmd /c whoami", "User": `IEWIN7\IEUser`,
			"LogonId": "0xf347", "Hashes": "SHA1=8B516E7BE14172E49085C4234C9A53C6EB490A45,MD5=3E9F31B4E2CD423C015D34D63047685E,SHA256=35BA7624F586086F32A01459FCC0AB755B01B49D571618AF456AA49E593734C7,IMPHASH=2477F6A819520981112AD254E2BD87D8",
			"ParentImage": `C:\Windows\explorer.exe`, "ParentProcessId": "2236", "ParentCommandLine": "explorer.exe"}),
			func(e *event.Event) {
				*e = base("1", "Microsoft-Windows-Sysmon/Operational", "WS01")
				e.Category, e.Action, e.Severity = "process", "process-start", event.IntOf(0)
				e.User, e.UserDomain, e.SessionID = "IEUser", "IEWIN7", "0xf347"
				e.ProcessPath, e.ProcessName, e.PID, e.CommandLine = `C:\Windows\System32\cmd.exe`, "cmd.exe", event.IntOf(3388), "cmd /c whoami"
				e.ParentPath, e.ParentName, e.PPID, e.ParentCommandLine = `C:\Windows\explorer.exe`, "explorer.exe", event.IntOf(2236), "explorer.exe"
				e.Hash = "35ba7624f586086f32a01459fcc0ab755b01b49d571618af456aa49e593734c7"
			}},
		{"sysmon 3 connection", sysmon(3, map[string]any{"Image": `C:\w3wp.exe`, "ProcessId": 10, "Protocol": "tcp", "SourceIp": "::ffff:127.0.0.1",
			"SourcePort": "50000", "DestinationIp": "127.0.0.1", "DestinationPort": "3389", "DestinationHostname": "WS01.corp.local."}),
			func(e *event.Event) {
				*e = base("3", "Microsoft-Windows-Sysmon/Operational", "WS01")
				e.Category, e.Action, e.Severity = "network", "connection", event.IntOf(0)
				e.ProcessPath, e.ProcessName, e.PID, e.Protocol = `C:\w3wp.exe`, "w3wp.exe", event.IntOf(10), "tcp"
				e.SrcIP, e.SrcPort, e.DstIP, e.DstPort, e.Domain = "127.0.0.1", event.IntOf(50000), "127.0.0.1", event.IntOf(3389), "ws01.corp.local"
			}},
		{"sysmon 13 registry set", sysmon(13, map[string]any{"EventType": "SetValue", "Image": `C:\x.exe`, "TargetObject": `HKU\S-1\Run\x`}),
			func(e *event.Event) {
				*e = base("13", "Microsoft-Windows-Sysmon/Operational", "WS01")
				e.Category, e.Action, e.Severity = "registry", "registry-value-set", event.IntOf(0)
				e.ProcessPath, e.ProcessName, e.Registry = `C:\x.exe`, "x.exe", `HKU\S-1\Run\x`
			}},
		{"sysmon 22 failed query", sysmon(22, map[string]any{"QueryName": "Evil.Example.", "QueryStatus": "9003", "Image": `C:\p.exe`}),
			func(e *event.Event) {
				*e = base("22", "Microsoft-Windows-Sysmon/Operational", "WS01")
				e.Category, e.Action, e.Outcome, e.Severity = "dns", "dns-query", "failure", event.IntOf(0)
				e.ProcessPath, e.ProcessName, e.Domain = `C:\p.exe`, "p.exe", "evil.example"
			}},
		{"powershell 4103 context", Record{Channel: "Microsoft-Windows-PowerShell/Operational", EventID: 4103, TimeCreated: when, Data: map[string]any{
			"ContextInfo": "        Severity = Informational\r\n        Host Application = powershell.exe -nop -enc SQBFAFgA\r\n        User = CORP\\bob\r\n        Script Name = \r\n"}},
			func(e *event.Event) {
				*e = base("4103", "Microsoft-Windows-PowerShell/Operational", "")
				e.Category, e.Action = "script", "module-execute"
				e.CommandLine, e.ProcessPath, e.ProcessName, e.User, e.UserDomain = "powershell.exe -nop -enc SQBFAFgA", "powershell.exe", "powershell.exe", "bob", "CORP"
			}},
		{"classic powershell 400 from python-evtx strings", Record{Channel: "Windows PowerShell", EventID: 400, TimeCreated: when, Data: map[string]any{
			"Data": "<string>Available</string>\n<string>None</string>\n<string>\tNewEngineState=Available\n\tHostApplication=powershell -ep bypass -c iex\n\tUserId=CORP\\eve\n</string>\n"}},
			func(e *event.Event) {
				*e = base("400", "Windows PowerShell", "")
				e.Category, e.Action = "script", "engine-start"
				e.CommandLine, e.ProcessPath, e.ProcessName, e.User, e.UserDomain = "powershell -ep bypass -c iex", "powershell", "powershell", "eve", "CORP"
			}},
		{"defender 1117 failed action", Record{Channel: "Microsoft-Windows-Windows Defender/Operational", EventID: 1117, TimeCreated: when, Level: 4, Data: map[string]any{
			"Threat Name": "Trojan:PowerShell/Powersploit.M", "Severity ID": "5", "Error Code": "0x80508023", "Detection User": `MSEDGEWIN10\IEUser`,
			"Process Name": `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`, "Path": `file:_C:\AtomicRedTeam\Get-Keystrokes.ps1`}},
			func(e *event.Event) {
				*e = base("1117", "Microsoft-Windows-Windows Defender/Operational", "")
				e.Category, e.Action, e.Outcome, e.Severity = "alert", "malware-action", "failure", event.IntOf(4)
				e.RuleName, e.User, e.UserDomain = "Trojan:PowerShell/Powersploit.M", "IEUser", "MSEDGEWIN10"
				e.ProcessPath, e.ProcessName, e.FilePath = `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`, "powershell.exe", `C:\AtomicRedTeam\Get-Keystrokes.ps1`
			}},
		{"unknown event keeps host, code, channel and subject", Record{Channel: "security", EventID: 4907, Computer: "WS02", TimeCreated: when,
			Keywords: "-9214364837600034816", Data: map[string]any{"SubjectUserName": "WS02$", "SubjectDomainName": "CORP", "ObjectName": "x"}},
			func(e *event.Event) {
				*e = base("4907", "Security", "WS02")
				e.Outcome, e.User, e.UserDomain = "success", "WS02$", "CORP"
			}},
		{"Sysmon for Linux keeps its channel name and uses the Sysmon table", Record{Channel: "Linux-Sysmon/Operational", EventID: 1, Computer: "UBUNTU5",
			Data: map[string]any{"Image": "/bin/bash", "CommandLine": "bash -c id", "User": "tomcat", "ParentImage": "/usr/bin/java"}},
			func(e *event.Event) {
				*e = event.Event{EventCode: "1", Dataset: "Linux-Sysmon/Operational", Host: "UBUNTU5", Category: "process", Action: "process-start"}
				e.ProcessPath, e.ProcessName, e.CommandLine, e.User, e.ParentPath, e.ParentName = "/bin/bash", "bash", "bash -c id", "tomcat", "/usr/bin/java", "java"
			}},
		{"channel guessed from the provider", Record{Provider: "Microsoft-Windows-Sysmon", EventID: 5, Data: map[string]any{"Image": `C:\a.exe`}},
			func(e *event.Event) {
				*e = event.Event{EventCode: "5", Dataset: "Microsoft-Windows-Sysmon/Operational", Category: "process", Action: "process-end"}
				e.ProcessPath, e.ProcessName = `C:\a.exe`, "a.exe"
			}},
		{"unknown channel guessed from nothing", Record{Provider: "SomeApp", EventID: 1, Data: map[string]any{"TargetUserName": "carol"}},
			func(e *event.Event) {
				*e = event.Event{EventCode: "1", User: "carol"}
			}},
		{"log cleared without UserData: the subject from the message", Record{Channel: "Security", EventID: 1102, Computer: "WS5", TimeCreated: when,
			Message: "The audit log was cleared.\r\nSubject:\r\n\tSecurity ID:\tS-1-5-21-1\r\n\tAccount Name:\twardog\r\n\tDomain Name:\tWORKSTATION5\r\n\tLogon ID:\t0xC61D9"},
			func(e *event.Event) {
				*e = base("1102", "Security", "WS5")
				e.Message = "The audit log was cleared.\r\nSubject:\r\n\tSecurity ID:\tS-1-5-21-1\r\n\tAccount Name:\twardog\r\n\tDomain Name:\tWORKSTATION5\r\n\tLogon ID:\t0xC61D9"
				e.Category, e.Action, e.Outcome, e.User, e.UserDomain = "audit", "log-clear", "success", "wardog", "WORKSTATION5"
			}},
		{"log cleared from UserData", Record{Channel: "System", EventID: 104, Computer: "H", TimeCreated: when, Data: map[string]any{"SubjectUserName": "jwrig", "SubjectDomainName": "DESKTOP", "Channel": "System", "BackupPath": nil}},
			func(e *event.Event) {
				*e = base("104", "System", "H")
				e.Category, e.Action, e.Outcome, e.User, e.UserDomain = "audit", "log-clear", "success", "jwrig", "DESKTOP"
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var got event.Event
			if err := Normalize(&tc.rec, &got); err != nil {
				t.Fatal(err)
			}
			if got.Fields == nil {
				t.Error("Fields not filled")
			}
			var want event.Event
			tc.want(&want)
			if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(event.Event{}, "Fields")); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

func TestNormalizeBadValueNamesField(t *testing.T) {
	rec := Record{Channel: "Security", EventID: 4624, Data: map[string]any{"TargetUserName": "a", "IpAddress": "not-an-ip"}}
	var ev event.Event
	err := Normalize(&rec, &ev)
	var fe *importers.FieldError
	if !errors.As(err, &fe) || fe.Field != "IpAddress" {
		t.Fatalf("want a FieldError on IpAddress, got %v", err)
	}
}

func TestStrongestHash(t *testing.T) {
	for in, want := range map[string]string{
		"SHA1=AA,MD5=BB,SHA256=CC,IMPHASH=DD": "cc",
		"MD5=BB,SHA1=AA":                      "aa",
		"IMPHASH=DD":                          "",
		"ABCDEF":                              "abcdef",
		"SHA256=zz":                           "",
		"":                                    "",
		"sha1=AA,SHA1=BB,md5=CC":              "bb",
		"SHA256=zz,MD5=Ab":                    "ab",
	} {
		if got := strongestHash(in); got != want {
			t.Errorf("strongestHash(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestKeywordOutcome(t *testing.T) {
	for in, want := range map[string]string{
		"0x8020000000000000":   "success",
		"0x8010000000000000":   "failure",
		"-9214364837600034816": "success",
		"Audit Failure":        "failure",
		"0x8000000000000000":   "",
		"junk":                 "",
	} {
		if got := keywordOutcome(in); got != want {
			t.Errorf("keywordOutcome(%q) = %q, want %q", in, got, want)
		}
	}
}
