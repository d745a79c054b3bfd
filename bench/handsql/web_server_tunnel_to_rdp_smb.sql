-- A web server process connecting to RDP, SMB or WinRM ports.
SELECT id
FROM events
WHERE category = 'network'
  AND lower(process_name) IN ('w3wp.exe', 'tomcat.exe', 'tomcat8.exe', 'tomcat9.exe', 'httpd.exe', 'php-cgi.exe', 'java.exe')
  AND dst_port IN (3389, 445, 139, 5985, 5986)
