WITH
s1 AS (
  SELECT * FROM "events" WHERE "category" = $1
),
s2 AS (
  SELECT p.*, t."team" AS "admins_team" FROM s1 p JOIN (SELECT * FROM (SELECT unnest($2) AS "user", nullif(unnest($3), '') AS "team") QUALIFY row_number() OVER (PARTITION BY "user" ORDER BY "user", "team") = 1) t ON p."user" = t."user"
),
s3 AS (
  SELECT "id", "user", "admins_team", row_number() OVER (ORDER BY "time", "id") AS "__order3" FROM s2
)
SELECT * EXCLUDE ("__order3") FROM s3 ORDER BY "__order3"
