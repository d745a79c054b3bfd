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
	Head        []byte // up to SniffSize leading bytes of the decompressed content
	Compression string // "", "gzip", "zstd" or "bzip2"
	closers     []io.Closer
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
// A file that claims a compression by its magic but is not valid fails here with a clear error.
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
	cr := bufio.NewReaderSize(content, SniffSize)
	head, err := cr.Peek(SniffSize)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		if o.Compression != "" {
			return nil, fmt.Errorf("%s: corrupt %s data: %w", name, o.Compression, err)
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	o.Head = head
	o.Input = Input{Name: name, R: cr, Size: size}
	return o, nil
}
