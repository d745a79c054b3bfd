-- Scheduled tasks running shells and script hosts, or scripts from user-writable folders.
SELECT id
FROM events
WHERE category = 'scheduled-task'
  AND event_code = '4698'
  AND (lower(process_name) IN ('cmd.exe', 'powershell.exe', 'pwsh.exe', 'wscript.exe', 'cscript.exe', 'mshta.exe', 'rundll32.exe', 'regsvr32.exe')
       OR regexp_matches(command_line, '(?i)(\\temp\\|\\appdata\\|\\programdata\\|\\users\\public\\|\.(bat|cmd|ps1|vbs|js|hta)\b)'))
