-- Requests carrying traversal, file disclosure, XSS or SQL injection probes.
SELECT id
FROM events
WHERE category = 'http'
  AND regexp_matches(url, '(?i)(\.\./|\.\.%2f|\.\.%5c|\.\.\\|%2e%2e|/etc/passwd|/etc/shadow|win\.ini|boot\.ini|<script|%3cscript|union(\s|\+|%20)+(all(\s|\+|%20)+)?select|(\x27|%27)(\s|\+|%20)*or(\s|\+|%20)*(\x27|%27)?1|sleep\(\d+\)|benchmark\(|xp_cmdshell|information_schema)')
