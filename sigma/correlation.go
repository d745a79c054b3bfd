package sigma

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Correlation is the correlation section of a Sigma correlation rule (Sigma correlation rules
// specification 2.1): the rules it correlates, how their events are grouped, the time span and
// the condition on the count, distinct count, sum, average or percentile.
type Correlation struct {
	Type     string   // event_count, value_count, temporal, temporal_ordered, value_sum, value_avg, value_percentile (and pySigma's value_median)
	Rules    []string // ids or names of the correlated rules
	GroupBy  []string
	Timespan string // as written: 10m, 1h, 1d
	// Aliases name a field that is called differently in the events of each rule: alias →
	// rule name (or id) → field. AliasOrder keeps them in file order.
	Aliases    map[string]map[string]string
	AliasOrder []string
	Cond       []CondTerm // joined with and; empty for temporal types without condition
	Field      []string   // the condition's field (value_count and the metric types)
	Percentile int        // value_percentile's percentile (condition key percentile, as pySigma reads it); -1 when not given
	Generate   bool       // the correlated rules also run on their own
	Line       int
}

// CondTerm is one comparison of a correlation condition: gte: 10.
type CondTerm struct {
	Op    string // gt, gte, lt, lte, eq, neq
	Value string // a number as written
}

var correlationTypes = []string{"event_count", "value_count", "temporal", "temporal_ordered", "value_sum", "value_avg", "value_percentile", "value_median"}

var condOps = map[string]string{"gt": ">", "gte": ">=", "lt": "<", "lte": "<=", "eq": "==", "neq": "!="}

// readCorrelation reads a correlation section, checking what the specification requires.
func readCorrelation(file string, n *yaml.Node) (*Correlation, error) {
	errAt := func(line int, format string, args ...any) error {
		return &Error{File: file, Line: line, Msg: "correlation: " + fmt.Sprintf(format, args...)}
	}
	if n.Kind != yaml.MappingNode {
		return nil, errAt(n.Line, "the correlation section is a mapping (type:, rules:, group-by:, timespan:, condition:)")
	}
	c := &Correlation{Line: n.Line, Percentile: -1}
	var condNode *yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch k.Value {
		case "type":
			c.Type = strings.ToLower(scalar(v))
			if !slices.Contains(correlationTypes, c.Type) {
				return nil, errAt(v.Line, "unknown type %q: the types are %s", scalar(v), strings.Join(correlationTypes[:7], ", "))
			}
		case "rules":
			c.Rules = scalars(v)
		case "group-by":
			c.GroupBy = scalars(v)
		case "timespan":
			c.Timespan = scalar(v)
			if _, err := timespan(c.Timespan); err != nil {
				return nil, errAt(v.Line, "%v", err)
			}
		case "generate":
			c.Generate = scalar(v) == "true"
		case "condition":
			condNode = v
		case "aliases":
			if v.Kind != yaml.MappingNode {
				return nil, errAt(v.Line, "aliases map an alias to a mapping of rule name to field")
			}
			c.Aliases = map[string]map[string]string{}
			for j := 0; j+1 < len(v.Content); j += 2 {
				alias, m := v.Content[j].Value, v.Content[j+1]
				if m.Kind != yaml.MappingNode {
					return nil, errAt(m.Line, "alias %s: map each rule name to its field", alias)
				}
				fields := map[string]string{}
				for x := 0; x+1 < len(m.Content); x += 2 {
					fields[m.Content[x].Value] = scalar(m.Content[x+1])
				}
				c.Aliases[alias] = fields
				c.AliasOrder = append(c.AliasOrder, alias)
			}
		}
	}
	if c.Type == "" {
		return nil, errAt(n.Line, "no type")
	}
	if len(c.Rules) == 0 {
		return nil, errAt(n.Line, "no rules: name the correlated rules by id or name")
	}
	if c.Timespan == "" {
		return nil, errAt(n.Line, "no timespan (e.g. timespan: 10m)")
	}
	if condNode != nil {
		if condNode.Kind != yaml.MappingNode {
			return nil, errAt(condNode.Line, "the condition is a mapping such as gte: 10 (extended conditions of rule names are not supported)")
		}
		for j := 0; j+1 < len(condNode.Content); j += 2 {
			k, v := condNode.Content[j].Value, condNode.Content[j+1]
			switch {
			case k == "field":
				c.Field = scalars(v)
			case k == "percentile":
				p, err := strconv.Atoi(scalar(v))
				if err != nil || p < 0 || p > 100 {
					return nil, errAt(v.Line, "percentile %q: a whole number from 0 to 100", scalar(v))
				}
				c.Percentile = p
			case condOps[k] != "":
				if _, err := strconv.ParseFloat(scalar(v), 64); err != nil || v.Kind != yaml.ScalarNode {
					return nil, errAt(v.Line, "condition %s: %q is not a number", k, scalar(v))
				}
				c.Cond = append(c.Cond, CondTerm{Op: k, Value: scalar(v)})
			default:
				return nil, errAt(condNode.Content[j].Line, "unknown condition key %q: use gt, gte, lt, lte, eq, neq (and field)", k)
			}
		}
	}
	switch c.Type {
	case "temporal", "temporal_ordered":
	default:
		if len(c.Cond) == 0 {
			return nil, errAt(n.Line, "%s needs a condition such as gte: 10", c.Type)
		}
		if c.Type != "event_count" && len(c.Field) == 0 {
			return nil, errAt(n.Line, "%s needs the condition's field", c.Type)
		}
	}
	return c, nil
}

// timespan turns a Sigma time span (a number and s, m, h, d; pySigma also reads w) into a
// duration of the hunting language.
func timespan(s string) (string, error) {
	if len(s) < 2 {
		return "", fmt.Errorf("timespan %q: write a number and s, m, h or d (10m)", s)
	}
	n, unit := s[:len(s)-1], s[len(s)-1:]
	v, err := strconv.ParseInt(n, 10, 64)
	if err != nil || v <= 0 || v > 1<<31 {
		return "", fmt.Errorf("timespan %q: write a number and s, m, h or d (10m)", s)
	}
	if _, ok := spanUnit[unit[0]]; ok {
		return strconv.FormatInt(v, 10) + unit, nil
	}
	if unit == "M" || unit == "y" {
		return "", fmt.Errorf("timespan %q: months and years have no fixed length; write days (30d)", s)
	}
	return "", fmt.Errorf("timespan %q: write a number and s, m, h or d (10m)", s)
}
