-- Requests with directory traversal or for well-known sensitive files.
SELECT id
FROM events
WHERE category = 'http'
  AND regexp_matches(url, '(?i)(\.\./|\.\.\\|\.\.%2f|\.\.%5c|%2e%2e(/|\\|%2f|%5c)|%252e%252e|\.\.%252f|%c0%ae%c0%ae|%c0%af|\.\.%c1%9c|/etc/(passwd|shadow|hosts)\b|win\.ini|boot\.ini|/web-inf/web\.xml|/\.htpasswd|/proc/self/environ|\bweb\.config\b)')
