WITH
s1 AS (
  SELECT * FROM "events" WHERE "category" = $1
),
s2 AS (
  SELECT time_bucket(to_microseconds($2), "time") AS "window_start", "src_ip" AS "src_ip", CAST(sum("bytes_out") AS BIGINT) AS "out", list("id" ORDER BY "id") AS "__evidence" FROM s1 GROUP BY 1, 2
),
s3 AS (
  SELECT *, median("out") OVER (PARTITION BY "src_ip" ORDER BY "window_start" RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW EXCLUDE GROUP) AS "baseline", mad("out") OVER (PARTITION BY "src_ip" ORDER BY "window_start" RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW EXCLUDE GROUP) AS "spread", count("out") OVER (PARTITION BY "src_ip" ORDER BY "window_start" RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW EXCLUDE GROUP) AS "baseline_count" FROM s2
),
s4 AS (
  SELECT *, ("out" - "baseline") AS "deviation", CASE WHEN "spread" > 0 THEN 0.6745 * ("out" - "baseline") / "spread" END AS "score" FROM s3 WHERE abs(CASE WHEN "spread" > 0 THEN 0.6745 * ("out" - "baseline") / "spread" END) >= $3
)
SELECT * EXCLUDE ("__evidence") FROM s4 ORDER BY "window_start", "src_ip"
