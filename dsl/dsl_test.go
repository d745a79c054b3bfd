package dsl

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"trawl/internal/testutil"
)

// goldenCases lists the directories under testdata/golden: each holds input.hunt and the
// expected output.sql and args.json (the engine tests also run them and compare rows).
func goldenCases(t testing.TB, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join("testdata", dir))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() {
			out = append(out, e.Name())
		}
	}
	if len(out) == 0 {
		t.Fatalf("no cases in testdata/%s", dir)
	}
	return out
}

func readInput(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// argsJSON renders bound arguments with their Go types, so a golden file shows that a time is
// bound as a time and a number as a number.
func argsJSON(args []any) []byte {
	type arg struct {
		Type  string `json:"type"`
		Value any    `json:"value"`
	}
	out := make([]arg, len(args))
	for i, a := range args {
		v := a
		if tm, ok := a.(time.Time); ok {
			v = tm.Format(time.RFC3339Nano)
		}
		out[i] = arg{Type: fmt.Sprintf("%T", a), Value: v}
	}
	b, _ := json.MarshalIndent(out, "", "  ")
	return append(b, '\n')
}

func TestGolden(t *testing.T) {
	for _, name := range goldenCases(t, "golden") {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join("testdata", "golden", name)
			src := readInput(t, filepath.Join(dir, "input.hunt"))
			out, err := Build(src, EventCatalogue())
			if err != nil {
				t.Fatalf("Build: %s", FormatError(src, err))
			}
			checkCompiled(t, src, out)
			testutil.Golden(t, filepath.Join(dir, "output.sql"), []byte(out.SQL+"\n"))
			testutil.Golden(t, filepath.Join(dir, "args.json"), argsJSON(out.Args))
			ev := "-- the query loses its evidence\n"
			if out.EvidenceSQL != "" {
				ev = fmt.Sprintf("-- event rows: %v\n%s\n", out.EventRows, out.EvidenceSQL)
			}
			testutil.Golden(t, filepath.Join(dir, "evidence.sql"), []byte(ev))
			if got := strings.Count(out.SQL, "$"); got < len(out.Args) {
				t.Errorf("SQL has %d placeholders for %d args", got, len(out.Args))
			}
		})
	}
}

func TestErrors(t *testing.T) {
	for _, name := range goldenCases(t, "errors") {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join("testdata", "errors", name)
			src := readInput(t, filepath.Join(dir, "input.hunt"))
			_, err := Build(src, EventCatalogue())
			if err == nil {
				t.Fatal("Build succeeded; want an error")
			}
			checkErrors(t, src, err)
			testutil.Golden(t, filepath.Join(dir, "error.txt"), []byte(FormatError(src, err)))
		})
	}
}
