-- 013: the triage state of alerts, set from the workbench queue (acknowledge, assign, close) and
-- shown there and by `trawl alerts`. One row per alert that left "new": its status, who it is
-- assigned to, and who changed it last and when. Incidents are triaged through their alerts
-- (incident ids change with every scoring run; alert ids do not). No row means status new.
CREATE TABLE alert_triage (
    alert_id    BIGINT PRIMARY KEY,
    status      VARCHAR NOT NULL,                 -- new, acknowledged, assigned, closed
    assignee    VARCHAR NOT NULL DEFAULT '',
    updated_by  VARCHAR NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
