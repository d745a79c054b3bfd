-- Sysmon process access to lsass.exe by anything but the usual system components.
SELECT id
FROM events
WHERE category = 'process'
  AND event_code = '10'
  AND ends_with(lower(file_path), '\lsass.exe')
  AND (process_name IS NULL
       OR lower(process_name) NOT IN ('msmpeng.exe', 'mssense.exe', 'csrss.exe', 'wininit.exe', 'services.exe', 'lsm.exe', 'svchost.exe', 'wmiprvse.exe', 'vmtoolsd.exe', 'senseir.exe', 'nissrv.exe'))
