WITH
s1 AS (
  SELECT * FROM "events" WHERE "category" = $1
),
s2 AS (
  SELECT * EXCLUDE ("time", "id"), ["id"] AS "__evidence", row_number() OVER (ORDER BY "time", "id") AS "__order2" FROM s1
),
s3 AS (
  SELECT * FROM s2 ORDER BY "__order2" LIMIT $2
),
s4 AS (
  SELECT "user", "src_ip", "__evidence" AS "__evidence", row_number() OVER (ORDER BY "__order2") AS "__order4" FROM s3
)
SELECT * EXCLUDE ("__evidence", "__order4") FROM s4 ORDER BY "__order4"
