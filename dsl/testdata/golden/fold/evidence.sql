-- event rows: true
WITH
s1 AS (
  SELECT * FROM "events" WHERE "category" = $1
),
s2 AS (
  SELECT * FROM s1 WHERE (((lower("process_name") = lower($2)) AND (lower("user") IS DISTINCT FROM lower($3))) AND (lower("host") IN (lower($4), lower($5))))
)
SELECT ["id"] AS "evidence" FROM s2
