WITH
s1 AS (
  SELECT * FROM "events" WHERE "category" = $1
),
s2 AS (
  SELECT p.*, t."type" AS "intel_type", t."source" AS "intel_source", t."confidence" AS "intel_confidence", t."name" AS "intel_name", t."labels" AS "intel_labels", t."valid_from" AS "intel_valid_from", t."valid_until" AS "intel_valid_until" FROM s1 p JOIN (SELECT * FROM (SELECT "value", "type", "source", "confidence", "name", "labels", "valid_from", "valid_until" FROM "intel") QUALIFY row_number() OVER (PARTITION BY "value" ORDER BY "value", "type", "source", "confidence", "name", "labels", "valid_from", "valid_until") = 1) t ON p."dst_ip" = t."value"
),
s3 AS (
  SELECT "id", "dst_ip", "intel_source", "intel_confidence", row_number() OVER (ORDER BY "time", "id") AS "__order3" FROM s2
)
SELECT * EXCLUDE ("__order3") FROM s3 ORDER BY "__order3"
