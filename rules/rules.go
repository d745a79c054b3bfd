// Package rules is trawl's built-in detection rule pack: the *.hunt files of this folder,
// embedded in the binary. `trawl hunt` runs them when no --rules are given; docs/language.md
// describes the rule language.
package rules

import (
	"embed"
	"io/fs"
	"sort"
)

//go:embed *.hunt
var files embed.FS

// File is one built-in rule file.
type File struct {
	Name string // e.g. windows.hunt
	Text string
}

// Files lists the built-in rule files in name order.
func Files() []File {
	names, err := fs.Glob(files, "*.hunt")
	if err != nil {
		panic(err) // the pattern is constant
	}
	sort.Strings(names)
	out := make([]File, 0, len(names))
	for _, n := range names {
		b, err := files.ReadFile(n)
		if err != nil {
			panic(err) // embedded files are always readable
		}
		out = append(out, File{Name: n, Text: string(b)})
	}
	return out
}
