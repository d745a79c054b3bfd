-- A command line adding files to a password-protected archive: 7-Zip a/u with -p, RAR a with
-- -p/-hp, WinZip with -s, zip -e/-P, or Compress-Archive into a temporary or public folder.
SELECT id
FROM events
WHERE category = 'process'
  AND (
    (lower(process_name) IN ('7z.exe', '7za.exe', '7zr.exe', '7zg.exe', '7z', '7za', '7zr')
      AND regexp_matches(command_line, '(?i)\s[au]\s') AND regexp_matches(command_line, '\s-p'))
    OR (lower(process_name) IN ('rar.exe', 'winrar.exe', 'rar')
      AND regexp_matches(command_line, '(?i)\sa\s') AND regexp_matches(command_line, '(?i)\s-h?p'))
    OR (lower(process_name) IN ('winzip.exe', 'winzip64.exe', 'wzzip.exe')
      AND command_line ILIKE '%-s%' AND regexp_matches(command_line, '(?i)\s-(a|min)\s'))
    OR (lower(process_name) = 'zip' AND regexp_matches(command_line, '\s(-e|-P|--encrypt|--password)(\s|$)'))
    OR (command_line ILIKE '%Compress-Archive%' AND command_line ILIKE '%-DestinationPath%'
      AND regexp_matches(command_line, '(?i)(\$env:(temp|tmp|public)|\\temp\\|\\appdata\\local\\temp|\\users\\public\\|\\programdata\\)'))
  )
