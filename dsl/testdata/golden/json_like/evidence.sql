-- event rows: true
WITH
s1 AS (
  SELECT * FROM "events" WHERE "category" = $1
),
s2 AS (
  SELECT * FROM s1 WHERE (((json_extract_string("fields", $2) ILIKE $3 ESCAPE '\') OR (json_extract_string("fields", $2) ILIKE $4 ESCAPE '\')) AND (contains(lower(json_extract_string("fields", $5)), lower($6)) AND contains(lower(json_extract_string("fields", $5)), lower($7))))
),
s3 AS (
  SELECT *, json_extract_string("fields", $8) AS "parent" FROM s2
),
s4 AS (
  SELECT "id", "parent", row_number() OVER (ORDER BY "time", "id") AS "__order4" FROM s3
)
SELECT ["id"] AS "evidence" FROM s4
