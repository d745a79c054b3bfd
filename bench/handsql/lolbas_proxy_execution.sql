-- mshta, regsvr32, rundll32 and wmic used to run remote or script content.
SELECT id
FROM events
WHERE category = 'process'
  AND ((lower(process_name) = 'mshta.exe' AND regexp_matches(command_line, '(?i)(https?://|javascript:|vbscript:|\.hta\b|-embedding)'))
       OR (lower(process_name) = 'regsvr32.exe' AND regexp_matches(command_line, '(?i)([-/]i:\s*\S*(https?|ftp)://|scrobj\.dll)'))
       OR (lower(process_name) = 'rundll32.exe' AND regexp_matches(command_line, '(?i)(javascript:|vbscript:|url\.dll\s*,\s*(openurl|fileprotocolhandler)|ieframe\.dll\s*,\s*openurl|shell32\.dll\s*,\s*shellexec_rundll|advpack\.dll\s*,\s*registerocx|zipfldr\.dll\s*,\s*routethecall)'))
       OR regexp_matches(command_line, '(?i)javascript:.{0,40}\\\.\.\\mshtml')
       OR (lower(process_name) = 'wmic.exe' AND regexp_matches(command_line, '(?i)process\s+call\s+create')))
