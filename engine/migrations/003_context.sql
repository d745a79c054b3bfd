-- 003: context tables (assets and identities, loaded by trawl context import) and the SQL
-- functions that put IP addresses on one number line, so that networks match by range joins.

-- trawl_ip_num(text) is an IP address as a 128-bit number: IPv4 a.b.c.d is ::ffff:a.b.c.d (so
-- IPv4 and IPv6 share one line), IPv6 as written; anything else is NULL. Events hold
-- normalized addresses (event.NormalizeIP), which is what this reads.
-- Each value a macro needs twice is bound once through a one-element list_transform, so the
-- inlined expressions stay small.
CREATE MACRO trawl_ip4_num(s) AS list_transform([string_split(s, '.')], lambda p:
    (65535::UHUGEINT << 32::UHUGEINT) + (p[1]::UHUGEINT << 24::UHUGEINT) + (p[2]::UHUGEINT << 16::UHUGEINT)
    + (p[3]::UHUGEINT << 8::UHUGEINT) + p[4]::UHUGEINT)[1];
CREATE MACRO trawl_ip6_num(s) AS list_transform([string_split(s, '::')], lambda h:
    list_transform([CASE
        WHEN len(h) = 1 THEN string_split(h[1], ':')
        WHEN len(h) = 2 THEN
            (CASE WHEN h[1] = '' THEN []::VARCHAR[] ELSE string_split(h[1], ':') END)
            || list_transform(range(8 - (CASE WHEN h[1] = '' THEN 0 ELSE len(string_split(h[1], ':')) END)
                                     - (CASE WHEN h[2] = '' THEN 0 ELSE len(string_split(h[2], ':')) END)), lambda z: '0')
            || (CASE WHEN h[2] = '' THEN []::VARCHAR[] ELSE string_split(h[2], ':') END)
        END], lambda g:
        CASE WHEN len(g) = 8 AND list_bool_and(list_transform(g, lambda x: regexp_full_match(x, '[0-9a-fA-F]{1,4}'))) THEN
            list_reduce(list_transform(g, lambda x: TRY_CAST('0x' || x AS UBIGINT)::UHUGEINT), lambda acc, x: (acc << 16::UHUGEINT) + x)
        END)[1])[1];
CREATE MACRO trawl_ip_num(s) AS CASE
    WHEN regexp_full_match(s, '(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}') THEN trawl_ip4_num(s)
    WHEN regexp_full_match(s, '[0-9a-fA-F:]{2,39}') THEN trawl_ip6_num(s)
    END;
-- The first and last address of a network ('10.0.0.0/8', '2001:db8::/32') or of one address.
CREATE MACRO trawl_net_bits(a) AS CASE WHEN NOT contains(a, '/') THEN 128
    ELSE TRY_CAST(split_part(a, '/', 2) AS INTEGER) + CASE WHEN contains(a, '.') THEN 96 ELSE 0 END END;
CREATE MACRO trawl_net_lo(a) AS trawl_ip_num(split_part(a, '/', 1));
-- The network of the given prefix length (on the 128-bit line) holding address number num.
-- Matching an address to networks is then an equality join per prefix length in use, which
-- stays fast where a range join would compare every address with every network.
CREATE MACRO trawl_net_of(num, bits) AS CASE WHEN bits <= 0 THEN 0::UHUGEINT WHEN bits >= 128 THEN num
    ELSE (num >> (128 - bits)::UHUGEINT) << (128 - bits)::UHUGEINT END;
CREATE MACRO trawl_net_hi(a) AS list_transform([{'lo': trawl_net_lo(a), 'bits': trawl_net_bits(a)}], lambda x:
    x.lo + CASE WHEN x.bits = 0 THEN 340282366920938463463374607431768211455::UHUGEINT
                ELSE (1::UHUGEINT << (128 - x.bits)::UHUGEINT) - 1::UHUGEINT END)[1];

-- A host or a network. asset_key is the host key of its name (event.HostKey), else its first
-- address; importing an asset with the same key replaces it.
CREATE TABLE assets (
    asset_key       VARCHAR NOT NULL,
    name            VARCHAR,
    hostnames       VARCHAR[],
    addresses       VARCHAR[],     -- normalized IP addresses and CIDR networks
    owner           VARCHAR,
    criticality     INTEGER,       -- 1 (lowest) .. 5 (business critical)
    environment     VARCHAR,
    internet_facing BOOLEAN,
    vulnerabilities VARCHAR[],
    extra           VARCHAR,       -- JSON object of the columns trawl has no field for
    file            VARCHAR NOT NULL,
    line            BIGINT,
    imported_at     TIMESTAMP NOT NULL
);

-- What resolves to an asset: host keys (kind 'host'), addresses ('ip') and networks ('cidr'),
-- the last two with their range on the trawl_ip_num line.
CREATE TABLE asset_keys (
    asset_key VARCHAR NOT NULL,
    kind      VARCHAR NOT NULL,
    value     VARCHAR NOT NULL,
    ip_lo     UHUGEINT,
    ip_hi     UHUGEINT,
    ip_bits   INTEGER      -- prefix length on the 128-bit line (128 for one address)
);

-- A person or service account. identity is the user key (event.UserKey) of its account name.
CREATE TABLE identities (
    identity        VARCHAR NOT NULL,
    "user"          VARCHAR NOT NULL,
    display_name    VARCHAR,
    email           VARCHAR,
    aliases         VARCHAR[],
    department      VARCHAR,
    role            VARCHAR,
    privileged      BOOLEAN,
    service_account BOOLEAN,
    mfa             BOOLEAN,
    manager         VARCHAR,
    status          VARCHAR,       -- active, leaving, left, or as given
    leave_date      DATE,
    extra           VARCHAR,
    file            VARCHAR NOT NULL,
    line            BIGINT,
    imported_at     TIMESTAMP NOT NULL
);

-- Every user key that names an identity: its own key and the keys of its aliases and email.
CREATE TABLE identity_aliases (
    alias_key VARCHAR NOT NULL,
    identity  VARCHAR NOT NULL,
    alias     VARCHAR NOT NULL
);

-- Entity resolution for users: join events.user_key (or target_user_key) on user_key.
CREATE VIEW user_identities AS
SELECT a.alias_key AS user_key, a.alias, i.*
FROM identity_aliases a JOIN identities i ON i.identity = a.identity;

-- Entity resolution for hosts and addresses: every event's host, src_ip and dst_ip with the
-- asset it resolves to. A host resolves by host key (or, when it is an address, as an address);
-- an address to the asset listing it exactly, else to the narrowest network containing it.
CREATE VIEW asset_matches AS
WITH ips AS (
    SELECT value, trawl_ip_num(value) AS num FROM (
        SELECT src_ip AS value FROM events WHERE src_ip IS NOT NULL
        UNION SELECT dst_ip FROM events WHERE dst_ip IS NOT NULL
        UNION SELECT host_key FROM events WHERE host_key IS NOT NULL AND trawl_ip_num(host_key) IS NOT NULL)
),
prefixes AS (
    SELECT DISTINCT ip_bits FROM asset_keys WHERE ip_bits IS NOT NULL
),
ip_nets AS (
    SELECT ips.value, p.ip_bits AS bits, trawl_net_of(ips.num, p.ip_bits) AS net FROM ips CROSS JOIN prefixes p
),
ip_asset AS (
    SELECT n.value, k.asset_key, k.kind AS how, k.value AS matched
    FROM ip_nets n JOIN asset_keys k ON k.ip_bits = n.bits AND k.ip_lo = n.net
    QUALIFY row_number() OVER (PARTITION BY n.value ORDER BY k.ip_bits DESC, k.asset_key) = 1
),
hits AS (
    SELECT e.id AS event_id, 'host' AS field, e.host_key AS value, k.asset_key, 'host' AS how, k.value AS matched
    FROM events e JOIN asset_keys k ON k.kind = 'host' AND k.value = e.host_key
    UNION ALL
    SELECT e.id, 'host', e.host_key, m.asset_key, m.how, m.matched FROM events e JOIN ip_asset m ON m.value = e.host_key
    UNION ALL
    SELECT e.id, 'src_ip', e.src_ip, m.asset_key, m.how, m.matched FROM events e JOIN ip_asset m ON m.value = e.src_ip
    UNION ALL
    SELECT e.id, 'dst_ip', e.dst_ip, m.asset_key, m.how, m.matched FROM events e JOIN ip_asset m ON m.value = e.dst_ip
)
SELECT h.event_id, h.field, h.value, h.how AS matched_by, h.matched AS matched_value, a.*
FROM hits h JOIN assets a ON a.asset_key = h.asset_key;
