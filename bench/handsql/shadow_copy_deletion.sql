-- Shadow copies, backups and recovery switched off or deleted (ransomware preparation).
SELECT id
FROM events
WHERE category = 'process'
  AND regexp_matches(command_line, '(?i)(vssadmin(\.exe)?\s+(delete\s+shadows|resize\s+shadowstorage)|shadowcopy\s+delete|win32_shadowcopy.*(delete|remove)|wbadmin(\.exe)?\s+delete\s+(catalog|systemstatebackup|backup)|bcdedit(\.exe)?\s.*(recoveryenabled\s+no|bootstatuspolicy\s+ignoreallfailures))')
