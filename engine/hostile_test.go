package engine

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"unicode/utf16"

	_ "trawl/importers/syslog"
)

// TestImportNotWhatItClaims: a file whose magic bytes claim a compression it does not hold is
// not imported, and the error names the file and the compression.
func TestImportNotWhatItClaims(t *testing.T) {
	st, _ := openTemp(t)
	dir := t.TempDir()
	tests := []struct{ name, content, want string }{
		{"fake.gz", "\x1f\x8b\x08\x00 this is not gzip at all, only its magic", "gzip"},
		{"header-only.gz", string(gzipBytes(t, strings.Repeat("2024-01-02T03:04:05Z|a|b|10.0.0.1|m\n", 100))[:10]) + strings.Repeat("\xff", 64), "corrupt gzip data"},
		{"fake.zst", "\x28\xb5\x2f\xfd this is not zstd at all, only its magic", "zstd"},
	}
	var files []string
	for _, tt := range tests {
		files = append(files, writeFile(t, dir, tt.name, tt.content))
	}
	for i, r := range st.ImportFiles(context.Background(), files, ImportOptions{}) {
		if r.Err == nil || !strings.Contains(r.Error, files[i]) || !strings.Contains(r.Error, tests[i].want) {
			t.Errorf("%s: error %q, want one naming the file and %q", tests[i].name, r.Error, tests[i].want)
		}
	}
	if n := count(t, st, `SELECT count(*) FROM files`); n != 0 {
		t.Errorf("%d files recorded", n)
	}
}

func gzipBytes(t *testing.T, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	zw.Close()
	return b.Bytes()
}

// TestImportTruncatedGzip: a gzip of a real sshd log cut in the middle imports every line it
// holds up to the cut, and the cut is one reject at the offset where the content breaks off.
// The same for a line format parsed on several goroutines, cut after the sniffed head.
func TestImportTruncatedGzip(t *testing.T) {
	var pipeLog strings.Builder
	for i := range 20000 {
		fmt.Fprintf(&pipeLog, "2024-01-02T03:04:05Z|user%d|ws%d|10.0.%d.%d|message %d\n", i, i%50, i/256%256, i%256, i)
	}
	tests := []struct {
		name, format string
		text         string
		workers      int
	}{
		{"OpenSSH_excerpt.log.gz", "syslog", mustRead(t, "../importers/syslog/testdata/OpenSSH_excerpt.log"), 1},
		{"pipe.log.gz", "pipetest", pipeLog.String(), 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, _ := openTemp(t)
			gz := gzipBytes(t, tt.text)
			cut := gz[:len(gz)/2]
			path := writeFile(t, t.TempDir(), tt.name, string(cut))

			// What the cut stream holds, read as far as it goes.
			zr, err := gzip.NewReader(bytes.NewReader(cut))
			if err != nil {
				t.Fatal(err)
			}
			prefix, err := io.ReadAll(zr)
			if err == nil || len(prefix) == 0 || len(prefix) >= len(tt.text) {
				t.Fatalf("the cut gzip gives %d of %d bytes, err %v: not a useful cut", len(prefix), len(tt.text), err)
			}
			lines := int64(strings.Count(string(prefix), "\n"))
			if !bytes.HasSuffix(prefix, []byte("\n")) {
				lines++ // the line cut in two is read too
			}

			res := st.ImportFiles(context.Background(), []string{path}, ImportOptions{ParseWorkers: tt.workers})[0]
			if res.Err != nil {
				t.Fatalf("import: %v", res.Err)
			}
			if res.Format != tt.format || res.Compression != "gzip" || res.Events == 0 {
				t.Errorf("result %+v", res)
			}
			if res.Events+res.Rejects != lines+1 {
				t.Errorf("%d events + %d rejects, want the %d lines before the cut and the cut", res.Events, res.Rejects, lines)
			}
			if n := count(t, st, `SELECT count(*) FROM events`); n != res.Events {
				t.Errorf("%d events stored, result says %d", n, res.Events)
			}
			if n := count(t, st, `SELECT rejects FROM files WHERE path = ?`, path); n != res.Rejects {
				t.Errorf("files.rejects = %d, want %d", n, res.Rejects)
			}
			var reason string
			var offset int64
			if err := st.db.QueryRow(`SELECT reason, byte_offset FROM rejects WHERE line IS NULL`).Scan(&reason, &offset); err != nil {
				t.Fatalf("no reject for the cut: %v", err)
			}
			if !strings.Contains(reason, "gzip data breaks off") || !strings.Contains(reason, "unexpected EOF") || offset != int64(len(prefix)) {
				t.Errorf("cut reject %q at %d, want the break at %d", reason, offset, len(prefix))
			}
			t.Logf("%d of %d bytes decompress: %d events, %d rejects; %s", len(prefix), len(tt.text), res.Events, res.Rejects, reason)
		})
	}
}

// TestImportKeepsHostileText: terminal escapes, C1 controls and BEL are stored byte for byte in
// raw and message; only invalid UTF-8 and NUL become \xNN. Sanitising is the display's job.
func TestImportKeepsHostileText(t *testing.T) {
	st, _ := openTemp(t)
	msgs := []struct{ in, stored string }{
		{"clear \x1b[2J\x1b[H screen", "clear \x1b[2J\x1b[H screen"},
		{"osc52 \x1b]52;c;ZWNobyBwd25lZA==\x07 clipboard", "osc52 \x1b]52;c;ZWNobyBwd25lZA==\x07 clipboard"},
		{"c1 csi \xc2\x9b31m and bell \x07\x07", "c1 csi \xc2\x9b31m and bell \x07\x07"},
		{"bad \xff\xfe utf-8, raw c1 \x9b and nul \x00 here", `bad \xff\xfe utf-8, raw c1 \x9b and nul \x00 here`},
	}
	var log strings.Builder
	for _, m := range msgs {
		log.WriteString("2024-01-02T03:04:05Z|alice|ws01|10.0.0.1|" + m.in + "\n")
	}
	path := writeFile(t, t.TempDir(), "escapes.log", log.String())
	res := st.ImportFiles(context.Background(), []string{path}, ImportOptions{ParseWorkers: 1})[0]
	if res.Err != nil || res.Events != int64(len(msgs)) || res.Rejects != 0 {
		t.Fatalf("import: %+v", res)
	}
	rows, err := st.db.Query(`SELECT raw, message FROM events ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	i := 0
	for ; rows.Next(); i++ {
		var raw, msg string
		if err := rows.Scan(&raw, &msg); err != nil {
			t.Fatal(err)
		}
		if want := msgs[i].stored; msg != want || raw != "2024-01-02T03:04:05Z|alice|ws01|10.0.0.1|"+want {
			t.Errorf("row %d: message %q raw %q, want message %q", i, msg, raw, want)
		}
	}
	if i != len(msgs) {
		t.Errorf("%d rows", i)
	}
}

// TestImportUTF16: a UTF-16LE file with its byte order mark (PowerShell's Out-File) is detected
// and imported as its UTF-8 text would be, and the result names the encoding.
func TestImportUTF16(t *testing.T) {
	st, _ := openTemp(t)
	text := "2024-01-02T03:04:05Z|CORP\\Jürgen|WS01|10.0.0.1|Grüße 😀\r\n2024-01-02T03:04:06Z|bob|WS02|10.0.0.2|second\r\n"
	data := []byte{0xff, 0xfe}
	for _, u := range utf16.Encode([]rune(text)) {
		data = append(data, byte(u), byte(u>>8))
	}
	path := writeFile(t, t.TempDir(), "out-file.log", string(data))
	res := st.ImportFiles(context.Background(), []string{path}, ImportOptions{})[0]
	if res.Err != nil || res.Format != "pipetest" || res.Encoding != "utf-16le" || res.Events != 2 || res.Rejects != 0 {
		t.Fatalf("result %+v", res)
	}
	var user, msg string
	if err := st.db.QueryRow(`SELECT "user", message FROM events ORDER BY id LIMIT 1`).Scan(&user, &msg); err != nil {
		t.Fatal(err)
	}
	if user != `CORP\Jürgen` || msg != "Grüße 😀" {
		t.Errorf("user %q message %q", user, msg)
	}
}
