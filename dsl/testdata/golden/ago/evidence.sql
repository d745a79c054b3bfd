-- event rows: false
WITH
s1 AS (
  SELECT * FROM "events" WHERE "category" = $1
),
s2 AS (
  SELECT * FROM s1 WHERE (("time" >= ((now() AT TIME ZONE 'UTC') - to_microseconds($2))) AND ("time" < ((now() AT TIME ZONE 'UTC') - to_microseconds($3))))
),
s3 AS (
  SELECT count(*) AS "count", list("id" ORDER BY "id") AS "__evidence" FROM s2
)
SELECT "__evidence" AS "evidence" FROM s3
