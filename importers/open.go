package importers

import (
	"bufio"
	"bytes"
	"compress/bzip2"
	"fmt"
	"io"
	"os"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// Opened is an input file opened for reading, decompressed when it was compressed, with its
// first bytes available for sniffing without consuming them.
type Opened struct {
	Input
	Head        []byte // up to SniffSize leading bytes of the decompressed content, as UTF-8
	Compression string // "", "gzip", "zstd" or "bzip2"
	// Encoding is the text encoding a byte order mark announced: "" when there was none,
	// "utf-8" (the mark is dropped), "utf-16le" or "utf-16be" (the content is transcoded to
	// UTF-8 as it is read, so formats, Head and record offsets all see UTF-8).
	Encoding string
	closers  []io.Closer
	broken   *breakReader // the decompressed stream, when compressed
}

// Broken is the decompression error that ended a compressed input before its end (a truncated
// gzip, a corrupt zstd frame), with how many decompressed bytes came before it: the format saw
// a clean end of input there and imported what came before. It is nil for an input that ended
// cleanly, and is only known once the content has been read to its end.
func (o *Opened) Broken() (at int64, err error) {
	if o.broken == nil || o.broken.err == nil {
		return 0, nil
	}
	return o.broken.n, fmt.Errorf("%s data breaks off after %d bytes: %w", o.Compression, o.broken.n, o.broken.err)
}

// breakReader turns a decompressor's error into the end of the input, keeping the error: what
// was decompressed before a break is still read.
type breakReader struct {
	r   io.Reader
	n   int64 // bytes read so far
	err error
}

func (b *breakReader) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, io.EOF
	}
	n, err := b.r.Read(p)
	b.n += int64(n)
	if err != nil && err != io.EOF {
		b.err = err
		err = io.EOF
	}
	return n, err
}

// Close releases the file and decompressor.
func (o *Opened) Close() error {
	var first error
	for i := len(o.closers) - 1; i >= 0; i-- {
		if err := o.closers[i].Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// Open opens path, recognising gzip, zstd and bzip2 by their magic bytes (not the file name).
// A file that claims a compression by its magic but is not valid fails here with a clear error;
// one that decompresses for a while and then breaks off ends there (see Opened.Broken). A byte
// order mark is dropped, and UTF-16 content is transcoded to UTF-8.
func Open(path string) (*Opened, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if st.IsDir() {
		f.Close()
		return nil, fmt.Errorf("%s is a directory", path)
	}
	o, err := OpenReader(path, f, st.Size())
	if err != nil {
		f.Close()
		return nil, err
	}
	o.closers = append([]io.Closer{f}, o.closers...)
	return o, nil
}

// OpenReader is Open for a reader that is already open.
func OpenReader(name string, r io.Reader, size int64) (*Opened, error) {
	br := bufio.NewReaderSize(r, 256<<10)
	magic, _ := br.Peek(4)
	o := &Opened{}
	var content io.Reader = br
	switch {
	case bytes.HasPrefix(magic, []byte{0x1f, 0x8b}):
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("%s: looks gzip-compressed but is not valid gzip: %w", name, err)
		}
		o.Compression = "gzip"
		o.closers = append(o.closers, zr)
		content = zr
	case bytes.HasPrefix(magic, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		zr, err := zstd.NewReader(br, zstd.WithDecoderLowmem(true), zstd.WithDecoderMaxMemory(1<<30))
		if err != nil {
			return nil, fmt.Errorf("%s: looks zstd-compressed but is not valid zstd: %w", name, err)
		}
		o.Compression = "zstd"
		o.closers = append(o.closers, zr.IOReadCloser())
		content = zr
	case bytes.HasPrefix(magic, []byte("BZh")) && len(magic) == 4 && magic[3] >= '1' && magic[3] <= '9':
		o.Compression = "bzip2"
		content = bzip2.NewReader(br)
	}
	if o.Compression != "" {
		o.broken = &breakReader{r: content}
		content = o.broken
	}
	cr := bufio.NewReaderSize(content, SniffSize)
	head, err := cr.Peek(SniffSize)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if o.broken != nil && o.broken.err != nil && len(head) == 0 {
		// Nothing at all decompresses: the file is not what its magic bytes claim.
		return nil, fmt.Errorf("%s: corrupt %s data: %w", name, o.Compression, o.broken.err)
	}
	switch {
	case bytes.HasPrefix(head, []byte{0xef, 0xbb, 0xbf}):
		o.Encoding = "utf-8"
		cr.Discard(3)
		head = head[3:]
	case bytes.HasPrefix(head, []byte{0xff, 0xfe}), bytes.HasPrefix(head, []byte{0xfe, 0xff}):
		o.Encoding = "utf-16le"
		if head[0] == 0xfe {
			o.Encoding = "utf-16be"
		}
		cr.Discard(2)
		cr = bufio.NewReaderSize(newUTF16Reader(cr, o.Encoding == "utf-16be"), SniffSize)
		head, err = cr.Peek(SniffSize)
		if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	o.Head = head
	o.Input = Input{Name: name, R: cr, Size: size}
	return o, nil
}
