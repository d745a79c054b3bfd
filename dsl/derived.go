package dsl

import (
	"reflect"
	"slices"

	"trawl/features"
)

// DerivedView is the store's view of every events column followed by the derived feature
// columns (features.Columns; engine migration 006).
const DerivedView = "events_features"

// DerivedCatalogue is a Catalogue that also knows derived columns: columns that are not in
// the events table but in a view holding every events column and them (DerivedFrom). A query
// that names a derived column reads that view and sees the derived columns after the others;
// any other query reads the events table as before, so its SQL and columns do not change.
type DerivedCatalogue interface {
	Catalogue
	Derived() []Column
	DerivedFrom() string
}

type derivedCatalogue struct {
	Catalogue
	cols []Column
	from string
}

func (d *derivedCatalogue) Derived() []Column   { return d.cols }
func (d *derivedCatalogue) DerivedFrom() string { return d.from }

// WithDerived adds derived columns, read from the table or view from, to cat.
func WithDerived(cat Catalogue, cols []Column, from string) DerivedCatalogue {
	return &derivedCatalogue{Catalogue: cat, cols: cols, from: from}
}

// FeatureColumns are the derived feature columns as the language types them.
func FeatureColumns() []Column {
	out := make([]Column, len(features.Columns))
	for i, c := range features.Columns {
		t := TypeString
		switch c.Type {
		case features.Bool:
			t = TypeBool
		case features.Int:
			t = TypeInt
		case features.Float:
			t = TypeFloat
		}
		out[i] = Column{Name: c.Name, Type: t, Doc: c.Doc}
	}
	return out
}

// derivedOf finds the derived columns of cat, looking through WithTables.
func derivedOf(cat Catalogue) (DerivedCatalogue, bool) {
	if tc, ok := cat.(*tableCatalogue); ok {
		cat = tc.Catalogue
	}
	d, ok := cat.(DerivedCatalogue)
	return d, ok
}

// sourceSchema is the schema a query starts from: the catalogue's columns, and the derived
// columns when the query names one of them anywhere (then Compile reads the derived view).
func (c *checker) sourceSchema() []Column {
	schema := slices.Clone(c.cat.Columns())
	d, ok := derivedOf(c.cat)
	if !ok || len(d.Derived()) == 0 {
		return schema
	}
	names := map[string]bool{}
	for _, col := range d.Derived() {
		names[col.Name] = true
	}
	used := false
	walkNames(reflect.ValueOf(c.out.Query), func(name string) {
		used = used || names[name]
	})
	if !used {
		return schema
	}
	c.out.from = d.DerivedFrom()
	for _, col := range d.Derived() {
		if !slices.ContainsFunc(schema, func(s Column) bool { return s.Name == col.Name }) {
			schema = append(schema, col)
		}
	}
	return schema
}

// derivedNames lists the derived columns the query did not name, for "did you mean" while
// the rows are still events (they have an id).
func (c *checker) derivedNames() []string {
	d, ok := derivedOf(c.cat)
	if _, events := c.column("id"); !ok || !events || c.out.from != "" {
		return nil
	}
	var out []string
	for _, col := range d.Derived() {
		out = append(out, col.Name)
	}
	return out
}

var (
	identType    = reflect.TypeFor[Ident]()
	fieldRefType = reflect.TypeFor[FieldRef]()
	dslPkg       = identType.PkgPath()
)

// walkNames calls fn with every name written in an AST: identifiers and field references. It
// descends only into this package's node types.
func walkNames(v reflect.Value, fn func(string)) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			walkNames(v.Elem(), fn)
		}
	case reflect.Slice:
		for i := range v.Len() {
			walkNames(v.Index(i), fn)
		}
	case reflect.Struct:
		switch v.Type() {
		case identType, fieldRefType:
			fn(v.FieldByName("Name").String())
			return
		}
		if v.Type().PkgPath() != dslPkg {
			return
		}
		for i := range v.NumField() {
			walkNames(v.Field(i), fn)
		}
	}
}

// table is what the query's sources read: the events table, or the derived view when the
// query names a derived column.
func (c *compiler) table() string {
	if c.ch.from != "" {
		return quoteIdent(c.ch.from)
	}
	return quoteIdent(EventsTable)
}

// NameableColumns lists every column a query can name: the catalogue's columns and then its
// derived ones (for completion and help; Columns alone leaves the derived ones out).
func NameableColumns(cat Catalogue) []Column {
	cols := slices.Clone(cat.Columns())
	if d, ok := derivedOf(cat); ok {
		cols = append(cols, d.Derived()...)
	}
	return cols
}
