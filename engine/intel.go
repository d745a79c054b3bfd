package engine

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"trawl/importers"
	"trawl/intel"
)

// IntelResult is the outcome of loading one indicator file.
type IntelResult struct {
	File       string         `json:"file"`
	Format     string         `json:"format"`
	Source     string         `json:"source"`
	Indicators int64          `json:"indicators"` // values stored (a STIX indicator may give several)
	Skipped    int64          `json:"skipped"`    // well-formed indicators trawl cannot match (see Rejects)
	Rejected   int64          `json:"rejected"`
	Rejects    []intel.Reject `json:"-"`
}

// ImportIntel loads an indicator file (IOC list, CSV/JSON table or STIX 2.1 bundle, detected by
// content; gzip, zstd and bzip2 too) into the intel table in one transaction. source names the
// feed for indicators that do not name their own; empty means the file's base name. A value
// stored before under the same source, type, value and indicator id is replaced.
func (s *Store) ImportIntel(ctx context.Context, path, source string) (IntelResult, error) {
	if source == "" {
		source = sourceOf(path)
	}
	res := IntelResult{File: path, Source: source}
	in, err := importers.Open(path)
	if err != nil {
		return res, err
	}
	defer in.Close()
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return res, err
	}
	defer conn.Close()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return res, err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `CREATE OR REPLACE TEMP TABLE new_intel AS SELECT * EXCLUDE (id, ip_lo, ip_hi, ip_bits) FROM intel LIMIT 0`); err != nil {
		return res, fmt.Errorf("staging intel: %w", err)
	}
	ins := &batchInsert{tx: tx, into: "new_intel", row: `(?, ?, ?, ?, ?, ?, CAST(?::JSON AS VARCHAR[]), ?, ?, ?, ?, ?, ?, ?, ?)`}
	defer ins.close()
	sink := &intelSink{ctx: ctx, ins: ins, file: path, now: time.Now().UTC(), res: &res}
	format, err := intel.Read(ctx, in.R, intel.Options{Source: source}, sink)
	res.Format = string(format)
	if err == nil {
		err = ins.flush(ctx)
	}
	if err != nil {
		return res, fmt.Errorf("%s: %w", path, err)
	}
	for _, q := range []string{
		`DELETE FROM intel i WHERE EXISTS (SELECT 1 FROM new_intel n WHERE n.source = i.source AND n.type = i.type
		    AND n.value = i.value AND coalesce(n.indicator_id, '') = coalesce(i.indicator_id, ''))`,
		`INSERT INTO intel
		 SELECT (SELECT coalesce(max(id), 0) FROM intel) + row_number() OVER () AS id, type, value,
		        CASE WHEN type IN ('ipv4', 'ipv6', 'cidr') THEN trawl_net_lo(value) END,
		        CASE WHEN type IN ('ipv4', 'ipv6', 'cidr') THEN trawl_net_hi(value) END,
		        CASE WHEN type IN ('ipv4', 'ipv6', 'cidr') THEN trawl_net_bits(value) END,
		        source, confidence, valid_from, valid_until, labels, indicator_id, name, description, pattern, note, file, line, imported_at
		 FROM (SELECT DISTINCT ON (source, type, value, coalesce(indicator_id, '')) * FROM new_intel ORDER BY line DESC)`,
		`DROP TABLE new_intel`,
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return res, fmt.Errorf("storing intel: %w", err)
		}
	}
	return res, tx.Commit()
}

type intelSink struct {
	ctx  context.Context
	ins  *batchInsert
	file string
	now  time.Time
	res  *IntelResult
}

func (k *intelSink) Indicator(i intel.Indicator) error {
	var conf any
	if i.Confidence >= 0 {
		conf = i.Confidence
	}
	err := k.ins.add(k.ctx, string(i.Type), i.Value, i.Source, conf, nullTime(i.ValidFrom), nullTime(i.ValidUntil),
		jsonList(i.Labels), nullStr(i.ID), nullStr(i.Name), nullStr(i.Description), nullStr(i.Pattern), nullStr(i.Note),
		k.file, i.Line, k.now)
	if err != nil {
		return fmt.Errorf("line %d: %w", i.Line, err)
	}
	k.res.Indicators++
	return nil
}

func (k *intelSink) Reject(r intel.Reject) error {
	if r.Skipped {
		k.res.Skipped++
	} else {
		k.res.Rejected++
	}
	k.res.Rejects = append(k.res.Rejects, r)
	return nil
}

// batchInsert inserts rows a batch at a time (one statement of many VALUES rows), which is
// many times faster in DuckDB than a statement per row.
type batchInsert struct {
	tx   *sql.Tx
	into string // table
	row  string // one row of placeholders: "(?, ?, ?)"
	args []any
	rows int
	full *sql.Stmt // prepared for a whole batch
}

const insertBatch = 256

func (b *batchInsert) add(ctx context.Context, vals ...any) error {
	b.args = append(b.args, vals...)
	b.rows++
	if b.rows < insertBatch {
		return nil
	}
	if b.full == nil {
		st, err := b.tx.PrepareContext(ctx, b.statement(insertBatch))
		if err != nil {
			return err
		}
		b.full = st
	}
	_, err := b.full.ExecContext(ctx, b.args...)
	b.args, b.rows = b.args[:0], 0
	return err
}

func (b *batchInsert) flush(ctx context.Context) error {
	if b.rows == 0 {
		return nil
	}
	_, err := b.tx.ExecContext(ctx, b.statement(b.rows), b.args...)
	b.args, b.rows = b.args[:0], 0
	return err
}

func (b *batchInsert) statement(rows int) string {
	return "INSERT INTO " + b.into + " VALUES " + strings.TrimSuffix(strings.Repeat(b.row+", ", rows), ", ")
}

func (b *batchInsert) close() {
	if b.full != nil {
		b.full.Close()
	}
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

// IntelColumns are the columns IntelTable lists (and selects: the CLI prints them as its header).
var IntelColumns = []string{"id", "type", "value", "source", "confidence", "valid_from", "valid_until", "labels", "indicator_id", "name", "note", "file", "line"}

// IntelTable streams the stored indicators, by source, type and value.
func (s *Store) IntelTable(ctx context.Context, fn func(cols []string, row []any) error) error {
	return s.QueryFunc(ctx, `SELECT `+selectList(IntelColumns)+` FROM intel ORDER BY source, type, value, id`, nil, fn)
}

// IntelMatchColumns are the columns IntelMatches gives (and selects).
var IntelMatchColumns = []string{"event_id", "time", "field", "value", "matched_by", "indicator", "type", "source", "confidence", "valid_until", "indicator_id", "name", "intel_id"}

// IntelMatches streams the intel_matches view (see migrations/004_intel.sql): every event field
// matching a live indicator, by event. limit <= 0 means all.
func (s *Store) IntelMatches(ctx context.Context, limit int, fn func(cols []string, row []any) error) error {
	q := `SELECT ` + selectList(IntelMatchColumns) + ` FROM intel_matches ORDER BY event_id, field, intel_id`
	var args []any
	if limit > 0 {
		q += ` LIMIT ?`
		args = append(args, limit)
	}
	return s.QueryFunc(ctx, q, args, fn)
}
