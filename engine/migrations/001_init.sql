-- 001: the event store. One wide events table (columns from event.Columns plus bookkeeping and
-- entity keys), the input files that fed it, and every record that could not become an event.
CREATE TABLE files (
    id          BIGINT PRIMARY KEY,
    path        VARCHAR NOT NULL,      -- as given on the command line
    fingerprint VARCHAR NOT NULL UNIQUE,
    size        BIGINT,
    format      VARCHAR NOT NULL,
    source      VARCHAR NOT NULL,      -- --source label, default the format name
    compression VARCHAR,
    events      BIGINT NOT NULL,
    rejects     BIGINT NOT NULL,
    first       TIMESTAMP,
    last        TIMESTAMP,
    imported_at TIMESTAMP NOT NULL,
    duration_ms BIGINT
);

CREATE TABLE events (
    id                  BIGINT NOT NULL,
    file_id             BIGINT NOT NULL,
    line                BIGINT,
    byte_offset         BIGINT,
    source              VARCHAR NOT NULL,
    time                TIMESTAMP,
    source_type         VARCHAR NOT NULL,
    category            VARCHAR,
    dataset             VARCHAR,
    event_code          VARCHAR,
    action              VARCHAR,
    outcome             VARCHAR,
    severity            BIGINT,
    message             VARCHAR,
    host                VARCHAR,
    "user"              VARCHAR,
    user_domain         VARCHAR,
    target_user         VARCHAR,
    logon_type          VARCHAR,
    auth_package        VARCHAR,
    session_id          VARCHAR,
    src_ip              VARCHAR,
    src_port            BIGINT,
    dst_ip              VARCHAR,
    dst_port            BIGINT,
    protocol            VARCHAR,
    bytes_in            BIGINT,
    bytes_out           BIGINT,
    process_name        VARCHAR,
    process_path        VARCHAR,
    pid                 BIGINT,
    command_line        VARCHAR,
    parent_name         VARCHAR,
    parent_path         VARCHAR,
    ppid                BIGINT,
    parent_command_line VARCHAR,
    file_path           VARCHAR,
    hash                VARCHAR,
    registry            VARCHAR,
    domain              VARCHAR,
    url                 VARCHAR,
    http_method         VARCHAR,
    http_status         BIGINT,
    user_agent          VARCHAR,
    rule_name           VARCHAR,
    raw                 VARCHAR,
    fields              VARCHAR,   -- JSON text of every parsed source field
    user_key            VARCHAR,   -- entity keys: see event.UserKey / HostKey
    target_user_key     VARCHAR,
    host_key            VARCHAR
);

CREATE TABLE rejects (
    file_id     BIGINT NOT NULL,
    line        BIGINT,
    byte_offset BIGINT,
    field       VARCHAR,
    reason      VARCHAR NOT NULL,
    raw         BLOB
);

-- Every entity with first/last seen and event counts, resolved by key across formats.
CREATE VIEW entities AS
SELECT kind, value, min(time) AS first_seen, max(time) AS last_seen, count(*) AS events,
       count(DISTINCT source_type) AS source_types
FROM (
    SELECT 'user' AS kind, user_key AS value, time, source_type FROM events WHERE user_key IS NOT NULL
    UNION ALL SELECT 'user', target_user_key, time, source_type FROM events WHERE target_user_key IS NOT NULL AND target_user_key IS DISTINCT FROM user_key
    UNION ALL SELECT 'host', host_key, time, source_type FROM events WHERE host_key IS NOT NULL
    UNION ALL SELECT 'ip', src_ip, time, source_type FROM events WHERE src_ip IS NOT NULL
    UNION ALL SELECT 'ip', dst_ip, time, source_type FROM events WHERE dst_ip IS NOT NULL AND dst_ip IS DISTINCT FROM src_ip
    UNION ALL SELECT 'process', lower(process_name), time, source_type FROM events WHERE process_name IS NOT NULL
    UNION ALL SELECT 'domain', domain, time, source_type FROM events WHERE domain IS NOT NULL
    UNION ALL SELECT 'hash', hash, time, source_type FROM events WHERE hash IS NOT NULL
)
GROUP BY kind, value;
