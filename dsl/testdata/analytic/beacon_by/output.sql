WITH
s1 AS (
  SELECT * FROM "events" WHERE "category" = $1
),
s2 AS (
  SELECT "src_ip", "dst_port", "time", "id", (epoch_us("time") - lag(epoch_us("time")) OVER (PARTITION BY "src_ip", "dst_port" ORDER BY "time", "id")) / 1000000.0 AS "__interval" FROM s1 WHERE "time" IS NOT NULL AND "src_ip" IS NOT NULL AND "dst_port" IS NOT NULL
),
s3 AS (
  SELECT "src_ip", "dst_port", count(*) AS "count", min("time") AS "first", max("time") AS "last", avg("__interval") AS "mean_interval", median("__interval") AS "median_interval", stddev_samp("__interval") AS "stddev_interval", mad("__interval") AS "mad_interval" FROM s2 GROUP BY "src_ip", "dst_port"
),
s4 AS (
  SELECT "src_ip", "dst_port", "count", "first", "last", "mean_interval", "median_interval", "stddev_interval", "mad_interval", CASE WHEN "mean_interval" > 0 THEN "stddev_interval" / "mean_interval" END AS "cv", CASE WHEN "median_interval" > 0 THEN "mad_interval" / "median_interval" END AS "jitter", greatest(0.0, 1.0 - CASE WHEN "median_interval" > 0 THEN "mad_interval" / "median_interval" END) AS "score" FROM s3 WHERE "count" >= $2 AND CASE WHEN "median_interval" > 0 THEN "mad_interval" / "median_interval" END <= $3
),
s5 AS (
  SELECT b.*, (SELECT list(e."id" ORDER BY e."time", e."id") FROM s2 e WHERE e."src_ip" = b."src_ip" AND e."dst_port" = b."dst_port") AS "evidence" FROM s4 b
),
s6 AS (
  SELECT "src_ip", "dst_port", "count", "jitter", "evidence" AS "__evidence" FROM s5
)
SELECT * EXCLUDE ("__evidence") FROM s6 ORDER BY "jitter", "src_ip", "dst_port"
