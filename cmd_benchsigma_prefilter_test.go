package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"trawl/dsl"
	"trawl/internal/testutil"
)

// TestImageNames checks the image pre-filter's necessary condition: derived only when every
// way the rule can match requires one of the names, never through an OR with a branch
// without the image, a NOT, contains or wildcard patterns, keywords or values lower-casing
// could get wrong.
func TestImageNames(t *testing.T) {
	const img = "process_path"
	const ofn = "fields.EventData.OriginalFileName"
	for _, tc := range []struct {
		name, where string
		want        map[string][]string // nil: no condition derived
	}{
		{"endswith", `process_path endswith '\certutil.exe'`, map[string][]string{img: {"certutil.exe"}}},
		{"endswith cased", `process_path endswith_cs '\CertUtil.exe'`, map[string][]string{img: {"certutil.exe"}}},
		{"endswith any", `process_path endswith any ('\cmd.exe', '\PowerShell.exe', '\pwsh.exe', '\wscript.exe', '\cscript.exe')`, map[string][]string{img: {"cmd.exe", "cscript.exe", "powershell.exe", "pwsh.exe", "wscript.exe"}}},
		{"full path", `process_path =~ 'C:\Windows\System32\Cmd.exe'`, map[string][]string{img: {"cmd.exe"}}},
		{"full path cased", `process_path == 'C:\Windows\System32\cmd.exe'`, map[string][]string{img: {"cmd.exe"}}},
		{"in list", `process_path in~ ('C:\a\x.exe', 'y.EXE')`, map[string][]string{img: {"x.exe", "y.exe"}}},
		{"image or original name", `(process_path endswith '\certutil.exe' or fields.EventData.OriginalFileName =~ "CertUtil.exe") and command_line contains "-decode"`,
			map[string][]string{img: {"certutil.exe"}, ofn: {"certutil.exe"}}},
		{"and with other tests", `command_line contains "x" and process_path endswith '\a.exe' and not (parent_path endswith '\b.exe')`, map[string][]string{img: {"a.exe"}}},
		{"and of two: the fewer names", `process_path endswith any ('\a.exe', '\b.exe') and fields.EventData.OriginalFileName in~ ("A.exe")`, map[string][]string{ofn: {"a.exe"}}},
		{"or of selections with images", `(process_path endswith '\a.exe' and command_line contains "x") or (process_path endswith '\b.exe' and command_line contains "y")`, map[string][]string{img: {"a.exe", "b.exe"}}},
		{"selection and not filter", `process_path endswith '\a.exe' and not (process_path endswith '\b.exe')`, map[string][]string{img: {"a.exe"}}},

		{"or with a branch without image", `process_path endswith '\a.exe' or command_line contains "x"`, nil},
		{"not image", `not (process_path endswith '\a.exe')`, nil},
		{"not in", `process_path not in ('C:\a.exe')`, nil},
		{"negated compare", `process_path != 'C:\a.exe'`, nil},
		{"contains only", `process_path contains '\a.exe'`, nil},
		{"endswith without backslash", `process_path endswith 'a.exe'`, nil},
		{"endswith with two backslashes", `process_path endswith '\system32\a.exe'`, nil},
		{"endswith all", `process_path endswith all ('\a.exe', '\b.exe')`, nil},
		{"startswith", `process_path startswith 'C:\a.exe'`, nil},
		{"wildcard", `process_path like '*\a*.exe'`, nil},
		{"regex", `process_path matches '(?i)\\a\.exe$'`, nil},
		{"keywords", `raw contains any ("certutil", "decode")`, nil},
		{"other field", `parent_path endswith '\a.exe'`, nil},
		{"other record field", `fields.EventData.ParentImage endswith '\a.exe'`, nil},
		{"non-ASCII value", `process_path endswith '\straße.exe'`, nil},
		{"expansion", `process_path in~ (windash("-a"))`, nil},
		{"or with non-ASCII branch", `process_path endswith '\a.exe' or process_path endswith '\ß.exe'`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q, err := dsl.Parse(`process | where action == "process-start" | where ` + tc.where)
			if err != nil {
				t.Fatal(err)
			}
			ch, err := dsl.Check(q, dsl.EventCatalogue())
			if err != nil {
				t.Fatal(err)
			}
			got, ok := imageNames(ch.Query)
			if tc.want == nil {
				if ok {
					t.Errorf("derived %v, want none", got)
				}
				return
			}
			if !ok || !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %v (%v), want %v", got, ok, tc.want)
			}
		})
	}
}

// TestPrefilterSQL checks the pre-filter's SQL: parameters numbered from first, the fields in
// a fixed order.
func TestPrefilterSQL(t *testing.T) {
	sql, args := prefilterSQL(map[string][]string{"fields.EventData.OriginalFileName": {"c.exe"}, "process_path": {"a.exe", "b.exe"}}, 4)
	if want := `("trawl_base_image" IN ($4, $5) OR "trawl_base_ofn" IN ($6))`; sql != want {
		t.Errorf("sql %s, want %s", sql, want)
	}
	if !reflect.DeepEqual(args, []any{"a.exe", "b.exe", "c.exe"}) {
		t.Errorf("args %v", args)
	}
}

// TestBenchSigmaPrefilter runs sample rules that require an image (and one that does not) with
// the pre-filter over generated events, with and without distinct tables: every rule must
// raise the same alerts with the same evidence as on its own, and some must match.
func TestBenchSigmaPrefilter(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and imports events")
	}
	rules := t.TempDir()
	for _, name := range []string{
		"proc_creation_win_certutil_decode.yml",
		"proc_creation_win_powershell_base64_encoded_cmd.yml",
		"proc_creation_win_powershell_base64_encoded_cmd_patterns.yml",
		"proc_creation_win_powershell_base64_hidden_flag.yml",
		"proc_creation_win_powershell_encoding_patterns.yml",
		"proc_creation_win_susp_emoji_usage_in_cli_2.yml", // no image test: not pre-filtered
	} {
		b, err := os.ReadFile(testutil.Sample(t, filepath.Join("sigma", "rules", "windows", "process_creation", name)))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(rules, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	for _, extra := range [][]string{nil, {"--no-distinct"}} {
		args := append([]string{"bench", "sigma", "--events", "3000", "--dir", dir, "--rules", rules, "--shared", "--prefilter", "-f", "csv"}, extra...)
		out, errs, code := trawl(t, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d\n%s\n%s", extra, code, out, errs)
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if len(lines) < 3 || !strings.HasPrefix(lines[2], `"shared scans, path tables",6,3000,`) ||
			!strings.Contains(lines[2], "every rule raised the same alerts as on its own (same evidence)") ||
			strings.Split(lines[1], ",")[7] == "0" || !strings.Contains(errs, "5 of 6 rules pre-filtered by image") {
			t.Errorf("%v:\n%s\n%s", extra, out, errs)
		}
	}
}
