-- Windows instance passwords retrieved.
SELECT id
FROM events
WHERE category = 'cloud' AND event_code = 'GetPasswordData'
