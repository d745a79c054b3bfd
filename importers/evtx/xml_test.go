package evtx

import (
	"bytes"
	"context"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"trawl/internal/testutil"
)

// TestXMLMatchesPythonEvtx compares RenderXML with python-evtx's XML of the same files,
// byte for byte.
func TestXMLMatchesPythonEvtx(t *testing.T) {
	tests := []struct{ sample, golden string }{
		{"chainsaw/tests/evtx/security_sample.evtx", "testdata/security_sample.python-evtx.xml"},
		{"evtx-attack/Credential Access/MSSQL_multiple_failed_logon_EventID_18456.evtx", "testdata/mssql_18456.python-evtx.xml"},
		{"evtx-attack/Credential Access/dc_applog_ntdsutil_dfir_325_326_327.evtx", "testdata/esent_325_327.python-evtx.xml"},
	}
	for _, tt := range tests {
		want, err := os.ReadFile(tt.golden)
		if err != nil {
			t.Fatal(err)
		}
		recs, rejs := decodeFile(t, testutil.Sample(t, tt.sample), 1)
		if len(rejs) > 0 {
			t.Errorf("%s: rejects %v", tt.sample, rejs)
		}
		var got []byte
		for _, r := range recs {
			got = AppendXML(got, r.Root)
		}
		if string(got) != string(want) {
			t.Errorf("%s: XML differs from python-evtx's %s (-python +ours):\n%s", tt.sample, tt.golden, cmp.Diff(string(want), string(got)))
		}
	}
}

func TestDump(t *testing.T) {
	p := testutil.Sample(t, "chainsaw/tests/evtx/security_sample.evtx")
	recs, _ := decodeFile(t, p, 1)
	want, err := os.ReadFile("testdata/security_sample.python-evtx.xml")
	if err != nil {
		t.Fatal(err)
	}
	// evtx_dump.py prints each record's XML with print(), adding a newline after each.
	var wantXML strings.Builder
	wantXML.WriteString(XMLHeader + "\n<Events>\n")
	for _, rec := range strings.SplitAfter(string(want), "</Event>\n") {
		if rec != "" {
			wantXML.WriteString(rec + "\n")
		}
	}
	wantXML.WriteString("</Events>\n")
	var wantJSON strings.Builder
	for _, r := range recs {
		wantJSON.Write(r.RenderJSON())
		wantJSON.WriteByte('\n')
	}
	for _, tt := range []struct{ format, want string }{{"xml", wantXML.String()}, {"json", wantJSON.String()}} {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		err = Dump(context.Background(), &out, f, tt.format, func(r Reject) { t.Errorf("reject %v", r) })
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if out.String() != tt.want {
			t.Errorf("Dump %s:\n%s", tt.format, cmp.Diff(tt.want, out.String()))
		}
	}
	if err := Dump(context.Background(), io.Discard, strings.NewReader(""), "yaml", nil); err == nil {
		t.Error("unknown format accepted")
	}
}
