// Package event holds trawl's shared vocabulary: the normalized Event every importer produces,
// the column catalogue that describes it, and the entity normalization rules used to resolve the
// same user, host or IP across formats. It imports nothing of trawl's.
package event

import (
	"time"
)

// Int is a nullable integer column value. The zero value is NULL.
type Int struct {
	V  int64
	OK bool
}

// IntOf returns a present Int.
func IntOf(v int64) Int { return Int{V: v, OK: true} }

// Event is one normalized log record. String fields are empty when the source does not say;
// Int fields are NULL unless OK. Fields holds every parsed source field (nested maps allowed), so
// nothing the source said is lost even when the model has no column for it.
type Event struct {
	Time       time.Time // UTC; zero when the record has no usable time
	SourceType string    // format that produced it: "evtx", "zeek", "suricata", ...
	Category   string    // logon, process, network, dns, file, http, registry, cloud, auth, alert, ...
	Dataset    string    // finer origin within the format: "Security", "Microsoft-Windows-Sysmon/Operational", "zeek.conn", "sshd"
	EventCode  string    // the source's event id or type: "4624", "1", "ConsoleLogin", "alert"
	Action     string    // what happened, lower-case verb-ish: "logon", "process-start", "connection", ...
	Outcome    string    // success, failure or unknown ("")
	Severity   Int       // 0 info .. 4 critical when the source rates it
	Message    string

	Host        string // as given
	User        string // as given (CORP\Alice, alice@corp.local, ...)
	UserDomain  string
	TargetUser  string // the account acted upon (new user, group member, ...)
	LogonType   string
	AuthPackage string
	SessionID   string // LogonId, ssh pid, CloudTrail access key, Zeek uid

	SrcIP    string
	SrcPort  Int
	DstIP    string
	DstPort  Int
	Protocol string // tcp, udp, icmp, or an application protocol
	BytesIn  Int
	BytesOut Int

	ProcessName       string // image base name, lower-case preserved as given
	ProcessPath       string
	PID               Int
	CommandLine       string
	ParentName        string
	ParentPath        string
	PPID              Int
	ParentCommandLine string

	FilePath   string
	Hash       string // strongest hash given (sha256 > sha1 > md5), lower-case hex
	Registry   string // registry key/value path
	Domain     string // DNS name queried or requested host
	URL        string
	HTTPMethod string
	HTTPStatus Int
	UserAgent  string
	RuleName   string // a detection name carried by the source (Suricata signature, AV threat)

	Raw    string         // the original record text (a line, a JSON object, an EVTX record as JSON)
	Fields map[string]any // every parsed field of the source record
	// FieldsJSON, when set, is the JSON object text of Fields as the source wrote it (a JSON
	// record's own text): the store keeps it instead of encoding Fields again.
	FieldsJSON string
}
