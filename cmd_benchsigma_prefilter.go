package main

import (
	"sort"
	"strconv"
	"strings"

	"trawl/dsl"
	"trawl/engine"
)

// The image pre-filter of shared scans. Most process rules require the process image to be
// one of a few programs (`process_path endswith '\certutil.exe'`, or its OriginalFileName),
// ANDed with their other tests. Such a rule cannot match an event whose image has another
// name, so a shared scan tests first, for each rule, the lower-cased base name of the image
// (a column of the path or distinct table, computed once per row) against the rule's names,
// and only the rows that pass go through its other tests. The test is a necessary condition
// of the rule's own condition, so adding it in front changes no alert.

// imageField is a field whose base name the pre-filter can test: the event column or the JSON
// path (as the hunting language writes fields.EventData.X) and the name of its base-name
// column in the path table.
type imageField struct {
	ref  string // process_path, or fields.EventData.OriginalFileName
	col  engine.PathColumn
	name string
}

// imageFields are the fields of the pre-filter: the process image (Sigma's Image) and the
// name the binary was built with (OriginalFileName, read from the record).
var imageFields = []imageField{
	{ref: "process_path", col: engine.PathColumn{Column: "process_path", Name: "trawl_base_image", Base: true}},
	{ref: "fields.EventData.OriginalFileName", col: engine.PathColumn{Column: "fields", Path: `$."EventData"."OriginalFileName"`, Name: "trawl_base_ofn", Base: true}},
}

// imageNames is a necessary condition of a rule's where stages on the base names of the image
// fields: for each field (its ref), the lower-cased names the field's base name (the text
// after its last backslash, lower-cased) may have; the rule can match an event only when one
// of its fields' base names is among its names. ok is false when no such condition follows
// from the rule (it has a branch without a test of the image, negates it, or tests it with
// contains, a wildcard or a regular expression only).
func imageNames(q *dsl.Query) (names map[string][]string, ok bool) {
	if q == nil || q.Source == nil || q.Sequence != nil || len(q.Lets) > 0 {
		return nil, false
	}
	var best map[string]map[string]bool
	for _, st := range q.Stages {
		w, isWhere := st.(*dsl.Where)
		if !isWhere {
			return nil, false
		}
		if n, ok := requiredNames(w.Cond); ok && (best == nil || size(n) < size(best)) {
			best = n
		}
	}
	if best == nil {
		return nil, false
	}
	names = map[string][]string{}
	for f, set := range best {
		for v := range set {
			names[f] = append(names[f], v)
		}
		sort.Strings(names[f])
	}
	return names, true
}

func size(n map[string]map[string]bool) int {
	t := 0
	for _, s := range n {
		t += len(s)
	}
	return t
}

// requiredNames is imageNames for one condition: true means that whenever e is true, the base
// name of one of the returned fields is among that field's names.
func requiredNames(e dsl.Expr) (map[string]map[string]bool, bool) {
	switch x := e.(type) {
	case *dsl.Binary:
		switch x.Op {
		case "and":
			// Each side alone is a necessary condition; the one with fewer names filters most.
			l, lok := requiredNames(x.L)
			r, rok := requiredNames(x.R)
			switch {
			case lok && rok:
				if size(r) < size(l) {
					return r, true
				}
				return l, true
			case lok:
				return l, true
			case rok:
				return r, true
			}
			return nil, false
		case "or":
			// Every branch must require it; the names are those of both.
			l, lok := requiredNames(x.L)
			r, rok := requiredNames(x.R)
			if !lok || !rok {
				return nil, false
			}
			out := map[string]map[string]bool{}
			for _, m := range []map[string]map[string]bool{l, r} {
				for f, set := range m {
					if out[f] == nil {
						out[f] = map[string]bool{}
					}
					for v := range set {
						out[f][v] = true
					}
				}
			}
			return out, true
		case "==", "=~":
			// Equality with a whole value: its base name (case-sensitive equality implies
			// the case-insensitive one).
			f, ok := imageRef(x.L)
			if !ok {
				return nil, false
			}
			v, ok := literalText(x.R)
			if !ok {
				return nil, false
			}
			return one(f, []string{baseName(v)}), true
		}
		return nil, false
	case *dsl.In:
		if x.Not {
			return nil, false
		}
		f, ok := imageRef(x.X)
		if !ok {
			return nil, false
		}
		vals, ok := literalTexts(x.List)
		if !ok {
			return nil, false
		}
		for i, v := range vals {
			vals[i] = baseName(v)
		}
		return one(f, vals), true
	case *dsl.StrMatch:
		// endswith '\x' (x without a backslash): the base name is x. All of a list would
		// need every name at once; only one value or any of a list qualify.
		if x.Op != "endswith" || x.Mode == dsl.MatchAll {
			return nil, false
		}
		f, ok := imageRef(x.X)
		if !ok {
			return nil, false
		}
		vals, ok := literalTexts(x.Values)
		if !ok {
			return nil, false
		}
		for i, v := range vals {
			if len(v) < 2 || v[0] != '\\' || strings.IndexByte(v[1:], '\\') >= 0 {
				return nil, false
			}
			vals[i] = strings.ToLower(v[1:])
		}
		return one(f, vals), true
	}
	return nil, false
}

func one(f string, vals []string) map[string]map[string]bool {
	set := map[string]bool{}
	for _, v := range vals {
		set[v] = true
	}
	return map[string]map[string]bool{f: set}
}

// baseName is the lower-cased text after the last backslash of an ASCII value.
func baseName(v string) string {
	return strings.ToLower(v[strings.LastIndexByte(v, '\\')+1:])
}

// imageRef reports which image field e reads, if it is one.
func imageRef(e dsl.Expr) (string, bool) {
	r, ok := e.(*dsl.FieldRef)
	if !ok {
		return "", false
	}
	ref := strings.Join(append([]string{r.Name}, r.Path...), ".")
	for _, f := range imageFields {
		if f.ref == ref {
			return ref, true
		}
	}
	return "", false
}

// literalText is the text of a string literal that Go and DuckDB lower-case alike (ASCII,
// no NUL).
func literalText(e dsl.Expr) (string, bool) {
	l, ok := e.(*dsl.Literal)
	if !ok || l.Kind != dsl.LitString {
		return "", false
	}
	s, ok := l.Value.(string)
	if !ok {
		return "", false
	}
	for i := 0; i < len(s); i++ {
		if s[i] == 0 || s[i] >= 0x80 {
			return "", false
		}
	}
	return s, true
}

func literalTexts(es []dsl.Expr) ([]string, bool) {
	if len(es) == 0 {
		return nil, false
	}
	out := make([]string, 0, len(es))
	for _, e := range es {
		s, ok := literalText(e)
		if !ok {
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}

// prefilterSQL is the SQL test of names over the base-name columns, with its values as
// parameters numbered from first: ("trawl_base_image" IN ($1, $2) OR "trawl_base_ofn" IN ($3)).
func prefilterSQL(names map[string][]string, first int) (string, []any) {
	var terms []string
	var args []any
	for _, f := range imageFields {
		vals := names[f.ref]
		if len(vals) == 0 {
			continue
		}
		ph := make([]string, len(vals))
		for i, v := range vals {
			args = append(args, v)
			ph[i] = "$" + strconv.Itoa(first+len(args)-1)
		}
		terms = append(terms, engine.QuoteIdent(f.col.Name)+" IN ("+strings.Join(ph, ", ")+")")
	}
	return "(" + strings.Join(terms, " OR ") + ")", args
}
