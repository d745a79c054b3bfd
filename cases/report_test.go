package cases

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"trawl/internal/testutil"
)

func fixtureReport(t *testing.T) *Report {
	t.Helper()
	pbs, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	c := fixture()
	return NewReport(c, Recommend(pbs, c), at("2026-03-03T09:00:00Z"))
}

func renderAll(t *testing.T, r *Report) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, name := range ReportFormats {
		var b bytes.Buffer
		if err := r.Write(&b, name); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out[name] = b.Bytes()
	}
	if err := r.Write(io.Discard, "pdf"); err == nil {
		t.Error("Write took format pdf")
	}
	return out
}

func TestReportGolden(t *testing.T) {
	for ext, b := range renderAll(t, fixtureReport(t)) {
		t.Run(ext, func(t *testing.T) {
			testutil.Golden(t, "testdata/report."+ext, b)
		})
	}
}

// TestReportInert: the hostile note (a script tag, an OSC title change, colour escapes, a
// Markdown link to javascript:, a right-to-left override) is inert in every format.
func TestReportInert(t *testing.T) {
	for ext, b := range renderAll(t, fixtureReport(t)) {
		s := string(b)
		t.Run(ext, func(t *testing.T) {
			if strings.Contains(s, "<script") || strings.Contains(s, "bastion01 <b>") {
				t.Error("raw markup from the case survived")
			}
			if strings.ContainsAny(s, "\x1b\x07\u202e") {
				t.Error("a control character survived")
			}
			if ext == "md" && regexp.MustCompile(`[^\\]\[x\]\(javascript`).MatchString(s) {
				t.Error("the Markdown link survived")
			}
		})
	}
	var m map[string]any
	b := renderAll(t, fixtureReport(t))["json"]
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	// Decoded, the JSON gives the note back exactly: escaping is only in the encoding.
	notes := m["case"].(map[string]any)["notes"].([]any)
	if got := notes[1].(map[string]any)["text"]; got != hostile {
		t.Errorf("note round trip: %q", got)
	}
}

func TestJSONReportFieldsDocumented(t *testing.T) {
	doc, err := os.ReadFile("../docs/cases.md")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(renderAll(t, fixtureReport(t))["json"], &m); err != nil {
		t.Fatal(err)
	}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, v := range x {
				if prefix == "case.alerts[].entities" {
					continue // keys are entity kinds
				}
				name := strings.TrimPrefix(prefix+"."+k, ".")
				// actions_taken and open_tasks hold task objects, documented once under case.tasks.
				for _, p := range []string{"actions_taken[].", "open_tasks[]."} {
					if strings.HasPrefix(name, p) {
						name = "case.tasks[]." + strings.TrimPrefix(name, p)
					}
				}
				if !strings.Contains(string(doc), "`"+name+"`") {
					t.Errorf("JSON report field %s is not documented in docs/cases.md", name)
				}
				walk(name, v)
			}
		case []any:
			for _, e := range x {
				walk(prefix+"[]", e)
			}
		}
	}
	walk("", m)
}

func TestTimelineOrder(t *testing.T) {
	var got []string
	for _, e := range Timeline(fixture()) {
		got = append(got, e.At.Format("15:04:05")+" "+string(e.Kind))
	}
	want := []string{"02:41:04 event", "02:41:04 alert", "03:05:00 event", "03:11:01 event", "03:11:01 alert",
		"04:00:00 status", "04:02:00 status", "04:05:00 note", "04:20:00 note", "04:31:00 status", "05:10:00 status"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("timeline (-want +got):\n%s", diff)
	}
}

func TestFormatDuration(t *testing.T) {
	for _, tc := range []struct {
		d    string
		want string
	}{{"0s", "0s"}, {"59s", "59s"}, {"90s", "2m"}, {"1h", "1h"}, {"26h3m", "1d 2h 3m"}, {"-5m", "-5m"}} {
		d, _ := timeParseDuration(tc.d)
		if got := FormatDuration(d); got != tc.want {
			t.Errorf("FormatDuration(%s) = %q, want %q", tc.d, got, tc.want)
		}
	}
}

func FuzzMarkdownInert(f *testing.F) {
	f.Add(hostile)
	f.Add("a|b\nc")
	f.Add("\\|")
	f.Fuzz(func(t *testing.T, s string) {
		out := md(s)
		if strings.ContainsAny(out, "<>\n\r\x1b\x07") {
			t.Errorf("md(%q) = %q keeps markup or a control character", s, out)
		}
		// Every | is escaped: an odd run of backslashes before it.
		for i := 0; i < len(out); i++ {
			if out[i] != '|' {
				continue
			}
			n := 0
			for j := i - 1; j >= 0 && out[j] == '\\'; j-- {
				n++
			}
			if n%2 == 0 {
				t.Errorf("md(%q) = %q has an unescaped |", s, out)
			}
		}
	})
}

var timeParseDuration = time.ParseDuration

// hostileEverywhere sets every string of v (struct fields, slice and map elements) to the
// hostile text, so a report cannot leave any field unescaped.
func hostileEverywhere(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			hostileEverywhere(v.Elem())
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				hostileEverywhere(v.Field(i))
			}
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			hostileEverywhere(v.Index(i))
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			e := reflect.New(v.Type().Elem()).Elem()
			e.Set(v.MapIndex(k))
			hostileEverywhere(e)
			v.SetMapIndex(k, e)
		}
	case reflect.String:
		if v.CanSet() {
			v.SetString(hostile)
		}
	}
}

func TestEveryFieldInert(t *testing.T) {
	c := fixture()
	hostileEverywhere(reflect.ValueOf(c))
	pbs, _ := Builtin()
	r := NewReport(c, Recommend(pbs, c), at("2026-03-03T09:00:00Z"))
	hostileEverywhere(reflect.ValueOf(r))
	for ext, b := range renderAll(t, r) {
		s := string(b)
		if strings.ContainsAny(s, "\x1b\x07\u202e") {
			t.Errorf("%s: a control character survived", ext)
		}
		switch ext {
		case "md", "json":
			if strings.Contains(s, "<") {
				t.Errorf("%s: a raw < survived", ext)
			}
		case "html":
			if strings.Contains(s, "<script") || strings.Contains(s, "javascript:alert(2)\"") {
				t.Errorf("html: markup survived")
			}
		}
	}
}

func TestLargeCaseReport(t *testing.T) {
	c := fixture()
	c.Narrative = "alert 3 ssh_bruteforce: many failures\nalert 4 ssh_login_after_failures: - a login"
	base := at("2026-03-02T02:00:00Z")
	for i := range 500 {
		tm := base.Add(time.Duration(i) * time.Millisecond)
		c.Evidence = append(c.Evidence, Event{ID: int64(1000 + i), Time: &tm, Text: "failure"})
	}
	c.EvidenceN = len(c.Evidence)
	shown, hidden := ShownTimeline(Timeline(c))
	if hidden != len(c.Evidence)-MaxReportEvidence || len(shown) != MaxReportEvidence+2+2+4 {
		t.Errorf("ShownTimeline: %d shown, %d hidden", len(shown), hidden)
	}
	ch := TimelineChart(Timeline(c), "t", EntryEvent, EntryAlert)
	if n := len(ch.Lanes[0].Marks); n > 10 || !strings.Contains(ch.Lanes[0].Marks[0].Title, "(and 499 more)") {
		t.Errorf("events lane: %d marks, first %q", n, ch.Lanes[0].Marks[0].Title)
	}
	out := renderAll(t, NewReport(c, nil, at("2026-03-03T09:00:00Z")))
	if md := string(out["md"]); !strings.Contains(md, "alert 3 ssh\\_bruteforce: many failures  \nalert 4 ssh\\_login\\_after\\_failures: - a login") ||
		!strings.Contains(md, "303 more evidence events are left out of this table") {
		t.Errorf("md narrative or timeline cut wrong")
	}
	if html := string(out["html"]); !strings.Contains(html, "many failures<br>alert 4") || !strings.Contains(html, "303 more evidence events are left out") {
		t.Errorf("html narrative or timeline cut wrong")
	}
}

// TestMarkdownEmptySections: a case with nothing linked says so under every heading.
func TestMarkdownEmptySections(t *testing.T) {
	c := &Case{ID: 1, Title: "empty", Status: StatusNew, Severity: "low"}
	var b bytes.Buffer
	if err := NewReport(c, nil, at("2026-03-03T09:00:00Z")).WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	want := "## Timeline\n\nNothing recorded.\n\n## ATT&CK techniques\n\nNone recorded.\n\n## Entities\n\nNone recorded.\n\n" +
		"## Evidence\n\nNone recorded.\n\n## Actions taken\n\nNone yet.\n\n## Open tasks\n\nNone.\n\n## Notes\n\nNone.\n\n## Verdict\n\n"
	if !strings.Contains(b.String(), want) {
		t.Errorf("empty sections:\n%s", b.String())
	}
}
