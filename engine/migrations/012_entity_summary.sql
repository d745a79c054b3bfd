-- 012: the entity summary (engine/summary.go, docs/entity.md): the events rolled up by the
-- columns an entity profile filters and counts on, per source and UTC day, so that the entity
-- view's counts, first and last seen, activity and related entities read a table far smaller
-- than the events. Rows are added after every import for the new events only (one row per
-- combination per import: readers sum them); the profile falls back to the events when the
-- summary does not cover every event (entity_summary_state.max_id below the highest event id).
CREATE TABLE entity_summary (
    user_key        VARCHAR,
    target_user_key VARCHAR,
    host_key        VARCHAR,
    src_ip          VARCHAR,
    dst_ip          VARCHAR,
    process_name    VARCHAR,   -- lower-case, as entity conditions compare it
    parent_name     VARCHAR,   -- lower-case
    domain          VARCHAR,
    hash            VARCHAR,
    source          VARCHAR NOT NULL,
    source_type     VARCHAR NOT NULL,
    day             DATE,      -- UTC day of the events' time; NULL for events without a time
    events          BIGINT NOT NULL,
    first           TIMESTAMP,
    last            TIMESTAMP
);

-- What the summary covers: how many events (of finished imports) and the highest id among them.
CREATE TABLE entity_summary_state (events BIGINT NOT NULL, max_id BIGINT NOT NULL);

-- The backfill of an existing store: every event of a finished import.
INSERT INTO entity_summary
SELECT e.user_key, e.target_user_key, e.host_key, e.src_ip, e.dst_ip, lower(e.process_name), lower(e.parent_name), e.domain, e.hash,
       e.source, e.source_type, e.time::DATE, count(*), min(e.time), max(e.time)
FROM events e JOIN files f ON f.id = e.file_id AND f.status = 'done'
GROUP BY ALL;

INSERT INTO entity_summary_state
SELECT count(*), coalesce(max(e.id), 0) FROM events e JOIN files f ON f.id = e.file_id AND f.status = 'done';
