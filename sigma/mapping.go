package sigma

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"regexp"
	"sort"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"

	"trawl/dsl"
)

// The mapping files: one per product family, in mappings/*.yml.
//
//go:embed mappings/*.yml
var mappingFiles embed.FS

// Mapping is how one Sigma product's logsources and fields become trawl's events and fields.
type Mapping struct {
	Product    string
	Unmapped   string            // template for fields no table names: {field} is the Sigma name
	Common     map[string]string // lower-case Sigma field → trawl field, for every logsource
	Logsources []*LogsourceMap
	File       string
}

// LogsourceMap is one logsource of a product: the events it reads and its field table. An
// empty Category and Service is the product's catch-all.
type LogsourceMap struct {
	Category string
	Service  string
	Source   string // a source of the hunting language: process, file, events, ...
	Where    string // a condition of the hunting language, or ""
	Unmapped string // overrides the product's template
	Fields   map[string]string
	// Records, when set, says events group several records, each record type's fields under
	// its name (auditd): a search's Field (type) picks the group its other fields are read in.
	Records *Records
}

// Records describes events that group records by type (auditd: fields.EXECVE.a0).
type Records struct {
	Field string   `yaml:"field"` // the Sigma field naming the record type (type)
	Lists []string `yaml:"lists"` // record types that repeat, kept as a list (PATH)
}

type mappingYAML struct {
	Product    string            `yaml:"product"`
	Unmapped   string            `yaml:"unmapped"`
	Common     map[string]string `yaml:"common"`
	Logsources []struct {
		Category string            `yaml:"category"`
		Service  string            `yaml:"service"`
		Source   string            `yaml:"source"`
		Where    string            `yaml:"where"`
		Unmapped string            `yaml:"unmapped"`
		Fields   map[string]string `yaml:"fields"`
		Records  *Records          `yaml:"records"`
	} `yaml:"logsources"`
}

// Mappings are the products' mappings by lower-case product name.
type Mappings map[string]*Mapping

var (
	builtinOnce sync.Once
	builtin     Mappings
	builtinErr  error
)

// Builtin returns the embedded mappings (mappings/*.yml).
func Builtin() (Mappings, error) {
	builtinOnce.Do(func() { builtin, builtinErr = LoadMappings(mappingFiles, "mappings") })
	return builtin, builtinErr
}

// LoadMappings reads every *.yml file of dir in fsys; a file may hold several products as
// YAML documents.
func LoadMappings(fsys fs.FS, dir string) (Mappings, error) {
	ents, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	out := Mappings{}
	for _, e := range ents {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".yml") {
			continue
		}
		name := dir + "/" + e.Name()
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		dec := yaml.NewDecoder(bytes.NewReader(b))
		for {
			var y mappingYAML
			if err := dec.Decode(&y); err != nil {
				if errors.Is(err, io.EOF) {
					break
				}
				return nil, fmt.Errorf("mapping %s: %w", name, err)
			}
			m, err := y.build(name)
			if err != nil {
				return nil, err
			}
			out[m.Product] = m
		}
	}
	return out, nil
}

var fieldTarget = regexp.MustCompile(`^[a-z_][a-z0-9_]*$|^fields(\.[A-Za-z_][A-Za-z0-9_]*|\["[^"\\]+"\])*(\.\{field\}|\["\{field\}"\])?$`)

func (y *mappingYAML) build(file string) (*Mapping, error) {
	if y.Product == "" {
		return nil, fmt.Errorf("mapping %s: a document without product", file)
	}
	m := &Mapping{Product: strings.ToLower(y.Product), Unmapped: y.Unmapped, Common: lowerKeys(y.Common), File: file}
	check := func(what, t string) error {
		if !fieldTarget.MatchString(t) {
			return fmt.Errorf("mapping %s: product %s: %s: %q is not a column or fields path", file, y.Product, what, t)
		}
		return nil
	}
	if m.Unmapped == "" {
		return nil, fmt.Errorf("mapping %s: product %s has no unmapped template", file, y.Product)
	}
	if err := check("unmapped", m.Unmapped); err != nil {
		return nil, err
	}
	for k, v := range m.Common {
		if err := check(k, v); err != nil {
			return nil, err
		}
	}
	for _, l := range y.Logsources {
		if l.Source == "" {
			return nil, fmt.Errorf("mapping %s: product %s: logsource %s%s has no source", file, y.Product, l.Category, l.Service)
		}
		ls := &LogsourceMap{Category: strings.ToLower(l.Category), Service: strings.ToLower(l.Service), Source: l.Source, Where: l.Where, Unmapped: l.Unmapped, Fields: lowerKeys(l.Fields), Records: l.Records}
		for k, v := range ls.Fields {
			if err := check(k, v); err != nil {
				return nil, err
			}
		}
		if ls.Unmapped != "" {
			if err := check("unmapped", ls.Unmapped); err != nil {
				return nil, err
			}
		}
		m.Logsources = append(m.Logsources, ls)
	}
	return m, nil
}

func lowerKeys(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[strings.ToLower(k)] = v
	}
	return out
}

// find picks the logsource entry for a rule: the category's entry, else the service's, else
// the product's catch-all. exact says the category or service was found.
func (m *Mapping) find(ls Logsource) (l *LogsourceMap, exact bool) {
	var catchAll *LogsourceMap
	for _, e := range m.Logsources {
		switch {
		case ls.Category != "" && e.Category == ls.Category && (e.Service == "" || e.Service == ls.Service):
			return e, true
		case ls.Category == "" && ls.Service != "" && e.Service == ls.Service && e.Category == "":
			return e, true
		case e.Category == "" && e.Service == "":
			catchAll = e
		}
	}
	return catchAll, ls.Category == "" && ls.Service == ""
}

// field is the trawl field a Sigma field reads under l: the logsource's table, the product's
// common table, else the unmapped template.
func (m *Mapping) field(l *LogsourceMap, name string) string {
	low := strings.ToLower(name)
	if l != nil {
		if t, ok := l.Fields[low]; ok {
			return t
		}
	}
	if t, ok := m.Common[low]; ok {
		return t
	}
	tmpl := m.Unmapped
	if l != nil && l.Unmapped != "" {
		tmpl = l.Unmapped
	}
	return expandTemplate(tmpl, name)
}

// expandTemplate puts a Sigma field name into an unmapped template, written as dotted keys
// where each part is a plain name, else as quoted keys.
func expandTemplate(tmpl, name string) string {
	if strings.Contains(tmpl, `["{field}"]`) {
		return strings.Replace(tmpl, `["{field}"]`, `[`+quoteKey(name)+`]`, 1)
	}
	return strings.TrimSuffix(tmpl, ".{field}") + keyPath(name)
}

var plainKeyRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// plainKey reports a key that can follow a dot: an identifier, not a reserved word of the
// hunting language.
func plainKey(s string) bool { return plainKeyRe.MatchString(s) && !dsl.IsKeyword(s) }

// quoteKey writes a key for fields["..."]; the language refuses keys with " or \, so such a
// field name makes the rule unsupported rather than changing its meaning.
func quoteKey(s string) string { return dsl.Quote(s) }

// Products lists the mapped products, sorted.
func (ms Mappings) Products() []string {
	var out []string
	for k := range ms {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
