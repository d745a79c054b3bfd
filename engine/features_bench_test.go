package engine

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"trawl/generate"
)

// BenchmarkFeaturePass measures the feature pass (features and sessions of every event, as
// trawl features rebuild runs it) on a generated store of TRAWL_BENCH_FEATURE_EVENTS events
// (default 100000), and reports the import of the same store for comparison.
func BenchmarkFeaturePass(b *testing.B) {
	n := 100_000
	if v := os.Getenv("TRAWL_BENCH_FEATURE_EVENTS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil {
			b.Fatal(err)
		}
	}
	ctx := context.Background()
	dir := b.TempDir()
	gen := filepath.Join(dir, "gen")
	if _, err := generate.Run(ctx, generate.Config{Events: n, Seed: 1}, generate.DirOpener(gen)); err != nil {
		b.Fatal(err)
	}
	var files []string
	filepath.WalkDir(gen, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() && filepath.Base(p) != generate.TruthFile {
			files = append(files, p)
		}
		return err
	})
	st, err := Open(ctx, filepath.Join(dir, "bench.duckdb"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	start := time.Now()
	for _, r := range st.ImportFiles(ctx, files, ImportOptions{}) {
		if r.Err != nil {
			b.Fatal(r.Err)
		}
	}
	imported := time.Since(start) // includes the first feature pass
	b.ResetTimer()
	var fs FeatureStats
	for range b.N {
		if fs, err = st.RebuildFeatures(ctx); err != nil {
			b.Fatal(err)
		}
	}
	pass := b.Elapsed() / time.Duration(b.N)
	b.ReportMetric(float64(fs.Events)/pass.Seconds(), "events/s")
	b.ReportMetric(pass.Seconds()/(imported-pass).Seconds(), "pass/import")
}
