-- An internal address sending 500 MB or more to one outside address within an hour bucket.
SELECT list(id) AS evidence
FROM events
WHERE category = 'network'
  AND bytes_out IS NOT NULL
  AND regexp_matches(src_ip, '^10\.|^172\.(1[6-9]|2[0-9]|3[01])\.|^192\.168\.')
  AND (dst_ip IS NULL OR NOT regexp_matches(dst_ip, '^(10|127)\.|^172\.(1[6-9]|2[0-9]|3[01])\.|^192\.168\.'))
GROUP BY src_ip, dst_ip, time_bucket(INTERVAL 1 HOUR, time)
HAVING sum(bytes_out) >= 500000000
