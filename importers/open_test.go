package importers

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/klauspost/compress/zstd"
)

// encodeUTF16 writes units as UTF-16 bytes in the given byte order.
func encodeUTF16(units []uint16, big bool) []byte {
	b := make([]byte, 0, 2*len(units))
	for _, u := range units {
		if big {
			b = binary.BigEndian.AppendUint16(b, u)
		} else {
			b = binary.LittleEndian.AppendUint16(b, u)
		}
	}
	return b
}

// wantUTF16 is the reference decoding: unpaired surrogates and an odd last byte are U+FFFD.
func wantUTF16(b []byte, big bool) string {
	units := make([]uint16, len(b)/2)
	for i := range units {
		if big {
			units[i] = binary.BigEndian.Uint16(b[2*i:])
		} else {
			units[i] = binary.LittleEndian.Uint16(b[2*i:])
		}
	}
	s := string(utf16.Decode(units))
	if len(b)%2 == 1 {
		s += string(utf8.RuneError)
	}
	return s
}

var utf16Tests = []struct {
	name  string
	units []uint16
	odd   bool // append one stray byte
	want  string
}{
	{"ascii", utf16.Encode([]rune("{\"a\":1}\r\n")), false, "{\"a\":1}\r\n"},
	{"bmp", utf16.Encode([]rune("Grüße, 東京")), false, "Grüße, 東京"},
	{"surrogate pair", utf16.Encode([]rune("a😀b")), false, "a😀b"},
	{"lone high surrogate at end", []uint16{'a', 0xd83d}, false, "a\ufffd"},
	{"high surrogate then letter", []uint16{0xd83d, 'x'}, false, "\ufffdx"},
	{"lone low surrogate", []uint16{0xde00, 'y'}, false, "\ufffdy"},
	{"odd last byte", utf16.Encode([]rune("ok")), true, "ok\ufffd"},
	{"NUL kept", []uint16{'a', 0, 'b'}, false, "a\x00b"},
	{"empty", nil, false, ""},
}

func TestUTF16Reader(t *testing.T) {
	for _, tt := range utf16Tests {
		for _, big := range []bool{false, true} {
			in := encodeUTF16(tt.units, big)
			if tt.odd {
				in = append(in, 'z')
			}
			// Whole, one byte at a time (a surrogate pair split between reads), and in halves.
			for name, r := range map[string]func() io.Reader{
				"whole":    func() io.Reader { return bytes.NewReader(in) },
				"bytewise": func() io.Reader { return iotest.OneByteReader(bytes.NewReader(in)) },
				"halves":   func() io.Reader { return iotest.HalfReader(bytes.NewReader(in)) },
			} {
				got, err := io.ReadAll(newUTF16Reader(r(), big))
				if err != nil || string(got) != tt.want {
					t.Errorf("%s big=%v %s: %q, %v; want %q", tt.name, big, name, got, err, tt.want)
				}
			}
		}
	}
}

// TestUTF16ReaderLong crosses the reader's buffer boundary with a pair straddling it.
func TestUTF16ReaderLong(t *testing.T) {
	text := strings.Repeat("x", 16<<10-1) + "😀" + strings.Repeat("é😀\n", 40000)
	for _, big := range []bool{false, true} {
		got, err := io.ReadAll(newUTF16Reader(bytes.NewReader(encodeUTF16(utf16.Encode([]rune(text)), big)), big))
		if err != nil || string(got) != text {
			t.Errorf("big=%v: %d bytes, %v; want %d bytes", big, len(got), err, len(text))
		}
	}
}

func FuzzUTF16Reader(f *testing.F) {
	for _, tt := range utf16Tests {
		f.Add(encodeUTF16(tt.units, false), false)
		f.Add(encodeUTF16(tt.units, true), true)
	}
	f.Fuzz(func(t *testing.T, in []byte, big bool) {
		want := wantUTF16(in, big)
		got, err := io.ReadAll(newUTF16Reader(iotest.HalfReader(bytes.NewReader(in)), big))
		if err != nil || string(got) != want {
			t.Errorf("%q: %q, %v; want %q", in, got, err, want)
		}
	})
}

func gzipped(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// TestOpenEncoding: a byte order mark is dropped and UTF-16 is transcoded, also inside a
// compressed file; Head is UTF-8 either way.
func TestOpenEncoding(t *testing.T) {
	text := "{\"msg\":\"héllo 😀\"}\n{\"msg\":\"two\"}\n"
	le := append([]byte{0xff, 0xfe}, encodeUTF16(utf16.Encode([]rune(text)), false)...)
	be := append([]byte{0xfe, 0xff}, encodeUTF16(utf16.Encode([]rune(text)), true)...)
	tests := []struct {
		name, encoding, compression string
		in                          []byte
	}{
		{"plain", "", "", []byte(text)},
		{"utf-8 bom", "utf-8", "", append([]byte("\xef\xbb\xbf"), text...)},
		{"utf-16le", "utf-16le", "", le},
		{"utf-16be", "utf-16be", "", be},
		{"gzip utf-16le", "utf-16le", "gzip", gzipped(le)},
		{"gzip utf-8 bom", "utf-8", "gzip", gzipped(append([]byte("\xef\xbb\xbf"), text...))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := OpenReader(tt.name, bytes.NewReader(tt.in), int64(len(tt.in)))
			if err != nil {
				t.Fatal(err)
			}
			defer o.Close()
			if o.Encoding != tt.encoding || o.Compression != tt.compression {
				t.Errorf("encoding %q compression %q, want %q %q", o.Encoding, o.Compression, tt.encoding, tt.compression)
			}
			if string(o.Head) != text {
				t.Errorf("head %q, want %q", o.Head, text)
			}
			all, err := io.ReadAll(o.R)
			if err != nil || string(all) != text {
				t.Errorf("content %q, %v; want %q", all, err, text)
			}
		})
	}
}

// TestOpenBrokenCompression: data that is not what its magic claims fails at open with a
// clear error; a compressed stream that breaks off after some content reads to the break, and
// Broken reports it.
func TestOpenBrokenCompression(t *testing.T) {
	var text bytes.Buffer
	for i := range 20000 {
		text.WriteString(strings.Repeat("line ", i%7+1))
		text.WriteByte('\n')
	}
	gz := gzipped(text.Bytes())
	for _, tt := range []struct{ name, in, msg string }{
		{"gzip magic, no gzip", "\x1f\x8b\x08\x00garbage garbage garbage garbage", "gzip"},
		{"gzip header, garbage deflate", string(gz[:10]) + strings.Repeat("\xff", 100), "corrupt gzip data"},
		{"zstd magic, no zstd", "\x28\xb5\x2f\xfd garbage garbage garbage garbage", "zstd"},
	} {
		o, err := OpenReader(tt.name, strings.NewReader(tt.in), int64(len(tt.in)))
		if err == nil {
			o.Close()
			t.Errorf("%s: opened", tt.name)
		} else if !strings.Contains(err.Error(), tt.name) || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%s: error %q does not name the file and %q", tt.name, err, tt.msg)
		}
	}

	var zs bytes.Buffer
	zw, _ := zstd.NewWriter(&zs, zstd.WithEncoderConcurrency(1), zstd.WithWindowSize(1<<16))
	zw.Write(text.Bytes())
	zw.Close()
	for _, c := range []struct {
		name, compression string
		data              []byte
	}{
		{"cut.gz", "gzip", gz[:len(gz)/2]},
		{"cut.zst", "zstd", zs.Bytes()[:zs.Len()/2]},
	} {
		o, err := OpenReader(c.name, bytes.NewReader(c.data), int64(len(c.data)))
		if err != nil {
			t.Fatal(err)
		}
		defer o.Close()
		if _, err := o.Broken(); err != nil {
			t.Errorf("%s: broken before reading: %v", c.name, err)
		}
		got, err := io.ReadAll(o.R)
		if err != nil {
			t.Fatalf("%s: read: %v", c.name, err)
		}
		if len(got) == 0 || !bytes.HasPrefix(text.Bytes(), got) {
			t.Errorf("%s: read %d bytes, not a prefix of the content", c.name, len(got))
		}
		at, err := o.Broken()
		if err == nil || at != int64(len(got)) || !strings.Contains(err.Error(), c.compression+" data breaks off") {
			t.Errorf("%s: Broken() = %d, %v; want the break after %d bytes", c.name, at, err, len(got))
		}
	}

	whole, err := OpenReader("whole.gz", bytes.NewReader(gz), int64(len(gz)))
	if err != nil {
		t.Fatal(err)
	}
	defer whole.Close()
	if got, _ := io.ReadAll(whole.R); !bytes.Equal(got, text.Bytes()) {
		t.Errorf("whole gzip read %d bytes, want %d", len(got), text.Len())
	}
	if _, err := whole.Broken(); err != nil {
		t.Errorf("whole gzip broken: %v", err)
	}
}
