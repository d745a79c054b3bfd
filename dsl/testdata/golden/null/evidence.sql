-- event rows: true
WITH
s1 AS (
  SELECT * FROM "events" WHERE "category" = $1
),
s2 AS (
  SELECT * FROM s1 WHERE (("src_ip" IS NOT NULL) AND ("target_user" IS NULL))
)
SELECT ["id"] AS "evidence" FROM s2
