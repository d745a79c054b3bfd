-- Web and database server processes starting shells and discovery tools.
SELECT id
FROM events
WHERE category = 'process'
  AND lower(parent_name) IN ('w3wp.exe', 'httpd.exe', 'nginx.exe', 'php-cgi.exe', 'php.exe', 'tomcat.exe', 'tomcat7.exe', 'tomcat8.exe', 'tomcat9.exe', 'sqlservr.exe', 'umworkerprocess.exe')
  AND lower(process_name) IN ('cmd.exe', 'powershell.exe', 'pwsh.exe', 'wscript.exe', 'cscript.exe', 'mshta.exe', 'whoami.exe', 'net.exe', 'net1.exe', 'ipconfig.exe', 'systeminfo.exe', 'certutil.exe', 'bitsadmin.exe', 'rundll32.exe', 'regsvr32.exe', 'nltest.exe', 'tasklist.exe')
