package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"trawl/internal/testutil"
	"trawl/sigma"
)

// sigmaCase is one of SigmaHQ's regression cases: a rule, an event file and how many events the
// rule matches (-1: at least one, when info.yml gives no count).
type sigmaCase struct {
	name, rule, events string
	want               int
}

var (
	matchCountRe = regexp.MustCompile(`(?m)^\s*match_count:\s*(\d+)`)
	ruleIDRe     = regexp.MustCompile(`(?m)^\s*-\s*id:\s*(\S+)`)
)

// sigmaRegressionCases reads sigma/regression/*/info.yml. A case without rule.yml names its
// rule by id, looked up in the rules folders.
func sigmaRegressionCases(t *testing.T) []sigmaCase {
	t.Helper()
	root := testutil.Sample(t, "sigma")
	dirs, err := filepath.Glob(filepath.Join(root, "regression", "*", "info.yml"))
	if err != nil || len(dirs) == 0 {
		t.Skip("no Sigma regression cases in the samples")
	}
	byID := map[string]string{}
	for _, d := range []string{"rules", "rules-emerging-threats"} {
		filepath.WalkDir(filepath.Join(root, d), func(p string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() {
				return nil
			}
			f, err := os.Open(p)
			if err != nil {
				return nil
			}
			defer f.Close()
			sc := bufio.NewScanner(f)
			for sc.Scan() {
				if id, ok := strings.CutPrefix(sc.Text(), "id: "); ok {
					byID[strings.TrimSpace(id)] = p
					break
				}
			}
			return nil
		})
	}
	var out []sigmaCase
	for _, info := range dirs {
		dir := filepath.Dir(info)
		b, err := os.ReadFile(info)
		if err != nil {
			t.Fatal(err)
		}
		c := sigmaCase{name: filepath.Base(dir), rule: filepath.Join(dir, "rule.yml"), want: -1}
		if m := matchCountRe.FindSubmatch(b); m != nil {
			c.want, _ = strconv.Atoi(string(m[1]))
		}
		if _, err := os.Stat(c.rule); err != nil {
			m := ruleIDRe.FindSubmatch(b)
			if m == nil || byID[string(m[1])] == "" {
				t.Errorf("%s: no rule.yml and no rule with the id of info.yml", c.name)
				continue
			}
			c.rule = byID[string(m[1])]
		}
		evs, _ := filepath.Glob(filepath.Join(dir, "*.evtx"))
		if len(evs) != 1 {
			t.Errorf("%s: want one .evtx file, found %d", c.name, len(evs))
			continue
		}
		c.events = evs[0]
		out = append(out, c)
	}
	return out
}

// TestSigmaRegression imports each case's EVTX file into a fresh store, compiles its Sigma rule
// and runs the rule's query: it must match exactly the expected number of events.
func TestSigmaRegression(t *testing.T) {
	cases := sigmaRegressionCases(t)
	var passed atomic.Int64
	t.Run("cases", func(t *testing.T) {
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				t.Parallel()
				if sigmaRegressionCase(t, c) {
					passed.Add(1)
				}
			})
		}
	})
	t.Logf("%d of %d Sigma regression cases pass", passed.Load(), len(cases))
}

// sigmaRegressionCase runs one case: it fails t unless the rule matches the expected count.
func sigmaRegressionCase(t *testing.T, c sigmaCase) bool {
	db := filepath.Join(t.TempDir(), "t.duckdb")
	mustTrawl(t, "--db", db, "import", c.events)
	src, err := os.ReadFile(c.rule)
	if err != nil {
		t.Fatal(err)
	}
	res := sigma.ConvertFile(c.rule, src, sigma.Options{})
	if res.Outcome != sigma.Compiled {
		t.Fatalf("%s: %q\n%s", res.Outcome, res.Reasons, res.Text)
	}
	out, errs, code := trawl(t, "--db", db, "query", "--format", "json", res.Checked.QueryText)
	if code != 0 {
		t.Fatalf("query: %d %s\n%s", code, errs, res.Text)
	}
	got := len(jsonLines(t, out))
	if c.want >= 0 && got != c.want || c.want < 0 && got < 1 {
		t.Errorf("%d matches, want %d (-1: at least one)\n%s", got, c.want, res.Text)
	}
	return !t.Failed()
}

// TestSigmaCLI covers trawl sigma convert and check, and hunt --sigma.
func TestSigmaCLI(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "proc_creation_win_test.yml")
	os.WriteFile(good, []byte(`title: Whoami
id: 11111111-1111-1111-1111-111111111111
level: medium
tags: [attack.t1033]
logsource: {product: windows, category: process_creation}
detection:
  sel:
    Image|endswith: '\whoami.exe'
  condition: sel
`), 0o644)
	bad := filepath.Join(dir, "bad.yml")
	os.WriteFile(bad, []byte("title: Bad\nlogsource: {product: windows}\ndetection:\n  sel:\n    Image|nope: x\n  condition: sel\n"), 0o644)

	out, errs, code := trawl(t, "sigma", "convert", good)
	if code != 0 || !strings.Contains(out, `process_path endswith '\whoami.exe'`) || !strings.Contains(out, "rule proc_creation_win_test {") ||
		!strings.Contains(out, "Detection Rule License") {
		t.Errorf("convert: %d %s %s", code, out, errs)
	}
	if _, errs, code := trawl(t, "sigma", "convert", bad); code != 1 || !strings.Contains(errs, `unknown modifier "nope"`) || !strings.Contains(errs, "line 5") {
		t.Errorf("convert bad: %d %s", code, errs)
	}
	out, _, code = trawl(t, "sigma", "check", dir)
	if code != 0 || !strings.Contains(out, "2 sigma rules: 1 compiled (50.0%), 0 partial, 1 unsupported") || !strings.Contains(out, "bad.yml: unsupported") {
		t.Errorf("check: %d %s", code, out)
	}
	out, _, code = trawl(t, "sigma", "check", "--format", "json", dir)
	rows := jsonLines(t, out)
	if code != 0 || len(rows) != 2 || rows[0]["outcome"] != "unsupported" || rows[1]["outcome"] != "compiled" || rows[1]["rule"] != "proc_creation_win_test" {
		t.Errorf("check json: %d %s", code, out)
	}
	if b, _ := json.Marshal(rows[0]["reasons"]); !bytes.Contains(b, []byte("unknown modifier")) {
		t.Errorf("reasons %s", b)
	}

	// hunt --sigma over a store with one matching process.
	db := filepath.Join(dir, "t.duckdb")
	logs := filepath.Join(dir, "p.json")
	os.WriteFile(logs, []byte(`{"EventID": 1, "Channel": "Microsoft-Windows-Sysmon/Operational", "Hostname": "ws1", "EventTime": "2026-01-01 10:00:00", "Image": "C:\\Windows\\System32\\whoami.exe", "CommandLine": "whoami /all"}`+"\n"), 0o644)
	mustTrawl(t, "--db", db, "import", logs)
	out, errs, code = trawl(t, "--db", db, "hunt", "--sigma", dir)
	if code != 0 || !strings.Contains(out, "proc_creation_win_test") || !strings.Contains(errs, "1 unsupported") || !strings.Contains(errs, "bad.yml: unsupported") {
		t.Errorf("hunt --sigma: %d %s %s", code, out, errs)
	}
	out, _, _ = trawl(t, "--db", db, "alerts", "--format", "json")
	if rows := jsonLines(t, out); len(rows) != 1 || rows[0]["rule"] != "proc_creation_win_test" {
		t.Errorf("alerts: %s", out)
	}
}

// TestUniqueName: a rule name already taken (in any case) gets _2, _3, ...; each name given
// out is taken from then on.
func TestUniqueName(t *testing.T) {
	seen := map[string]bool{"whoami": true}
	for _, tc := range []struct{ name, want string }{
		{"Whoami", "Whoami_2"},
		{"whoami", "whoami_3"},
		{"ipconfig", "ipconfig"},
		{"IPCONFIG", "IPCONFIG_2"},
	} {
		if got := uniqueName(seen, tc.name); got != tc.want {
			t.Errorf("uniqueName(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
}
