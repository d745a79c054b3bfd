package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"trawl/attack"
	"trawl/dsl"
	"trawl/internal/testutil"
)

// kvLog is the kv-test log the CLI tests hunt with kvRules: two failures for two users from
// 10.0.0.1 (the spray), a success, and one failure from 10.0.0.9.
const kvLog = "kv-test: time=2024-01-02T03:04:05Z user=alice src_ip=10.0.0.1 outcome=failure host=ws1\n" +
	"kv-test: time=2024-01-02T03:05:00Z user=bob src_ip=10.0.0.1 outcome=failure host=ws1\n" +
	"kv-test: time=2024-01-02T03:06:00Z user=bob src_ip=10.0.0.1 outcome=success host=ws1\n" +
	"kv-test: time=2024-01-02T09:00:00Z user=carol src_ip=10.0.0.9 outcome=failure host=ws2\n"

// kvAssets and kvIdentities are context files for kvLog's hosts and users.
const (
	kvAssets     = "host,ip,criticality,internet_facing\nws1,10.0.0.50,4,yes\n"
	kvIdentities = "user,privileged,mfa,status\nbob,yes,no,active\ncarol,no,yes,leaving on 2024-02-01\n"
)

const kvRules = `# rules for the kv-test log
rule kv_failures {
  title "Failed logons"
  severity medium
  confidence high
  attack [T1110]
  query logon | where outcome == "failure"
  test { expect 1 event { outcome = "failure" } }
  test { expect none event { outcome = "success" } }
}

rule kv_spray {
  title "Failures for two users from one address"
  severity high
  attack [T1110.003, T9999]
  query logon | where outcome == "failure" | stats dcount(user_key) as users by src_ip | where users >= 2
  test { expect 1 event { user = "a", src_ip = 10.0.0.1, outcome = "failure" } event { user = "b", src_ip = 10.0.0.1, outcome = "failure" } }
}
`

func writeFile(t *testing.T, path, text string) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestCLIHuntAndAlerts(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "t.duckdb")
	log := writeFile(t, filepath.Join(dir, "a.log"), kvLog)
	rules := writeFile(t, filepath.Join(dir, "kv.hunt"), kvRules)

	if _, _, code := trawl(t, "--db", db, "hunt", "--rules", rules); code == 0 {
		t.Error("hunt on a missing store succeeded")
	}
	mustTrawl(t, "--db", db, "import", log)
	out, errs, code := trawl(t, "--db", db, "hunt", "--rules", rules, "-f", "csv")
	if code != 0 {
		t.Fatalf("hunt: code %d, %s%s", code, out, errs)
	}
	if !strings.Contains(out, "kv_failures,medium,T1110,2,2,") || !strings.Contains(out, "kv_spray,high,\"T1110.003,T9999\",1,1,") {
		t.Errorf("hunt summary:\n%s", out)
	}
	if !strings.Contains(errs, `warning: `+rules+`:15:22: unknown or retired ATT&CK technique "T9999"`) || !strings.Contains(errs, "hunt run 1: 2 rules, 3 alerts (3 new)") {
		t.Errorf("hunt stderr:\n%s", errs)
	}

	out, errs, code = trawl(t, "--db", db, "alerts", "--format", "json")
	if code != 0 {
		t.Fatalf("alerts: code %d, %s%s", code, out, errs)
	}
	alerts := jsonLines(t, out)
	if len(alerts) != 3 {
		t.Fatalf("%d alerts:\n%s", len(alerts), out)
	}
	// Scripts rely on these names and shapes.
	for _, a := range alerts {
		for _, k := range []string{"id", "rule", "title", "severity", "attack", "first", "last", "entities", "evidence", "sources"} {
			if _, ok := a[k]; !ok {
				t.Errorf("alert lacks %q: %v", k, a)
			}
		}
		if _, ok := a["attack"].([]any); !ok {
			t.Errorf("attack is %T, want a list", a["attack"])
		}
		if _, ok := a["entities"].(map[string]any); !ok {
			t.Errorf("entities is %T, want an object", a["entities"])
		}
		if ev, ok := a["evidence"].([]any); !ok || len(ev) == 0 {
			t.Errorf("evidence is %v, want a list of event ids", a["evidence"])
		}
		if src, ok := a["sources"].([]any); !ok || len(src) != 1 || src[0] != log {
			t.Errorf("sources = %v, want [%s]", a["sources"], log)
		}
	}
	first := alerts[0]
	want := map[string]any{"id": 1.0, "rule": "kv_failures", "title": "Failed logons", "severity": "medium", "confidence": 0.9,
		"attack": []any{"T1110"}, "first": "2024-01-02T03:04:05Z", "last": "2024-01-02T03:05:00Z", "evidence": []any{1.0, 2.0},
		"entities": map[string]any{"user": []any{"alice", "bob"}, "host": []any{"ws1"}, "src_ip": []any{"10.0.0.1"}}}
	for k, v := range want {
		g, _ := json.Marshal(first[k])
		w, _ := json.Marshal(v)
		if string(g) != string(w) {
			t.Errorf("first alert %s = %s, want %s", k, g, w)
		}
	}
	// The evidence ids are the events: the store shows them.
	out, _, _ = trawl(t, "--db", db, "sql", "-f", "csv", "SELECT id, user FROM events WHERE id IN (1, 2) ORDER BY id")
	if out != "id,user\n1,alice\n2,bob\n" {
		t.Errorf("evidence events:\n%s", out)
	}

	out, _, code = trawl(t, "--db", db, "alerts", "--format", "csv", "--rule", "kv_spray")
	if code != 0 || !strings.HasPrefix(out, "id,rule,title,severity,confidence,attack,first,last,entities,evidence,sources,run_id,score,action,status,assignee\n") ||
		!strings.Contains(out, `"T1110.003,T9999"`) || !strings.Contains(out, `"1,2,4"`) && !strings.Contains(out, `"1,2"`) {
		t.Errorf("alerts csv:\n%s", out)
	}
	out, _, code = trawl(t, "--db", db, "alerts")
	if code != 0 || !strings.Contains(out, "host=ws1 src_ip=10.0.0.1 user=alice,bob") {
		t.Errorf("alerts table:\n%s", out)
	}

	// An alert explained event by event.
	out, _, code = trawl(t, "--db", db, "alerts", "--explain", "1", "-f", "csv")
	if code != 0 || !strings.HasPrefix(out, "id,time,file,line,category,") || strings.Count(out, "\n") != 3 ||
		!strings.Contains(out, "1,2024-01-02T03:04:05Z,"+log+",1,logon,") || !strings.Contains(out, "2,2024-01-02T03:05:00Z,"+log+",2,logon,") {
		t.Errorf("alerts --explain 1:\n%s", out)
	}
	if _, errs, code := trawl(t, "--db", db, "alerts", "--explain", "42"); code != 1 || !strings.Contains(errs, "alert 42: no such alert") {
		t.Errorf("alerts --explain 42: %d %s", code, errs)
	}

	// Hunting again writes nothing new.
	_, errs, code = trawl(t, "--db", db, "hunt", "--rules", rules)
	if code != 0 || !strings.Contains(errs, "hunt run 2: 2 rules, 3 alerts (0 new)") {
		t.Errorf("second hunt: %d %s", code, errs)
	}
	// --since skips the morning.
	_, errs, code = trawl(t, "--db", db, "hunt", "--rules", rules, "--since", "2024-01-02T08:00:00Z")
	if code != 0 || !strings.Contains(errs, "hunt run 3: 2 rules, 1 alerts (0 new)") {
		t.Errorf("hunt --since: %d %s", code, errs)
	}
	if _, errs, code = trawl(t, "--db", db, "hunt", "--since", "yesterday-ish"); code != 2 || !strings.Contains(errs, "--since") {
		t.Errorf("bad --since: %d %s", code, errs)
	}
}

func TestCLIRules(t *testing.T) {
	dir := t.TempDir()
	good := writeFile(t, filepath.Join(dir, "kv.hunt"), kvRules)
	bad := writeFile(t, filepath.Join(dir, "bad.hunt"), "rule broken {\n  title \"x\"\n  severity hihg\n  query logon | where usr == \"a\"\n}\n")
	failing := writeFile(t, filepath.Join(dir, "failing.hunt"), `rule wrong { title "t" severity low query logon test "says one" { expect 1 event { outcome = "x" } event { outcome = "x", host = "other" } } }`)

	cases := []struct {
		name     string
		args     []string
		code     int
		out, err string
	}{
		{"check builtin", []string{"rules", "check"}, 0, " rules in 6 files: ok (0 warnings)\n", ""},
		{"check file", []string{"rules", "check", good}, 0, "2 rules in 1 files: ok (1 warnings)\n", "unknown or retired ATT&CK technique \"T9999\""},
		{"check bad", []string{"rules", "check", bad}, 2, "", bad + ":3:12: unknown severity \"hihg\": use info, low, medium, high, critical\n    severity hihg\n             ^~~~\n  hint: did you mean \"high\"?"},
		{"check bad query", []string{"rules", "check", writeFile(t, filepath.Join(dir, "q.hunt"), "rule q { title \"x\" severity low query logon | where usr == \"a\" }")}, 2, "", `q.hunt:1:53: unknown field "usr"`},
		{"list", []string{"rules", "list", "-f", "csv", good}, 0, "rule,title,severity,confidence,attack,tests,file\nkv_failures,Failed logons,medium,0.9,T1110,2," + good + "\n", ""},
		{"test file", []string{"rules", "test", good}, 0, "2 rules, 3 tests, 0 failed\n", ""},
		{"list json", []string{"rules", "list", "-f", "json", good}, 0, `{"rule":"kv_spray","title":"Failures for two users from one address","severity":"high","confidence":0.6,"attack":["T1110.003","T9999"],"tests":1,"file":"` + good + `"}`, ""},
		{"test verbose", []string{"rules", "test", "-v", good}, 0, "ok   kv_spray: (unnamed): 1 alerts\n", ""},
		{"test failing", []string{"rules", "test", failing}, 1, "FAIL wrong: says one: 2 alerts, want 1\n", "1 rule tests failed"},
		{"test folder", []string{"rules", "test", dir}, 2, "", bad + ":3:12"},
		{"missing", []string{"rules", "check", filepath.Join(dir, "nope.hunt")}, 1, "", "no such file"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, errs, code := trawl(t, tc.args...)
			if code != tc.code || !strings.Contains(out, tc.out) || !strings.Contains(errs, tc.err) {
				t.Errorf("trawl %v: code %d (want %d)\nstdout:\n%s\nstderr:\n%s\nwant stdout containing %q and stderr containing %q", tc.args, code, tc.code, out, errs, tc.out, tc.err)
			}
		})
	}
}

// TestBuiltinRules runs the test cases of every rule of the built-in pack, and checks the pack's
// ATT&CK ids are all active techniques and every rule has a positive and a negative test.
func TestBuiltinRules(t *testing.T) {
	set, err := loadRules(nil, dsl.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(set.errors) > 0 || len(set.warnings) > 0 {
		t.Fatalf("pack does not check cleanly:\n%s%s", set.errorText(), strings.Join(set.warnings, ""))
	}
	if len(set.checked) < 8 {
		t.Errorf("%d rules in the pack, want at least 8", len(set.checked))
	}
	for _, cr := range set.checked {
		pos, neg := false, false
		for _, tc := range cr.Tests {
			pos = pos || tc.Expect > 0
			neg = neg || tc.Expect == 0
		}
		if !pos || !neg || len(cr.Attack) == 0 || cr.Title == "" || cr.Description == "" {
			t.Errorf("rule %s: want a title, a description, ATT&CK ids and positive and negative tests", cr.Name.Name)
		}
	}
	for _, r := range runRuleTests(t.Context(), set.checked) {
		t.Run(r.rule+"/"+r.test, func(t *testing.T) {
			if !r.ok() {
				t.Error(r.String())
			}
		})
	}
}

// scenarioFile is demo/generated/scenarios.json, the ground truth of the demo data.
type scenarioFile struct {
	Scenarios []struct {
		Scenario   string              `json:"scenario"`
		Technique  string              `json:"technique"`
		Techniques []string            `json:"techniques"`
		Start      time.Time           `json:"start"`
		End        time.Time           `json:"end"`
		Entities   map[string][]string `json:"entities"`
	} `json:"scenarios"`
}

// sameTechnique says whether a rule's id covers a scenario's: equal, or one the parent of the
// other (a rule for T1567 covers T1567.002).
func sameTechnique(ruleID, scenarioID string) bool {
	r, s := attack.Resolve(ruleID).ID, attack.Resolve(scenarioID).ID
	return r == s || strings.HasPrefix(s, r+".") || strings.HasPrefix(r, s+".")
}

// TestHuntDemo imports the demo data and runs the built-in pack over it: every scenario of
// scenarios.json whose techniques a rule covers must be flagged by an alert with that technique
// within the scenario's time span, and alerts outside every scenario (the benign part) must be
// few.
func TestHuntDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("imports the demo data")
	}
	b, err := os.ReadFile(filepath.Join("demo", "generated", "scenarios.json"))
	if err != nil {
		t.Fatalf("the demo data is in the repository: %v", err)
	}
	var truth scenarioFile
	if err := json.Unmarshal(b, &truth); err != nil {
		t.Fatal(err)
	}
	db := demoStore(t)
	out, errs, code := trawl(t, "--db", db, "alerts", "-f", "json")
	if code != 0 {
		t.Fatalf("alerts: %d %s", code, errs)
	}
	type alert struct {
		ID          int64               `json:"id"`
		Rule        string              `json:"rule"`
		Attack      []string            `json:"attack"`
		First, Last time.Time           `json:"-"`
		FirstS      string              `json:"first"`
		LastS       string              `json:"last"`
		Entities    map[string][]string `json:"entities"`
		Evidence    []int64             `json:"evidence"`
	}
	var alerts []alert
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var a alert
		if err := json.Unmarshal([]byte(l), &a); err != nil {
			t.Fatal(err)
		}
		a.First, _ = time.Parse(time.RFC3339Nano, a.FirstS)
		a.Last, _ = time.Parse(time.RFC3339Nano, a.LastS)
		alerts = append(alerts, a)
	}
	set, err := loadRules(nil, dsl.Options{})
	if err != nil {
		t.Fatal(err)
	}
	const slack = 5 * time.Minute
	inScenario := make([]bool, len(alerts))
	for _, sc := range truth.Scenarios {
		// Which of the scenario's techniques does the pack cover?
		var covered []string
		for _, cr := range set.checked {
			for _, id := range cr.AttackIDs() {
				for _, st := range sc.Techniques {
					if sameTechnique(id, st) && !slices.Contains(covered, st) {
						covered = append(covered, st)
					}
				}
			}
		}
		flagged := map[string]bool{}
		for i, a := range alerts {
			if a.Last.Before(sc.Start.Add(-slack)) || a.First.After(sc.End.Add(slack)) {
				continue
			}
			inScenario[i] = true
			for _, id := range a.Attack {
				for _, st := range covered {
					if sameTechnique(id, st) {
						flagged[st] = true
					}
				}
			}
		}
		for _, st := range covered {
			if !flagged[st] {
				t.Errorf("scenario %s: technique %s is covered by the pack but no alert flags it", sc.Scenario, st)
			}
		}
		t.Logf("scenario %s (%s): covered %v, flagged %v", sc.Scenario, sc.Technique, covered, flagged)
	}
	benign := map[string]int{}
	for i, a := range alerts {
		if !inScenario[i] {
			benign[a.Rule]++
		}
	}
	for rule, n := range benign {
		if n > 3 {
			t.Errorf("rule %s raised %d alerts outside every scenario", rule, n)
		}
	}
	t.Logf("%d alerts, outside scenarios: %v", len(alerts), benign)
}

// TestHuntRealSamples runs the pack over public attack captures (../shared/samples): each must
// be flagged by the rules written for it, and no rule may fire on a capture where it is neither
// wanted nor known to be right (alsoRight), nor on the benign samples. security_log_cleared
// may fire anywhere: most captures begin with a cleared Security log.
func TestHuntRealSamples(t *testing.T) {
	if testing.Short() {
		t.Skip("imports sample logs")
	}
	const (
		atk   = "evtx-attack/"
		mitre = "evtx-to-mitre/"
	)
	want := map[string][]string{ // sample (file or folder) -> rules that must flag it
		"web/tomcat_web_attack_and_webshell_access_log.txt":                             {"web_attack_probes", "web_path_traversal", "web_shell_access"},
		"loghub/OpenSSH/OpenSSH_2k.log":                                                 {"ssh_brute_force"},
		atk + "Defense Evasion/DE_1102_security_log_cleared.evtx":                       {"security_log_cleared"},
		atk + "Credential Access/sysmon_10_lsass_mimikatz_sekurlsa_logonpasswords.evtx": {"lsass_memory_access"},
		atk + "Lateral Movement/LM_Remote_Service02_7045.evtx":                          {"new_service_outside_system_folders"},
		atk + "Execution/temp_scheduled_task_4698_4699.evtx":                            {"suspicious_scheduled_task"},
		"deepblue/password-spray.evtx":                                                  {"explicit_credentials_many_accounts"},
		"deepblue/new-user-security.evtx":                                               {"account_created_then_admin", "member_added_to_admin_group"},
		mitre + "TA0006-Credential Access/T1558-Steal or Forge Kerberos Tickets/ID4769-Kerberoast ticket with low encryption.evtx": {"kerberoasting"},
		mitre + "TA0002-Execution/T1059.001-PowerShell/ID4688-Encoded PowerShell MSF payload via process execution.evtx":           {"encoded_powershell"},
		// Windows and Sysmon
		atk + "Lateral Movement/LM_4624_mimikatz_sekurlsa_pth_source_machine.evtx":                                                                  {"pass_the_hash_logon"},
		atk + "Command and Control/DE_RDP_Tunneling_4624.evtx":                                                                                      {"rdp_logon_from_loopback"},
		"deepblue/Powershell-Invoke-Obfuscation-string-menu.evtx":                                                                                   {"powershell_script_download_cradle", "powershell_obfuscated_script"},
		atk + "Other/emotet/exec_emotet_ps_4104.evtx":                                                                                               {"powershell_obfuscated_script"},
		mitre + "TA0005-Defense Evasion/T1140-Deobfuscate-Decode Files or Information/ID4688-Certutil download.evtx":                                {"lolbas_download"},
		"mordor/windows/defense_evasion/cmd_bitsadmin_download_psh_script_2020-10-2302365189.json":                                                  {"lolbas_download"},
		atk + "Execution/exec_sysmon_lobin_regsvr32_sct.evtx":                                                                                       {"lolbas_proxy_execution"},
		atk + "Execution/sysmon_mshta_sharpshooter_stageless_meterpreter.evtx":                                                                      {"lolbas_proxy_execution"},
		atk + "Execution/Sysmon_Exec_CompiledHTML.evtx":                                                                                             {"lolbas_proxy_execution"},
		atk + "Lateral Movement/LM_typical_IIS_webshell_sysmon_1_10_traces.evtx":                                                                    {"web_server_spawns_shell", "account_discovery_commands"},
		atk + "Privilege Escalation/sysmon_13_1_meterpreter_getsystem_NamedPipeImpersonation.evtx":                                                  {"service_pipe_impersonation"},
		"deepblue/metasploit-psexec-native-target-system.evtx":                                                                                      {"service_pipe_impersonation", "new_service_outside_system_folders"},
		atk + "AutomatedTestingTools/WinDefender_Events_1117_1116_AtomicRedTeam.evtx":                                                               {"defender_malware_detected"},
		mitre + "TA0005-Defense Evasion/T1562.001-Impair Defenses-Disable or Modify tool/ID4688-Defender critical features disabled (command).evtx": {"defender_tampering"},
		mitre + "TA0040-Impact/T1490-Inhibit System Recovery/ID4688-Delete VSS backup (WMI).evtx":                                                   {"shadow_copy_deletion"},
		mitre + "TA0005-Defense Evasion/T1562.002-Disable Windows Event Logging/ID4688-Audit policy deactivation attempt.evtx":                      {"audit_policy_disabled"},
		mitre + "TA0005-Defense Evasion/T1070.001-Clear Windows event logs/ID4688-Clear event log attempt (native).evtx":                            {"event_log_cleared_by_command"},
		mitre + "TA0007-Discovery/T1087-Account discovery/ID4688-User enumeration via command.evtx":                                                 {"account_discovery_commands"},
		atk + "Credential Access/CA_DCSync_4662.evtx":                                                                                               {"dcsync"},
		mitre + "TA0006-Credential Access/T1110.xxx-Brut force/ID4771-Kerberos brutforce with valid user.evtx":                                      {"kerberos_password_guessing"},
		atk + "Credential Access/kerberos_pwd_spray_4771.evtx":                                                                                      {"kerberos_password_guessing"},
		atk + "Persistence/Network_Service_Guest_added_to_admins_4732.evtx":                                                                         {"member_added_to_admin_group"},
		mitre + "TA0003-Persistence/T1098.xxx-Account manipulation/ID4732-User added to local admin groups.evtx":                                    {"member_added_to_admin_group"},
		atk + "Privilege Escalation/Sysmon_13_1_UAC_Bypass_EventVwrBypass.evtx":                                                                     {"uac_bypass_registry_hijack"},
		atk + "Privilege Escalation/Sysmon_UACME_22.evtx":                                                                                           {"uac_bypass_registry_hijack"},
		atk + "Defense Evasion/DE_UAC_Disabled_Sysmon_12_13.evtx":                                                                                   {"uac_disabled", "uac_disabled_by_command"},
		atk + "Persistence/sysmon_20_21_1_CommandLineEventConsumer.evtx":                                                                            {"wmi_event_subscription"},
		"mordor/windows/credential_access/psh_lsass_memory_dump_comsvcs_2020-10-18T19500924.json":                                                   {"lsass_dump_with_comsvcs", "lsass_memory_access"},
		atk + "Persistence/evasion_persis_hidden_run_keyvalue_sysmon_13.evtx":                                                                       {"registry_autostart_persistence"},
		"mordor/windows/persistence/cmd_userinitmprlogonscript_batch_2020-10-1922471810.json":                                                       {"registry_autostart_persistence"},
		atk + "Persistence/persistence_SilentProcessExit_ImageHijack_sysmon_13_1.evtx":                                                              {"ifeo_debugger_hijack"},
		atk + "Command and Control/tunna_iis_rdp_smb_tunneling_sysmon_3.evtx":                                                                       {"web_server_tunnel_to_rdp_smb"},
		// Linux, network, cloud
		"mordor/linux/discovery/sh_arp_cache_2020-11-10074812.log":                                             {"linux_recon_tools"},
		"mordor/compound/Log4Shell/syslog_sysmon_log4shell_cve2021_44228_jndi_reference_2022-05-11181020.json": {"linux_service_spawns_shell", "reverse_shell_command", "linux_recon_tools"},
		"suricata/wrccdc-2018/eve-alerts.jsonl":                                                                {"suricata_high_severity_alert"},
		"cloudtrail/invictus-stratus": {"cloudtrail_console_login_without_mfa", "cloudtrail_logging_disabled", "iam_admin_policy_attached",
			"iam_credentials_for_another_user", "iam_role_trust_opened", "ec2_get_password_data", "cloud_resource_shared_externally"},
		// Benign or background data: nothing may fire.
		"loghub/Apache/Apache_2k.log":              nil,
		"chainsaw/tests/evtx/security_sample.evtx": nil,
		"zeek/wrccdc2018/zeek-json":                nil,
		"suricata/honeypot-2018/eve-alerts.jsonl":  nil,
	}
	alsoRight := map[string][]string{ // other rules that rightly fire on a capture
		"loghub/OpenSSH/OpenSSH_2k.log": {"password_spraying"}, // many accounts tried from the same addresses
		mitre + "TA0002-Execution/T1059.001-PowerShell/ID4688-Encoded PowerShell MSF payload via process execution.evtx": {"new_service_outside_system_folders"},
		atk + "Persistence/sysmon_20_21_1_CommandLineEventConsumer.evtx":                                                 {"lsass_memory_access"},
	}
	db := filepath.Join(t.TempDir(), "samples.duckdb")
	args := []string{"--db", db, "import", "-f", "csv"}
	paths := map[string]string{} // sample path -> rel
	for rel := range want {
		p := testutil.Sample(t, rel)
		paths[p] = rel
		args = append(args, p)
	}
	mustTrawl(t, args...)
	mustTrawl(t, "--db", db, "hunt")
	out, errs, code := trawl(t, "--db", db, "alerts", "-f", "json")
	if code != 0 {
		t.Fatalf("alerts: %d %s", code, errs)
	}
	// relOf names the sample an alert's source belongs to: the file itself or its folder.
	relOf := func(src string) string {
		for p, rel := range paths {
			if src == p || strings.HasPrefix(src, p+string(filepath.Separator)) {
				return rel
			}
		}
		return src
	}
	got := map[string][]string{} // sample -> rules
	for _, a := range jsonLines(t, out) {
		for _, s := range a["sources"].([]any) {
			rel, rule := relOf(s.(string)), a["rule"].(string)
			if !slices.Contains(got[rel], rule) {
				got[rel] = append(got[rel], rule)
			}
		}
	}
	for rel, rules := range want {
		for _, rule := range rules {
			if !slices.Contains(got[rel], rule) {
				t.Errorf("%s: not flagged by %s (alerts from %v)", rel, rule, got[rel])
			}
		}
		for _, rule := range got[rel] {
			if !slices.Contains(rules, rule) && !slices.Contains(alsoRight[rel], rule) && rule != "security_log_cleared" {
				t.Errorf("%s: unexpected alert from %s", rel, rule)
			}
		}
		t.Logf("%s: %v", rel, got[rel])
	}
}
