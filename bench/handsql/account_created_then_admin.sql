-- An account created on a host, then within an hour someone added to a privileged group there:
-- one row per group change, with the latest account creation before it.
WITH created AS (
  SELECT id, time, host_key FROM events
  WHERE category = 'iam' AND event_code = '4720' AND host_key IS NOT NULL
),
added AS (
  SELECT id, time, host_key FROM events
  WHERE category = 'iam' AND event_code IN ('4728', '4732', '4756') AND host_key IS NOT NULL
    AND (lower(fields->>'$.TargetUserName') IN ('administrators', 'domain admins', 'enterprise admins', 'schema admins', 'backup operators')
         OR lower(fields->>'$.EventData.TargetUserName') IN ('administrators', 'domain admins', 'enterprise admins', 'schema admins', 'backup operators'))
)
SELECT [arg_max(c.id, (c.time, c.id)), a.id] AS evidence
FROM added a
JOIN created c ON c.host_key = a.host_key AND c.time < a.time AND c.time >= a.time - INTERVAL 1 HOUR
GROUP BY a.id
