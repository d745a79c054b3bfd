-- "echo ... > \\.\pipe\..." in a process or service command: named-pipe impersonation (getsystem).
SELECT id
FROM events
WHERE category IN ('process', 'service')
  AND ((contains(lower(command_line), '\pipe\') AND regexp_matches(command_line, '(?i)echo\s.*>\s*\\\\\.\\pipe\\'))
       OR (contains(lower(process_path), '\pipe\') AND regexp_matches(process_path, '(?i)echo\s.*>\s*\\\\\.\\pipe\\')))
