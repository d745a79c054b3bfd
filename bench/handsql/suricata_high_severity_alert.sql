-- High and critical Suricata alerts, one row per source address and hour.
SELECT list(id) AS evidence
FROM events
WHERE category = 'alert' AND dataset = 'suricata.alert'
  AND severity >= 3 AND src_ip IS NOT NULL
GROUP BY src_ip, time_bucket(INTERVAL 1 HOUR, time)
