WITH
s1 AS (
  SELECT * FROM "events" WHERE "category" = $1
),
s2 AS (
  SELECT time_bucket(to_microseconds($2), "time") AS "window_start", "src_ip" AS "src_ip", "dst_ip" AS "dst_ip", CAST(sum("bytes_out") AS BIGINT) AS "out", avg("bytes_out") AS "avg_bytes_out", count(*) AS "count", list("id" ORDER BY "id") AS "__evidence" FROM s1 GROUP BY 1, 2, 3
),
s3 AS (
  SELECT * FROM s2 WHERE ("out" > $3)
)
SELECT * EXCLUDE ("__evidence") FROM s3 ORDER BY "window_start", "src_ip", "dst_ip"
