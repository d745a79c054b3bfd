package engine

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"trawl/event"
	"trawl/features"
)

// Session is a run of events that belong together: one Windows logon, one SSH connection, one
// cloud access key used from one address.
type Session struct {
	ID      int64      `json:"id"` // id of the session's first event
	Kind    string     `json:"kind"`
	Key     string     `json:"key"` // logon id, sshd pid or access key id
	Host    string     `json:"host,omitempty"`
	User    string     `json:"user,omitempty"`
	UserKey string     `json:"user_key,omitempty"`
	SrcIP   string     `json:"src_ip,omitempty"`
	Start   *time.Time `json:"start,omitempty"`
	End     *time.Time `json:"end,omitempty"`
	Events  int64      `json:"events"`
	Closed  bool       `json:"closed"` // ended by a logoff or close, not by the end of the data
}

// Session kinds.
const (
	SessionWindows = "windows"
	SessionSSH     = "ssh"
	SessionCloud   = "cloud"
)

// sessionKind says which events make one kind of session: those matching where, grouped by
// pkey (host and key, or key and address); start and end mark the events that open and close
// one.
type sessionKind struct {
	kind, where, pkey, key, start, end string
}

// sessionKinds: Windows logons by host and logon id (Windows' own logon ids, SYSTEM 0x3e7,
// LOCAL SERVICE 0x3e5, NETWORK SERVICE 0x3e4, are not sessions), SSH connections by host and
// sshd pid, cloud sessions by access key and source address. A cloud session starts at the
// key's first call after a quiet gap and has no end event.
var sessionKinds = []sessionKind{
	{SessionWindows,
		`session_id IS NOT NULL AND time IS NOT NULL AND host_key IS NOT NULL AND regexp_full_match(session_id, '0[xX][0-9a-fA-F]+') AND lower(session_id) NOT IN ('0x0', '0x3e7', '0x3e4', '0x3e5')`,
		`host_key || '|' || lower(session_id)`, `lower(session_id)`,
		`(event_code = '4624' AND coalesce(outcome, 'success') = 'success')`, `event_code IN ('4634', '4647')`},
	{SessionSSH,
		`session_id IS NOT NULL AND time IS NOT NULL AND host_key IS NOT NULL AND lower(process_name) IN ('sshd', 'sshd-session', 'sshd-auth')`,
		`host_key || '|' || session_id`, `session_id`,
		`coalesce(action = 'logon' AND outcome = 'success', false)`, `coalesce(action = 'session-close', false)`},
	{SessionCloud,
		`source_type = 'cloudtrail' AND session_id IS NOT NULL AND session_id <> '' AND time IS NOT NULL`,
		`session_id || '|' || coalesce(src_ip, '')`, `session_id`,
		`coalesce(time - lag(time) OVER (PARTITION BY session_id, src_ip ORDER BY time, id) > INTERVAL ` + strconv.Itoa(features.CloudSessionGapMinutes) + ` MINUTE, true)`, `false`},
}

// sessionEvents numbers the events that can belong to a session of the given kinds (of the
// partitions in sess_touched when only is set): per kind and pkey, a session starts at a start
// event and takes the events after it up to and including its end event; events before the
// first start or after an end belong to none.
func sessionEvents(kinds []sessionKind, only bool) string {
	var cand []string
	for _, k := range kinds {
		where := k.where
		if only {
			where += " AND " + k.pkey + " IN (SELECT pkey FROM sess_touched WHERE kind = " + sqlText(k.kind) + ")"
		}
		cand = append(cand, "SELECT id, time, "+sqlText(k.kind)+" AS kind, "+k.pkey+" AS pkey, "+k.key+` AS key, host, "user", user_key, src_ip, `+
			k.start+" AS is_start, "+k.end+" AS is_end FROM events WHERE "+where)
	}
	return `CREATE OR REPLACE TEMP TABLE sess_ev AS
WITH cand AS (
    ` + strings.Join(cand, "\n    UNION ALL\n    ") + `
),
numbered AS (
    SELECT *, sum(is_start::BIGINT) OVER (PARTITION BY kind, pkey ORDER BY time, is_start DESC, id ROWS UNBOUNDED PRECEDING) AS grp
    FROM cand
),
placed AS (
    SELECT *,
           coalesce(sum(is_end::BIGINT) OVER (PARTITION BY kind, pkey, grp ORDER BY time, is_start DESC, id
                                              ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS ended,
           max(CASE WHEN is_start THEN id END) OVER (PARTITION BY kind, pkey, grp) AS sid
    FROM numbered WHERE grp > 0
)
SELECT * FROM placed WHERE ended = 0`
}

// touchedSessions lists in sess_touched the partitions (kind, pkey) the new events (feat_new)
// fall in, and in sess_old the stored sessions of those partitions: a session's partition is
// its first event's, whose id it has. The stored sessions' partitions are computed before the
// join, so that the join is on kind and partition: joined on the kind alone, with the partition
// a filter after, every stored session met every touched partition of its kind (a second
// auth.log of 50,000 lines on one of 200,000 filled the disk).
func touchedSessions() []string {
	var touched, old []string
	for _, k := range sessionKinds {
		touched = append(touched, "SELECT "+sqlText(k.kind)+" AS kind, "+k.pkey+" AS pkey FROM feat_new WHERE "+k.where)
		old = append(old, "WHEN "+sqlText(k.kind)+" THEN "+strings.NewReplacer("host_key", "e.host_key", "session_id", "e.session_id", "src_ip", "e.src_ip").Replace(k.pkey))
	}
	return []string{
		`CREATE OR REPLACE TEMP TABLE sess_touched AS SELECT DISTINCT kind, pkey FROM (` + strings.Join(touched, " UNION ALL ") + `)`,
		`CREATE OR REPLACE TEMP TABLE sess_stored AS SELECT s.id, s.kind, CASE s.kind ` + strings.Join(old, " ") + ` END AS pkey
FROM sessions s JOIN events e ON e.id = s.id WHERE s.kind IN (SELECT kind FROM sess_touched)`,
		`CREATE OR REPLACE TEMP TABLE sess_old AS SELECT o.id FROM sess_stored o JOIN sess_touched t ON t.kind = o.kind AND t.pkey = o.pkey`,
		`DROP TABLE sess_stored`,
	}
}

// buildSessions brings the sessions up to date: all of them again (all), or those of the
// partitions the new events of the pass (feat_new) fall in, since a logoff in a later file
// closes a session opened in an earlier one. It returns how many sessions there are.
func buildSessions(ctx context.Context, tx *sql.Tx, all bool) (int64, error) {
	var qs []string
	if all {
		qs = []string{`DELETE FROM session_events`, `DELETE FROM sessions`, sessionEvents(sessionKinds, false)}
	} else {
		for _, q := range touchedSessions() {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return 0, err
			}
		}
		// Only the kinds the new events have partitions of are read again: the events of the
		// others (the Windows logons on an import of auth.log) are not scanned.
		// (One query for all kinds; the kinds are trawl's own words, without commas.)
		var list string
		if err := tx.QueryRowContext(ctx, `SELECT coalesce(string_agg(DISTINCT kind, ','), '') FROM sess_touched`).Scan(&list); err != nil {
			return 0, err
		}
		touched := strings.Split(list, ",")
		var kinds []sessionKind
		for _, k := range sessionKinds {
			if slices.Contains(touched, k.kind) {
				kinds = append(kinds, k)
			}
		}
		if len(kinds) == 0 {
			// No stored session is touched (sess_old is empty) and none is new.
			return countSessions(ctx, tx, `DROP TABLE sess_touched`, `DROP TABLE sess_old`)
		}
		qs = []string{
			`DELETE FROM session_events WHERE session_id IN (SELECT id FROM sess_old)`,
			`DELETE FROM sessions WHERE id IN (SELECT id FROM sess_old)`,
			sessionEvents(kinds, true)}
	}
	qs = append(qs,
		`INSERT INTO sessions
SELECT sid, kind, any_value(key),
       coalesce(max(host) FILTER (WHERE is_start), max(host)),
       coalesce(max("user") FILTER (WHERE is_start), max("user")),
       coalesce(max(user_key) FILTER (WHERE is_start), max(user_key)),
       coalesce(max(src_ip) FILTER (WHERE is_start), max(src_ip)),
       min(time), max(time), count(*), bool_or(is_end)
FROM sess_ev GROUP BY kind, pkey, grp, sid`,
		`INSERT INTO session_events SELECT sid, id FROM sess_ev`,
		`DROP TABLE IF EXISTS sess_ev`, `DROP TABLE IF EXISTS sess_touched`, `DROP TABLE IF EXISTS sess_old`)
	return countSessions(ctx, tx, qs...)
}

// countSessions runs qs in tx and returns how many sessions there are then.
func countSessions(ctx context.Context, tx *sql.Tx, qs ...string) (int64, error) {
	for _, q := range qs {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return 0, err
		}
	}
	var n int64
	err := tx.QueryRowContext(ctx, `SELECT count(*) FROM sessions`).Scan(&n)
	return n, err
}

// SessionFilter selects sessions.
type SessionFilter struct {
	Entity event.Entity // sessions with an event about this entity
	Value  string
	Kind   string // windows, ssh or cloud; "" for all
	Limit  int
}

const sessionColumns = `id, kind, key, host, "user", user_key, src_ip, start, "end", events, closed`

func scanSession(sc interface{ Scan(...any) error }) (Session, error) {
	var se Session
	var host, user, userKey, src sql.NullString
	var start, end sql.NullTime
	if err := sc.Scan(&se.ID, &se.Kind, &se.Key, &host, &user, &userKey, &src, &start, &end, &se.Events, &se.Closed); err != nil {
		return se, err
	}
	se.Host, se.User, se.UserKey, se.SrcIP = host.String, user.String, userKey.String, src.String
	se.Start, se.End = timePtr(start), timePtr(end)
	return se, nil
}

// Sessions lists sessions in start order.
func (s *Store) Sessions(ctx context.Context, f SessionFilter, fn func(Session) error) error {
	var where []string
	var args []any
	if f.Entity != event.EntityNone {
		cond, a, err := EntityCondition(f.Entity, f.Value)
		if err != nil {
			return err
		}
		where = append(where, "id IN (SELECT session_id FROM session_events WHERE event_id IN (SELECT id FROM events WHERE "+cond+"))")
		args = append(args, a...)
	}
	if f.Kind != "" {
		where = append(where, "kind = ?")
		args = append(args, f.Kind)
	}
	q := "SELECT " + sessionColumns + " FROM sessions"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY start NULLS LAST, id"
	if f.Limit > 0 {
		q += " LIMIT " + strconv.Itoa(f.Limit)
	}
	return s.querySessions(ctx, q, args, fn)
}

// querySessions runs a query selecting sessionColumns and gives fn each session.
func (s *Store) querySessions(ctx context.Context, q string, args []any, fn func(Session) error) error {
	return s.scanRows(ctx, q, args, func(rows *sql.Rows) error {
		se, err := scanSession(rows)
		if err != nil {
			return err
		}
		return fn(se)
	})
}

// SessionOf is the session an event belongs to, or nil when it belongs to none.
func (s *Store) SessionOf(ctx context.Context, eventID int64) (*Session, error) {
	se, err := scanSession(s.db.QueryRowContext(ctx, `SELECT `+sessionColumns+` FROM sessions
		WHERE id = (SELECT session_id FROM session_events WHERE event_id = ? LIMIT 1)`, eventID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &se, nil
}

// AlertSessions lists the sessions an alert's evidence events happened in, in start order: what
// an analyst opens to see the logon before the alert and what followed it.
func (s *Store) AlertSessions(ctx context.Context, alertID int64) ([]Session, error) {
	var out []Session
	err := s.querySessions(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE id IN (
		SELECT session_id FROM session_events WHERE event_id IN (SELECT unnest(evidence) FROM alerts WHERE id = ?))
		ORDER BY start NULLS LAST, id`, []any{alertID}, func(se Session) error {
		out = append(out, se)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// SessionPhase is the column SessionEvents adds: authentication (logon and authentication
// events), data transfer (bytes moved, uploads, downloads, object reads and writes) or
// activity (everything else), so a session reads as its story.
const sessionPhase = `CASE WHEN category IN ('logon', 'auth') THEN 'authentication'
    WHEN coalesce(bytes_out, 0) > 0 OR coalesce(bytes_in, 0) > 0 OR action ILIKE '%upload%' OR action ILIKE '%download%'
         OR event_code IN ('GetObject', 'PutObject', 'CopyObject', 'UploadPart') THEN 'data transfer'
    ELSE 'activity' END AS phase`

// SessionEvents streams a session's events in time order with EventColumns and a phase column
// (see sessionPhase).
func (s *Store) SessionEvents(ctx context.Context, id int64, fn func(cols []string, row []any) error) error {
	q := "SELECT " + selectList(EventColumns) + ", " + sessionPhase + " FROM events WHERE id IN (SELECT event_id FROM session_events WHERE session_id = ?) ORDER BY time NULLS LAST, id"
	return s.QueryFunc(ctx, q, []any{id}, fn)
}
