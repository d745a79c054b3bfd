WITH
s1 AS (
  SELECT * FROM "events" WHERE "category" = $1
),
s2 AS (
  SELECT * FROM s1 WHERE ((contains(lower("command_line"), lower($2)) OR contains(lower("command_line"), lower($3)) OR contains(lower("command_line"), lower($4)) OR contains(lower("command_line"), lower($5)) OR contains(lower("command_line"), lower($6))) OR (contains(lower("command_line"), lower($7)) OR contains(lower("command_line"), lower($8)) OR contains(lower("command_line"), lower($9)) OR contains(lower("command_line"), lower($10)) OR contains(lower("command_line"), lower($11))))
),
s3 AS (
  SELECT "id", row_number() OVER (ORDER BY "time", "id") AS "__order3" FROM s2
)
SELECT * EXCLUDE ("__order3") FROM s3 ORDER BY "__order3"
