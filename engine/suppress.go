package engine

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	"trawl/event"
)

// Suppression is a named rule that hides known benign alerts from the queue: the alerts of a
// rule (a name or a glob) whose entities match every entity condition, until it expires. Hidden
// alerts stay in the alerts table; alert_suppressions lists which rule hid which alert.
type Suppression struct {
	Name      string          `json:"name"`
	Rule      string          `json:"rule"`     // rule name or glob
	Entities  []EntityPattern `json:"entities"` // all must match (an empty list: every alert of the rule)
	Expires   *time.Time      `json:"expires"`  // nil never expires
	Reason    string          `json:"reason"`
	Author    string          `json:"author"`
	CreatedAt time.Time       `json:"created_at"`
	Hits      int64           `json:"hits"`       // alerts it hid when suppressions were last applied
	AppliedAt *time.Time      `json:"applied_at"` // when Hits was counted
	FromAlert int64           `json:"from_alert,omitempty"`
	Expired   bool            `json:"expired"` // expired when listed
}

// EntityPattern is one entity condition KIND=PATTERN of a suppression.
type EntityPattern struct {
	Kind    string `json:"kind"`
	Pattern string `json:"pattern"`
}

func (p EntityPattern) String() string { return p.Kind + "=" + p.Pattern }

// SuppressionKinds are the entity kinds a condition may name, with the alerts.entities keys each
// reads (see AlertEntityKinds): ip reads both addresses, user only the acting user.
var SuppressionKinds = map[string][]string{
	"user":        {"user"},
	"target_user": {"target_user"},
	"host":        {"host"},
	"ip":          {"src_ip", "dst_ip"},
	"src_ip":      {"src_ip"},
	"dst_ip":      {"dst_ip"},
	"process":     {"process"},
	"domain":      {"domain"},
	"hash":        {"hash"},
}

// Errors of the suppression commands.
var (
	ErrNoSuppression     = errors.New("no such suppression")
	ErrSuppressionExists = errors.New("a suppression of that name exists")
)

// maxPattern bounds names, rule globs and entity patterns.
const maxPattern = 1024

// ParseEntityPattern reads KIND=PATTERN (user=svc_backup, host=BKP*).
func ParseEntityPattern(s string) (EntityPattern, error) {
	k, v, ok := strings.Cut(s, "=")
	kind := strings.ToLower(strings.TrimSpace(k))
	v = strings.TrimSpace(v)
	if _, known := SuppressionKinds[kind]; !ok || !known || v == "" {
		return EntityPattern{}, fmt.Errorf("%q: want KIND=PATTERN with KIND one of %s", s, strings.Join(suppressionKindNames(), ", "))
	}
	if err := checkText("pattern", v); err != nil {
		return EntityPattern{}, fmt.Errorf("%q: %w", s, err)
	}
	return EntityPattern{Kind: kind, Pattern: v}, nil
}

func suppressionKindNames() []string {
	return []string{"user", "target_user", "host", "ip", "src_ip", "dst_ip", "process", "domain", "hash"}
}

func checkText(what, s string) error {
	if s == "" {
		return fmt.Errorf("empty %s", what)
	}
	if len(s) > maxPattern {
		return fmt.Errorf("%s longer than %d bytes", what, maxPattern)
	}
	for _, r := range s {
		if unicode.IsControl(r) || r == '\uFFFD' {
			return fmt.Errorf("%s has a control character or invalid UTF-8", what)
		}
	}
	return nil
}

// glob is a parsed pattern: * any text, ? one character, [c] the character c literally (so
// [*] is a star); everything else is itself. LIKE metacharacters (% _ \) are literal.
type glob struct {
	parts    []globPart
	wildcard bool
}

type globPart struct {
	lit  string // literal text, or
	wild byte   // '*' or '?'
}

func parseGlob(s string) glob {
	var g glob
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			g.parts = append(g.parts, globPart{lit: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); {
		switch c := s[i]; {
		case c == '*' || c == '?':
			flush()
			g.parts = append(g.parts, globPart{wild: c})
			g.wildcard = true
			i++
		case c == '[' && i+2 < len(s) && s[i+2] == ']':
			lit.WriteByte(s[i+1])
			i += 3
		default:
			lit.WriteByte(c)
			i++
		}
	}
	flush()
	return g
}

// literal is the text of a glob without wildcards.
func (g glob) literal() string {
	var b strings.Builder
	for _, p := range g.parts {
		b.WriteString(p.lit)
	}
	return b.String()
}

// like converts the glob, lower-cased, to a LIKE pattern with escape character \.
func (g glob) like() string {
	var b strings.Builder
	for _, p := range g.parts {
		switch p.wild {
		case '*':
			b.WriteByte('%')
		case '?':
			b.WriteByte('_')
		default:
			b.WriteString(LikeEscape(strings.ToLower(p.lit)))
		}
	}
	return b.String()
}

// GlobEscape quotes s so that it matches only itself as a suppression pattern.
func GlobEscape(s string) string {
	return strings.NewReplacer("[", "[[]", "*", "[*]", "?", "[?]").Replace(s)
}

// conditionLike is the LIKE pattern of an entity condition. A pattern without wildcards is
// resolved like an entity reference (user CORP\alice is user key alice, host WS01.corp.local is
// host key ws01, an address is normalized); a glob is matched lower-case against the keys as
// stored, except that a user glob loses its domain (CORP\svc_* is svc_*), as user keys do.
func conditionLike(p EntityPattern) (string, error) {
	text := p.Pattern
	if p.Kind == "user" || p.Kind == "target_user" {
		text = event.UserKey(text)
	}
	g := parseGlob(text)
	if g.wildcard {
		if p.Kind == "host" {
			g = parseGlob(strings.TrimSuffix(text, "."))
		}
		return g.like(), nil
	}
	v := g.literal()
	switch p.Kind {
	case "host":
		v = event.HostKey(v)
	case "ip", "src_ip", "dst_ip":
		if ip := event.NormalizeIP(v); ip != "" {
			v = ip
		}
	case "process":
		v = event.BaseName(v)
	case "domain":
		v = strings.TrimSuffix(v, ".")
	}
	v = strings.ToLower(v)
	if v == "" {
		return "", fmt.Errorf("%s: the pattern names no %s", p, p.Kind)
	}
	return LikeEscape(v), nil
}

// timeNow is the clock suppressions expire by (tests set it).
var timeNow = func() time.Time { return time.Now().UTC() }

// AddSuppression stores a new suppression and applies the suppressions again.
func (s *Store) AddSuppression(ctx context.Context, sp Suppression) (*Suppression, error) {
	if err := checkText("name", sp.Name); err != nil {
		return nil, fmt.Errorf("suppression name: %w", err)
	}
	sp.Rule = strings.TrimSpace(sp.Rule)
	if err := checkText("rule", sp.Rule); err != nil {
		return nil, fmt.Errorf("suppression %s: %w", sp.Name, err)
	}
	if strings.TrimSpace(sp.Reason) == "" {
		return nil, fmt.Errorf("suppression %s: a reason is required", sp.Name)
	}
	rg := parseGlob(sp.Rule)
	if len(sp.Entities) == 0 && rg.wildcard && strings.Trim(rg.like(), "%") == "" {
		return nil, fmt.Errorf("suppression %s: rule %q with no entity condition would hide every alert", sp.Name, sp.Rule)
	}
	now := timeNow()
	if sp.Expires != nil {
		e := sp.Expires.UTC()
		if !e.After(now) {
			return nil, fmt.Errorf("suppression %s: expiry %s is not in the future", sp.Name, e.Format(time.RFC3339))
		}
		sp.Expires = &e
	}
	likes := make([]string, len(sp.Entities))
	for i, p := range sp.Entities {
		if _, ok := SuppressionKinds[p.Kind]; !ok {
			return nil, fmt.Errorf("suppression %s: unknown entity kind %q", sp.Name, p.Kind)
		}
		if err := checkText("pattern", p.Pattern); err != nil {
			return nil, fmt.Errorf("suppression %s: %s: %w", sp.Name, p, err)
		}
		l, err := conditionLike(p)
		if err != nil {
			return nil, fmt.Errorf("suppression %s: %w", sp.Name, err)
		}
		likes[i] = l
	}
	sp.CreatedAt = now.Truncate(time.Microsecond)
	sp.Hits, sp.AppliedAt, sp.Expired = 0, nil, false
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM suppressions WHERE name = ?`, sp.Name).Scan(&n); err != nil {
		return nil, fmt.Errorf("adding suppression %s: %w", sp.Name, err)
	}
	if n > 0 {
		return nil, fmt.Errorf("suppression %s: %w", sp.Name, ErrSuppressionExists)
	}
	var expires any
	if sp.Expires != nil {
		expires = *sp.Expires
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO suppressions (name, rule, rule_like, conditions, expires_at, reason, author, created_at, from_alert)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, sp.Name, sp.Rule, rg.like(), len(sp.Entities), expires, sp.Reason, nullStr(sp.Author), sp.CreatedAt, nullInt(sp.FromAlert))
	if err != nil {
		return nil, fmt.Errorf("adding suppression %s: %w", sp.Name, err)
	}
	for i, p := range sp.Entities {
		_, err := tx.ExecContext(ctx, `INSERT INTO suppression_conditions VALUES (?, ?, ?, ?, CAST(?::JSON AS VARCHAR[]), ?)`,
			sp.Name, i+1, p.Kind, p.Pattern, jsonArray(SuppressionKinds[p.Kind]), likes[i])
		if err != nil {
			return nil, fmt.Errorf("adding suppression %s: %w", sp.Name, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("adding suppression %s: %w", sp.Name, err)
	}
	if _, err := s.ApplySuppressions(ctx); err != nil {
		return nil, err
	}
	return s.Suppression(ctx, sp.Name)
}

// RemoveSuppression deletes a suppression; the alerts it hid come back to the queue.
func (s *Store) RemoveSuppression(ctx context.Context, name string) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `DELETE FROM suppressions WHERE name = ?`, name)
	if err != nil {
		return fmt.Errorf("removing suppression %s: %w", name, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("suppression %s: %w", name, ErrNoSuppression)
	}
	for _, q := range []string{`DELETE FROM suppression_conditions WHERE suppression = ?`, `DELETE FROM alert_suppressions WHERE suppression = ?`} {
		if _, err := tx.ExecContext(ctx, q, name); err != nil {
			return fmt.Errorf("removing suppression %s: %w", name, err)
		}
	}
	return tx.Commit()
}

// suppressedSQL selects (alert_id, suppression) for every alert that a suppression chosen by
// where (a condition on suppressions s, with bound args) hides: the rule glob matches the
// alert's rule, and each condition matches at least one of the alert's entity values under its
// keys. All matching is LIKE with bound patterns, lower-case on both sides.
func suppressedSQL(where string) string {
	return `WITH live AS (SELECT name, rule_like, conditions FROM suppressions s WHERE ` + where + `),
	cand AS (
		SELECT a.id AS alert_id, a.entities, l.name, l.conditions
		FROM alerts a JOIN live l ON like_escape(lower(a.rule), l.rule_like, '\')
	),
	ck AS (SELECT suppression, n, "like", unnest(keys) AS key FROM suppression_conditions WHERE suppression IN (SELECT name FROM live)),
	vals AS (
		SELECT c.alert_id, c.name, ck.n, ck."like", unnest(from_json(c.entities -> ck.key, '["VARCHAR"]')) AS v
		FROM cand c JOIN ck ON ck.suppression = c.name
	),
	met AS (
		SELECT alert_id, name, count(DISTINCT n) AS met FROM vals
		WHERE like_escape(lower(v), "like", '\') GROUP BY alert_id, name
	)
	SELECT c.alert_id, c.name AS suppression FROM cand c LEFT JOIN met m ON m.alert_id = c.alert_id AND m.name = c.name
	WHERE coalesce(m.met, 0) = c.conditions`
}

// ApplySuppressions recomputes alert_suppressions from scratch from the live (unexpired)
// suppressions and counts each live one's hits; an expired one keeps its last count. It returns
// how many alerts are hidden.
func (s *Store) ApplySuppressions(ctx context.Context) (int64, error) {
	now := timeNow()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	live := `s.expires_at IS NULL OR s.expires_at > ?`
	steps := []struct {
		q    string
		args []any
	}{
		{`DELETE FROM alert_suppressions`, nil},
		{`INSERT INTO alert_suppressions ` + suppressedSQL(live), []any{now}},
		{`UPDATE suppressions s SET hits = coalesce((SELECT count(*) FROM alert_suppressions x WHERE x.suppression = s.name), 0), applied_at = ?
			WHERE ` + live, []any{now, now}},
	}
	for _, st := range steps {
		if _, err := tx.ExecContext(ctx, st.q, st.args...); err != nil {
			return 0, fmt.Errorf("applying suppressions: %w", err)
		}
	}
	var hidden int64
	if err := tx.QueryRowContext(ctx, `SELECT count(DISTINCT alert_id) FROM alert_suppressions`).Scan(&hidden); err != nil {
		return 0, fmt.Errorf("applying suppressions: %w", err)
	}
	return hidden, tx.Commit()
}

// SuppressionTest lists the ids of the alerts the named suppression matches, in id order,
// whether or not it has expired (so an expired rule can be checked before it is renewed).
func (s *Store) SuppressionTest(ctx context.Context, name string) ([]int64, error) {
	if _, err := s.Suppression(ctx, name); err != nil {
		return nil, err
	}
	t, err := s.Query(ctx, `SELECT alert_id FROM (`+suppressedSQL(`s.name = ?`)+`) ORDER BY alert_id`, name)
	if err != nil {
		return nil, fmt.Errorf("testing suppression %s: %w", name, err)
	}
	ids := make([]int64, len(t.Rows))
	for i, r := range t.Rows {
		ids[i] = intOf(r[0])
	}
	return ids, nil
}

// Suppression loads one suppression by name.
func (s *Store) Suppression(ctx context.Context, name string) (*Suppression, error) {
	all, err := s.suppressions(ctx, `WHERE name = ?`, name)
	if err != nil {
		return nil, err
	}
	if len(all) == 0 {
		return nil, fmt.Errorf("suppression %s: %w", name, ErrNoSuppression)
	}
	return &all[0], nil
}

// Suppressions lists every suppression by name, expired ones too (Expired says so).
func (s *Store) Suppressions(ctx context.Context) ([]Suppression, error) {
	return s.suppressions(ctx, ``)
}

func (s *Store) suppressions(ctx context.Context, where string, args ...any) ([]Suppression, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT s.name, s.rule, s.expires_at, s.reason, s.author, s.created_at, s.hits, s.applied_at, s.from_alert,
			coalesce((SELECT to_json(list({'kind': c.kind, 'pattern': c.pattern} ORDER BY c.n)) FROM suppression_conditions c WHERE c.suppression = s.name), '[]')::VARCHAR
		FROM suppressions s `+where+` ORDER BY s.name`, args...)
	if err != nil {
		return nil, fmt.Errorf("listing suppressions: %w", err)
	}
	defer rows.Close()
	now := timeNow()
	var out []Suppression
	for rows.Next() {
		var sp Suppression
		var expires, applied sql.NullTime
		var author sql.NullString
		var from sql.NullInt64
		var conds string
		if err := rows.Scan(&sp.Name, &sp.Rule, &expires, &sp.Reason, &author, &sp.CreatedAt, &sp.Hits, &applied, &from, &conds); err != nil {
			return nil, fmt.Errorf("listing suppressions: %w", err)
		}
		sp.Expires, sp.AppliedAt = timePtr(expires), timePtr(applied)
		sp.Author, sp.FromAlert = author.String, from.Int64
		sp.CreatedAt = sp.CreatedAt.UTC()
		sp.Expired = sp.Expires != nil && !sp.Expires.After(now)
		if err := json.Unmarshal([]byte(conds), &sp.Entities); err != nil {
			return nil, fmt.Errorf("suppression %s: %w", sp.Name, err)
		}
		if sp.Entities == nil {
			sp.Entities = []EntityPattern{}
		}
		out = append(out, sp)
	}
	return out, rows.Err()
}

// maxFromAlertValues is how many values of one kind an alert may have for SuppressionDraft to
// make them conditions; a kind with more (a spray over 40 users) is left out as too specific.
const maxFromAlertValues = 3

// SuppressionDraft is the suppression an alert suggests (the false-positive feedback loop): its
// rule exactly, and each of its entity kinds that has at most maxFromAlertValues values as
// exact conditions (one per value: all must be present). It is not stored; name it
// fp-alert-ID. It fails when no kind is narrow enough, as the rule alone would hide too much.
func (s *Store) SuppressionDraft(ctx context.Context, alertID int64) (Suppression, error) {
	var rule, ents string
	err := s.db.QueryRowContext(ctx, `SELECT rule, entities::VARCHAR FROM alerts WHERE id = ?`, alertID).Scan(&rule, &ents)
	if errors.Is(err, sql.ErrNoRows) {
		return Suppression{}, fmt.Errorf("alert %d: %w", alertID, ErrNoAlert)
	}
	if err != nil {
		return Suppression{}, fmt.Errorf("alert %d: %w", alertID, err)
	}
	var m map[string][]string
	if err := json.Unmarshal([]byte(ents), &m); err != nil {
		return Suppression{}, fmt.Errorf("alert %d: %w", alertID, err)
	}
	sp := Suppression{Name: fmt.Sprintf("fp-alert-%d", alertID), Rule: GlobEscape(rule), FromAlert: alertID, Entities: []EntityPattern{}}
	for _, k := range AlertEntityKinds {
		vals := m[k.Kind]
		if len(vals) == 0 || len(vals) > maxFromAlertValues {
			continue
		}
		for _, v := range vals {
			if v == "" {
				continue
			}
			sp.Entities = append(sp.Entities, EntityPattern{Kind: k.Kind, Pattern: GlobEscape(v)})
		}
	}
	if len(sp.Entities) == 0 {
		return Suppression{}, fmt.Errorf("alert %d: no entity kind has %d values or fewer; add a suppression by hand", alertID, maxFromAlertValues)
	}
	return sp, nil
}

// SuppressionFromAlert stores the suppression an alert suggests (see SuppressionDraft), named
// fp-alert-ID, with the reason and expiry (zero: never) given, and applies it.
func (s *Store) SuppressionFromAlert(ctx context.Context, alertID int64, reason string, expiry time.Time) (*Suppression, error) {
	sp, err := s.SuppressionDraft(ctx, alertID)
	if err != nil {
		return nil, err
	}
	sp.Reason = reason
	if !expiry.IsZero() {
		sp.Expires = &expiry
	}
	return s.AddSuppression(ctx, sp)
}
