-- Administrator-level managed policies attached, or any inline user/group policy written.
SELECT id
FROM events
WHERE category = 'cloud'
  AND ((event_code IN ('AttachUserPolicy', 'AttachGroupPolicy', 'AttachRolePolicy')
        AND regexp_matches(fields->>'$.requestParameters.policyArn', '(?i)(AdministratorAccess|IAMFullAccess|/PowerUserAccess)$'))
       OR event_code IN ('PutUserPolicy', 'PutGroupPolicy'))
