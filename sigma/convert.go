package sigma

import (
	"fmt"
	"net/netip"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"trawl/attack"
	"trawl/dsl"
)

// Outcome is what became of a Sigma rule.
type Outcome int

const (
	Compiled    Outcome = iota // the whole rule compiled
	Partial                    // it compiled and runs, but something was dropped or widened (Reasons)
	Unsupported                // it cannot run (Reasons)
)

var outcomeNames = [...]string{"compiled", "partial", "unsupported"}

func (o Outcome) String() string {
	if int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return "Outcome(" + strconv.Itoa(int(o)) + ")"
}

// Options tune the conversion.
type Options struct {
	// Placeholders are the values of the expand modifier's %name% placeholders.
	Placeholders map[string][]string
	// Mappings replace the built-in ones when set.
	Mappings Mappings
	// Compile are the options of the compiled rules' SQL (dsl.Options{Since: ...}).
	Compile dsl.Options
}

// Result is one rule's outcome.
type Result struct {
	File    string
	ID      string
	Title   string
	Name    string // the hunting-language rule name
	Outcome Outcome
	Reasons []string
	// Text is the rule in the hunting language ("" when unsupported before it could be
	// written); Checked its checked and compiled form (nil unless it runs).
	Text    string
	Checked *dsl.CheckedRule
}

// unsupportedError stops a conversion with a reason.
type unsupportedError struct{ msg string }

func (e *unsupportedError) Error() string { return e.msg }

func unsupported(format string, args ...any) error {
	return &unsupportedError{fmt.Sprintf(format, args...)}
}

// ConvertFile reads and converts one Sigma rule file.
func ConvertFile(name string, src []byte, opt Options) Result {
	r, err := Parse(name, src)
	if err != nil {
		return Result{File: name, Name: ruleName(name, ""), Outcome: Unsupported, Reasons: []string{err.Error()}}
	}
	return Convert(r, opt)
}

// Convert compiles a parsed rule to the hunting language and checks it with dsl.
func Convert(r *Rule, opt Options) (res Result) {
	res = Result{File: r.File, ID: r.ID, Title: r.Title, Name: ruleName(r.File, r.ID)}
	defer func() {
		if p := recover(); p != nil {
			res.Outcome, res.Reasons, res.Checked = Unsupported, []string{fmt.Sprintf("internal error converting the rule: %v", p)}, nil
		}
	}()
	if r.Unsupported != "" {
		res.Outcome, res.Reasons = Unsupported, []string{r.Unsupported}
		return res
	}
	ms := opt.Mappings
	if ms == nil {
		var err error
		if ms, err = Builtin(); err != nil {
			res.Outcome, res.Reasons = Unsupported, []string{err.Error()}
			return res
		}
	}
	c := &converter{rule: r, opt: opt}
	query, err := c.query(ms)
	if err != nil {
		res.Outcome, res.Reasons = Unsupported, []string{err.Error()}
		return res
	}
	res.Reasons = c.partial
	if len(c.partial) > 0 {
		res.Outcome = Partial
	}
	res.Text = c.ruleText(res.Name, query)
	rules, err := dsl.ParseRules(r.File, res.Text)
	if err != nil {
		res.Outcome, res.Reasons = Unsupported, append(res.Reasons, "the hunting language refused the compiled rule: "+firstError(err))
		return res
	}
	cr, _, err := dsl.CheckRule(rules[0], catalogue, nil, opt.Compile)
	if err != nil {
		res.Outcome, res.Reasons = Unsupported, append(res.Reasons, "the hunting language refused the compiled rule: "+firstError(err))
		return res
	}
	res.Checked = cr
	return res
}

func firstError(err error) string {
	if es, ok := err.(dsl.Errors); ok && len(es) > 0 {
		return es[0].Msg
	}
	return err.Error()
}

var nonIdent = regexp.MustCompile(`[^A-Za-z0-9_]+`)

// ruleName is a rule name of the language from the file name (proc_creation_win_x.yml), else
// the rule id.
func ruleName(file, id string) string {
	slashed := strings.ReplaceAll(file, `\`, "/")
	base := strings.TrimSuffix(path.Base(slashed), path.Ext(slashed))
	if base == "rule" {
		// A regression case's rule.yml: its folder names it.
		base = path.Base(path.Dir(slashed))
	}
	if base == "" || base == "." || base == "/" {
		base = "sigma_" + id
	}
	n := strings.Trim(nonIdent.ReplaceAllString(base, "_"), "_")
	if n == "" {
		n = "sigma_rule"
	}
	if n[0] >= '0' && n[0] <= '9' {
		n = "sigma_" + n
	}
	if isKeyword(n) || strings.EqualFold(n, "rule") {
		n = "sigma_" + n
	}
	return n
}

type converter struct {
	rule     *Rule
	opt      Options
	mapping  *Mapping
	ls       *LogsourceMap
	recType  string             // the record type of the map being compiled (auditd)
	searches map[*Search]string // compiled searches, by search
	partial  []string
}

// partialf records what a partial rule lost or approximated, once.
func (c *converter) partialf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if !slices.Contains(c.partial, msg) {
		c.partial = append(c.partial, msg)
	}
}

// query writes the hunting-language query of the rule: the logsource's events, then the
// detection condition.
func (c *converter) query(ms Mappings) (string, error) {
	r := c.rule
	prod := r.Logsource.Product
	m := ms[prod]
	if m == nil && prod == "" {
		// A service without product: find the product that maps it.
		for _, p := range ms.Products() {
			if l, ok := ms[p].find(r.Logsource); ok && l != nil && (r.Logsource.Service != "" || r.Logsource.Category != "") {
				m = ms[p]
				break
			}
		}
	}
	if m == nil {
		return "", unsupported("logsource %s: no mapping for product %q", r.Logsource, prod)
	}
	c.mapping = m
	l, exact := m.find(r.Logsource)
	if l == nil {
		return "", unsupported("logsource %s: not in the %s mapping", r.Logsource, m.Product)
	}
	if !exact {
		c.partial = append(c.partial, fmt.Sprintf("logsource %s is not in the %s mapping: the rule reads every %s event", r.Logsource, m.Product, m.Product))
	}
	c.ls = l
	var conds []string
	for _, cond := range r.Condition {
		e, err := c.condition(cond)
		if err != nil {
			if _, ok := err.(*unsupportedError); ok && !strings.Contains(err.Error(), ", line ") {
				return "", unsupported("%v (condition, line %d)", err, r.CondLine)
			}
			return "", err
		}
		conds = append(conds, e)
	}
	det := conds[0]
	if len(conds) > 1 {
		det = "(" + strings.Join(conds, ") or (") + ")"
	}
	var b strings.Builder
	b.WriteString(l.Source)
	if l.Where != "" {
		b.WriteString("\n    | where " + l.Where)
	}
	b.WriteString("\n    | where " + unwrap(det))
	return b.String(), nil
}

// ruleText writes the whole rule file: licence and provenance comments, then the rule.
func (c *converter) ruleText(name, query string) string {
	r := c.rule
	var b strings.Builder
	fmt.Fprintf(&b, "# Sigma rule %q", r.Title)
	if r.ID != "" {
		fmt.Fprintf(&b, " (%s)", oneLine(r.ID))
	}
	b.WriteString("\n")
	if r.Author != "" {
		fmt.Fprintf(&b, "# author: %s\n", oneLine(r.Author))
	}
	if r.Date != "" || r.Modified != "" {
		fmt.Fprintf(&b, "# date: %s, modified: %s\n", oneLine(r.Date), oneLine(r.Modified))
	}
	fmt.Fprintf(&b, "# status: %s; logsource: %s; file: %s\n", orDash(oneLine(r.Status)), r.Logsource, oneLine(r.File))
	b.WriteString("# " + LicenceNotice + "\n")
	for _, p := range c.partial {
		b.WriteString("# partial: " + oneLine(p) + "\n")
	}
	fmt.Fprintf(&b, "rule %s {\n", name)
	fmt.Fprintf(&b, "  title %s\n", dsl.Quote(oneLine(r.Title)))
	if r.Description != "" {
		fmt.Fprintf(&b, "  description %s\n", dsl.Quote(strings.TrimSpace(r.Description)))
	}
	fmt.Fprintf(&b, "  severity %s\n", severity(r.Level))
	if ids := AttackIDs(r.Tags); len(ids) > 0 {
		fmt.Fprintf(&b, "  attack [%s]\n", strings.Join(ids, ", "))
	}
	tags := []string{"sigma"}
	if r.ID != "" {
		tags = append(tags, "sigma_id:"+r.ID)
	}
	if r.Status != "" {
		tags = append(tags, "sigma_status:"+r.Status)
	}
	if r.Level != "" {
		tags = append(tags, "sigma_level:"+r.Level)
	}
	if r.Author != "" {
		tags = append(tags, "author:"+r.Author)
	}
	tags = append(tags, r.Tags...)
	fmt.Fprintf(&b, "  tags %s\n", list(tags))
	if len(r.FalsePositives) > 0 {
		fmt.Fprintf(&b, "  false_positives %s\n", list(r.FalsePositives))
	}
	if len(r.References) > 0 {
		fmt.Fprintf(&b, "  references %s\n", list(r.References))
	}
	fmt.Fprintf(&b, "  query %s\n}\n", query)
	return b.String()
}

// LicenceNotice credits SigmaHQ and keeps the Detection Rule License attribution; it is
// written into every compiled rule.
const LicenceNotice = "Sigma rule by its author and SigmaHQ (https://github.com/SigmaHQ/sigma), under the Detection Rule License (DRL) 1.1: https://github.com/SigmaHQ/Detection-Rule-License"

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func list(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = dsl.Quote(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// severity maps a Sigma level to a severity of the language; informational is info, and a rule
// without level is medium.
func severity(level string) string {
	switch strings.ToLower(strings.TrimSpace(level)) {
	case "informational", "info":
		return "info"
	case "low":
		return "low"
	case "high":
		return "high"
	case "critical":
		return "critical"
	}
	return "medium"
}

// AttackIDs are the ATT&CK technique ids of a rule's tags: each technique as tagged (T1059.001,
// or a v19 id such as T1685), followed by the v18.1 techniques a v19 or revoked id stands for,
// so both versions find the rule.
func AttackIDs(tags []string) []string {
	var out []string
	seen := map[string]bool{}
	add := func(id string) {
		if !seen[id] && techniqueID.MatchString(id) {
			seen[id] = true
			out = append(out, id)
		}
	}
	for _, t := range attack.ParseTags(tags).Techniques {
		add(t.ID)
		if t.Status != attack.StatusActive {
			for _, te := range t.Techniques {
				add(te.ID)
			}
		}
	}
	return out
}

var techniqueID = regexp.MustCompile(`^T\d{4}(\.\d{3})?$`)

// validAddr reports whether s is an IP address.
func validAddr(s string) bool {
	_, err := netip.ParseAddr(s)
	return err == nil
}
