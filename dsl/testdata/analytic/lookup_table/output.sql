WITH
s1 AS (
  SELECT * FROM "events" WHERE "category" = $1
),
s2 AS (
  SELECT p.*, t."reason" AS "watchlist_reason", t."added" AS "watchlist_added" FROM s1 p JOIN (SELECT * FROM (SELECT "ip", "reason", "added" FROM "watchlist") QUALIFY row_number() OVER (PARTITION BY "ip" ORDER BY "ip", "reason", "added") = 1) t ON p."dst_ip" = t."ip"
),
s3 AS (
  SELECT "id", "dst_ip", "watchlist_reason", "watchlist_added", row_number() OVER (ORDER BY "time", "id") AS "__order3" FROM s2
)
SELECT * EXCLUDE ("__order3") FROM s3 ORDER BY "__order3"
