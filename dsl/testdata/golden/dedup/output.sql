WITH
s1 AS (
  SELECT * FROM "events" WHERE "category" = $1
),
s2 AS (
  SELECT * FROM s1 QUALIFY row_number() OVER (PARTITION BY "user" ORDER BY "time", "id") = 1
),
s3 AS (
  SELECT "user", "src_ip" FROM s2 ORDER BY "time", "id"
)
SELECT * FROM s3
