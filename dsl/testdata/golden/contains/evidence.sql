-- event rows: true
WITH
s1 AS (
  SELECT * FROM "events" WHERE "category" = $1
),
s2 AS (
  SELECT * FROM s1 WHERE ((contains(lower("command_line"), lower($2)) OR starts_with("command_line", $3)) OR ends_with(lower("process_path"), lower($4)))
)
SELECT ["id"] AS "evidence" FROM s2
