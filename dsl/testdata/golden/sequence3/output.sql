WITH
s1 AS (
  SELECT "host", "time", "id", "time" AS "start", ["id"] AS "ids" FROM "events" WHERE "time" IS NOT NULL AND "host" IS NOT NULL AND "category" = $1 AND (lower("process_name") = lower($2))
),
s2 AS (
  SELECT "host", "time", "id", "time" AS "start", ["id"] AS "ids" FROM "events" WHERE "time" IS NOT NULL AND "host" IS NOT NULL AND "category" = $3 AND (lower("parent_name") = lower($4))
),
s3 AS (
  SELECT "host", "time", "id", "time" AS "start", ["id"] AS "ids" FROM "events" WHERE "time" IS NOT NULL AND "host" IS NOT NULL AND "category" = $5
),
s4 AS (
  SELECT "host", "start" AS "first", "time" AS "last", "id" AS "last_id", "ids" AS "evidence" FROM s1 WHERE "start" IS NOT NULL AND "time" <= "start" + to_microseconds($6)
),
s5 AS (
  SELECT m."host", m."first", q."time" AS "last", q."id" AS "last_id", list_concat(m."evidence", q."ids") AS "evidence" FROM s4 m JOIN s2 q ON m."host" = q."host" AND q."start" > m."last" AND q."time" <= m."first" + to_microseconds($6)
),
s6 AS (
  SELECT m."host", m."first", q."time" AS "last", q."id" AS "last_id", list_concat(m."evidence", q."ids") AS "evidence" FROM s5 m JOIN s3 q ON m."host" = q."host" AND q."start" > m."last" AND q."time" <= m."first" + to_microseconds($6)
),
s7 AS (
  SELECT "host", "first", "last", "evidence" FROM s6 QUALIFY row_number() OVER (PARTITION BY "host", "last_id" ORDER BY "first" DESC, "evidence" DESC) = 1
),
s8 AS (
  SELECT * FROM s7 ORDER BY "first", "host", "last", "evidence" LIMIT $7
)
SELECT * FROM s8 ORDER BY "first", "host", "last", "evidence"
