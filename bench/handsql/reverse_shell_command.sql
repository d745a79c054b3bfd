-- Reverse shell one-liners, plain or with /dev/tcp/ hidden in base64 (each of its three offsets).
SELECT id
FROM events
WHERE category = 'process'
  AND (regexp_matches(command_line, '(?i)(\b(ba|z|k)?sh\s+-i\b.*/dev/(tcp|udp)/|/dev/(tcp|udp)/[^/\s]+/\d+.*[0-2]?>&\s*[0-2]|\bnc(at)?(\.exe)?\s.*\s-(e|c)\s+\S*(sh|cmd)|mkfifo\s.*\|\s*(nc|ncat|telnet)\s|socat\s.*exec:|(python\d?|perl|ruby)\s+-\w*\s.*socket.*(subprocess|pty\.spawn|exec|/bin/(ba)?sh))')
       OR command_line ILIKE '%L2Rldi90Y3Av%'
       OR command_line ILIKE '%9kZXYvdGNwL%'
       OR command_line ILIKE '%vZGV2L3RjcC%')
