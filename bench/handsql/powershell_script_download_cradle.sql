-- Script blocks (4104) with download cradles.
SELECT id
FROM events
WHERE category = 'script'
  AND event_code = '4104'
  AND (regexp_matches(fields->>'$.EventData.ScriptBlockText', '(?i)(download(string|file|data)\s*\(|invoke-webrequest|invoke-restmethod|start-bitstransfer)')
       OR regexp_matches(fields->>'$.ScriptBlockText', '(?i)(download(string|file|data)\s*\(|invoke-webrequest|invoke-restmethod|start-bitstransfer)'))
