package dsl

import (
	"strings"
	"testing"
)

// TestMeasure: the last analytic stage names the rows' anomaly measure while its column lasts;
// MeasureSQL is EvidenceSQL with that column beside the evidence.
func TestMeasure(t *testing.T) {
	for _, tc := range []struct {
		q          string
		kind, col  string // "" kind: no measure
		measureSQL string // in MeasureSQL when there is one
	}{
		{`network | stats sum(bytes_out) as out by src_ip window 1h | outlier out by src_ip`, "zscore", "score", `"score" AS "measure"`},
		{`network | stats sum(bytes_out) as out by src_ip window 1h | outlier out by src_ip method mad | where score > 0 | sort score desc | head 5`, "mad", "score", `"score" AS "measure"`},
		{`network | outlier bytes_out by src_ip`, "zscore", "score", `"score" AS "measure"`},
		{`process | rare process_name by host | where count <= 2`, "rarity", "count", `"count" AS "measure"`},
		{`network | beacon`, "regularity", "score", `"score" AS "measure"`},
		{`logon | first_seen src_ip by user_key | where time >= "2026-01-01"`, "first_seen", "", `NULL AS "measure"`},
		{`process | rare process_name by host | fields process_name, count`, "rarity", "count", `"count" AS "measure"`},
		// Lost: a later aggregation, the column overwritten or dropped.
		{`network | outlier bytes_out by src_ip | stats count() by src_ip`, "", "", ""},
		{`process | rare process_name by host | eval count = 1`, "", "", ""},
		{`network | beacon | fields src_ip, dst_ip, evidence`, "", "", ""},
		{`network | beacon | fields - score`, "", "", ""},
		// A stats after first_seen ends it; a rare after an outlier replaces it.
		{`logon | first_seen src_ip by user_key | stats count() by user_key`, "", "", ""},
		{`network | outlier bytes_out by src_ip | rare src_ip`, "rarity", "count", `"count" AS "measure"`},
		{`logon | where outcome == "failure"`, "", "", ""},
		{`logon | stats count() as n by src_ip | where n > 5`, "", "", ""},
	} {
		c, err := Build(tc.q, EventCatalogue())
		if err != nil {
			t.Fatalf("%s: %v", tc.q, err)
		}
		switch {
		case tc.kind == "" && (c.Measure != nil || c.MeasureSQL != ""):
			t.Errorf("%s: measure %+v, want none", tc.q, c.Measure)
		case tc.kind != "" && (c.Measure == nil || c.Measure.Kind != tc.kind || c.Measure.Column != tc.col):
			t.Errorf("%s: measure %+v, want %s %q", tc.q, c.Measure, tc.kind, tc.col)
		case tc.kind != "" && (!strings.Contains(c.MeasureSQL, tc.measureSQL) ||
			!strings.HasPrefix(c.MeasureSQL, c.EvidenceSQL[:strings.LastIndex(c.EvidenceSQL, " FROM ")]+", ")):
			t.Errorf("%s: MeasureSQL\n%s\nwant it to contain %s", tc.q, c.MeasureSQL, tc.measureSQL)
		}
	}
}
