-- event rows: true
WITH
s1 AS (
  SELECT * FROM "events" WHERE "category" = $1
),
s2 AS (
  SELECT * FROM s1 WHERE ((((hour("time") < $2) OR (isodow("time") >= $3)) OR (NOT coalesce((isodow("time") <= 5 AND hour("time") >= 8 AND hour("time") < 18), false))) OR (isodow("time") <= 5 AND hour("time") >= $4 AND hour("time") < $5))
)
SELECT ["id"] AS "evidence" FROM s2
