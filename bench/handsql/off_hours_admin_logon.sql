-- Privileged logons (4672), and interactive/RDP logons of admin-named accounts, outside
-- 07:00-19:00 UTC on weekdays, excluding system and machine accounts.
SELECT id
FROM events
WHERE category = 'logon'
  AND NOT coalesce(isodow(time) <= 5 AND hour(time) >= 7 AND hour(time) < 19, false)
  AND "user" IS NOT NULL
  AND lower("user") NOT IN ('system', 'local service', 'network service', 'anonymous logon')
  AND NOT ends_with("user", '$')
  AND NOT starts_with(lower("user"), 'dwm-')
  AND NOT starts_with(lower("user"), 'umfd-')
  AND (event_code = '4672'
       OR (event_code = '4624' AND logon_type IN ('2', '10', '11')
           AND regexp_matches("user", '(?i)(^adm[-_.]|admin|^administrator$|^root$)')))
