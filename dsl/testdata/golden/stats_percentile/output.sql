WITH
s1 AS (
  SELECT * FROM "events" WHERE "category" = $1
),
s2 AS (
  SELECT time_bucket(to_microseconds($2), "time") AS "window_start", "src_ip" AS "src_ip", quantile_cont("bytes_out", 95 / 100.0) AS "p95", quantile_cont(TRY_CAST(json_extract_string("fields", $3) AS DOUBLE), 50 / 100.0) AS "median", list("id" ORDER BY "id") AS "__evidence" FROM s1 GROUP BY 1, 2
),
s3 AS (
  SELECT * FROM s2 WHERE ("p95" > $4)
)
SELECT * EXCLUDE ("__evidence") FROM s3 ORDER BY "window_start", "src_ip"
