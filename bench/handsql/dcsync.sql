-- Directory replication rights used (4662 with the replication GUIDs) by a user account, not a
-- domain controller's computer account or Azure AD Connect's MSOL_ account.
SELECT id
FROM events
WHERE event_code = '4662'
  AND (regexp_matches(lower(fields->>'$.EventData.Properties'), '1131f6aa-9c07-11d1-f79f-00c04fc2dcd2|1131f6ad-9c07-11d1-f79f-00c04fc2dcd2|89e95b76-444d-4c62-991a-0facbeda640c')
       OR regexp_matches(lower(fields->>'$.Properties'), '1131f6aa-9c07-11d1-f79f-00c04fc2dcd2|1131f6ad-9c07-11d1-f79f-00c04fc2dcd2|89e95b76-444d-4c62-991a-0facbeda640c'))
  AND "user" IS NOT NULL
  AND NOT ends_with("user", '$')
  AND NOT starts_with(lower("user"), 'msol_')
