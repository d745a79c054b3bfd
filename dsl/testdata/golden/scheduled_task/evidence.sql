-- event rows: true
WITH
s1 AS (
  SELECT * FROM "events" WHERE "category" = $1
),
s2 AS (
  SELECT * FROM s1 WHERE contains(lower("command_line"), lower($2))
),
s3 AS (
  SELECT "time", "host", "command_line", ["id"] AS "__evidence", row_number() OVER (ORDER BY "time", "id") AS "__order3" FROM s2
)
SELECT "__evidence" AS "evidence" FROM s3
