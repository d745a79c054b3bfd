-- Services installed from outside Program Files and the system folders (or with no path).
SELECT id
FROM events
WHERE category = 'service'
  AND event_code IN ('7045', '4697')
  AND (process_path IS NULL
       OR NOT (starts_with(lower(process_path), 'c:\program files\')
               OR starts_with(lower(process_path), 'c:\program files (x86)\')
               OR starts_with(lower(process_path), 'c:\windows\system32\')
               OR starts_with(lower(process_path), 'c:\windows\syswow64\')
               OR starts_with(lower(process_path), '%systemroot%\system32\')
               OR starts_with(lower(process_path), '%windir%\system32\')
               OR starts_with(lower(process_path), '\systemroot\system32\')
               OR starts_with(lower(process_path), 'system32\')))
