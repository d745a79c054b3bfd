-- Shell open-command hijacks of auto-elevating handlers, and .exe.local DLL redirection loads.
SELECT id
FROM events
WHERE (category = 'registry'
       AND regexp_matches(registry, '(?i)\\(mscfile|ms-settings|exefile|folder|launcher\.systemsettings|appxsvc|ms-windows-store)\\shell\\open\\command(\\|$)'))
   OR (category = 'module'
       AND regexp_matches(file_path, '(?i)^c:\\windows\\(system32|syswow64)\\[^\\]+\.exe\.local\\'))
