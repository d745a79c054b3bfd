-- Regular connections to an outside address: per (source, destination, port, source type),
-- at least 48 connections whose intervals have a median of a minute or more and a median
-- absolute deviation at most 15% of that median. Connections missing a key take no part.
WITH conn AS (
  SELECT id, src_ip, dst_ip, dst_port, source_type,
         epoch(time) - epoch(lag(time) OVER (PARTITION BY src_ip, dst_ip, dst_port, source_type ORDER BY time, id)) AS gap
  FROM events
  WHERE category = 'network'
    AND src_ip IS NOT NULL AND dst_ip IS NOT NULL AND dst_port IS NOT NULL AND source_type IS NOT NULL
    AND time IS NOT NULL
    AND NOT regexp_matches(dst_ip, '^(10|127)\.|^172\.(1[6-9]|2[0-9]|3[01])\.|^192\.168\.|^169\.254\.')
)
SELECT list(id) AS evidence
FROM conn
GROUP BY src_ip, dst_ip, dst_port, source_type
HAVING count(*) >= 48 AND median(gap) >= 60 AND mad(gap) / median(gap) <= 0.15
