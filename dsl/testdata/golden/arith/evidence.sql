-- event rows: true
WITH
s1 AS (
  SELECT * FROM "events" WHERE "category" = $1
),
s2 AS (
  SELECT *, ("bytes_in" + "bytes_out") AS "total" FROM s1
),
s3 AS (
  SELECT *, ("bytes_out" / ("bytes_in" + $2)) AS "ratio" FROM s2
),
s4 AS (
  SELECT * FROM s3 WHERE (((("total" * $3) - $4) > $5) AND (("total" % $6) = $7))
)
SELECT ["id"] AS "evidence" FROM s4
