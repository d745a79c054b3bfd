-- A user other than root getting a bare root shell through sudo or su.
SELECT id
FROM events
WHERE category = 'process'
  AND process_name IN ('bash', 'sh', 'dash', 'zsh', 'ksh', 'csh', 'tcsh', 'fish', 'ash', 'su')
  AND target_user = 'root'
  AND "user" IS NOT NULL AND "user" <> 'root'
  AND regexp_matches(command_line, '^((/usr)?/s?bin/)?((ba|da|z|k|c|tc|fi|a)?sh|su)(\s+-[a-z]*)?\s*$')
