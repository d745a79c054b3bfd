// Package testutil holds what trawl's tests share: the golden-file helper behind -update, and
// the location of the public sample logs in ../shared/samples.
package testutil

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Update is the -update flag: golden files are rewritten instead of compared.
var Update = flag.Bool("update", false, "rewrite golden files")

// Golden compares got with the file at path (relative to the test's package directory) and
// fails with a diff when they differ. With -update it writes got instead.
func Golden(t testing.TB, path string, got []byte) {
	t.Helper()
	if *Update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading golden file (run with -update to create it): %v", err)
	}
	if !bytes.Equal(want, got) {
		t.Errorf("%s differs (-want +got), run go test -update to accept:\n%s", path, cmp.Diff(string(want), string(got)))
	}
}

// RepoRoot is the directory holding go.mod.
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test directory")
		}
		dir = parent
	}
}

// Samples returns the shared sample directory (TRAWL_SAMPLES, or ../shared/samples beside the
// repository), skipping the test with a clear message when it is absent.
func Samples(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("TRAWL_SAMPLES")
	if dir == "" {
		dir = filepath.Join(RepoRoot(t), "..", "shared", "samples")
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		t.Skipf("sample logs not found at %s (set TRAWL_SAMPLES or place shared/ beside the repository)", dir)
	}
	return dir
}

// Sample returns the path of one file under the samples directory, skipping when absent.
func Sample(t testing.TB, rel string) string {
	t.Helper()
	p := filepath.Join(Samples(t), rel)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("sample %s not found", rel)
	}
	return p
}
