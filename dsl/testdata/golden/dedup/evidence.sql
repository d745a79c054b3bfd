-- event rows: true
WITH
s1 AS (
  SELECT * FROM "events" WHERE "category" = $1
),
s2 AS (
  SELECT * FROM s1 QUALIFY row_number() OVER (PARTITION BY "user" ORDER BY "time", "id") = 1
),
s3 AS (
  SELECT "user", "src_ip", ["id"] AS "__evidence", row_number() OVER (ORDER BY "time", "id") AS "__order3" FROM s2
)
SELECT "__evidence" AS "evidence" FROM s3
