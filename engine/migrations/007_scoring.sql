-- 007: risk scoring (trawl score, see docs/scoring.md). Score rewrites these tables from the
-- alerts, the context tables and the intel matches in one transaction, so they always
-- describe one run of the scoring over all alerts.

-- One row per scoring run: when, with which policy, and its counts.
CREATE TABLE score_runs (
    id          BIGINT PRIMARY KEY,
    scored_at   TIMESTAMP NOT NULL,
    policy      VARCHAR NOT NULL,      -- the policy file, or 'builtin'
    alerts      BIGINT NOT NULL,
    collapsed   BIGINT NOT NULL,       -- alerts after collapsing duplicates
    suppressed  BIGINT NOT NULL,
    auto_closed BIGINT NOT NULL,
    queued      BIGINT NOT NULL,
    escalated   BIGINT NOT NULL,
    incidents   BIGINT NOT NULL
);

-- Every alert's score (0-100), the factors it is the sum of, and the triage action. Alerts of
-- one rule on one entity set are collapsed: they share score and factors, duplicates counts
-- them and primary_id is the first. Auto-closed and suppressed alerts are kept here, so they
-- stay queryable and countable, but belong to no incident.
CREATE TABLE alert_scores (
    alert_id    BIGINT PRIMARY KEY,
    score       INTEGER NOT NULL,
    action      VARCHAR NOT NULL,      -- auto-close, queue, escalate
    factors     JSON NOT NULL,         -- [{"name": ..., "points": ..., "detail": ...}], summing to score
    duplicates  INTEGER NOT NULL,
    primary_id  BIGINT NOT NULL,
    incident_id BIGINT,                -- NULL: in no incident
    suppressed  VARCHAR                -- the suppression hiding it (alert_suppressions), if any
);

-- Alerts sharing entities within the grouping window, grown transitively. id is the smallest
-- alert id in it; rank 1 is the top of the queue.
CREATE TABLE incidents (
    id          BIGINT PRIMARY KEY,
    rank        INTEGER NOT NULL,
    priority    VARCHAR NOT NULL,      -- P1 .. P4 by the policy
    score       INTEGER NOT NULL,
    raw_score   INTEGER NOT NULL,      -- before the cap at 100; orders incidents that reach it
    title       VARCHAR NOT NULL,
    tactics     VARCHAR[] NOT NULL,    -- ATT&CK tactic names in kill-chain order
    techniques  JSON NOT NULL,         -- [{"id": "T1003.001", "name": "..."}]
    entities    JSON NOT NULL,         -- {"host": [...], "ip": [...], "user": [...], "asset": [...]}
    first       TIMESTAMP,
    last        TIMESTAMP,
    alerts      BIGINT NOT NULL,
    collapsed   BIGINT NOT NULL,       -- alerts after collapsing duplicates
    factors     JSON NOT NULL,
    narrative   VARCHAR NOT NULL
);

CREATE TABLE incident_alerts (
    incident_id BIGINT NOT NULL,
    alert_id    BIGINT NOT NULL
);

-- Risk-based alerting: each entity's highest decayed sum of its alerts' scores. kind is host,
-- ip (src_ip and dst_ip), user (user and target_user, and identities by their key), asset,
-- domain, process, hash.
CREATE TABLE entity_risk (
    kind    VARCHAR NOT NULL,
    value   VARCHAR NOT NULL,
    risk    DOUBLE NOT NULL,
    peak_at TIMESTAMP,
    alerts  BIGINT NOT NULL,
    rules   BIGINT NOT NULL,
    hub     BOOLEAN NOT NULL           -- in so many alerts that it joins no incident
);
