-- The Security log (1102) or another event log (System 104) cleared.
SELECT id
FROM events
WHERE event_code IN ('1102', '104')
  AND (action = 'log-clear' OR category = 'audit')
