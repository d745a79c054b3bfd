package winjson

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"trawl/importers"
	"trawl/importers/importertest"
	"trawl/internal/testutil"
)

// samples are the real exports under the shared samples directory with a golden file each:
// python-evtx JSON of Security, Sysmon, System, PowerShell, Defender and Application logs,
// and every Mordor Windows dataset (flattened winlogbeat and NXLog).
var samples = []struct{ name, rel string }{
	{"security_openssh_bruteforce", "evtx-jsonl/evtx-to-mitre/TA0006-Credential Access/T1110.xxx-Brut force/ID4625-OpenSSH brutforce with non existing users.evtx.jsonl"},
	{"security_kerberos_spray", "evtx-jsonl/evtx-attack/Credential Access/kerberos_pwd_spray_4771.evtx.jsonl"},
	{"security_kerberoast", "evtx-jsonl/evtx-to-mitre/TA0006-Credential Access/T1558-Steal or Forge Kerberos Tickets/ID4769-Kerberoast ticket with low encryption.evtx.jsonl"},
	{"security_schtask_4698", "evtx-jsonl/evtx-to-mitre/TA0002-Execution/T1053.005-Scheduled Task/ID4688-4698 Persistent scheduled task with SYSTEM privileges creation.evtx.jsonl"},
	{"security_dcsync_4662", "evtx-jsonl/evtx-attack/Credential Access/CA_DCSync_4662.evtx.jsonl"},
	{"security_new_user", "evtx-jsonl/deepblue/new-user-security.evtx.jsonl"},
	{"security_atsvc_shares", "evtx-jsonl/evtx-attack/Lateral Movement/LM_ScheduledTask_ATSVC_target_host.evtx.jsonl"},
	{"security_lsass_4663", "evtx-jsonl/evtx-attack/Credential Access/CA_hashdump_4663_4656_lsass_access.evtx.jsonl"},
	{"sysmon_rundll32_1_11", "evtx-jsonl/evtx-attack/Execution/exec_sysmon_1_11_lolbin_rundll32_openurl_FileProtocolHandler.evtx.jsonl"},
	{"sysmon_tunna_3", "evtx-jsonl/evtx-attack/Command and Control/tunna_iis_rdp_smb_tunneling_sysmon_3.evtx.jsonl"},
	{"sysmon_uac_12_13", "evtx-jsonl/evtx-attack/Defense Evasion/DE_UAC_Disabled_Sysmon_12_13.evtx.jsonl"},
	{"sysmon_migrate_8", "evtx-jsonl/evtx-attack/Defense Evasion/meterpreter_migrate_to_explorer_sysmon_8.evtx.jsonl"},
	{"sysmon_lsass_10", "evtx-jsonl/evtx-attack/Credential Access/sysmon_10_lsass_mimikatz_sekurlsa_logonpasswords.evtx.jsonl"},
	{"sysmon_sideload_7", "evtx-jsonl/evtx-attack/Defense Evasion/sideloading_wwlib_sysmon_7_1_11.evtx.jsonl"},
	{"system_psexec_7045", "evtx-jsonl/deepblue/metasploit-psexec-native-target-system.evtx.jsonl"},
	{"system_eventlog_stop", "evtx-jsonl/deepblue/disablestop-eventlog.evtx.jsonl"},
	{"powershell_obfuscation_4104", "evtx-jsonl/deepblue/Powershell-Invoke-Obfuscation-string-menu.evtx.jsonl"},
	{"powershell_minidump", "evtx-jsonl/evtx-attack/Credential Access/Powershell_4104_MiniDumpWriteDump_Lsass.evtx.jsonl"},
	{"defender_1116_1117", "evtx-jsonl/evtx-attack/AutomatedTestingTools/WinDefender_Events_1117_1116_AtomicRedTeam.evtx.jsonl"},
	{"application_mssql_18456", "evtx-jsonl/evtx-attack/Credential Access/MSSQL_multiple_failed_logon_EventID_18456.evtx.jsonl"},
	{"mordor_psexec_lsa_secrets", "mordor/windows/credential_access/cmd_psexec_lsa_secrets_dump_2020-10-1903305471.json"},
	{"mordor_sam_copy_esentutl", "mordor/windows/credential_access/cmd_sam_copy_esentutl_2020-10-1900290001.json"},
	{"mordor_lsass_comsvcs", "mordor/windows/credential_access/psh_lsass_memory_dump_comsvcs_2020-10-18T19500924.json"},
	{"mordor_bitsadmin", "mordor/windows/defense_evasion/cmd_bitsadmin_download_psh_script_2020-10-2302365189.json"},
	{"mordor_mavinject", "mordor/windows/defense_evasion/psh_mavinject_dll_notepad_2020-10-2121410529.json"},
	{"mordor_zerologon_nxlog", "mordor/windows/lateral_movement/mimikatz_CVE-2020-1472_Unauthenticated_NetrServerAuthenticate2_2020-09-16233923.json"},
	{"mordor_userinit_logon_script", "mordor/windows/persistence/cmd_userinitmprlogonscript_batch_2020-10-1922471810.json"},
	{"mordor_service_mod_fax", "mordor/windows/privilege_escalation/cmd_service_mod_fax_2020-10-2120454410.json"},
	{"mordor_log4shell_linux_sysmon_xml", "mordor/compound/Log4Shell/syslog_sysmon_log4shell_cve2021_44228_jndi_reference_2022-05-11181020.json"},
}

// lines returns the non-blank lines of a file.
func lines(t *testing.T, path string) [][]byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out [][]byte
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, importers.MaxLine)
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) > 0 {
			out = append(out, append([]byte(nil), sc.Bytes()...))
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// columnsOnly drops raw, fields and message from golden JSON lines: the sample goldens check the
// mapping, while TestSamples checks raw and fields against the input itself.
func columnsOnly(t *testing.T, b []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	for _, line := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(line, &m); err != nil {
			t.Fatal(err)
		}
		delete(m, "raw")
		delete(m, "fields")
		delete(m, "message")
		if err := enc.Encode(m); err != nil {
			t.Fatal(err)
		}
	}
	return out.Bytes()
}

func TestSamples(t *testing.T) {
	for _, s := range samples {
		t.Run(s.name, func(t *testing.T) {
			path := testutil.Sample(t, s.rel)
			head, _ := os.ReadFile(path)
			if len(head) > importers.SniffSize {
				head = head[:importers.SniffSize]
			}
			if got := (Format{}).Sniff(head); got < 80 {
				t.Errorf("Sniff = %d, want at least 80", got)
			}
			res := importertest.ReadFile(t, Format{}, path)
			if res.Err != nil {
				t.Fatal(res.Err)
			}
			in := lines(t, path)
			if n := len(res.Events) + len(res.Rejects); n != len(in) {
				t.Errorf("%d events + %d rejects, want %d lines", len(res.Events), len(res.Rejects), len(in))
			}
			if len(res.Rejects) > 0 {
				t.Errorf("real export rejected: %v", res.Rejects[0])
			}
			for i, ev := range res.Events {
				line := res.Records[i].Line
				if ev.Raw != string(in[line-1]) {
					t.Fatalf("event %d: Raw is not line %d", i, line)
				}
				if ev.Fields != nil || ev.FieldsJSON != strings.TrimSpace(ev.Raw) || ev.EventCode == "" || ev.Dataset == "" || ev.SourceType != "winjson" {
					t.Fatalf("event %d: Fields set, FieldsJSON not the line, or missing event code, dataset or source type: %+v", i, ev)
				}
				if ev.Time.IsZero() {
					t.Errorf("event %d (line %d): no time", i, line)
				}
			}
			testutil.Golden(t, filepath.Join("testdata", "golden", s.name+".golden.jsonl"), columnsOnly(t, importertest.JSONL(res)))
		})
	}
}

// handWritten are the test inputs written for the shapes without a public sample.
var handWritten = []string{"winlogbeat", "nxlog", "evtxdump", "evtxecmd", "velociraptor"}

// TestHandWritten covers the shapes without a public sample: winlogbeat, NXLog and evtx_dump.
// Their goldens keep raw and fields.
func TestHandWritten(t *testing.T) {
	for _, name := range handWritten {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join("testdata", name+".jsonl")
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if got := (Format{}).Sniff(data); got < 80 {
				t.Errorf("Sniff = %d, want at least 80", got)
			}
			res := importertest.ReadBytes(t, Format{}, path, data)
			if res.Err != nil {
				t.Fatal(res.Err)
			}
			if n := len(lines(t, path)); len(res.Events) != n || len(res.Rejects) != 0 {
				t.Errorf("%d events and %d rejects (%v), want %d events", len(res.Events), len(res.Rejects), res.Rejects, n)
			}
			importertest.DecodeFieldsJSON(t, &res, strings.TrimSpace)
			testutil.Golden(t, filepath.Join("testdata", "golden", name+".golden.jsonl"), importertest.JSONL(res))
		})
	}
}

// TestParseLineMatchesRead checks the LineParser contract: parsing each line on its own gives
// what Read gives, and FieldsJSON is the object's own text.
func TestParseLineMatchesRead(t *testing.T) {
	var in bytes.Buffer
	for _, name := range handWritten {
		b, err := os.ReadFile(filepath.Join("testdata", name+".jsonl"))
		if err != nil {
			t.Fatal(err)
		}
		in.Write(b)
	}
	for _, tc := range hostile {
		in.WriteString(tc.in + "\n")
	}
	want := importertest.ReadBytes(t, Format{}, "all.json", in.Bytes())
	var got importertest.Result
	var off int64
	for i, line := range bytes.SplitAfter(in.Bytes(), []byte("\n")) {
		text := bytes.TrimSuffix(bytes.TrimSuffix(line, []byte("\n")), []byte("\r"))
		if err := (Format{}).ParseLine(importers.Line{Text: text, Num: int64(i + 1), Offset: off}, importertest.Collect(&got)); err != nil {
			t.Fatal(err)
		}
		off += int64(len(line))
	}
	if !bytes.Equal(importertest.JSONL(want), importertest.JSONL(got)) {
		t.Error("ParseLine line by line differs from Read")
	}
	for _, ev := range got.Events {
		var obj map[string]any
		if err := json.Unmarshal([]byte(ev.FieldsJSON), &obj); err != nil || ev.FieldsJSON != strings.TrimSpace(ev.Raw) {
			t.Errorf("FieldsJSON is not the line's object: %v", err)
		}
	}
}

func TestSniff(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		head     string
		min, max int
	}{
		{"python-evtx", `{"record_id":1,"System":{"EventID":4624,"Channel":"Security"},"EventData":{}}` + "\n", 90, 90},
		{"evtx_dump", `{"Event":{"System":{"EventID":4624,"Channel":"Security"}}}` + "\n", 90, 90},
		{"winlogbeat", `{"@timestamp":"2023-01-01T00:00:00Z","winlog":{"channel":"Security","event_id":"4624"}}` + "\n", 90, 90},
		{"mordor flat", `{"EventID":1,"Channel":"Microsoft-Windows-Sysmon/Operational","Hostname":"WS"}` + "\n", 85, 85},
		{"legacy winlogbeat", `{"event_id":4624,"log_name":"Security","computer_name":"DC"}` + "\n", 85, 85},
		{"other JSON", `{"ts":1,"uid":"C1","id.orig_h":"10.0.0.1"}` + "\n", 0, 0},
		{"mixed with other JSON", `{"EventID":1,"Channel":"x"}` + "\n" + `{"a":1}` + "\n", 0, 0},
		{"huge first line", `{"EventID":4104,"Channel":"Microsoft-Windows-PowerShell/Operational","ScriptBlockText":"` + strings.Repeat("A", 100), 60, 60},
		{"UTF-8 byte order mark", "\xef\xbb\xbf" + `{"EventID":1,"Channel":"Microsoft-Windows-Sysmon/Operational"}` + "\n", 85, 85},
		{"text", "Nov 26 06:44:57 host sshd[1]: hello\n", 0, 0},
		{"empty", "", 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := (Format{}).Sniff([]byte(tc.head)); got < tc.min || got > tc.max {
				t.Errorf("Sniff = %d, want %d..%d", got, tc.min, tc.max)
			}
		})
	}
}

// hostile inputs: each must give exactly the rejects listed and never a crash or an error.
var hostile = []struct {
	name    string
	in      string
	events  int
	rejects int
}{
	{"truncated JSON", `{"System":{"EventID":4624,"Channel":"Secu`, 0, 1},
	{"binary garbage", "\x00\x01\x02\xff\xfe\x89PNG\r\n\x1a\n\x00\x00", 0, 3},
	{"invalid UTF-8 in a value", "{\"EventID\":1,\"Channel\":\"Microsoft-Windows-Sysmon/Operational\",\"Image\":\"C:\\\\\xff\xfe.exe\"}", 0, 1},
	{"escape sequences kept as text", `{"EventID":1,"Channel":"Microsoft-Windows-Sysmon/Operational","Image":"C:\\x\u001b[31m.exe","CommandLine":"a\u0000b\r\nc"}`, 1, 0},
	{"deeply nested JSON", strings.Repeat(`{"a":`, 20000) + "1" + strings.Repeat("}", 20000), 0, 1},
	{"deep but valid nesting in EventData", `{"System":{"EventID":4624,"Channel":"Security"},"EventData":` + strings.Repeat(`{"a":`, 200) + "1" + strings.Repeat("}", 200) + `}`, 1, 0},
	{"not a Windows event", `{"ts":1,"uid":"C1"}`, 0, 1},
	{"JSON array line", `[{"EventID":1}]`, 0, 1},
	{"event id not a number", `{"EventID":"forty","Channel":"Security"}`, 0, 1},
	{"event id out of range", `{"EventID":-5,"Channel":"Security"}`, 0, 1},
	{"event id as an object", `{"System":{"EventID":{"x":1},"Channel":"Security"}}`, 0, 1},
	{"bad time", `{"EventID":4624,"Channel":"Security","TimeCreated":"yesterday"}`, 0, 1},
	{"bad IP in a mapped field", `{"EventID":4624,"Channel":"Security","TargetUserName":"a","IpAddress":"999.1.1.1"}`, 0, 1},
	{"bad port", `{"EventID":3,"Channel":"Microsoft-Windows-Sysmon/Operational","SourcePort":"http"}`, 0, 1},
	{"wrong types everywhere", `{"System":{"EventID":1,"Channel":["x"],"Computer":{"a":1},"TimeCreated":null,"Level":"high"},"EventData":"text","UserData":[1,2]}`, 1, 0},
	{"null everything", `{"EventID":7,"Channel":null,"Hostname":null,"TimeCreated":null}`, 1, 0},
	{"blank lines only", "\n\n  \n", 0, 0},
	{"syslog event XML cut before the event id", `{"SyslogMessage":"<Event><System><Provider Name=\"Linux-Sysmon\"/><EventI","HostName":"h"}`, 0, 1},
	{"syslog event XML cut in a value is kept", `{"SyslogMessage":"<Event><System><EventID>1</EventID><Channel>Linux-Sysmon/Operational</Channel></System><EventData><Data Name=\"CommandLine\">java -Dx=&amp;y -classp","HostName":"h"}`, 1, 0},
	{"syslog event XML with an entity bomb", `{"SyslogMessage":"<Event><!DOCTYPE x [<!ENTITY a \"aaaa\"><!ENTITY b \"&a;&a;&a;\">]><System><EventID>&b;</EventID></System></Event>"}`, 0, 1},
	{"syslog event XML deeply nested", `{"SyslogMessage":"<Event>` + strings.Repeat("<a>", 20000) + strings.Repeat("</a>", 20000) + `</Event>"}`, 0, 1},
	{"syslog event XML without event id", `{"SyslogMessage":"<Event><System><Channel>x</Channel></System></Event>"}`, 0, 1},
	{"syslog event XML with unnamed data", `{"SyslogMessage":"<Event><System><EventID>7</EventID><TimeCreated SystemTime=\"2022-05-11T18:10:20.399931000Z\"/></System><EventData><Data>a</Data><Data>b</Data></EventData></Event>","HostName":"h"}`, 1, 0},
	{"UTF-8 byte order mark on the first line", "\xef\xbb\xbf" + `{"EventID":1,"Channel":"System"}` + "\n" + "\xef\xbb\xbf" + `{"EventID":1,"Channel":"System"}`, 1, 1},
	{"data after the object", `{"EventID":1,"Channel":"System"} {"x":1}`, 0, 1},
}

func TestHostile(t *testing.T) {
	t.Parallel()
	for _, tc := range hostile {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := importertest.Counts(t, Format{}, "hostile.json", []byte(tc.in), tc.events, tc.rejects)
			for _, r := range res.Rejects {
				if r.Line == 0 || r.Reason == "" {
					t.Errorf("reject without line or reason: %+v", r)
				}
			}
		})
	}
}

func TestRejectNamesField(t *testing.T) {
	res := importertest.ReadBytes(t, Format{}, "x.json", []byte(`{"EventID":4624,"Channel":"Security","IpAddress":"999.1.1.1"}`+"\n"))
	if len(res.Rejects) != 1 || res.Rejects[0].Field != "IpAddress" || res.Rejects[0].Line != 1 {
		t.Fatalf("want one reject naming IpAddress on line 1, got %+v", res.Rejects)
	}
}

func FuzzWinJSON(f *testing.F) {
	for _, tc := range hostile {
		f.Add([]byte(tc.in))
	}
	for _, name := range handWritten {
		if b, err := os.ReadFile(filepath.Join("testdata", name+".jsonl")); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		res := importertest.ReadBytes(t, Format{}, "fuzz.json", in)
		if res.Err != nil {
			t.Fatalf("Read error: %v", res.Err)
		}
		n := 0
		for _, l := range bytes.Split(bytes.TrimPrefix(in, utf8BOM), []byte("\n")) {
			if len(bytes.TrimSpace(l)) > 0 {
				n++
			}
		}
		if got := len(res.Events) + len(res.Rejects); got != n {
			t.Fatalf("%d events + %d rejects for %d lines", len(res.Events), len(res.Rejects), n)
		}
		(Format{}).Sniff(in)
	})
}

// TestSniffOtherJSON checks that other JSON logs in the samples are not taken for Windows
// events.
func TestSniffOtherJSON(t *testing.T) {
	for _, rel := range []string{
		"suricata/wrccdc-2018/eve-alerts.jsonl",
		"suricata/wrccdc-2018/alerts-only.json",
		"zeek/wrccdc2018/zeek-json/ntlm.json",
		"zeek/wrccdc2018/zeek-json/kerberos.json",
		"cloudtrail/invictus-stratus/218007301253_CloudTrail_us-east-1_20230710T1145Z_7xgocspSowgK0Gto.json",
		"mordor/compound/Log4Shell/syslog_auoms_auditd_log4shell_cve2021_44228_jndi_reference_2022-05-11181020.json",
	} {
		t.Run(filepath.Base(rel), func(t *testing.T) {
			head, err := os.ReadFile(testutil.Sample(t, rel))
			if err != nil {
				t.Fatal(err)
			}
			if len(head) > importers.SniffSize {
				head = head[:importers.SniffSize]
			}
			if got := (Format{}).Sniff(head); got != 0 {
				t.Errorf("Sniff = %d, want 0", got)
			}
		})
	}
}

// BenchmarkRead measures reading a Mordor dataset (NXLog and Sysmon, 1.5 MB).
func BenchmarkRead(b *testing.B) {
	path := testutil.Sample(b, "mordor/windows/lateral_movement/mimikatz_CVE-2020-1472_Unauthenticated_NetrServerAuthenticate2_2020-09-16233923.json")
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for range b.N {
		if res := importertest.ReadBytes(b, Format{}, path, data); res.Err != nil || len(res.Rejects) > 0 {
			b.Fatal(res.Err, res.Rejects)
		}
	}
}
