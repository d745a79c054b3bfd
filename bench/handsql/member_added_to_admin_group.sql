-- Members added to built-in privileged groups (names in English, German and French).
SELECT id
FROM events
WHERE category = 'iam'
  AND event_code IN ('4728', '4732', '4756')
  AND (lower(fields->>'$.TargetUserName') IN ('administrators', 'domain admins', 'enterprise admins', 'schema admins', 'backup operators', 'account operators', 'administratoren', 'administrateurs')
       OR lower(fields->>'$.EventData.TargetUserName') IN ('administrators', 'domain admins', 'enterprise admins', 'schema admins', 'backup operators', 'account operators', 'administratoren', 'administrateurs'))
