-- Script blocks built by string concatenation, format operators or reversed keywords.
SELECT id
FROM (SELECT id, event_code, (fields->>'$.EventData.ScriptBlockText') AS text
      FROM events WHERE category = 'script')
WHERE event_code = '4104' AND text IS NOT NULL
  AND (regexp_matches(text, '(?s)(\x27[\s)]*\+[\s(]*\x27.{0,40}?){15}')
       OR regexp_matches(text, '(\{\d{1,3}\}){10}')
       OR regexp_matches(text, '(?i)(gnirtsdaolnwod|tneilcbew\.ten|ekovni)'))
