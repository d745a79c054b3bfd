WITH
s1 AS (
  SELECT * FROM "events" WHERE "category" = $1
),
s2 AS (
  SELECT * FROM s1 WHERE (((trawl_ip_num("dst_ip") BETWEEN CAST($2 AS UHUGEINT) AND CAST($3 AS UHUGEINT)) OR (trawl_ip_num("dst_ip") BETWEEN CAST($4 AS UHUGEINT) AND CAST($5 AS UHUGEINT)) OR (trawl_ip_num("dst_ip") BETWEEN CAST($6 AS UHUGEINT) AND CAST($7 AS UHUGEINT)) OR (starts_with("dst_ip", $8))) OR (trawl_ip_num("src_ip") BETWEEN CAST($9 AS UHUGEINT) AND CAST($10 AS UHUGEINT)))
),
s3 AS (
  SELECT "id", "src_ip", "dst_ip", row_number() OVER (ORDER BY "time", "id") AS "__order3" FROM s2
)
SELECT * EXCLUDE ("__order3") FROM s3 ORDER BY "__order3"
