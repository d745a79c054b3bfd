-- Access keys or console passwords made for someone other than the caller.
SELECT id
FROM events
WHERE category = 'cloud'
  AND event_code IN ('CreateAccessKey', 'CreateLoginProfile', 'UpdateLoginProfile')
  AND target_user IS NOT NULL AND "user" IS NOT NULL
  AND lower(target_user) <> lower("user")
