package engine

import (
	"context"
	"testing"

	"trawl/dsl"
)

// analyticBenchCases pair the analytic stages with the SQL an analyst would write by hand for the
// same question, over the generated store of huntBenchStore (1M events). The hand-written SQL
// gathers no evidence ids, which the DSL does for beacon and stats.
var analyticBenchCases = []struct {
	name, dsl, sql string
}{
	{"outlier_mad_hourly",
		`network | stats sum(bytes_out) as out by src_ip window 1h | outlier out by src_ip method mad threshold 3.5`,
		`WITH h AS (SELECT time_bucket(INTERVAL 1 HOUR, time) AS w, src_ip, sum(bytes_out) AS out FROM events WHERE category = 'network' GROUP BY 1, 2),
		b AS (SELECT *, median(out) OVER win AS med, mad(out) OVER win AS m FROM h WINDOW win AS (PARTITION BY src_ip ORDER BY w RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW))
		SELECT * FROM b WHERE m > 0 AND abs(0.6745 * (out - med) / m) >= 3.5`},
	{"outlier_zscore_events",
		`network | outlier bytes_out by dst_port over 1d threshold 1.7`,
		`SELECT * FROM (SELECT *, avg(bytes_out) OVER win AS mu, stddev_samp(bytes_out) OVER win AS sd FROM events WHERE category = 'network'
		WINDOW win AS (PARTITION BY dst_port ORDER BY time RANGE BETWEEN INTERVAL 1 DAY PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW)) WHERE sd > 0 AND abs((bytes_out - mu) / sd) >= 1.7`},
	{"beacon",
		`network | beacon by src_ip, dst_port min 10 max_jitter 0.2`,
		`WITH iv AS (SELECT src_ip, dst_port, time, (epoch_us(time) - lag(epoch_us(time)) OVER (PARTITION BY src_ip, dst_port ORDER BY time)) / 1e6 AS d FROM events WHERE category = 'network'),
		p AS (SELECT src_ip, dst_port, count(*) AS n, median(d) AS med, mad(d) AS m FROM iv GROUP BY 1, 2)
		SELECT * FROM p WHERE n >= 10 AND med > 0 AND m / med <= 0.2`},
	{"lookup_let",
		`let hosts = ["user1", "user42", "user77", "user300"]
		logon | lookup hosts on user | stats count() by user`,
		`SELECT "user", count(*) FROM events WHERE category = 'logon' AND "user" IN ('user1', 'user42', 'user77', 'user300') GROUP BY 1`},
	{"lookup_table",
		`network | lookup benchlist on dst_ip | stats count() by benchlist_reason`,
		`SELECT b.reason, count(*) FROM events e JOIN benchlist b ON e.dst_ip = b.ip WHERE e.category = 'network' GROUP BY 1`},
}

func BenchmarkAnalytic(b *testing.B) {
	s := huntBenchStore(b)
	ctx := context.Background()
	if _, err := s.db.ExecContext(ctx, `CREATE OR REPLACE TABLE benchlist AS SELECT '8.8.' || i || '.1' AS ip, 'reason ' || (i % 7) AS reason FROM range(256) t(i)`); err != nil {
		b.Fatal(err)
	}
	cat := dsl.WithTables(dsl.EventCatalogue(), []*dsl.Table{{Name: "benchlist", Key: "ip", From: `SELECT "ip", "reason" FROM "benchlist"`,
		Columns: []dsl.Column{{Name: "ip", Type: dsl.TypeString}, {Name: "reason", Type: dsl.TypeString}}}}, nil)
	for _, bc := range analyticBenchCases {
		c, err := dsl.Build(bc.dsl, cat)
		if err != nil {
			b.Fatalf("%s: %s", bc.name, dsl.FormatError(bc.dsl, err))
		}
		dslRows, sqlRows := -1, -1
		b.Run(bc.name+"/dsl", func(b *testing.B) {
			for b.Loop() {
				t, err := s.Query(ctx, c.SQL, c.Args...)
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
		b.Logf("%s: %d rows", bc.name, dslRows)
		if dslRows != sqlRows {
			b.Errorf("%s: DSL returned %d rows, hand-written SQL %d", bc.name, dslRows, sqlRows)
		}
	}
}
