-- 014: the entity summary of 012 split by what it is read for (engine/summary.go,
-- docs/entity.md). 012 kept one row per combination of every entity column, source and day,
-- repeated under each entity it names: on logs whose entity values combine freely that is about
-- four rows per event and cost a third of the import. Now:
--   entity_activity: each entity's events per source, source type and UTC hour, made by taking
--     each event's entity values once: never more rows than entity-hours (counts, first and last
--     seen, sources, activity, the timeline's hours);
--   entity_related: each entity's events per combination of the other entity columns, without
--     source or time (related entities), kept only while the new events' combinations are
--     repeated (at most one per two events, or a small import); else entity_summary_state.related
--     is false and profiles count related entities over the events;
--   entity_user_pairs: the events naming two different users (acting and target) per pair,
--     source, source type and hour: a user with aliases counts such an event once when both
--     are its keys (its keys' entity_activity rows less these).
-- Rows are added after every import for the new events only (readers sum them), each import's
-- sorted by kind and key so that DuckDB's zone maps skip to one entity's rows. The statements
-- between "pass begins" and "pass ends" are the backfill here and summaryPass's statements,
-- with "TRUE /* new events */" replaced by the condition on the new events.

DROP TABLE IF EXISTS entity_keys;
DROP TABLE IF EXISTS entity_hours;
DROP TABLE IF EXISTS entity_summary;
DROP TABLE IF EXISTS entity_activity;
DROP TABLE IF EXISTS entity_related;
DROP TABLE IF EXISTS entity_user_pairs;

CREATE TABLE entity_activity (
    kind        VARCHAR NOT NULL,  -- user, host, ip, process, domain, hash
    key         VARCHAR NOT NULL,
    source      VARCHAR NOT NULL,
    source_type VARCHAR NOT NULL,
    hour        TIMESTAMP,         -- UTC hour of the events' time; NULL for events without a time
    events      BIGINT NOT NULL,
    first       TIMESTAMP,
    last        TIMESTAMP
);

-- The other columns as related entities count them: a target user equal to the acting one, or a
-- destination equal to the source, is NULL; process_name is lower-case.
CREATE TABLE entity_related (
    kind            VARCHAR NOT NULL,
    key             VARCHAR NOT NULL,
    user_key        VARCHAR,
    target_user_key VARCHAR,
    host_key        VARCHAR,
    src_ip          VARCHAR,
    dst_ip          VARCHAR,
    process_name    VARCHAR,
    domain          VARCHAR,
    hash            VARCHAR,
    events          BIGINT NOT NULL
);

CREATE TABLE entity_user_pairs (
    user_key        VARCHAR NOT NULL,
    target_user_key VARCHAR NOT NULL,
    source          VARCHAR NOT NULL,
    source_type     VARCHAR NOT NULL,
    hour            TIMESTAMP,
    events          BIGINT NOT NULL,
    first           TIMESTAMP,
    last            TIMESTAMP
);

ALTER TABLE entity_summary_state ADD COLUMN IF NOT EXISTS related BOOLEAN DEFAULT true;
DELETE FROM entity_summary_state;

-- pass begins
CREATE TEMP TABLE entity_plan AS
SELECT count(*) AS events, coalesce(max(e.id), 0) AS max_id,
       (count(*) < 50000 OR 2 * approx_count_distinct(hash(e.user_key, e.target_user_key, e.host_key, e.src_ip, e.dst_ip, e.process_name, e.parent_name, e.domain, e.hash)) <= count(*))
       AND coalesce((SELECT bool_and(related) FROM entity_summary_state), true) AS related
FROM events e JOIN files f ON f.id = e.file_id AND f.status = 'done'
WHERE TRUE /* new events */;

INSERT INTO entity_activity
SELECT kind, key, source, source_type, hour, count(*), min(time), max(time) FROM (
    SELECT 'user' AS kind, e.user_key AS key, e.source, e.source_type, date_trunc('hour', e.time) AS hour, e.time
    FROM events e JOIN files f ON f.id = e.file_id AND f.status = 'done' WHERE TRUE /* new events */ AND e.user_key IS NOT NULL
    UNION ALL SELECT 'user', e.target_user_key, e.source, e.source_type, date_trunc('hour', e.time), e.time
    FROM events e JOIN files f ON f.id = e.file_id AND f.status = 'done' WHERE TRUE /* new events */ AND e.target_user_key IS NOT NULL AND e.target_user_key IS DISTINCT FROM e.user_key
    UNION ALL SELECT 'host', e.host_key, e.source, e.source_type, date_trunc('hour', e.time), e.time
    FROM events e JOIN files f ON f.id = e.file_id AND f.status = 'done' WHERE TRUE /* new events */ AND e.host_key IS NOT NULL
    UNION ALL SELECT 'ip', e.src_ip, e.source, e.source_type, date_trunc('hour', e.time), e.time
    FROM events e JOIN files f ON f.id = e.file_id AND f.status = 'done' WHERE TRUE /* new events */ AND e.src_ip IS NOT NULL
    UNION ALL SELECT 'ip', e.dst_ip, e.source, e.source_type, date_trunc('hour', e.time), e.time
    FROM events e JOIN files f ON f.id = e.file_id AND f.status = 'done' WHERE TRUE /* new events */ AND e.dst_ip IS NOT NULL AND e.dst_ip IS DISTINCT FROM e.src_ip
    UNION ALL SELECT 'process', lower(e.process_name), e.source, e.source_type, date_trunc('hour', e.time), e.time
    FROM events e JOIN files f ON f.id = e.file_id AND f.status = 'done' WHERE TRUE /* new events */ AND e.process_name IS NOT NULL
    UNION ALL SELECT 'process', lower(e.parent_name), e.source, e.source_type, date_trunc('hour', e.time), e.time
    FROM events e JOIN files f ON f.id = e.file_id AND f.status = 'done' WHERE TRUE /* new events */ AND e.parent_name IS NOT NULL AND lower(e.parent_name) IS DISTINCT FROM lower(e.process_name)
    UNION ALL SELECT 'domain', e.domain, e.source, e.source_type, date_trunc('hour', e.time), e.time
    FROM events e JOIN files f ON f.id = e.file_id AND f.status = 'done' WHERE TRUE /* new events */ AND e.domain IS NOT NULL
    UNION ALL SELECT 'hash', e.hash, e.source, e.source_type, date_trunc('hour', e.time), e.time
    FROM events e JOIN files f ON f.id = e.file_id AND f.status = 'done' WHERE TRUE /* new events */ AND e.hash IS NOT NULL
)
GROUP BY ALL ORDER BY kind, key, hour;

INSERT INTO entity_user_pairs
SELECT e.user_key, e.target_user_key, e.source, e.source_type, date_trunc('hour', e.time) AS hour, count(*), min(e.time), max(e.time)
FROM events e JOIN files f ON f.id = e.file_id AND f.status = 'done'
WHERE TRUE /* new events */ AND e.user_key IS NOT NULL AND e.target_user_key IS NOT NULL AND e.target_user_key <> e.user_key
GROUP BY ALL ORDER BY e.user_key, e.target_user_key, hour;

-- related entities: the new events per combination once, then under each entity they name
CREATE TEMP TABLE entity_new AS
SELECT e.user_key, CASE WHEN e.target_user_key IS DISTINCT FROM e.user_key THEN e.target_user_key END AS target_user_key, e.host_key, e.src_ip,
       CASE WHEN e.dst_ip IS DISTINCT FROM e.src_ip THEN e.dst_ip END AS dst_ip, lower(e.process_name) AS process_name,
       CASE WHEN lower(e.parent_name) IS DISTINCT FROM lower(e.process_name) THEN lower(e.parent_name) END AS parent_name, e.domain, e.hash,
       count(*) AS events
FROM events e JOIN files f ON f.id = e.file_id AND f.status = 'done'
WHERE TRUE /* new events */ AND (SELECT related FROM entity_plan)
GROUP BY ALL;

INSERT INTO entity_related
WITH k AS (
    SELECT 'user' AS kind, user_key AS key, * EXCLUDE (parent_name) FROM entity_new WHERE user_key IS NOT NULL
    UNION ALL SELECT 'user', target_user_key, * EXCLUDE (parent_name) FROM entity_new WHERE target_user_key IS NOT NULL
    UNION ALL SELECT 'host', host_key, * EXCLUDE (parent_name) FROM entity_new WHERE host_key IS NOT NULL
    UNION ALL SELECT 'ip', src_ip, * EXCLUDE (parent_name) FROM entity_new WHERE src_ip IS NOT NULL
    UNION ALL SELECT 'ip', dst_ip, * EXCLUDE (parent_name) FROM entity_new WHERE dst_ip IS NOT NULL
    UNION ALL SELECT 'process', process_name, * EXCLUDE (parent_name) FROM entity_new WHERE process_name IS NOT NULL
    UNION ALL SELECT 'process', parent_name, * EXCLUDE (parent_name) FROM entity_new WHERE parent_name IS NOT NULL
    UNION ALL SELECT 'domain', domain, * EXCLUDE (parent_name) FROM entity_new WHERE domain IS NOT NULL
    UNION ALL SELECT 'hash', hash, * EXCLUDE (parent_name) FROM entity_new WHERE hash IS NOT NULL
)
SELECT kind, key, user_key, target_user_key, host_key, src_ip, dst_ip, process_name, domain, hash, sum(events) FROM k
GROUP BY ALL ORDER BY kind, key;

DROP TABLE entity_new;
-- pass ends

INSERT INTO entity_summary_state (events, max_id, related) SELECT events, max_id, related FROM entity_plan;
DROP TABLE entity_plan;
