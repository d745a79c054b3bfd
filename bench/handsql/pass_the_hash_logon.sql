-- NewCredentials logons (type 9) through seclogo: the pass-the-hash signature.
SELECT id
FROM events
WHERE category = 'logon'
  AND event_code = '4624' AND logon_type = '9'
  AND (starts_with(lower(fields->>'$.EventData.LogonProcessName'), 'seclogo')
       OR starts_with(lower(fields->>'$.LogonProcessName'), 'seclogo'))
