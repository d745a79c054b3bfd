package dsl

import (
	"encoding/csv"
	"fmt"
	"io"
	"strings"
)

// Table is something the lookup stage can read: a table or view in the store that a catalogue
// declares (From), or values the caller read from a file (Rows). A query's own values never
// become part of From: it is trusted text written by the catalogue's author.
type Table struct {
	Name    string   // how a query names it: intel, or a file path as written
	Key     string   // the column matched against the looked-up field
	Columns []Column // every column, the key among them, in order
	From    string   // SQL of a table, view or subquery; "" when Rows holds the data
	Rows    [][]string
	// Lines, when set, gives each row's line in its file, for error messages.
	Lines []int
}

// TableCatalogue is a Catalogue that also offers tables to lookup: by name (intel, assets) and
// by file path (a CSV file the caller reads, so the language itself does no I/O).
type TableCatalogue interface {
	Catalogue
	// Table finds a declared table by name.
	Table(name string) (*Table, bool)
	// File reads a lookup file named in a query. The error is shown at the path.
	File(path string) (*Table, error)
}

type tableCatalogue struct {
	Catalogue
	tables map[string]*Table
	files  func(path string) (*Table, error)
}

// WithTables extends cat with tables lookup can name and a reader for lookup files (nil: files
// are refused).
func WithTables(cat Catalogue, tables []*Table, files func(path string) (*Table, error)) TableCatalogue {
	tc := &tableCatalogue{Catalogue: cat, tables: map[string]*Table{}, files: files}
	if inner, ok := cat.(*tableCatalogue); ok {
		for k, v := range inner.tables {
			tc.tables[k] = v
		}
		if files == nil {
			tc.files = inner.files
		}
		tc.Catalogue = inner.Catalogue
	}
	for _, t := range tables {
		tc.tables[t.Name] = t
	}
	return tc
}

func (tc *tableCatalogue) Table(name string) (*Table, bool) {
	t, ok := tc.tables[name]
	return t, ok
}

func (tc *tableCatalogue) File(path string) (*Table, error) {
	if tc.files == nil {
		return nil, errNoFiles
	}
	return tc.files(path)
}

type noFilesError struct{}

func (noFilesError) Error() string { return "lookup files cannot be read here" }

var errNoFiles = noFilesError{}

// StoreTables are the context tables of trawl's store (engine migrations 003 and 004) as
// lookup sees them:
//   - intel: threat-intel indicator values (addresses, domains, URLs, hashes), key value;
//   - assets: hosts and addresses of the asset inventory, key the host key or address;
//   - identities: people and accounts, key the user key of any of their names.
func StoreTables() []*Table {
	return []*Table{
		{Name: "intel", Key: "value",
			Columns: []Column{{"value", TypeString, "indicator value, normalized"}, {"type", TypeString, "ipv4, ipv6, cidr, domain, url, md5, sha1, sha256 or sha512"},
				{"source", TypeString, "feed or file it came from"}, {"confidence", TypeInt, "0..100"}, {"name", TypeString, "indicator name"},
				{"labels", TypeList, "labels"}, {"valid_from", TypeTime, "start of validity"}, {"valid_until", TypeTime, "expiry"}},
			From: `SELECT "value", "type", "source", "confidence", "name", "labels", "valid_from", "valid_until" FROM "intel"`},
		{Name: "assets", Key: "key",
			Columns: []Column{{"key", TypeString, "host key or address"}, {"asset", TypeString, "asset key"}, {"name", TypeString, "asset name"},
				{"owner", TypeString, "owner"}, {"criticality", TypeInt, "1 (lowest) .. 5"}, {"environment", TypeString, "environment"},
				{"internet_facing", TypeBool, "reachable from the internet"}},
			From: `SELECT k."value" AS "key", a."asset_key" AS "asset", a."name", a."owner", CAST(a."criticality" AS BIGINT) AS "criticality", a."environment", a."internet_facing" FROM "asset_keys" k JOIN "assets" a ON a."asset_key" = k."asset_key"`},
		{Name: "identities", Key: "user_key",
			Columns: []Column{{"user_key", TypeString, "user key of the account"}, {"identity", TypeString, "identity"}, {"display_name", TypeString, "name"},
				{"department", TypeString, "department"}, {"role", TypeString, "role"}, {"privileged", TypeBool, "privileged account"},
				{"service_account", TypeBool, "service account"}, {"status", TypeString, "active, leaving, left"}},
			From: `SELECT "user_key", "identity", "display_name", "department", "role", "privileged", "service_account", "status" FROM "user_identities"`},
	}
}

// ReadTableCSV reads a lookup table from CSV text with a header line: the key is the column
// named key, else the first. Column names must be plain names (they name the columns lookup
// adds). The caller opens the file; name is how the query wrote it.
func ReadTableCSV(name string, r io.Reader, key string) (*Table, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = 0
	cr.ReuseRecord = false
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	t := &Table{Name: name}
	for i, h := range head {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		if !isIdent(h) {
			return nil, fmt.Errorf("%s line 1: column %d: %q is not a plain name (letters, digits and _)", name, i+1, h)
		}
		if h == key {
			t.Key = h
		}
		t.Columns = append(t.Columns, Column{Name: h, Type: TypeString})
	}
	if t.Key == "" {
		t.Key = t.Columns[0].Name
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", name, err)
		}
		line, _ := cr.FieldPos(0)
		t.Rows = append(t.Rows, rec)
		t.Lines = append(t.Lines, line)
		if len(t.Rows) > MaxTableRows {
			return nil, fmt.Errorf("%s has more than %d rows", name, MaxTableRows)
		}
	}
	return t, nil
}

// MaxTableRows bounds a lookup file: its values travel as query parameters.
const MaxTableRows = 1_000_000
