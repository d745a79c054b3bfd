WITH
s1 AS (
  SELECT * FROM "events" WHERE "category" = $1
),
s2 AS (
  SELECT p.*, t."service" AS "svc_service" FROM s1 p JOIN (SELECT * FROM (SELECT unnest($2) AS "port", nullif(unnest($3), '') AS "service") QUALIFY row_number() OVER (PARTITION BY "port" ORDER BY "port", "service") = 1) t ON p."dst_port" = t."port"
),
s3 AS (
  SELECT "id", "dst_port", "svc_service", row_number() OVER (ORDER BY "time", "id") AS "__order3" FROM s2
)
SELECT * EXCLUDE ("__order3") FROM s3 ORDER BY "__order3"
