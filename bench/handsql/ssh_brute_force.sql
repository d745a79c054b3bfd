-- Twenty or more sshd failures from one address against one host in a 10-minute bucket.
SELECT list(id) AS evidence
FROM events
WHERE category = 'logon' AND lower(process_name) = 'sshd'
  AND outcome = 'failure' AND src_ip IS NOT NULL
GROUP BY src_ip, host_key, time_bucket(INTERVAL 10 MINUTE, time)
HAVING count(*) >= 20
