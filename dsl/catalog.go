package dsl

import (
	"fmt"
	"strings"

	"trawl/event"
)

// Type is the type of a column or expression.
type Type int

const (
	TypeUnknown Type = iota // after an error: accepted everywhere so one mistake gives one message
	TypeString
	TypeInt
	TypeFloat
	TypeBool
	TypeTime
	TypeIP
	TypeJSON
	TypeDuration
	TypeList
	TypeNull
)

var typeNames = [...]string{"unknown", "string", "int", "float", "bool", "time", "ip", "json", "duration", "list", "null"}

func (t Type) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return fmt.Sprintf("Type(%d)", int(t))
}

func (t Type) numeric() bool { return t == TypeInt || t == TypeFloat || t == TypeUnknown }

// Column is one column a query can read.
type Column struct {
	Name string
	Type Type
	Doc  string
}

// Catalogue is what the checker knows about the data: the columns of the events table and the
// event categories a query may start from. Functions come from this package's own registry
// (funcs.go), since each knows how to become SQL.
type Catalogue interface {
	// Column finds a column by exact name.
	Column(name string) (Column, bool)
	// Columns lists every column in table order, for "did you mean" and completion.
	Columns() []Column
	// Categories lists the values of the category column a query may name as its source, as
	// stored ("scheduled-task"); the query writes them with _ for - (scheduled_task).
	Categories() []string
}

// Categories are the event categories trawl's importers produce, as stored in the category
// column. A query names one as its source (with _ for -), or events for every event.
var Categories = []string{
	"logon", "process", "network", "dns", "file", "http", "registry", "cloud",
	"auth", "alert", "system", "script", "config", "service", "wmi", "privilege", "pipe",
	"object", "iam", "audit", "scheduled-task", "module", "driver", "directory",
}

// sourceName is how a query writes a category: scheduled-task becomes scheduled_task.
func sourceName(category string) string { return strings.ReplaceAll(category, "-", "_") }

// categoryValue is the stored category a source name stands for.
func categoryValue(name string) string { return strings.ReplaceAll(strings.ToLower(name), "_", "-") }

// AllEvents is the source name that reads every event.
const AllEvents = "events"

// EventsTable is the table every query reads.
const EventsTable = "events"

// catalogue is a Catalogue over a fixed column list.
type catalogue struct {
	cols       []Column
	index      map[string]int
	categories []string
}

// NewCatalogue builds a Catalogue from columns and category values.
func NewCatalogue(cols []Column, categories []string) Catalogue {
	c := &catalogue{cols: cols, index: make(map[string]int, len(cols)), categories: categories}
	for i, col := range cols {
		c.index[col.Name] = i
	}
	return c
}

func (c *catalogue) Column(name string) (Column, bool) {
	i, ok := c.index[name]
	if !ok {
		return Column{}, false
	}
	return c.cols[i], true
}

func (c *catalogue) Columns() []Column { return c.cols }

func (c *catalogue) Categories() []string { return c.categories }

// storeColumns are the events table's bookkeeping and entity-key columns, beside event.Columns.
var storeColumns = []Column{
	{"id", TypeInt, "event id, unique in the store"},
	{"file_id", TypeInt, "id of the imported file the event came from"},
	{"line", TypeInt, "line (or record number) within that file"},
	{"byte_offset", TypeInt, "byte offset of the record within that file"},
	{"source", TypeString, "source label given at import"},
	{"user_key", TypeString, "normalized key of user, the same across formats"},
	{"target_user_key", TypeString, "normalized key of target_user"},
	{"host_key", TypeString, "normalized key of host"},
}

// EventCatalogue is the catalogue of the events table: the event model's columns
// (event.Columns) and the store's own, with the derived feature columns of the store's
// events_features view (read only by queries that name one).
func EventCatalogue() Catalogue {
	cols := append([]Column(nil), storeColumns[:5]...)
	for _, c := range event.Columns {
		cols = append(cols, Column{Name: c.Name, Type: fromEventType(c.Type), Doc: c.Doc})
	}
	cols = append(cols, storeColumns[5:]...)
	return WithDerived(NewCatalogue(cols, Categories), FeatureColumns(), DerivedView)
}

func fromEventType(t event.Type) Type {
	switch t {
	case event.TypeInt:
		return TypeInt
	case event.TypeTime:
		return TypeTime
	case event.TypeIP:
		return TypeIP
	case event.TypeJSON:
		return TypeJSON
	}
	return TypeString
}
