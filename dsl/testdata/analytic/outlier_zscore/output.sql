WITH
s1 AS (
  SELECT * FROM "events" WHERE "category" = $1
),
s2 AS (
  SELECT *, avg("bytes_out") OVER (PARTITION BY "src_ip" ORDER BY "time" RANGE BETWEEN to_microseconds($2) PRECEDING AND CURRENT ROW EXCLUDE GROUP) AS "baseline", stddev_samp("bytes_out") OVER (PARTITION BY "src_ip" ORDER BY "time" RANGE BETWEEN to_microseconds($2) PRECEDING AND CURRENT ROW EXCLUDE GROUP) AS "spread", count("bytes_out") OVER (PARTITION BY "src_ip" ORDER BY "time" RANGE BETWEEN to_microseconds($2) PRECEDING AND CURRENT ROW EXCLUDE GROUP) AS "baseline_count" FROM s1
),
s3 AS (
  SELECT *, ("bytes_out" - "baseline") AS "deviation", CASE WHEN "spread" > 0 THEN ("bytes_out" - "baseline") / "spread" END AS "score" FROM s2 WHERE abs(CASE WHEN "spread" > 0 THEN ("bytes_out" - "baseline") / "spread" END) >= $3
)
SELECT * FROM s3 ORDER BY "time", "id"
