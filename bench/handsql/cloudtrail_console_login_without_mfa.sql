-- Successful console logins of IAM users or root without MFA.
SELECT id
FROM events
WHERE category = 'logon'
  AND event_code = 'ConsoleLogin'
  AND outcome = 'success'
  AND (fields->>'$.additionalEventData.MFAUsed') = 'No'
  AND (fields->>'$.userIdentity.type') IN ('IAMUser', 'Root')
