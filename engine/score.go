package engine

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"trawl/event"
	"trawl/risk"
)

// ScoreOptions configure Score.
type ScoreOptions struct {
	Policy     risk.Policy // the zero value means risk.DefaultPolicy()
	PolicyName string      // recorded with the run: the policy file, or "" for the built-in one
}

// ScoreResult is what a scoring run did.
type ScoreResult struct {
	Run     int64        `json:"run"`
	Summary risk.Summary `json:"summary"`
	Took    time.Duration
}

// Score scores every stored alert with its context (assets and identities its entities resolve
// to, intel matches of its evidence, suppressions), groups them into
// incidents and rewrites alert_scores, incidents, incident_alerts and entity_risk in one
// transaction. Running it again over the same store gives the same tables.
func (s *Store) Score(ctx context.Context, opt ScoreOptions) (*ScoreResult, error) {
	start := time.Now()
	pol := opt.Policy
	if len(pol.Actions) == 0 {
		pol = risk.DefaultPolicy()
	}
	alerts, err := s.riskAlerts(ctx)
	if err != nil {
		return nil, err
	}
	cx, err := s.riskContext(ctx)
	if err != nil {
		return nil, err
	}
	res := risk.Run(alerts, cx, pol)
	out := &ScoreResult{Summary: res.Summary}
	if err := s.storeScores(ctx, res, opt.PolicyName, out); err != nil {
		return nil, fmt.Errorf("storing scores: %w", err)
	}
	out.Took = time.Since(start)
	return out, nil
}

// riskAlerts loads every alert as scoring sees it, with its suppression if any.
func (s *Store) riskAlerts(ctx context.Context) ([]risk.Alert, error) {
	supp := map[int64]string{}
	err := s.scanRows(ctx, `SELECT alert_id, min(suppression) FROM alert_suppressions GROUP BY alert_id`, nil, func(rows *sql.Rows) error {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return err
		}
		supp[id] = name
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading suppressions: %w", err)
	}
	var out []risk.Alert
	err = s.Alerts(ctx, AlertFilter{}, func(a Alert) error {
		ra := risk.Alert{ID: a.ID, Rule: a.Rule, Title: a.Title, Severity: a.Severity, Confidence: a.Confidence,
			Attack: a.Attack, Entities: a.Entities, Events: len(a.Evidence), Suppressed: supp[a.ID]}
		ra.Measure, ra.MeasureNote = AnomalyStrength(a.MeasureKind, a.Measure)
		if a.First != nil {
			ra.First = *a.First
		}
		if a.Last != nil {
			ra.Last = *a.Last
		}
		out = append(out, ra)
		return nil
	})
	return out, err
}

// AnomalyStrength turns an alert's anomaly measure into the strength 0..1 of scoring's anomaly
// factor, and the words that explain it (docs/scoring.md):
//   - z-score z (outlier, either method): 1 − 3/|z| beyond 3, so 0 at the usual threshold, 0.5
//     at 6 and near 1 for a spike a hundred spreads off its baseline;
//   - rarity (rare): 1/count, 1 for a combination seen once;
//   - regularity (beacon): itself, 1 − jitter;
//   - first_seen: 0.5, as novelty alone says less than how far off something is.
func AnomalyStrength(kind string, m *float64) (float64, string) {
	if kind == MeasureFirstSeen {
		return 0.5, "never seen before for its key (first_seen)"
	}
	if m == nil || math.IsNaN(*m) || math.IsInf(*m, 0) {
		return 0, ""
	}
	v := *m
	switch kind {
	case MeasureZScore, MeasureMAD:
		name := "z-score"
		if kind == MeasureMAD {
			name = "modified z-score"
		}
		z := math.Abs(v)
		if z <= 3 {
			return 0, ""
		}
		return 1 - 3/z, fmt.Sprintf("%s %.1f from its baseline, 1 − 3/%.1f", name, z, z)
	case MeasureRarity:
		if v < 1 {
			return 0, ""
		}
		n := strconv.FormatFloat(v, 'f', -1, 64)
		return 1 / v, "seen " + n + " time(s), 1/" + n
	case MeasureRegularity:
		if v <= 0 {
			return 0, ""
		}
		v = min(v, 1)
		return v, fmt.Sprintf("regularity %.2f (1 − jitter of its intervals)", v)
	}
	return 0, ""
}

// riskContext loads the assets the alerts' hosts and addresses resolve to, every identity
// alias, and the intel matches of the alerts' evidence.
func (s *Store) riskContext(ctx context.Context) (risk.Context, error) {
	cx := risk.Context{Assets: map[string]risk.Asset{}, Identities: map[string]risk.Identity{}, Intel: map[int64][]risk.IntelMatch{}}
	err := s.scanRows(ctx, `SELECT DISTINCT m.field, m.value, m.asset_key, m.matched_by, coalesce(m.criticality, 0),
			coalesce(m.internet_facing, false), coalesce(len(m.vulnerabilities), 0), coalesce(m.owner, '')
		FROM asset_matches m
		WHERE m.event_id IN (SELECT unnest(evidence) FROM alerts)`, nil, func(rows *sql.Rows) error {
		var field, value, key, how, owner string
		var a risk.Asset
		if err := rows.Scan(&field, &value, &key, &how, &a.Criticality, &a.InternetFacing, &a.Vulnerabilities, &owner); err != nil {
			return err
		}
		a.Key, a.Network, a.Owner = key, how == "cidr", event.UserKey(owner)
		kind := "ip"
		if field == "host" {
			kind = "host"
		}
		cx.Assets[kind+":"+value] = a
		return nil
	})
	if err != nil {
		return cx, fmt.Errorf("resolving assets: %w", err)
	}
	err = s.scanRows(ctx, `SELECT user_key, identity, coalesce(privileged, false), coalesce(service_account, false),
			coalesce(mfa = false, false), coalesce(status, ''), leave_date FROM user_identities`, nil, func(rows *sql.Rows) error {
		var alias string
		var id risk.Identity
		var leave sql.NullTime
		if err := rows.Scan(&alias, &id.Key, &id.Privileged, &id.ServiceAccount, &id.NoMFA, &id.Status, &leave); err != nil {
			return err
		}
		if leave.Valid {
			id.LeaveDate = leave.Time
		}
		cx.Identities[alias] = id
		return nil
	})
	if err != nil {
		return cx, fmt.Errorf("reading identities: %w", err)
	}
	err = s.scanRows(ctx, `SELECT DISTINCT a.id, m.value, m.indicator, m.source, coalesce(m.confidence, -1)
		FROM (SELECT id, unnest(evidence) AS eid FROM alerts) a JOIN intel_matches m ON m.event_id = a.eid
		ORDER BY a.id, m.indicator, m.source, m.value`, nil, func(rows *sql.Rows) error {
		var id int64
		var m risk.IntelMatch
		if err := rows.Scan(&id, &m.Value, &m.Indicator, &m.Source, &m.Confidence); err != nil {
			return err
		}
		cx.Intel[id] = append(cx.Intel[id], m)
		return nil
	})
	if err != nil {
		return cx, fmt.Errorf("matching intel: %w", err)
	}
	return cx, nil
}

func (s *Store) storeScores(ctx context.Context, res *risk.Result, policy string, out *ScoreResult) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, q := range []string{`DELETE FROM alert_scores`, `DELETE FROM incidents`, `DELETE FROM incident_alerts`, `DELETE FROM entity_risk`} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	if policy == "" {
		policy = "builtin"
	}
	sum := res.Summary
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) + 1 FROM score_runs`).Scan(&out.Run); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO score_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, out.Run, time.Now().UTC(), policy,
		sum.Alerts, sum.Collapsed, sum.Suppressed, sum.Actions[risk.AutoClose], sum.Actions[risk.Queue], sum.Actions[risk.Escalate], sum.Incidents)
	if err != nil {
		return err
	}
	ins := &batchInsert{tx: tx, into: "alert_scores", row: `(?, ?, ?, ?::JSON, ?, ?, ?, ?)`}
	defer ins.close()
	// Collapsed duplicates share one factors list: encode it once.
	encoded := map[*risk.Factor]string{}
	for _, a := range res.Alerts {
		var fj string
		if len(a.Factors) > 0 {
			var ok bool
			if fj, ok = encoded[&a.Factors[0]]; !ok {
				fj = jsonText(a.Factors)
				encoded[&a.Factors[0]] = fj
			}
		} else {
			fj = "[]"
		}
		if err := ins.add(ctx, a.AlertID, a.Score, string(a.Action), fj, a.Duplicates, a.Primary, nullInt(a.Incident), nullStr(a.Suppressed)); err != nil {
			return err
		}
	}
	if err := ins.flush(ctx); err != nil {
		return err
	}
	incIns := &batchInsert{tx: tx, into: "incidents", row: `(?, ?, ?, ?, ?, ?, CAST(?::JSON AS VARCHAR[]), ?::JSON, ?::JSON, ?, ?, ?, ?, ?::JSON, ?)`}
	defer incIns.close()
	linkIns := &batchInsert{tx: tx, into: "incident_alerts", row: `(?, ?)`}
	defer linkIns.close()
	for _, inc := range res.Incidents {
		err := incIns.add(ctx, inc.ID, inc.Rank, inc.Priority, inc.Score, inc.Raw, inc.Title, jsonArray(inc.Tactics),
			jsonText(orEmpty(inc.Techniques)), jsonText(inc.Entities), nullTime(inc.First), nullTime(inc.Last), len(inc.Alerts), inc.Collapsed,
			jsonText(inc.Factors), inc.Narrative)
		if err != nil {
			return err
		}
		for _, id := range inc.Alerts {
			if err := linkIns.add(ctx, inc.ID, id); err != nil {
				return err
			}
		}
	}
	if err := incIns.flush(ctx); err != nil {
		return err
	}
	if err := linkIns.flush(ctx); err != nil {
		return err
	}
	entIns := &batchInsert{tx: tx, into: "entity_risk", row: `(?, ?, ?, ?, ?, ?, ?)`}
	defer entIns.close()
	for _, e := range res.Entities {
		if err := entIns.add(ctx, e.Kind, e.Value, e.Risk, nullTime(e.PeakAt), e.Alerts, e.Rules, e.Hub); err != nil {
			return err
		}
	}
	if err := entIns.flush(ctx); err != nil {
		return err
	}
	return tx.Commit()
}

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "null"
	}
	return string(b)
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// Incident is one stored incident.
type Incident struct {
	ID         int64               `json:"id"`
	Rank       int                 `json:"rank"`
	Priority   string              `json:"priority"`
	Score      int                 `json:"score"`
	RawScore   int                 `json:"raw_score"`
	Title      string              `json:"title"`
	Tactics    []string            `json:"tactics"`
	Techniques []risk.Technique    `json:"techniques"`
	Entities   map[string][]string `json:"entities"`
	First      *time.Time          `json:"first"`
	Last       *time.Time          `json:"last"`
	Alerts     int64               `json:"alerts"`
	Collapsed  int64               `json:"collapsed"`
	Factors    []risk.Factor       `json:"factors"`
	Narrative  string              `json:"narrative"`
}

// IncidentFilter selects incidents; the zero value selects all.
type IncidentFilter struct {
	Priorities []string // P1, P2, ...: any of them
	Limit      int      // <= 0: all
}

// ErrNotScored is returned when the alerts have not been scored yet.
var ErrNotScored = errors.New("the alerts have not been scored yet (run trawl score, or trawl hunt)")

// LastScorePolicy is the policy the latest scoring run used (a file path, or "" for the built-in
// one), and whether the alerts have been scored at all.
func (s *Store) LastScorePolicy(ctx context.Context) (policy string, scored bool, err error) {
	err = s.db.QueryRowContext(ctx, `SELECT policy FROM score_runs ORDER BY id DESC LIMIT 1`).Scan(&policy)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	if policy == "builtin" {
		policy = ""
	}
	return policy, true, nil
}

// scored reports whether a scoring run has happened.
func (s *Store) scored(ctx context.Context) error {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM score_runs`).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return ErrNotScored
	}
	return nil
}

const incidentSelect = `SELECT id, rank, priority, score, raw_score, title, to_json(tactics)::VARCHAR, techniques::VARCHAR,
	entities::VARCHAR, first, last, alerts, collapsed, factors::VARCHAR, narrative FROM incidents`

// Incidents lists the incidents of the last scoring run by rank (the queue, top first).
func (s *Store) Incidents(ctx context.Context, f IncidentFilter, fn func(Incident) error) error {
	if err := s.scored(ctx); err != nil {
		return err
	}
	q := incidentSelect
	var args []any
	if len(f.Priorities) > 0 {
		q += ` WHERE list_contains(from_json(?::JSON, '["VARCHAR"]'), priority)`
		args = append(args, jsonArray(f.Priorities))
	}
	q += ` ORDER BY rank`
	if f.Limit > 0 {
		q += ` LIMIT ?`
		args = append(args, f.Limit)
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("listing incidents: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		inc, err := scanIncident(rows)
		if err != nil {
			return err
		}
		if err := fn(*inc); err != nil {
			return err
		}
	}
	return rows.Err()
}

func scanIncident(rows interface{ Scan(...any) error }) (*Incident, error) {
	var inc Incident
	var tactics, techniques, entities, factors string
	var first, last sql.NullTime
	if err := rows.Scan(&inc.ID, &inc.Rank, &inc.Priority, &inc.Score, &inc.RawScore, &inc.Title, &tactics, &techniques,
		&entities, &first, &last, &inc.Alerts, &inc.Collapsed, &factors, &inc.Narrative); err != nil {
		return nil, fmt.Errorf("reading incident: %w", err)
	}
	inc.First, inc.Last = timePtr(first), timePtr(last)
	err := errors.Join(json.Unmarshal([]byte(tactics), &inc.Tactics), json.Unmarshal([]byte(techniques), &inc.Techniques),
		json.Unmarshal([]byte(entities), &inc.Entities), json.Unmarshal([]byte(factors), &inc.Factors))
	if err != nil {
		return nil, fmt.Errorf("incident %d: %w", inc.ID, err)
	}
	if inc.Tactics == nil {
		inc.Tactics = []string{}
	}
	return &inc, nil
}

// ScoredAlert is an alert with its score.
type ScoredAlert struct {
	Alert
	AlertScore
}

// AlertScore is the verdict of the last scoring run on one alert.
type AlertScore struct {
	Score      int           `json:"score"`
	Action     string        `json:"action"`
	Factors    []risk.Factor `json:"factors"`
	Duplicates int           `json:"duplicates"`
	PrimaryID  int64         `json:"primary_id"`
	IncidentID *int64        `json:"incident_id"`
	Suppressed *string       `json:"suppressed"`
}

// IncidentDetail is an incident with its alerts (time order) and their scores.
type IncidentDetail struct {
	Incident
	AlertList []ScoredAlert `json:"alert_list"`
}

// ErrNoIncident is returned for an incident id the last scoring run did not make.
var ErrNoIncident = errors.New("no such incident")

// Incident loads one incident with its alerts, their factors, and its narrative.
func (s *Store) Incident(ctx context.Context, id int64) (*IncidentDetail, error) {
	if err := s.scored(ctx); err != nil {
		return nil, err
	}
	inc, err := scanIncident(s.db.QueryRowContext(ctx, incidentSelect+` WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("incident %d: %w", id, ErrNoIncident)
	}
	if err != nil {
		return nil, err
	}
	scores, err := s.alertScores(ctx, `WHERE incident_id = ?`, id)
	if err != nil {
		return nil, err
	}
	d := &IncidentDetail{Incident: *inc}
	if len(scores) == 0 {
		return d, nil
	}
	err = s.Alerts(ctx, AlertFilter{IDs: slices.Collect(maps.Keys(scores))}, func(a Alert) error {
		d.AlertList = append(d.AlertList, ScoredAlert{a, scores[a.ID]})
		return nil
	})
	return d, err
}

// AlertScores gives the last scoring run's verdict on every scored alert, by alert id. It is
// empty (not an error) when nothing was scored yet.
func (s *Store) AlertScores(ctx context.Context) (map[int64]AlertScore, error) {
	return s.alertScores(ctx, ``)
}

func (s *Store) alertScores(ctx context.Context, where string, args ...any) (map[int64]AlertScore, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT alert_id, score, action, factors::VARCHAR, duplicates, primary_id, incident_id, suppressed
		FROM alert_scores `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("reading alert scores: %w", err)
	}
	defer rows.Close()
	out := map[int64]AlertScore{}
	factors := map[string][]risk.Factor{}
	for rows.Next() {
		var id int64
		var sc AlertScore
		var fj string
		var inc sql.NullInt64
		var supp sql.NullString
		if err := rows.Scan(&id, &sc.Score, &sc.Action, &fj, &sc.Duplicates, &sc.PrimaryID, &inc, &supp); err != nil {
			return nil, err
		}
		if f, ok := factors[fj]; ok {
			sc.Factors = f
		} else {
			if err := json.Unmarshal([]byte(fj), &sc.Factors); err != nil {
				return nil, fmt.Errorf("alert %d: factors: %w", id, err)
			}
			factors[fj] = sc.Factors
		}
		if inc.Valid {
			sc.IncidentID = &inc.Int64
		}
		if supp.Valid {
			sc.Suppressed = &supp.String
		}
		out[id] = sc
	}
	return out, rows.Err()
}

// EntityRiskRow is the stored risk of one entity.
type EntityRiskRow struct {
	Kind   string     `json:"kind"`
	Value  string     `json:"value"`
	Risk   float64    `json:"risk"`
	PeakAt *time.Time `json:"peak_at"`
	Alerts int64      `json:"alerts"`
	Rules  int64      `json:"rules"`
	Hub    bool       `json:"hub"`
}

// EntityRisk gives the risk of one entity from the last scoring run: kind as in alert entities
// (src_ip and dst_ip read as ip, target_user as user) or asset; nil when it has none. Values
// are matched as stored (user keys, host keys, normalized addresses); a user is also found by
// the identity its alias names.
func (s *Store) EntityRisk(ctx context.Context, kind, value string) (*EntityRiskRow, error) {
	if err := s.scored(ctx); err != nil {
		return nil, err
	}
	kind = risk.KindClass(strings.ToLower(strings.TrimSpace(kind)))
	values := []string{value}
	switch kind {
	case "user":
		values = append(values, event.UserKey(value))
	case "host":
		values = append(values, event.HostKey(value))
	case "ip":
		values = append(values, event.NormalizeIP(value))
	}
	values = slices.Compact(values)
	for _, v := range values {
		if v == "" {
			continue
		}
		var r EntityRiskRow
		var peak sql.NullTime
		err := s.db.QueryRowContext(ctx, `SELECT kind, value, risk, peak_at, alerts, rules, hub FROM entity_risk WHERE kind = ? AND value = ?`, kind, v).
			Scan(&r.Kind, &r.Value, &r.Risk, &peak, &r.Alerts, &r.Rules, &r.Hub)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, err
		}
		r.PeakAt = timePtr(peak)
		return &r, nil
	}
	if kind == "user" {
		// An alias: the risk of the identity it names.
		var id string
		err := s.db.QueryRowContext(ctx, `SELECT identity FROM user_identities WHERE user_key = ?`, event.UserKey(value)).Scan(&id)
		if err == nil && id != value {
			return s.EntityRisk(ctx, "user", id)
		}
	}
	return nil, nil
}
