WITH
s1 AS (
  SELECT * FROM "events" WHERE "category" = $1
),
s2 AS (
  SELECT * FROM s1 WHERE "user" IN ($2, $3)
),
s3 AS (
  SELECT * FROM s2 WHERE "dst_port" IN ($4, $5)
),
s4 AS (
  SELECT "id", "user", "dst_port", row_number() OVER (ORDER BY "time", "id") AS "__order4" FROM s3
)
SELECT * EXCLUDE ("__order4") FROM s4 ORDER BY "__order4"
