package generate

import (
	"strings"
	"testing"
	"time"

	"trawl/importers"
	_ "trawl/importers/all"
	"trawl/importers/importertest"
)

// TestImportersReadOutput runs the real importers over generated output: every file must be
// detected as the format it imitates and import with no reject and no error, one event per
// record, with the times the generator wrote.
func TestImportersReadOutput(t *testing.T) {
	fs, sum := generateMem(t, Config{Events: 20000, Seed: 11})
	want := func(name string) string {
		switch {
		case name == AuthLog:
			return "syslog"
		case strings.HasPrefix(name, "windows/"):
			return "winjson"
		case strings.HasPrefix(name, "zeek/"):
			return "zeek"
		case name == AccessLog:
			return "web"
		case strings.HasPrefix(name, CloudTrailDir+"/"):
			return "cloudtrail"
		}
		return ""
	}
	perFormat := map[string]int64{}
	for _, name := range fs.names() {
		if name == TruthFile {
			continue
		}
		data := fs.files[name].Bytes()
		head := data[:min(len(data), importers.SniffSize)]
		f, err := importers.Detect(head)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if f.Name() != want(name) {
			t.Errorf("%s detected as %s, want %s", name, f.Name(), want(name))
			continue
		}
		if c, ok := f.(importers.Configurable); ok && f.Name() == "syslog" {
			// RFC 3164 has no year: tell the reader the period's, as an analyst would.
			if f, err = c.WithOptions(map[string]string{"year": "2026"}); err != nil {
				t.Fatal(err)
			}
		}
		res := importertest.ReadBytes(t, f, name, data)
		if res.Err != nil {
			t.Errorf("%s: %v", name, res.Err)
		}
		for i, r := range res.Rejects {
			if i < 5 {
				t.Errorf("%s: reject %v: %.200q", name, r, r.Raw)
			}
		}
		for i := range res.Events {
			ev := &res.Events[i]
			if ev.Time.Before(sum.Start) || ev.Time.After(sum.End.Add(48*time.Hour)) {
				t.Errorf("%s: event %d at %s, outside the generated period", name, i, ev.Time)
				break
			}
		}
		perFormat[f.Name()] += int64(len(res.Events))
	}
	// The RFC 3339 flavour of auth.log needs no year option.
	fs3339, _ := generateMem(t, Config{Events: 3000, Seed: 11, SyslogTime: "rfc3339"})
	data := fs3339.files[AuthLog].Bytes()
	f, err := importers.Detect(data[:min(len(data), importers.SniffSize)])
	if err != nil || f.Name() != "syslog" {
		t.Fatalf("rfc3339 auth.log detected as %v (%v)", f, err)
	}
	res := importertest.ReadBytes(t, f, AuthLog, data)
	if res.Err != nil || len(res.Rejects) > 0 || len(res.Events) != len(fs3339.lines(AuthLog)) {
		t.Errorf("rfc3339 auth.log: %v, %d rejects, %d events for %d lines", res.Err, len(res.Rejects), len(res.Events), len(fs3339.lines(AuthLog)))
	}
	for i := range res.Events {
		if tm := res.Events[i].Time; tm.Before(sum.Start) || tm.After(sum.End.Add(time.Hour)) {
			t.Fatalf("rfc3339 auth.log event %d at %s", i, tm)
		}
	}
	var total int64
	for _, n := range perFormat {
		total += n
	}
	if total != sum.Events {
		t.Errorf("importers read %d events (%v), the generator wrote %d records", total, perFormat, sum.Events)
	}
}
