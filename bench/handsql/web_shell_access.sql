-- Successful requests to scripts in upload folders, named like shells, or given a command
-- parameter: per client, URL and hour, three or more requests or any POST/PUT.
SELECT list(id) AS evidence
FROM events
WHERE category = 'http'
  AND http_status >= 200 AND http_status < 300
  AND (regexp_matches(url, '(?i)/(upload|uploads|uploaded|images?|img|static|files|tmp|temp|error|errors|media|assets|userfiles|attachments)/[^?]*\.(jsp|jspx|asp|aspx|ashx|php\d?|phtml|cfm)(\?|$)')
       OR regexp_matches(url, '(?i)/[^/?]*(cmd|shell|c99|r57|wso|b374k|webshell|backdoor)[^/?]*\.(jsp|jspx|asp|aspx|ashx|php\d?|phtml|cfm)(\?|$)')
       OR regexp_matches(url, '(?i)\.(jsp|jspx|asp|aspx|ashx|php\d?|phtml|cfm)\?(.*&)?(cmd|exec|command|execute)='))
GROUP BY src_ip, url, time_bucket(INTERVAL 1 HOUR, time)
HAVING count(*) >= 3 OR max(upper(http_method)) IN ('POST', 'PUT')
