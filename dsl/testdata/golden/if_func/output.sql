WITH
s1 AS (
  SELECT * FROM "events"
),
s2 AS (
  SELECT * FROM s1 WHERE (("category" = $1) OR ("category" = $2))
),
s3 AS (
  SELECT *, (CASE WHEN coalesce((("category" = $3) AND ("outcome" = $4)), false) THEN $5 ELSE $6 END) AS "failed" FROM s2
),
s4 AS (
  SELECT *, (CASE WHEN coalesce(("category" = $7), false) THEN "target_user" ELSE "user" END) AS "who" FROM s3
),
s5 AS (
  SELECT time_bucket(to_microseconds($8), "time") AS "window_start", "who" AS "who", CAST(sum("failed") AS BIGINT) AS "failures", count(*) AS "n", list("id" ORDER BY "id") AS "__evidence" FROM s4 GROUP BY 1, 2
),
s6 AS (
  SELECT * FROM s5 WHERE (((CASE WHEN coalesce(("failures" > $9), false) THEN $10 ELSE $11 END) + (CASE WHEN coalesce(("n" > "failures"), false) THEN $12 ELSE $13 END)) >= $14)
)
SELECT * EXCLUDE ("__evidence") FROM s6 ORDER BY "window_start", "who"
