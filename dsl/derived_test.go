package dsl

import (
	"strings"
	"testing"
)

// TestDerivedColumns checks that a query reads the derived view exactly when it names a
// derived column, and that the checker types derived columns.
func TestDerivedColumns(t *testing.T) {
	cases := []struct {
		name, query string
		view        bool   // reads events_features
		err         string // substring of the formatted error (which quotes the query, so not a word of it), "" for none
	}{
		{"plain query reads events", `process | where process_name == "certutil.exe"`, false, ""},
		{"bool features", `process | where lolbas and off_hours`, true, ""},
		{"float feature", `process | where cmd_entropy > 5`, true, ""},
		{"string feature", `network | where dst_ip_class == "external" and dst_port_class == "admin"`, true, ""},
		{"int feature", `logon | where failures_1h >= 10 | stats count() by user`, true, ""},
		{"feature in stats only", `network | stats count() by dst_ip_class`, true, ""},
		{"feature in fields only", `process | fields time, host, decoded_command`, true, ""},
		{"feature in a sequence step", `sequence by host within 10m [logon where new_account] then [process where encoded_ps]`, true, ""},
		{"typed: bool is not a number", `process | where lolbas > 1`, false, "cannot compare bool with int"},
		{"typo suggests the feature", `process | where lolbass`, false, `did you mean "lolbas"`},
		{"eval of a new name reads events", `process | eval x = len(command_line) | where x > 10`, false, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := Build(tc.query, EventCatalogue())
			if tc.err != "" {
				if err == nil || !strings.Contains(FormatError(tc.query, err), tc.err) {
					t.Fatalf("error %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(FormatError(tc.query, err))
			}
			reads := strings.Contains(out.SQL, `FROM "events_features"`)
			if reads != tc.view || strings.Contains(out.SQL, `FROM "events"`) == tc.view {
				t.Errorf("reads events_features = %v, want %v:\n%s", reads, tc.view, out.SQL)
			}
			hasFeature := false
			for _, c := range out.Columns {
				hasFeature = hasFeature || c.Name == "lolbas"
			}
			if strings.HasPrefix(tc.query, "process | where") && hasFeature != tc.view {
				t.Errorf("output columns include features = %v, want %v", hasFeature, tc.view)
			}
		})
	}
}

func TestNameableColumns(t *testing.T) {
	for _, cat := range []Catalogue{EventCatalogue(), WithTables(EventCatalogue(), StoreTables(), nil)} {
		cols := NameableColumns(cat)
		if len(cols) != len(cat.Columns())+len(FeatureColumns()) {
			t.Fatalf("%d nameable columns, want %d + %d", len(cols), len(cat.Columns()), len(FeatureColumns()))
		}
		if last := cols[len(cols)-1]; last.Name != "failures_1h" || last.Type != TypeInt {
			t.Errorf("last column %+v", last)
		}
	}
	if got := len(NameableColumns(NewCatalogue([]Column{{Name: "a"}}, nil))); got != 1 {
		t.Errorf("a catalogue without derived columns: %d", got)
	}
}
