package generate

import (
	"strconv"
	"time"

	"trawl/event"
)

// obj appends one JSON object to a byte slice, key by key, without reflection: the generator
// writes millions of records and encoding/json with maps would dominate its run time.
type obj struct {
	b     []byte
	comma bool
}

func (o *obj) key(k string) {
	if o.comma {
		o.b = append(o.b, ',')
	}
	o.comma = true
	// Keys are the program's own constants and never need escaping.
	o.b = append(o.b, '"')
	o.b = append(o.b, k...)
	o.b = append(o.b, '"', ':')
}

// str writes "k":"v".
func (o *obj) str(k, v string) {
	o.key(k)
	o.b = appendJSONString(o.b, v)
}

// num writes "k":v for an integer.
func (o *obj) num(k string, v int64) {
	o.key(k)
	o.b = strconv.AppendInt(o.b, v, 10)
}

// float writes "k":v with the given number of decimals.
func (o *obj) float(k string, v float64, prec int) {
	o.key(k)
	o.b = strconv.AppendFloat(o.b, v, 'f', prec, 64)
}

// boolean writes "k":true|false.
func (o *obj) boolean(k string, v bool) {
	o.key(k)
	o.b = strconv.AppendBool(o.b, v)
}

// null writes "k":null.
func (o *obj) null(k string) {
	o.key(k)
	o.b = append(o.b, "null"...)
}

// strs writes "k":["a","b"].
func (o *obj) strs(k string, vs []string) {
	o.key(k)
	o.b = append(o.b, '[')
	for i, v := range vs {
		if i > 0 {
			o.b = append(o.b, ',')
		}
		o.b = appendJSONString(o.b, v)
	}
	o.b = append(o.b, ']')
}

// begin opens a nested object under k; end closes it.
func (o *obj) begin(k string) {
	o.key(k)
	o.b = append(o.b, '{')
	o.comma = false
}

func (o *obj) end() {
	o.b = append(o.b, '}')
	o.comma = true
}

// time writes "k":"2006-01-02T15:04:05.000Z" with the given number of fraction digits.
func (o *obj) time(k string, t time.Time, frac int) {
	o.key(k)
	o.b = append(o.b, '"')
	o.b = appendISO(o.b, t, 'T', frac)
	o.b = append(o.b, 'Z', '"')
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string literal, as encoding/json writes it without HTML
// escaping. Invalid UTF-8 becomes U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	b = event.AppendJSONStringBody(b, s)
	return append(b, '"')
}

// appendISO appends t (UTC) as 2006-01-02<sep>15:04:05 followed by frac fraction digits
// (0, 3 or 6).
func appendISO(b []byte, t time.Time, sep byte, frac int) []byte {
	t = t.UTC()
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	b = appendPad(b, y, 4)
	b = append(b, '-')
	b = appendPad(b, int(mo), 2)
	b = append(b, '-')
	b = appendPad(b, d, 2)
	b = append(b, sep)
	b = appendPad(b, h, 2)
	b = append(b, ':')
	b = appendPad(b, mi, 2)
	b = append(b, ':')
	b = appendPad(b, s, 2)
	switch frac {
	case 3:
		b = append(b, '.')
		b = appendPad(b, t.Nanosecond()/1e6, 3)
	case 6:
		b = append(b, '.')
		b = appendPad(b, t.Nanosecond()/1e3, 6)
	}
	return b
}

// appendPad appends n in decimal, zero-padded to width digits.
func appendPad(b []byte, n, width int) []byte {
	var tmp [12]byte
	i := len(tmp)
	for n > 0 || i == len(tmp) {
		i--
		tmp[i] = byte('0' + n%10)
		n /= 10
	}
	for len(tmp)-i < width {
		i--
		tmp[i] = '0'
	}
	return append(b, tmp[i:]...)
}

var monthAbbr = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// appendSyslogTime appends the RFC 3164 timestamp "Mar  2 08:15:01" (day padded with a space).
func appendSyslogTime(b []byte, t time.Time) []byte {
	t = t.UTC()
	_, mo, d := t.Date()
	h, mi, s := t.Clock()
	b = append(b, monthAbbr[mo-1]...)
	b = append(b, ' ')
	if d < 10 {
		b = append(b, ' ')
	}
	b = strconv.AppendInt(b, int64(d), 10)
	b = append(b, ' ')
	b = appendPad(b, h, 2)
	b = append(b, ':')
	b = appendPad(b, mi, 2)
	b = append(b, ':')
	return appendPad(b, s, 2)
}

// appendCLFTime appends the access-log timestamp "02/Mar/2026:08:15:01 +0000".
func appendCLFTime(b []byte, t time.Time) []byte {
	t = t.UTC()
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	b = appendPad(b, d, 2)
	b = append(b, '/')
	b = append(b, monthAbbr[mo-1]...)
	b = append(b, '/')
	b = appendPad(b, y, 4)
	b = append(b, ':')
	b = appendPad(b, h, 2)
	b = append(b, ':')
	b = appendPad(b, mi, 2)
	b = append(b, ':')
	b = appendPad(b, s, 2)
	return append(b, " +0000"...)
}
