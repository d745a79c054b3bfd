-- event rows: true
WITH
s1 AS (
  SELECT * FROM "events" WHERE "category" = $1
),
s2 AS (
  SELECT "user", "outcome", ["id"] AS "__evidence", row_number() OVER (ORDER BY "time", "id") AS "__order2" FROM s1
),
s3 AS (
  SELECT * FROM s2 WHERE ("outcome" = $2)
),
s4 AS (
  SELECT * FROM s3 QUALIFY row_number() OVER (PARTITION BY "user" ORDER BY "__order2") = 1
),
s5 AS (
  SELECT * FROM s4 ORDER BY "__order2" LIMIT $3
),
s6 AS (
  SELECT "user", "__evidence" AS "__evidence", row_number() OVER (ORDER BY "__order2") AS "__order6" FROM s5
)
SELECT "__evidence" AS "evidence" FROM s6
