package winjson

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"trawl/importers/windows"
)

func TestFromEventXML(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		doc  string
		want map[string]any
		id   int
	}{
		{"named data", `<Event><System><EventID>1</EventID></System><EventData><Data Name="Image">/bin/bash</Data><Data Name="User">root</Data></EventData></Event>`,
			map[string]any{"Image": "/bin/bash", "User": "root"}, 1},
		{"unnamed data", `<Event><System><EventID>7</EventID></System><EventData><Data>a</Data><Data>b &amp; c</Data></EventData></Event>`,
			map[string]any{"Data": "a", "Data_2": "b & c"}, 7},
		{"user data unwrapped", `<Event><System><EventID>1102</EventID></System><UserData><LogFileCleared><SubjectUserName>bob</SubjectUserName></LogFileCleared></UserData></Event>`,
			map[string]any{"SubjectUserName": "bob"}, 1102},
		{"entities without semicolons (Sysmon for Linux)", `<Event><System><EventID>5</EventID></System><EventData><Data Name="Image">&lt unknown process&gt </Data><Data Name="CommandLine">a &quot;b&quot c</Data></EventData></Event>`,
			map[string]any{"Image": "< unknown process> ", "CommandLine": `a "b" c`}, 5},
		{"cut in an entity", `<Event><System><EventID>1</EventID></System><EventData><Data Name="CommandLine">x &am`,
			map[string]any{"CommandLine": "x "}, 1},
		{"cut in a value", `<Event><System><EventID>1</EventID></System><EventData><Data Name="Image">/bin/bash</Data><Data Name="CommandLine">java -a &amp; -b`,
			map[string]any{"Image": "/bin/bash", "CommandLine": "java -a & -b"}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var r windows.Record
			if err := fromEventXML("x", tc.doc, &r); err != nil {
				t.Fatal(err)
			}
			if r.EventID != tc.id {
				t.Errorf("EventID = %d, want %d", r.EventID, tc.id)
			}
			if diff := cmp.Diff(tc.want, r.Data); diff != "" {
				t.Errorf("Data (-want +got)\n%s", diff)
			}
		})
	}
}
