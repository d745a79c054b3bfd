package intel

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"trawl/internal/tabular"
)

// stixObject holds the STIX 2.1 properties trawl reads from a bundle's objects.
type stixObject struct {
	Type           string   `json:"type"`
	ID             string   `json:"id"`
	SpecVersion    string   `json:"spec_version"`
	Name           string   `json:"name"`
	Description    string   `json:"description"`
	Pattern        string   `json:"pattern"`
	PatternType    string   `json:"pattern_type"`
	ValidFrom      string   `json:"valid_from"`
	ValidUntil     string   `json:"valid_until"`
	Labels         []string `json:"labels"`
	IndicatorTypes []string `json:"indicator_types"`
	Confidence     *float64 `json:"confidence"`
	CreatedByRef   string   `json:"created_by_ref"`
	Revoked        bool     `json:"revoked"`
	RelType        string   `json:"relationship_type"`
	SourceRef      string   `json:"source_ref"`
	TargetRef      string   `json:"target_ref"`
}

// pendingIndicator is an indicator read from a bundle, held until the bundle ends so that
// identities (its source) and relationships (what it indicates) anywhere in the bundle apply.
type pendingIndicator struct {
	obj  stixObject
	line int64
	raw  string
}

// threatTypes are the STIX objects an indicator can indicate, named in matches.
var threatTypes = map[string]bool{"malware": true, "threat-actor": true, "intrusion-set": true, "campaign": true, "tool": true, "attack-pattern": true, "infrastructure": true}

// ReadSTIX reads a STIX 2.1 bundle (STIX 2.0 bundles too). Each indicator whose pattern_type is
// stix and whose pattern reduces to values (see Reduce) gives one Indicator per value, carrying
// its id, name, confidence, valid_from/valid_until, labels and indicator_types, the name of its
// creator identity as source (else Options.Source), and the malware, threat actors and other
// threats it "indicates" through relationships, as labels "indicates: malware: NAME".
// Indicators that are revoked, of another pattern_type, or not reducible are reported as
// skipped rejects with the reason. The bundle's indicators are held until its end.
func ReadSTIX(ctx context.Context, r io.Reader, opt Options, sink Sink) error {
	lc := tabular.NewLineCounter(r)
	dec := json.NewDecoder(lc)
	bad := func(off int64, format string, args ...any) error {
		return sink.Reject(Reject{Line: lc.LineAt(off), Reason: fmt.Sprintf(format, args...)})
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return bad(dec.InputOffset(), "not a STIX bundle: want a JSON object")
	}
	var (
		pending    []pendingIndicator
		identities = map[string]string{}
		threats    = map[string]string{}
		indicates  = map[string][]string{} // indicator id -> threat ids
		bundleType string
	)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return bad(dec.InputOffset(), "bad JSON: %v", err)
		}
		key, _ := tok.(string)
		if key != "objects" {
			var v json.RawMessage
			if err := dec.Decode(&v); err != nil {
				return bad(dec.InputOffset(), "bad JSON in %q: %v", key, err)
			}
			if key == "type" {
				json.Unmarshal(v, &bundleType)
			}
			continue
		}
		if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
			return bad(dec.InputOffset(), "bundle objects: want a JSON array")
		}
		for dec.More() {
			if err := ctx.Err(); err != nil {
				return err
			}
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return bad(dec.InputOffset(), "bad JSON in objects: %v", err)
			}
			line := lc.LineAt(dec.InputOffset() - int64(len(raw)))
			var o stixObject
			if err := json.Unmarshal(raw, &o); err != nil {
				if err := sink.Reject(Reject{Line: line, Reason: "bad STIX object: " + err.Error(), Raw: cutRaw(string(raw))}); err != nil {
					return err
				}
				continue
			}
			switch {
			case o.Type == "indicator":
				pending = append(pending, pendingIndicator{o, line, cutRaw(string(compact(raw)))})
			case o.Type == "identity":
				identities[o.ID] = o.Name
			case threatTypes[o.Type]:
				threats[o.ID] = o.Type + ": " + o.Name
			case o.Type == "relationship" && o.RelType == "indicates":
				indicates[o.SourceRef] = append(indicates[o.SourceRef], o.TargetRef)
			}
		}
		if _, err := dec.Token(); err != nil {
			return bad(dec.InputOffset(), "bad JSON: %v", err)
		}
	}
	if bundleType != "bundle" {
		return bad(0, "not a STIX bundle: type is %q, want \"bundle\"", bundleType)
	}
	for _, p := range pending {
		var names []string
		for _, id := range indicates[p.obj.ID] {
			if n, ok := threats[id]; ok {
				names = append(names, "indicates: "+n)
			} else {
				names = append(names, "indicates: "+id)
			}
		}
		slices.Sort(names)
		if err := emitIndicator(p, identities, names, opt, sink); err != nil {
			return err
		}
	}
	return nil
}

func compact(raw []byte) []byte {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return raw
	}
	return b.Bytes()
}

func emitIndicator(p pendingIndicator, identities map[string]string, threats []string, opt Options, sink Sink) error {
	o := p.obj
	reject := func(field, reason string, skipped bool) error {
		return sink.Reject(Reject{Line: p.line, Field: field, Reason: reason, Raw: p.raw, ID: o.ID, Skipped: skipped})
	}
	if o.Revoked {
		return reject("revoked", "indicator is revoked", true)
	}
	if pt := strings.ToLower(o.PatternType); pt != "" && pt != "stix" {
		return reject("pattern_type", fmt.Sprintf("pattern_type %q is not stix", o.PatternType), true)
	}
	if o.Pattern == "" {
		return reject("pattern", "indicator has no pattern", false)
	}
	red, err := Reduce(o.Pattern)
	if err != nil {
		return reject("pattern", err.Error(), errors.Is(err, ErrNotReducible))
	}
	ind := Indicator{
		Source: opt.Source, Confidence: -1, ID: o.ID, Name: o.Name, Description: o.Description,
		Pattern: o.Pattern, Note: red.Note, Line: p.line,
	}
	if n := identities[o.CreatedByRef]; n != "" {
		ind.Source = n
	}
	if o.Confidence != nil {
		c := *o.Confidence
		if c < 0 || c > 100 || c != float64(int(c)) {
			return reject("confidence", fmt.Sprintf("confidence %v is not an integer 0-100", c), false)
		}
		ind.Confidence = int(c)
	}
	if ind.ValidFrom, err = ParseTime(o.ValidFrom); err != nil {
		return reject("valid_from", err.Error(), false)
	}
	if ind.ValidUntil, err = ParseTime(o.ValidUntil); err != nil {
		return reject("valid_until", err.Error(), false)
	}
	ind.Labels = append(append(append([]string(nil), o.Labels...), o.IndicatorTypes...), threats...)
	for _, v := range red.Values {
		ind.Type, ind.Value = v.Type, v.Value
		if err := sink.Indicator(ind); err != nil {
			return err
		}
	}
	return nil
}
