package main

import (
	"fmt"
	"os"
	"path/filepath"

	"trawl/dsl"
)

// maxLookupFile bounds a lookup file read for a query: its values travel as bound parameters.
const maxLookupFile = 64 << 20

// queryCatalogue is what queries compile against: the events table, the store's context tables
// (intel, assets, identities) and lookup files read from disk, relative paths from dir (the
// directory of a .hunt file, or the working directory).
func queryCatalogue(dir string) dsl.Catalogue {
	return dsl.WithTables(dsl.EventCatalogue(), dsl.StoreTables(), func(path string) (*dsl.Table, error) {
		p := path
		if !filepath.IsAbs(p) && dir != "" {
			p = filepath.Join(dir, p)
		}
		f, err := os.Open(p)
		if err != nil {
			return nil, fmt.Errorf("reading lookup file: %w", err)
		}
		defer f.Close()
		if st, err := f.Stat(); err == nil && st.Size() > maxLookupFile {
			return nil, fmt.Errorf("lookup file %s is larger than %d MB", path, maxLookupFile>>20)
		}
		return dsl.ReadTableCSV(path, f, "")
	})
}
