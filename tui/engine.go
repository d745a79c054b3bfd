package tui

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"trawl/attack"
	"trawl/cases"
	"trawl/engine"
)

// EngineStore is the Store over a trawl store. It runs its own paged SQL over the alerts and
// events tables (engine.Store.QueryFunc), every value a bound parameter.
type EngineStore struct {
	S *engine.Store
	// Who names the analyst triage changes are made by ($TRAWL_ANALYST, else $USER; "analyst"
	// when empty).
	Who string
}

// Analyst is who triage changes are made by.
func (e EngineStore) Analyst() string {
	if e.Who == "" {
		return "analyst"
	}
	return e.Who
}

// SetTriage records a triage change from the queue in the store.
func (e EngineStore) SetTriage(ctx context.Context, t TriageRequest) (int, error) {
	if e.S.ReadOnly() {
		return 0, ErrReadOnly
	}
	c := engine.TriageChange{Alerts: t.Alerts, Incidents: t.Incidents, Status: t.Status, By: e.Analyst()}
	if t.Assign {
		who := t.Assignee
		if who == "" {
			who = e.Analyst()
		}
		c.Assignee = &who
	}
	return e.S.SetTriage(ctx, c)
}

// severityRank orders severities for the queue, most severe first.
const severityRank = `CASE lower(severity) WHEN 'critical' THEN 5 WHEN 'high' THEN 4 WHEN 'medium' THEN 3 WHEN 'low' THEN 2 WHEN 'info' THEN 1 WHEN 'informational' THEN 1 ELSE 0 END`

const alertColumns = `id, rule, title, severity, confidence, to_json(attack)::VARCHAR, first, last, entities::VARCHAR, len(evidence)`

// fuzzyLike turns one filter term into a LIKE pattern matching its characters in order:
// "brt" → %b%r%t%.
func fuzzyLike(term string) string {
	var b strings.Builder
	b.WriteByte('%')
	for _, r := range strings.ToLower(term) {
		if r == '%' || r == '_' || r == '\\' {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
		b.WriteByte('%')
	}
	return b.String()
}

// scored reports whether the store's alerts have been scored (trawl score, or trawl hunt):
// then the queue holds incidents and the alerts in none, ranked by score.
func (e EngineStore) scored(ctx context.Context) (bool, error) {
	n := int64(0)
	err := e.S.QueryFunc(ctx, `SELECT count(*) FROM score_runs`, nil, func(_ []string, row []any) error {
		n = AsInt(row[0])
		return nil
	})
	return n > 0, err
}

// queueSQL is the queue as one relation with the columns scanItem reads. Scored: incidents,
// then the alerts that belong to none and that the policy neither closed nor a suppression
// hid (one per collapsed group); else every alert.
const queueScoredSQL = `SELECT 'incident' AS kind, id, '' AS rule, title, '' AS severity, 0.0 AS confidence,
		to_json(coalesce(json_extract_string(techniques, '$[*].id'), []))::VARCHAR AS attack, first, last, entities::VARCHAR AS entities,
		0 AS evidence, score, priority, alerts, '' AS action,
		CASE priority WHEN 'P1' THEN 5 WHEN 'P2' THEN 4 WHEN 'P3' THEN 3 ELSE 2 END AS sevrank,
		coalesce(it.status, 'new') AS status, coalesce(it.assignee, '') AS assignee
	FROM incidents LEFT JOIN (
		-- An incident's triage is its alerts': the status they share, else mixed.
		SELECT ia.incident_id, CASE WHEN count(DISTINCT coalesce(t.status, 'new')) = 1 THEN any_value(coalesce(t.status, 'new')) ELSE 'mixed' END AS status,
			CASE WHEN count(DISTINCT coalesce(t.assignee, '')) = 1 THEN any_value(coalesce(t.assignee, '')) ELSE '' END AS assignee
		FROM incident_alerts ia LEFT JOIN alert_triage t ON t.alert_id = ia.alert_id GROUP BY ia.incident_id
	) it ON it.incident_id = incidents.id
	UNION ALL
	SELECT 'alert', a.id, a.rule, a.title, a.severity, a.confidence, to_json(a.attack)::VARCHAR, a.first, a.last, a.entities::VARCHAR,
		len(a.evidence), coalesce(s.score, 0), '', 0, coalesce(s.action, ''), ` + severityRank + `, coalesce(t.status, 'new'), coalesce(t.assignee, '')
	FROM alerts a LEFT JOIN alert_scores s ON s.alert_id = a.id LEFT JOIN alert_triage t ON t.alert_id = a.id
	WHERE s.alert_id IS NULL OR (s.incident_id IS NULL AND s.action <> 'auto-close' AND s.suppressed IS NULL AND s.primary_id = a.id)`

const queueAlertsSQL = `SELECT 'alert' AS kind, id, rule, title, severity, confidence, to_json(attack)::VARCHAR AS attack, first, last,
		entities::VARCHAR AS entities, len(evidence) AS evidence, 0 AS score, '' AS priority, 0 AS alerts, '' AS action, ` + severityRank + ` AS sevrank,
		coalesce(t.status, 'new') AS status, coalesce(t.assignee, '') AS assignee
	FROM alerts LEFT JOIN alert_triage t ON t.alert_id = alerts.id`

var queueOrderBy = map[QueueSort]string{
	SortPriority: `score DESC, sevrank DESC, last DESC NULLS LAST, kind DESC, id DESC`,
	SortNewest:   `last DESC NULLS LAST, kind DESC, id DESC`,
	SortOldest:   `first ASC NULLS LAST, kind DESC, id`,
	SortRule:     `rule, last DESC NULLS LAST, kind DESC, id DESC`,
}

const queueColumns = `kind, id, rule, title, severity, confidence, attack, first, last, entities, evidence, score, priority, alerts, action, status, assignee`

// Queue lists the queue in the query's order, one page at a time (LIMIT/OFFSET in DuckDB).
func (e EngineStore) Queue(ctx context.Context, q QueueQuery) (QueuePage, error) {
	page := QueuePage{Offset: q.Offset}
	scored, err := e.scored(ctx)
	if err != nil {
		return page, fmt.Errorf("loading the queue: %w", err)
	}
	from := queueAlertsSQL
	if scored {
		from = queueScoredSQL
	}
	var where []string
	var args []any
	for _, term := range strings.Fields(q.Filter) {
		// A term is found as written anywhere, or as an abbreviation of the rule name
		// ("sshbf" for ssh_bruteforce): its letters in order.
		where = append(where, `(lower(concat_ws(' ', kind, rule, title, severity, priority, attack, entities, status, assignee)) LIKE ? ESCAPE '\' OR lower(rule) LIKE ? ESCAPE '\')`)
		args = append(args, "%"+engine.LikeEscape(strings.ToLower(term))+"%", fuzzyLike(term))
	}
	cond := ""
	if len(where) > 0 {
		cond = ` WHERE ` + strings.Join(where, ` AND `)
	}
	order, ok := queueOrderBy[q.Sort]
	if !ok {
		order = queueOrderBy[SortPriority]
	}
	sql := `SELECT ` + queueColumns + `, count(*) OVER () FROM (` + from + `)` + cond + ` ORDER BY ` + order + ` LIMIT ? OFFSET ?`
	err = e.S.QueryFunc(ctx, sql, append(args, max(q.Limit, 1), max(q.Offset, 0)), func(_ []string, row []any) error {
		it, err := scanItem(row)
		if err != nil {
			return err
		}
		page.Items = append(page.Items, it)
		page.Total = int(AsInt(row[17]))
		return nil
	})
	if err != nil {
		return page, fmt.Errorf("loading the queue: %w", err)
	}
	if len(page.Items) == 0 && q.Offset > 0 {
		// Past the end: count what there is so the screen can move back.
		err := e.S.QueryFunc(ctx, `SELECT count(*) FROM (`+from+`)`+cond, args, func(_ []string, row []any) error {
			page.Total = int(AsInt(row[0]))
			return nil
		})
		if err != nil {
			return page, fmt.Errorf("counting the queue: %w", err)
		}
	}
	return page, nil
}

// scanItem reads a queue row (queueColumns).
func scanItem(row []any) (QueueItem, error) {
	it := QueueItem{
		Kind:       AsString(row[0]),
		ID:         AsInt(row[1]),
		Rule:       AsString(row[2]),
		Title:      AsString(row[3]),
		Severity:   AsString(row[4]),
		Confidence: asFloat(row[5]),
		First:      asTime(row[7]),
		Last:       asTime(row[8]),
		Evidence:   int(AsInt(row[10])),
		Score:      asFloat(row[11]),
		Priority:   priorityNumber(AsString(row[12])),
		Alerts:     int(AsInt(row[13])),
		Action:     AsString(row[14]),
		Status:     AsString(row[15]),
		Assignee:   AsString(row[16]),
	}
	return it, it.decodeLists(row[6], row[9])
}

// decodeLists fills in the techniques and entities of an item from their JSON columns (an
// attack array and an entities object), leaving out entity kinds with no values.
func (it *QueueItem) decodeLists(attack, entities any) error {
	all := map[string][]string{}
	err := errors.Join(json.Unmarshal([]byte(AsString(attack)), &it.Attack), json.Unmarshal([]byte(AsString(entities)), &all))
	if err != nil {
		return fmt.Errorf("%s %d: %w", it.Kind, it.ID, err)
	}
	it.Entities = map[string][]string{}
	for k, v := range all {
		if len(v) > 0 {
			it.Entities[k] = v
		}
	}
	return nil
}

// priorityNumber is 1 for P1 ... 4 for P4, 0 for none.
func priorityNumber(p string) int {
	if len(p) == 2 && (p[0] == 'P' || p[0] == 'p') && p[1] >= '1' && p[1] <= '9' {
		return int(p[1] - '0')
	}
	return 0
}

// scanAlert reads an alert row (alertColumns).
func scanAlert(row []any) (QueueItem, error) {
	it := QueueItem{
		Kind:       "alert",
		ID:         AsInt(row[0]),
		Rule:       AsString(row[1]),
		Title:      AsString(row[2]),
		Severity:   AsString(row[3]),
		Confidence: asFloat(row[4]),
		First:      asTime(row[6]),
		Last:       asTime(row[7]),
		Evidence:   int(AsInt(row[9])),
	}
	return it, it.decodeLists(row[5], row[8])
}

var _ Store = EngineStore{}

// Alert loads one alert, with its score and factors when the store has scored it.
func (e EngineStore) Alert(ctx context.Context, id int64) (AlertDetail, error) {
	var d AlertDetail
	found := false
	err := e.S.QueryFunc(ctx, `SELECT `+alertColumns+`, run_id, to_json(sources)::VARCHAR, created_at
			FROM alerts WHERE id = ?`, []any{id},
		func(_ []string, row []any) error {
			it, err := scanAlert(row)
			if err != nil {
				return err
			}
			found = true
			d.QueueItem = it
			d.Run = AsInt(row[10])
			d.CreatedAt = derefTime(asTime(row[12]))
			return json.Unmarshal([]byte(AsString(row[11])), &d.Sources)
		})
	if err != nil {
		return d, fmt.Errorf("alert %d: %w", id, err)
	}
	if !found {
		return d, fmt.Errorf("alert %d: %w", id, engine.ErrNoAlert)
	}
	// Its score, if scored: one row, not the whole alert_scores table.
	err = e.S.QueryFunc(ctx, `SELECT score, action, factors::VARCHAR FROM alert_scores WHERE alert_id = ?`, []any{id}, func(_ []string, row []any) error {
		d.Score, d.Action = asFloat(row[0]), AsString(row[1])
		var fs []struct {
			Name   string `json:"name"`
			Points int    `json:"points"`
			Detail string `json:"detail"`
		}
		if err := json.Unmarshal([]byte(AsString(row[2])), &fs); err != nil {
			return err
		}
		for _, f := range fs {
			d.Factors = append(d.Factors, Factor{Name: f.Name, Points: f.Points, Reason: f.Detail})
		}
		return nil
	})
	if err != nil {
		return d, fmt.Errorf("alert %d: score: %w", id, err)
	}
	return d, nil
}

// maxIncidentAlerts bounds the alerts listed for one incident.
const maxIncidentAlerts = 1000

// Incident loads one incident and its alerts (the first maxIncidentAlerts in time order) from
// the last scoring run.
func (e EngineStore) Incident(ctx context.Context, id int64) (IncidentDetail, error) {
	var d IncidentDetail
	inc, err := e.S.Incident(ctx, id)
	if err != nil {
		return d, err
	}
	d.QueueItem = QueueItem{Kind: "incident", ID: inc.ID, Title: inc.Title, Score: float64(inc.Score), Priority: priorityNumber(inc.Priority),
		First: inc.First, Last: inc.Last, Entities: inc.Entities, Alerts: int(inc.Alerts)}
	for _, t := range inc.Techniques {
		d.Attack = append(d.Attack, t.ID)
	}
	d.Rank, d.Tactics, d.Narrative = inc.Rank, inc.Tactics, inc.Narrative
	for _, f := range inc.Factors {
		d.Factors = append(d.Factors, Factor{Name: f.Name, Points: f.Points, Reason: f.Detail})
	}
	// Its alerts from incident_alerts, the table the scoring groups by. (Store.Incident's
	// AlertList goes by alert_scores.incident_id, which the scoring of this version fills with
	// another incident's id; see the report of the workbench change.)
	err = e.S.QueryFunc(ctx, `SELECT 'alert', a.id, a.rule, a.title, a.severity, a.confidence, to_json(a.attack)::VARCHAR, a.first, a.last,
			a.entities::VARCHAR, len(a.evidence), coalesce(s.score, 0), '', 0, coalesce(s.action, ''), coalesce(t.status, 'new'), coalesce(t.assignee, '')
		FROM incident_alerts ia JOIN alerts a ON a.id = ia.alert_id LEFT JOIN alert_scores s ON s.alert_id = a.id
			LEFT JOIN alert_triage t ON t.alert_id = a.id
		WHERE ia.incident_id = ? ORDER BY a.first NULLS LAST, a.id LIMIT ?`, []any{id, maxIncidentAlerts}, func(_ []string, row []any) error {
		it, err := scanItem(row)
		if err == nil {
			d.AlertList = append(d.AlertList, it)
		}
		return err
	})
	if err != nil {
		return d, fmt.Errorf("incident %d: alerts: %w", id, err)
	}
	return d, nil
}

// Evidence pages through an alert's evidence events with the columns `trawl alerts --explain`
// shows (engine.AlertEvidence), the page cut in DuckDB.
func (e EngineStore) Evidence(ctx context.Context, alert int64, offset, limit int) (Rows, error) {
	r := Rows{Offset: offset}
	// The page is cut from the evidence list before the join, so only its events are looked up.
	lo, hi := max(offset, 0)+1, max(offset, 0)+max(limit, 1)
	err := e.S.QueryFunc(ctx, `SELECT e.id, e.time, e.source_type AS source, f.path AS file, e.line, e.category, e.action, e.outcome,
			e.host, e."user", e.src_ip, e.dst_ip, e.process_name, e.command_line, coalesce(e.message, e.raw) AS text, a.total
		FROM (SELECT unnest(evidence[? : ?]) AS eid, generate_subscripts(evidence[? : ?], 1) AS pos, len(evidence) AS total FROM alerts WHERE id = ?) a
		JOIN events e ON e.id = a.eid
		LEFT JOIN files f ON f.id = e.file_id
		ORDER BY a.pos`, []any{lo, hi, lo, hi, alert}, func(cols []string, row []any) error {
		if r.Cols == nil {
			r.Cols = append([]string(nil), cols[:len(cols)-1]...)
		}
		r.Total = int(AsInt(row[len(row)-1]))
		r.Rows = append(r.Rows, append([]any(nil), row[:len(row)-1]...)) // QueryFunc reuses row
		return nil
	})
	if err != nil {
		return r, fmt.Errorf("evidence of alert %d: %w", alert, err)
	}
	return r, nil
}

// Record loads one event's raw text and fields.
func (e EngineStore) Record(ctx context.Context, id int64) (Record, error) {
	rec := Record{ID: id}
	found := false
	err := e.S.QueryFunc(ctx, `SELECT f.path, e.line, e.raw, e.fields FROM events e LEFT JOIN files f ON f.id = e.file_id WHERE e.id = ?`, []any{id},
		func(_ []string, row []any) error {
			found = true
			rec.File, rec.Line, rec.Raw, rec.Fields = AsString(row[0]), AsInt(row[1]), AsString(row[2]), AsString(row[3])
			return nil
		})
	if err != nil {
		return rec, fmt.Errorf("event %d: %w", id, err)
	}
	if !found {
		return rec, fmt.Errorf("event %d: no such event", id)
	}
	return rec, nil
}

// KPIs computes the SOC measures over every case in the store.
func (e EngineStore) KPIs(ctx context.Context) (cases.KPIs, error) {
	// An old store opened read-only may have no case tables: then it has no cases yet.
	var all []*cases.Case
	ok, err := e.S.HasTable(ctx, "cases")
	if err == nil && ok {
		all, err = e.S.CasesForMetrics(ctx)
	}
	if err != nil {
		return cases.KPIs{}, fmt.Errorf("loading the cases for the KPIs: %w", err)
	}
	return cases.ComputeKPIs(all, time.Time{}, time.Time{}), nil
}

// Overview summarises the store in a few aggregate queries.
func (e EngineStore) Overview(ctx context.Context, buckets, top int) (Overview, error) {
	var o Overview
	buckets = max(buckets, 1)
	var first, last *time.Time
	err := e.S.QueryFunc(ctx, `SELECT min(time), max(time), count(*), (SELECT count(*) FROM alerts) FROM events`, nil, func(_ []string, row []any) error {
		first, last = asTime(row[0]), asTime(row[1])
		o.Events, o.Alerts = AsInt(row[2]), AsInt(row[3])
		return nil
	})
	if err != nil {
		return o, fmt.Errorf("overview: %w", err)
	}
	if first != nil && last != nil {
		o.From, o.To = *first, *last
		span := last.Sub(*first) + time.Microsecond
		o.Bucket = max((span+time.Duration(buckets)-1)/time.Duration(buckets), time.Microsecond)
		idx := map[string]int{}
		err = e.S.QueryFunc(ctx, `SELECT source_type, least((epoch_us(time) - ?) // ?, ?) AS b, count(*) FROM events WHERE time IS NOT NULL GROUP BY ALL ORDER BY 1, 2`,
			[]any{first.UnixMicro(), o.Bucket.Microseconds(), buckets - 1}, func(_ []string, row []any) error {
				src := AsString(row[0])
				i, ok := idx[src]
				if !ok {
					i = len(o.Sources)
					idx[src] = i
					o.Sources = append(o.Sources, SourceVolume{Source: src, Counts: make([]int64, buckets)})
				}
				b, n := int(AsInt(row[1])), AsInt(row[2])
				if b >= 0 && b < buckets {
					o.Sources[i].Counts[b] += n
				}
				o.Sources[i].Total += n
				return nil
			})
		if err != nil {
			return o, fmt.Errorf("overview: event volume: %w", err)
		}
		sort.SliceStable(o.Sources, func(i, j int) bool { return o.Sources[i].Total > o.Sources[j].Total })
	}
	// Alerts by tactic: each distinct technique list once, with its number of alerts.
	tactics := map[string]*TacticCount{}
	err = e.S.QueryFunc(ctx, `SELECT to_json(list_sort(attack))::VARCHAR, count(*) FROM alerts GROUP BY 1`, nil, func(_ []string, row []any) error {
		var ids []string
		if err := json.Unmarshal([]byte(AsString(row[0])), &ids); err != nil {
			return err
		}
		seen := map[string]bool{}
		for _, id := range ids {
			for _, ta := range attack.Resolve(id).Tactics {
				if seen[ta.Name] {
					continue
				}
				seen[ta.Name] = true
				tc := tactics[ta.Name]
				if tc == nil {
					tc = &TacticCount{Tactic: ta.Name, Order: ta.Order}
					tactics[ta.Name] = tc
				}
				tc.Alerts += AsInt(row[1])
			}
		}
		return nil
	})
	if err != nil {
		return o, fmt.Errorf("overview: alerts by tactic: %w", err)
	}
	for _, tc := range tactics {
		o.Tactics = append(o.Tactics, *tc)
	}
	sort.Slice(o.Tactics, func(i, j int) bool { return o.Tactics[i].Order < o.Tactics[j].Order })
	// Top entities: by risk once scored, else by the number of alerts naming them.
	scored, err := e.scored(ctx)
	if err != nil {
		return o, fmt.Errorf("overview: %w", err)
	}
	if scored {
		o.Scored = true
		err = e.S.QueryFunc(ctx, `SELECT kind, value, alerts, risk FROM entity_risk WHERE NOT hub ORDER BY risk DESC, kind, value LIMIT ?`,
			[]any{max(top, 1)}, func(_ []string, row []any) error {
				o.Entities = append(o.Entities, EntityCount{Kind: AsString(row[0]), Value: AsString(row[1]), Alerts: AsInt(row[2]), Risk: asFloat(row[3])})
				return nil
			})
		if err != nil {
			return o, fmt.Errorf("overview: entity risk: %w", err)
		}
		return o, nil
	}
	var kinds []string
	for _, k := range engine.AlertEntityKinds {
		kinds = append(kinds, `SELECT '`+k.Kind+`' AS kind, unnest(from_json(json_extract(entities, '$.`+k.Kind+`'), '["VARCHAR"]')) AS value FROM alerts`)
	}
	err = e.S.QueryFunc(ctx, `SELECT kind, value, count(*) AS n FROM (`+strings.Join(kinds, ` UNION ALL `)+`) WHERE value IS NOT NULL GROUP BY ALL ORDER BY n DESC, kind, value LIMIT ?`,
		[]any{max(top, 1)}, func(_ []string, row []any) error {
			o.Entities = append(o.Entities, EntityCount{Kind: AsString(row[0]), Value: AsString(row[1]), Alerts: AsInt(row[2])})
			return nil
		})
	if err != nil {
		return o, fmt.Errorf("overview: top entities: %w", err)
	}
	return o, nil
}

// AsInt reads a whole number from a DuckDB result cell of any integer (or double) type; NULL
// and other types read as 0. Shared with the screens that query the store themselves.
func AsInt(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case int32:
		return int64(x)
	case int:
		return int64(x)
	case uint64:
		return int64(x)
	case float64:
		return int64(x)
	}
	return 0
}

func asFloat(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case float32:
		return float64(x)
	case int64:
		return float64(x)
	case int32:
		return float64(x)
	}
	return 0
}

// AsString reads text from a DuckDB result cell: NULL is empty, bytes are taken as text, and
// anything else is printed with fmt.Sprint.
func AsString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []byte:
		return string(x)
	}
	return fmt.Sprint(v)
}

func asTime(v any) *time.Time {
	if t, ok := v.(time.Time); ok {
		u := t.UTC()
		return &u
	}
	return nil
}

func derefTime(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}
