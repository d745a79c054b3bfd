package engine

import (
	"context"
	"sync"
	"testing"
)

var (
	benchOnce  sync.Once
	benchStore *Store
	benchErr   error
)

// benchEvents is the size of the generated store the hunt benchmarks run on.
const benchEvents = 1_000_000

// huntBenchStore generates benchEvents synthetic events inside DuckDB (once per test binary):
// a quarter each logon, network, process and dns, 500 users, addresses in and out of 10/8.
func huntBenchStore(b *testing.B) *Store {
	benchOnce.Do(func() {
		ctx := context.Background()
		benchStore, benchErr = Open(ctx, ":memory:", Options{})
		if benchErr != nil {
			return
		}
		_, benchErr = benchStore.db.ExecContext(ctx, `INSERT INTO events (id, file_id, source, source_type, time, category, outcome, "user", user_key, src_ip, dst_ip, dst_port, bytes_out, command_line, domain)
			SELECT i, 1, 'gen', 'gen', TIMESTAMP '2024-01-01' + to_seconds(i),
				['logon', 'network', 'process', 'dns'][i % 4 + 1],
				CASE WHEN i % 7 = 0 THEN 'failure' ELSE 'success' END,
				'user' || (i % 500), 'user' || (i % 500),
				CASE WHEN i % 5 = 0 THEN '203.0.' || (i % 256) || '.' || (i // 256 % 256) ELSE '10.' || (i % 256) || '.' || (i // 256 % 256) || '.' || (i % 13) END,
				CASE WHEN i % 3 = 0 THEN '8.8.' || (i % 256) || '.1' ELSE '10.1.' || (i % 200) || '.' || (i % 250) END,
				[22, 80, 443, 445, 3389][i % 5 + 1], i % 100000,
				CASE WHEN i % 1000 = 0 THEN 'powershell.exe -nop -enc SQBFAFgA' ELSE 'C:\Windows\System32\svchost.exe -k netsvcs -p ' || i END,
				CASE WHEN i % 997 = 0 THEN md5(i::VARCHAR) || md5((i + 1)::VARCHAR) || '.tunnel.example.com' ELSE 'www' || (i % 50) || '.example.com' END
			FROM range(`+"1000000"+`) t(i)`)
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchStore
}

// huntBenchCases pair a DSL query with the SQL an analyst would write by hand for the same
// question; both must return the same number of rows.
var huntBenchCases = []struct {
	name, dsl, sql string
}{
	{"failures_by_source",
		`logon | where outcome == "failure" | stats count() as n, dcount(user) as users by src_ip | where n >= 10`,
		`SELECT src_ip, count(*) AS n, count(DISTINCT "user") AS users FROM events WHERE category = 'logon' AND outcome = 'failure' GROUP BY src_ip HAVING count(*) >= 10`},
	{"outbound_by_cidr",
		`network | where dst_ip not in 10.0.0.0/8 | stats sum(bytes_out) as sent by src_ip | where sent > 1000000`,
		`SELECT src_ip, sum(bytes_out) AS sent FROM events WHERE category = 'network' AND NOT starts_with(dst_ip, '10.') GROUP BY src_ip HAVING sum(bytes_out) > 1000000`},
	{"encoded_powershell",
		`process | where command_line contains "-enc" and command_line contains "powershell" | fields time, user, command_line`,
		`SELECT time, "user", command_line FROM events WHERE category = 'process' AND command_line ILIKE '%-enc%' AND command_line ILIKE '%powershell%' ORDER BY time, id`},
	{"dns_entropy",
		`dns | where len(domain) > 50 and entropy(domain) > 3.5 | stats count() by user`,
		`SELECT "user", count(*) FROM events WHERE category = 'dns' AND length(domain) > 50 AND list_aggregate(string_split(domain, ''), 'entropy') > 3.5 GROUP BY "user"`},
}

func BenchmarkHunt(b *testing.B) {
	s := huntBenchStore(b)
	ctx := context.Background()
	for _, bc := range huntBenchCases {
		if bc.sql == "" {
			continue
		}
		dslRows, sqlRows := -1, -1
		b.Run(bc.name+"/dsl", func(b *testing.B) {
			for b.Loop() {
				t, _, err := s.QueryDSL(ctx, bc.dsl)
				if err != nil {
					b.Fatal(err)
				}
				dslRows = len(t.Rows)
			}
		})
		b.Run(bc.name+"/sql", func(b *testing.B) {
			for b.Loop() {
				t, err := s.Query(ctx, bc.sql)
				if err != nil {
					b.Fatal(err)
				}
				sqlRows = len(t.Rows)
			}
		})
		if dslRows != sqlRows {
			b.Errorf("%s: DSL returned %d rows, hand-written SQL %d", bc.name, dslRows, sqlRows)
		}
	}
}
