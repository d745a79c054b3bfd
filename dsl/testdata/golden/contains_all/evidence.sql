-- event rows: true
WITH
s1 AS (
  SELECT * FROM "events" WHERE "category" = $1
),
s2 AS (
  SELECT * FROM s1 WHERE ((contains(lower("command_line"), lower($2)) AND contains(lower("command_line"), lower($3)) AND contains(lower("command_line"), lower($4))) AND (contains(lower("command_line"), lower($5)) OR contains(lower("command_line"), lower($6))))
)
SELECT ["id"] AS "evidence" FROM s2
