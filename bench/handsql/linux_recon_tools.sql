-- Network and account discovery tools run on Linux hosts.
SELECT id
FROM events
WHERE category = 'process'
  AND process_name IN ('arp', 'netstat', 'ifconfig', 'route', 'whoami', 'getent', 'lastlog', 'nmap', 'masscan', 'arp-scan', 'nbtscan', 'netdiscover', 'zmap')
  AND (source_type IN ('auditd', 'winjson', 'jsonl', 'evtx') OR process_path LIKE '/%')
