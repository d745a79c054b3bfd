WITH
s1 AS (
  SELECT * FROM "events" WHERE "category" = $1
),
s2 AS (
  SELECT * FROM s1 WHERE (((regexp_full_match("src_ip", '[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}') AND (TRY_CAST(split_part("src_ip", '.', 1) AS BIGINT) * 16777216 + TRY_CAST(split_part("src_ip", '.', 2) AS BIGINT) * 65536 + TRY_CAST(split_part("src_ip", '.', 3) AS BIGINT) * 256 + TRY_CAST(split_part("src_ip", '.', 4) AS BIGINT)) BETWEEN $2 AND $3) AND (NOT coalesce((regexp_full_match("dst_ip", '[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}') AND (TRY_CAST(split_part("dst_ip", '.', 1) AS BIGINT) * 16777216 + TRY_CAST(split_part("dst_ip", '.', 2) AS BIGINT) * 65536 + TRY_CAST(split_part("dst_ip", '.', 3) AS BIGINT) * 256 + TRY_CAST(split_part("dst_ip", '.', 4) AS BIGINT)) BETWEEN $4 AND $5), false))) AND (("dst_ip" IN ($8)) OR (regexp_full_match("dst_ip", '[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}') AND (TRY_CAST(split_part("dst_ip", '.', 1) AS BIGINT) * 16777216 + TRY_CAST(split_part("dst_ip", '.', 2) AS BIGINT) * 65536 + TRY_CAST(split_part("dst_ip", '.', 3) AS BIGINT) * 256 + TRY_CAST(split_part("dst_ip", '.', 4) AS BIGINT)) BETWEEN $6 AND $7)))
)
SELECT * FROM s2 ORDER BY "time", "id"
