-- Files a user touched (share access 5140/5145, files created, Sysmon 11) per UTC hour, against
-- that user's own earlier hours of the last 30 days: 100 or more files, five or more earlier
-- hours, and 3 or more standard deviations above their mean. Machine and service accounts out.
WITH hours AS (
  SELECT user_key, time_bucket(INTERVAL 1 HOUR, time) AS hour, count(*) AS files, list(id ORDER BY id) AS evidence
  FROM events
  WHERE category = 'file' AND event_code IN ('5140', '5145', '11') AND user_key IS NOT NULL
    AND user_key NOT IN ('system', 'local service', 'network service', 'anonymous logon', '-')
    AND NOT suffix(lower(user_key), '$')
  GROUP BY user_key, hour
), scored AS (
  SELECT files, evidence,
         avg(files) OVER w AS baseline, stddev_samp(files) OVER w AS spread, count(files) OVER w AS earlier
  FROM hours
  WINDOW w AS (PARTITION BY user_key ORDER BY hour
               RANGE BETWEEN INTERVAL 30 DAY PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW)
)
SELECT evidence
FROM scored
WHERE files >= 100 AND earlier >= 5 AND spread > 0 AND (files - baseline) / spread >= 3
