-- certutil -urlcache / -verifyctl or bitsadmin /transfer / /addfile fetching a URL.
SELECT id
FROM events
WHERE category = 'process'
  AND (command_line ILIKE '%certutil%' OR command_line ILIKE '%bitsadmin%')
  AND (((lower(process_name) = 'certutil.exe' OR regexp_matches(command_line, '(?i)\bcertutil(\.exe)?\s'))
        AND regexp_matches(command_line, '(?i)[-/](urlcache|verifyctl)\b.*(https?|ftp)://'))
       OR ((lower(process_name) = 'bitsadmin.exe' OR regexp_matches(command_line, '(?i)\bbitsadmin(\.exe)?\s'))
           AND regexp_matches(command_line, '(?i)[-/](transfer|addfile)\b.*(https?|ftp)://')))
