-- event rows: true
WITH
s1 AS (
  SELECT * FROM "events" WHERE "category" = $1
),
s2 AS (
  SELECT * FROM s1 WHERE ((("user" = $2) OR contains(lower("user"), lower($3))) OR ("host" = $4))
)
SELECT ["id"] AS "evidence" FROM s2
