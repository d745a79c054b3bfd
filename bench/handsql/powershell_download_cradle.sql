-- PowerShell or cmd downloading with WebClient, Invoke-WebRequest/RestMethod or BITS.
SELECT id
FROM events
WHERE category = 'process'
  AND lower(process_name) IN ('powershell.exe', 'pwsh.exe', 'powershell_ise.exe', 'cmd.exe')
  AND regexp_matches(command_line, '(?i)(download(string|file|data)\s*\(|invoke-webrequest|\biwr\s|invoke-restmethod|\birm\s|start-bitstransfer)')
