-- Hours in which one client asked ten or more long, high-entropy names.
SELECT list(id) AS evidence
FROM events
WHERE category = 'dns'
  AND length(domain) > 50
  AND list_aggregate(string_split(domain, ''), 'entropy') > 3.5
GROUP BY src_ip, host, time_bucket(INTERVAL 1 HOUR, time)
HAVING count(*) >= 10
