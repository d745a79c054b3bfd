-- Console logins as the AWS account root user.
SELECT id
FROM events
WHERE category = 'logon'
  AND event_code = 'ConsoleLogin'
  AND (fields->>'$.userIdentity.type') = 'Root'
