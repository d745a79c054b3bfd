package dsl

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
)

// docQueries pulls the example queries out of docs/language.md: each fenced block, split where a
// line starts with a letter (a new query); shell sessions and the grammar outline are skipped.
func docQueries(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "docs", "language.md"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	blocks := strings.Split(string(b), "```")
	for i := 1; i < len(blocks); i += 2 {
		block := blocks[i]
		if strings.HasPrefix(strings.TrimSpace(block), "$") || strings.Contains(block, "...") || isRuleBlock(block) {
			continue
		}
		var cur []string
		for _, line := range strings.Split(block, "\n") {
			startsQuery := line != "" && unicode.IsLetter(rune(line[0]))
			if startsQuery && hasCode(cur) && !endsInLet(cur) {
				out = append(out, strings.TrimSpace(strings.Join(cur, "\n")))
				cur = nil
			}
			cur = append(cur, line)
		}
		if hasCode(cur) {
			out = append(out, strings.TrimSpace(strings.Join(cur, "\n")))
		}
	}
	return out
}

// TestDocExamples checks that every example in docs/language.md is a valid query.
func TestDocExamples(t *testing.T) {
	qs := docQueries(t)
	if len(qs) < 40 {
		t.Fatalf("found only %d examples in docs/language.md", len(qs))
	}
	cat := WithTables(EventCatalogue(), StoreTables(), func(path string) (*Table, error) {
		// The doc's lookup files are samples under testdata/lookup.
		f, err := os.Open(filepath.Join("testdata", "lookup", filepath.Base(path)))
		if err != nil {
			return nil, err
		}
		defer f.Close()
		return ReadTableCSV(path, f, "")
	})
	for _, q := range qs {
		if _, err := Build(q, cat); err != nil {
			t.Errorf("docs example does not compile:\n%s\n%s", q, FormatError(q, err))
		}
	}
}

// hasCode says whether lines hold anything but blanks and comments.
func hasCode(lines []string) bool {
	for _, l := range lines {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			return true
		}
	}
	return false
}

// endsInLet says whether the last code line declares a list, which the query on the next line
// belongs with.
func endsInLet(lines []string) bool {
	for i := len(lines) - 1; i >= 0; i-- {
		if l := strings.TrimSpace(lines[i]); l != "" && !strings.HasPrefix(l, "#") {
			return strings.HasPrefix(l, "let ")
		}
	}
	return false
}

// isRuleBlock says whether a fenced block of the doc is a rule file (checked by TestDocRules).
func isRuleBlock(block string) bool {
	for _, l := range strings.Split(block, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			return strings.HasPrefix(l, "rule ")
		}
	}
	return false
}

// TestDocRules checks that every rule file in docs/language.md parses and checks, with no
// warnings.
func TestDocRules(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "docs", "language.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks := strings.Split(string(b), "```")
	n := 0
	for i := 1; i < len(blocks); i += 2 {
		if !isRuleBlock(blocks[i]) {
			continue
		}
		rules, err := ParseRules("doc.hunt", blocks[i])
		if err != nil {
			t.Errorf("docs rule file does not parse:\n%s", FormatError(blocks[i], err))
			continue
		}
		for _, r := range rules {
			n++
			_, warns, err := CheckRule(r, EventCatalogue(), attackLookup, Options{})
			if err != nil {
				t.Errorf("docs rule %s does not check:\n%s", r.Name.Name, FormatError(blocks[i], err))
			}
			if len(warns) > 0 {
				t.Errorf("docs rule %s has warnings:\n%s", r.Name.Name, FormatError(blocks[i], Errors(warns)))
			}
		}
	}
	if n < 2 {
		t.Errorf("found %d rules in docs/language.md", n)
	}
}
