-- CloudTrail or flow logs stopped, deleted or changed, or management events switched off.
SELECT id
FROM events
WHERE category = 'cloud'
  AND (event_code IN ('StopLogging', 'DeleteTrail', 'UpdateTrail', 'DeleteFlowLogs')
       OR (event_code = 'PutEventSelectors'
           AND contains(lower(fields->>'$.requestParameters'), '"includemanagementevents":false')))
