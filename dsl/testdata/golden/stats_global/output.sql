WITH
s1 AS (
  SELECT * FROM "events"
),
s2 AS (
  SELECT count(*) AS "count", count("user") AS "with_user", count(DISTINCT "host") AS "dcount_host" FROM s1
)
SELECT * FROM s2
