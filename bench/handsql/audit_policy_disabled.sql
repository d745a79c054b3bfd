-- auditpol switching auditing off or clearing the policy.
SELECT id
FROM events
WHERE category = 'process'
  AND (lower(process_name) = 'auditpol.exe' OR command_line ILIKE '%auditpol%')
  AND regexp_matches(command_line, '(?i)([-/](success|failure):\s*disable|[-/]clear\b|[-/]remove\b)')
