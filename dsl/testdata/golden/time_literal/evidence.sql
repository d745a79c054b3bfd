-- event rows: true
WITH
s1 AS (
  SELECT * FROM "events"
),
s2 AS (
  SELECT * FROM s1 WHERE (("time" >= $1) AND ("time" < $2))
)
SELECT ["id"] AS "evidence" FROM s2
