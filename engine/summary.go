package engine

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"trawl/event"
)

// The entity summary (migrations 012 and 014, docs/entity.md) is two tables kept up after every
// import. entity_activity holds each entity's events per source, source type and UTC hour, with
// the first and last time: an entity profile's counts, first and last seen, sources and activity,
// and the timeline's hours, are sums over the entity's rows. entity_related holds each entity's
// events per combination of the other entity columns (related entities), and is kept only while
// the imported events' combinations repeat (entity_summary_state.related); on logs whose entity
// values combine freely it would be as big as the events, and related entities are counted over
// the events instead. entity_user_pairs holds the events naming two different users, so that a
// user with aliases counts an event naming two of its keys once.

// summaryStatements are the statements that add the events of finished imports matching cond
// (SQL of trawl's own, never input) to the summary tables. They compute what the backfill of
// migration 014 (between its "pass begins" and "pass ends" lines) computes, with "TRUE /* new
// events */" replaced by cond; the related entities are grouped once per combination instead of
// once per combination and entity, which was most of the pass. They leave the temporary table
// entity_plan (events, max_id, related: what the pass took in and whether it added related
// rows) for the caller to read and drop.
func summaryStatements(cond string) []string {
	newEvents := `events e JOIN files f ON f.id = e.file_id AND f.status = 'done' WHERE (` + cond + `)`
	activity := func(kind, key, where string) string {
		return `SELECT ` + sqlText(kind) + ` AS kind, ` + key + ` AS key, e.source, e.source_type, date_trunc('hour', e.time) AS hour, e.time FROM ` + newEvents + ` AND ` + where
	}
	return []string{
		`CREATE TEMP TABLE entity_plan AS
SELECT count(*) AS events, coalesce(max(e.id), 0) AS max_id,
       (count(*) < 50000 OR 2 * approx_count_distinct(hash(e.user_key, e.target_user_key, e.host_key, e.src_ip, e.dst_ip, e.process_name, e.parent_name, e.domain, e.hash)) <= count(*))
       AND coalesce((SELECT bool_and(related) FROM entity_summary_state), true) AS related
FROM ` + newEvents,

		`INSERT INTO entity_activity
SELECT kind, key, source, source_type, hour, count(*), min(time), max(time) FROM (
    ` + strings.Join([]string{
			activity("user", "e.user_key", "e.user_key IS NOT NULL"),
			activity("user", "e.target_user_key", "e.target_user_key IS NOT NULL AND e.target_user_key IS DISTINCT FROM e.user_key"),
			activity("host", "e.host_key", "e.host_key IS NOT NULL"),
			activity("ip", "e.src_ip", "e.src_ip IS NOT NULL"),
			activity("ip", "e.dst_ip", "e.dst_ip IS NOT NULL AND e.dst_ip IS DISTINCT FROM e.src_ip"),
			activity("process", "lower(e.process_name)", "e.process_name IS NOT NULL"),
			activity("process", "lower(e.parent_name)", "e.parent_name IS NOT NULL AND lower(e.parent_name) IS DISTINCT FROM lower(e.process_name)"),
			activity("domain", "e.domain", "e.domain IS NOT NULL"),
			activity("hash", "e.hash", "e.hash IS NOT NULL"),
		}, "\n    UNION ALL ") + `
)
GROUP BY ALL ORDER BY kind, key, hour`,

		`INSERT INTO entity_user_pairs
SELECT e.user_key, e.target_user_key, e.source, e.source_type, date_trunc('hour', e.time) AS hour, count(*), min(e.time), max(e.time)
FROM ` + newEvents + ` AND e.user_key IS NOT NULL AND e.target_user_key IS NOT NULL AND e.target_user_key <> e.user_key
GROUP BY ALL ORDER BY e.user_key, e.target_user_key, hour`,

		// Related entities: the new events per combination once (entity_new), then under each
		// entity they name. Each combination's row under one entity is unique but for the
		// parent, which the rows leave out: so the combinations are summed without the parent
		// (c) and each entity but the parent takes its rows as they are, and the parent's rows
		// alone are summed. No two entities' rows can be the same row: the key is the column the
		// entity names, and a target user, destination or parent equal to the acting user, the
		// source or the process is NULL.
		`CREATE OR REPLACE TEMP TABLE entity_new AS
SELECT e.user_key, CASE WHEN e.target_user_key IS DISTINCT FROM e.user_key THEN e.target_user_key END AS target_user_key, e.host_key, e.src_ip,
       CASE WHEN e.dst_ip IS DISTINCT FROM e.src_ip THEN e.dst_ip END AS dst_ip, lower(e.process_name) AS process_name,
       CASE WHEN lower(e.parent_name) IS DISTINCT FROM lower(e.process_name) THEN lower(e.parent_name) END AS parent_name, e.domain, e.hash,
       count(*) AS events
FROM ` + newEvents + ` AND (SELECT related FROM entity_plan)
GROUP BY ALL`,

		`INSERT INTO entity_related
WITH c AS (
    SELECT user_key, target_user_key, host_key, src_ip, dst_ip, process_name, domain, hash, sum(events) AS events FROM entity_new GROUP BY ALL
),
p AS (
    SELECT parent_name, user_key, target_user_key, host_key, src_ip, dst_ip, process_name, domain, hash, sum(events) AS events FROM entity_new
    WHERE parent_name IS NOT NULL GROUP BY ALL
)
SELECT 'user' AS kind, user_key AS key, * FROM c WHERE user_key IS NOT NULL
UNION ALL SELECT 'user', target_user_key, * FROM c WHERE target_user_key IS NOT NULL
UNION ALL SELECT 'host', host_key, * FROM c WHERE host_key IS NOT NULL
UNION ALL SELECT 'ip', src_ip, * FROM c WHERE src_ip IS NOT NULL
UNION ALL SELECT 'ip', dst_ip, * FROM c WHERE dst_ip IS NOT NULL
UNION ALL SELECT 'process', process_name, * FROM c WHERE process_name IS NOT NULL
UNION ALL SELECT 'process', parent_name, * EXCLUDE (parent_name) FROM p
UNION ALL SELECT 'domain', domain, * FROM c WHERE domain IS NOT NULL
UNION ALL SELECT 'hash', hash, * FROM c WHERE hash IS NOT NULL
ORDER BY kind, key`,

		`DROP TABLE entity_new`,
	}
}

// addToSummary runs summaryStatements(cond) in tx and returns what entity_plan says: the events
// taken in, the highest id among them, and whether related rows were added for them.
func addToSummary(ctx context.Context, tx *sql.Tx, cond string) (events, maxID int64, related bool, err error) {
	for _, st := range summaryStatements(cond) {
		if _, err := tx.ExecContext(ctx, st); err != nil {
			return 0, 0, false, fmt.Errorf("entity summary: %w", err)
		}
	}
	if err := tx.QueryRowContext(ctx, `SELECT events, max_id, related FROM entity_plan`).Scan(&events, &maxID, &related); err != nil {
		return 0, 0, false, fmt.Errorf("entity summary: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DROP TABLE entity_plan`); err != nil {
		return 0, 0, false, fmt.Errorf("entity summary: %w", err)
	}
	return events, maxID, related, nil
}

// summaryMu serializes summary passes: two at once would both add the same new events.
var summaryMu sync.Mutex

// SummaryStats says what a summary pass did.
type SummaryStats struct {
	Events   int64 // events added to the summary
	Rebuilt  bool  // the whole summary was computed again
	Duration time.Duration
}

// UpdateEntitySummary adds the events of finished imports that the summary does not cover yet.
// It runs after every import; when the summary's count of events disagrees with the store's
// (imports finished out of order, a pass that failed), it is rebuilt from all the events.
func (s *Store) UpdateEntitySummary(ctx context.Context) (SummaryStats, error) {
	return s.summaryPass(ctx, false)
}

// RebuildEntitySummary computes the whole summary again from the events.
func (s *Store) RebuildEntitySummary(ctx context.Context) (SummaryStats, error) {
	return s.summaryPass(ctx, true)
}

func (s *Store) summaryPass(ctx context.Context, all bool) (st SummaryStats, err error) {
	summaryMu.Lock()
	defer summaryMu.Unlock()
	start := time.Now()
	defer func() { st.Duration = time.Since(start) }()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return st, err
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	var covered, maxID int64
	if err = tx.QueryRowContext(ctx, `SELECT coalesce(sum(events), 0), coalesce(max(max_id), 0) FROM entity_summary_state`).Scan(&covered, &maxID); err != nil {
		return st, fmt.Errorf("entity summary: %w", err)
	}
	if !all {
		// The new events are those above the highest id covered: DuckDB finds them from the id
		// column's zone maps. Together with the covered ones they must be every event of a
		// finished import, else some came in out of order and the summary is made again.
		var n int64
		if err = tx.QueryRowContext(ctx, `SELECT count(*) FROM events e JOIN files f ON f.id = e.file_id AND f.status = 'done' WHERE e.id > ?`, maxID).Scan(&n); err != nil {
			return st, fmt.Errorf("entity summary: %w", err)
		}
		var done int64
		if done, err = doneEvents(ctx, tx); err != nil {
			return st, fmt.Errorf("entity summary: %w", err)
		}
		if covered+n == done {
			if n > 0 {
				added, hi, related, err := addToSummary(ctx, tx, `e.id > `+strconv.FormatInt(maxID, 10))
				if err != nil {
					return st, err
				}
				if err = setSummaryState(ctx, tx, covered+added, max(maxID, hi), related); err != nil {
					return st, err
				}
			}
			st.Events = n
			return st, tx.Commit()
		}
	}
	st.Rebuilt = true
	// The state goes first: the pass keeps related rows only while the state says it has them.
	for _, t := range []string{"entity_activity", "entity_related", "entity_user_pairs", "entity_summary_state"} {
		if _, err = tx.ExecContext(ctx, `DELETE FROM `+t); err != nil {
			return st, fmt.Errorf("entity summary: %w", err)
		}
	}
	added, hi, related, err := addToSummary(ctx, tx, "TRUE")
	if err != nil {
		return st, err
	}
	st.Events = added
	if err = setSummaryState(ctx, tx, added, hi, related); err != nil {
		return st, err
	}
	return st, tx.Commit()
}

// doneEvents counts the events of finished imports: from the files' counts when they agree
// with the events table's total, else by reading the events.
func doneEvents(ctx context.Context, tx *sql.Tx) (int64, error) {
	var files, total, unfinished int64
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(sum(events) FILTER (WHERE status = 'done'), 0), count(*) FILTER (WHERE status <> 'done') FROM files`).Scan(&files, &unfinished); err != nil {
		return 0, err
	}
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM events`).Scan(&total); err != nil {
		return 0, err
	}
	if unfinished == 0 && files == total {
		return total, nil
	}
	var done int64
	err := tx.QueryRowContext(ctx, `SELECT count(*) FROM events e JOIN files f ON f.id = e.file_id AND f.status = 'done'`).Scan(&done)
	return done, err
}

func setSummaryState(ctx context.Context, tx *sql.Tx, events, maxID int64, related bool) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM entity_summary_state`); err != nil {
		return fmt.Errorf("entity summary: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO entity_summary_state (events, max_id, related) VALUES (?, ?, ?)`, events, maxID, related); err != nil {
		return fmt.Errorf("entity summary: %w", err)
	}
	return nil
}

// summaryCovers says whether the entity summary covers every event in the store, so that a
// profile may read entity_activity instead of the events. A store with events the summary has
// not taken in yet (an import still running, a failed pass) reads the events.
func (s *Store) summaryCovers(ctx context.Context) bool {
	covers, _ := s.summaryState(ctx)
	return covers
}

// summaryState says whether the summary covers every event (summaryCovers) and, if so, whether
// entity_related holds the related entities of all of them.
func (s *Store) summaryState(ctx context.Context) (covers, related bool) {
	var maxID, events sql.NullInt64
	var rel sql.NullBool
	// Every open store has the summary tables: Open applies migrations 012 and 014, and a
	// read-only open of a store without them fails (ErrNeedsMigration).
	err := s.db.QueryRowContext(ctx, `SELECT max(max_id), bool_and(related), (SELECT max(id) FROM events) FROM entity_summary_state`).Scan(&maxID, &rel, &events)
	if err != nil || !maxID.Valid {
		return false, false
	}
	covers = !events.Valid || events.Int64 <= maxID.Int64
	return covers, covers && rel.Valid && rel.Bool
}

// EntityHours is the events per UTC hour of an entity found by EntityCondition (one key, no
// aliases: the scope of an entity timeline), oldest first, from the entity summary: ok is false
// when the summary does not cover every event (then nothing is read). Hours without events are
// left out, and so are events without a time. A timeline uses it to bound the time range a page
// is read from, so that the events' zone maps on time skip the rest.
func (s *Store) EntityHours(ctx context.Context, kind event.Entity, value string) (hours []EntityHour, ok bool, err error) {
	if kind == event.EntityFile || !s.summaryCovers(ctx) {
		return nil, false, nil
	}
	cond, args, err := keyCondition(kind, value, nil)
	if err != nil {
		return nil, false, err
	}
	err = s.QueryFunc(ctx, `SELECT hour, sum(events)::BIGINT, min(first), max(last) FROM entity_activity WHERE `+cond+` AND hour IS NOT NULL GROUP BY hour ORDER BY hour`, args,
		func(_ []string, r []any) error {
			h := EntityHour{Events: intOf(r[1])}
			if t := anyTime(r[0]); t != nil {
				h.Hour = *t
			}
			if t := anyTime(r[2]); t != nil {
				h.First = *t
			}
			if t := anyTime(r[3]); t != nil {
				h.Last = *t
			}
			hours = append(hours, h)
			return nil
		})
	if err != nil {
		return nil, false, err
	}
	return hours, true, nil
}

// EntityHour is an entity's events in one UTC hour, and the first and last of their times.
type EntityHour struct {
	Hour        time.Time
	Events      int64
	First, Last time.Time
}

// keyCondition selects an entity's rows of entity_activity or entity_related (kind and key), with
// bound args: the events EntityCondition selects, each once. keys (users, hosts) are the
// resolution keys with aliases; nil means the one key of value. A user with more than one key
// has no such condition (an event may name two of them, and would count twice): ok is false.
func keyCondition(kind event.Entity, value string, keys []string) (string, []any, error) {
	name := relatedKind[kind]
	switch kind {
	case event.EntityUser, event.EntityHost:
		if keys == nil {
			k, err := entityKey(kind, value)
			if err != nil {
				return "", nil, err
			}
			keys = []string{k}
		}
		if kind == event.EntityUser && len(keys) != 1 {
			return "", nil, errMultiKey
		}
		marks, args := keyArgs(keys)
		return "kind = ? AND key IN (" + marks + ")", append([]any{name}, args...), nil
	case event.EntityDomain:
		// A domain and its subdomains: each event has one domain, so each counts once.
		cond, args := domainCondition("key", value)
		return "kind = ? AND " + cond, append([]any{name}, args...), nil
	case event.EntityIP, event.EntityProcess, event.EntityHash:
		k, err := entityKey(kind, value)
		if err != nil {
			return "", nil, err
		}
		return "kind = ? AND key = ?", []any{name, k}, nil
	}
	return "", nil, fmt.Errorf("no summary of %v", kind)
}

var errMultiKey = errors.New("more than one user key")

// maxEvidenceRanges bounds the id ranges EntityHistogram reads the alert evidence in.
const maxEvidenceRanges = 64

// EntityHistogram is an entity's events (EntityCondition: one key) per bucket of width in
// [from, to), and how many of them are alert evidence, as time_bucket(width, time) groups them:
// starts, counts and evidence counts, buckets without events left out. The counts come from
// entity_activity, so width must be a whole number of hours and from and to whole hours; the
// evidence events are read by id, in ranges around the alerts' evidence ids. ok is false when
// it cannot answer so (the summary behind, other widths, evidence spread too widely): the caller
// then counts over the events.
func (s *Store) EntityHistogram(ctx context.Context, kind event.Entity, value string, width time.Duration, from, to time.Time) (starts []time.Time, counts, evidence []int64, ok bool, err error) {
	if kind == event.EntityFile || width < time.Hour || width%time.Hour != 0 || !from.Truncate(time.Hour).Equal(from) ||
		!to.Truncate(time.Hour).Equal(to) || !s.summaryCovers(ctx) {
		return nil, nil, nil, false, nil
	}
	var ids []int64
	err = s.QueryFunc(ctx, `SELECT DISTINCT unnest(evidence) AS id FROM alerts ORDER BY id`, nil, func(_ []string, r []any) error {
		ids = append(ids, intOf(r[0]))
		return nil
	})
	if err != nil {
		return nil, nil, nil, false, err
	}
	type span struct{ lo, hi int64 }
	var spans []span
	for i := 0; i < len(ids); {
		j := i + 1
		for j < len(ids) && ids[j]-ids[j-1] <= 8192 {
			j++
		}
		spans = append(spans, span{ids[i], ids[j-1]})
		i = j
	}
	if len(spans) > maxEvidenceRanges {
		return nil, nil, nil, false, nil
	}
	bucket := fmt.Sprintf(`time_bucket(INTERVAL '%d seconds', %%s)`, int64(width/time.Second))
	cond, args, err := keyCondition(kind, value, nil)
	if err != nil {
		return nil, nil, nil, false, err
	}
	at := map[time.Time]int{}
	err = s.QueryFunc(ctx, `SELECT `+fmt.Sprintf(bucket, "hour")+` AS b, sum(events)::BIGINT FROM entity_activity WHERE `+cond+` AND hour >= ? AND hour < ? GROUP BY b ORDER BY b`,
		append(args, from.UTC(), to.UTC()), func(_ []string, r []any) error {
			if t := anyTime(r[0]); t != nil {
				at[*t] = len(starts)
				starts, counts, evidence = append(starts, *t), append(counts, intOf(r[1])), append(evidence, 0)
			}
			return nil
		})
	if err != nil || len(spans) == 0 || len(starts) == 0 {
		return starts, counts, evidence, err == nil, err
	}
	// The entity's events in the id ranges around the evidence, by one-column range scans
	// (zone maps skip the rest); which of them are evidence is looked up here.
	isEvidence := make(map[int64]bool, len(ids))
	for _, id := range ids {
		isEvidence[id] = true
	}
	econd, eargs, err := EntityCondition(kind, value)
	if err != nil {
		return nil, nil, nil, false, err
	}
	var parts []string
	var qargs []any
	for _, sp := range spans {
		parts = append(parts, `SELECT id, `+fmt.Sprintf(bucket, "time")+` FROM events WHERE id BETWEEN ? AND ? AND time >= ? AND time < ? AND `+econd)
		qargs = append(append(qargs, sp.lo, sp.hi, from.UTC(), to.UTC()), eargs...)
	}
	err = s.QueryFunc(ctx, strings.Join(parts, " UNION ALL "), qargs, func(_ []string, r []any) error {
		if !isEvidence[intOf(r[0])] {
			return nil
		}
		if t := anyTime(r[1]); t != nil {
			if i, found := at[*t]; found {
				evidence[i]++
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, nil, false, err
	}
	return starts, counts, evidence, true, nil
}
