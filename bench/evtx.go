package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"syscall"
	"time"

	"trawl/importers/evtx"
)

// EvtxOptions configure EvtxBench.
type EvtxOptions struct {
	Samples string // folder searched recursively for .evtx files
	Dir     string // where the large file is built (and kept for reuse)
	LargeMB int    // size of the large file, in MB (0: no large workload)
	Runs    int    // timed runs of trawl per measurement; the best is kept
	// PythonMB, when below LargeMB, is the size of the large file's prefix that
	// evtx_dump.py reads instead of the whole (it decodes about 100 records a second).
	PythonMB int
	Install  bool // install the reference tools with apt-get when missing
	Log      io.Writer
}

// EvtxResult is one measured line: one tool over one workload.
type EvtxResult struct {
	Workload string `json:"workload"`
	Tool     string `json:"tool"`
	Cores    int    `json:"cores"`
	Files    int    `json:"files"`
	Bytes    int64  `json:"bytes"`
	// Records is the number of records trawl decodes from the files (the reference tools
	// are credited with the same number).
	Records   int64   `json:"records"`
	Seconds   float64 `json:"seconds"`
	MBs       float64 `json:"mb_per_s"`
	RecordsS  float64 `json:"records_per_s"`
	PeakRSSMB float64 `json:"peak_rss_mb"`
	// VsEvtxexport and VsPython are trawl's speed over the reference tool's (0 when the tool
	// is unavailable or on the tools' own lines).
	VsEvtxexport float64 `json:"vs_evtxexport"`
	VsPython     float64 `json:"vs_evtx_dump_py"`
	Note         string  `json:"note,omitempty"`
}

// The reference tools, their Debian packages and the arguments that print a file as XML.
var evtxTools = []struct {
	name, pkg string
	args      func(file string) []string
}{
	{"evtxexport", "libevtx-utils", func(f string) []string { return []string{"-f", "xml", f} }},
	{"evtx_dump.py", "python3-evtx", func(f string) []string { return []string{f} }},
}

// EvtxBench measures trawl's EVTX decoding (every record rendered as XML, as `trawl evtx dump
// --format xml` prints it, to a discarding writer) on one core and on all cores, over all the
// sample files and over a large file built from their chunks, against libevtx's evtxexport
// and python-evtx's evtx_dump.py printing the same files as XML in the same run. The
// reference tools run once per file (they take one file each) and their wall time and peak
// RSS are those of their processes; trawl also runs as a process per file ("trawl-cli") for
// a like-for-like line on the samples.
func EvtxBench(ctx context.Context, opt EvtxOptions, report func(EvtxResult)) error {
	if opt.Runs <= 0 {
		opt.Runs = 1
	}
	logf := func(format string, args ...any) {
		if opt.Log != nil {
			fmt.Fprintf(opt.Log, format+"\n", args...)
		}
	}
	files, err := evtxFiles(opt.Samples)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("no .evtx files under %s", opt.Samples)
	}
	tools := findEvtxTools(opt.Install, logf)
	if b, err := os.ReadFile("/proc/loadavg"); err == nil && len(strings.Fields(string(b))) >= 3 {
		// Other work on the machine skews the all-cores lines first.
		logf("evtx bench: %d cores, load average %s", runtime.NumCPU(), strings.Join(strings.Fields(string(b))[:3], " "))
	}

	type workload struct {
		name  string
		files []string
		// pyFiles, when set, are what evtx_dump.py reads instead (a prefix of a large
		// file: python-evtx decodes about 100 records a second).
		pyFiles []string
	}
	wls := []workload{{name: "samples", files: files}}
	if opt.LargeMB > 0 {
		if err := os.MkdirAll(opt.Dir, 0o755); err != nil {
			return err
		}
		build := func(mb int) (string, error) {
			p := filepath.Join(opt.Dir, fmt.Sprintf("evtx-large-%dMB.evtx", mb))
			if err := buildLargeEvtx(ctx, p, files, int64(mb)*1e6, logf); err != nil {
				return "", fmt.Errorf("building %s: %w", p, err)
			}
			return p, nil
		}
		large, err := build(opt.LargeMB)
		if err != nil {
			return err
		}
		wl := workload{name: fmt.Sprintf("large-%dMB", opt.LargeMB), files: []string{large}}
		if opt.PythonMB > 0 && opt.PythonMB < opt.LargeMB {
			small, err := build(opt.PythonMB)
			if err != nil {
				return err
			}
			wl.pyFiles = []string{small}
		}
		wls = append(wls, wl)
	}
	self, _ := os.Executable()

	all := runtime.GOMAXPROCS(0)
	cores := []int{1}
	if all > 1 {
		cores = append(cores, all)
	}
	for _, wl := range wls {
		size := totalSize(wl.files)
		var trawlRows []EvtxResult
		for _, c := range cores {
			logf("evtx bench: trawl over %s on %d cores", wl.name, c)
			res, err := measureEvtx(ctx, wl.files, c, opt.Runs)
			if err != nil {
				return fmt.Errorf("%s on %d cores: %w", wl.name, c, err)
			}
			res.Workload, res.Bytes = wl.name, size
			trawlRows = append(trawlRows, res)
		}
		records := trawlRows[0].Records
		if self != "" && len(wl.files) > 1 {
			// Like the reference tools: a process per file.
			res := EvtxResult{Workload: wl.name, Tool: "trawl-cli", Cores: all, Files: len(wl.files), Bytes: size, Records: records}
			logf("evtx bench: trawl evtx dump over %s, a process per file", wl.name)
			res.Seconds, res.PeakRSSMB, res.Note, err = runTool(ctx, self, func(f string) []string { return []string{"evtx", "dump", "--format", "xml", f} }, wl.files)
			if err != nil {
				return err
			}
			trawlRows = append(trawlRows, res)
		}
		ref := map[string]EvtxResult{}
		for _, tool := range evtxTools {
			res := EvtxResult{Workload: wl.name, Tool: tool.name, Cores: 1, Files: len(wl.files), Bytes: size, Records: records}
			path, ok := tools[tool.name]
			if !ok {
				res.Note = "unavailable: " + tools[tool.name+".why"]
				report(res)
				continue
			}
			files := wl.files
			if tool.name == "evtx_dump.py" && wl.pyFiles != nil {
				files = wl.pyFiles
				res.Bytes = totalSize(files)
				res.Records = 0
				for _, f := range files {
					n, err := dumpFile(ctx, f)
					if err != nil {
						return err
					}
					res.Records += n
				}
			}
			logf("evtx bench: %s over %s (%d files, %.0f MB)", tool.name, wl.name, len(files), float64(res.Bytes)/1e6)
			res.Seconds, res.PeakRSSMB, res.Note, err = runTool(ctx, path, tool.args, files)
			if err != nil {
				return err
			}
			if tool.name == "evtx_dump.py" && wl.pyFiles != nil {
				res.Note = strings.TrimPrefix(res.Note+fmt.Sprintf("; on the first %.0f MB only", float64(res.Bytes)/1e6), "; ")
			}
			rates(&res)
			ref[tool.name] = res
			report(res)
		}
		for _, r := range trawlRows {
			rates(&r)
			// Speed ratios from the rates (MB/s), as the python line may cover less data.
			if e, ok := ref["evtxexport"]; ok && e.MBs > 0 {
				r.VsEvtxexport = r.MBs / e.MBs
			}
			if p, ok := ref["evtx_dump.py"]; ok && p.MBs > 0 {
				r.VsPython = r.MBs / p.MBs
			}
			report(r)
		}
	}
	return nil
}

func totalSize(files []string) int64 {
	var n int64
	for _, f := range files {
		if st, err := os.Stat(f); err == nil {
			n += st.Size()
		}
	}
	return n
}

// runTool runs a command over every file (runPerFile) and notes the files it failed on.
func runTool(ctx context.Context, path string, args func(string) []string, files []string) (sec, rssMB float64, note string, err error) {
	sec, rssMB, failed, err := runPerFile(ctx, path, args, files)
	if failed > 0 {
		note = fmt.Sprintf("failed on %d files", failed)
	}
	return sec, rssMB, note, err
}

func rates(r *EvtxResult) {
	if r.Seconds > 0 {
		r.MBs = float64(r.Bytes) / 1e6 / r.Seconds
		r.RecordsS = float64(r.Records) / r.Seconds
	}
}

// evtxFiles lists the .evtx files under root, sorted.
func evtxFiles(root string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() && strings.HasSuffix(strings.ToLower(p), ".evtx") {
			out = append(out, p)
		}
		return nil
	})
	sort.Strings(out)
	return out, err
}

// findEvtxTools looks the reference tools up in PATH and, when some are missing and install
// is set, installs their Debian packages with apt-get (after an apt-get update if the first
// attempt fails). It returns each found tool's path by name, and "<name>.why" for the others.
func findEvtxTools(install bool, logf func(string, ...any)) map[string]string {
	found := map[string]string{}
	var missing []string
	lookup := func() {
		missing = missing[:0]
		for _, t := range evtxTools {
			if p, err := exec.LookPath(t.name); err == nil {
				found[t.name] = p
			} else {
				missing = append(missing, t.pkg)
			}
		}
	}
	lookup()
	if len(missing) == 0 {
		return found
	}
	why := "not installed (package " + strings.Join(missing, ", ") + ")"
	if install {
		apt, err := exec.LookPath("apt-get")
		if err != nil {
			why += "; no apt-get to install it"
		} else {
			logf("evtx bench: installing %s with apt-get", strings.Join(missing, " "))
			out, err := exec.Command(apt, append([]string{"install", "-y"}, missing...)...).CombinedOutput()
			if err != nil {
				logf("evtx bench: apt-get install failed (%v), running apt-get update first", err)
				if uout, uerr := exec.Command(apt, "update").CombinedOutput(); uerr != nil {
					out = append(out, uout...)
				} else {
					out, err = exec.Command(apt, append([]string{"install", "-y"}, missing...)...).CombinedOutput()
				}
			}
			lookup()
			if err != nil {
				why += "; apt-get install failed: " + lastLine(out)
			}
		}
	} else {
		why += "; installation disabled"
	}
	for _, t := range evtxTools {
		if _, ok := found[t.name]; !ok {
			found[t.name+".why"] = why
			logf("evtx bench: %s unavailable: %s", t.name, why)
		}
	}
	return found
}

func lastLine(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// runPerFile runs the command once per file, its output discarded, and returns the total
// wall time, the largest peak RSS of its processes in MB and how many runs exited non-zero.
// The peak RSS comes from /usr/bin/time when present: the rusage of a child started by this
// (large) process counts this process's memory too, as the child shares it until its exec.
func runPerFile(ctx context.Context, path string, args func(string) []string, files []string) (sec, rssMB float64, failed int, err error) {
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		return 0, 0, 0, err
	}
	defer null.Close()
	timeBin, _ := exec.LookPath("/usr/bin/time")
	timeOut := filepath.Join(os.TempDir(), fmt.Sprintf("trawl-bench-time-%d", os.Getpid()))
	defer os.Remove(timeOut)
	for _, f := range files {
		cmd := exec.CommandContext(ctx, path, args(f)...)
		if timeBin != "" {
			cmd = exec.CommandContext(ctx, timeBin, append([]string{"-f", "%M", "-o", timeOut, path}, args(f)...)...)
		}
		cmd.Stdout, cmd.Stderr = null, null
		t0 := time.Now()
		runErr := cmd.Run()
		sec += time.Since(t0).Seconds()
		if cmd.ProcessState == nil {
			return 0, 0, 0, fmt.Errorf("running %s: %w", path, runErr)
		}
		if timeBin != "" {
			// The last line holds %M (kB); a failed command adds a line before it.
			b, _ := os.ReadFile(timeOut)
			var kb float64
			fmt.Sscan(lastLine(b), &kb)
			rssMB = max(rssMB, kb/1024)
		} else if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			rssMB = max(rssMB, float64(ru.Maxrss)/1024) // kB on Linux
		}
		if runErr != nil {
			var ee *exec.ExitError
			if !errors.As(runErr, &ee) {
				return 0, 0, 0, fmt.Errorf("running %s: %w", path, runErr)
			}
			failed++
		}
	}
	return sec, rssMB, failed, ctx.Err()
}

// measureEvtx decodes the files in this process with GOMAXPROCS set to cores, every record
// rendered as XML to a discarding writer, and keeps the best of runs.
func measureEvtx(ctx context.Context, files []string, cores, runs int) (EvtxResult, error) {
	prev := runtime.GOMAXPROCS(cores)
	defer runtime.GOMAXPROCS(prev)
	res := EvtxResult{Tool: "trawl", Cores: cores, Files: len(files)}
	runtime.GC()
	ResetPeakRSS()
	for run := range runs {
		var records int64
		t0 := time.Now()
		for _, p := range files {
			n, err := dumpFile(ctx, p)
			if err != nil {
				return res, err
			}
			records += n
		}
		if d := time.Since(t0).Seconds(); run == 0 || d < res.Seconds {
			res.Seconds = d
		}
		res.Records = records
	}
	res.PeakRSSMB = PeakRSSMB()
	return res, nil
}

// dumpFile renders every record of one file as XML (the work of `trawl evtx dump --format
// xml`), discards it and returns the number of records.
func dumpFile(ctx context.Context, path string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	ef, err := evtx.NewReader(bufio.NewReaderSize(f, 1<<20))
	if err != nil {
		return 0, fmt.Errorf("%s: %w", path, err)
	}
	var records int64
	var buf []byte
	err = ef.Walk(ctx, 0, func(e evtx.Entry) error {
		if e.Record != nil {
			buf = evtx.AppendXML(buf[:0], e.Record.Root)
			records++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("%s: %w", path, err)
	}
	return records, nil
}

// buildLargeEvtx writes (once: an existing file of the right size is reused) an EVTX file
// of about size bytes: a file header and the valid chunks of the sample files repeated, each
// copy with its chunk's record numbers and identifiers renumbered to follow on, and its
// checksums recomputed. Most sample chunks hold a few records in 64 KiB; as in a log
// written over time, only chunks at least a third full are used (all when there are none). Chunks with records that python-evtx or libevtx cannot read (the
// template-less file), or with any reject, are left out, so that every tool does the same
// work.
func buildLargeEvtx(ctx context.Context, path string, files []string, size int64, logf func(string, ...any)) error {
	const header, chunk = 4096, 65536
	n := (size - header) / chunk
	if n < 1 || n > 0xffff {
		return fmt.Errorf("a large file of %d MB does not fit 1 to 65535 chunks", size/1e6)
	}
	if st, err := os.Stat(path); err == nil && st.Size() == header+n*chunk {
		return nil
	}
	var all, chunks [][]byte // usable chunks, and those of them at least a third full
	var head []byte
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if len(b) < header+chunk || !bytes.HasPrefix(b, []byte("ElfFile\x00")) {
			continue
		}
		if head == nil {
			head = append([]byte(nil), b[:header]...)
		}
		for off := header; off+chunk <= len(b); off += chunk {
			c := b[off : off+chunk]
			if !bytes.HasPrefix(c, []byte("ElfChnk\x00")) || !templatedChunk(ctx, head, c) {
				continue
			}
			all = append(all, c)
			if binary.LittleEndian.Uint32(c[48:]) >= chunk/3 {
				chunks = append(chunks, c)
			}
		}
	}
	if len(chunks) == 0 {
		chunks = all
	}
	if len(chunks) == 0 {
		return errors.New("no usable chunk in the samples")
	}
	logf("evtx bench: building %s from %d sample chunks (%d chunks)", path, len(chunks), n)
	le := binary.LittleEndian
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	h := append([]byte(nil), head...)
	next := uint64(1)
	buf := make([]byte, chunk)
	// The header is written last, once the next record id is known.
	if _, err := f.Write(make([]byte, header)); err != nil {
		f.Close()
		return err
	}
	for i := range n {
		copy(buf, chunks[i%int64(len(chunks))])
		next = renumberChunk(buf, next)
		if _, err := f.Write(buf); err != nil {
			f.Close()
			return err
		}
	}
	le.PutUint64(h[8:], 0)            // first chunk
	le.PutUint64(h[16:], uint64(n-1)) // last chunk
	le.PutUint64(h[24:], next)        // next record id
	le.PutUint16(h[42:], uint16(n))   // chunk count
	le.PutUint32(h[120:], 0)          // flags: clean, not full
	le.PutUint32(h[124:], crc32.ChecksumIEEE(h[:120]))
	if _, err := f.WriteAt(h, 0); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// templatedChunk reports whether trawl reads chunk c (in a file with header head) without a
// reject and its records start with a template instance, which the reference tools read.
func templatedChunk(ctx context.Context, head, c []byte) bool {
	h := append([]byte(nil), head...)
	binary.LittleEndian.PutUint16(h[42:], 1)
	f, err := evtx.NewReader(io.MultiReader(bytes.NewReader(h), bytes.NewReader(c)))
	if err != nil {
		return false
	}
	ok, records := true, 0
	f.Walk(ctx, 1, func(e evtx.Entry) error {
		if e.Reject != nil {
			ok = false
		}
		records++
		return nil
	})
	if !ok || records == 0 {
		return false
	}
	le := binary.LittleEndian
	free := int(le.Uint32(c[48:]))
	for p := 512; p+29 <= free; p += int(le.Uint32(c[p+4:])) {
		// A fragment header, then a template instance token.
		if int(le.Uint32(c[p+4:])) < 29 || c[p+24] != 0x0f || c[p+28] != 0x0c {
			return false
		}
	}
	return true
}

// renumberChunk gives the records of chunk c the numbers and identifiers from next on,
// recomputes the chunk's checksums and returns the number after its last record.
func renumberChunk(c []byte, next uint64) uint64 {
	le := binary.LittleEndian
	free := int(le.Uint32(c[48:]))
	first, last := next, next
	for p := 512; p+24 <= free; {
		size := int(le.Uint32(c[p+4:]))
		if le.Uint32(c[p:]) != 0x2a2a || size < 28 || p+size > free {
			break
		}
		le.PutUint64(c[p+8:], next)
		last = next
		next++
		p += size
	}
	le.PutUint64(c[8:], first)  // first record number
	le.PutUint64(c[16:], last)  // last record number
	le.PutUint64(c[24:], first) // first record identifier
	le.PutUint64(c[32:], last)  // last record identifier
	le.PutUint32(c[52:], crc32.ChecksumIEEE(c[512:free]))
	crc := crc32.NewIEEE()
	crc.Write(c[:120])
	crc.Write(c[128:512])
	le.PutUint32(c[124:], crc.Sum32())
	return next
}
