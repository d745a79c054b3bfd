-- Run keys, Winlogon Userinit/Shell and logon scripts set to something other than the usual values.
SELECT id
FROM events
WHERE category = 'registry'
  AND event_code = '13'
  AND regexp_matches(registry, '(?i)(\\currentversion\\(run|runonce|runservices|runservicesonce|policies\\explorer\\run)(\\|$)|\\winlogon\\(userinit|shell)$|\\environment\\userinitmprlogonscript$)')
  AND (((fields->>'$.EventData.Details') IS NOT NULL
        AND NOT regexp_matches(fields->>'$.EventData.Details', '(?i)^"?(c:\\program files( \(x86\))?\\|c:\\windows\\system32\\userinit\.exe,?$|explorer\.exe$)'))
       OR ((fields->>'$.Details') IS NOT NULL
           AND NOT regexp_matches(fields->>'$.Details', '(?i)^"?(c:\\program files( \(x86\))?\\|c:\\windows\\system32\\userinit\.exe,?$|explorer\.exe$)')))
