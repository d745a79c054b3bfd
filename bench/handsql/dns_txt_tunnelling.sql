-- Hours in which one client made 50 or more TXT/NULL queries for 20 or more names.
SELECT list(id) AS evidence
FROM events
WHERE category = 'dns'
  AND (fields->>'$.qtype_name') IN ('TXT', 'NULL', 'txt', 'null')
GROUP BY src_ip, time_bucket(INTERVAL 1 HOUR, time)
HAVING count(*) >= 50 AND count(DISTINCT domain) >= 20
