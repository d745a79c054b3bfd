WITH
s1 AS (
  SELECT * FROM "events"
),
s2 AS (
  SELECT * FROM s1 WHERE ("category" IN ($1, $2))
),
s3 AS (
  SELECT "host", "category", "outcome", count(*) AS "count", min("time") AS "first", max("time") AS "last", list("id" ORDER BY "id") AS "__evidence" FROM s2 GROUP BY 1, 2, 3
)
SELECT * EXCLUDE ("__evidence") FROM s3 ORDER BY "count", "host", "category", "outcome"
