-- event rows: true
WITH
s1 AS (
  SELECT * FROM "events" WHERE "category" = $1
),
s2 AS (
  SELECT * FROM s1 WHERE (("event_code" IN ($2, $3)) AND (NOT coalesce(("logon_type" IN ($4)), false)))
)
SELECT ["id"] AS "evidence" FROM s2
