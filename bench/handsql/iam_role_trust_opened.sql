-- A role's trust policy rewritten to trust an AWS account or everyone.
SELECT id
FROM events
WHERE category = 'cloud'
  AND event_code = 'UpdateAssumeRolePolicy'
  AND regexp_matches(fields->>'$.requestParameters.policyDocument', '"AWS"\s*:\s*[\["]*\s*"?(arn:aws:iam::\d{12}:|\d{12}|\*)')
