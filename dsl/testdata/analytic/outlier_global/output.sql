WITH
s1 AS (
  SELECT * FROM "events" WHERE "category" = $1
),
s2 AS (
  SELECT "src_ip" AS "src_ip", CAST(sum("bytes_out") AS BIGINT) AS "out", list("id" ORDER BY "id") AS "__evidence" FROM s1 GROUP BY 1
),
s3 AS (
  SELECT *, median("out") OVER (ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING EXCLUDE CURRENT ROW) AS "baseline", mad("out") OVER (ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING EXCLUDE CURRENT ROW) AS "spread", count("out") OVER (ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING EXCLUDE CURRENT ROW) AS "baseline_count" FROM s2
),
s4 AS (
  SELECT *, ("out" - "baseline") AS "deviation", CASE WHEN "spread" > 0 THEN 0.6745 * ("out" - "baseline") / "spread" END AS "score" FROM s3 WHERE abs(CASE WHEN "spread" > 0 THEN 0.6745 * ("out" - "baseline") / "spread" END) >= $2
)
SELECT * EXCLUDE ("__evidence") FROM s4 ORDER BY "src_ip"
