-- 012: the entity summary (engine/summary.go, docs/entity.md): the events rolled up so that the
-- entity view's counts, first and last seen, activity, related entities and timeline pages read
-- small tables instead of scanning the events. Rows are added after every import for the new
-- events only (one row per combination per import: readers sum them); a profile reads the
-- events when the summary does not cover every one (entity_summary_state.max_id below the
-- highest event id). The statements after the tables are the backfill of an existing store,
-- the same as summaryPass in engine/summary.go runs over all events.

-- The events per combination of entity columns, source, source type and UTC day.
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

-- The same rows under each entity they are about (kind user, host, ip, process, domain, hash and
-- its key, each event once per entity), written sorted by kind and key so that DuckDB's zone
-- maps skip to one entity's rows.
CREATE TABLE entity_keys (
    kind            VARCHAR NOT NULL,
    key             VARCHAR NOT NULL,
    user_key        VARCHAR,
    target_user_key VARCHAR,
    host_key        VARCHAR,
    src_ip          VARCHAR,
    dst_ip          VARCHAR,
    process_name    VARCHAR,
    parent_name     VARCHAR,
    domain          VARCHAR,
    hash            VARCHAR,
    source          VARCHAR NOT NULL,
    source_type     VARCHAR NOT NULL,
    day             DATE,
    events          BIGINT NOT NULL,
    first           TIMESTAMP,
    last            TIMESTAMP
);

-- Each entity's events per UTC hour (events with a time), sorted by kind, key and hour: where a
-- timeline page of the entity lies in time.
CREATE TABLE entity_hours (
    kind   VARCHAR NOT NULL,
    key    VARCHAR NOT NULL,
    hour   TIMESTAMP NOT NULL,
    events BIGINT NOT NULL,
    first  TIMESTAMP NOT NULL,
    last   TIMESTAMP NOT NULL
);

-- What the summary covers: how many events (of finished imports) and the highest id among them.
CREATE TABLE entity_summary_state (events BIGINT NOT NULL, max_id BIGINT NOT NULL);

CREATE TEMP TABLE entity_new AS
SELECT e.user_key, e.target_user_key, e.host_key, e.src_ip, e.dst_ip, lower(e.process_name) AS process_name, lower(e.parent_name) AS parent_name,
       e.domain, e.hash, e.source, e.source_type, date_trunc('hour', e.time) AS hour, count(*) AS events, min(e.time) AS first, max(e.time) AS last
FROM events e JOIN files f ON f.id = e.file_id AND f.status = 'done'
WHERE TRUE
GROUP BY ALL;

INSERT INTO entity_summary
SELECT user_key, target_user_key, host_key, src_ip, dst_ip, process_name, parent_name, domain, hash, source, source_type, hour::DATE,
       sum(events), min(first), max(last)
FROM entity_new GROUP BY ALL;

CREATE TEMP TABLE entity_new_keys AS
SELECT 'user' AS kind, user_key AS key, * FROM entity_new WHERE user_key IS NOT NULL
UNION ALL SELECT 'user', target_user_key, * FROM entity_new WHERE target_user_key IS NOT NULL AND target_user_key IS DISTINCT FROM user_key
UNION ALL SELECT 'host', host_key, * FROM entity_new WHERE host_key IS NOT NULL
UNION ALL SELECT 'ip', src_ip, * FROM entity_new WHERE src_ip IS NOT NULL
UNION ALL SELECT 'ip', dst_ip, * FROM entity_new WHERE dst_ip IS NOT NULL AND dst_ip IS DISTINCT FROM src_ip
UNION ALL SELECT 'process', process_name, * FROM entity_new WHERE process_name IS NOT NULL
UNION ALL SELECT 'process', parent_name, * FROM entity_new WHERE parent_name IS NOT NULL AND parent_name IS DISTINCT FROM process_name
UNION ALL SELECT 'domain', domain, * FROM entity_new WHERE domain IS NOT NULL
UNION ALL SELECT 'hash', hash, * FROM entity_new WHERE hash IS NOT NULL;

INSERT INTO entity_keys
SELECT kind, key, user_key, target_user_key, host_key, src_ip, dst_ip, process_name, parent_name, domain, hash, source, source_type, hour::DATE,
       sum(events), min(first), max(last)
FROM entity_new_keys GROUP BY ALL ORDER BY kind, key;

INSERT INTO entity_hours
SELECT kind, key, hour, sum(events), min(first), max(last) FROM entity_new_keys WHERE hour IS NOT NULL GROUP BY ALL ORDER BY kind, key, hour;

DROP TABLE entity_new_keys;
DROP TABLE entity_new;

INSERT INTO entity_summary_state
SELECT count(*), coalesce(max(e.id), 0) FROM events e JOIN files f ON f.id = e.file_id AND f.status = 'done';
