-- Per user and UTC day: the account disabled or deleted (the target of an iam event), and the
-- same user ran a password-protected archiver or connected to personal cloud storage.
WITH marks AS (
  SELECT id, time,
         CASE WHEN category = 'iam' THEN 1 ELSE 0 END AS removal,
         CASE WHEN category = 'iam' THEN target_user_key ELSE user_key END AS who
  FROM events
  WHERE (category = 'iam' AND action IN ('user-disable', 'user-delete', 'user-deleted'))
     OR (category = 'process' AND (
           (lower(process_name) IN ('7z.exe', '7za.exe', '7zr.exe', '7zg.exe', '7z', '7za', '7zr')
             AND regexp_matches(command_line, '(?i)\s[au]\s') AND regexp_matches(command_line, '\s-p'))
        OR (lower(process_name) IN ('rar.exe', 'winrar.exe', 'rar')
             AND regexp_matches(command_line, '(?i)\sa\s') AND regexp_matches(command_line, '(?i)\s-h?p'))
        OR (lower(process_name) IN ('winzip.exe', 'winzip64.exe', 'wzzip.exe')
             AND command_line ILIKE '%-s%' AND regexp_matches(command_line, '(?i)\s-(a|min)\s'))
        OR (lower(process_name) = 'zip' AND regexp_matches(command_line, '\s(-e|-P|--encrypt|--password)(\s|$)'))))
     OR (category = 'network' AND regexp_matches(domain, '(?i)(^|\.)(dropbox\.com|dropboxapi\.com|dropboxusercontent\.com|drive\.google\.com|drive\.usercontent\.google\.com|onedrive\.live\.com|storage\.live\.com|1drv\.ms|box\.com|boxcloud\.com|mega\.nz|mega\.co\.nz|mega\.io|wetransfer\.com|we\.tl|pcloud\.com|mediafire\.com|sendspace\.com|icloud-content\.com|transfer\.sh|file\.io|gofile\.io|filebin\.net)$'))
)
SELECT list(id ORDER BY id) AS evidence
FROM marks
WHERE who IS NOT NULL
GROUP BY who, time_bucket(INTERVAL 1 DAY, time)
HAVING max(removal) = 1 AND min(removal) = 0
