package importers

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// ExpandPaths turns files, folders and glob patterns into a de-duplicated list of regular
// files in the order given (a folder's files and a pattern's matches sorted among themselves),
// as `trawl import` and the TUI's Import screen take them. Folders are walked
// recursively, skipping hidden entries and files that are not logs by their names (see
// notALog); a file named on its own is always taken. A path holding *, ? or [ is a pattern
// unless it exists as written (a file named "auth[1].log" is taken as it is). A pattern
// matching nothing is an error.
func ExpandPaths(paths []string) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	add := func(p string) {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	for _, a := range paths {
		matches := []string{a}
		if _, err := os.Lstat(a); err != nil && strings.ContainsAny(a, "*?[") {
			m, err := filepath.Glob(a)
			if err != nil {
				return nil, fmt.Errorf("bad pattern %q: %w", a, err)
			}
			if len(m) == 0 {
				return nil, fmt.Errorf("%s: no file matches", a)
			}
			matches = m
		}
		for _, p := range matches {
			fi, err := os.Stat(p)
			if err != nil {
				return nil, err
			}
			if !fi.IsDir() {
				add(p)
				continue
			}
			var found []string
			err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
				if err != nil {
					return err
				}
				if path != p && strings.HasPrefix(d.Name(), ".") {
					if d.IsDir() {
						return filepath.SkipDir
					}
					return nil
				}
				if d.Type().IsRegular() && !notALog(d.Name()) {
					found = append(found, path)
				}
				return nil
			})
			if err != nil {
				return nil, err
			}
			sort.Strings(found)
			for _, f := range found {
				add(f)
			}
		}
	}
	return out, nil
}

// notALog is true for names that mark documentation, trawl's own ground truth or context
// tables, which sit beside logs in evidence folders and sample sets: README, LICENSE, NOTICE,
// SOURCES, *.md, the generator's scenarios.json and trawl-context-* (the asset and identity
// tables trawl generate writes, trawl-context-assets.csv and trawl-context-identities.csv, which
// are loaded with trawl context import, not as events).
func notALog(name string) bool {
	upper := strings.ToUpper(name)
	for _, p := range []string{"README", "LICENSE", "LICENCE", "COPYING", "NOTICE", "SOURCES", "TRAWL-CONTEXT-"} {
		if strings.HasPrefix(upper, p) {
			return true
		}
	}
	return strings.HasSuffix(upper, ".MD") || name == "scenarios.json"
}
