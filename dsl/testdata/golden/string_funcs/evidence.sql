-- event rows: true
WITH
s1 AS (
  SELECT * FROM "events" WHERE "category" = $1
),
s2 AS (
  SELECT * FROM s1 WHERE (((length("domain") > $2) AND (list_aggregate(string_split(lower("domain"), ''), 'entropy') > $3)) OR (length(upper("domain")) >= 16 AND length(upper("domain")) % 4 = 0 AND regexp_full_match(upper("domain"), '[A-Za-z0-9+/]+={0,2}') AND regexp_matches(upper("domain"), '[0-9+/=]')))
)
SELECT ["id"] AS "evidence" FROM s2
