package engine

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	_ "trawl/importers/jsonl"
)

// BenchmarkStoreAppend measures the store side of an import (appender, entity keys, JSON of
// fields) with a trivial format, so that parser and store costs can be told apart.
func BenchmarkStoreAppend(b *testing.B) {
	dir := b.TempDir()
	p := filepath.Join(dir, "in.log")
	f, _ := os.Create(p)
	w := bufio.NewWriter(f)
	const n = 200_000
	for i := range n {
		fmt.Fprintf(w, "2024-01-02T03:%02d:%02dZ|CORP\\user%d|WS%03d.corp.local|10.0.%d.%d|event number %d\n", i/60%60, i%60, i%50, i%30, i/256%256, i%256, i)
	}
	w.Flush()
	st, _ := f.Stat()
	f.Close()
	b.SetBytes(st.Size())
	b.ResetTimer()
	for range b.N {
		s, err := Open(context.Background(), ":memory:", Options{})
		if err != nil {
			b.Fatal(err)
		}
		res := s.ImportFiles(context.Background(), []string{p}, ImportOptions{})
		if res[0].Err != nil || res[0].Events != n {
			b.Fatalf("%+v", res[0])
		}
		s.Close()
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkRawReadJSON is the baseline the JSON-lines importer is measured against: DuckDB
// loading the same file itself with read_json into a table (Store.RawLoad, as trawl bench does).
func BenchmarkRawReadJSON(b *testing.B) {
	p := os.Getenv("TRAWL_BENCH_JSONL")
	if p == "" {
		b.Skip("set TRAWL_BENCH_JSONL to a JSON-lines file")
	}
	st, err := os.Stat(p)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(st.Size())
	for range b.N {
		s, err := Open(context.Background(), ":memory:", Options{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.RawLoad(context.Background(), p, "json"); err != nil {
			b.Fatal(err)
		}
		s.Close()
	}
}

// BenchmarkImportJSONL imports TRAWL_BENCH_JSONL with the jsonl format, to compare with
// BenchmarkRawReadJSON on the same file.
func BenchmarkImportJSONL(b *testing.B) {
	p := os.Getenv("TRAWL_BENCH_JSONL")
	if p == "" {
		b.Skip("set TRAWL_BENCH_JSONL to a JSON-lines file")
	}
	st, err := os.Stat(p)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(st.Size())
	var events int64
	for range b.N {
		s, err := Open(context.Background(), ":memory:", Options{})
		if err != nil {
			b.Fatal(err)
		}
		res := s.ImportFiles(context.Background(), []string{p}, ImportOptions{Format: "jsonl"})
		if res[0].Err != nil {
			b.Fatal(res[0].Err)
		}
		events += res[0].Events
		s.Close()
	}
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
}
