-- A network service starting a shell or scripting interpreter.
SELECT id
FROM events
WHERE category = 'process'
  AND parent_name IN ('java', 'httpd', 'apache2', 'nginx', 'php-fpm', 'php', 'node', 'tomcat', 'mysqld', 'postgres', 'redis-server')
  AND process_name IN ('sh', 'bash', 'dash', 'zsh', 'ksh', 'nc', 'ncat', 'python', 'python3', 'perl')
