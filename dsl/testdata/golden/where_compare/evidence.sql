-- event rows: true
WITH
s1 AS (
  SELECT * FROM "events" WHERE "category" = $1
),
s2 AS (
  SELECT * FROM s1 WHERE ((("outcome" = $2) AND ("dst_port" IS DISTINCT FROM $3)) AND ("severity" >= $4))
)
SELECT ["id"] AS "evidence" FROM s2
