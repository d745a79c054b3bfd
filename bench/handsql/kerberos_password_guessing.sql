-- Kerberos pre-authentication failures (4771 0x18) and unknown-user TGT requests (4768 0x6):
-- ten or more, or five or more accounts, from one address in a 10-minute bucket.
SELECT list(id) AS evidence
FROM events
WHERE category = 'auth'
  AND src_ip IS NOT NULL
  AND ((event_code = '4771' AND (lower(fields->>'$.EventData.Status') IN ('0x00000018', '0x18')
                                 OR lower(fields->>'$.Status') IN ('0x00000018', '0x18')))
       OR (event_code = '4768' AND (lower(fields->>'$.EventData.Status') IN ('0x00000006', '0x6')
                                    OR lower(fields->>'$.Status') IN ('0x00000006', '0x6'))))
GROUP BY src_ip, time_bucket(INTERVAL 10 MINUTE, time)
HAVING count(*) >= 10 OR count(DISTINCT user_key) >= 5
