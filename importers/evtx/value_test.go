package evtx

import (
	"encoding/binary"
	"math"
	"strings"
	"testing"
	"time"
	"unicode/utf16"
)

func u16le(s string) []byte {
	var b []byte
	for _, c := range utf16.Encode([]rune(s)) {
		b = binary.LittleEndian.AppendUint16(b, c)
	}
	return b
}

func TestValueText(t *testing.T) {
	le := binary.LittleEndian
	sid := []byte{1, 5, 0, 0, 0, 0, 0, 5, 21, 0, 0, 0, 0x82, 0x8b, 0x9a, 0x5e, 0xa2, 0x5f, 0xac, 0x58, 0x73, 0x56, 0xb5, 0x3d, 0x52, 0x04, 0, 0}
	ft := le.AppendUint64(nil, 131965347121543830)
	st := []byte{0xe3, 0x07, 3, 0, 2, 0, 19, 0, 23, 0, 35, 0, 7, 0, 0x7b, 0}
	tests := []struct {
		name string
		typ  byte
		data []byte
		want string
	}{
		{"null", typeNull, nil, ""},
		{"utf-16 with NULs", typeString, u16le("héllo\x00\x00"), "héllo"},
		{"utf-16 lone surrogate", typeString, []byte{0x00, 0xd8, 'a', 0}, "\ufffda"},
		{"ansi", typeAnsiString, []byte("abc\x00"), "abc"},
		{"ansi latin-1", typeAnsiString, []byte{'a', 0xe9}, "aé"},
		{"int8", typeInt8, []byte{0xff}, "-1"},
		{"uint8", typeUint8, []byte{0xff}, "255"},
		{"int16", typeInt16, le.AppendUint16(nil, 0x8000), "-32768"},
		{"uint16", typeUint16, le.AppendUint16(nil, 0x8000), "32768"},
		{"int32", typeInt32, le.AppendUint32(nil, 0xfffffffe), "-2"},
		{"uint32", typeUint32, le.AppendUint32(nil, 0xfffffffe), "4294967294"},
		{"int64", typeInt64, le.AppendUint64(nil, math.MaxUint64), "-1"},
		{"uint64", typeUint64, le.AppendUint64(nil, math.MaxUint64), "18446744073709551615"},
		{"float", typeFloat, le.AppendUint32(nil, math.Float32bits(0.1)), "0.10000000149011612"},
		{"double", typeDouble, le.AppendUint64(nil, math.Float64bits(1e22)), "1e+22"},
		{"double integral", typeDouble, le.AppendUint64(nil, math.Float64bits(3)), "3.0"},
		{"bool true", typeBool, le.AppendUint32(nil, 1), "True"},
		{"bool false", typeBool, le.AppendUint32(nil, 0), "False"},
		{"bool negative", typeBool, le.AppendUint32(nil, 0xffffffff), "False"},
		{"binary", typeBinary, []byte("hi!"), "aGkh"},
		{"guid", typeGUID, []byte{0x25, 0x96, 0x84, 0x54, 0x78, 0x54, 0x94, 0x49, 0xa5, 0xba, 0x3e, 0x3b, 0x03, 0x28, 0xc3, 0x0d}, "{54849625-5478-4994-a5ba-3e3b0328c30d}"},
		{"size_t 8", typeSize, le.AppendUint64(nil, 4096), "4096"},
		{"size_t 4", typeSize, le.AppendUint32(nil, 4096), "4096"},
		{"filetime", typeFiletime, ft, "2019-03-08 16:05:12.154383"},
		{"filetime zero", typeFiletime, make([]byte, 8), "1601-01-01 00:00:00"},
		{"filetime huge", typeFiletime, le.AppendUint64(nil, math.MaxUint64), "0001-01-01 00:00:00"},
		{"systemtime", typeSystemtime, st, "2019-03-19 23:35:07.000123"},
		{"sid", typeSID, sid, "S-1-5-21-1587186562-1487691682-1035294323-1106"},
		{"hex32", typeHex32, le.AppendUint32(nil, 0x1a), "0x0000001a"},
		{"hex64", typeHex64, le.AppendUint64(nil, 0x17dad), "0x0000000000017dad"},
		{"short fixed value", typeUint32, []byte{1}, "1"},
		{"wstring array", typeString | typeArray, u16le("sa\x00\x00b\x00"), "<string>sa</string>\n<string></string>\n<string>b</string>\n"},
		{"uint16 array", typeUint16 | typeArray, le.AppendUint16(le.AppendUint16(nil, 1), 2), "<string>1</string>\n<string>2</string>\n"},
		{"ansi array", typeAnsiString | typeArray, []byte("a\x00bc\x00"), "<string>a</string>\n<string>bc</string>\n"},
		{"sid array", typeSID | typeArray, append(append([]byte(nil), sid...), sid...), strings.Repeat("<string>S-1-5-21-1587186562-1487691682-1035294323-1106</string>\n", 2)},
		{"unknown type", 0x30, []byte("xy"), "eHk="},
	}
	for _, tt := range tests {
		d := newChunkDecoder()
		d.reset(append([]byte{0, 0, 0, 0}, tt.data...))
		if got := d.text(value{typ: tt.typ, off: 4, n: len(tt.data)}); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestPyFloat(t *testing.T) {
	tests := map[float64]string{
		0: "0.0", 1: "1.0", -2.5: "-2.5", 0.0001: "0.0001", 0.00001: "1e-05", 1e16: "1e+16",
		123456789012345678: "1.2345678901234568e+17", 1.5e-7: "1.5e-07", math.Inf(1): "inf",
		math.NaN(): "nan", 9999999999999998: "9999999999999998.0",
	}
	for f, want := range tests {
		if got := pyFloat(f); got != want {
			t.Errorf("pyFloat(%v) = %q, want %q", f, got, want)
		}
	}
}

func TestFiletimeTime(t *testing.T) {
	if got := FiletimeTime(131965347121543830).Format("2006-01-02T15:04:05.0000000Z"); got != "2019-03-08T16:05:12.1543830Z" {
		t.Errorf("FiletimeTime: %s", got)
	}
}

// TestParseSystemTime: a TimeCreated/@SystemTime written as text, as python-evtx prints it or
// as ISO 8601, gives the UTC time; a missing or unreadable one gives the zero time.
func TestParseSystemTime(t *testing.T) {
	root := func(v string) *Element {
		tc := &Element{Name: "TimeCreated", Attrs: []Attr{{"SystemTime", v}}}
		sys := &Element{Name: "System", Content: []Node{{Kind: ElemNode, Elem: tc}}}
		return &Element{Name: "Event", Content: []Node{{Kind: ElemNode, Elem: sys}}}
	}
	want := time.Date(2016, 7, 8, 18, 12, 51, 681640000, time.UTC)
	for _, tt := range []struct {
		v    string
		want time.Time
	}{
		{"2016-07-08 18:12:51.681640", want},
		{"2016-07-08T18:12:51.681640Z", want},
		{"2016-07-08T20:12:51.681640+02:00", want},
		{"2016-07-08T18:12:51.681640", want},
		{"yesterday", time.Time{}},
	} {
		if got := parseSystemTime(root(tt.v)); !got.Equal(tt.want) || got.Location() != time.UTC {
			t.Errorf("parseSystemTime(%q) = %v, want %v", tt.v, got, tt.want)
		}
	}
	if got := parseSystemTime(&Element{Name: "Event"}); !got.IsZero() {
		t.Errorf("no TimeCreated: %v", got)
	}
}
