-- Explicit-credential logons (4648) for ten or more accounts from one host and address in an hour bucket.
SELECT list(id) AS evidence
FROM events
WHERE category = 'logon' AND event_code = '4648' AND user_key IS NOT NULL
GROUP BY host_key, src_ip, time_bucket(INTERVAL 1 HOUR, time)
HAVING count(DISTINCT user_key) >= 10
