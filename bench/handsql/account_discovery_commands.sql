-- net / net1 listing users, groups and account policy.
SELECT id
FROM events
WHERE category = 'process'
  AND regexp_matches(command_line, '(?i)(^|[\s"\\/&|])net1?(\.exe)?"?\s+(user|group|localgroup|accounts)\b')
