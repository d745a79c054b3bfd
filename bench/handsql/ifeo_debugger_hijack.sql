-- Image File Execution Options debugger / GlobalFlag and SilentProcessExit monitors, in the
-- registry or set with reg.exe.
SELECT id
FROM events
WHERE (category = 'registry'
       AND regexp_matches(registry, '(?i)(\\image file execution options\\[^\\]+\\(debugger|globalflag)$|\\silentprocessexit\\[^\\]+\\monitorprocess$)'))
   OR (category = 'process'
       AND regexp_matches(command_line, '(?i)(image file execution options\\[^"]+"?\s+/v\s+"?(debugger|globalflag)|silentprocessexit\\[^"]+"?\s+/v\s+"?monitorprocess)'))
