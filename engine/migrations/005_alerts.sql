-- 005: detections. A hunt run executes rules and records what it found in alerts; every alert
-- lists the ids of its evidence events, so it can be explained event by event.
CREATE TABLE hunt_runs (
    id          BIGINT PRIMARY KEY,
    started_at  TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    since       TIMESTAMP,            -- --since: only events at or after it were read
    rule_files  VARCHAR[] NOT NULL,   -- where the rules came from (builtin:NAME for the pack)
    rules       BIGINT NOT NULL DEFAULT 0,
    alerts      BIGINT NOT NULL DEFAULT 0,  -- alerts written (new ones only)
    errors      VARCHAR[]             -- rules that failed to run, with the error
);

CREATE TABLE alerts (
    id          BIGINT PRIMARY KEY,
    run_id      BIGINT NOT NULL,      -- hunt_runs.id of the run that first raised it
    rule        VARCHAR NOT NULL,     -- rule name
    title       VARCHAR NOT NULL,
    severity    VARCHAR NOT NULL,     -- info, low, medium, high, critical
    confidence  DOUBLE NOT NULL,      -- 0..1
    attack      VARCHAR[] NOT NULL,   -- ATT&CK technique ids as the rule wrote them
    first       TIMESTAMP,            -- time of the earliest evidence event
    last        TIMESTAMP,            -- time of the latest evidence event
    entities    JSON NOT NULL,        -- {"user": [...], "host": [...], "src_ip": [...], ...} of the evidence
    evidence    BIGINT[] NOT NULL,    -- events.id of every evidence event, in time order
    sources     VARCHAR[] NOT NULL,   -- files.path of the files the evidence came from
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX alerts_rule ON alerts (rule);
