-- PowerShell with -EncodedCommand (or a prefix of it) and a base64 argument, or decoding base64 inline.
SELECT id
FROM events
WHERE category = 'process'
  AND lower(process_name) IN ('powershell.exe', 'pwsh.exe', 'powershell_ise.exe')
  AND (regexp_matches(command_line, '(?i)\s[-/]e(c|n|nc|nco|ncod|ncode|ncoded|ncodedc|ncodedco|ncodedcom|ncodedcomm|ncodedcomma|ncodedcomman|ncodedcommand)?\s+[A-Za-z0-9+/=]{16,}')
       OR contains(lower(command_line), 'frombase64string'))
