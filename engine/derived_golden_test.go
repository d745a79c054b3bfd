package engine

import (
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"trawl/generate"
	"trawl/internal/testutil"
	"trawl/inventory"
)

// derivedTables are the tables the passes after an import write (migrations 006, 012 and 014:
// the feature pass with its sessions, and the entity summary), as queries giving their rows in
// one order.
var derivedTables = []struct{ name, query string }{
	{"event_features", `SELECT * FROM event_features ORDER BY ALL`},
	{"sessions", `SELECT * FROM sessions ORDER BY ALL`},
	{"session_events", `SELECT * FROM session_events ORDER BY ALL`},
	{"entity_activity", `SELECT * FROM entity_activity ORDER BY ALL`},
	{"entity_related", `SELECT * FROM entity_related ORDER BY ALL`},
	{"entity_user_pairs", `SELECT * FROM entity_user_pairs ORDER BY ALL`},
	{"entity_summary_state", `SELECT * FROM entity_summary_state ORDER BY ALL`},
	{"feature_lists", `SELECT (SELECT count(*) FROM feature_lolbas), (SELECT count(*) FROM feature_parents), (SELECT count(*) FROM feature_ports),
		(SELECT count(*) FROM feature_protocol_ports), (SELECT count(*) FROM feature_ip_ranges)`},
	// The passes leave no temporary tables or views (feat_new) behind, on the connection the
	// query gets (temporary objects are a connection's own).
	{"temp_tables", `SELECT table_name FROM duckdb_tables() WHERE temporary UNION ALL SELECT view_name FROM duckdb_views() WHERE temporary AND NOT internal ORDER BY ALL`},
}

// derivedDigest is each derived table's row count and the SHA-256 of its rows as JSON, in the
// order of derivedTables.
func derivedDigest(t *testing.T, s *Store) []string {
	t.Helper()
	var out []string
	for _, d := range derivedTables {
		tb, err := s.Query(t.Context(), d.query)
		if err != nil {
			t.Fatalf("%s: %v", d.name, err)
		}
		b, err := json.Marshal(tb.Rows)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		out = append(out, fmt.Sprintf("%s rows=%d sha256=%s", d.name, len(tb.Rows), hex.EncodeToString(sum[:8])))
	}
	return out
}

// TestDerivedTablesGolden imports a mixed set in three imports on top of each other (the demo's
// generated logs with an asset list, the demo's public samples, a generated company with every
// scenario), then rebuilds the features and the summary, and compares every table the passes
// write after each step with a golden made by the passes as they were before they were made
// faster (engine/testdata/derived.golden.txt): making the passes cheaper must not change what
// they produce.
func TestDerivedTablesGolden(t *testing.T) {
	if testing.Short() {
		t.Skip("imports the demo data")
	}
	root := testutil.RepoRoot(t)
	dir := t.TempDir()
	if _, err := generate.Run(t.Context(), generate.Config{Scenarios: []string{"all"}, Events: 6000, Seed: 11,
		Start: time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC), Days: 3}, generate.DirOpener(filepath.Join(dir, "logs"))); err != nil {
		t.Fatal(err)
	}
	walk := func(top string) []string {
		var files []string
		filepath.WalkDir(top, func(p string, d os.DirEntry, err error) error {
			// logs only: not the docs, the ground truth or trawl generate's context tables
			base := filepath.Base(p)
			if err == nil && !d.IsDir() && !strings.HasSuffix(p, ".md") && !strings.HasSuffix(p, generate.TruthFile) &&
				base != generate.AssetsFile && base != generate.IdentitiesFile {
				files = append(files, p)
			}
			return nil
		})
		slices.Sort(files)
		if len(files) == 0 {
			t.Fatalf("no files under %s", top)
		}
		return files
	}
	s, err := Open(t.Context(), filepath.Join(dir, "store.duckdb"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	importContext(t, s, filepath.Join(root, "inventory", "testdata", "assets.csv"), inventory.Assets)
	var got []string
	for _, step := range []struct{ name, dir string }{
		{"demo/generated", filepath.Join(root, "demo", "generated")},
		{"demo/samples", filepath.Join(root, "demo", "samples")},
		{"generated", filepath.Join(dir, "logs")},
	} {
		// One file at a time, parsed on one goroutine: the event ids are the same every run.
		for _, r := range s.ImportFiles(t.Context(), walk(step.dir), ImportOptions{Workers: 1, ParseWorkers: 1}) {
			if r.Err != nil && r.Events > 0 {
				t.Fatalf("%s: %v", r.File, r.Err)
			}
		}
		got = append(got, "# after importing "+step.name)
		got = append(got, derivedDigest(t, s)...)
	}
	if _, err := s.RebuildFeatures(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RebuildEntitySummary(t.Context()); err != nil {
		t.Fatal(err)
	}
	got = append(got, "# after rebuilding")
	got = append(got, derivedDigest(t, s)...)
	testutil.Golden(t, filepath.Join("testdata", "derived.golden.txt"), []byte(strings.Join(got, "\n")+"\n"))
}

// TestFeaturesFillGaps: when events without features are not all above the highest id with
// features (features of some events lost, imports finished out of order), the pass finds them
// by checking every event, and gives them the features and sessions a rebuild gives them.
func TestFeaturesFillGaps(t *testing.T) {
	root := testutil.RepoRoot(t)
	s, _ := openTemp(t)
	var files []string
	for _, f := range []string{"linux/auth.log.gz", "windows/security.json.gz", "zeek/conn.log.gz"} {
		files = append(files, filepath.Join(root, "demo", "generated", f))
	}
	for _, f := range files {
		for _, r := range s.ImportFiles(t.Context(), []string{f}, ImportOptions{Workers: 1, ParseWorkers: 1}) {
			if r.Err != nil {
				t.Fatalf("%s: %v", r.File, r.Err)
			}
		}
	}
	// The features of the first two files' events, and their sessions, are lost.
	for _, q := range []string{
		`DELETE FROM session_events WHERE session_id IN (SELECT id FROM sessions WHERE id IN (SELECT id FROM events WHERE file_id IN (SELECT id FROM files ORDER BY id LIMIT 2)))`,
		`DELETE FROM sessions WHERE id IN (SELECT id FROM events WHERE file_id IN (SELECT id FROM files ORDER BY id LIMIT 2))`,
		`DELETE FROM event_features WHERE event_id IN (SELECT id FROM events WHERE file_id IN (SELECT id FROM files ORDER BY id LIMIT 2))`,
	} {
		if _, err := s.db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	lost := count(t, s, `SELECT count(*) FROM events WHERE id NOT IN (SELECT event_id FROM event_features)`)
	if lost == 0 {
		t.Fatal("no features were deleted")
	}
	st, err := s.UpdateFeatures(t.Context())
	if err != nil || st.Events != lost {
		t.Fatalf("update: %+v, %v; want %d events", st, err, lost)
	}
	tables := func() string {
		return rowsText(t, s, `SELECT * FROM event_features ORDER BY ALL`, `SELECT * FROM sessions ORDER BY ALL`, `SELECT * FROM session_events ORDER BY ALL`)
	}
	filled := tables()
	if _, err := s.RebuildFeatures(t.Context()); err != nil {
		t.Fatal(err)
	}
	if rebuilt := tables(); rebuilt != filled {
		t.Errorf("the pass that filled the gaps differs from a rebuild")
	}
}

// TestPassesEarlierEventsLater: the demo's auth.log and Security log, each cut in two and the
// later half imported first, interleaved (each import touches one kind of session, and brings
// events earlier than the stored ones into partitions the store has): the sessions kept up
// import by import, and the entity summary, are those a rebuild makes.
func TestPassesEarlierEventsLater(t *testing.T) {
	root := testutil.RepoRoot(t)
	dir := t.TempDir()
	var halves [][2]string // per log: later half, earlier half
	for _, f := range []string{"linux/auth.log.gz", "windows/security.json.gz"} {
		fh, err := os.Open(filepath.Join(root, "demo", "generated", f))
		if err != nil {
			t.Fatal(err)
		}
		zr, err := gzip.NewReader(fh)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(zr)
		fh.Close()
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.SplitAfter(string(b), "\n")
		base := strings.TrimSuffix(filepath.Base(f), ".gz")
		halves = append(halves, [2]string{writeFile(t, dir, "later-"+base, strings.Join(lines[len(lines)/2:], "")),
			writeFile(t, dir, "earlier-"+base, strings.Join(lines[:len(lines)/2], ""))})
	}
	s, _ := openTemp(t)
	for _, p := range []string{halves[0][0], halves[1][0], halves[0][1], halves[1][1]} {
		format := "winjson"
		if strings.Contains(p, "auth") {
			format = "syslog"
		}
		for _, r := range s.ImportFiles(t.Context(), []string{p}, ImportOptions{Format: format, Workers: 1, ParseWorkers: 1}) {
			if r.Err != nil || r.Events == 0 || r.Rejects != 0 {
				t.Fatalf("%+v", r)
			}
		}
	}
	sessions := func() string {
		return rowsText(t, s, `SELECT * FROM sessions ORDER BY ALL`, `SELECT * FROM session_events ORDER BY ALL`)
	}
	kept, summary := sessions(), summaryContent(t, s)
	if n := count(t, s, `SELECT count(DISTINCT kind) FROM sessions`); n != 2 {
		t.Fatalf("%d kinds of session, want ssh and windows", n)
	}
	if _, err := s.RebuildFeatures(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RebuildEntitySummary(t.Context()); err != nil {
		t.Fatal(err)
	}
	if sessions() != kept {
		t.Error("the sessions kept up import by import differ from a rebuild")
	}
	if summaryContent(t, s) != summary {
		t.Error("the entity summary kept up import by import differs from a rebuild")
	}
}
