package evtx

import (
	"bufio"
	"context"
	"fmt"
	"io"
)

// XMLHeader is the XML declaration python-evtx's evtx_dump.py prints first.
const XMLHeader = "<?xml version=\"1.1\" encoding=\"utf-8\" standalone=\"yes\" ?>\n"

// Dump writes every record of the EVTX stream r to w, in file order, as python-evtx prints
// them: format "xml" exactly like evtx_dump.py (XMLHeader, a blank line, <Events>, each
// record's XML followed by a newline, </Events>), format "json" as JSON lines in the shape of
// RenderJSON. Rejected chunks and records go to onReject (when not nil) and are left out.
func Dump(ctx context.Context, w io.Writer, r io.Reader, format string, onReject func(Reject)) error {
	if format != "xml" && format != "json" {
		return fmt.Errorf("evtx dump: unknown format %q (want json or xml)", format)
	}
	f, err := NewReader(r)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	if format == "xml" {
		bw.WriteString(XMLHeader + "\n<Events>\n")
	}
	var buf []byte
	err = f.Walk(ctx, 0, func(e Entry) error {
		if e.Reject != nil {
			if onReject != nil {
				onReject(*e.Reject)
			}
			return nil
		}
		if format == "xml" {
			buf = AppendXML(buf[:0], e.Record.Root)
		} else {
			buf = e.Record.AppendJSON(buf[:0])
		}
		buf = append(buf, '\n')
		_, err := bw.Write(buf)
		return err
	})
	if err != nil {
		return err
	}
	if format == "xml" {
		bw.WriteString("</Events>\n")
	}
	return bw.Flush()
}
