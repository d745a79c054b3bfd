-- 009: the rule store. trawl sigma import keeps each Sigma rule (a detection rule or a
-- correlation rule) with its original YAML, the rule compiled into the hunting language, its
-- outcome and metadata; trawl hunt runs the enabled ones that compiled. See docs/sigma.md.
CREATE TABLE stored_rules (
    key            VARCHAR PRIMARY KEY,   -- the Sigma id; name:RULE for a rule without id
    sigma_id       VARCHAR,
    name           VARCHAR NOT NULL,      -- the rule's name in the hunting language
    title          VARCHAR NOT NULL,
    kind           VARCHAR NOT NULL,      -- detection or correlation
    status         VARCHAR,               -- Sigma status: stable, test, experimental, ...
    level          VARCHAR,               -- Sigma level as written
    severity       VARCHAR NOT NULL,      -- the level as a severity: info, low, medium, high, critical
    outcome        VARCHAR NOT NULL,      -- compiled, partial or unsupported
    reasons        VARCHAR[] NOT NULL,    -- what a partial rule lost, why a rule is unsupported
    only_in        VARCHAR[] NOT NULL,    -- correlations that run this rule (it does not run alone)
    attack         VARCHAR[] NOT NULL,    -- ATT&CK technique ids: as tagged (v19 too), then the v18.1 ones they stand for
    tags           VARCHAR[] NOT NULL,
    falsepositives VARCHAR[] NOT NULL,
    refs           VARCHAR[] NOT NULL,    -- the rule's references
    author         VARCHAR,
    licence        VARCHAR NOT NULL,      -- the licence notice shown with the rule (DRL 1.1 for Sigma)
    file           VARCHAR NOT NULL,      -- the file it was imported from
    doc            INTEGER NOT NULL,      -- its YAML document in that file, from 0
    yaml           VARCHAR NOT NULL,      -- the file's original text (all its documents)
    hunt           VARCHAR,               -- the rule in the hunting language; NULL when unsupported before it was written
    enabled        BOOLEAN NOT NULL,      -- trawl hunt runs it (when it compiled and runs alone)
    imported_at    TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL
);
