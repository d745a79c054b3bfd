// Package windows normalizes Windows event log records, whatever carried them (binary EVTX,
// winlogbeat/NXLog/Mordor JSON exports, python-evtx JSON), into trawl's event model. Readers
// produce a Record; Normalize maps it through the per-channel field tables in mapping.go.
package windows

import "time"

// Record is one Windows event as every Windows source presents it: the System section and the
// named EventData/UserData fields.
type Record struct {
	Provider      string
	ProviderGUID  string
	EventID       int    // without qualifiers
	Qualifiers    string // empty when absent
	Version       string
	Level         int
	Task          string
	Opcode        string
	Keywords      string
	TimeCreated   time.Time // UTC
	EventRecordID int64
	ProcessID     int64
	ThreadID      int64
	Channel       string
	Computer      string
	UserID        string // Security UserID SID
	// Data holds the EventData (or UserData) named values. Values are strings, numbers, bools
	// or nested maps/slices as the source gave them; unnamed EventData values get keys
	// "Data", "Data_2", ... in document order.
	Data map[string]any
	// Message is the rendered message when the source has one (exports often do).
	Message string
}
