WITH
s1 AS (
  SELECT * FROM "events" WHERE "category" = $1
),
s2 AS (
  SELECT * EXCLUDE ("time", "id"), row_number() OVER (ORDER BY "time", "id") AS "__order2" FROM s1
),
s3 AS (
  SELECT * FROM s2 ORDER BY "__order2" LIMIT $2
),
s4 AS (
  SELECT "user", "src_ip", row_number() OVER (ORDER BY "__order2") AS "__order4" FROM s3
)
SELECT * EXCLUDE ("__order4") FROM s4 ORDER BY "__order4"
