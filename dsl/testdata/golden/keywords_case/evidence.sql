-- event rows: false
WITH
s1 AS (
  SELECT * FROM "events" WHERE "category" = $1
),
s2 AS (
  SELECT * FROM s1 WHERE (("outcome" = $2) AND (NOT coalesce(("user" IN ($3)), false)))
),
s3 AS (
  SELECT "src_ip" AS "src_ip", count(*) AS "count", list("id" ORDER BY "id") AS "__evidence" FROM s2 GROUP BY 1
),
s4 AS (
  SELECT * FROM s3 ORDER BY "count" DESC, "src_ip" LIMIT $4
)
SELECT "__evidence" AS "evidence" FROM s4
