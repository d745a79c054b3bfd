WITH
s1 AS (
  SELECT * FROM "events" WHERE "category" = $1
),
s2 AS (
  SELECT "time", "host", "user", "command_line" FROM s1 ORDER BY "time", "id"
),
s3 AS (
  SELECT * FROM s2 LIMIT $2
)
SELECT * FROM s3
