WITH
s1 AS (
  SELECT "host_key", "time", "id", "time" AS "start", ["id"] AS "ids" FROM "events" WHERE "time" IS NOT NULL AND "host_key" IS NOT NULL AND "category" = $1 AND ("event_code" = $2)
),
s2 AS (
  SELECT "host_key", "time", "id", "time" AS "start", ["id"] AS "ids" FROM "events" WHERE "time" IS NOT NULL AND "host_key" IS NOT NULL AND "category" = $3 AND ("event_code" = $4)
),
s3 AS (
  SELECT "host_key", "start" AS "first", "time" AS "last", "id" AS "last_id", "ids" AS "evidence" FROM s1 WHERE "start" IS NOT NULL AND "time" <= "start" + to_microseconds($5)
),
s4 AS (
  SELECT m."host_key", m."first", q."time" AS "last", q."id" AS "last_id", list_concat(m."evidence", q."ids") AS "evidence" FROM s3 m JOIN s2 q ON m."host_key" = q."host_key" AND q."start" > m."last" AND q."time" <= m."first" + to_microseconds($5)
),
s5 AS (
  SELECT "host_key", "first", "last", "evidence" FROM s4 QUALIFY row_number() OVER (PARTITION BY "host_key", "last_id" ORDER BY "first" DESC, "evidence" DESC) = 1
)
SELECT * FROM s5 ORDER BY "first", "host_key", "last", "evidence"
