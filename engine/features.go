package engine

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"trawl/features"
)

// FeatureStats reports one feature pass.
type FeatureStats struct {
	Events   int64         `json:"events"`   // events given features
	Decoded  int64         `json:"decoded"`  // distinct encoded payloads decoded in Go (SQL could not)
	Sessions int64         `json:"sessions"` // sessions in the store after the pass
	Features time.Duration `json:"-"`        // time spent on features
	Session  time.Duration `json:"-"`        // time spent on sessions
	// Steps is the time of each step of the pass, in order, for benchmarks.
	Steps []StepTime `json:"-"`
}

// StepTime is how long one step of a feature pass took.
type StepTime struct {
	Name     string
	Duration time.Duration
}

// featureMu serializes feature passes: two passes at once would both take the same new events.
var featureMu sync.Mutex

// UpdateFeatures gives every event of a finished import that has no features yet its derived
// features (features.Columns, table event_features) and rebuilds the sessions those events
// fall in. It runs after every import (an import cut short by its context leaves its events to
// the next pass); history-dependent features (off_hours, new_account, failures_1h) of the new
// events are computed against the whole store, older events keep theirs until RebuildFeatures.
func (s *Store) UpdateFeatures(ctx context.Context) (FeatureStats, error) {
	return s.featurePass(ctx, false)
}

// RebuildFeatures computes the features of every event again (after the reference lists, the
// asset ranges or the history changed) and rebuilds the sessions.
func (s *Store) RebuildFeatures(ctx context.Context) (FeatureStats, error) {
	return s.featurePass(ctx, true)
}

// afterImport is the import path's single hook: the feature pass over what was just imported.
// A failure is reported on the imported files' results: their events are stored, and
// trawl features rebuild computes the features again.
func (s *Store) afterImport(ctx context.Context, results []FileResult) {
	var imported bool
	for _, r := range results {
		imported = imported || (r.Err == nil && r.Events > 0)
	}
	if !imported || ctx.Err() != nil {
		return
	}
	defer s.passThreads(ctx)()
	if _, err := s.UpdateFeatures(ctx); err != nil {
		for i := range results {
			if results[i].Err == nil && results[i].Events > 0 {
				results[i].Err = fmt.Errorf("%s: imported, but computing its features failed (run trawl features rebuild): %w", results[i].File, err)
				results[i].Error = results[i].Err.Error()
			}
		}
	}
	// The entity summary (engine/summary.go) takes in the new events. It is derived data: if
	// the pass fails, profiles read the events until the next pass, which takes them in too.
	_, _ = s.UpdateEntitySummary(ctx)
}

// passOneThreadBelow is the size of a store (events) below which the passes after an import run
// with one DuckDB thread.
const passOneThreadBelow = 2_000_000

// passThreads gives DuckDB one thread for the passes after an import into a store of fewer than
// passOneThreadBelow events, and returns what puts the setting back. DuckDB runs a scan in
// parallel by row groups of 122,880 rows: on a few of them more threads only wait on each
// other. On 200,000 auth.log lines (two cores) the passes took 1.95 CPU seconds and 1.96 s with
// two threads, 1.37 and 1.45 s with one; on 200,000 JSON lines 0.84 and 0.80 s against 0.52 and
// 0.54 s. A store of millions of events, whose history the passes read in full (users, sessions),
// keeps all threads.
// The setting and its restore (also after ctx is cancelled) are loadThreads'.
func (s *Store) passThreads(ctx context.Context) (restore func()) {
	var events int64
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM events`).Scan(&events); err != nil || events >= passOneThreadBelow {
		return func() {}
	}
	return s.loadThreads(ctx)
}

func (s *Store) featurePass(ctx context.Context, all bool) (st FeatureStats, err error) {
	featureMu.Lock()
	defer featureMu.Unlock()
	start := time.Now()
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return st, err
	}
	defer conn.Close()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return st, err
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	last := start
	lap := func(name string) {
		now := time.Now()
		st.Steps = append(st.Steps, StepTime{name, now.Sub(last)})
		last = now
	}
	if err = refreshFeatureLists(ctx, tx); err != nil {
		return st, fmt.Errorf("feature lists: %w", err)
	}
	if all {
		if _, err = tx.ExecContext(ctx, `DELETE FROM event_features`); err != nil {
			return st, err
		}
	}
	lap("lists")
	if st.Events, err = selectNewEvents(ctx, tx); err != nil {
		return st, fmt.Errorf("feature pass, new events: %w", err)
	}
	lap("new events")
	for _, step := range featureSteps() {
		if _, err = tx.ExecContext(ctx, step.sql); err != nil {
			return st, fmt.Errorf("feature pass, %s: %w", step.name, err)
		}
		lap(step.name)
	}
	if st.Decoded, err = decodeLeftovers(ctx, tx); err != nil {
		return st, fmt.Errorf("feature pass, decoding: %w", err)
	}
	lap("decoding in Go")
	if _, err = tx.ExecContext(ctx, insertFeatures); err != nil {
		return st, fmt.Errorf("feature pass, storing: %w", err)
	}
	lap("storing")
	st.Features = time.Since(start)
	start = time.Now()
	if st.Sessions, err = buildSessions(ctx, tx, all); err != nil {
		return st, fmt.Errorf("sessions: %w", err)
	}
	if _, err = tx.ExecContext(ctx, `DROP VIEW IF EXISTS feat_new`); err != nil {
		return st, err
	}
	for _, t := range featureTemps {
		if _, err = tx.ExecContext(ctx, `DROP TABLE IF EXISTS `+t); err != nil {
			return st, err
		}
	}
	st.Session = time.Since(start)
	last = start
	lap("sessions")
	if err = tx.Commit(); err != nil {
		return st, err
	}
	lap("commit")
	return st, nil
}

// refreshFeatureLists fills the feature_* reference tables from package features, so a
// rebuild after an upgrade uses the lists the binary carries.
func refreshFeatureLists(ctx context.Context, tx *sql.Tx) error {
	var lol, parents, ports, protos, ranges [][]any
	for _, l := range features.LOLBASList() {
		lol = append(lol, []any{strings.ToLower(l.Name), l.Category})
	}
	for _, p := range features.Parents() {
		parents = append(parents, []any{p.Child, p.Parent})
	}
	for _, p := range features.Ports() {
		ports = append(ports, []any{int64(p.Port), p.Service, p.Admin})
	}
	for _, p := range features.ProtocolPorts() {
		protos = append(protos, []any{p.Protocol, int64(p.Port)})
	}
	for _, r := range features.IPRanges() {
		ranges = append(ranges, []any{r.Network, r.Class})
	}
	lists := []struct {
		table, insert string
		rows          [][]any
	}{
		{"feature_lolbas", `INSERT INTO feature_lolbas SELECT name, min(category) FROM (VALUES %s) t(name, category) GROUP BY name`, lol},
		{"feature_parents", `INSERT INTO feature_parents SELECT DISTINCT child, parent FROM (VALUES %s) t(child, parent)`, parents},
		{"feature_ports", `INSERT INTO feature_ports SELECT * FROM (VALUES %s) t(port, service, admin)`, ports},
		{"feature_protocol_ports", `INSERT INTO feature_protocol_ports SELECT DISTINCT protocol, port FROM (VALUES %s) t(protocol, port)`, protos},
		{"feature_ip_ranges", `INSERT INTO feature_ip_ranges SELECT network, class, trawl_net_of(trawl_net_lo(network), trawl_net_bits(network)), trawl_net_bits(network) FROM (VALUES %s) t(network, class)`, ranges},
	}
	for _, l := range lists {
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+l.table); err != nil {
			return err
		}
		var ph []string
		var args []any
		for _, r := range l.rows {
			ph = append(ph, "("+sqlMarks(len(r))+")")
			args = append(args, r...)
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf(l.insert, strings.Join(ph, ", ")), args...); err != nil {
			return fmt.Errorf("%s: %w", l.table, err)
		}
	}
	return nil
}

// featureTemps are the temporary tables of one pass, dropped at its end.
var featureTemps = []string{"feat_gaps", "feat_fields", "feat_ip", "feat_cmd", "feat_proc", "feat_users", "feat_hours", "feat_fail", "feat_decoded"}

// sqlText quotes one of trawl's own constants (a pattern) as an SQL string literal. Never
// used for log content, which is always a bound parameter or a column.
func sqlText(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// newEvents selects the events of finished imports that match cond: the columns the features
// are made of, and those that say which sessions the events fall in.
const newEvents = `SELECT e.id, e.time, e.category, e.event_code, e.action, e.outcome, e.source_type, e.user_key, e.src_ip, e.dst_ip,
       e.dst_port, lower(e.protocol) AS protocol, e.http_method, e.process_name, e.parent_name, e.command_line, e.host_key, e.session_id
FROM events e JOIN files f ON f.id = e.file_id AND f.status = 'done'
WHERE `

// selectNewEvents makes feat_new the events of finished imports that have no features, and
// returns how many there are.
// Usually those are exactly the events above the highest id with features, which DuckDB finds
// from the id column's zone maps without reading the rest: feat_new is then a view, so that
// each step reads only the columns it needs of them (copying all of them into a table cost
// more than the steps' reads). The counts tell whether that is so, and when it is not (imports
// finished out of order, features of removed events) every event is checked, and feat_new is a
// view of the table feat_gaps of them, made before the pass stores their features.
func selectNewEvents(ctx context.Context, tx *sql.Tx) (int64, error) {
	var maxID, featured, done, found int64
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(event_id), 0), count(*) FROM event_features`).Scan(&maxID, &featured); err != nil {
		return 0, err
	}
	done, err := doneEvents(ctx, tx)
	if err != nil {
		return 0, err
	}
	count := func() error { return tx.QueryRowContext(ctx, `SELECT count(*) FROM feat_new`).Scan(&found) }
	if _, err := tx.ExecContext(ctx, `CREATE OR REPLACE TEMP VIEW feat_new AS `+newEvents+`e.id > `+strconv.FormatInt(maxID, 10)); err != nil {
		return 0, err
	}
	if err := count(); err != nil || featured+found == done {
		return found, err
	}
	// Features of events no longer in the store go first, so the counts agree next time.
	if _, err := tx.ExecContext(ctx, `DELETE FROM event_features x WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.id = x.event_id)`); err != nil {
		return 0, err
	}
	for _, q := range []string{
		`CREATE OR REPLACE TEMP TABLE feat_gaps AS ` + newEvents + `NOT EXISTS (SELECT 1 FROM event_features x WHERE x.event_id = e.id)`,
		`CREATE OR REPLACE TEMP VIEW feat_new AS SELECT * FROM feat_gaps`,
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return 0, err
		}
	}
	err = count() // before found is read: the order of a return's operands is unspecified
	return found, err
}

type featureStep struct{ name, sql string }

// featureSteps is the pass as set-based SQL after selectNewEvents: each group of features in a
// temporary table keyed by event id (or by address or user, which are fewer), joined at the
// end by insertFeatures.
func featureSteps() []featureStep {
	return []featureStep{
		// Values from the fields JSON, read only for the events that can have them (Sysmon's
		// image and driver loads, Zeek connections): the JSON text is most of the store, and
		// the join on the few ids lets DuckDB skip the rest of it.
		{"fields", `CREATE OR REPLACE TEMP TABLE feat_fields AS
SELECT e.id,
       CASE WHEN contains(e.fields, '"Signed"') THEN TRY_CAST(json_extract_string(e.fields, '$.Signed') AS BOOLEAN) END AS signed,
       CASE WHEN contains(e.fields, '"SignatureStatus"') THEN json_extract_string(e.fields, '$.SignatureStatus') END AS signature_status,
       CASE WHEN e.source_type = 'zeek' AND contains(e.fields, '"service"') THEN lower(split_part(json_extract_string(e.fields, '$.service'), ',', 1)) END AS service
FROM events e
JOIN (SELECT id FROM feat_new WHERE category IN ('module', 'driver') OR (source_type = 'zeek' AND category = 'network')) c ON c.id = e.id`},

		// Each distinct address once: its special-purpose block (the narrowest), else external;
		// an address inside an asset's address or network is internal. The blocks are a few
		// ranges (ip_lo is aligned to ip_bits), matched by a range join: the equality join per
		// prefix length (as for the assets, which can be many) computed each address's network
		// at every length, five times the work.
		{"address classes", `CREATE OR REPLACE TEMP TABLE feat_ip AS
WITH ips AS (
    SELECT DISTINCT ip FROM (SELECT src_ip AS ip FROM feat_new UNION ALL SELECT dst_ip FROM feat_new) WHERE ip IS NOT NULL
),
nums AS (SELECT ip, trawl_ip_num(ip) AS num FROM ips),
ranges AS (
    SELECT class, ip_bits, ip_lo, ip_lo + CASE WHEN ip_bits <= 0 THEN 340282366920938463463374607431768211455::UHUGEINT WHEN ip_bits >= 128 THEN 0::UHUGEINT
                                              ELSE (1::UHUGEINT << (128 - ip_bits)::UHUGEINT) - 1::UHUGEINT END AS ip_hi
    FROM feature_ip_ranges
),
special AS (
    SELECT n.ip, r.class FROM nums n JOIN ranges r ON n.num >= r.ip_lo AND n.num <= r.ip_hi
    WHERE n.num IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY n.ip ORDER BY r.ip_bits DESC) = 1
),
asset_bits AS (SELECT DISTINCT ip_bits FROM asset_keys WHERE ip_bits IS NOT NULL),
in_assets AS (
    SELECT DISTINCT n.ip FROM nums n CROSS JOIN asset_bits b
    JOIN asset_keys k ON k.ip_bits = b.ip_bits AND k.ip_lo = trawl_net_of(n.num, b.ip_bits)
    WHERE n.num IS NOT NULL
)
SELECT n.ip, CASE
    WHEN n.num IS NULL THEN NULL
    WHEN a.ip IS NOT NULL AND coalesce(s.class, 'external') NOT IN ('loopback', 'multicast', 'unspecified', 'broadcast', 'link-local') THEN 'internal'
    ELSE coalesce(s.class, 'external') END AS class
FROM nums n LEFT JOIN special s ON s.ip = n.ip LEFT JOIN in_assets a ON a.ip = n.ip`},

		// Command lines, each distinct one (with its image) once: command lines repeat, so this
		// is a small table. Entropy; for PowerShell (a powershell or pwsh command line or image,
		// or a script block, whose text the importers put in command_line) the -EncodedCommand
		// or FromBase64String argument, decoded in SQL when it is printable ASCII (as UTF-16LE
		// or as bytes); the rest is left to Go (decodeLeftovers).
		{"command lines", `CREATE OR REPLACE TEMP TABLE feat_cmd AS
WITH d AS (
    SELECT DISTINCT command_line, process_name, category = 'script' AS script FROM feat_new WHERE command_line IS NOT NULL
),
ps AS (
    SELECT command_line, process_name, script,
           CASE WHEN script OR regexp_matches(command_line, ` + sqlText(features.PowerShellPattern) + `) OR regexp_matches(coalesce(process_name, ''), ` + sqlText(features.PowerShellPattern) + `)
                THEN coalesce(nullif(regexp_extract(command_line, ` + sqlText(features.EncodedCommandPattern) + `, 1), ''),
                              nullif(regexp_extract(command_line, ` + sqlText(features.FromBase64Pattern) + `, 1), '')) END AS b64
    FROM d
),
bin AS (SELECT *, CASE WHEN b64 IS NOT NULL THEN TRY(from_base64(b64)) END AS b FROM ps),
hx AS (SELECT *, hex(b) AS h FROM bin)
SELECT command_line, process_name, script, b64,
       CASE WHEN b IS NULL THEN NULL
            WHEN regexp_full_match(h, '(?:[2-7][0-9A-F]00|0[9AD]00)+') THEN replace(decode(b), chr(0), '')
            WHEN regexp_full_match(h, '(?:[2-7][0-9A-F]|0[9AD])+') THEN decode(b)
            END::VARCHAR AS decoded,
       CASE WHEN command_line <> '' THEN list_aggregate(string_split(command_line, ''), 'entropy') END AS entropy
FROM hx`},

		// Each distinct image and parent once: LOLBAS and the parent expectation.
		{"processes", `CREATE OR REPLACE TEMP TABLE feat_proc AS
WITH d AS (
    SELECT DISTINCT process_name, parent_name FROM feat_new WHERE process_name IS NOT NULL AND process_name <> ''
)
SELECT d.process_name, d.parent_name, l.name IS NOT NULL AS lolbas,
       CASE WHEN pc.child IS NULL OR d.parent_name IS NULL OR d.parent_name = '' THEN NULL ELSE par.parent IS NULL END AS unexpected_parent
FROM d
LEFT JOIN feature_lolbas l ON l.name = lower(d.process_name)
LEFT JOIN (SELECT DISTINCT child FROM feature_parents) pc ON pc.child = lower(d.process_name)
LEFT JOIN feature_parents par ON par.child = pc.child AND par.parent = lower(d.parent_name)`},

		// Per user: events, distinct days, first sighting (acting or acted upon) and creation.
		{"users", `CREATE OR REPLACE TEMP TABLE feat_users AS
WITH u AS (SELECT DISTINCT user_key FROM feat_new WHERE user_key IS NOT NULL),
seen AS (
    SELECT user_key AS k, time, true AS acting FROM events WHERE user_key IN (SELECT user_key FROM u)
    UNION ALL
    SELECT target_user_key, time, false FROM events WHERE target_user_key IN (SELECT user_key FROM u) AND target_user_key IS DISTINCT FROM user_key
),
stats AS (
    SELECT k AS user_key, count(time) FILTER (WHERE acting) AS total, count(DISTINCT time::DATE) FILTER (WHERE acting) AS days,
           min(time) AS first_seen
    FROM seen GROUP BY k
),
created AS (
    SELECT target_user_key AS user_key, min(time) AS created FROM events
    WHERE (event_code = '4720' OR action = 'user-create') AND target_user_key IN (SELECT user_key FROM u) GROUP BY 1
)
SELECT s.*, c.created FROM stats s LEFT JOIN created c ON c.user_key = s.user_key`},

		// Per user and hour: that user's events in the hour and its two neighbours (wrapping at
		// midnight), the user's "usual hours".
		{"usual hours", `CREATE OR REPLACE TEMP TABLE feat_hours AS
WITH hist AS (
    SELECT user_key, hour(time) AS h, count(*) AS n FROM events
    WHERE time IS NOT NULL AND user_key IN (SELECT user_key FROM feat_users) GROUP BY ALL
)
SELECT user_key, (h + d + 24) % 24 AS h, sum(n) AS near
FROM hist CROSS JOIN (VALUES (-1), (0), (1)) t(d) GROUP BY ALL`},

		// Failed logons and authentications of the same user in the hour up to each new event:
		// one window over the new events and the older failures they can see. Only users with a
		// failure among them are windowed: the others' events have no row here, which
		// insertFeatures reads as 0, as the window would give.
		{"failures", `CREATE OR REPLACE TEMP TABLE feat_fail AS
WITH w AS (
    SELECT id, user_key, time, true AS is_new,
           (coalesce(outcome, '') = 'failure' AND category IN ('logon', 'auth')) AS failed
    FROM feat_new WHERE user_key IS NOT NULL AND time IS NOT NULL
    UNION ALL
    SELECT e.id, e.user_key, e.time, false, true FROM events e
    WHERE e.outcome = 'failure' AND e.category IN ('logon', 'auth') AND e.time IS NOT NULL
      AND e.user_key IN (SELECT user_key FROM feat_users)
      AND e.time >= (SELECT min(time) FROM feat_new) - INTERVAL 1 HOUR
      AND NOT EXISTS (SELECT 1 FROM feat_new n WHERE n.id = e.id)
)
SELECT id, n FROM (
    SELECT id, is_new, sum(failed::BIGINT) OVER (PARTITION BY user_key ORDER BY time RANGE BETWEEN INTERVAL 1 HOUR PRECEDING AND CURRENT ROW) AS n
    FROM w WHERE user_key IN (SELECT user_key FROM w WHERE failed))
WHERE is_new`},
	}
}

// insertFeatures joins the pass's pieces into one event_features row per new event. Port names
// and protocol expectations are CASE expressions written from package features' lists (trawl's
// own constants), which is faster than joining the lists to every event.
var insertFeatures = `INSERT INTO event_features
WITH bounds AS (SELECT min(time) AS lo, max(time) AS hi FROM events)
SELECT n.id,
    si.class,
    di.class,
    ` + portService("n.dst_port") + `,
    CASE WHEN n.dst_port IS NULL THEN NULL WHEN n.dst_port IN ` + adminPorts() + ` THEN 'admin' WHEN n.dst_port < 1024 THEN 'well-known'
         WHEN n.dst_port < ` + strconv.Itoa(features.EphemeralFrom) + ` THEN 'registered' ELSE 'ephemeral' END,
    CASE WHEN n.dst_port IS NULL THEN NULL WHEN ` + appProtocol + ` IS NULL THEN false ELSE ` + portMismatch(appProtocol, "n.dst_port") + ` END,
    pr.lolbas,
    CASE WHEN n.command_line IS NOT NULL THEN c.b64 IS NOT NULL END,
    c.decoded,
    c.entropy,
    ff.signed,
    ff.signature_status,
    pr.unexpected_parent,
    hour(n.time),
    CASE WHEN n.user_key IS NULL OR n.time IS NULL THEN NULL
         WHEN u.total >= ` + strconv.Itoa(features.MinHistoryEvents) + ` AND u.days >= ` + strconv.Itoa(features.MinHistoryDays) + `
              THEN coalesce(h.near, 0) < ` + strconv.FormatFloat(features.RareHourShare, 'f', -1, 64) + ` * u.total
         ELSE hour(n.time) < ` + strconv.Itoa(features.BusinessStart) + ` OR hour(n.time) >= ` + strconv.Itoa(features.BusinessEnd) + ` END,
    CASE WHEN n.user_key IS NULL THEN NULL
         WHEN u.created IS NOT NULL AND n.time >= u.created AND n.time < u.created + INTERVAL ` + strconv.Itoa(features.NewAccountDays) + ` DAY THEN true
         ELSE coalesce(u.first_seen >= b.hi - INTERVAL ` + strconv.Itoa(features.NewAccountDays) + ` DAY
                       AND u.first_seen >= b.lo + INTERVAL ` + strconv.Itoa(features.NewAccountDays) + ` DAY, false) END,
    CASE WHEN n.user_key IS NULL OR n.time IS NULL THEN NULL ELSE coalesce(fl.n, 0) END
FROM feat_new n
CROSS JOIN bounds b
LEFT JOIN feat_ip si ON si.ip = n.src_ip
LEFT JOIN feat_ip di ON di.ip = n.dst_ip
LEFT JOIN feat_cmd c ON c.command_line = n.command_line AND c.process_name IS NOT DISTINCT FROM n.process_name
    AND c.script = (n.category IS NOT DISTINCT FROM 'script')
LEFT JOIN feat_fields ff ON ff.id = n.id
LEFT JOIN feat_proc pr ON pr.process_name = n.process_name AND pr.parent_name IS NOT DISTINCT FROM n.parent_name
LEFT JOIN feat_users u ON u.user_key = n.user_key
LEFT JOIN feat_hours h ON h.user_key = n.user_key AND h.h = hour(n.time)
LEFT JOIN feat_fail fl ON fl.id = n.id`

// appProtocol is an event's application protocol as insertFeatures reads it (n the new event, ff
// its fields): its own protocol, else Zeek's service, when it is one of features.ProtocolPorts;
// else http for a request with a method, dns for a DNS event.
var appProtocol = `(CASE
        WHEN n.protocol IN ` + protocolList() + ` THEN n.protocol
        WHEN ff.service IN ` + protocolList() + ` THEN ff.service
        WHEN n.http_method IS NOT NULL AND n.http_method <> '' THEN 'http'
        WHEN n.category = 'dns' THEN 'dns'
        END)`

// protocolList is the application protocols of features.ProtocolPorts as an SQL list.
func protocolList() string {
	var names []string
	for _, p := range features.ProtocolPorts() {
		if q := sqlText(p.Protocol); !slices.Contains(names, q) {
			names = append(names, q)
		}
	}
	return "(" + strings.Join(names, ", ") + ")"
}

// adminPorts is the admin ports of features.Ports as an SQL list.
func adminPorts() string {
	var ports []string
	for _, p := range features.Ports() {
		if p.Admin {
			ports = append(ports, strconv.Itoa(p.Port))
		}
	}
	return "(" + strings.Join(ports, ", ") + ")"
}

// portService is the service name of port as a CASE over features.Ports.
func portService(port string) string {
	var b strings.Builder
	b.WriteString("CASE " + port)
	for _, p := range features.Ports() {
		b.WriteString(" WHEN " + strconv.Itoa(p.Port) + " THEN " + sqlText(p.Service))
	}
	b.WriteString(" END")
	return b.String()
}

// portMismatch says port is not one protocol proto is expected on, as a CASE over
// features.ProtocolPorts.
func portMismatch(proto, port string) string {
	ports := map[string][]string{}
	var order []string
	for _, p := range features.ProtocolPorts() {
		if _, ok := ports[p.Protocol]; !ok {
			order = append(order, p.Protocol)
		}
		ports[p.Protocol] = append(ports[p.Protocol], strconv.Itoa(p.Port))
	}
	var b strings.Builder
	b.WriteString("CASE " + proto)
	for _, name := range order {
		b.WriteString(" WHEN " + sqlText(name) + " THEN " + port + " NOT IN (" + strings.Join(ports[name], ", ") + ")")
	}
	b.WriteString(" ELSE false END")
	return b.String()
}

// decodeLeftovers decodes in Go the encoded commands SQL could not (text beyond ASCII, missing
// padding, UTF-8 payloads with control characters), and sets them in feat_cmd with one update
// from a table of the decoded texts.
func decodeLeftovers(ctx context.Context, tx *sql.Tx) (int64, error) {
	rows, err := tx.QueryContext(ctx, `SELECT DISTINCT b64 FROM feat_cmd WHERE b64 IS NOT NULL AND decoded IS NULL`)
	if err != nil {
		return 0, err
	}
	type pending struct{ b64, text string }
	var todo []pending
	for rows.Next() {
		var b64 string
		if err := rows.Scan(&b64); err != nil {
			rows.Close()
			return 0, err
		}
		if text, ok := features.DecodeBase64Text(b64); ok {
			todo = append(todo, pending{b64, validText(text)})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(todo) == 0 {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, `CREATE OR REPLACE TEMP TABLE feat_decoded (b64 VARCHAR, decoded VARCHAR)`); err != nil {
		return 0, err
	}
	ins := &batchInsert{tx: tx, into: "feat_decoded", row: "(?, ?)"}
	defer ins.close()
	for _, p := range todo {
		if err := ins.add(ctx, p.b64, p.text); err != nil {
			return 0, err
		}
	}
	if err := ins.flush(ctx); err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE feat_cmd SET decoded = d.decoded FROM feat_decoded d WHERE feat_cmd.b64 = d.b64`); err != nil {
		return 0, err
	}
	return int64(len(todo)), nil
}
