package dsl

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"trawl/internal/testutil"
)

// analyticCatalogue is the catalogue the analytic cases compile against: the events table, the
// store's context tables, the tables of testdata/lookup/tables.json (the engine tests create
// them) and lookup files read relative to dir.
func analyticCatalogue(t testing.TB, dir string) TableCatalogue {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "testdata", "lookup", "tables.json"))
	if err != nil {
		t.Fatal(err)
	}
	var extra []*Table
	if err := json.Unmarshal(b, &extra); err != nil {
		t.Fatal(err)
	}
	return WithTables(EventCatalogue(), append(StoreTables(), extra...), func(path string) (*Table, error) {
		f, err := os.Open(filepath.Join(dir, path))
		if err != nil {
			return nil, err
		}
		defer f.Close()
		return ReadTableCSV(path, f, "")
	})
}

// TestAnalyticGolden compiles the cases of testdata/analytic (outlier, beacon, lookup, let):
// output.sql and args.json; the engine tests run them on DuckDB and compare output.csv.
func TestAnalyticGolden(t *testing.T) {
	cat := analyticCatalogue(t, ".")
	for _, name := range goldenCases(t, "analytic") {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join("testdata", "analytic", name)
			src := readInput(t, filepath.Join(dir, "input.hunt"))
			out, err := Build(src, cat)
			if err != nil {
				t.Fatalf("Build: %s", FormatError(src, err))
			}
			checkCompiled(t, src, out)
			testutil.Golden(t, filepath.Join(dir, "output.sql"), []byte(out.SQL+"\n"))
			testutil.Golden(t, filepath.Join(dir, "args.json"), argsJSON(out.Args))
			q, err := Parse(src)
			if err != nil {
				t.Fatal(err)
			}
			printed := q.String()
			again, err := Build(printed, cat)
			if err != nil || again.SQL != out.SQL {
				t.Errorf("canonical form %q compiles differently: %v", printed, err)
			}
		})
	}
}

func TestAnalyticErrors(t *testing.T) {
	cat := analyticCatalogue(t, ".")
	for _, name := range goldenCases(t, "analytic_errors") {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join("testdata", "analytic_errors", name)
			src := readInput(t, filepath.Join(dir, "input.hunt"))
			_, err := Build(src, cat)
			if err == nil {
				t.Fatal("Build succeeded; want an error")
			}
			checkErrors(t, src, err)
			testutil.Golden(t, filepath.Join(dir, "error.txt"), []byte(FormatError(src, err)))
		})
	}
}

// TestAnalyticLiterals: text in the analytic cases reaches SQL only as arguments.
func TestAnalyticLiterals(t *testing.T) {
	cat := analyticCatalogue(t, ".")
	for _, name := range goldenCases(t, "analytic") {
		src := readInput(t, filepath.Join("testdata", "analytic", name, "input.hunt"))
		if strings.Contains(src, ".csv") {
			continue // a file path: other text names no file
		}
		orig, err := Build(src, cat)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{`x'); DROP TABLE events; --`, `'`, `$1`, `é"'\"`} {
			var b strings.Builder
			last := 0
			for _, r := range stringTokens(src) {
				b.WriteString(src[last:r[0]])
				b.WriteString(Quote(p))
				last = r[1]
			}
			b.WriteString(src[last:])
			got, err := Build(b.String(), cat)
			if err != nil {
				checkErrors(t, b.String(), err)
				continue
			}
			if strings.Contains(src, "base64") || strings.Contains(src, "windash") {
				// An expansion makes as many values as the text asks for: the SQL grows with
				// them, but the text itself still only travels as arguments.
				if p != `$1` && strings.Contains(got.SQL, p) {
					t.Errorf("%s with %q: payload in the SQL:\n%s", name, p, got.SQL)
				}
				continue
			}
			if got.SQL != orig.SQL {
				t.Errorf("%s with %q: SQL changed:\n%s", name, p, got.SQL)
			}
		}
	}
}

// FuzzAnalytic: the analytic cases and their errors as seeds; nothing panics, spans stay in the
// input, and what checks compiles with placeholders matching the arguments.
func FuzzAnalytic(f *testing.F) {
	for _, dir := range []string{"analytic", "analytic_errors"} {
		for _, name := range goldenCases(f, dir) {
			f.Add(readInput(f, filepath.Join("testdata", dir, name, "input.hunt")))
		}
	}
	cat := analyticCatalogue(f, ".")
	f.Fuzz(func(t *testing.T, src string) {
		q, err := Parse(src)
		if err != nil {
			checkErrors(t, src, err)
			return
		}
		ch, err := Check(q, cat)
		if err != nil {
			checkErrors(t, src, err)
			return
		}
		c, err := Compile(ch)
		if err != nil {
			t.Fatalf("%q checked but did not compile: %v", src, err)
		}
		checkCompiled(t, src, c)
		if _, err := Parse(q.String()); err != nil {
			t.Fatalf("canonical form of %q does not parse: %q", src, q.String())
		}
	})
}

// TestExpanders checks the Sigma value expansions against the values pySigma produces.
func TestExpanders(t *testing.T) {
	cases := []struct {
		src  string
		want []string
	}{
		// From the Sigma specification's base64offset example.
		{`base64offset("http://")`, []string{"aHR0cDovL", "h0dHA6Ly", "odHRwOi8v"}},
		{`base64("whoami")`, []string{"d2hvYW1p"}},
		{`base64offset(wide("IEX"))`, []string{"SQBFAFgA", "kARQBYA", "JAEUAWA"}},
		{`base64(utf16be("A"))`, []string{"AEE="}},
		{`base64(utf16("A"))`, []string{"//5BAA=="}},
		{`windash("-enc")`, []string{"-enc", "/enc", "\u2013enc", "\u2014enc", "\u2015enc"}},
		{`windash("a-b /c")`, []string{"a-b -c", "a-b /c", "a-b \u2013c", "a-b \u2014c", "a-b \u2015c"}},
	}
	for _, tc := range cases {
		q, err := Parse(`process | where command_line contains_cs ` + tc.src)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Check(q, EventCatalogue()); err != nil {
			t.Fatalf("%s: %v", tc.src, err)
		}
		e := q.Stages[0].(*Where).Cond.(*StrMatch).Values[0].(*Expansion)
		var got []string
		for _, v := range e.Values {
			got = append(got, v.Value.(string))
		}
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("%s = %q, want %q", tc.src, got, tc.want)
		}
	}
}
