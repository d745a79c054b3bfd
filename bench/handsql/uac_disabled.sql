-- UAC switched off (EnableLUA or ConsentPromptBehaviorAdmin 0) or remote UAC filtering off
-- (LocalAccountTokenFilterPolicy 1) in the registry.
SELECT id
FROM events
WHERE category = 'registry'
  AND contains(lower(registry), '\policies\system\')
  AND ((regexp_matches(registry, '(?i)\\policies\\system\\(enablelua|consentpromptbehavioradmin)$')
        AND (regexp_matches(fields->>'$.EventData.Details', '(?i)0x00000000') OR regexp_matches(fields->>'$.Details', '(?i)0x00000000')))
       OR (regexp_matches(registry, '(?i)\\policies\\system\\localaccounttokenfilterpolicy$')
           AND (regexp_matches(fields->>'$.EventData.Details', '(?i)0x00000001') OR regexp_matches(fields->>'$.Details', '(?i)0x00000001'))))
