package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestFindFiles checks the folder walk that rule and Sigma commands share: a file named on its
// own is taken as it is, a folder gives its matching files sorted, and a folder without any is
// an error naming what was looked for.
func TestFindFiles(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"b.hunt", "a.hunt", "sub/c.hunt", "notes.txt", "x.yaml", "y.yml"} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	empty := t.TempDir()
	j := func(names ...string) []string {
		for i, n := range names {
			names[i] = filepath.Join(dir, n)
		}
		return names
	}
	got, err := findFiles([]string{filepath.Join(dir, "notes.txt"), dir}, "rules", "*.hunt", func(n string) bool { return strings.HasSuffix(n, ".hunt") })
	if want := j("notes.txt", "a.hunt", "b.hunt", "sub/c.hunt"); err != nil || !slices.Equal(got, want) {
		t.Errorf("rules: %v, %v; want %v", got, err, want)
	}
	got, err = readSigmaRules([]string{dir})
	if want := j("x.yaml", "y.yml"); err != nil || !slices.Equal(got, want) {
		t.Errorf("sigma: %v, %v; want %v", got, err, want)
	}
	for _, tc := range []struct {
		read func() error
		want string
	}{
		{func() error { _, err := readRuleFiles([]string{empty}); return err }, "reading rules: no *.hunt files in " + empty},
		{func() error { _, err := readSigmaRules([]string{empty}); return err }, "reading sigma rules: no .yml files in " + empty},
		{func() error { _, err := readRuleFiles([]string{filepath.Join(empty, "missing")}); return err }, "reading rules: "},
	} {
		if err := tc.read(); err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("err = %v, want %q", err, tc.want)
		}
	}
}
