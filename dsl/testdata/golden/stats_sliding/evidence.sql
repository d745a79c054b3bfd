-- event rows: false
WITH
s1 AS (
  SELECT * FROM "events" WHERE "category" = $1
),
s2 AS (
  SELECT * FROM s1 WHERE ("outcome" = $2)
),
s3 AS (
  SELECT "__window" AS "window_start", "user" AS "user", count(*) AS "n", count(DISTINCT "src_ip") AS "dcount_src_ip", list("id" ORDER BY "id") AS "__evidence" FROM (SELECT *, unnest(generate_series(time_bucket(to_microseconds($4), "time") - to_microseconds($3) + to_microseconds($4), time_bucket(to_microseconds($4), "time"), to_microseconds($4))) AS "__window" FROM s2) GROUP BY 1, 2
),
s4 AS (
  SELECT * FROM s3 WHERE ("n" >= $5)
)
SELECT "__evidence" AS "evidence" FROM s4
