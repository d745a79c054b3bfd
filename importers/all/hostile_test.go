package all

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf16"

	"trawl/importers"
	"trawl/importers/importertest"
	"trawl/internal/testutil"
)

// hostileSample is a real file of a format, cut into pieces by the truncation cases. Paths
// starting with "samples/" are under the shared sample directory (the case is skipped when it
// is absent); others are relative to this package.
type hostileSample struct {
	path   string
	binary bool // not a text format: line-ending and BOM rewrites make no sense
}

// hostileSamples are the real inputs per format name. A format without an entry is still run
// over every generated hostile input; it only misses the truncation cases.
var hostileSamples = map[string]hostileSample{
	"auditd":     {path: "../auditd/testdata/records.log"},
	"cef":        {path: "../cef/testdata/vendors.cef"},
	"cloudtrail": {path: "samples/cloudtrail/invictus-stratus/218007301253_CloudTrail_us-east-1_20230710T1145Z_7xgocspSowgK0Gto.json"},
	"csv":        {path: "../csv/testdata/basic.csv"},
	"evtx":       {path: "samples/evtx-attack/Credential Access/CA_DCSync_4662.evtx", binary: true},
	"jsonl":      {path: "../jsonl/testdata/mixed.jsonl"},
	"suricata":   {path: "../suricata/testdata/eve-types.jsonl"},
	"syslog":     {path: "../syslog/testdata/auth.log"},
	"text":       {path: "samples/loghub/Apache/Apache_2k.log"},
	"web":        {path: "../web/testdata/access.log"},
	"winjson":    {path: "../winjson/testdata/winlogbeat.jsonl"},
	"zeek":       {path: "samples/zeek/wrccdc2018/zeek-default/kerberos.log"},
}

// binaryFormats read a binary container: for them any input that is not that container is
// unreadable, and Read may fail on it with an error.
var binaryFormats = map[string]bool{"evtx": true}

// ignorable tells the lines a format may take without an event or a reject: a CSV file's
// header line, Zeek's #-directives and comments. Line i is 0-based among non-blank lines.
var ignorable = map[string]func(i int, line []byte) bool{
	"csv":  func(i int, _ []byte) bool { return i == 0 },
	"zeek": func(_ int, line []byte) bool { return line[0] == '#' },
}

// hostileInput is one hostile case: its bytes are built when the case runs, so that only one
// large input is alive at a time.
type hostileInput struct {
	name string
	data func() []byte
	// unreadable inputs may make Read fail with an error (a stream that is not what it claims).
	unreadable bool
	// sameAs names a case that must give as many events as this one (a BOM or CRLF rewrite of
	// a sample reads as the sample does).
	sameAs string
	// broken inputs are compressed streams cut short: the break must be reported.
	broken bool
}

// Limits of one case: generous, because the machine is shared with other builds.
const (
	hostileTimeLimit = 90 * time.Second
	hostileHeapLimit = 512 << 20
)

func genericHostileInputs() []hostileInput {
	line := func(parts ...string) []byte { return []byte(strings.Join(parts, "\n") + "\n") }
	return []hostileInput{
		{name: "empty", data: func() []byte { return nil }},
		{name: "binary-garbage", data: func() []byte {
			r := rand.New(rand.NewPCG(1, 2))
			b := make([]byte, 1<<20)
			for i := range b {
				b[i] = byte(r.Uint32())
			}
			return b
		}},
		{name: "binary-garbage-small", data: func() []byte {
			r := rand.New(rand.NewPCG(3, 4))
			b := make([]byte, 777)
			for i := range b {
				b[i] = byte(r.Uint32())
			}
			return b
		}},
		{name: "10MB-single-line", data: func() []byte {
			return append(bytes.Repeat([]byte("A"), 10<<20), '\n')
		}},
		{name: "10MB-json-string-line", data: func() []byte {
			var b bytes.Buffer
			b.WriteString(`{"message":"`)
			b.Write(bytes.Repeat([]byte("b"), 10<<20))
			b.WriteString("\"}\n")
			return b.Bytes()
		}},
		{name: "line-over-MaxLine", data: func() []byte {
			var b bytes.Buffer
			b.Write(bytes.Repeat([]byte("x"), importers.MaxLine+1000))
			b.WriteString("\nafter the long line\n")
			return b.Bytes()
		}},
		{name: "line-over-MaxLine-no-newline", data: func() []byte {
			return bytes.Repeat([]byte("y"), importers.MaxLine+1)
		}},
		{name: "8M-fields-line", data: func() []byte {
			// Just under MaxLine: a header or record of eight million one-byte fields.
			b := bytes.Repeat([]byte("a,"), importers.MaxLine/2-1)
			b = append(b, "a\n1,2\n"...)
			return b
		}},
		{name: "zeek-8M-fields", data: func() []byte {
			var b bytes.Buffer
			b.WriteString("#separator \\x09\n#fields")
			for b.Len() < importers.MaxLine-16 {
				b.WriteString("\ta")
			}
			b.WriteString("\n1\t2\n")
			return b.Bytes()
		}},
		{name: "json-1M-keys", data: func() []byte {
			var b bytes.Buffer
			b.WriteString(`{"message":"many keys"`)
			for i := 0; b.Len() < importers.MaxLine-32; i++ {
				fmt.Fprintf(&b, `,"k%d":%d`, i, i)
			}
			b.WriteString("}\n")
			return b.Bytes()
		}},
		// the same, with a key met twice: such a line leaves the scanner's path for the map
		// decoder's, which must stay as bounded
		{name: "json-1M-keys-dup", data: func() []byte {
			var b bytes.Buffer
			b.WriteString(`{"message":"many keys"`)
			for i := 0; b.Len() < importers.MaxLine-64; i++ {
				fmt.Fprintf(&b, `,"k%d":%d`, i, i)
			}
			b.WriteString(`,"message":"again"}` + "\n")
			return b.Bytes()
		}},
		{name: "kv-1M-pairs", data: func() []byte {
			var b bytes.Buffer
			for _, prefix := range []string{"type=SYSCALL msg=audit(1700000000.000:1): ", "CEF:0|V|P|1|sig|name|5|", "Jan  2 03:04:05 host app[1]: "} {
				b.WriteString(prefix)
				for i := 0; i < 500_000; i++ {
					fmt.Fprintf(&b, "k%d=%d ", i, i)
				}
				b.WriteString("\n")
			}
			return b.Bytes()
		}},
		{name: "invalid-utf8", data: func() []byte {
			return line(
				"plain \xff\xfe bytes",
				"overlong \xc0\xaf slash and lone surrogate \xed\xa0\x80",
				"cut sequence at end \xe2\x82",
				`{"message":"\xff\xfe in a json string","user":"al\xe9x"}`,
				"Jan  2 03:04:05 host sshd[1]: Failed password for \xff from 10.0.0.1 port 22 ssh2",
				"CEF:0|V\xff|P|1|sig|name\xc3|5|src=10.0.0.1 msg=\xfe",
				"10.0.0.1 - - [02/Jan/2024:03:04:05 +0000] \"GET /\xff HTTP/1.1\" 200 1 \"-\" \"\xfe\"",
			)
		}},
		{name: "terminal-escapes", data: func() []byte {
			return line(
				"clear screen \x1b[2J\x1b[H and bell \x07",
				"osc52 clipboard \x1b]52;c;ZWNobyBwd25lZA==\x07 written",
				"c1 csi \xc2\x9b31m red and raw c1 \x9b31m",
				`{"message":"\u001b[2J json escape \u001b]52;c;aGk=\u0007","user":"\u009b1m"}`,
				"{\"message\":\"raw \x1b[2J in a json string\"}",
				"Jan  2 03:04:05 host sshd[1]: Accepted password for \x1b[2Jroot from 10.0.0.1 port 22 ssh2",
				"CEF:0|Vendor|Product|1|sig|\x1b]52;c;aGk=\x07|5|src=10.0.0.1 msg=\x1b[2J",
				"10.0.0.1 - - [02/Jan/2024:03:04:05 +0000] \"GET /\x1b[2J HTTP/1.1\" 200 1 \"-\" \"\x1b]0;title\x07\"",
			)
		}},
		{name: "json-bomb-nested-arrays", data: func() []byte {
			var b bytes.Buffer
			b.Write(bytes.Repeat([]byte("["), 100_000))
			b.Write(bytes.Repeat([]byte("]"), 100_000))
			b.WriteByte('\n')
			return b.Bytes()
		}},
		{name: "json-bomb-nested-objects", data: func() []byte {
			var b bytes.Buffer
			b.WriteString(`{"message":"x",`)
			b.Write(bytes.Repeat([]byte(`"a":{`), 100_000))
			b.Write(bytes.Repeat([]byte("}"), 100_001))
			b.WriteByte('\n')
			return b.Bytes()
		}},
		{name: "json-bomb-nested-records", data: func() []byte {
			var b bytes.Buffer
			b.WriteString(`{"Records":`)
			b.Write(bytes.Repeat([]byte("["), 100_000))
			b.Write(bytes.Repeat([]byte("]"), 100_000))
			b.WriteString("}\n")
			return b.Bytes()
		}},
		{name: "json-bomb-50MB-string", data: func() []byte {
			var b bytes.Buffer
			b.WriteString(`[{"message":"`)
			b.Write(bytes.Repeat([]byte("s"), 50<<20))
			b.WriteString("\"}]\n")
			return b.Bytes()
		}},
		{name: "json-bomb-1M-element-array", data: func() []byte {
			var b bytes.Buffer
			b.WriteByte('[')
			for i := range 1_000_000 {
				if i > 0 {
					b.WriteByte(',')
				}
				b.WriteByte('1')
			}
			b.WriteString("]\n")
			return b.Bytes()
		}},
		{name: "json-bomb-1M-element-records", data: func() []byte {
			var b bytes.Buffer
			b.WriteString(`{"Records":[`)
			for i := range 1_000_000 {
				if i > 0 {
					b.WriteByte(',')
				}
				b.WriteString("{}")
			}
			b.WriteString("]}\n")
			return b.Bytes()
		}},
		{name: "nul-bytes", data: func() []byte {
			var b bytes.Buffer
			b.Write(line("nul \x00 in the middle", "{\"message\":\"a\x00b\"}", "\x00\x00\x00\x00"))
			b.Write(make([]byte, 64<<10)) // a preallocated, never written log tail
			b.WriteString("\nlast line after the zeros\n")
			return b.Bytes()
		}},
		{name: "crlf-lines", data: func() []byte {
			return []byte("first line\r\n{\"message\":\"crlf\"}\r\nJan  2 03:04:05 host sshd[1]: hello\r\n\r\n")
		}},
		{name: "lone-cr-lines", data: func() []byte {
			return []byte("first line\r{\"message\":\"cr\"}\rJan  2 03:04:05 host sshd[1]: hello\r")
		}},
		{name: "utf8-bom-only", data: func() []byte { return []byte("\xef\xbb\xbf") }},
		{name: "utf8-bom-text", data: func() []byte {
			return []byte("\xef\xbb\xbf{\"message\":\"after a bom\"}\nsecond line\n")
		}},
		{name: "blank-lines", data: func() []byte { return []byte("\n\n  \n\t\n\r\n") }},
	}
}

// sampleInputs are the truncation cases and the line-ending and BOM rewrites of a format's
// real sample.
func sampleInputs(t *testing.T, format string) []hostileInput {
	s, ok := hostileSamples[format]
	if !ok {
		return nil
	}
	p := s.path
	if rest, ok := strings.CutPrefix(p, "samples/"); ok {
		dir := os.Getenv("TRAWL_SAMPLES")
		if dir == "" {
			dir = filepath.Join(testutil.RepoRoot(t), "..", "shared", "samples")
		}
		p = filepath.Join(dir, rest)
	}
	data, err := os.ReadFile(p)
	if err != nil {
		t.Logf("%s: no sample (%v): truncation cases skipped", format, err)
		return nil
	}
	if len(data) > 1<<20 {
		data = data[:1<<20]
	}
	in := []hostileInput{{name: "sample", data: func() []byte { return data }}}
	// Cut offsets inside records: a third, a half, just before the end, and one byte in.
	for _, cut := range []int{1, len(data) / 3, len(data)/2 + 7, len(data) - 3} {
		if cut <= 0 || cut >= len(data) {
			continue
		}
		in = append(in, hostileInput{name: fmt.Sprintf("truncated-at-%d", cut), data: func() []byte { return data[:cut] },
			unreadable: s.binary})
	}
	in = append(in, hostileInput{name: "gzip-truncated", broken: true, unreadable: s.binary, data: func() []byte {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		zw.Write(data)
		zw.Close()
		return b.Bytes()[:b.Len()*2/3]
	}})
	if !s.binary {
		in = append(in,
			hostileInput{name: "sample-utf8-bom", sameAs: "sample",
				data: func() []byte { return append([]byte("\xef\xbb\xbf"), data...) }},
			hostileInput{name: "sample-crlf", sameAs: "sample",
				data: func() []byte { return bytes.ReplaceAll(lf(data), []byte("\n"), []byte("\r\n")) }},
			hostileInput{name: "sample-utf16le", sameAs: "sample",
				data: func() []byte { return utf16Bytes(data, false) }},
			hostileInput{name: "sample-utf16be", sameAs: "sample",
				data: func() []byte { return utf16Bytes(data, true) }},
			hostileInput{name: "sample-lone-cr",
				data: func() []byte { return bytes.ReplaceAll(lf(data), []byte("\n"), []byte("\r")) }},
		)
	}
	return in
}

// utf16Bytes is text as Windows tools write UTF-16: a byte order mark, then the text. Bytes
// that are not UTF-8 become U+FFFD, as they would in a real conversion.
func utf16Bytes(text []byte, bigEndian bool) []byte {
	out := []byte{0xff, 0xfe}
	if bigEndian {
		out = []byte{0xfe, 0xff}
	}
	for _, u := range utf16.Encode([]rune(string(text))) {
		if bigEndian {
			out = binary.BigEndian.AppendUint16(out, u)
		} else {
			out = binary.LittleEndian.AppendUint16(out, u)
		}
	}
	return out
}

// lf makes every line end in \n alone.
func lf(data []byte) []byte { return bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n")) }

// recordLines counts the lines of data with something other than white space in them that
// format does not legitimately pass over.
func recordLines(format string, data []byte) int {
	skip := ignorable[format]
	n, i := 0, 0
	for l := range bytes.SplitSeq(data, []byte("\n")) {
		l = bytes.TrimSpace(bytes.TrimPrefix(l, []byte("\xef\xbb\xbf")))
		if len(l) == 0 {
			continue
		}
		if skip == nil || !skip(i, l) {
			n++
		}
		i++
	}
	return n
}

// TestHostileInputs runs every registered format over every hostile input: no panic, no hang,
// nothing lost in silence, memory bounded, and no error but for unreadable inputs.
func TestHostileInputs(t *testing.T) {
	if testing.Short() {
		t.Skip("hostile matrix reads several hundred MB of generated input")
	}
	for _, f := range importers.Formats() {
		t.Run(f.Name(), func(t *testing.T) {
			inputs := append(sampleInputs(t, f.Name()), genericHostileInputs()...)
			counts := map[string]int{}
			for _, in := range inputs {
				t.Run(in.name, func(t *testing.T) {
					data := in.data()
					res, ok, peak := readBounded(t, f, in.name, data)
					if !ok {
						return
					}
					n := len(res.Events) + len(res.Rejects)
					counts[in.name] = len(res.Events)
					t.Logf("%d bytes: %d events, %d rejects, err %v, peak heap %d MB", len(data), len(res.Events), len(res.Rejects), res.Err, peak>>20)
					if res.Err != nil && !in.unreadable && !binaryFormats[f.Name()] {
						t.Errorf("Read failed on a readable input: %v", res.Err)
					}
					if lines := recordLines(f.Name(), data); res.Err == nil && n == 0 && lines > 0 {
						t.Errorf("%d non-blank lines gave no event, no reject and no error", lines)
					}
					if peak > hostileHeapLimit {
						t.Errorf("heap in use reached %d MB (limit %d MB)", peak>>20, hostileHeapLimit>>20)
					}
					if in.broken && res.Broken == nil {
						t.Errorf("a cut gzip stream reads without a break reported")
					}
					if in.sameAs != "" {
						if want, ok := counts[in.sameAs]; ok && want != len(res.Events) {
							t.Errorf("%d events, but %s gave %d", len(res.Events), in.sameAs, want)
						}
					}
				})
			}
		})
	}
}

// readBounded reads data with f through importertest.ReadBytes on its own goroutine: a panic
// or a read that outlives hostileTimeLimit fails the test. It reports the highest heap in use
// seen while reading (sampled) and after it, with the result still alive.
func readBounded(t *testing.T, f importers.Format, name string, data []byte) (importertest.Result, bool, uint64) {
	t.Helper()
	runtime.GC()
	type outcome struct {
		res   importertest.Result
		panic any
		stack []byte
	}
	done := make(chan outcome, 1)
	var peak atomic.Uint64
	sample := func() {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		for {
			old := peak.Load()
			if ms.HeapInuse <= old || peak.CompareAndSwap(old, ms.HeapInuse) {
				return
			}
		}
	}
	go func() {
		var o outcome
		defer func() {
			if p := recover(); p != nil {
				o.panic, o.stack = p, debug.Stack()
			}
			done <- o
		}()
		f.Sniff(data[:min(len(data), importers.SniffSize)]) // detection sees hostile heads too
		o.res = importertest.ReadBytes(t, f, name, data)
	}()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	limit := time.NewTimer(hostileTimeLimit)
	defer limit.Stop()
	for {
		select {
		case o := <-done:
			sample()
			if o.panic != nil {
				t.Errorf("panic: %v\n%s", o.panic, o.stack)
				return o.res, false, peak.Load()
			}
			return o.res, true, peak.Load()
		case <-tick.C:
			sample()
		case <-limit.C:
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			t.Errorf("no result after %v: a hang\n%s", hostileTimeLimit, buf)
			return importertest.Result{}, false, peak.Load()
		}
	}
}
