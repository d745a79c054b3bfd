package evtx

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"trawl/internal/testutil"
)

// oracleFiles lists the .evtx samples that have a python-evtx decoding in evtx-jsonl/.
func oracleFiles(t testing.TB) (samples string, rels []string) {
	samples = testutil.Samples(t)
	root := filepath.Join(samples, "evtx-jsonl")
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(p, ".evtx.jsonl") {
			rel, _ := filepath.Rel(root, p)
			rels = append(rels, strings.TrimSuffix(rel, ".jsonl"))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(rels)
	if len(rels) == 0 {
		t.Skip("no evtx-jsonl oracle files")
	}
	return samples, rels
}

func readOracle(t testing.TB, path string) []map[string]any {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []map[string]any
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, m)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// decodeFile reads every entry of an EVTX file.
func decodeFile(t testing.TB, path string, workers int) (recs []*Record, rejs []*Reject) {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	ef, err := Open(f, st.Size())
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	err = ef.Walk(context.Background(), workers, func(e Entry) error {
		if e.Record != nil {
			recs = append(recs, e.Record)
		} else {
			rejs = append(rejs, e.Reject)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return recs, rejs
}

var pyTime = regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{6})?$`)

// normTimes rewrites python datetime strings to one form (seconds always with six decimals),
// the only normalization the comparison allows.
func normTimes(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = normTimes(e)
		}
	case []any:
		for i, e := range x {
			x[i] = normTimes(e)
		}
	case string:
		if pyTime.MatchString(x) && len(x) == 19 {
			return x + ".000000"
		}
	}
	return v
}

// TestOracle compares every field of every record of every sample .evtx that has a
// python-evtx decoding with that decoding.
func TestOracle(t *testing.T) {
	samples, rels := oracleFiles(t)
	var files, filesOK, records, recordsOK int
	for _, rel := range rels {
		want := readOracle(t, filepath.Join(samples, "evtx-jsonl", rel+".jsonl"))
		recs, rejs := decodeFile(t, filepath.Join(samples, rel), 2)
		files++
		ok := true
		if n, known := pythonUnreadable[rel]; known && len(want) == 0 {
			// python-evtx decodes none of these records; we must decode them all.
			if len(recs) != n || len(rejs) != 0 {
				t.Errorf("%s: %d records and %d rejects, want %d records", rel, len(recs), len(rejs), n)
				continue
			}
			filesOK++
			continue
		}
		if len(recs) != len(want) {
			t.Errorf("%s: %d records, python-evtx has %d (%d rejects: %v)", rel, len(recs), len(want), len(rejs), firstRejects(rejs))
			ok = false
		}
		records += len(want)
		for i := 0; i < len(recs) && i < len(want); i++ {
			var got map[string]any
			js := recs[i].RenderJSON()
			if err := json.Unmarshal(js, &got); err != nil {
				t.Fatalf("%s record %d: invalid JSON %v: %s", rel, i, err, js)
			}
			g, w := normTimes(got), normTimes(want[i])
			checkWindows(t, rel, i, recs[i], want[i])
			if reflect.DeepEqual(g, w) {
				recordsOK++
				continue
			}
			ok = false
			gb, _ := json.Marshal(g)
			wb, _ := json.Marshal(w)
			t.Errorf("%s record %d differs:\n got %s\nwant %s", rel, i, gb, wb)
		}
		if ok {
			filesOK++
		}
	}
	t.Logf("oracle: files %d/%d match, records %d/%d match", filesOK, files, recordsOK, records)
}

// pythonUnreadable lists the samples python-evtx cannot read (its evtx-jsonl decoding is
// empty) with the number of records the file holds.
var pythonUnreadable = map[string]int{
	"evtx-to-mitre/TA0001-Initial access/T1078-Valid accounts/ID1149-RDP success logins to multiple hosts.evtx": 11,
}

// checkWindows compares the windows.Record of a record with the oracle's System and data.
func checkWindows(t *testing.T, rel string, i int, r *Record, want map[string]any) {
	t.Helper()
	w := r.Windows()
	sys := want["System"].(map[string]any)
	str := func(k string) string { s, _ := sys[k].(string); return s }
	if float64(w.EventID) != sys["EventID"].(float64) || w.Channel != str("Channel") ||
		w.Computer != str("Computer") || w.Provider != str("Provider") || w.UserID != str("UserID") ||
		fmt.Sprint(w.EventRecordID) != str("EventRecordID") || w.Qualifiers != str("EventIDQualifiers") ||
		w.Keywords != str("Keywords") {
		t.Errorf("%s record %d: windows.Record System fields differ: %+v", rel, i, w)
	}
	if w.TimeCreated.Format("2006-01-02 15:04:05") != str("TimeCreated")[:19] {
		t.Errorf("%s record %d: TimeCreated %v, want %s", rel, i, w.TimeCreated, str("TimeCreated"))
	}
	data := map[string]any{}
	if ed, ok := want["EventData"].(map[string]any); ok {
		for k, v := range ed {
			data[k] = v
		}
	}
	if ud, ok := want["UserData"].(map[string]any); ok {
		for _, v := range ud {
			for k, x := range v.(map[string]any) {
				data[k] = x
			}
		}
	}
	if !reflect.DeepEqual(w.Data, data) {
		t.Errorf("%s record %d: windows.Record Data %v, want %v", rel, i, w.Data, data)
	}
}

func firstRejects(r []*Reject) string {
	var s []string
	for i, x := range r {
		if i == 3 {
			break
		}
		s = append(s, fmt.Sprint(x))
	}
	return strings.Join(s, "; ")
}

// TestTemplateLessRecords checks the file other parsers reject with "invalid token 0x05": its
// records are BinXML written without templates and without the dependency id of open start
// elements. They decode completely.
func TestTemplateLessRecords(t *testing.T) {
	p := testutil.Sample(t, "evtx-to-mitre/TA0001-Initial access/T1078-Valid accounts/ID1149-RDP success logins to multiple hosts.evtx")
	recs, rejs := decodeFile(t, p, 1)
	if len(recs) != 11 || len(rejs) != 0 {
		t.Fatalf("%d records, %d rejects; want 11 records", len(recs), len(rejs))
	}
	w := recs[0].Windows()
	if w.EventID != 1149 || w.Computer != "rootdc1.offsec.lan" || w.EventRecordID != 6433 ||
		w.Channel != "Microsoft-Windows-TerminalServices-RemoteConnectionManager/Operational" ||
		w.UserID != "S-1-5-20" || w.ProcessID != 952 || w.ThreadID != 5672 ||
		w.Data["Param1"] != "admmig" || w.Data["Param3"] != "10.23.123.11" || w.Data["Param2"] != nil {
		t.Errorf("first record: %+v", w)
	}
	if got := w.TimeCreated.Format(time.RFC3339Nano); got != "2021-12-16T10:25:32.3518358Z" {
		t.Errorf("TimeCreated %s", got)
	}
	for i, r := range recs {
		if r.Windows().EventID != 1149 {
			t.Errorf("record %d: event id %d", i, r.Windows().EventID)
		}
	}
}
