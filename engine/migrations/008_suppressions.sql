-- 008: suppression rules. A suppression hides the alerts of a rule (a name or a glob) whose
-- entities match every one of its conditions, until it expires; hidden alerts stay in alerts,
-- queryable and countable, and alert_suppressions says which rule hid each one. See
-- docs/suppression.md.
CREATE TABLE suppressions (
    name        VARCHAR PRIMARY KEY,
    rule        VARCHAR NOT NULL,      -- rule name or glob (* any text, ? one character), as given
    rule_like   VARCHAR NOT NULL,      -- the same as a LIKE pattern (escape \), lower-case
    conditions  BIGINT NOT NULL,       -- how many rows of suppression_conditions it has
    expires_at  TIMESTAMP,             -- NULL never expires
    reason      VARCHAR NOT NULL,
    author      VARCHAR,
    created_at  TIMESTAMP NOT NULL,
    hits        BIGINT NOT NULL DEFAULT 0,  -- alerts it hid when suppressions were last applied
    applied_at  TIMESTAMP,             -- when hits was last counted
    from_alert  BIGINT                 -- the alert it was made from (trawl suppress from-alert)
);

-- One entity condition KIND=PATTERN of a suppression. keys are the alerts.entities keys the
-- kind reads (ip reads src_ip and dst_ip); an alert meets the condition when any of its values
-- under those keys matches like (a LIKE pattern, escape \, lower-case).
CREATE TABLE suppression_conditions (
    suppression VARCHAR NOT NULL,
    n           INTEGER NOT NULL,      -- position in the rule, from 1
    kind        VARCHAR NOT NULL,
    pattern     VARCHAR NOT NULL,      -- as given
    keys        VARCHAR[] NOT NULL,
    "like"      VARCHAR NOT NULL
);

-- Which live suppression hides which alert; recomputed from scratch by ApplySuppressions (after
-- every hunt and every change of the suppressions). An alert hidden by two rules has two rows.
CREATE TABLE alert_suppressions (
    alert_id    BIGINT NOT NULL,
    suppression VARCHAR NOT NULL
);
