-- RC4 service tickets requested for service accounts (not computer accounts or krbtgt).
SELECT id
FROM events
WHERE category = 'auth'
  AND event_code = '4769'
  AND (lower(fields->>'$.TicketEncryptionType') IN ('0x17', '0x00000017')
       OR lower(fields->>'$.EventData.TicketEncryptionType') IN ('0x17', '0x00000017'))
  AND NOT coalesce(ends_with(fields->>'$.ServiceName', '$')
                   OR ends_with(fields->>'$.EventData.ServiceName', '$')
                   OR lower(fields->>'$.ServiceName') = 'krbtgt'
                   OR lower(fields->>'$.EventData.ServiceName') = 'krbtgt', false)
