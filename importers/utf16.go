package importers

import (
	"io"
	"unicode/utf16"
	"unicode/utf8"
)

// utf16Reader transcodes a UTF-16 stream (without its byte order mark) to UTF-8 as it is read,
// in bounded memory. Surrogate pairs become one character even when split between reads; an
// unpaired surrogate or an odd last byte becomes U+FFFD, so no input is dropped in silence.
type utf16Reader struct {
	r      io.Reader
	big    bool   // big-endian
	in     []byte // raw input; in[lo:hi] is not decoded yet
	lo, hi int
	out    []byte // decoded UTF-8 not yet handed out
	outBuf []byte
	err    error // the error that ended r
}

func newUTF16Reader(r io.Reader, bigEndian bool) *utf16Reader {
	const size = 32 << 10
	return &utf16Reader{r: r, big: bigEndian, in: make([]byte, size), outBuf: make([]byte, 0, size/2*3+8)}
}

func (d *utf16Reader) Read(p []byte) (int, error) {
	for len(d.out) == 0 {
		if d.err != nil && d.lo == d.hi {
			return 0, d.err
		}
		d.fill()
	}
	n := copy(p, d.out)
	d.out = d.out[n:]
	return n, nil
}

func (d *utf16Reader) unit(b []byte) rune {
	if d.big {
		return rune(b[0])<<8 | rune(b[1])
	}
	return rune(b[1])<<8 | rune(b[0])
}

// fill reads more input and decodes every complete character of it into out.
func (d *utf16Reader) fill() {
	d.hi = copy(d.in, d.in[d.lo:d.hi]) // at most 3 bytes of an incomplete character stay
	d.lo = 0
	if d.err == nil {
		n, err := d.r.Read(d.in[d.hi:])
		d.hi += n
		if err != nil {
			d.err = err
		}
	}
	end := d.err != nil // no more input will come: decode what is left, whole or not
	b := d.in[:d.hi]
	out := d.outBuf[:0]
	i := 0
	for i+2 <= len(b) {
		u := d.unit(b[i:])
		switch {
		case u >= 0xd800 && u < 0xdc00: // high surrogate: wants a low one after it
			if i+4 > len(b) {
				if !end {
					goto done
				}
				out = utf8.AppendRune(out, utf8.RuneError)
				i += 2
				continue
			}
			if u2 := d.unit(b[i+2:]); u2 >= 0xdc00 && u2 < 0xe000 {
				out = utf8.AppendRune(out, utf16.DecodeRune(u, u2))
				i += 4
				continue
			}
			out = utf8.AppendRune(out, utf8.RuneError)
			i += 2
		case u >= 0xdc00 && u < 0xe000: // a low surrogate alone
			out = utf8.AppendRune(out, utf8.RuneError)
			i += 2
		default:
			out = utf8.AppendRune(out, u)
			i += 2
		}
	}
	if end && i < len(b) { // an odd last byte
		out = utf8.AppendRune(out, utf8.RuneError)
		i = len(b)
	}
done:
	d.lo = i
	d.out = out
}
