WITH
s1 AS (
  SELECT "src_ip", "time", "id", lag("time", 2) OVER (PARTITION BY "src_ip" ORDER BY "time", "id") AS "start", list("id") OVER (PARTITION BY "src_ip" ORDER BY "time", "id" ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) AS "ids" FROM "events" WHERE "time" IS NOT NULL AND "src_ip" IS NOT NULL AND "category" = $1 AND ("outcome" = $2)
),
s2 AS (
  SELECT "src_ip", "time", "id", "time" AS "start", ["id"] AS "ids" FROM "events" WHERE "time" IS NOT NULL AND "src_ip" IS NOT NULL AND "category" = $3 AND ("outcome" = $4)
),
s3 AS (
  SELECT "src_ip", "start" AS "first", "time" AS "last", "id" AS "last_id", "ids" AS "evidence" FROM s1 WHERE "start" IS NOT NULL AND "time" <= "start" + to_microseconds($5)
),
s4 AS (
  SELECT m."src_ip", m."first", q."time" AS "last", q."id" AS "last_id", list_concat(m."evidence", q."ids") AS "evidence" FROM s3 m JOIN s2 q ON m."src_ip" = q."src_ip" AND q."start" > m."last" AND q."time" <= m."first" + to_microseconds($5)
),
s5 AS (
  SELECT "src_ip", "first", "last", "evidence" FROM s4 QUALIFY row_number() OVER (PARTITION BY "src_ip", "last_id" ORDER BY "first" DESC, "evidence" DESC) = 1
)
SELECT * FROM s5 ORDER BY "first", "src_ip", "last", "evidence"
