-- The same UAC settings changed with reg.exe or Set-ItemProperty.
SELECT id
FROM events
WHERE category = 'process'
  AND contains(lower(command_line), '\policies\system')
  AND regexp_matches(command_line, '(?i)policies\\system.*(enablelua|consentpromptbehavioradmin).*(/d\s+(0x)?0\b|-value\s+0\b)|policies\\system.*localaccounttokenfilterpolicy.*(/d\s+(0x)?1\b|-value\s+1\b)')
