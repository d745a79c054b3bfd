package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"trawl/internal/tmuxtest"
)

// BenchmarkIntegrationWorkbenchTmux measures keypress to screen on the real binary: the key is
// sent to trawl running in tmux and the clock stops when the captured screen shows the key's
// result (new selection, new page, the entity loaded), so it includes the program's queries,
// rendering and the terminal. The store is TRAWL_TUI_BENCH_DB (a generated store imported and
// hunted, e.g. 1 or 10 million events); without it the benchmark is skipped. Besides ns/op it
// reports the median and 99th percentile in ms and the process's peak resident memory (VmHWM).
// The resolution is one capture-pane (a few ms).
func BenchmarkIntegrationWorkbenchTmux(b *testing.B) {
	db := os.Getenv("TRAWL_TUI_BENCH_DB")
	if db == "" {
		b.Skip("set TRAWL_TUI_BENCH_DB to a hunted store (trawl generate, import, hunt) to measure the real binary under tmux")
	}
	tmuxtest.Skip(b)
	bin := filepath.Join(b.TempDir(), "trawl")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	footer := regexp.MustCompile(`(?m)^\d+ of \d+ on this page.*$`)
	queuePos := regexp.MustCompile(`(?m)^(\d+)/(\d+)\s*$`)
	cases := []struct {
		name  string
		setup func(s *tmuxtest.Session)
		// press sends the i-th key and returns what its result looks like.
		press func(s *tmuxtest.Session, i int, before string) func(string) bool
	}{
		{"queue-scroll", nil, func(s *tmuxtest.Session, i int, before string) func(string) bool {
			m := queuePos.FindStringSubmatch(before)
			pos, total := atoi(m[1]), atoi(m[2])
			key, want := "j", pos+1
			if pos == total {
				key, want = "g", 1
			}
			s.Keys(key)
			return func(scr string) bool {
				m := queuePos.FindStringSubmatch(scr)
				return m != nil && atoi(m[1]) == want
			}
		}},
		{"pivot", func(s *tmuxtest.Session) {
			s.Keys("Enter")
			s.WaitFor("incident", "factors", "entities user:")
		}, func(s *tmuxtest.Session, i int, before string) func(string) bool {
			s.Type("p")
			return func(scr string) bool {
				return strings.Contains(scr, "Entity user=") && strings.Contains(scr, "first seen") &&
					strings.Contains(scr, "on this page") && !strings.Contains(scr, "loading")
			}
		}},
		{"timeline-page", func(s *tmuxtest.Session) {
			s.Keys("Enter")
			s.WaitFor("incident", "factors", "entities user:")
			s.Type("t")
			s.WaitFor("timeline", "Timeline of user", "on this page")
		}, func(s *tmuxtest.Session, i int, before string) func(string) bool {
			old := footer.FindString(before)
			s.Keys("NPage")
			return func(scr string) bool {
				f := footer.FindString(scr)
				return f != "" && f != old && !strings.Contains(scr, "loading")
			}
		}},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			s := tmuxtest.Start(b, 160, 48, []string{"TRAWL_THEME=dark"}, bin, "--db", db)
			s.Timeout = 2 * time.Minute
			s.Poll = time.Millisecond
			s.WaitFor("queue", "sort: priority", "1/")
			if tc.setup != nil {
				tc.setup(s)
			}
			pid := s.PID()
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := range b.N {
				b.StopTimer()
				if tc.name == "pivot" && i > 0 {
					s.Keys("Escape")
					s.WaitFor("back", "factors")
				}
				before := s.Capture()
				b.StartTimer()
				t0 := time.Now()
				done := tc.press(s, i, before)
				s.Until(tc.name, "the key's result", func(scr string) bool { return scr != before && done(scr) })
				lat = append(lat, time.Since(t0))
			}
			b.StopTimer()
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[min(len(lat)*99/100, len(lat)-1)].Microseconds())/1000, "p99-ms")
			if mb := peakRSSOf(pid); mb > 0 {
				b.ReportMetric(mb, "peak-rss-MB")
			}
			s.Keys("C-c")
			if status, _ := s.Exit("quit"); status != 0 {
				b.Errorf("trawl exited with status %d", status)
			}
		})
	}
}

// peakRSSOf is a process's peak resident memory in MB (VmHWM; 0 when unknown).
func peakRSSOf(pid int) float64 {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }
