-- RDP logons from the loopback address (tunnelled RDP).
SELECT id
FROM events
WHERE category = 'logon'
  AND event_code = '4624' AND logon_type = '10'
  AND (src_ip LIKE '127.%' OR src_ip = '::1')
