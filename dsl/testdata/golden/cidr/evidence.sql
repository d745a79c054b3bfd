-- event rows: true
WITH
s1 AS (
  SELECT * FROM "events" WHERE "category" = $1
),
s2 AS (
  SELECT * FROM s1 WHERE (((starts_with("src_ip", $2)) AND (NOT coalesce((starts_with("dst_ip", $3)), false))) AND (("dst_ip" IN ($7)) OR (starts_with("dst_ip", $4) AND TRY_CAST(split_part("dst_ip", '.', 2) AS BIGINT) BETWEEN $5 AND $6)))
)
SELECT ["id"] AS "evidence" FROM s2
