package sigma

import (
	"strings"
	"testing"
)

// FuzzSigma feeds arbitrary YAML to the reader and compiler: it must never panic (a recovered
// panic shows as an internal error, which fails too), and a rule that runs must have a checked
// form.
func FuzzSigma(f *testing.F) {
	for _, tc := range modifierCases {
		f.Add(ruleYAML(tc.logsource, tc.detection))
	}
	f.Add("title: x\nlogsource: {product: windows}\ndetection: {sel: [], condition: sel}\n")
	f.Add("title: &a x\nlogsource: *a\n")
	f.Add("[[[[[[[[")
	f.Fuzz(func(t *testing.T, src string) {
		res := ConvertFile("fuzz.yml", []byte(src), Options{})
		for _, r := range res.Reasons {
			if strings.Contains(r, "internal error") {
				t.Fatalf("%s\n%s", r, src)
			}
		}
		if res.Outcome != Unsupported && res.Checked == nil {
			t.Fatalf("%s without a checked rule:\n%s", res.Outcome, src)
		}
	})
}
