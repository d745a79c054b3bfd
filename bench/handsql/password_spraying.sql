-- An address (not loopback) failing logons for ten or more accounts in an hour bucket, at most
-- three attempts per account on average.
SELECT list(id) AS evidence
FROM events
WHERE category = 'logon' AND outcome = 'failure'
  AND src_ip IS NOT NULL AND src_ip NOT LIKE '127.%' AND src_ip <> '::1'
GROUP BY src_ip, time_bucket(INTERVAL 1 HOUR, time)
HAVING count(DISTINCT user_key) >= 10 AND count(*) <= count(DISTINCT user_key) * 3
