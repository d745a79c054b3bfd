-- comsvcs.dll MiniDump (by name or ordinal #24): dumping a process, usually LSASS.
SELECT id
FROM events
WHERE category = 'process'
  AND regexp_matches(command_line, '(?i)comsvcs(\.dll)?\W+(minidump|#\+?0*24\b)')
