package risk

import (
	"bytes"
	_ "embed"
	"fmt"
	"io"
	"math"
	"time"

	"gopkg.in/yaml.v3"

	"trawl/event"
)

// Action is what the triage policy does with an alert.
type Action string

const (
	AutoClose Action = "auto-close"
	Queue     Action = "queue"
	Escalate  Action = "escalate"
)

//go:embed policy.yaml
var defaultPolicy []byte

// DefaultPolicyYAML is the embedded default policy file, as text.
func DefaultPolicyYAML() []byte { return bytes.Clone(defaultPolicy) }

// Policy is the triage policy: score bands to actions, incident score to priority, and the
// parameters of entity risk and grouping.
type Policy struct {
	Actions    []Band     `yaml:"actions"`
	Priorities []Priority `yaml:"priorities"`
	EntityRisk struct {
		HalfLife   Duration `yaml:"half_life"`
		Window     Duration `yaml:"window"`
		Threshold  float64  `yaml:"threshold"`
		Percentile float64  `yaml:"percentile"`
	} `yaml:"entity_risk"`
	Grouping struct {
		Window       Duration `yaml:"window"`
		HubShare     float64  `yaml:"hub_share"`
		HubMinAlerts int      `yaml:"hub_min_alerts"`
		WideValues   int      `yaml:"wide_values"`
	} `yaml:"grouping"`
}

// Band maps alert scores below Below (nil: any score) to Action.
type Band struct {
	Action Action `yaml:"action"`
	Below  *int   `yaml:"below"`
}

// Priority is given to incidents scoring at least Min.
type Priority struct {
	Priority string `yaml:"priority"`
	Min      int    `yaml:"min"`
}

// Duration reads "24h", "90m" or "7d" in YAML.
type Duration time.Duration

func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	var s string
	if err := n.Decode(&s); err != nil {
		return err
	}
	v, err := parseDuration(s)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	*d = Duration(v)
	return nil
}

func parseDuration(s string) (time.Duration, error) {
	d, err := event.ParseSpan(s)
	if err != nil {
		return 0, fmt.Errorf("duration %q: want e.g. 90m, 24h or 7d", s)
	}
	return d, nil
}

// DefaultPolicy is the embedded policy.yaml.
func DefaultPolicy() Policy {
	p, err := ReadPolicy(bytes.NewReader(defaultPolicy))
	if err != nil {
		panic("risk: embedded policy.yaml: " + err.Error())
	}
	return p
}

// ReadPolicy reads a policy file. Sections the file leaves out keep the defaults; what it gives
// is checked: bands in increasing order ending with an open band, priorities in decreasing
// order of min, positive durations, shares between 0 and 1.
func ReadPolicy(r io.Reader) (Policy, error) {
	// Start from the defaults so that a file may give only what it changes.
	var p Policy
	if err := yaml.Unmarshal(defaultPolicy, &p); err != nil {
		return p, fmt.Errorf("embedded policy: %w", err)
	}
	dec := yaml.NewDecoder(r)
	dec.KnownFields(true)
	var over Policy
	if err := dec.Decode(&over); err != nil && err != io.EOF {
		return p, fmt.Errorf("policy: %w", err)
	}
	if over.Actions != nil {
		p.Actions = over.Actions
	}
	if over.Priorities != nil {
		p.Priorities = over.Priorities
	}
	// A knob the file leaves out (or gives as zero) keeps its default.
	keep(&p.EntityRisk.HalfLife, over.EntityRisk.HalfLife)
	keep(&p.EntityRisk.Window, over.EntityRisk.Window)
	keep(&p.EntityRisk.Threshold, over.EntityRisk.Threshold)
	keep(&p.EntityRisk.Percentile, over.EntityRisk.Percentile)
	keep(&p.Grouping.Window, over.Grouping.Window)
	keep(&p.Grouping.HubShare, over.Grouping.HubShare)
	keep(&p.Grouping.HubMinAlerts, over.Grouping.HubMinAlerts)
	keep(&p.Grouping.WideValues, over.Grouping.WideValues)
	return p, p.Check()
}

// keep sets *dst to v unless v is the zero value.
func keep[T comparable](dst *T, v T) {
	var zero T
	if v != zero {
		*dst = v
	}
}

// Check reports the first problem of a policy.
func (p Policy) Check() error {
	if len(p.Actions) == 0 {
		return fmt.Errorf("policy: actions: none given")
	}
	prev := math.MinInt
	for i, b := range p.Actions {
		switch b.Action {
		case AutoClose, Queue, Escalate:
		default:
			return fmt.Errorf("policy: actions[%d]: unknown action %q (want auto-close, queue or escalate)", i, b.Action)
		}
		last := i == len(p.Actions)-1
		if b.Below == nil && !last {
			return fmt.Errorf("policy: actions[%d]: only the last band may leave out below", i)
		}
		if b.Below != nil && last {
			return fmt.Errorf("policy: actions[%d]: the last band must leave out below (it takes the rest)", i)
		}
		if b.Below != nil {
			if *b.Below <= prev {
				return fmt.Errorf("policy: actions[%d]: below %d is not above the band before (%d)", i, *b.Below, prev)
			}
			prev = *b.Below
		}
	}
	if len(p.Priorities) == 0 {
		return fmt.Errorf("policy: priorities: none given")
	}
	for i, pr := range p.Priorities {
		if pr.Priority == "" {
			return fmt.Errorf("policy: priorities[%d]: no name", i)
		}
		if i > 0 && pr.Min >= p.Priorities[i-1].Min {
			return fmt.Errorf("policy: priorities[%d]: min %d must be below the one before (%d)", i, pr.Min, p.Priorities[i-1].Min)
		}
	}
	if p.EntityRisk.HalfLife <= 0 || p.EntityRisk.Window <= 0 || p.Grouping.Window < 0 {
		return fmt.Errorf("policy: half_life and window must be positive")
	}
	if p.EntityRisk.Threshold <= 0 {
		return fmt.Errorf("policy: entity_risk.threshold must be positive")
	}
	if p.EntityRisk.Percentile < 0 || p.EntityRisk.Percentile > 100 {
		return fmt.Errorf("policy: entity_risk.percentile %g: want 0 to 100", p.EntityRisk.Percentile)
	}
	if p.Grouping.HubShare <= 0 || p.Grouping.HubShare > 1 {
		return fmt.Errorf("policy: grouping.hub_share %g: want a share above 0 and at most 1", p.Grouping.HubShare)
	}
	if p.Grouping.WideValues < 1 {
		return fmt.Errorf("policy: grouping.wide_values must be at least 1")
	}
	return nil
}

// ActionFor is the action of an alert score.
func (p Policy) ActionFor(score int) Action {
	for _, b := range p.Actions {
		if b.Below == nil || score < *b.Below {
			return b.Action
		}
	}
	return Queue
}

// PriorityFor is the priority of an incident score.
func (p Policy) PriorityFor(score int) string {
	for _, pr := range p.Priorities {
		if score >= pr.Min {
			return pr.Priority
		}
	}
	return p.Priorities[len(p.Priorities)-1].Priority
}
