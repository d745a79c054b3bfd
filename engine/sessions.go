package engine

import (
	"context"
	"database/sql"
	"errors"
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

// sessionEvents numbers every event that can belong to a session: per kind and key, a
// session starts at a start event (a successful 4624 logon, an sshd "Accepted", a cloud key's
// first call after a quiet gap) and takes the events after it up to and including its end
// event (4634/4647 logoff, pam "session closed"); events before the first start or after an
// end belong to none. Windows' own logon ids (SYSTEM 0x3e7, LOCAL SERVICE 0x3e5, NETWORK
// SERVICE 0x3e4) are not sessions.
var sessionEvents = `CREATE OR REPLACE TEMP TABLE sess_ev AS
WITH cand AS (
    SELECT id, time, 'windows' AS kind, host_key || '|' || lower(session_id) AS pkey, lower(session_id) AS key,
           host, "user", user_key, src_ip,
           (event_code = '4624' AND coalesce(outcome, 'success') = 'success') AS is_start,
           event_code IN ('4634', '4647') AS is_end
    FROM events
    WHERE session_id IS NOT NULL AND time IS NOT NULL AND host_key IS NOT NULL
      AND regexp_full_match(session_id, '0[xX][0-9a-fA-F]+')
      AND lower(session_id) NOT IN ('0x0', '0x3e7', '0x3e4', '0x3e5')
    UNION ALL
    SELECT id, time, 'ssh', host_key || '|' || session_id, session_id, host, "user", user_key, src_ip,
           coalesce(action = 'logon' AND outcome = 'success', false), coalesce(action = 'session-close', false)
    FROM events
    WHERE session_id IS NOT NULL AND time IS NOT NULL AND host_key IS NOT NULL
      AND lower(process_name) IN ('sshd', 'sshd-session', 'sshd-auth')
    UNION ALL
    SELECT id, time, 'cloud', session_id || '|' || coalesce(src_ip, ''), session_id, host, "user", user_key, src_ip,
           coalesce(time - lag(time) OVER (PARTITION BY session_id, src_ip ORDER BY time, id) > INTERVAL ` + strconv.Itoa(features.CloudSessionGapMinutes) + ` MINUTE, true),
           false
    FROM events
    WHERE source_type = 'cloudtrail' AND session_id IS NOT NULL AND session_id <> '' AND time IS NOT NULL
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

// buildSessions rebuilds the sessions and their event links from all events (a logoff in a
// later file closes a session opened in an earlier one) and returns how many there are.
func buildSessions(ctx context.Context, tx *sql.Tx) (int64, error) {
	for _, q := range []string{
		`DELETE FROM session_events`,
		`DELETE FROM sessions`,
		sessionEvents,
		`INSERT INTO sessions
SELECT sid, kind, any_value(key),
       coalesce(max(host) FILTER (WHERE is_start), max(host)),
       coalesce(max("user") FILTER (WHERE is_start), max("user")),
       coalesce(max(user_key) FILTER (WHERE is_start), max(user_key)),
       coalesce(max(src_ip) FILTER (WHERE is_start), max(src_ip)),
       min(time), max(time), count(*), bool_or(is_end)
FROM sess_ev GROUP BY kind, pkey, grp, sid`,
		`INSERT INTO session_events SELECT sid, id FROM sess_ev`,
		`DROP TABLE sess_ev`,
	} {
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
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		se, err := scanSession(rows)
		if err != nil {
			return err
		}
		if err := fn(se); err != nil {
			return err
		}
	}
	return rows.Err()
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
