-- Requests with SQL injection syntax in the URL.
SELECT id
FROM events
WHERE category = 'http'
  AND regexp_matches(url, '(?i)(union(\s|\+|%20|/\*.*?\*/)+(all(\s|\+|%20)+)?select|(\x27|%27|")(\s|\+|%20)*(or|and)(\s|\+|%20)+(\x27|%27)?\d+(\x27|%27)?(\s|\+|%20)*(=|%3d)|(;|%3b)(\s|\+|%20)*(drop|insert|update|delete|exec|declare)(\s|\+|%20)|\b(sleep|benchmark|pg_sleep)(\s|%20)*\(|waitfor(\s|\+|%20)+delay|xp_cmdshell|information_schema|@@version|concat(\s|%20)*\(0x|char\(\d+\)(\+|%2b)char\()')
