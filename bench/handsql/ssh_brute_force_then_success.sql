-- An sshd success from an address preceded, within 30 minutes, by at least ten sshd failures
-- from it: one row per success, with the ten most recent failures before it.
WITH ssh AS (
  SELECT id, time, src_ip, outcome
  FROM events
  WHERE category = 'logon' AND lower(process_name) = 'sshd'
    AND outcome IN ('failure', 'success') AND src_ip IS NOT NULL
),
recent AS (
  SELECT s.id AS success_id, f.id AS failure_id, f.time AS failure_time,
         row_number() OVER (PARTITION BY s.id ORDER BY f.time DESC, f.id DESC) AS nth
  FROM ssh s
  JOIN ssh f ON f.src_ip = s.src_ip AND f.outcome = 'failure'
            AND f.time < s.time AND f.time >= s.time - INTERVAL 30 MINUTE
  WHERE s.outcome = 'success'
)
SELECT list(failure_id ORDER BY failure_time, failure_id) || [any_value(success_id)] AS evidence
FROM recent
WHERE nth <= 10
GROUP BY success_id
HAVING count(*) = 10
