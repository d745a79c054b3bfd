WITH
s1 AS (
  SELECT * FROM "events" WHERE "category" = $1
),
s2 AS (
  SELECT * FROM s1 WHERE contains(lower("command_line"), lower($2))
),
s3 AS (
  SELECT "time", "host", "command_line" FROM s2 ORDER BY "time", "id"
)
SELECT * FROM s3
