package winjson

import (
	"bytes"
	"os"
	"testing"

	"trawl/importers"
)

// benchLines reads the lines of the file named by $WINJSON_BENCH (a generated
// windows/security.json, say), or of the hand-written testdata when unset.
func benchLines(b *testing.B) [][]byte {
	b.Helper()
	path := os.Getenv("WINJSON_BENCH")
	var data []byte
	var err error
	if path == "" {
		for _, name := range handWritten {
			d, err := os.ReadFile("testdata/" + name + ".jsonl")
			if err != nil {
				b.Fatal(err)
			}
			data = append(data, d...)
		}
	} else if data, err = os.ReadFile(path); err != nil {
		b.Fatal(err)
	}
	return bytes.Split(bytes.TrimSpace(data), []byte("\n"))
}

// BenchmarkParseLine measures ParseLine alone, one line after another, per line.
func BenchmarkParseLine(b *testing.B) { benchParse(b, Format{}.ParseLine) }

// BenchmarkParseLineOld is BenchmarkParseLine for the map decoder path it replaced
// (oldParseLine, diff_test.go), for a ratio in the same run.
func BenchmarkParseLineOld(b *testing.B) { benchParse(b, oldParseLine) }

// benchParse runs parse over the bench lines, one line after another, per line.
func benchParse(b *testing.B, parse func(importers.Line, importers.Sink) error) {
	lines := benchLines(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		l := importers.Line{Text: lines[i%len(lines)], Num: int64(i + 1), Offset: int64(i + 1)}
		if err := parse(l, importers.Discard); err != nil {
			b.Fatal(err)
		}
	}
}
