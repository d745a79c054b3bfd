-- 004: threat intelligence (trawl intel import) and its matches against every event.

-- One matchable value of an indicator. A STIX indicator whose pattern names several values
-- has one row per value, all with its indicator_id. Importing the same (source, type, value,
-- indicator_id) again replaces the row.
CREATE TABLE intel (
    id           BIGINT NOT NULL,
    type         VARCHAR NOT NULL,  -- ipv4, ipv6, cidr, domain, url, md5, sha1, sha256, sha512
    value        VARCHAR NOT NULL,  -- normalized (see intel.Normalize)
    ip_lo        UHUGEINT,          -- addresses and networks on the trawl_ip_num line
    ip_hi        UHUGEINT,
    ip_bits      INTEGER,           -- prefix length on that line (128 for one address)
    source       VARCHAR NOT NULL,
    confidence   INTEGER,           -- 0..100, NULL when the feed does not say
    valid_from   TIMESTAMP,
    valid_until  TIMESTAMP,         -- expiry; NULL never expires
    labels       VARCHAR[],
    indicator_id VARCHAR,           -- STIX id, or the id column of a table
    name         VARCHAR,
    description  VARCHAR,
    pattern      VARCHAR,           -- the STIX pattern the value came from
    note         VARCHAR,           -- how the pattern was broadened to values
    file         VARCHAR NOT NULL,
    line         BIGINT,
    imported_at  TIMESTAMP NOT NULL
);

-- Every event field that matches an indicator live at the event's time. Addresses (src_ip,
-- dst_ip) match addresses exactly and networks by containment; domains match exactly and by
-- parent domain (an indicator evil.example matches a.b.evil.example); a URL's host counts as
-- the event's domain when the event has none; URLs match exactly, ignoring case and a trailing
-- '/'; hashes match exactly. An indicator matches an event that happened before its
-- valid_until (events without a time are compared with now); valid_from does not limit
-- matching, so intel published today finds last month's activity.
-- Each side is reduced to distinct values before the joins, so the cost follows the number of
-- distinct addresses and names, not the number of events.
CREATE VIEW intel_matches AS
WITH ips AS (
    SELECT value, trawl_ip_num(value) AS num FROM (
        SELECT src_ip AS value FROM events WHERE src_ip IS NOT NULL
        UNION SELECT dst_ip FROM events WHERE dst_ip IS NOT NULL)
),
prefixes AS (
    SELECT DISTINCT ip_bits FROM intel WHERE ip_bits IS NOT NULL
),
-- Each address with its network at every prefix length in use, computed as a column first so
-- that the join with intel is a hash join on (bits, network).
ip_nets AS (
    SELECT ips.value, p.ip_bits AS bits, trawl_net_of(ips.num, p.ip_bits) AS net FROM ips CROSS JOIN prefixes p
),
ip_hits AS (
    SELECT n.value, i.id AS intel_id, CASE WHEN i.type = 'cidr' THEN 'cidr' ELSE 'exact' END AS how
    FROM ip_nets n JOIN intel i ON i.ip_bits = n.bits AND i.ip_lo = n.net
),
event_domains AS (
    SELECT id, time, domain_field AS field, name FROM (
        SELECT id, time, 'domain' AS domain_field, lower(rtrim(domain, '.')) AS name FROM events WHERE domain IS NOT NULL AND domain <> ''
        UNION ALL
        SELECT id, time, 'url', lower(regexp_extract(url, '^[A-Za-z][A-Za-z0-9+.-]*://(?:[^/?#@]*@)?([^/?#:\[\]]+)', 1))
        FROM events WHERE url IS NOT NULL AND (domain IS NULL OR domain = '') AND contains(url, '://'))
    WHERE name <> ''
),
names AS (
    SELECT name, unnest(list_transform(range(1, greatest(len(string_split(name, '.')), 2)),
                                       lambda k: array_to_string(string_split(name, '.')[k:], '.'))) AS suffix
    FROM (SELECT DISTINCT name FROM event_domains)
),
domain_hits AS (
    SELECT n.name, i.id AS intel_id, CASE WHEN n.suffix = n.name THEN 'exact' ELSE 'parent-domain' END AS how
    FROM names n JOIN intel i ON i.type = 'domain' AND i.value = n.suffix
),
urls AS (
    SELECT DISTINCT url, lower(rtrim(url, '/')) AS norm FROM events WHERE url IS NOT NULL AND contains(url, '://')
),
url_hits AS (
    SELECT u.url, i.id AS intel_id, 'exact' AS how
    FROM urls u JOIN intel i ON i.type = 'url' AND lower(rtrim(i.value, '/')) = u.norm
),
hash_hits AS (
    SELECT DISTINCT e.hash, i.id AS intel_id, 'exact' AS how
    FROM (SELECT DISTINCT lower(hash) AS hash FROM events WHERE hash IS NOT NULL) e
    JOIN intel i ON i.type IN ('md5', 'sha1', 'sha256', 'sha512') AND i.value = e.hash
),
hits AS (
    SELECT e.id AS event_id, e.time, 'src_ip' AS field, e.src_ip AS value, h.intel_id, h.how FROM events e JOIN ip_hits h ON h.value = e.src_ip
    UNION ALL
    SELECT e.id, e.time, 'dst_ip', e.dst_ip, h.intel_id, h.how FROM events e JOIN ip_hits h ON h.value = e.dst_ip
    UNION ALL
    SELECT d.id, d.time, d.field, d.name, h.intel_id, h.how FROM event_domains d JOIN domain_hits h ON h.name = d.name
    UNION ALL
    SELECT e.id, e.time, 'url', e.url, h.intel_id, h.how FROM events e JOIN url_hits h ON h.url = e.url
    UNION ALL
    SELECT e.id, e.time, 'hash', e.hash, h.intel_id, h.how FROM events e JOIN hash_hits h ON h.hash = lower(e.hash)
)
SELECT h.event_id, h.time, h.field, h.value, h.how AS matched_by,
       i.id AS intel_id, i.type, i.value AS indicator, i.source, i.confidence, i.valid_until,
       i.indicator_id, i.name, i.labels
FROM hits h JOIN intel i ON i.id = h.intel_id
WHERE i.valid_until IS NULL OR coalesce(h.time, now()::TIMESTAMP) < i.valid_until;
