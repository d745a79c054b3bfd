// Package sigma reads Sigma detection rules (YAML) and compiles each into a rule of trawl's
// hunting language (docs/language.md), which package dsl then checks and compiles to SQL like
// any hand-written rule. The compiled rule is readable source text, so an analyst can learn the
// language from rules they know and edit them.
//
// Every rule gets an outcome: compiled, partial (it runs, with what was dropped and why) or
// unsupported (with the reason). Nothing is skipped in silence. See docs/sigma.md.
//
// Sigma rules are © their authors and SigmaHQ, under the Detection Rule License (DRL) 1.1; the
// compiled rules keep the author, references and the licence notice.
package sigma

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"gopkg.in/yaml.v3"
)

// MaxRuleBytes bounds the YAML text of one rule file.
const MaxRuleBytes = 1 << 20

// Rule is one Sigma rule as read from YAML, with the line of each part for messages.
type Rule struct {
	File string
	// Doc is the rule's YAML document in its file (0 for the first); Line the line it starts on.
	Doc  int
	Line int
	// Name is the rule's name attribute, by which correlation rules may refer to it.
	Name           string
	Title          string
	ID             string
	Status         string
	Description    string
	Author         string
	Date           string
	Modified       string
	Level          string
	Tags           []string
	References     []string
	FalsePositives []string
	Logsource      Logsource
	// Detection holds the named search identifiers in file order; Condition the condition
	// expressions (Sigma allows a list of them, any of which matches).
	Detection []*Search
	Condition []string
	CondLine  int
	// Correlation is set for a correlation rule (which has no logsource or detection).
	Correlation *Correlation
	// Unsupported is set when the document is a kind of rule that does not compile (rule
	// collections, legacy aggregations) or is not a valid rule, with the reason.
	Unsupported string
	err         error // the problem of a document that is not a valid rule
}

// Logsource is the rule's logsource section.
type Logsource struct {
	Product  string
	Category string
	Service  string
}

func (l Logsource) String() string {
	var parts []string
	for _, kv := range [][2]string{{"product", l.Product}, {"category", l.Category}, {"service", l.Service}} {
		if kv[1] != "" {
			parts = append(parts, kv[0]+" "+kv[1])
		}
	}
	if len(parts) == 0 {
		return "(none)"
	}
	return strings.Join(parts, ", ")
}

// Search is one named search identifier of the detection section: a map (all its fields
// match), a list of maps (any of them), or a list of values (keywords: field-less search).
type Search struct {
	Name string
	Line int
	// Maps are the alternatives (OR) of field maps; Keywords the field-less values. A search is
	// one or the other.
	Maps     [][]*FieldMatch
	Keywords *FieldMatch
}

// FieldMatch is one "Field|mod|mod: value(s)" item. Field is empty for keywords.
type FieldMatch struct {
	Field     string
	Modifiers []string
	Values    []Value
	Line      int
}

// Value is one Sigma value: text (numbers and booleans as written), or null.
type Value struct {
	Text string
	Null bool
	// Number says the YAML value was a number (EventID: 4688), not quoted text.
	Number bool
	// jsonForm asks for the value as it appears inside a JSON string (keywords over raw).
	jsonForm bool
}

// Error is a problem reading a rule file, with its line.
type Error struct {
	File string
	Line int
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return e.File + ": " + e.Msg
}

// MaxDocuments bounds the YAML documents of one rule file (a correlation with its rules).
const MaxDocuments = 64

// Parse reads one Sigma rule file; for a file of several documents (a correlation and the rules
// it names), the first. name is used in messages.
func Parse(name string, src []byte) (*Rule, error) {
	rs, err := ParseAll(name, src)
	if err != nil {
		return nil, err
	}
	if rs[0].err != nil {
		return nil, rs[0].err
	}
	return rs[0], nil
}

// ParseAll reads every YAML document of a rule file: detection rules and correlation rules. A
// file that is not YAML, or is empty, is an error; a document that is not a valid rule becomes a
// rule with Unsupported set to the problem (file and line), so the others still count.
func ParseAll(name string, src []byte) (rs []*Rule, err error) {
	defer func() {
		if p := recover(); p != nil {
			rs, err = nil, &Error{File: name, Msg: fmt.Sprintf("internal error reading the rule: %v", p)}
		}
	}()
	if len(src) > MaxRuleBytes {
		return nil, &Error{File: name, Msg: fmt.Sprintf("rule file is longer than %d bytes", MaxRuleBytes)}
	}
	dec := yaml.NewDecoder(bytes.NewReader(src))
	var docs []*yaml.Node
	for {
		var n yaml.Node
		if err := dec.Decode(&n); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return nil, &Error{File: name, Msg: "not valid YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")}
		}
		if len(n.Content) == 0 {
			continue // an empty document (a trailing ---)
		}
		if len(docs) == MaxDocuments {
			return nil, &Error{File: name, Line: n.Line, Msg: fmt.Sprintf("more than %d YAML documents in one file", MaxDocuments)}
		}
		docs = append(docs, &n)
	}
	if len(docs) == 0 {
		return nil, &Error{File: name, Msg: "empty rule file"}
	}
	for _, d := range docs {
		if root := d.Content[0]; hasKey(root, "action") {
			return []*Rule{{File: name, Line: root.Line, Title: mapValue(docs[0].Content[0], "title"),
				Unsupported: "rule collections (action: " + mapValue(root, "action") + ") are not supported yet"}}, nil
		}
	}
	for i, d := range docs {
		r, err := parseDoc(name, d.Content[0])
		if err != nil {
			root := d.Content[0]
			r = &Rule{File: name, Line: root.Line, Title: mapValue(root, "title"), ID: mapValue(root, "id"), Name: mapValue(root, "name"), Unsupported: err.Error(), err: err}
			if hasKey(root, "correlation") {
				r.Correlation = &Correlation{Percentile: -1} // an invalid correlation rule: still a correlation
			}
		}
		r.Doc = i
		rs = append(rs, r)
	}
	return rs, nil
}

// hasKey says whether a mapping node has the key.
func hasKey(m *yaml.Node, key string) bool {
	for i := 0; m.Kind == yaml.MappingNode && i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return true
		}
	}
	return false
}

// mapValue is the text of key in a mapping node, "" when absent.
func mapValue(m *yaml.Node, key string) string {
	for i := 0; m.Kind == yaml.MappingNode && i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return scalar(m.Content[i+1])
		}
	}
	return ""
}

// parseDoc reads one YAML document: a detection rule or a correlation rule.
func parseDoc(name string, root *yaml.Node) (*Rule, error) {
	if root.Kind != yaml.MappingNode {
		return nil, &Error{File: name, Line: root.Line, Msg: "a Sigma rule is a YAML mapping (title:, logsource:, detection:, ...)"}
	}
	r := &Rule{File: name, Line: root.Line}
	var detection, correlation *yaml.Node
	generate := false
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		switch k.Value {
		case "title":
			r.Title = scalar(v)
		case "id":
			r.ID = scalar(v)
		case "name":
			r.Name = scalar(v)
		case "status":
			r.Status = scalar(v)
		case "description":
			r.Description = scalar(v)
		case "author":
			r.Author = scalar(v)
		case "date":
			r.Date = scalar(v)
		case "modified":
			r.Modified = scalar(v)
		case "level":
			r.Level = scalar(v)
		case "tags":
			r.Tags = scalars(v)
		case "references":
			r.References = scalars(v)
		case "falsepositives":
			r.FalsePositives = scalars(v)
		case "logsource":
			for j := 0; v.Kind == yaml.MappingNode && j+1 < len(v.Content); j += 2 {
				switch v.Content[j].Value {
				case "product":
					r.Logsource.Product = strings.ToLower(scalar(v.Content[j+1]))
				case "category":
					r.Logsource.Category = strings.ToLower(scalar(v.Content[j+1]))
				case "service":
					r.Logsource.Service = strings.ToLower(scalar(v.Content[j+1]))
				}
			}
		case "detection":
			detection = v
		case "correlation":
			correlation = v
		case "generate":
			generate = scalar(v) == "true"
		}
	}
	if r.Title == "" {
		return nil, &Error{File: name, Line: root.Line, Msg: "the rule has no title"}
	}
	if correlation != nil {
		c, err := readCorrelation(name, correlation)
		if err != nil {
			return nil, err
		}
		c.Generate = c.Generate || generate
		r.Correlation = c
		return r, nil
	}
	if detection == nil || detection.Kind != yaml.MappingNode {
		line := root.Line
		if detection != nil {
			line = detection.Line
		}
		return nil, &Error{File: name, Line: line, Msg: "the rule has no detection mapping"}
	}
	for i := 0; i+1 < len(detection.Content); i += 2 {
		k, v := detection.Content[i], detection.Content[i+1]
		if k.Value == "condition" {
			r.CondLine = v.Line
			r.Condition = scalars(v)
			continue
		}
		if k.Value == "timeframe" {
			r.Unsupported = "timeframe (the legacy aggregation window) is not supported: write a correlation rule (event_count, value_count, ...) instead"
			continue
		}
		s, err := readSearch(name, k.Value, v)
		if err != nil {
			return nil, err
		}
		r.Detection = append(r.Detection, s)
	}
	if len(r.Condition) == 0 {
		return nil, &Error{File: name, Line: detection.Line, Msg: "the detection has no condition"}
	}
	return r, nil
}

func scalar(n *yaml.Node) string {
	if n == nil {
		return ""
	}
	if n.Kind == yaml.ScalarNode {
		return n.Value
	}
	if n.Kind == yaml.SequenceNode {
		return strings.Join(scalars(n), ", ")
	}
	return ""
}

func scalars(n *yaml.Node) []string {
	if n == nil {
		return nil
	}
	if n.Kind == yaml.ScalarNode {
		if n.Tag == "!!null" {
			return nil
		}
		return []string{n.Value}
	}
	var out []string
	for _, c := range n.Content {
		if c.Kind == yaml.ScalarNode {
			out = append(out, c.Value)
		}
	}
	return out
}

func readSearch(file, name string, v *yaml.Node) (*Search, error) {
	s := &Search{Name: name, Line: v.Line}
	switch v.Kind {
	case yaml.MappingNode:
		m, err := readMap(file, v)
		if err != nil {
			return nil, err
		}
		s.Maps = [][]*FieldMatch{m}
	case yaml.SequenceNode:
		var kw []Value
		for _, c := range v.Content {
			switch c.Kind {
			case yaml.MappingNode:
				m, err := readMap(file, c)
				if err != nil {
					return nil, err
				}
				s.Maps = append(s.Maps, m)
			case yaml.ScalarNode:
				kw = append(kw, value(c))
			default:
				return nil, &Error{File: file, Line: c.Line, Msg: fmt.Sprintf("search %s: a list holds field maps or values, not nested lists", name)}
			}
		}
		if len(kw) > 0 && len(s.Maps) > 0 {
			return nil, &Error{File: file, Line: v.Line, Msg: fmt.Sprintf("search %s mixes field maps and keywords in one list", name)}
		}
		if len(kw) > 0 {
			s.Keywords = &FieldMatch{Values: kw, Line: v.Line}
		}
		if len(kw) == 0 && len(s.Maps) == 0 {
			return nil, &Error{File: file, Line: v.Line, Msg: fmt.Sprintf("search %s is an empty list", name)}
		}
	case yaml.ScalarNode:
		s.Keywords = &FieldMatch{Values: []Value{value(v)}, Line: v.Line}
	default:
		return nil, &Error{File: file, Line: v.Line, Msg: fmt.Sprintf("search %s must be a map, a list of maps or a list of values", name)}
	}
	return s, nil
}

func readMap(file string, m *yaml.Node) ([]*FieldMatch, error) {
	var out []*FieldMatch
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		parts := strings.Split(k.Value, "|")
		fm := &FieldMatch{Field: parts[0], Line: k.Line}
		for _, p := range parts[1:] {
			fm.Modifiers = append(fm.Modifiers, strings.ToLower(strings.TrimSpace(p)))
		}
		switch v.Kind {
		case yaml.ScalarNode:
			fm.Values = []Value{value(v)}
		case yaml.SequenceNode:
			for _, c := range v.Content {
				if c.Kind != yaml.ScalarNode {
					return nil, &Error{File: file, Line: c.Line, Msg: fmt.Sprintf("field %s: values must be plain values, not maps or lists", k.Value)}
				}
				fm.Values = append(fm.Values, value(c))
			}
			if len(fm.Values) == 0 {
				return nil, &Error{File: file, Line: v.Line, Msg: fmt.Sprintf("field %s has an empty list of values", k.Value)}
			}
		default:
			return nil, &Error{File: file, Line: v.Line, Msg: fmt.Sprintf("field %s: values must be plain values or a list of them", k.Value)}
		}
		out = append(out, fm)
	}
	return out, nil
}

func value(n *yaml.Node) Value {
	switch n.Tag {
	case "!!null":
		return Value{Null: true}
	case "!!int", "!!float":
		return Value{Text: n.Value, Number: true}
	}
	return Value{Text: n.Value}
}
