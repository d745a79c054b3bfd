package sigma

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"trawl/dsl"
)

// ruleYAML wraps a detection section into a rule of the logsource.
func ruleYAML(logsource, detection string) string {
	return "title: Test rule\nid: 00000000-0000-0000-0000-000000000001\nstatus: test\nlevel: high\ntags:\n  - attack.execution\n  - attack.t1059.001\n  - attack.t1685\nlogsource:\n" +
		indent(logsource, "  ") + "detection:\n" + indent(detection, "  ")
}

func indent(s, pre string) string {
	var b strings.Builder
	for _, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		b.WriteString(pre + l + "\n")
	}
	return b.String()
}

// detectionOf is the last where condition of a compiled rule: the detection.
func detectionOf(text string) string {
	i := strings.LastIndex(text, "| where ")
	if i < 0 {
		return ""
	}
	return strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(text[i+len("| where "):]), "}"))
}

const procCreation = "product: windows\ncategory: process_creation\n"

var modifierCases = []struct {
	name      string
	logsource string
	detection string
	want      string // the detection condition; "" when the rule is not compiled
	outcome   Outcome
	reason    string // part of the first reason
}{
	{"equality ignores case", procCreation, "sel:\n  Image: 'C:\\Windows\\System32\\cmd.exe'\ncondition: sel",
		`process_path =~ 'C:\Windows\System32\cmd.exe'`, Compiled, ""},
	{"list is any", procCreation, "sel:\n  User: [alice, bob]\ncondition: sel",
		`fields.EventData.User in~ ("alice", "bob")`, Compiled, ""},
	{"contains", procCreation, "sel:\n  CommandLine|contains: ' -enc '\ncondition: sel",
		`command_line contains " -enc "`, Compiled, ""},
	{"contains list", procCreation, "sel:\n  CommandLine|contains: [iex, downloadstring]\ncondition: sel",
		`command_line contains any ("iex", "downloadstring")`, Compiled, ""},
	{"contains all", procCreation, "sel:\n  CommandLine|contains|all: [-nop, hidden]\ncondition: sel",
		`command_line contains all ("-nop", "hidden")`, Compiled, ""},
	{"startswith", procCreation, "sel:\n  CommandLine|startswith: 'C:\\Temp'\ncondition: sel",
		`command_line startswith 'C:\Temp'`, Compiled, ""},
	{"endswith", procCreation, "sel:\n  Image|endswith: '\\rundll32.exe'\ncondition: sel",
		`process_path endswith '\rundll32.exe'`, Compiled, ""},
	{"cased", procCreation, "sel:\n  CommandLine|contains|cased: 'Invoke-'\ncondition: sel",
		`command_line contains_cs "Invoke-"`, Compiled, ""},
	{"cased equality", procCreation, "sel:\n  Image|cased: 'X.exe'\ncondition: sel",
		`process_path == "X.exe"`, Compiled, ""},
	{"wildcards", procCreation, "sel:\n  CommandLine: '*\\Temp\\\\*.exe'\ncondition: sel",
		`command_line like '*\Temp\*.exe'`, Compiled, ""},
	{"wildcard in contains", procCreation, "sel:\n  CommandLine|contains: 'a?b*c'\ncondition: sel",
		`command_line like "*a?b*c*"`, Compiled, ""},
	{"escaped wildcard", procCreation, "sel:\n  CommandLine|contains: 'what\\?'\ncondition: sel",
		`command_line contains "what?"`, Compiled, ""},
	{"escaped and real wildcards", procCreation, "sel:\n  CommandLine: 'a\\*b*'\ncondition: sel",
		`command_line matches '(?is)^a\*b.*$'`, Compiled, ""},
	{"re", procCreation, "sel:\n  CommandLine|re: '\\s-e(nc)?\\s'\ncondition: sel",
		`command_line matches '\s-e(nc)?\s'`, Compiled, ""},
	{"re flags", procCreation, "sel:\n  CommandLine|re|i|m|s: 'a.b'\ncondition: sel",
		`command_line matches "(?ims)a.b"`, Compiled, ""},
	{"re lookahead is refused", procCreation, "sel:\n  CommandLine|re: 'a(?=b)'\ncondition: sel",
		"", Unsupported, "bad regular expression"},
	{"cidr on an address column", "product: windows\ncategory: network_connection\n", "sel:\n  DestinationIp|cidr: ['10.0.0.0/8', 'fe80::/10']\ncondition: sel",
		`dst_ip in ("10.0.0.0/8", "fe80::/10")`, Compiled, ""},
	{"cidr on text", "product: windows\nservice: security\n", "sel:\n  IpAddress|cidr: ['10.0.0.0/8', '172.16.0.0/12', '::1/128', 'fc00::/7', '2620:83:8000::/48']\ncondition: sel",
		`fields.EventData.IpAddress startswith any ("10.", "172.16.", "172.17.", "172.18.", "172.19.", "172.20.", "172.21.", "172.22.", "172.23.", "172.24.", "172.25.", "172.26.", "172.27.", "172.28.", "172.29.", "172.30.", "172.31.") or fields.EventData.IpAddress =~ "::1" or fields.EventData.IpAddress matches "(?i)^f[cd][0-9a-f]{2}:" or fields.EventData.IpAddress matches "(?i)^2620:83:8000:"`, Compiled, ""},
	{"base64", procCreation, "sel:\n  CommandLine|base64: 'whoami'\ncondition: sel",
		`command_line in (base64("whoami"))`, Compiled, ""},
	{"base64 contains", procCreation, "sel:\n  CommandLine|base64|contains: 'http://'\ncondition: sel",
		`command_line contains_cs base64("http://")`, Compiled, ""},
	{"base64offset", procCreation, "sel:\n  CommandLine|base64offset|contains: ['IEX', 'http']\ncondition: sel",
		`command_line contains_cs any (base64offset("IEX"), base64offset("http"))`, Compiled, ""},
	{"wide base64offset", procCreation, "sel:\n  CommandLine|wide|base64offset|contains: 'IEX'\ncondition: sel",
		`command_line contains_cs base64offset(wide("IEX"))`, Compiled, ""},
	{"utf16le", procCreation, "sel:\n  CommandLine|utf16le|base64offset|contains: 'IEX'\ncondition: sel",
		`command_line contains_cs base64offset(utf16le("IEX"))`, Compiled, ""},
	{"utf16be", procCreation, "sel:\n  CommandLine|utf16be|base64offset|contains: 'IEX'\ncondition: sel",
		`command_line contains_cs base64offset(utf16be("IEX"))`, Compiled, ""},
	{"utf16", procCreation, "sel:\n  CommandLine|utf16|base64|contains: 'IEX'\ncondition: sel",
		`command_line contains_cs base64(utf16("IEX"))`, Compiled, ""},
	{"wide alone is refused", procCreation, "sel:\n  CommandLine|wide: 'IEX'\ncondition: sel",
		"", Unsupported, "gives bytes"},
	{"windash", procCreation, "sel:\n  CommandLine|windash|contains: [' -enc ', ' -ec ']\ncondition: sel",
		`command_line contains any (windash(" -enc "), windash(" -ec "))`, Compiled, ""},
	{"windash equality", procCreation, "sel:\n  CommandLine|windash: '-x'\ncondition: sel",
		`command_line in~ (windash("-x"))`, Compiled, ""},
	{"exists", procCreation, "sel:\n  OriginalFileName|exists: true\nf:\n  ParentImage|exists: false\ncondition: sel and f",
		`fields.EventData.OriginalFileName is not null and parent_path is null`, Compiled, ""},
	{"null", procCreation, "sel:\n  ParentImage: null\ncondition: sel",
		`parent_path is null`, Compiled, ""},
	{"null in a list", procCreation, "sel:\n  ParentImage: [null, 'C:\\x.exe']\ncondition: sel",
		`parent_path is null or parent_path =~ 'C:\x.exe'`, Compiled, ""},
	{"empty text on a column", procCreation, "sel:\n  CommandLine: ''\ncondition: sel",
		`command_line is null`, Compiled, ""},
	{"empty text in the record", procCreation, "sel:\n  ParentUser: ''\ncondition: sel",
		`fields.EventData.ParentUser is null or fields.EventData.ParentUser == ""`, Compiled, ""},
	{"fieldref", procCreation, "sel:\n  User|fieldref: ParentUser\ncondition: sel",
		`fields.EventData.User =~ fields.EventData.ParentUser`, Compiled, ""},
	{"gt on a number column", "product: windows\ncategory: network_connection\n", "sel:\n  DestinationPort|gte: 1024\ncondition: sel",
		`dst_port >= 1024`, Compiled, ""},
	{"lt on text", "product: windows\nservice: security\n", "sel:\n  LogonType|lt: 3\ncondition: sel",
		`number(fields.EventData.LogonType) < 3`, Compiled, ""},
	{"lte and gt", "product: windows\nservice: security\n", "sel:\n  LogonType|lte: 3\nsel2:\n  LogonType|gt: 1.5\ncondition: sel and sel2",
		`number(fields.EventData.LogonType) <= 3 and number(fields.EventData.LogonType) > 1.5`, Compiled, ""},
	{"number equality on an int column", "product: windows\ncategory: network_connection\n", "sel:\n  DestinationPort: [443, 80]\ncondition: sel",
		`dst_port in (443, 80)`, Compiled, ""},
	{"address equality", "product: windows\ncategory: network_connection\n", "sel:\n  DestinationIp: '8.8.8.8'\ncondition: sel",
		`dst_ip == "8.8.8.8"`, Compiled, ""},
	{"text operation on an address", "product: windows\ncategory: network_connection\n", "sel:\n  DestinationIp|startswith: '10.'\ncondition: sel",
		`string(dst_ip) startswith "10."`, Compiled, ""},
	{"event id", "product: windows\nservice: security\n", "sel:\n  EventID: [4624, 4625]\ncondition: sel",
		`event_code in~ ("4624", "4625")`, Compiled, ""},
	{"expand without values", procCreation, "sel:\n  User|expand: '%admins%'\ncondition: sel",
		"", Unsupported, "placeholder %admins%"},
	{"keywords", "product: linux\nservice: sshd\n", "keywords:\n  - 'Failed password'\n  - 'C:\\x'\ncondition: keywords",
		`raw contains any ("Failed password", 'C:\x', 'C:\\x')`, Compiled, ""},
	{"keywords all", "product: linux\n", "keywords:\n  '|all':\n    - 'truncate'\n    - '-s'\ncondition: keywords",
		`raw contains "truncate" and raw contains "-s"`, Compiled, ""},
	{"list of maps", procCreation, "sel:\n  - Image|endswith: '\\a.exe'\n  - CommandLine|contains: 'b'\n    User: c\ncondition: sel",
		`process_path endswith '\a.exe' or (command_line contains "b" and fields.EventData.User =~ "c")`, Compiled, ""},
	{"1 of pattern and not", procCreation, "selection_img:\n  Image|endswith: '\\rundll32.exe'\nselection_cli_1:\n  CommandLine|contains: comsvcs\nselection_cli_2:\n  CommandLine|contains: MiniDump\nfilter:\n  User: SYSTEM\ncondition: selection_img and 1 of selection_cli* and not filter",
		`process_path endswith '\rundll32.exe' and (command_line contains "comsvcs" or command_line contains "MiniDump") and not fields.EventData.User =~ "SYSTEM"`, Compiled, ""},
	{"all of them skips underscores", procCreation, "a:\n  Image: x\nb:\n  CommandLine: y\n_c:\n  User: z\ncondition: all of them",
		`process_path =~ "x" and command_line =~ "y"`, Compiled, ""},
	{"1 of them", procCreation, "a:\n  Image: x\nb:\n  CommandLine: y\ncondition: 1 of them",
		`process_path =~ "x" or command_line =~ "y"`, Compiled, ""},
	{"nested parentheses", procCreation, "a:\n  Image: x\nb:\n  CommandLine: y\nc:\n  User: z\ncondition: a and (b or not (c and a))",
		`process_path =~ "x" and (command_line =~ "y" or not (fields.EventData.User =~ "z" and process_path =~ "x"))`, Compiled, ""},
	{"condition list", procCreation, "a:\n  Image: x\nb:\n  CommandLine: y\ncondition:\n  - a\n  - b",
		`(process_path =~ "x") or (command_line =~ "y")`, Compiled, ""},
	{"unknown search", procCreation, "a:\n  Image: x\ncondition: a and b",
		"", Unsupported, `names "b", which is not a search of the detection (condition, line 15)`},
	{"aggregation", procCreation, "a:\n  Image: x\ncondition: a | count() by User > 3",
		"", Unsupported, "correlation rules"},
	{"unknown modifier", procCreation, "a:\n  Image|sounds_like: x\ncondition: a",
		"", Unsupported, "unknown modifier"},
	{"unmapped logsource is partial", "product: windows\ncategory: something_new\n", "a:\n  Image: x\ncondition: a",
		`fields.EventData.Image =~ "x"`, Partial, "not in the windows mapping"},
	{"unknown product", "product: plan9\n", "a:\n  Image: x\ncondition: a",
		"", Unsupported, `no mapping for product "plan9"`},
	{"cloudtrail dotted fields", "product: aws\nservice: cloudtrail\n", "a:\n  eventName: ConsoleLogin\n  userIdentity.arn|fieldref: requestParameters.userName\ncondition: a",
		`event_code =~ "ConsoleLogin" and fields.userIdentity.arn =~ fields.requestParameters.userName`, Compiled, ""},
	{"zeek fields", "product: zeek\nservice: http\n", "a:\n  id.orig_h|cidr: '10.0.0.0/8'\n  method: PUT\n  resp_mime_types: x\ncondition: a",
		`src_ip in ("10.0.0.0/8") and http_method =~ "PUT" and fields["resp_mime_types"] =~ "x"`, Compiled, ""},
	{"auditd records", "product: linux\nservice: auditd\n", "a:\n  type: EXECVE\n  a0: truncate\nb:\n  type: PATH\n  name: '/etc/passwd'\ncondition: a or b",
		`(fields.EXECVE is not null and fields.EXECVE.a0 =~ "truncate") or (fields.PATH is not null and fields.PATH like "*\"name\":\"/etc/passwd\"*")`, Partial, "PATH records repeat"},
	{"field name with a quote cannot change the query", procCreation, "a:\n  'x\"] or true or fields[\"y': z\ncondition: a",
		"", Unsupported, "cannot be looked up"},
	{"deep condition", procCreation, "a:\n  Image: x\ncondition: " + strings.Repeat("not (", 200) + "a" + strings.Repeat(")", 200),
		"", Unsupported, "nests deeper"},
	{"huge expansion", procCreation, "a:\n  CommandLine|contains: '" + strings.Repeat("x", 5000) + "'\ncondition: a" + strings.Repeat(" and a", 300),
		"", Unsupported, "expands to more than"},
	{"keyword field name", procCreation, "a:\n  In: x\ncondition: a",
		`fields.EventData["In"] =~ "x"`, Compiled, ""},
}

func TestModifiers(t *testing.T) {
	t.Parallel()
	for _, tc := range modifierCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			src := ruleYAML(tc.logsource, tc.detection)
			res := ConvertFile("test_rule.yml", []byte(src), Options{})
			if res.Outcome != tc.outcome {
				t.Fatalf("outcome %s, want %s; reasons %q\n%s", res.Outcome, tc.outcome, res.Reasons, res.Text)
			}
			if tc.reason != "" && (len(res.Reasons) == 0 || !strings.Contains(res.Reasons[0], tc.reason)) {
				t.Errorf("reasons %q, want one containing %q", res.Reasons, tc.reason)
			}
			if tc.outcome == Unsupported {
				if res.Checked != nil {
					t.Errorf("an unsupported rule has a checked form")
				}
				return
			}
			if res.Checked == nil {
				t.Fatalf("no checked rule:\n%s", res.Text)
			}
			if diff := cmp.Diff(tc.want, detectionOf(res.Text)); diff != "" {
				t.Errorf("detection (-want +got):\n%s\n%s", diff, res.Text)
			}
		})
	}
}

func TestExpandPlaceholders(t *testing.T) {
	t.Parallel()
	src := ruleYAML(procCreation, "sel:\n  User|expand: '%admins%'\ncondition: sel")
	res := ConvertFile("r.yml", []byte(src), Options{Placeholders: map[string][]string{"admins": {"alice", "bob"}}})
	if res.Outcome != Compiled {
		t.Fatalf("outcome %s: %q", res.Outcome, res.Reasons)
	}
	if got, want := detectionOf(res.Text), `fields.EventData.User in~ ("alice", "bob")`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestMetadata(t *testing.T) {
	t.Parallel()
	src := ruleYAML(procCreation, "sel:\n  Image: x\ncondition: sel") +
		"description: |\n  Two\n  lines \"quoted\"\nauthor: Jane Doe\nfalsepositives:\n  - Admins\nreferences:\n  - https://example.com/a\n"
	res := ConvertFile("rules/proc_creation_win_test.yml", []byte(src), Options{})
	if res.Outcome != Compiled {
		t.Fatalf("outcome %s: %q", res.Outcome, res.Reasons)
	}
	r := res.Checked
	if r.Name.Name != "proc_creation_win_test" || r.Title != "Test rule" || r.Severity.String() != "high" {
		t.Errorf("name %s title %q severity %s", r.Name.Name, r.Title, r.Severity)
	}
	if r.Description != "Two\nlines \"quoted\"" {
		t.Errorf("description %q", r.Description)
	}
	// T1685 is an ATT&CK v19 id: kept, followed by the v18.1 ids it maps to.
	ids := r.AttackIDs()
	if len(ids) < 3 || ids[0] != "T1059.001" || ids[1] != "T1685" {
		t.Errorf("attack %q", ids)
	}
	for _, want := range []string{"sigma", "sigma_id:00000000-0000-0000-0000-000000000001", "sigma_status:test", "author:Jane Doe", "attack.execution"} {
		found := false
		for _, tag := range r.TagValues() {
			found = found || tag == want
		}
		if !found {
			t.Errorf("tags %q lack %q", r.TagValues(), want)
		}
	}
	if !strings.Contains(res.Text, "Detection Rule License (DRL) 1.1") || !strings.Contains(res.Text, "# author: Jane Doe") {
		t.Errorf("licence notice or author missing:\n%s", res.Text)
	}
	if len(r.FalsePositives) != 1 || len(r.References) != 1 {
		t.Errorf("false positives %v references %v", r.FalsePositives, r.References)
	}
}

func TestParseErrorsHaveLines(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ src, want string }{
		{"title: x\nlogsource:\n  product: windows\ndetection:\n  sel:\n    - [a, b]\n  condition: sel\n", "r.yml:6:"},
		{"title: x\nlogsource: {}\ndetection:\n  sel: a\n", "r.yml:4: the detection has no condition"},
		{"title: [x\n", "not valid YAML"},
		{"- a\n", "r.yml:1: a Sigma rule is a YAML mapping"},
		{"logsource: {}\n", "has no title"},
		{"title: x\ndetection:\n  sel:\n    Image: {a: b}\n  condition: sel\n", "r.yml:4: field Image"},
	} {
		_, err := Parse("r.yml", []byte(tc.src))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%q) = %v, want an error containing %q", tc.src, err, tc.want)
		}
	}
}

func TestUnsupportedKinds(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ src, want string }{
		{"title: c\ncorrelation:\n  type: event_count\n", "correlation: no rules"},
		{"action: global\ntitle: x\n---\ntitle: y\n", "rule collections"},
		{"title: x\nlogsource: {product: windows}\ndetection:\n  sel: a\n  timeframe: 5m\n  condition: sel\n", "timeframe"},
	} {
		res := ConvertFile("r.yml", []byte(tc.src), Options{})
		if res.Outcome != Unsupported || len(res.Reasons) == 0 || !strings.Contains(res.Reasons[0], tc.want) {
			t.Errorf("%q: %s %q, want unsupported with %q", tc.src, res.Outcome, res.Reasons, tc.want)
		}
	}
}

func TestMappingsLoad(t *testing.T) {
	t.Parallel()
	ms, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(ms.Products(), ","), "aws,linux,suricata,windows,zeek"; got != want {
		t.Errorf("products %s, want %s", got, want)
	}
	// Every source and where condition of the mapping files is valid hunting language.
	for _, p := range ms.Products() {
		for _, l := range ms[p].Logsources {
			query := l.Source
			if l.Where != "" {
				query += " | where " + l.Where
			}
			if _, err := dsl.Build(query, catalogue); err != nil {
				t.Errorf("%s %s%s: %s", p, l.Category, l.Service, dsl.FormatError(query, err))
			}
			res := ConvertFile("x.yml", []byte(ruleYAML("product: "+p+"\ncategory: "+l.Category+"\nservice: "+l.Service+"\n", "sel:\n  X: y\ncondition: sel")), Options{})
			if res.Outcome == Unsupported {
				t.Errorf("%s %s%s: %q\n%s", p, l.Category, l.Service, res.Reasons, query)
			}
		}
	}
}
