-- Regular connections to an outside address: per (source, destination, port, source type),
-- at least 48 connections whose intervals have a median of a minute or more and a median
-- absolute deviation at most 15% of that median.
WITH conn AS (
  SELECT id, src_ip, dst_ip, dst_port, source_type, time,
         epoch(time) - epoch(lag(time) OVER (PARTITION BY src_ip, dst_ip, dst_port, source_type ORDER BY time, id)) AS gap
  FROM events
  WHERE category = 'network'
    AND dst_ip IS NOT NULL AND dst_port IS NOT NULL
    AND NOT regexp_matches(dst_ip, '^(10|127)\.|^172\.(1[6-9]|2[0-9]|3[01])\.|^192\.168\.|^169\.254\.')
),
pairs AS (
  SELECT src_ip, dst_ip, dst_port, source_type,
         count(*) AS n, median(gap) AS median_gap, list(id) AS evidence
  FROM conn
  GROUP BY ALL
  HAVING count(*) >= 48
),
spread AS (
  SELECT c.src_ip, c.dst_ip, c.dst_port, c.source_type, median(abs(c.gap - p.median_gap)) AS mad
  FROM conn c
  JOIN pairs p ON c.src_ip IS NOT DISTINCT FROM p.src_ip AND c.dst_ip = p.dst_ip
              AND c.dst_port = p.dst_port AND c.source_type IS NOT DISTINCT FROM p.source_type
  GROUP BY ALL
)
SELECT p.evidence
FROM pairs p
JOIN spread s ON s.src_ip IS NOT DISTINCT FROM p.src_ip AND s.dst_ip = p.dst_ip
             AND s.dst_port = p.dst_port AND s.source_type IS NOT DISTINCT FROM p.source_type
WHERE p.median_gap >= 60 AND s.mad / p.median_gap <= 0.15
