package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRawLoadECSFloor: the import bench's floor (RawLoad "ecs-events") writes, for the columns
// it fills, what trawl's own import of the same ECS lines stores, so it is a floor for the same
// work and not for less.
func TestRawLoadECSFloor(t *testing.T) {
	lines := []string{
		`{"@timestamp":"2024-03-01T00:00:00.000Z","host":{"name":"WS235.corp.local"},"user":{"name":"alice","domain":"CORP"},"source":{"ip":"10.1.154.80","port":3496},"destination":{"ip":"172.16.0.121","port":443},"event":{"code":"4688","action":"process-start","outcome":"success"},"process":{"executable":"C:\\Windows\\System32\\cmd.exe","pid":13581,"command_line":"C:\\Windows\\System32\\cmd.exe --task 132"},"message":"A new process has been created."}`,
		`{"@timestamp":"2024-03-01T00:00:00.037Z","host":{"name":"WS7.corp.local"},"user":{"name":"bob","domain":"CORP"},"source":{"ip":"10.1.3.4","port":50000},"destination":{"ip":"172.16.0.9","port":443},"event":{"code":"4688","action":"process-start","outcome":"success"},"process":{"executable":"C:\\Windows\\explorer.exe","pid":101,"command_line":"C:\\Windows\\explorer.exe --task 7"},"message":"A new process has been created."}`,
	}
	p := filepath.Join(t.TempDir(), "ecs.jsonl")
	if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, _ := openTemp(t)
	ctx := context.Background()
	n, err := s.RawLoad(ctx, p, "ecs-events")
	if err != nil || n != int64(len(lines)) {
		t.Fatalf("RawLoad: %d rows, %v", n, err)
	}
	if res := s.ImportFiles(ctx, []string{p}, ImportOptions{Format: "jsonl"}); res[0].Err != nil || res[0].Events != int64(len(lines)) {
		t.Fatalf("import: %+v", res[0])
	}
	dump := func(table string) string {
		// Every column but the ids of the row and of its file, and the byte offset.
		tb, err := s.Query(ctx, `SELECT * EXCLUDE (id, file_id, byte_offset) FROM `+table+` ORDER BY line`)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for _, row := range tb.Rows {
			for i, v := range row {
				fmt.Fprintf(&b, "%s=%v\n", tb.Columns[i], v)
			}
		}
		return b.String()
	}
	if floor, trawl := dump("raw_load"), dump("events"); floor != trawl {
		t.Errorf("the floor's rows differ from trawl's import:\nfloor:\n%s\ntrawl:\n%s", floor, trawl)
	}
}
