-- 010: case files. A case records one investigation: what it is about (alerts, incidents,
-- evidence events, entities, ATT&CK techniques), the analysts' notes and checklist, and an
-- append-only history. trawl never updates or deletes case_history rows; each row's hash chains
-- over the previous row's (docs/cases.md), so a change made behind trawl's back is detectable.
CREATE TABLE cases (
    id          BIGINT PRIMARY KEY,
    title       VARCHAR NOT NULL,
    status      VARCHAR NOT NULL,     -- new, investigating, contained, eradicated, closed
    severity    VARCHAR NOT NULL,     -- info, low, medium, high, critical
    assignee    VARCHAR NOT NULL DEFAULT '',
    verdict     VARCHAR NOT NULL DEFAULT '',  -- true_positive, benign_true_positive, false_positive
    narrative   VARCHAR NOT NULL DEFAULT '',
    first       TIMESTAMP,            -- earliest evidence event
    last        TIMESTAMP,            -- latest evidence event
    created_at  TIMESTAMP NOT NULL,
    created_by  VARCHAR NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);

CREATE TABLE case_alerts (
    case_id     BIGINT NOT NULL,
    alert_id    BIGINT NOT NULL,
    rule        VARCHAR NOT NULL,     -- the alert's rule, kept so verdicts stay per rule
    PRIMARY KEY (case_id, alert_id)
);

CREATE TABLE case_incidents (
    case_id     BIGINT NOT NULL,
    incident_id BIGINT NOT NULL,
    PRIMARY KEY (case_id, incident_id)
);

-- Evidence events: carried from the linked alerts (source 'alert') or pinned by hand ('pin').
CREATE TABLE case_events (
    case_id     BIGINT NOT NULL,
    event_id    BIGINT NOT NULL,
    source      VARCHAR NOT NULL,
    PRIMARY KEY (case_id, event_id)
);

CREATE TABLE case_entities (
    case_id     BIGINT NOT NULL,
    kind        VARCHAR NOT NULL,     -- user, target_user, host, src_ip, dst_ip, process, domain, hash
    value       VARCHAR NOT NULL,
    PRIMARY KEY (case_id, kind, value)
);

CREATE TABLE case_techniques (
    case_id     BIGINT NOT NULL,
    technique   VARCHAR NOT NULL,     -- ATT&CK id
    PRIMARY KEY (case_id, technique)
);

CREATE TABLE case_notes (
    case_id     BIGINT NOT NULL,
    seq         BIGINT NOT NULL,
    written_at  TIMESTAMP NOT NULL,
    author      VARCHAR NOT NULL,
    text        VARCHAR NOT NULL,
    PRIMARY KEY (case_id, seq)
);

CREATE TABLE case_tasks (
    case_id     BIGINT NOT NULL,
    seq         BIGINT NOT NULL,
    text        VARCHAR NOT NULL,
    phase       VARCHAR NOT NULL DEFAULT '',  -- contain, collect, eradicate, recover
    source      VARCHAR NOT NULL DEFAULT '',  -- playbook:NAME
    created_at  TIMESTAMP NOT NULL,
    created_by  VARCHAR NOT NULL,
    done_at     TIMESTAMP,
    done_by     VARCHAR NOT NULL DEFAULT '',
    PRIMARY KEY (case_id, seq)
);

CREATE TABLE case_history (
    case_id     BIGINT NOT NULL,
    seq         BIGINT NOT NULL,      -- 1, 2, 3, ... within the case
    changed_at  TIMESTAMP NOT NULL,
    actor       VARCHAR NOT NULL,
    action      VARCHAR NOT NULL,
    field       VARCHAR NOT NULL,
    old         VARCHAR NOT NULL,
    new         VARCHAR NOT NULL,
    prev_hash   VARCHAR NOT NULL,
    hash        VARCHAR NOT NULL,     -- hex SHA-256 over prev_hash and the row's content
    PRIMARY KEY (case_id, seq)
);
