-- event rows: true
WITH
s1 AS (
  SELECT * FROM "events" WHERE "category" = $1
),
s2 AS (
  SELECT * FROM s1 WHERE regexp_matches("url", $2)
)
SELECT ["id"] AS "evidence" FROM s2
