WITH
s1 AS (
  SELECT json_extract_string("fields", $1) AS "account", "host", "time", "id", lag("time", 1) OVER (PARTITION BY json_extract_string("fields", $1), "host" ORDER BY "time", "id") AS "start", list("id") OVER (PARTITION BY json_extract_string("fields", $1), "host" ORDER BY "time", "id" ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS "ids" FROM "events" WHERE "time" IS NOT NULL AND json_extract_string("fields", $1) IS NOT NULL AND "host" IS NOT NULL AND "category" = $2 AND ("outcome" = $3)
),
s2 AS (
  SELECT json_extract_string("fields", $4) AS "account", "host", "time", "id", "time" AS "start", ["id"] AS "ids" FROM "events" WHERE "time" IS NOT NULL AND json_extract_string("fields", $4) IS NOT NULL AND "host" IS NOT NULL AND "category" = $5 AND (lower("process_name") = lower($6))
),
s3 AS (
  SELECT "account", "host", "start" AS "first", "time" AS "last", "id" AS "last_id", "ids" AS "evidence" FROM s1 WHERE "start" IS NOT NULL AND "time" <= "start" + to_microseconds($7)
),
s4 AS (
  SELECT m."account", m."host", m."first", q."time" AS "last", q."id" AS "last_id", list_concat(m."evidence", q."ids") AS "evidence" FROM s3 m JOIN s2 q ON m."account" = q."account" AND m."host" = q."host" AND q."start" > m."last" AND q."time" <= m."first" + to_microseconds($7)
),
s5 AS (
  SELECT "account", "host", "first", "last", "evidence" FROM s4 QUALIFY row_number() OVER (PARTITION BY "account", "host", "last_id" ORDER BY "first" DESC, "evidence" DESC) = 1
)
SELECT * FROM s5 ORDER BY "first", "account", "host", "last", "evidence"
