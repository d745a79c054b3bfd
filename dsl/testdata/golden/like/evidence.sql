-- event rows: true
WITH
s1 AS (
  SELECT * FROM "events"
),
s2 AS (
  SELECT * FROM s1 WHERE (((("process_path" ILIKE $1 ESCAPE '\') OR ("process_path" ILIKE $2 ESCAPE '\')) OR ("file_path" LIKE $3 ESCAPE '\')) OR ("url" ILIKE $4 ESCAPE '\'))
)
SELECT ["id"] AS "evidence" FROM s2
