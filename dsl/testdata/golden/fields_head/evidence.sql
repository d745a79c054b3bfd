-- event rows: true
WITH
s1 AS (
  SELECT * FROM "events" WHERE "category" = $1
),
s2 AS (
  SELECT "time", "host", "user", "command_line", ["id"] AS "__evidence", row_number() OVER (ORDER BY "time", "id") AS "__order2" FROM s1
),
s3 AS (
  SELECT * FROM s2 ORDER BY "__order2" LIMIT $2
)
SELECT "__evidence" AS "evidence" FROM s3
