-- WMI event filters, consumers and bindings: Sysmon 19-21, or created from a command line.
SELECT id
FROM events
WHERE (category = 'wmi' AND event_code IN ('19', '20', '21'))
   OR (category = 'process'
       AND (contains(lower(command_line), '__eventfilter') OR contains(lower(command_line), 'eventconsumer')
            OR contains(lower(command_line), '__filtertoconsumerbinding'))
       AND regexp_matches(command_line, '(?i)(__eventfilter|commandlineeventconsumer|activescripteventconsumer|__filtertoconsumerbinding).*\b(create|set-wmiinstance|new-ciminstance)\b|\b(create|set-wmiinstance|new-ciminstance)\b.*(__eventfilter|commandlineeventconsumer|activescripteventconsumer|__filtertoconsumerbinding)'))
