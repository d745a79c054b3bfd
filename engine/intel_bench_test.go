package engine

import (
	"bufio"
	"crypto/md5"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkIntelMatches measures intel_matches over a generated store of 1M events (65k
// internal and 200k external addresses, 50k domain names under 5k registered domains, 20k URLs,
// 100k hashes) against 10k indicators (addresses, networks, domains, URLs, hashes) imported
// from a CSV file. Run: go test ./engine -run '^$' -bench IntelMatches -benchtime 1x
func BenchmarkIntelMatches(b *testing.B) {
	const events, indicators = 1_000_000, 10_000
	dir := b.TempDir()
	dbPath := filepath.Join(dir, "bench.duckdb")
	if keep := os.Getenv("TRAWL_BENCH_DB"); keep != "" {
		dbPath = keep // keep the store for a closer look
	}
	st, err := Open(b.Context(), dbPath, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	start := time.Now()
	_, err = st.db.ExecContext(b.Context(), `DELETE FROM events; DELETE FROM intel`)
	if err != nil {
		b.Fatal(err)
	}
	_, err = st.db.ExecContext(b.Context(), `INSERT INTO events (id, file_id, source, source_type, time, src_ip, dst_ip, domain, url, hash)
		SELECT i, 1, 'gen', 'gen', TIMESTAMP '2026-04-01' + to_seconds(i),
		       '10.' || (h % 256) || '.' || ((h >> 8) % 256) || '.' || ((h >> 16) % 256),
		       (20 + (g % 180)) || '.' || ((g >> 8) % 256) || '.' || ((g >> 16) % 4) || '.' || ((g >> 20) % 256),
		       CASE WHEN i % 3 = 0 THEN 'h' || (g % 10) || '.d' || (g % 5000) || '.example' END,
		       CASE WHEN i % 7 = 0 THEN 'http://d' || (h % 5000) || '.example/p/' || (h % 20000) END,
		       CASE WHEN i % 5 = 0 THEN md5((h % 100000)::VARCHAR) END
		FROM (SELECT i, hash(i) AS h, hash(i * 31 + 7) AS g FROM range(1, ?) t(i))`, events+1)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("generated %d events in %v", events, time.Since(start).Round(time.Millisecond))

	rng := rand.New(rand.NewPCG(5, 6))
	p := filepath.Join(dir, "intel.csv")
	f, err := os.Create(p)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "type,value,confidence,expiry")
	for i := range indicators {
		expiry := ""
		if i%4 == 0 {
			expiry = "2026-04-06"
		}
		var t, v string
		switch i % 5 {
		case 0:
			t, v = "ipv4", fmt.Sprintf("%d.%d.%d.%d", 20+rng.IntN(180), rng.IntN(256), rng.IntN(4), rng.IntN(256))
		case 1:
			t, v = "cidr", fmt.Sprintf("%d.%d.%d.0/24", 20+rng.IntN(180), rng.IntN(256), rng.IntN(4))
		case 2:
			t, v = "domain", fmt.Sprintf("d%d.example", rng.IntN(100000))
		case 3:
			t, v = "url", fmt.Sprintf("http://d%d.example/p/%d", rng.IntN(5000), rng.IntN(200000))
		default:
			t, v = "md5", fmt.Sprintf("%x", md5.Sum([]byte(fmt.Sprint(rng.IntN(1_000_000))))) // a tenth of them occur
		}
		fmt.Fprintf(w, "%s,%s,%d,%s\n", t, v, rng.IntN(101), expiry)
	}
	w.Flush()
	f.Close()
	var n int64
	start = time.Now()
	res, err := st.ImportIntel(b.Context(), p, "bench")
	if err != nil || res.Indicators != indicators {
		b.Fatalf("%+v %v", res, err)
	}
	b.Logf("imported %d indicators in %v", indicators, time.Since(start).Round(time.Millisecond))
	if err := st.db.QueryRowContext(b.Context(), `SELECT count(*) FROM intel`).Scan(&n); err != nil || n != indicators {
		b.Fatalf("%d indicators stored, want %d (%v)", n, indicators, err)
	}
	b.ResetTimer()
	for range b.N {
		if err := st.db.QueryRowContext(b.Context(), `SELECT count(*) FROM (SELECT * FROM intel_matches)`).Scan(&n); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	by, err := st.Query(b.Context(), `SELECT field, matched_by, count(*) FROM intel_matches GROUP BY ALL ORDER BY ALL`)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("%d matches: %v", n, by.Rows)
}
