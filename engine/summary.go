package engine

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"sync"
	"time"
)

// The entity summary (migration 012, docs/entity.md) is the events rolled up per combination
// of the entity columns (user_key, target_user_key, host_key, src_ip, dst_ip, lower-case
// process_name and parent_name, domain, hash), source, source type and UTC day, with the count
// and the first and last time. An entity profile's counts, first and last seen, activity and
// related entities are sums over the summary rows matching the entity, with the same
// conditions as over the events (the columns keep their names): far fewer rows than the events.

// summaryRollup selects the summary rows of the events of finished imports that match cond.
const summaryRollup = `SELECT e.user_key, e.target_user_key, e.host_key, e.src_ip, e.dst_ip, lower(e.process_name), lower(e.parent_name),
	e.domain, e.hash, e.source, e.source_type, e.time::DATE, count(*), min(e.time), max(e.time)
FROM events e JOIN files f ON f.id = e.file_id AND f.status = 'done'
WHERE `

// summaryMu serializes summary passes: two at once would both add the same new events.
var summaryMu sync.Mutex

// SummaryStats says what a summary pass did.
type SummaryStats struct {
	Events   int64 // events added to the summary
	Rows     int64 // summary rows written
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
		var n, hi int64
		if err = tx.QueryRowContext(ctx, `SELECT count(*), coalesce(max(e.id), 0) FROM events e JOIN files f ON f.id = e.file_id AND f.status = 'done' WHERE e.id > ?`, maxID).Scan(&n, &hi); err != nil {
			return st, fmt.Errorf("entity summary: %w", err)
		}
		var done int64
		if done, err = doneEvents(ctx, tx); err != nil {
			return st, fmt.Errorf("entity summary: %w", err)
		}
		if covered+n == done {
			if n > 0 {
				res, err := tx.ExecContext(ctx, `INSERT INTO entity_summary `+summaryRollup+`e.id > `+strconv.FormatInt(maxID, 10)+` GROUP BY ALL`)
				if err != nil {
					return st, fmt.Errorf("entity summary: %w", err)
				}
				st.Rows, _ = res.RowsAffected()
				if err = setSummaryState(ctx, tx, covered+n, max(maxID, hi)); err != nil {
					return st, err
				}
			}
			st.Events = n
			return st, tx.Commit()
		}
	}
	st.Rebuilt = true
	if _, err = tx.ExecContext(ctx, `DELETE FROM entity_summary`); err != nil {
		return st, fmt.Errorf("entity summary: %w", err)
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO entity_summary `+summaryRollup+`TRUE GROUP BY ALL`)
	if err != nil {
		return st, fmt.Errorf("entity summary: %w", err)
	}
	st.Rows, _ = res.RowsAffected()
	if err = tx.QueryRowContext(ctx, `SELECT coalesce(sum(events), 0) FROM entity_summary`).Scan(&st.Events); err != nil {
		return st, fmt.Errorf("entity summary: %w", err)
	}
	var hi int64
	if err = tx.QueryRowContext(ctx, `SELECT coalesce(max(e.id), 0) FROM events e JOIN files f ON f.id = e.file_id AND f.status = 'done'`).Scan(&hi); err != nil {
		return st, fmt.Errorf("entity summary: %w", err)
	}
	if err = setSummaryState(ctx, tx, st.Events, hi); err != nil {
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

func setSummaryState(ctx context.Context, tx *sql.Tx, events, maxID int64) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM entity_summary_state`); err != nil {
		return fmt.Errorf("entity summary: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO entity_summary_state VALUES (?, ?)`, events, maxID); err != nil {
		return fmt.Errorf("entity summary: %w", err)
	}
	return nil
}

// summaryCovers says whether the entity summary covers every event in the store, so that a
// profile may read it instead of the events. A store without the summary table, or with events
// the summary has not taken in yet (an import still running, a failed pass), reads the events.
func (s *Store) summaryCovers(ctx context.Context) bool {
	var maxID, events sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT (SELECT max(max_id) FROM entity_summary_state), (SELECT max(id) FROM events)`).Scan(&maxID, &events)
	if err != nil || !maxID.Valid {
		return false
	}
	return !events.Valid || events.Int64 <= maxID.Int64
}
