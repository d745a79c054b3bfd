-- 006: derived features and sessions (engine/features.go, engine/sessions.go, docs/features.md).

-- One row per event with its derived features, written by the feature pass after each import
-- (for the new events) and by trawl features rebuild (for all). The columns are
-- features.Columns; NULL means the feature does not apply to the event.
CREATE TABLE event_features (
    event_id          BIGINT NOT NULL,
    src_ip_class      VARCHAR,
    dst_ip_class      VARCHAR,
    dst_service       VARCHAR,
    dst_port_class    VARCHAR,
    port_mismatch     BOOLEAN,
    lolbas            BOOLEAN,
    encoded_ps        BOOLEAN,
    decoded_command   VARCHAR,
    cmd_entropy       DOUBLE,
    signed            BOOLEAN,
    signature_status  VARCHAR,
    unexpected_parent BOOLEAN,
    event_hour        BIGINT,
    off_hours         BOOLEAN,
    new_account       BOOLEAN,
    failures_1h       BIGINT
);

-- Every event with its features: what a hunt reads when it names a feature column. Events the
-- feature pass has not seen yet have NULL features.
CREATE VIEW events_features AS
SELECT e.*, f.* EXCLUDE (event_id)
FROM events e LEFT JOIN event_features f ON f.event_id = e.id;

-- The reference lists the feature pass joins, refilled from package features before each pass.
CREATE TABLE feature_lolbas (name VARCHAR NOT NULL, category VARCHAR);          -- lower-case file name
CREATE TABLE feature_parents (child VARCHAR NOT NULL, parent VARCHAR NOT NULL);  -- lower-case base names
CREATE TABLE feature_ports (port BIGINT NOT NULL, service VARCHAR, admin BOOLEAN);
CREATE TABLE feature_protocol_ports (protocol VARCHAR NOT NULL, port BIGINT NOT NULL);
CREATE TABLE feature_ip_ranges (network VARCHAR NOT NULL, class VARCHAR NOT NULL,
                                ip_lo UHUGEINT, ip_bits INTEGER);

-- Sessions: a Windows logon (host + logon id, from 4624 to 4634/4647), an SSH connection (host +
-- sshd pid, from "Accepted" to "session closed") or a cloud session (access key + source address,
-- ended by 30 minutes without activity). id is the id of the session's first event.
CREATE TABLE sessions (
    id       BIGINT NOT NULL,
    kind     VARCHAR NOT NULL,   -- windows, ssh, cloud
    key      VARCHAR NOT NULL,   -- logon id, sshd pid, access key id
    host     VARCHAR,
    "user"   VARCHAR,
    user_key VARCHAR,
    src_ip   VARCHAR,
    start    TIMESTAMP,
    "end"    TIMESTAMP,
    events   BIGINT NOT NULL,
    closed   BOOLEAN NOT NULL    -- ended by a logoff or close event (not by the end of the data)
);

-- Which session each event belongs to (at most one).
CREATE TABLE session_events (
    session_id BIGINT NOT NULL,
    event_id   BIGINT NOT NULL
);
