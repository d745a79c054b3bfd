// Package bench holds trawl's end-to-end benchmarks, run by `trawl bench` (and `make bench`):
// import throughput against DuckDB loading the same file by itself, on one core and on all.
package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"trawl/engine"
)

// ImportOptions configure ImportBench.
type ImportOptions struct {
	Dir    string // where corpus files and databases go
	Events int    // events per corpus file
	Runs   int    // timed runs per measurement; the best is kept
}

// Result is one measured line.
type Result struct {
	Workload  string  `json:"workload"`
	Cores     int     `json:"cores"`
	Bytes     int64   `json:"bytes"`
	Events    int64   `json:"events"`
	TrawlSec  float64 `json:"trawl_seconds"`
	RawSec    float64 `json:"duckdb_raw_seconds"`
	TrawlMBs  float64 `json:"trawl_mb_per_s"`
	TrawlEvS  float64 `json:"trawl_events_per_s"`
	RawMBs    float64 `json:"duckdb_raw_mb_per_s"`
	Ratio     float64 `json:"ratio"`       // trawl speed / raw speed
	PeakRSSMB float64 `json:"peak_rss_mb"` // trawl's import: the highest of its runs
	// CPU seconds (user + system, of the whole process, DuckDB's threads included) of the run
	// whose wall time is reported: the machine's load changes them far less than wall time.
	TrawlCPU float64 `json:"trawl_cpu_seconds"`
	RawCPU   float64 `json:"duckdb_raw_cpu_seconds"`
	CPURatio float64 `json:"cpu_ratio"` // DuckDB's CPU seconds / trawl's
	// The floor, for workloads that have one: DuckDB by itself writing what trawl keeps of each
	// record into a table shaped like events (engine.RawLoad's "ecs-events"), in the same runs.
	// FloorRatio is its speed against the raw load (wall), FloorCPURatio the raw load's CPU
	// seconds over its own: how near half of the raw load a DuckDB-native path could come.
	FloorSec      float64 `json:"floor_seconds,omitempty"`
	FloorCPU      float64 `json:"floor_cpu_seconds,omitempty"`
	FloorRatio    float64 `json:"floor_ratio,omitempty"`
	FloorCPURatio float64 `json:"floor_cpu_ratio,omitempty"`
}

// Workload is a corpus and how DuckDB loads it raw.
type workload struct {
	name, format, rawKind, file string
	write                       func(w io.Writer, n int, r *rand.Rand) error
	floorKind                   string // engine.RawLoad kind of the floor; "": none
}

var workloads = []workload{
	{"jsonl", "jsonl", "json", "bench.jsonl", writeJSONL, "ecs-events"},
	{"syslog", "syslog", "lines", "bench-auth.log", writeSyslog, ""},
}

// ImportBench writes the corpora (once: they are reused when present with the same size) and
// measures each workload on one core and on all cores, calling report after each result.
func ImportBench(ctx context.Context, opt ImportOptions, report func(Result)) error {
	if opt.Runs <= 0 {
		opt.Runs = 1
	}
	if err := os.MkdirAll(opt.Dir, 0o755); err != nil {
		return err
	}
	all := runtime.GOMAXPROCS(0)
	for _, wl := range workloads {
		path := filepath.Join(opt.Dir, fmt.Sprintf("%d-%s", opt.Events, wl.file))
		if _, err := os.Stat(path); err != nil {
			if err := writeCorpus(path, wl, opt.Events); err != nil {
				return err
			}
		}
		st, err := os.Stat(path)
		if err != nil {
			return err
		}
		cores := []int{1}
		if all > 1 {
			cores = append(cores, all)
		}
		for _, c := range cores {
			res, err := measure(ctx, opt, wl, path, st.Size(), c)
			if err != nil {
				return fmt.Errorf("%s on %d cores: %w", wl.name, c, err)
			}
			report(res)
		}
	}
	return nil
}

func measure(ctx context.Context, opt ImportOptions, wl workload, path string, size int64, cores int) (Result, error) {
	prev := runtime.GOMAXPROCS(cores)
	defer runtime.GOMAXPROCS(prev)
	res := Result{Workload: wl.name, Cores: cores, Bytes: size}
	db := filepath.Join(opt.Dir, "bench.duckdb")
	defer removeStore(db)
	for run := range opt.Runs {
		// trawl's import into a fresh store file, first in each run so that its peak memory is
		// its own and not what DuckDB's loads below left behind.
		removeStore(db)
		ResetPeakRSS()
		st, err := engine.Open(ctx, db, engine.Options{Threads: cores, MemoryMB: 384}) // as trawl import does
		if err != nil {
			return res, err
		}
		t0, c0 := time.Now(), CPUSeconds()
		r := st.ImportFiles(ctx, []string{path}, engine.ImportOptions{Format: wl.format, ParseWorkers: cores})
		d, c := time.Since(t0).Seconds(), CPUSeconds()-c0
		st.Close()
		res.PeakRSSMB = max(res.PeakRSSMB, PeakRSSMB())
		if r[0].Err != nil {
			return res, r[0].Err
		}
		if r[0].Rejects > 0 {
			return res, fmt.Errorf("%d rejects in the benchmark corpus", r[0].Rejects)
		}
		res.Events = r[0].Events
		if run == 0 || d < res.TrawlSec {
			res.TrawlSec = d
		}
		if run == 0 || c < res.TrawlCPU {
			res.TrawlCPU = c
		}

		// DuckDB alone, into a table of a fresh database file, checkpointed.
		d, c, err = rawLoad(ctx, db, path, wl.rawKind, engine.Options{Threads: cores})
		if err != nil {
			return res, err
		}
		if run == 0 || d < res.RawSec {
			res.RawSec = d
		}
		if run == 0 || c < res.RawCPU {
			res.RawCPU = c
		}

		// The floor, under trawl import's memory limit.
		if wl.floorKind != "" {
			d, c, err := rawLoad(ctx, db, path, wl.floorKind, engine.Options{Threads: cores, MemoryMB: 384})
			if err != nil {
				return res, fmt.Errorf("floor: %w", err)
			}
			if run == 0 || d < res.FloorSec {
				res.FloorSec = d
			}
			if run == 0 || c < res.FloorCPU {
				res.FloorCPU = c
			}
		}
	}
	mb := float64(size) / 1e6
	res.TrawlMBs, res.RawMBs = mb/res.TrawlSec, mb/res.RawSec
	res.TrawlEvS = float64(res.Events) / res.TrawlSec
	res.Ratio = res.RawSec / res.TrawlSec
	if res.TrawlCPU > 0 {
		res.CPURatio = res.RawCPU / res.TrawlCPU
	}
	if res.FloorSec > 0 {
		res.FloorRatio = res.RawSec / res.FloorSec
	}
	if res.FloorCPU > 0 {
		res.FloorCPURatio = res.RawCPU / res.FloorCPU
	}
	return res, nil
}

// removeStore deletes the store file db and its write-ahead log, so the next open starts fresh.
func removeStore(db string) {
	os.Remove(db)
	os.Remove(db + ".wal")
}

// rawLoad times engine.RawLoad of kind into a fresh store file db: wall and CPU seconds.
func rawLoad(ctx context.Context, db, path, kind string, o engine.Options) (wall, cpu float64, err error) {
	removeStore(db)
	st, err := engine.Open(ctx, db, o)
	if err != nil {
		return 0, 0, err
	}
	defer st.Close()
	t0, c0 := time.Now(), CPUSeconds()
	n, err := st.RawLoad(ctx, path, kind)
	wall, cpu = time.Since(t0).Seconds(), CPUSeconds()-c0
	if err == nil && n == 0 {
		err = fmt.Errorf("%s: no rows loaded", kind)
	}
	return wall, cpu, err
}

func writeCorpus(path string, wl workload, n int) error {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	if err := wl.write(w, n, rand.New(rand.NewPCG(1, 2))); err != nil {
		f.Close()
		return err
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

var (
	users = []string{"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory", "oscar", "peggy", "trent", "victor", "walter"}
	procs = []string{`C:\Windows\System32\svchost.exe`, `C:\Windows\explorer.exe`, `C:\Program Files\Google\Chrome\Application\chrome.exe`, `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`, `C:\Windows\System32\cmd.exe`}
)

// writeJSONL writes ECS-style JSON lines of logon, process and network events (~450 bytes a line).
func writeJSONL(w io.Writer, n int, r *rand.Rand) error {
	base := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	var b []byte
	for i := range n {
		t := base.Add(time.Duration(i) * 37 * time.Millisecond)
		u := users[r.IntN(len(users))]
		p := procs[r.IntN(len(procs))]
		b = b[:0]
		b = append(b, `{"@timestamp":"`...)
		b = t.AppendFormat(b, "2006-01-02T15:04:05.000Z")
		b = append(b, `","host":{"name":"WS`...)
		b = strconv.AppendInt(b, int64(r.IntN(300)), 10)
		b = append(b, `.corp.local"},"user":{"name":"`...)
		b = append(b, u...)
		b = append(b, `","domain":"CORP"},"source":{"ip":"10.1.`...)
		b = strconv.AppendInt(b, int64(r.IntN(256)), 10)
		b = append(b, '.')
		b = strconv.AppendInt(b, int64(r.IntN(256)), 10)
		b = append(b, `","port":`...)
		b = strconv.AppendInt(b, int64(1024+r.IntN(60000)), 10)
		b = append(b, `},"destination":{"ip":"172.16.0.`...)
		b = strconv.AppendInt(b, int64(r.IntN(256)), 10)
		b = append(b, `","port":443},"event":{"code":"4688","action":"process-start","outcome":"success"},"process":{"executable":`...)
		b = strconv.AppendQuote(b, p)
		b = append(b, `,"pid":`...)
		b = strconv.AppendInt(b, int64(100+r.IntN(30000)), 10)
		b = append(b, `,"command_line":`...)
		b = strconv.AppendQuote(b, p+" --task "+strconv.Itoa(r.IntN(1000)))
		b = append(b, `},"message":"A new process has been created."}`...)
		b = append(b, '\n')
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	return nil
}

// writeSyslog writes an sshd/sudo/CRON auth.log (~110 bytes a line).
func writeSyslog(w io.Writer, n int, r *rand.Rand) error {
	base := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	var b []byte
	for i := range n {
		t := base.Add(time.Duration(i) * 37 * time.Millisecond)
		b = b[:0]
		b = t.AppendFormat(b, "Jan _2 15:04:05")
		b = append(b, " srv"...)
		b = strconv.AppendInt(b, int64(r.IntN(8)), 10)
		pid := strconv.Itoa(1000 + r.IntN(60000))
		ip := "203.0." + strconv.Itoa(r.IntN(256)) + "." + strconv.Itoa(r.IntN(256))
		u := users[r.IntN(len(users))]
		switch r.IntN(4) {
		case 0:
			b = append(b, " sshd["+pid+"]: Failed password for invalid user "+u+" from "+ip+" port "+strconv.Itoa(1024+r.IntN(60000))+" ssh2"...)
		case 1:
			b = append(b, " sshd["+pid+"]: Accepted publickey for "+u+" from "+ip+" port "+strconv.Itoa(1024+r.IntN(60000))+" ssh2"...)
		case 2:
			b = append(b, " sudo:   "+u+" : TTY=pts/0 ; PWD=/home/"+u+" ; USER=root ; COMMAND=/usr/bin/systemctl restart nginx"...)
		default:
			b = append(b, " CRON["+pid+"]: pam_unix(cron:session): session opened for user root by (uid=0)"...)
		}
		b = append(b, '\n')
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	return nil
}

// CPUSeconds is the CPU time this process has used so far (user + system, all threads).
func CPUSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// ResetPeakRSS restarts the kernel's peak-RSS count for this process (Linux; a no-op elsewhere).
func ResetPeakRSS() { os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// PeakRSSMB reads the peak resident set size since the last reset, in MB (0 when unknown).
func PeakRSSMB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 64)
			return kb / 1024
		}
	}
	return 0
}
