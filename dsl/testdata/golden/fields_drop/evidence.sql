-- event rows: true
WITH
s1 AS (
  SELECT * FROM "events" WHERE "category" = $1
),
s2 AS (
  SELECT * FROM s1 WHERE ("user" = $2)
),
s3 AS (
  SELECT * EXCLUDE ("raw", "fields", "message") FROM s2
)
SELECT ["id"] AS "evidence" FROM s3
