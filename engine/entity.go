package engine

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"trawl/event"
)

// EntityProfileOptions bound an entity profile. Zero values take the defaults.
type EntityProfileOptions struct {
	From, To time.Time // only events (and alerts overlapping) in [From, To); zero: unbounded
	Limit    int       // timeline events, default 50
	Related  int       // related entities per kind, default 5
	Alerts   int       // alerts listed, default 50 (AlertsTotal counts all)
	Days     int       // days of the activity sparkline, at most, ending at the last active day; default 90
	// Sections chooses the sections read (zero: all). The others stay empty: a caller that
	// pages the events itself (the TUI's entity view) leaves out the timeline, and one that
	// draws the summary first asks for the slower intel and related entities separately.
	Sections ProfileSection
}

// ProfileSection is a set of sections of an entity profile.
type ProfileSection uint8

const (
	// ProfileSummary is the counts, first and last seen and activity (Sources), the context,
	// the alerts and the risk.
	ProfileSummary ProfileSection = 1 << iota
	ProfileIntel
	ProfileRelated
	ProfileTimeline
	ProfileAll = ProfileSummary | ProfileIntel | ProfileRelated | ProfileTimeline
)

// maxProfileRows caps the timeline, alerts and related entities of a profile (and so the
// event ids the timeline binds): a profile is a summary; trawl events lists more.
const maxProfileRows = 10000

func (o *EntityProfileOptions) defaults() {
	if o.Limit <= 0 {
		o.Limit = 50
	}
	if o.Related <= 0 {
		o.Related = 5
	}
	if o.Alerts <= 0 {
		o.Alerts = 50
	}
	if o.Days <= 0 {
		o.Days = 90
	}
	if o.Sections == 0 {
		o.Sections = ProfileAll
	}
	o.Limit, o.Related, o.Alerts, o.Days = min(o.Limit, maxProfileRows), min(o.Related, maxProfileRows), min(o.Alerts, maxProfileRows), min(o.Days, 3660)
}

// EntityProfile is everything the store knows about one entity: the JSON form of trawl entity
// show (documented in docs/entity.md) and the TUI's entity screen.
type EntityProfile struct {
	Kind        string         `json:"kind"`
	Value       string         `json:"value"`    // as asked
	Key         string         `json:"key"`      // the resolution key (user key, host key, address, ...)
	Keys        []string       `json:"keys"`     // every key searched: Key and its aliases from the context tables
	Identity    string         `json:"identity"` // the identity (users) or asset (hosts) the aliases came from
	From        *time.Time     `json:"from"`
	To          *time.Time     `json:"to"`
	Events      int64          `json:"events"`
	First       *time.Time     `json:"first_seen"`
	Last        *time.Time     `json:"last_seen"`
	Sources     []EntitySource `json:"sources"`
	Activity    []DayCount     `json:"activity"`  // events per day, gaps filled, the last Days days to the last active one
	Sparkline   string         `json:"sparkline"` // Activity as block characters, one per day
	Context     *EntityContext `json:"-"`         // the context tables' answer (EntityContext)
	ContextInfo map[string]any `json:"context"`   // Context for JSON: {"identity": {...}, "alias": ..., "assets": [...]}
	Intel       []EntityIntel  `json:"intel"`
	Alerts      []EntityAlert  `json:"alerts"`
	// AlertsTotal counts every alert involving the entity (Alerts lists the first ones).
	AlertsTotal int64           `json:"alerts_total"`
	Related     []RelatedEntity `json:"related"`
	Timeline    []TimelineEvent `json:"timeline"`
	// Risk is the entity's accumulated risk from the last scoring run (Store.EntityRisk); nil
	// when the alerts have not been scored or the entity has no risk.
	Risk *EntityRiskRow `json:"risk"`
}

// EntitySource is the entity's activity in one source.
type EntitySource struct {
	Source     string     `json:"source"`
	SourceType string     `json:"source_type"`
	Events     int64      `json:"events"`
	First      *time.Time `json:"first_seen"`
	Last       *time.Time `json:"last_seen"`
}

// DayCount is the number of events on one UTC day.
type DayCount struct {
	Day    string `json:"day"` // YYYY-MM-DD
	Events int64  `json:"events"`
}

// EntityIntel is a live indicator matching a field of the entity's events (for an address,
// domain or hash, that includes the entity itself: Self).
type EntityIntel struct {
	Field      string     `json:"field"` // src_ip, dst_ip, domain, url, hash
	Value      string     `json:"value"`
	Self       bool       `json:"self"`       // the value is the entity itself
	MatchedBy  string     `json:"matched_by"` // exact, cidr, parent-domain
	Type       string     `json:"type"`
	Indicator  string     `json:"indicator"`
	Source     string     `json:"source"`
	Confidence *int64     `json:"confidence"`
	ValidUntil *time.Time `json:"valid_until"`
	Name       string     `json:"name"`
	Events     int64      `json:"events"`
	First      *time.Time `json:"first_seen"`
	Last       *time.Time `json:"last_seen"`
}

// EntityAlert is an alert that names the entity among its entities.
type EntityAlert struct {
	ID         int64      `json:"id"`
	Rule       string     `json:"rule"`
	Title      string     `json:"title"`
	Severity   string     `json:"severity"`
	Confidence float64    `json:"confidence"`
	Attack     []string   `json:"attack"`
	First      *time.Time `json:"first"`
	Last       *time.Time `json:"last"`
	Suppressed []string   `json:"suppressed"` // suppressions hiding it (docs/suppression.md)
}

// RelatedEntity is an entity seen in the same events, with how many.
type RelatedEntity struct {
	Kind   string `json:"kind"`
	Value  string `json:"value"`
	Events int64  `json:"events"`
}

// TimelineEvent is one event of the entity's timeline.
type TimelineEvent struct {
	ID          int64      `json:"id"`
	Time        *time.Time `json:"time"`
	Source      string     `json:"source"`
	SourceType  string     `json:"source_type"`
	Category    string     `json:"category"`
	EventCode   string     `json:"event_code"`
	Action      string     `json:"action"`
	Outcome     string     `json:"outcome"`
	Host        string     `json:"host"`
	User        string     `json:"user"`
	SrcIP       string     `json:"src_ip"`
	DstIP       string     `json:"dst_ip"`
	DstPort     *int64     `json:"dst_port"`
	Process     string     `json:"process_name"`
	CommandLine string     `json:"command_line"`
	Domain      string     `json:"domain"`
	URL         string     `json:"url"`
	Message     string     `json:"message"`
}

// entityAlertKeys are the alerts.entities keys each entity kind is found under.
var entityAlertKeys = map[event.Entity][]string{
	event.EntityUser:    {"user", "target_user"},
	event.EntityHost:    {"host"},
	event.EntityIP:      {"src_ip", "dst_ip"},
	event.EntityProcess: {"process"},
	event.EntityDomain:  {"domain"},
	event.EntityHash:    {"hash"},
}

// relatedKind is the kind name related entities use for an entity kind (as in the entities view).
var relatedKind = map[event.Entity]string{
	event.EntityUser: "user", event.EntityHost: "host", event.EntityIP: "ip", event.EntityProcess: "process",
	event.EntityDomain: "domain", event.EntityHash: "hash",
}

// maxAliasKeys bounds the aliases an entity is searched by.
const maxAliasKeys = 64

// EntityProfile gathers an entity's profile. Every section reads the events through the entity
// key columns (user_key, target_user_key, host_key, src_ip, dst_ip, ...), bounded by LIMITs; only
// the alerts section reads alerts.entities, the one place alert entities are kept.
func (s *Store) EntityProfile(ctx context.Context, kind event.Entity, value string, opt EntityProfileOptions) (*EntityProfile, error) {
	opt.defaults()
	p := &EntityProfile{Kind: kind.String(), Value: value}
	if !opt.From.IsZero() {
		f := opt.From.UTC()
		p.From = &f
	}
	if !opt.To.IsZero() {
		t := opt.To.UTC()
		p.To = &t
	}
	if err := s.resolveEntity(ctx, kind, value, p); err != nil {
		return nil, err
	}
	rows, args, err := entityRows(kind, value, p.Keys, p.From, p.To)
	if err != nil {
		return nil, err
	}
	// Counts and activity come from entity_activity, and related entities from entity_related,
	// when the entity summary (summary.go) covers every event (and, for related entities, kept
	// them): the same sums over far fewer rows, each weighing its count. A time window finer than
	// its hours, files (not in it) and an old store read the events, and so do the related
	// entities of a user with aliases (whose events may name two of its keys, and would count
	// twice; its counts take away entity_user_pairs). Each import's rows of an entity
	// are together (zone maps skip the rest).
	actRows, actArgs, actSummary := rows, args, false
	relRows, relArgs, relSummary := rows, args, false
	if p.From == nil && p.To == nil && kind != event.EntityFile && opt.Sections&(ProfileSummary|ProfileRelated) != 0 {
		if covers, related := s.summaryState(ctx); covers {
			cond, cargs, err := keyCondition(kind, value, p.Keys)
			switch {
			case err == nil:
				actRows, actArgs, actSummary = "entity_activity AS events WHERE "+cond, cargs, true
				if related {
					relRows, relArgs, relSummary = "entity_related AS events WHERE "+cond, cargs, true
				}
			case errors.Is(err, errMultiKey):
				// An event naming two of the keys (acting and target) is in both keys' rows:
				// entity_user_pairs counts it once more, to take away.
				marks, k := keyArgs(p.Keys)
				actRows = `(SELECT source, source_type, hour, events, first, last FROM entity_activity WHERE kind = 'user' AND key IN (` + marks + `)
					UNION ALL SELECT source, source_type, hour, -events, NULL::TIMESTAMP, NULL::TIMESTAMP FROM entity_user_pairs
					WHERE user_key IN (` + marks + `) AND target_user_key IN (` + marks + `)) AS events`
				actArgs, actSummary = append(append(append([]any{}, k...), k...), k...), true
			default:
				return nil, err
			}
		}
	}
	// The sections read separate fields of p and run at once, each on its own connection of the
	// pool: the profile takes as long as its slowest section, not their sum. Sources and
	// activity come from one scan (profileSourcesActivity).
	var steps []func(ctx context.Context) error
	if opt.Sections&ProfileSummary != 0 {
		steps = append(steps,
			func(ctx context.Context) error {
				return s.profileSourcesActivity(ctx, p, actRows, actArgs, actSummary, opt.Days)
			},
			func(ctx context.Context) error {
				ec, err := s.EntityContext(ctx, kind, value)
				p.Context, p.ContextInfo = ec, contextInfo(ec)
				return err
			},
			func(ctx context.Context) error { return s.profileAlerts(ctx, p, kind, opt) },
			func(ctx context.Context) error {
				if kind == event.EntityFile {
					return nil
				}
				r, err := s.EntityRisk(ctx, kind.String(), p.Key)
				if errors.Is(err, ErrNotScored) {
					return nil
				}
				p.Risk = r
				return err
			})
	}
	if opt.Sections&ProfileIntel != 0 {
		steps = append(steps, func(ctx context.Context) error { return s.profileIntel(ctx, p, rows, args) })
	}
	if opt.Sections&ProfileRelated != 0 {
		steps = append(steps, func(ctx context.Context) error {
			return s.profileRelated(ctx, p, kind, relRows, relArgs, relSummary, opt.Related)
		})
	}
	p.Timeline = []TimelineEvent{}
	if opt.Sections&ProfileTimeline != 0 {
		steps = append(steps, func(ctx context.Context) error { return s.profileTimeline(ctx, p, rows, args, opt.Limit) })
	}
	if err := runSections(ctx, steps); err != nil {
		return nil, fmt.Errorf("entity %s=%s: %w", p.Kind, p.Value, err)
	}
	return p, nil
}

// resolveEntity sets Key, Keys and Identity: a user through the identity aliases, a host
// through the host names of its asset; other kinds are their normalized value.
func (s *Store) resolveEntity(ctx context.Context, kind event.Entity, value string, p *EntityProfile) error {
	var err error
	if p.Key, err = entityKey(kind, strings.TrimSpace(value)); err != nil {
		return err
	}
	var alias string
	switch kind {
	case event.EntityUser:
		alias = `SELECT identity, alias_key FROM identity_aliases WHERE identity = (SELECT identity FROM identity_aliases WHERE alias_key = ? ORDER BY identity LIMIT 1)`
	case event.EntityHost:
		alias = `SELECT asset_key, value FROM asset_keys WHERE kind = 'host' AND asset_key = (SELECT asset_key FROM asset_keys WHERE kind = 'host' AND value = ? ORDER BY asset_key LIMIT 1)`
	}
	if p.Key == "" {
		return fmt.Errorf("%s=%q names no %s", kind, value, kind)
	}
	p.Keys = []string{p.Key}
	if alias == "" {
		return nil
	}
	t, err := s.Query(ctx, alias+` ORDER BY 2 LIMIT `+fmt.Sprint(maxAliasKeys), p.Key)
	if err != nil {
		return fmt.Errorf("resolving %s=%s: %w", kind, value, err)
	}
	for _, r := range t.Rows {
		p.Identity = text(r[0])
		if k := text(r[1]); k != p.Key {
			p.Keys = append(p.Keys, k)
		}
	}
	return nil
}

// entityRows is the entity's events in [from, to) as the text after FROM, with bound args:
// "events WHERE <condition>", or for an entity found in either of two columns (users: acting or
// target; addresses: source or destination) the union of two scans, each filtering on one
// column: DuckDB pushes such a filter into the scan and reads the other columns only where it
// matched, whereas an OR over two columns is filtered after every column of every row is read.
// The second scan leaves out the rows the first has, so each event counts once.
func entityRows(kind event.Entity, value string, keys []string, from, to *time.Time) (string, []any, error) {
	window, wargs := "", []any{}
	if from != nil {
		window += " AND time >= ?"
		wargs = append(wargs, *from)
	}
	if to != nil {
		window += " AND time < ?"
		wargs = append(wargs, *to)
	}
	union := func(a, b string, aArgs, bArgs []any) (string, []any) {
		args := append(append(append(append([]any{}, aArgs...), wargs...), bArgs...), wargs...)
		return "(SELECT * FROM events WHERE " + a + window + " UNION ALL SELECT * FROM events WHERE " + b + window + ") AS events", args
	}
	switch kind {
	case event.EntityUser:
		marks, k := keyArgs(keys)
		rows, args := union("user_key IN ("+marks+")", "target_user_key IN ("+marks+") AND (user_key IS NULL OR user_key NOT IN ("+marks+"))",
			k, append(append([]any{}, k...), k...))
		return rows, args, nil
	case event.EntityIP:
		ip := event.NormalizeIP(value)
		if ip == "" {
			return "", nil, fmt.Errorf("%q is not an IP address", value)
		}
		rows, args := union("src_ip = ?", "dst_ip = ? AND (src_ip IS NULL OR src_ip <> ?)", []any{ip}, []any{ip, ip})
		return rows, args, nil
	}
	where, args, err := entityWhere(kind, value, keys)
	if err != nil {
		return "", nil, err
	}
	return "events WHERE " + where + window, append(args, wargs...), nil
}

// keyArgs is keys as bound args and their placeholders, "?, ?, ...".
func keyArgs(keys []string) (string, []any) {
	args := make([]any, len(keys))
	for i, k := range keys {
		args[i] = k
	}
	return sqlMarks(len(keys)), args
}

// sqlMarks is n comma-separated parameter marks, "?, ?, ...".
func sqlMarks(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }

// entityWhere is the events condition for an entity and its keys, with bound args.
func entityWhere(kind event.Entity, value string, keys []string) (string, []any, error) {
	in := func(col string) (string, []any) {
		marks, args := keyArgs(keys)
		return col + " IN (" + marks + ")", args
	}
	switch kind {
	case event.EntityUser:
		a, aa := in("user_key")
		b, ba := in("target_user_key")
		return "(" + a + " OR " + b + ")", append(aa, ba...), nil
	case event.EntityHost:
		w, a := in("host_key")
		return "(" + w + ")", a, nil
	}
	w, a, err := EntityCondition(kind, value)
	if err != nil {
		return "", nil, err
	}
	return "(" + w + ")", a, nil
}

// runSections runs the sections at once and returns the error of the first section (in their
// order) that failed; one failing cancels the others.
func runSections(ctx context.Context, steps []func(ctx context.Context) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make([]error, len(steps))
	var wg sync.WaitGroup
	for i, step := range steps {
		wg.Go(func() {
			if errs[i] = step(ctx); errs[i] != nil {
				cancel()
			}
		})
	}
	wg.Wait()
	// A section cancelled because another failed reports context.Canceled; the cause comes first.
	var first error
	for _, err := range errs {
		if err != nil && !errors.Is(err, context.Canceled) {
			return err
		}
		if first == nil {
			first = err
		}
	}
	return first
}

// profileSourcesActivity sets Sources, Events, First, Last, Activity and Sparkline from one scan
// of the events (or, with summary, of rows of entity_activity): counts per source and UTC day,
// summed per source, and per day for the last days active days up to the last active one.
func (s *Store) profileSourcesActivity(ctx context.Context, p *EntityProfile, rows string, args []any, summary bool, days int) error {
	type key struct{ source, sourceType string }
	bySource := map[key]*EntitySource{}
	var order []key
	perDay := map[string]int64{}
	q := `SELECT source, source_type, strftime(time, '%Y-%m-%d'), count(*), min(time), max(time) FROM ` + rows + ` GROUP BY ALL`
	if summary {
		q = `SELECT source, source_type, strftime(hour, '%Y-%m-%d'), sum(events)::BIGINT, min(first), max(last) FROM ` + rows + ` GROUP BY ALL`
	}
	err := s.QueryFunc(ctx, q, args, func(_ []string, r []any) error {
		k := key{text(r[0]), text(r[1])}
		src := bySource[k]
		if src == nil {
			src = &EntitySource{Source: k.source, SourceType: k.sourceType}
			bySource[k] = src
			order = append(order, k)
		}
		n, first, last := intOf(r[3]), anyTime(r[4]), anyTime(r[5])
		src.Events += n
		if first != nil && (src.First == nil || first.Before(*src.First)) {
			src.First = first
		}
		if last != nil && (src.Last == nil || last.After(*src.Last)) {
			src.Last = last
		}
		if r[2] != nil {
			perDay[text(r[2])] += n
		}
		return nil
	})
	if err != nil {
		return err
	}
	p.Sources = []EntitySource{}
	for _, k := range order {
		src := *bySource[k]
		p.Sources = append(p.Sources, src)
		p.Events += src.Events
		if src.First != nil && (p.First == nil || src.First.Before(*p.First)) {
			p.First = src.First
		}
		if src.Last != nil && (p.Last == nil || src.Last.After(*p.Last)) {
			p.Last = src.Last
		}
	}
	// As ORDER BY events DESC, source, source_type.
	slices.SortFunc(p.Sources, func(a, b EntitySource) int {
		if c := cmp.Compare(b.Events, a.Events); c != 0 {
			return c
		}
		if c := strings.Compare(a.Source, b.Source); c != 0 {
			return c
		}
		return strings.Compare(a.SourceType, b.SourceType)
	})
	p.Activity = []DayCount{}
	if p.Last == nil {
		return nil
	}
	lastDay := p.Last.Truncate(24 * time.Hour)
	firstDay := p.First.Truncate(24 * time.Hour)
	if min := lastDay.AddDate(0, 0, -(days - 1)); firstDay.Before(min) {
		firstDay = min
	}
	for d := firstDay; !d.After(lastDay); d = d.AddDate(0, 0, 1) {
		day := d.Format("2006-01-02")
		p.Activity = append(p.Activity, DayCount{Day: day, Events: perDay[day]})
	}
	p.Sparkline = Sparkline(p.Activity)
	return nil
}

func anyTime(v any) *time.Time {
	t, ok := v.(time.Time)
	if !ok {
		return nil
	}
	u := t.UTC()
	return &u
}

// sparkBlocks are the levels of a sparkline, lowest first; a day without events is a space.
var sparkBlocks = []rune("▁▂▃▄▅▆▇█")

// Sparkline draws day counts as block characters, scaled to the busiest day.
func Sparkline(days []DayCount) string {
	var max int64
	for _, d := range days {
		if d.Events > max {
			max = d.Events
		}
	}
	var b strings.Builder
	for _, d := range days {
		if d.Events <= 0 {
			b.WriteByte(' ')
			continue
		}
		level := int((d.Events*int64(len(sparkBlocks)) - 1) / max)
		b.WriteRune(sparkBlocks[min(level, len(sparkBlocks)-1)])
	}
	return b.String()
}

// profileIntel matches the entity's events against live indicators, as the intel_matches view
// does for the whole store (addresses exactly and by network, domains exactly and by parent
// domain, URLs, hashes) but only over the distinct values of these events.
func (s *Store) profileIntel(ctx context.Context, p *EntityProfile, rows string, args []any) error {
	p.Intel = []EntityIntel{}
	var n int64
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM intel LIMIT 1)`).Scan(&n); err != nil || n == 0 {
		return err
	}
	q := `WITH e AS (SELECT id, time, src_ip, dst_ip, lower(rtrim(domain, '.')) AS domain, url, lower(hash) AS hash FROM ` + rows + `),
	vals AS (
		SELECT time, 'src_ip' AS field, src_ip AS value FROM e WHERE src_ip IS NOT NULL
		UNION ALL SELECT time, 'dst_ip', dst_ip FROM e WHERE dst_ip IS NOT NULL
		UNION ALL SELECT time, 'domain', domain FROM e WHERE domain IS NOT NULL AND domain <> ''
		UNION ALL SELECT time, 'url', url FROM e WHERE url IS NOT NULL AND contains(url, '://')
		UNION ALL SELECT time, 'hash', hash FROM e WHERE hash IS NOT NULL
	),
	dv AS (SELECT DISTINCT field, value FROM vals),
	ips AS (SELECT field, value, trawl_ip_num(value) AS num FROM dv WHERE field IN ('src_ip', 'dst_ip')),
	prefixes AS (SELECT DISTINCT ip_bits FROM intel WHERE ip_bits IS NOT NULL),
	ip_nets AS (SELECT ips.field, ips.value, p.ip_bits AS bits, trawl_net_of(ips.num, p.ip_bits) AS net FROM ips CROSS JOIN prefixes p WHERE ips.num IS NOT NULL),
	names AS (
		SELECT value, unnest(list_transform(range(1, greatest(len(string_split(value, '.')), 2)),
		                                    lambda k: array_to_string(string_split(value, '.')[k:], '.'))) AS suffix
		FROM dv WHERE field = 'domain'
	),
	hits AS (
		SELECT n.field, n.value, i.id AS intel_id, CASE WHEN i.type = 'cidr' THEN 'cidr' ELSE 'exact' END AS how
		FROM ip_nets n JOIN intel i ON i.ip_bits = n.bits AND i.ip_lo = n.net
		UNION ALL
		SELECT 'domain', n.value, i.id, CASE WHEN n.suffix = n.value THEN 'exact' ELSE 'parent-domain' END
		FROM names n JOIN intel i ON i.type = 'domain' AND i.value = n.suffix
		UNION ALL
		SELECT 'url', d.value, i.id, 'exact' FROM dv d JOIN intel i ON d.field = 'url' AND i.type = 'url' AND lower(rtrim(i.value, '/')) = lower(rtrim(d.value, '/'))
		UNION ALL
		SELECT 'hash', d.value, i.id, 'exact' FROM dv d JOIN intel i ON d.field = 'hash' AND i.type IN ('md5', 'sha1', 'sha256', 'sha512') AND i.value = d.value
	)
	SELECT h.field, h.value, h.how, i.type, i.value, i.source, i.confidence, i.valid_until, coalesce(i.name, i.indicator_id),
	       count(*), min(v.time), max(v.time)
	FROM hits h JOIN vals v ON v.field = h.field AND v.value = h.value JOIN intel i ON i.id = h.intel_id
	WHERE i.valid_until IS NULL OR coalesce(v.time, now()::TIMESTAMP) < i.valid_until
	GROUP BY ALL ORDER BY i.confidence DESC NULLS LAST, 10 DESC, 5, 1, 2 LIMIT 100`
	return s.QueryFunc(ctx, q, args, func(_ []string, r []any) error {
		hit := EntityIntel{Field: text(r[0]), Value: text(r[1]), MatchedBy: text(r[2]), Type: text(r[3]), Indicator: text(r[4]),
			Source: text(r[5]), ValidUntil: anyTime(r[7]), Name: text(r[8]), Events: intOf(r[9]), First: anyTime(r[10]), Last: anyTime(r[11])}
		if r[6] != nil {
			c := intOf(r[6])
			hit.Confidence = &c
		}
		hit.Self = strings.EqualFold(hit.Value, p.Key)
		p.Intel = append(p.Intel, hit)
		return nil
	})
}

// profileAlerts lists the alerts whose entities hold one of the entity's keys (values compared
// lower-case), overlapping the time window, in time order.
func (s *Store) profileAlerts(ctx context.Context, p *EntityProfile, kind event.Entity, opt EntityProfileOptions) error {
	p.Alerts = []EntityAlert{}
	keys := entityAlertKeys[kind]
	if len(keys) == 0 {
		return nil
	}
	var lists []string
	for _, k := range keys {
		// k is one of the constant names above, never input.
		lists = append(lists, `coalesce(from_json(entities -> '`+k+`', '["VARCHAR"]'), [])`)
	}
	lower := make([]string, len(p.Keys))
	for i, k := range p.Keys {
		lower[i] = strings.ToLower(k)
	}
	cond := `list_has_any(list_transform(flatten([` + strings.Join(lists, ", ") + `]), lambda v: lower(v)), from_json(?, '["VARCHAR"]'))`
	args := []any{jsonArray(lower)}
	if kind == event.EntityDomain {
		// A domain's events include its subdomains' (EntityCondition); so do its alerts.
		cond = `(` + cond + ` OR len(list_filter(` + lists[0] + `, lambda v: ends_with(lower(v), ?))) > 0)`
		args = append(args, "."+p.Key)
	}
	// A cheap text test first: each key lower-case inside the JSON text. JSON escapes only
	// quotes, backslashes and control characters (and, in some writers, non-ASCII), so plain
	// ASCII keys are found as they are; with any other key the test is left out.
	plain := true
	for _, k := range lower {
		plain = plain && !strings.ContainsFunc(k, func(r rune) bool { return r < 0x20 || r > 0x7e || r == '"' || r == '\\' })
	}
	if plain {
		pre := make([]string, len(lower))
		preArgs := make([]any, len(lower))
		for i, k := range lower {
			pre[i], preArgs[i] = `contains(lower(entities::VARCHAR), ?)`, k
		}
		cond = `(` + strings.Join(pre, " OR ") + `) AND ` + cond
		args = append(preArgs, args...)
	}
	if p.From != nil {
		cond += ` AND (last IS NULL OR last >= ?)`
		args = append(args, *p.From)
	}
	if p.To != nil {
		cond += ` AND (first IS NULL OR first < ?)`
		args = append(args, *p.To)
	}
	q := `WITH m AS (SELECT id, rule, title, severity, confidence, to_json(attack)::VARCHAR AS attack, first, last,
			count(*) OVER () AS total
		FROM alerts WHERE ` + cond + ` ORDER BY first NULLS LAST, id LIMIT ?)
		SELECT m.*, coalesce((SELECT to_json(list(x.suppression ORDER BY x.suppression)) FROM alert_suppressions x WHERE x.alert_id = m.id), '[]')::VARCHAR
		FROM m ORDER BY first NULLS LAST, id`
	args = append(args, opt.Alerts)
	return s.QueryFunc(ctx, q, args, func(_ []string, r []any) error {
		a := EntityAlert{ID: intOf(r[0]), Rule: text(r[1]), Title: text(r[2]), Severity: text(r[3]), First: anyTime(r[6]), Last: anyTime(r[7])}
		a.Confidence, _ = r[4].(float64)
		p.AlertsTotal = intOf(r[8])
		if err := json.Unmarshal([]byte(text(r[5])), &a.Attack); err != nil {
			return err
		}
		if err := json.Unmarshal([]byte(text(r[9])), &a.Suppressed); err != nil {
			return err
		}
		if a.Attack == nil {
			a.Attack = []string{}
		}
		if a.Suppressed == nil {
			a.Suppressed = []string{}
		}
		p.Alerts = append(p.Alerts, a)
		return nil
	})
}

// profileRelated counts the entities seen in the entity's events, top n per kind, the entity
// itself left out. With summary the rows are the entity's rows of entity_related, each
// counting for its events (relatedFromSummary).
func (s *Store) profileRelated(ctx context.Context, p *EntityProfile, kind event.Entity, rows string, args []any, summary bool, n int) error {
	p.Related = []RelatedEntity{}
	if summary {
		return s.relatedFromSummary(ctx, p, kind, rows, args, n)
	}
	// One pass over the events, counted per column with grouping sets; each result row has
	// exactly one column set (the others are NULL), which says its kind. A target user equal to
	// the acting one, or a destination equal to the source, is not counted twice.
	q := `WITH e AS (
		SELECT user_key AS u, CASE WHEN target_user_key IS DISTINCT FROM user_key THEN target_user_key END AS tu, host_key AS h,
			src_ip AS si, CASE WHEN dst_ip IS DISTINCT FROM src_ip THEN dst_ip END AS di, lower(process_name) AS pr, domain AS d, hash AS hs
		FROM ` + rows + `
	),
	g AS (SELECT u, tu, h, si, di, pr, d, hs, count(*) AS n FROM e GROUP BY GROUPING SETS ((u), (tu), (h), (si), (di), (pr), (d), (hs))),
	r AS (
		SELECT CASE WHEN u IS NOT NULL OR tu IS NOT NULL THEN 'user' WHEN h IS NOT NULL THEN 'host' WHEN si IS NOT NULL OR di IS NOT NULL THEN 'ip'
			WHEN pr IS NOT NULL THEN 'process' WHEN d IS NOT NULL THEN 'domain' ELSE 'hash' END AS kind,
			coalesce(u, tu, h, si, di, pr, d, hs) AS value, n
		FROM g WHERE coalesce(u, tu, h, si, di, pr, d, hs) IS NOT NULL
	)
	SELECT kind, value, sum(n)::BIGINT AS events FROM r
	WHERE value <> '' AND NOT (kind = ? AND list_contains(from_json(?, '["VARCHAR"]'), value))
	GROUP BY kind, value
	QUALIFY row_number() OVER (PARTITION BY kind ORDER BY sum(n) DESC, value) <= ?
	ORDER BY kind, events DESC, value`
	a := append(append([]any{}, args...), relatedKind[kind], jsonArray(p.Keys), n)
	return s.QueryFunc(ctx, q, a, func(_ []string, r []any) error {
		p.Related = append(p.Related, RelatedEntity{Kind: text(r[0]), Value: text(r[1]), Events: intOf(r[2])})
		return nil
	})
}

func (s *Store) profileTimeline(ctx context.Context, p *EntityProfile, rows string, args []any, limit int) error {
	p.Timeline = []TimelineEvent{}
	// The ids first (a narrow top-N), then the wide columns of those rows only, found through
	// the id range so that DuckDB skips the row groups outside it.
	t, err := s.Query(ctx, `SELECT id FROM `+rows+` ORDER BY time NULLS LAST, id LIMIT ?`, append(append([]any{}, args...), limit)...)
	if err != nil || len(t.Rows) == 0 {
		return err
	}
	ids := make([]any, len(t.Rows))
	lo, hi := intOf(t.Rows[0][0]), intOf(t.Rows[0][0])
	for i, r := range t.Rows {
		id := intOf(r[0])
		ids[i] = id
		lo, hi = min(lo, id), max(hi, id)
	}
	q := `SELECT id, time, source, source_type, category, event_code, action, outcome, host, "user", src_ip, dst_ip, dst_port,
			process_name, command_line, domain, url, message
		FROM events WHERE id BETWEEN ? AND ? AND id IN (` + sqlMarks(len(ids)) + `)
		ORDER BY time NULLS LAST, id`
	return s.QueryFunc(ctx, q, append([]any{lo, hi}, ids...), func(_ []string, r []any) error {
		ev := TimelineEvent{ID: intOf(r[0]), Time: anyTime(r[1]), Source: text(r[2]), SourceType: text(r[3]), Category: text(r[4]),
			EventCode: text(r[5]), Action: text(r[6]), Outcome: text(r[7]), Host: text(r[8]), User: text(r[9]), SrcIP: text(r[10]),
			DstIP: text(r[11]), Process: text(r[13]), CommandLine: text(r[14]), Domain: text(r[15]), URL: text(r[16]), Message: text(r[17])}
		if r[12] != nil {
			port := intOf(r[12])
			ev.DstPort = &port
		}
		p.Timeline = append(p.Timeline, ev)
		return nil
	})
}

// contextInfo is an entity's context with snake_case keys, and unknown yes/no as null.
func contextInfo(ec *EntityContext) map[string]any {
	out := map[string]any{"identity": nil, "assets": []any{}}
	if ec == nil {
		return out
	}
	if id := ec.Identity; id != nil {
		var leave any
		if !id.LeaveDate.IsZero() {
			leave = id.LeaveDate.Format("2006-01-02")
		}
		out["identity"] = map[string]any{"identity": id.Key, "user": id.User, "display_name": id.DisplayName, "email": id.Email,
			"aliases": orEmpty(id.Aliases), "department": id.Department, "role": id.Role, "privileged": nullBool(id.Privileged),
			"service_account": nullBool(id.ServiceAccount), "mfa": nullBool(id.MFA), "manager": id.Manager, "status": id.Status,
			"leave_date": leave, "extra": id.Extra}
		out["alias"] = ec.Alias
	}
	assets := []any{}
	for _, a := range ec.Assets {
		assets = append(assets, map[string]any{"asset": a.Key, "name": a.Name, "hostnames": orEmpty(a.Hostnames),
			"addresses": orEmpty(a.Addresses), "owner": a.Owner, "criticality": nullPositive(a.Criticality), "environment": a.Environment,
			"internet_facing": nullBool(a.InternetFacing), "vulnerabilities": orEmpty(a.Vulnerabilities), "extra": a.Extra,
			"matched_by": a.MatchedBy, "matched": a.Matched})
	}
	out["assets"] = assets
	return out
}

// relatedFromSummary is profileRelated over the entity's entity_related rows (few: one per
// combination of entity columns per import), counted here rather than by grouping sets,
// whose fixed cost in DuckDB is many times that of reading the rows. The counts, the order and
// the entity left out are profileRelated's.
func (s *Store) relatedFromSummary(ctx context.Context, p *EntityProfile, kind event.Entity, rows string, args []any, n int) error {
	type key struct{ kind, value string }
	sums := map[key]int64{}
	add := func(kind string, v any, w int64) {
		if t, ok := v.(string); ok && t != "" {
			sums[key{kind, t}] += w
		}
	}
	q := `SELECT user_key, CASE WHEN target_user_key IS DISTINCT FROM user_key THEN target_user_key END, host_key,
		src_ip, CASE WHEN dst_ip IS DISTINCT FROM src_ip THEN dst_ip END, lower(process_name), domain, hash, events FROM ` + rows
	err := s.QueryFunc(ctx, q, args, func(_ []string, r []any) error {
		w := intOf(r[8])
		add("user", r[0], w)
		add("user", r[1], w)
		add("host", r[2], w)
		add("ip", r[3], w)
		add("ip", r[4], w)
		add("process", r[5], w)
		add("domain", r[6], w)
		add("hash", r[7], w)
		return nil
	})
	if err != nil {
		return err
	}
	self := relatedKind[kind]
	var all []RelatedEntity
	for k, v := range sums {
		if k.kind == self && slices.Contains(p.Keys, k.value) {
			continue
		}
		all = append(all, RelatedEntity{Kind: k.kind, Value: k.value, Events: v})
	}
	slices.SortFunc(all, func(a, b RelatedEntity) int {
		if c := strings.Compare(a.Kind, b.Kind); c != 0 {
			return c
		}
		if c := cmp.Compare(b.Events, a.Events); c != 0 {
			return c
		}
		return strings.Compare(a.Value, b.Value)
	})
	// The first n of each kind.
	taken := 0
	for i, r := range all {
		if i > 0 && r.Kind != all[i-1].Kind {
			taken = 0
		}
		if taken < n {
			p.Related = append(p.Related, r)
			taken++
		}
	}
	return nil
}
