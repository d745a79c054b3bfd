-- Event logs cleared with wevtutil or PowerShell.
SELECT id
FROM events
WHERE category = 'process'
  AND (command_line ILIKE '%wevtutil%' OR command_line ILIKE '%eventlog%' OR command_line ILIKE '%clearlog%')
  AND regexp_matches(command_line, '(?i)(wevtutil(\.exe)?"?\s+(cl|clear-log)\s|clear-eventlog|remove-eventlog|\.clearlog\s*\(|limit-eventlog\s.*-maximumsize\s+64kb)')
