-- A user's successful logon from an outside address not seen for that user (and source type)
-- before, when the user had logged on before: earlier logons from any address, internal ones
-- too, are the history.
WITH logons AS (
  SELECT id, time, src_ip,
         row_number() OVER (PARTITION BY user_key, source_type, src_ip ORDER BY time, id) AS nth_from_address,
         row_number() OVER (PARTITION BY user_key, source_type ORDER BY time, id) AS nth_of_user
  FROM events
  WHERE category = 'logon' AND outcome = 'success'
    AND src_ip IS NOT NULL AND src_ip NOT LIKE '127.%' AND src_ip <> '::1'
    AND user_key IS NOT NULL AND source_type IS NOT NULL
)
SELECT id
FROM logons
WHERE nth_from_address = 1 AND nth_of_user > 1
  AND NOT regexp_matches(src_ip, '^10\.|^172\.(1[6-9]|2[0-9]|3[01])\.|^192\.168\.|^100\.(6[4-9]|[7-9][0-9]|1[01][0-9]|12[0-7])\.|^169\.254\.|^f[cd][0-9a-f]{2}:|^fe[89ab][0-9a-f]:')
