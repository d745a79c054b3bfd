-- Snapshots and images shared with other accounts.
SELECT id
FROM events
WHERE category = 'cloud'
  AND ((event_code IN ('ModifySnapshotAttribute', 'ModifyImageAttribute')
        AND contains(lower(fields->>'$.requestParameters'), '"add"'))
       OR (event_code IN ('ModifyDBSnapshotAttribute', 'ModifyDBClusterSnapshotAttribute')
           AND (fields->>'$.requestParameters.valuesToAdd') IS NOT NULL))
