package dsl

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"

	"trawl/event"
)

// Rule files (*.hunt) hold detection rules: metadata, a query in the hunting language and the
// rule's own test cases. See docs/language.md, "Rules".
//
//	rule ssh_brute_force {
//	  title "SSH brute force then success"
//	  severity high
//	  confidence 0.8
//	  attack [T1110.001]
//	  query sequence by src_ip within 30m
//	          [logon where outcome == "failure"] with count >= 10
//	          then [logon where outcome == "success"]
//	  test "ten failures then a success" { expect 1  event repeat 10 { ... } ... }
//	}

// MaxRuleFileBytes bounds the rule file text ParseRules accepts.
const MaxRuleFileBytes = 1 << 20

// Severity is how bad an alert of a rule is.
type Severity int

const (
	SeverityInfo Severity = iota
	SeverityLow
	SeverityMedium
	SeverityHigh
	SeverityCritical
)

var severityNames = []string{"info", "low", "medium", "high", "critical"}

func (s Severity) String() string {
	if s >= 0 && int(s) < len(severityNames) {
		return severityNames[s]
	}
	return "Severity(" + strconv.Itoa(int(s)) + ")"
}

// ParseSeverity reads a severity name (any case).
func ParseSeverity(s string) (Severity, bool) {
	i := slices.Index(severityNames, strings.ToLower(s))
	return Severity(i), i >= 0
}

// confidenceWords are the named confidence levels a rule may write instead of a number.
var confidenceWords = map[string]float64{"low": 0.3, "medium": 0.6, "high": 0.9}

// Rule is one detection rule of a rule file.
type Rule struct {
	Span           Span
	File           string // as given to ParseRules
	Name           *Ident
	Title          string
	Description    string
	Severity       Severity
	Confidence     float64 // 0..1; 0.6 (medium) when not written
	Attack         []*Item // ATT&CK technique ids as written
	Tags           []*Item
	FalsePositives []*Item
	References     []*Item
	Query          *Query
	QueryText      string // the query as written in the file
	Tests          []*RuleTest
}

func (r *Rule) NodeSpan() Span { return r.Span }

// AttackIDs lists the rule's technique ids as written.
func (r *Rule) AttackIDs() []string { return itemValues(r.Attack) }

// TagValues lists the rule's tags.
func (r *Rule) TagValues() []string { return itemValues(r.Tags) }

func itemValues(items []*Item) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.Value
	}
	return out
}

// Item is one element of a list attribute (attack, tags, false_positives, references).
type Item struct {
	Span  Span
	Value string
}

func (i *Item) NodeSpan() Span { return i.Span }

// RuleTest is one test case of a rule: events, and how many alerts the rule must raise on them
// (Expect 0 for `expect none`).
type RuleTest struct {
	Span   Span
	Name   string
	Expect int
	Events []event.Event
}

func (t *RuleTest) NodeSpan() Span { return t.Span }

// TestEpoch is the time given to a test's first event when it names none; each later event
// without a time comes one second after the one before.
var TestEpoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// maxRepeat bounds `event repeat N`, and MaxTestEvents the events of one test case (so a small
// rule file cannot ask for billions).
const (
	maxRepeat     = 10000
	MaxTestEvents = 100000
)

// ruleLexer is the query lexer with ATT&CK technique ids and braces.
var ruleLexer = lexer.MustSimple(lexerRules([]lexer.SimpleRule{
	{Name: "Technique", Pattern: `T\d{4}(?:\.\d{3})?\b`},
}, "{}"))

type gRuleFile struct {
	Rules []*gRule `parser:"@@*"`
}

type gRule struct {
	Pos    lexer.Position
	EndPos lexer.Position

	Name  *gIdent  `parser:"'rule' @@ '{'"`
	Attrs []*gAttr `parser:"@@* '}'"`
}

type gAttr struct {
	Pos    lexer.Position
	EndPos lexer.Position

	Title          *gText     `parser:"(  'title' @@"`
	Description    *gText     `parser:"  | 'description' @@"`
	Severity       *gIdent    `parser:"  | 'severity' @@"`
	Confidence     *gConf     `parser:"  | 'confidence' @@"`
	Attack         *gItems    `parser:"  | 'attack' @@"`
	Tags           *gItems    `parser:"  | 'tags' @@"`
	FalsePositives *gItems    `parser:"  | 'false_positives' @@"`
	References     *gItems    `parser:"  | 'references' @@"`
	Query          *gQuery    `parser:"  | 'query' @@"`
	Test           *gRuleTest `parser:"  | 'test' @@ )"`
}

type gText struct {
	Pos    lexer.Position
	EndPos lexer.Position
	Text   string `parser:"@( String | RawString )"`
}

type gConf struct {
	Pos    lexer.Position
	EndPos lexer.Position
	Text   string `parser:"@( Float | Int | Ident )"`
}

type gItems struct {
	Items []*gItem `parser:"'[' ( @@ ( ',' @@ )* ','? )? ']'"`
}

type gItem struct {
	Pos    lexer.Position
	EndPos lexer.Position
	Text   string `parser:"@( String | RawString | Technique | Ident )"`
}

type gRuleTest struct {
	Pos    lexer.Position
	EndPos lexer.Position

	Name  *gText       `parser:"@@? '{'"`
	Items []*gTestItem `parser:"@@* '}'"`
}

type gTestItem struct {
	Pos    lexer.Position
	EndPos lexer.Position

	Expect *gExpect `parser:"(  'expect' @@"`
	Event  *gEvent  `parser:" | 'event' @@ )"`
}

type gExpect struct {
	Pos    lexer.Position
	EndPos lexer.Position
	N      *string `parser:"(  @Int"`
	None   bool    `parser:" | @'none' )"`
}

type gEvent struct {
	Pos    lexer.Position
	EndPos lexer.Position

	Repeat *gInt      `parser:"( 'repeat' @@"`
	Every  *gDuration `parser:"  ( 'every' @@ )? )?"`
	JSON   *gText     `parser:"(  @@"`
	KVs    []*gKV     `parser:" | '{' ( @@ ( ',' @@ )* ','? )? '}' )"`
}

type gKV struct {
	Pos    lexer.Position
	EndPos lexer.Position

	Key   *gIdent `parser:"@@ '='"`
	Value *gValue `parser:"@@"`
}

type gValue struct {
	Pos    lexer.Position
	EndPos lexer.Position
	Text   string `parser:"@( String | RawString | CIDR | IP | Duration | Float | Int | Technique | Ident | Keyword )"`
}

var ruleParser = participle.MustBuild[gRuleFile](
	participle.Lexer(ruleLexer),
	participle.Elide("Comment", "Whitespace"),
	participle.CaseInsensitive("Keyword", "Ident"),
	participle.UseLookahead(3),
)

// ParseRules reads a rule file. name is used in messages only. Errors are Errors with spans in
// src; render them with FormatError(src, err).
func ParseRules(name, src string) (rules []*Rule, err error) {
	defer func() {
		if r := recover(); r != nil {
			rules, err = nil, Errors{{Stage: "parse", Span: spanAt(src, 0, 0), Msg: fmt.Sprintf("internal error in the rule parser: %v", r), Hint: "please report this rule file"}}
		}
	}()
	if len(src) > MaxRuleFileBytes {
		return nil, Errors{{Stage: "parse", Span: spanAt(src, MaxRuleFileBytes, MaxRuleFileBytes+1), Msg: fmt.Sprintf("rule file is longer than %d bytes", MaxRuleFileBytes)}}
	}
	if !utf8.ValidString(src) {
		off := invalidUTF8At(src)
		return nil, Errors{{Stage: "parse", Span: spanAt(src, off, off+1), Msg: "rule file is not valid UTF-8"}}
	}
	if _, e := checkNesting(src); e != nil {
		return nil, Errors{e}
	}
	g, perr := ruleParser.ParseString(name, src)
	if perr != nil {
		return nil, Errors{parseError(src, perr)}
	}
	l := &lowerer{src: src, lines: newLineIndex(src)}
	for _, gr := range g.Rules {
		if r := l.rule(name, gr); r != nil {
			rules = append(rules, r)
		}
	}
	if len(l.errs) > 0 {
		return nil, l.errs.sorted()
	}
	return rules, nil
}

func (l *lowerer) text(g *gText) string {
	s := g.Text
	if strings.HasPrefix(s, "'") {
		return s[1 : len(s)-1]
	}
	v, _, err := unquote(s)
	if err != nil {
		l.errorf(l.span(g.Pos, g.EndPos), "", "bad string: %v", err)
	}
	return v
}

func (l *lowerer) items(g *gItems) []*Item {
	var out []*Item
	for _, it := range g.Items {
		v := it.Text
		if strings.HasPrefix(v, `"`) || strings.HasPrefix(v, "'") {
			v = l.text(&gText{Pos: it.Pos, EndPos: it.EndPos, Text: v})
		}
		out = append(out, &Item{Span: l.span(it.Pos, it.EndPos), Value: v})
	}
	return out
}

func (l *lowerer) rule(file string, g *gRule) *Rule {
	r := &Rule{Span: l.span(g.Pos, g.EndPos), File: file, Name: l.ident(g.Name), Confidence: confidenceWords["medium"]}
	seen := map[string]bool{}
	once := func(a *gAttr, name string) {
		if seen[name] {
			l.errorf(l.span(a.Pos, a.EndPos), "", "rule %s has %s twice", r.Name.Name, name)
		}
		seen[name] = true
	}
	for _, a := range g.Attrs {
		switch {
		case a.Title != nil:
			once(a, "title")
			r.Title = l.text(a.Title)
		case a.Description != nil:
			once(a, "description")
			r.Description = l.text(a.Description)
		case a.Severity != nil:
			once(a, "severity")
			sev, ok := ParseSeverity(a.Severity.Name)
			if !ok {
				l.errorf(l.span(a.Severity.Pos, a.Severity.EndPos), suggest(a.Severity.Name, severityNames),
					"unknown severity %q: use %s", a.Severity.Name, strings.Join(severityNames, ", "))
			}
			r.Severity = sev
		case a.Confidence != nil:
			once(a, "confidence")
			r.Confidence = l.confidence(a.Confidence)
		case a.Attack != nil:
			once(a, "attack")
			r.Attack = l.items(a.Attack)
		case a.Tags != nil:
			once(a, "tags")
			r.Tags = l.items(a.Tags)
		case a.FalsePositives != nil:
			once(a, "false_positives")
			r.FalsePositives = l.items(a.FalsePositives)
		case a.References != nil:
			once(a, "references")
			r.References = l.items(a.References)
		case a.Query != nil:
			once(a, "query")
			r.Query = l.query(a.Query)
			r.QueryText = strings.TrimSpace(l.src[a.Query.Pos.Offset:a.Query.EndPos.Offset])
		case a.Test != nil:
			r.Tests = append(r.Tests, l.ruleTest(r, a.Test))
		}
	}
	for _, req := range []string{"title", "severity", "query"} {
		if !seen[req] {
			l.errorf(r.Name.Span, "", "rule %s has no %s", r.Name.Name, req)
		}
	}
	// Test events without a category get the category the query starts from.
	if cat := r.defaultCategory(); cat != "" {
		for _, t := range r.Tests {
			for i := range t.Events {
				if t.Events[i].Category == "" {
					t.Events[i].Category = cat
				}
			}
		}
	}
	return r
}

// defaultCategory is the stored category of the query's source (or first sequence step), "" for
// events or no query.
func (r *Rule) defaultCategory() string {
	if r.Query == nil {
		return ""
	}
	var name string
	switch {
	case r.Query.Source != nil:
		name = r.Query.Source.Category
	case r.Query.Sequence != nil && len(r.Query.Sequence.Steps) > 0:
		name = r.Query.Sequence.Steps[0].Source.Category
	}
	if strings.EqualFold(name, AllEvents) {
		return ""
	}
	return categoryValue(name)
}

func (l *lowerer) confidence(g *gConf) float64 {
	sp := l.span(g.Pos, g.EndPos)
	if v, ok := confidenceWords[strings.ToLower(g.Text)]; ok {
		return v
	}
	f, err := strconv.ParseFloat(g.Text, 64)
	if err != nil || math.IsNaN(f) || f < 0 || f > 1 {
		l.errorf(sp, "write a number from 0 to 1, or low (0.3), medium (0.6) or high (0.9)", "bad confidence %q", g.Text)
		return 0
	}
	return f
}

func (l *lowerer) ruleTest(r *Rule, g *gRuleTest) *RuleTest {
	t := &RuleTest{Span: l.span(g.Pos, g.EndPos), Expect: -1}
	if g.Name != nil {
		t.Name = l.text(g.Name)
	}
	next := TestEpoch
	for _, it := range g.Items {
		switch {
		case it.Expect != nil:
			if t.Expect >= 0 {
				l.errorf(l.span(it.Pos, it.EndPos), "", "test has expect twice")
			}
			if it.Expect.None {
				t.Expect = 0
			} else {
				n, err := strconv.Atoi(*it.Expect.N)
				if err != nil || n > maxRepeat {
					l.errorf(l.span(it.Expect.Pos, it.Expect.EndPos), "", "bad alert count %q", *it.Expect.N)
				}
				t.Expect = n
			}
		case it.Event != nil:
			ev, ok := l.testEvent(it.Event)
			if !ok {
				continue
			}
			n := 1
			if it.Event.Repeat != nil {
				var err error
				n, err = strconv.Atoi(it.Event.Repeat.Text)
				if err != nil || n < 1 || n > maxRepeat {
					l.errorf(l.span(it.Event.Repeat.Pos, it.Event.Repeat.EndPos), "", "repeat must be 1 to %d", maxRepeat)
					n = 1
				}
			}
			step := time.Second
			if it.Event.Every != nil {
				if d := l.duration(it.Event.Every); d != nil {
					if v, ok := d.Value.(time.Duration); ok && v > 0 {
						step = v
					}
				}
			}
			start := next
			if !ev.Time.IsZero() {
				start = ev.Time
			}
			if len(t.Events)+n > MaxTestEvents {
				l.errorf(l.span(it.Pos, it.EndPos), "", "a test may hold at most %d events", MaxTestEvents)
				return t
			}
			for i := range n {
				e := ev
				e.Time = start.Add(time.Duration(i) * step)
				next = e.Time.Add(time.Second)
				t.Events = append(t.Events, e)
			}
		}
	}
	if t.Expect < 0 {
		l.errorf(t.Span, "add expect N (alerts) or expect none", "test of rule %s says nothing to expect", r.Name.Name)
		t.Expect = 0
	}
	return t
}

// testEvent builds an event from a JSON object or key = value pairs: keys naming a column set it
// (parsed as that column's type), fields is an object of source fields, and any other key
// becomes a source field.
func (l *lowerer) testEvent(g *gEvent) (event.Event, bool) {
	var ev event.Event
	ev.SourceType = "test"
	set := func(sp Span, key string, v any) bool {
		if key == "fields" {
			if m, ok := v.(map[string]any); ok {
				if ev.Fields == nil {
					ev.Fields = map[string]any{}
				}
				for k, x := range m {
					ev.Fields[k] = x
				}
				return true
			}
		}
		if event.Settable(key) {
			if err := ev.Set(key, textOf(v)); err != nil {
				l.errorf(sp, "", "bad test event: %v", err)
				return false
			}
			return true
		}
		if ev.Fields == nil {
			ev.Fields = map[string]any{}
		}
		ev.Fields[key] = v
		return true
	}
	if g.JSON != nil {
		sp := l.span(g.JSON.Pos, g.JSON.EndPos)
		text := l.text(g.JSON)
		var m map[string]any
		dec := json.NewDecoder(strings.NewReader(text))
		dec.UseNumber()
		if err := dec.Decode(&m); err != nil {
			l.errorf(sp, `write one JSON object in single quotes: '{"user": "alice"}'`, "bad test event: %v", err)
			return ev, false
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if !set(sp, k, m[k]) {
				return ev, false
			}
		}
		ev.Raw = text
		return ev, true
	}
	var raw []string
	for _, kv := range g.KVs {
		v := kv.Value.Text
		if strings.HasPrefix(v, `"`) || strings.HasPrefix(v, "'") {
			v = l.text(&gText{Pos: kv.Value.Pos, EndPos: kv.Value.EndPos, Text: v})
		}
		if !set(l.span(kv.Pos, kv.EndPos), kv.Key.Name, v) {
			return ev, false
		}
		raw = append(raw, kv.Key.Name+"="+strconv.Quote(v))
	}
	ev.Raw = strings.Join(raw, " ")
	return ev, true
}

func textOf(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return ""
	case json.Number:
		return x.String()
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// RuleIssue is a warning about a rule that does not stop it running (an unknown ATT&CK id).
type RuleIssue = Error

// TechniqueLookup says whether an ATT&CK technique id is known; CheckRule takes it so dsl stays
// free of the ATT&CK tables (main passes one built on package attack).
type TechniqueLookup func(id string) (known bool, hint string)

// CheckedRule is a rule whose query passed the checker and compiled.
type CheckedRule struct {
	*Rule
	Compiled *Compiled
}

// CheckRule checks and compiles a rule's query against cat and reports its warnings: ATT&CK ids
// lookup does not know (kept as written) and a rule without tests. Errors are Errors with spans
// in the rule's file.
func CheckRule(r *Rule, cat Catalogue, lookup TechniqueLookup, opt Options) (*CheckedRule, []*Error, error) {
	var warns []*Error
	for _, a := range r.Attack {
		if lookup == nil {
			break
		}
		if ok, hint := lookup(a.Value); !ok {
			warns = append(warns, &Error{Stage: "check", Span: a.Span, Msg: fmt.Sprintf("unknown or retired ATT&CK technique %q (kept as written)", a.Value), Hint: hint})
		}
	}
	if len(r.Tests) == 0 {
		warns = append(warns, &Error{Stage: "check", Span: r.Name.Span, Msg: fmt.Sprintf("rule %s has no test cases", r.Name.Name), Hint: "add test { expect 1 event {...} } and test { expect none ... }"})
	}
	ch, err := Check(r.Query, cat)
	if err != nil {
		return nil, warns, err
	}
	c, err := CompileWith(ch, opt)
	if err != nil {
		return nil, warns, err
	}
	if c.EvidenceSQL == "" {
		return nil, warns, Errors{{Stage: "check", Span: r.Query.Span, Msg: "this query loses its evidence (the events behind each row)", Hint: "rules must return events, or stats, rare or sequence rows, so each alert can name its events"}}
	}
	return &CheckedRule{Rule: r, Compiled: c}, warns, nil
}

// DuplicateRules reports rules sharing a name, each after the first.
func DuplicateRules(rules []*Rule) []*Rule {
	seen := map[string]bool{}
	var out []*Rule
	for _, r := range rules {
		k := strings.ToLower(r.Name.Name)
		if seen[k] {
			out = append(out, r)
		}
		seen[k] = true
	}
	return out
}
