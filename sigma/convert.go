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
	// Rule is the rule as read (its metadata), nil when its file could not be read as YAML.
	Rule *Rule
	// OnlyIn names the correlation rules that run this rule as one of theirs without
	// generating it on its own (generate: false): it does not run by itself.
	OnlyIn []string
}

// unsupportedError stops a conversion with a reason.
type unsupportedError struct{ msg string }

func (e *unsupportedError) Error() string { return e.msg }

func unsupported(format string, args ...any) error {
	return &unsupportedError{fmt.Sprintf(format, args...)}
}

// ConvertFile reads and converts one Sigma rule file. A file of several documents (a
// correlation and the rules it names) is converted as a whole; the result is its first
// document's (ConvertAll gives every document's).
func ConvertFile(name string, src []byte, opt Options) Result {
	return ConvertAll([]File{{Name: name, Src: src}}, opt)[0]
}

// compiledRule is what a correlation needs of a detection rule it names: the converter (for
// the rule's field mapping) and the parts of its query.
type compiledRule struct {
	c                    *converter
	source, where, match string
}

// cond is the rule's events as one condition of the hunting language: its logsource's where
// condition and its detection; with category, also the category its source reads (for a query
// over every event).
func (cr *compiledRule) cond(category bool) string {
	var parts []string
	if category && cr.source != "events" {
		parts = append(parts, "category == "+dsl.Quote(strings.ReplaceAll(strings.ToLower(cr.source), "_", "-")))
	}
	if cr.where != "" {
		parts = append(parts, cr.where)
	}
	parts = append(parts, cr.match)
	if len(parts) == 1 {
		return parts[0]
	}
	for i, p := range parts {
		parts[i] = "(" + p + ")"
	}
	return strings.Join(parts, " and ")
}

func mappings(opt Options) (Mappings, error) {
	if opt.Mappings != nil {
		return opt.Mappings, nil
	}
	return Builtin()
}

// convertRule converts a detection rule, returning its parts for correlations when it runs.
func convertRule(r *Rule, opt Options) (res Result, cr *compiledRule) {
	res = Result{File: r.File, ID: r.ID, Title: r.Title, Name: docName(r), Rule: r}
	defer func() {
		if p := recover(); p != nil {
			res.Outcome, res.Reasons, res.Checked, cr = Unsupported, []string{fmt.Sprintf("internal error converting the rule: %v", p)}, nil, nil
		}
	}()
	if r.Unsupported != "" {
		res.Outcome, res.Reasons = Unsupported, []string{r.Unsupported}
		return res, nil
	}
	if r.Correlation != nil {
		res.Outcome, res.Reasons = Unsupported, []string{"a correlation rule is converted with the rules it names (ConvertAll)"}
		return res, nil
	}
	ms, err := mappings(opt)
	if err != nil {
		res.Outcome, res.Reasons = Unsupported, []string{err.Error()}
		return res, nil
	}
	c := &converter{rule: r, opt: opt}
	source, where, match, err := c.parts(ms)
	if err != nil {
		res.Outcome, res.Reasons = Unsupported, []string{err.Error()}
		return res, nil
	}
	query := source
	if where != "" {
		query += "\n    | where " + where
	}
	query += "\n    | where " + match
	res.Reasons = c.partial
	if len(c.partial) > 0 {
		res.Outcome = Partial
	}
	finish(&res, c.ruleText(res.Name, query), opt)
	if res.Checked == nil {
		return res, nil
	}
	return res, &compiledRule{c: c, source: source, where: where, match: match}
}

// finish checks a compiled rule's text with the hunting language: res gets its text and
// checked form, or becomes unsupported with the language's reason.
func finish(res *Result, text string, opt Options) {
	res.Text = text
	rules, err := dsl.ParseRules(res.File, text)
	if err != nil {
		res.Outcome, res.Reasons = Unsupported, append(res.Reasons, "the hunting language refused the compiled rule: "+firstError(err))
		return
	}
	cr, _, err := dsl.CheckRule(rules[0], catalogue, nil, opt.Compile)
	if err != nil {
		res.Outcome, res.Reasons = Unsupported, append(res.Reasons, "the hunting language refused the compiled rule: "+firstError(err))
		return
	}
	res.Checked = cr
}

func firstError(err error) string {
	if es, ok := err.(dsl.Errors); ok && len(es) > 0 {
		return es[0].Msg
	}
	return err.Error()
}

var nonIdent = regexp.MustCompile(`[^A-Za-z0-9_]+`)

// docName is the rule name of a document: ruleName for a file's first document; a later
// document's adds its name attribute (or its number), so every document of a file has its own.
func docName(r *Rule) string {
	n := ruleName(r.File, r.ID)
	if r.Doc == 0 {
		return n
	}
	suffix := strings.Trim(nonIdent.ReplaceAllString(r.Name, "_"), "_")
	if suffix == "" {
		suffix = strconv.Itoa(r.Doc + 1)
	}
	return n + "_" + suffix
}

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
	if dsl.IsKeyword(n) || strings.EqualFold(n, "rule") {
		n = "sigma_" + n
	}
	return n
}

type converter struct {
	rule *Rule
	// comments are extra lines written above the rule (a correlation's summary and notes);
	// attack are ATT&CK tags of other rules (a correlation's rules) used when the rule has none.
	comments []string
	attack   []string
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

// parts compiles the rule's logsource and detection: the source of the hunting language the
// logsource reads, its where condition ("" when none) and the detection condition.
func (c *converter) parts(ms Mappings) (source, where, match string, err error) {
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
		return "", "", "", unsupported("logsource %s: no mapping for product %q", r.Logsource, prod)
	}
	c.mapping = m
	l, exact := m.find(r.Logsource)
	if l == nil {
		return "", "", "", unsupported("logsource %s: not in the %s mapping", r.Logsource, m.Product)
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
				return "", "", "", unsupported("%v (condition, line %d)", err, r.CondLine)
			}
			return "", "", "", err
		}
		conds = append(conds, e)
	}
	det := conds[0]
	if len(conds) > 1 {
		det = "(" + strings.Join(conds, ") or (") + ")"
	}
	return l.Source, l.Where, unwrap(det), nil
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
	if r.Correlation != nil {
		fmt.Fprintf(&b, "# status: %s; file: %s\n", orDash(oneLine(r.Status)), oneLine(r.File))
	} else {
		fmt.Fprintf(&b, "# status: %s; logsource: %s; file: %s\n", orDash(oneLine(r.Status)), r.Logsource, oneLine(r.File))
	}
	for _, l := range c.comments {
		b.WriteString("# " + oneLine(l) + "\n")
	}
	b.WriteString("# " + LicenceNotice + "\n")
	for _, p := range c.partial {
		b.WriteString("# partial: " + oneLine(p) + "\n")
	}
	fmt.Fprintf(&b, "rule %s {\n", name)
	fmt.Fprintf(&b, "  title %s\n", dsl.Quote(oneLine(r.Title)))
	if r.Description != "" {
		fmt.Fprintf(&b, "  description %s\n", dsl.Quote(strings.TrimSpace(r.Description)))
	}
	fmt.Fprintf(&b, "  severity %s\n", Severity(r.Level))
	ids := AttackIDs(r.Tags)
	if len(ids) == 0 {
		ids = AttackIDs(c.attack)
	}
	if len(ids) > 0 {
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

// Severity maps a Sigma level to a severity of the language; informational is info, and a rule
// without level is medium.
func Severity(level string) string {
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
