-- event rows: true
WITH
s1 AS (
  SELECT * FROM "events" WHERE "category" = $1
),
s2 AS (
  SELECT * FROM s1 WHERE ("outcome" = $2)
),
s3 AS (
  SELECT *, ["id"] AS "__evidence" FROM s2
),
s4 AS (
  SELECT * REPLACE ($3 AS "id") FROM s3
),
s5 AS (
  SELECT * REPLACE (lower("user") AS "user") FROM s4
)
SELECT "__evidence" AS "evidence" FROM s5
