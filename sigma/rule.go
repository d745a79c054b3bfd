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
	File           string
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
	// Unsupported is set when the file is a kind of rule this slice does not compile
	// (correlation rules, rule collections, legacy aggregations), with the reason.
	Unsupported string
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

// Parse reads one Sigma rule file. name is used in messages.
func Parse(name string, src []byte) (r *Rule, err error) {
	defer func() {
		if p := recover(); p != nil {
			r, err = nil, &Error{File: name, Msg: fmt.Sprintf("internal error reading the rule: %v", p)}
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
		docs = append(docs, &n)
		if len(docs) > 16 {
			break
		}
	}
	if len(docs) == 0 || len(docs[0].Content) == 0 {
		return nil, &Error{File: name, Msg: "empty rule file"}
	}
	root := docs[0].Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, &Error{File: name, Line: root.Line, Msg: "a Sigma rule is a YAML mapping (title:, logsource:, detection:, ...)"}
	}
	r = &Rule{File: name}
	if len(docs) > 1 {
		r.Unsupported = "rule collections (several YAML documents in one file) are not supported yet"
	}
	var detection *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		switch k.Value {
		case "title":
			r.Title = scalar(v)
		case "id":
			r.ID = scalar(v)
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
			r.Unsupported = "correlation rules are not supported yet (a later slice compiles them to stats and sequence stages)"
		case "action":
			r.Unsupported = "rule collections (action: " + scalar(v) + ") are not supported yet"
		}
	}
	if r.Unsupported != "" {
		return r, nil
	}
	if r.Title == "" {
		return nil, &Error{File: name, Line: root.Line, Msg: "the rule has no title"}
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
			r.Unsupported = "timeframe (an aggregation window) belongs to correlation rules, not supported yet"
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
