// Package evtx reads Windows XML Event Log (EVTX) files: the file header, its 64 KiB chunks,
// the event records in each chunk and their binary XML (BinXML), following the public libyal
// format description. Every record becomes an element tree (Element) that renders exactly as
// python-evtx renders it, as XML (RenderXML) or as the JSON shape of the project's oracle
// (RenderJSON), and a windows.Record (ToWindows).
//
// Chunks are independent, so File.Walk decodes them on a pool of workers and still hands out
// records in file order. A chunk or record that fails its checks becomes a Reject naming the
// chunk and the record offset; reading goes on with the next one. Nothing in a file is
// trusted: every offset and length is bounds-checked.
package evtx

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
)

const (
	fileHeaderSize = 4096  // the file header block
	chunkSize      = 65536 // every chunk
	chunkHeaderLen = 512   // chunk header incl. string and template tables
)

var (
	fileMagic  = []byte("ElfFile\x00")
	chunkMagic = []byte("ElfChnk\x00")
)

// Header is the EVTX file header.
type Header struct {
	FirstChunk   uint64
	LastChunk    uint64
	NextRecordID uint64
	MinorVersion uint16
	MajorVersion uint16
	ChunkCount   uint16 // as the header says; dirty files may hold more chunks
	Flags        uint32
	Checksum     uint32
	ChecksumOK   bool // CRC32 of the first 120 bytes matches Checksum
}

// Dirty reports the header's dirty flag: the log was not closed cleanly and the header may
// lag behind the chunks.
func (h Header) Dirty() bool { return h.Flags&1 != 0 }

// Full reports the header's full flag.
func (h Header) Full() bool { return h.Flags&2 != 0 }

// ErrNotEVTX is returned by Open when the input does not start with the EVTX file magic.
var ErrNotEVTX = errors.New("not an EVTX file (no ElfFile magic)")

// File is an open EVTX file. Its chunks are read in order, once: Walk may be called once.
type File struct {
	r      io.Reader
	Header Header
}

// Open reads the file header of the EVTX file r of the given size.
func Open(r io.ReaderAt, size int64) (*File, error) {
	return NewReader(io.NewSectionReader(r, 0, size))
}

// NewReader reads the file header from the stream r, positioned at the start of an EVTX file;
// the chunks are read from r as Walk goes.
func NewReader(r io.Reader) (*File, error) {
	b := make([]byte, fileHeaderSize)
	n, err := io.ReadFull(r, b)
	if n < 128 || !bytes.Equal(b[:8], fileMagic) {
		if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
			return nil, fmt.Errorf("reading EVTX file header: %w", err)
		}
		return nil, ErrNotEVTX
	}
	if err != nil && err != io.ErrUnexpectedEOF {
		return nil, fmt.Errorf("reading EVTX file header: %w", err)
	}
	le := binary.LittleEndian
	h := Header{
		FirstChunk:   le.Uint64(b[8:]),
		LastChunk:    le.Uint64(b[16:]),
		NextRecordID: le.Uint64(b[24:]),
		MinorVersion: le.Uint16(b[36:]),
		MajorVersion: le.Uint16(b[38:]),
		ChunkCount:   le.Uint16(b[42:]),
		Flags:        le.Uint32(b[120:]),
		Checksum:     le.Uint32(b[124:]),
	}
	h.ChecksumOK = crc32.ChecksumIEEE(b[:120]) == h.Checksum
	if n < fileHeaderSize {
		r = bytes.NewReader(nil) // header only: no chunks
	}
	return &File{r: r, Header: h}, nil
}

// ChunkOffset is where chunk i starts in the file.
func ChunkOffset(i int) int64 { return fileHeaderSize + int64(i)*chunkSize }

// readChunk reads the next chunk into buf (chunkSize bytes). It returns the number of bytes
// read: chunkSize, fewer for a truncated last chunk, 0 at the end.
func (f *File) readChunk(buf []byte) (int, error) {
	n, err := io.ReadFull(f.r, buf[:chunkSize])
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		err = nil
	}
	return n, err
}
