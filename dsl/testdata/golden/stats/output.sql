WITH
s1 AS (
  SELECT * FROM "events" WHERE "category" = $1
),
s2 AS (
  SELECT * FROM s1 WHERE ("outcome" = $2)
),
s3 AS (
  SELECT "src_ip" AS "src_ip", count(*) AS "n", count(DISTINCT "user") AS "users", list_sort(list(DISTINCT "user") FILTER (WHERE "user" IS NOT NULL)) AS "values_user", arg_min("user", "time") AS "first_user", arg_max("user", "time") AS "last_user", min("time") AS "min_time", max("time") AS "max_time", list("id" ORDER BY "id") AS "__evidence" FROM s2 GROUP BY 1
),
s4 AS (
  SELECT * FROM s3 WHERE ("n" >= $3)
)
SELECT * EXCLUDE ("__evidence") FROM s4 ORDER BY "n" DESC, "src_ip"
