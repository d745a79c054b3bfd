WITH
s1 AS (
  SELECT * FROM "events"
),
s2 AS (
  SELECT * FROM s1 WHERE ((json_extract_string("fields", $1) IN ($2, $3)) OR (json_extract_string("fields", $4) = $5))
),
s3 AS (
  SELECT json_extract_string("fields", $6) AS "level", json_extract_string("fields", $7) AS "service", json_extract_string("fields", $8) AS "k", count(*) AS "count", list("id" ORDER BY "id") AS "__evidence" FROM s2 GROUP BY 1, 2, 3
)
SELECT * EXCLUDE ("__evidence") FROM s3 ORDER BY "level", "service", "k"
