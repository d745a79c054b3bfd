-- Connections and proxy requests from an internal address, grouped by source, peer (the
-- destination address, or the domain when there is none) and UTC hour: 500 MB or more sent in
-- a group where some event names a file-sharing or personal cloud storage domain.
WITH flows AS (
  SELECT id, time, src_ip, bytes_out,
         CASE WHEN regexp_matches(domain, '(?i)(^|\.)(dropbox\.com|dropboxapi\.com|dropboxusercontent\.com|drive\.google\.com|drive\.usercontent\.google\.com|onedrive\.live\.com|storage\.live\.com|1drv\.ms|box\.com|boxcloud\.com|mega\.nz|mega\.co\.nz|mega\.io|wetransfer\.com|we\.tl|pcloud\.com|mediafire\.com|sendspace\.com|icloud-content\.com|transfer\.sh|file\.io|gofile\.io|filebin\.net)$')
              THEN 1 ELSE 0 END AS storage,
         CASE WHEN dst_ip IS NULL THEN lower(domain) ELSE dst_ip END AS peer
  FROM events
  WHERE category IN ('network', 'http')
    AND regexp_matches(src_ip, '^10\.|^172\.(1[6-9]|2[0-9]|3[01])\.|^192\.168\.')
    AND (dst_ip IS NULL OR NOT regexp_matches(dst_ip, '^(10|127)\.|^172\.(1[6-9]|2[0-9]|3[01])\.|^192\.168\.'))
)
SELECT list(id ORDER BY id) AS evidence
FROM flows
GROUP BY src_ip, peer, time_bucket(INTERVAL 1 HOUR, time)
HAVING max(storage) = 1 AND sum(bytes_out) >= 500000000
