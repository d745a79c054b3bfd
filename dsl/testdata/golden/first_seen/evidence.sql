-- event rows: true
WITH
s1 AS (
  SELECT * FROM "events"
),
s2 AS (
  SELECT * FROM s1 WHERE "time" IS NOT NULL AND "user_key" IS NOT NULL AND "category" IS NOT NULL QUALIFY row_number() OVER (PARTITION BY "user_key", "category" ORDER BY "time", "id") = 1 AND row_number() OVER (PARTITION BY "user_key" ORDER BY "time", "id") > 1
),
s3 AS (
  SELECT "time", "user_key", "category", "id" FROM s2
)
SELECT ["id"] AS "evidence" FROM s3
