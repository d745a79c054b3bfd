package engine

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"trawl/event"
	"trawl/importers"
	"trawl/inventory"
)

// ContextResult is the outcome of loading one context file.
type ContextResult struct {
	File    string             `json:"file"`
	Kind    inventory.Kind     `json:"kind"`
	Format  string             `json:"format"`
	Rows    int64              `json:"rows"`
	Rejects []inventory.Reject `json:"-"`
}

// ImportContext loads an asset or identity file (kind "" tells it by the columns) into the
// context tables, in one transaction. A row with the key of a stored one replaces it; an alias,
// host name or address that a stored row of another key claimed moves to the new row. Within
// the file, a repeated key, or an alias (host name, address) already given to another row, is
// a reject naming both lines.
func (s *Store) ImportContext(ctx context.Context, path string, kind inventory.Kind) (ContextResult, error) {
	res := ContextResult{File: path}
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
	for _, q := range []string{
		`CREATE OR REPLACE TEMP TABLE new_assets AS SELECT * FROM assets LIMIT 0`,
		`CREATE OR REPLACE TEMP TABLE new_asset_keys AS SELECT asset_key, kind, value FROM asset_keys LIMIT 0`,
		`CREATE OR REPLACE TEMP TABLE new_identities AS SELECT * FROM identities LIMIT 0`,
		`CREATE OR REPLACE TEMP TABLE new_identity_aliases AS SELECT * FROM identity_aliases LIMIT 0`,
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return res, fmt.Errorf("staging context: %w", err)
		}
	}
	l := &contextLoader{ctx: ctx, tx: tx, file: path, now: time.Now().UTC(), res: &res,
		keyLine: map[string]int64{}, claimed: map[string]claim{}}
	if err := l.prepare(); err != nil {
		return res, err
	}
	defer l.close()
	k, format, err := inventory.Read(in.R, kind, l)
	res.Kind, res.Format = k, string(format)
	if err != nil {
		return res, fmt.Errorf("%s: %w", path, err)
	}
	merge := []string{
		`DELETE FROM asset_keys k WHERE k.asset_key IN (SELECT asset_key FROM new_assets)
		    OR EXISTS (SELECT 1 FROM new_asset_keys n WHERE n.kind = k.kind AND n.value = k.value)`,
		`DELETE FROM assets WHERE asset_key IN (SELECT asset_key FROM new_assets)`,
		`INSERT INTO assets SELECT * FROM new_assets`,
		`INSERT INTO asset_keys SELECT asset_key, kind, value,
		    CASE WHEN kind <> 'host' THEN trawl_net_lo(value) END, CASE WHEN kind <> 'host' THEN trawl_net_hi(value) END,
		    CASE WHEN kind <> 'host' THEN trawl_net_bits(value) END
		 FROM new_asset_keys`,
		`DELETE FROM identity_aliases WHERE identity IN (SELECT identity FROM new_identities)
		    OR alias_key IN (SELECT alias_key FROM new_identity_aliases)`,
		`DELETE FROM identities WHERE identity IN (SELECT identity FROM new_identities)`,
		`INSERT INTO identities SELECT * FROM new_identities`,
		`INSERT INTO identity_aliases SELECT * FROM new_identity_aliases`,
		`DROP TABLE new_assets`, `DROP TABLE new_asset_keys`, `DROP TABLE new_identities`, `DROP TABLE new_identity_aliases`,
	}
	for _, q := range merge {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return res, fmt.Errorf("storing context: %w", err)
		}
	}
	return res, tx.Commit()
}

// claim is who took a key within one file.
type claim struct {
	owner string
	line  int64
}

type contextLoader struct {
	ctx                               context.Context
	tx                                *sql.Tx
	file                              string
	now                               time.Time
	res                               *ContextResult
	insAsset, insKey, insID, insAlias *sql.Stmt
	keyLine                           map[string]int64 // asset or identity key -> line
	claimed                           map[string]claim // "host:ws01", "ip:10.0.0.1", "alias:bob" -> owner
}

func (l *contextLoader) prepare() error {
	var err error
	prep := func(q string) *sql.Stmt {
		if err != nil {
			return nil
		}
		var st *sql.Stmt
		st, err = l.tx.PrepareContext(l.ctx, q)
		return st
	}
	l.insAsset = prep(`INSERT INTO new_assets VALUES (?, ?, CAST(?::JSON AS VARCHAR[]), CAST(?::JSON AS VARCHAR[]), ?, ?, ?, ?, CAST(?::JSON AS VARCHAR[]), ?, ?, ?, ?)`)
	l.insKey = prep(`INSERT INTO new_asset_keys VALUES (?, ?, ?)`)
	l.insID = prep(`INSERT INTO new_identities VALUES (?, ?, ?, ?, CAST(?::JSON AS VARCHAR[]), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	l.insAlias = prep(`INSERT INTO new_identity_aliases VALUES (?, ?, ?)`)
	if err != nil {
		return fmt.Errorf("staging context: %w", err)
	}
	return nil
}

func (l *contextLoader) close() {
	for _, st := range []*sql.Stmt{l.insAsset, l.insKey, l.insID, l.insAlias} {
		if st != nil {
			st.Close()
		}
	}
}

func (l *contextLoader) Reject(r inventory.Reject) error {
	l.res.Rejects = append(l.res.Rejects, r)
	return nil
}

// take checks that no other row of this file has claimed any of keys, then claims them for
// owner. It returns the reject to report when one was taken.
func (l *contextLoader) take(owner string, line int64, ownerField string, keys []string) *inventory.Reject {
	if prev, ok := l.keyLine[owner]; ok {
		return &inventory.Reject{Line: line, Field: ownerField, Reason: fmt.Sprintf("%s is listed again (first on line %d)", owner, prev)}
	}
	for _, k := range keys {
		if c, ok := l.claimed[k]; ok && c.owner != owner {
			kind, v, _ := strings.Cut(k, ":")
			field := map[string]string{"host": "hostnames", "ip": "addresses", "cidr": "addresses", "alias": "aliases"}[kind]
			return &inventory.Reject{Line: line, Field: field, Reason: fmt.Sprintf("%s %s already belongs to %s (line %d)", kind, v, c.owner, c.line)}
		}
	}
	l.keyLine[owner] = line
	for _, k := range keys {
		l.claimed[k] = claim{owner, line}
	}
	return nil
}

func (l *contextLoader) Asset(a inventory.Asset) error {
	type key struct{ kind, value string }
	var keys []key
	for _, h := range a.HostKeys() {
		keys = append(keys, key{"host", h})
	}
	for _, addr := range a.Addresses {
		kind := "ip"
		if strings.Contains(addr, "/") {
			kind = "cidr"
		}
		keys = append(keys, key{kind, addr})
	}
	claims := make([]string, len(keys))
	for i, k := range keys {
		claims[i] = k.kind + ":" + k.value
	}
	if rj := l.take("asset "+a.Key, a.Line, "name", claims); rj != nil {
		return l.Reject(*rj)
	}
	_, err := l.insAsset.ExecContext(l.ctx, a.Key, nullStr(a.Name), jsonList(a.Hostnames), jsonList(a.Addresses),
		nullStr(a.Owner), nullPositive(a.Criticality), nullStr(a.Environment), nullBool(a.InternetFacing),
		jsonList(a.Vulnerabilities), jsonObject(a.Extra), l.file, a.Line, l.now)
	if err != nil {
		return fmt.Errorf("line %d: %w", a.Line, err)
	}
	for _, k := range keys {
		if _, err := l.insKey.ExecContext(l.ctx, a.Key, k.kind, k.value); err != nil {
			return fmt.Errorf("line %d: %w", a.Line, err)
		}
	}
	l.res.Rows++
	return nil
}

func (l *contextLoader) Identity(id inventory.Identity) error {
	keys := id.AliasKeys()
	claims := make([]string, len(keys))
	for i, k := range keys {
		claims[i] = "alias:" + k
	}
	if rj := l.take("identity "+id.Key, id.Line, "user", claims); rj != nil {
		return l.Reject(*rj)
	}
	var leave any
	if !id.LeaveDate.IsZero() {
		leave = id.LeaveDate
	}
	_, err := l.insID.ExecContext(l.ctx, id.Key, id.User, nullStr(id.DisplayName), nullStr(id.Email), jsonList(id.Aliases),
		nullStr(id.Department), nullStr(id.Role), nullBool(id.Privileged), nullBool(id.ServiceAccount), nullBool(id.MFA),
		nullStr(id.Manager), nullStr(id.Status), leave, jsonObject(id.Extra), l.file, id.Line, l.now)
	if err != nil {
		return fmt.Errorf("line %d: %w", id.Line, err)
	}
	// The alias text kept with each key: the spelling that gave it.
	spelled := map[string]string{id.Key: id.User}
	for _, a := range append(append([]string{}, id.Aliases...), id.Email) {
		if k := event.UserKey(a); k != "" {
			if _, ok := spelled[k]; !ok {
				spelled[k] = a
			}
		}
	}
	for _, k := range keys {
		if _, err := l.insAlias.ExecContext(l.ctx, k, id.Key, spelled[k]); err != nil {
			return fmt.Errorf("line %d: %w", id.Line, err)
		}
	}
	l.res.Rows++
	return nil
}

// jsonList is a list of text as a JSON array, NULL for none.
func jsonList(v []string) any {
	if len(v) == 0 {
		return nil
	}
	return jsonArray(v)
}

func jsonObject(m map[string]any) any {
	if len(m) == 0 {
		return nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil
	}
	return string(b)
}

func nullPositive(n int) any {
	if n <= 0 {
		return nil
	}
	return n
}

func nullBool(b inventory.Bool) any {
	if !b.OK {
		return nil
	}
	return b.V
}

// ContextColumns are the columns ContextTable lists for each kind.
var ContextColumns = map[inventory.Kind][]string{
	inventory.Assets:     {"asset_key", "name", "hostnames", "addresses", "owner", "criticality", "environment", "internet_facing", "vulnerabilities", "extra", "file", "line"},
	inventory.Identities: {"identity", "user", "display_name", "email", "aliases", "department", "role", "privileged", "service_account", "mfa", "manager", "status", "leave_date", "extra", "file", "line"},
}

// ContextTable streams one context table, ordered by key.
func (s *Store) ContextTable(ctx context.Context, kind inventory.Kind, fn func(cols []string, row []any) error) error {
	cols, ok := ContextColumns[kind]
	if !ok {
		return fmt.Errorf("unknown context kind %q", kind)
	}
	return s.QueryFunc(ctx, fmt.Sprintf("SELECT %s FROM %s ORDER BY 1", selectList(cols), kind), nil, fn)
}

// AssetMatch is an asset an entity resolves to, and how.
type AssetMatch struct {
	inventory.Asset
	MatchedBy string `json:"matched_by"` // host, ip or cidr
	Matched   string `json:"matched"`    // the host key, address or network that matched
}

// EntityContext is what the context tables say about one entity.
type EntityContext struct {
	Kind     string              `json:"kind"`
	Value    string              `json:"value"`
	Key      string              `json:"key"` // the resolution key: user key, host key or address
	Identity *inventory.Identity `json:"identity,omitempty"`
	Alias    string              `json:"alias,omitempty"` // the alias that resolved a user
	Assets   []AssetMatch        `json:"assets,omitempty"`
}

// ParseEntityRef reads KIND=VALUE (user=CORP\alice, host=ws01, ip=10.0.0.1).
func ParseEntityRef(s string) (event.Entity, string, error) {
	k, v, ok := strings.Cut(s, "=")
	kind, known := event.ParseEntity(strings.ToLower(strings.TrimSpace(k)))
	if !ok || !known || strings.TrimSpace(v) == "" {
		return event.EntityNone, "", fmt.Errorf("%q: want KIND=VALUE with KIND user, host, ip, process, domain, hash or file", s)
	}
	return kind, strings.TrimSpace(v), nil
}

// EntityContext resolves an entity against the context tables: a user through the identity
// aliases (by event.UserKey), a host by host key (or as an address when it is one), an address
// to the asset listing it and every network containing it, narrowest first. Other kinds have no
// context tables and give an empty result.
func (s *Store) EntityContext(ctx context.Context, kind event.Entity, value string) (*EntityContext, error) {
	ec := &EntityContext{Kind: kind.String(), Value: value}
	switch kind {
	case event.EntityUser:
		ec.Key = event.UserKey(value)
		ids, aliases, err := s.identities(ctx, `WHERE identity = (SELECT identity FROM identity_aliases WHERE alias_key = ? LIMIT 1)`, ec.Key)
		if err != nil {
			return nil, err
		}
		if len(ids) > 0 {
			ec.Identity = &ids[0]
			ec.Alias = aliases[ec.Key]
		}
	case event.EntityHost:
		ec.Key = event.HostKey(value)
		if event.NormalizeIP(ec.Key) != "" {
			return s.addressContext(ctx, ec, ec.Key)
		}
		as, err := s.assets(ctx, `SELECT asset_key, 'host', value FROM asset_keys WHERE kind = 'host' AND value = ?`, ec.Key)
		if err != nil {
			return nil, err
		}
		ec.Assets = as
	case event.EntityIP:
		ip := event.NormalizeIP(value)
		if ip == "" {
			return nil, fmt.Errorf("%q is not an IP address", value)
		}
		ec.Key = ip
		return s.addressContext(ctx, ec, ip)
	}
	return ec, nil
}

func (s *Store) addressContext(ctx context.Context, ec *EntityContext, ip string) (*EntityContext, error) {
	as, err := s.assets(ctx, `SELECT asset_key, kind, value FROM asset_keys
		WHERE kind IN ('ip', 'cidr') AND trawl_ip_num(?) BETWEEN ip_lo AND ip_hi
		ORDER BY ip_hi - ip_lo, asset_key`, ip)
	if err != nil {
		return nil, err
	}
	ec.Assets = as
	return ec, nil
}

// assets runs a query giving (asset_key, matched_by, matched) rows and loads each asset.
func (s *Store) assets(ctx context.Context, q string, args ...any) ([]AssetMatch, error) {
	t, err := s.Query(ctx, `WITH m AS (SELECT row_number() OVER () AS n, * FROM (`+q+`) t(asset_key, matched_by, matched))
		SELECT m.matched_by, m.matched, a.asset_key, a.name, a.hostnames, a.addresses, a.owner, a.criticality,
		       a.environment, a.internet_facing, a.vulnerabilities, a.extra, a.line
		FROM m JOIN assets a USING (asset_key) ORDER BY m.n`, args...)
	if err != nil {
		return nil, err
	}
	var out []AssetMatch
	for _, r := range t.Rows {
		m := AssetMatch{MatchedBy: text(r[0]), Matched: text(r[1])}
		a := &m.Asset
		a.Key, a.Name, a.Hostnames, a.Addresses, a.Owner = text(r[2]), text(r[3]), list(r[4]), list(r[5]), text(r[6])
		a.Criticality = int(intOf(r[7]))
		a.Environment, a.InternetFacing, a.Vulnerabilities, a.Extra, a.Line = text(r[8]), boolOf(r[9]), list(r[10]), object(r[11]), intOf(r[12])
		out = append(out, m)
	}
	return out, nil
}

// identities loads identities matching a WHERE clause, with each one's alias keys.
func (s *Store) identities(ctx context.Context, where string, args ...any) ([]inventory.Identity, map[string]string, error) {
	t, err := s.Query(ctx, `SELECT identity, "user", display_name, email, aliases, department, role, privileged,
		service_account, mfa, manager, status, leave_date, extra, line FROM identities `+where+` ORDER BY identity`, args...)
	if err != nil {
		return nil, nil, err
	}
	var out []inventory.Identity
	for _, r := range t.Rows {
		var id inventory.Identity
		id.Key, id.User, id.DisplayName, id.Email, id.Aliases = text(r[0]), text(r[1]), text(r[2]), text(r[3]), list(r[4])
		id.Department, id.Role, id.Privileged, id.ServiceAccount, id.MFA = text(r[5]), text(r[6]), boolOf(r[7]), boolOf(r[8]), boolOf(r[9])
		id.Manager, id.Status = text(r[10]), text(r[11])
		if d, ok := r[12].(time.Time); ok {
			id.LeaveDate = d
		}
		id.Extra, id.Line = object(r[13]), intOf(r[14])
		out = append(out, id)
	}
	aliases := map[string]string{}
	if len(out) > 0 {
		t, err := s.Query(ctx, `SELECT alias_key, alias FROM identity_aliases WHERE identity = ?`, out[0].Key)
		if err != nil {
			return nil, nil, err
		}
		for _, r := range t.Rows {
			aliases[text(r[0])] = text(r[1])
		}
	}
	return out, aliases, nil
}

func text(v any) string {
	s, _ := v.(string)
	return s
}

func intOf(v any) int64 {
	switch n := v.(type) {
	case int64:
		return n
	case int32:
		return int64(n)
	}
	return 0
}

func boolOf(v any) inventory.Bool {
	b, ok := v.(bool)
	return inventory.Bool{V: b, OK: ok}
}

func list(v any) []string {
	l, _ := v.([]any)
	var out []string
	for _, x := range l {
		out = append(out, text(x))
	}
	return out
}

func object(v any) map[string]any {
	s, ok := v.(string)
	if !ok {
		return nil
	}
	var m map[string]any
	if json.Unmarshal([]byte(s), &m) != nil {
		return nil
	}
	return m
}

// sourceOf is the default source name of an imported file: its base name without extensions.
func sourceOf(path string) string {
	b := filepath.Base(path)
	if i := strings.IndexByte(b, '.'); i > 0 {
		b = b[:i]
	}
	return b
}
