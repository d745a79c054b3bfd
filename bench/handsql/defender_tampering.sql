-- Defender switched off, weakened or given exclusions by command.
SELECT id
FROM events
WHERE category = 'process'
  AND (command_line ILIKE '%mppreference%' OR command_line ILIKE '%disable%' OR command_line ILIKE '%windefend%')
  AND (regexp_matches(command_line, '(?i)(set|add)-mppreference\s.*(-disable\w+\s+(\$true|1|true)|-exclusion(path|process|extension)|-enable\w*\s+(disabled?|0|\$false)\b|-(puaprotection|mapsreporting|submitsamplesconsent)\s+(disabled?|0|2|neversend)\b)')
       OR regexp_matches(command_line, '(?i)(disableantispyware|disablerealtimemonitoring|disablebehaviormonitoring|disableioavprotection|disablescriptscanning)\b.*\b(1|0x1|true)\b')
       OR regexp_matches(command_line, '(?i)\bsc(\.exe)?\s+(stop|delete|config)\s+windefend\b'))
