package windows

import (
	"cmp"
	"fmt"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"

	"trawl/internal/testutil"
)

// TestMappingDoc keeps docs/windows-mapping.md in step with the tables: it is rendered from
// them (go test ./importers/windows -update rewrites it).
func TestMappingDoc(t *testing.T) {
	keys := make([]eventKey, 0, len(specs))
	for k := range specs {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b eventKey) int {
		return cmp.Or(cmp.Compare(channelOrder(a.Channel), channelOrder(b.Channel)), cmp.Compare(a.Channel, b.Channel), cmp.Compare(a.ID, b.ID))
	})
	var b strings.Builder
	b.WriteString(`# Windows event mapping

Generated from the tables in importers/windows/mapping.go by ` + "`go test ./importers/windows -update`" + `;
do not edit by hand. Every Windows source (binary EVTX, the winjson exports) goes through
windows.Normalize, so these rows hold for all of them.

Every event gets: ` + "`time`" + ` (TimeCreated, UTC), ` + "`host`" + ` (Computer), ` + "`dataset`" + ` (the channel, spelled as
Windows does), ` + "`event_code`" + ` (EventID), ` + "`message`" + ` when the export has one, ` + "`severity`" + ` from Level
(1 critical 4, 2 error 3, 3 warning 2, 4 information 0), ` + "`outcome`" + ` from the audit success/failure
keyword, ` + "`hash`" + ` from Sysmon's Hashes (SHA256 > SHA1 > MD5), ` + "`process_name`" + `/` + "`parent_name`" + ` as the base
names of the paths, and every data field in ` + "`fields`" + `. Events without a row keep only that, with
` + "`user`" + ` from SubjectUserName, TargetUserName, User or UserName (first present) and its domain.

"User from" lists the data fields tried in order for ` + "`user`" + ` (domain field after the slash; a
DOMAIN\name value is split); "Status" is the field whose zero value means success and any other
failure, overriding the fixed outcome. Sysmon for Linux (Linux-Sysmon/Operational) uses the Sysmon
rows and keeps its own dataset name; Sysmon's RuleName (a config tag) stays in ` + "`fields`" + `.

| channel | id | category | action | outcome | status | user from | target user from | columns |
|---|---|---|---|---|---|---|---|---|
`)
	for _, k := range keys {
		s := specs[k]
		users := "(default)"
		if s.Users != nil {
			var us []string
			for _, a := range s.Users {
				u := a.Name
				if a.Domain != "" {
					u += "/" + a.Domain
				}
				us = append(us, u)
			}
			users = strings.Join(us, ", ")
			if users == "" {
				users = "(none)"
			}
		}
		var cols []string
		for _, f := range s.Fields {
			cols = append(cols, f.Src+"→"+f.Col)
		}
		if s.Extra != nil {
			name := runtime.FuncForPC(reflect.ValueOf(s.Extra).Pointer()).Name()
			name = name[strings.LastIndexByte(name, '.')+1:]
			doc, ok := extraDocs[name]
			if !ok {
				t.Errorf("%v: extra mapping %s has no entry in extraDocs", k, name)
			}
			cols = append(cols, doc)
		}
		fmt.Fprintf(&b, "| %s | %d | %s | %s | %s | %s | %s | %s | %s |\n", canonicalChannels[k.Channel], k.ID, s.Category, s.Action,
			s.Outcome, s.Status, users, strings.Join(s.Targets, ", "), strings.Join(cols, ", "))
	}
	testutil.Golden(t, "../../docs/windows-mapping.md", []byte(b.String()))
}

// extraDocs says in the table what each Extra function of mapping.go fills.
var extraDocs = map[string]string{
	"imageFromCommandLine": "process_path/name from the command line's image",
	"taskCommand":          "command_line and process_path from TaskContent's Exec Command and Arguments",
	"objectTarget":         "ObjectName→file_path (ObjectType File, category file; Process: the target image) or registry (Key, category registry)",
	"shareObject":          "ShareName\\RelativeTargetName→file_path",
	"wfpProtocol":          "Protocol number→protocol name",
	"registryAction":       "action from EventType (CreateKey, DeleteKey, SetValue, DeleteValue, RenameKey)",
	"defenderDetails":      "Severity ID→severity, Path's first file→file_path",
	"powerShellContext":    "ContextInfo's Host Application→command_line and process_path, User→user, Script Name→file_path",
	"powerShellClassic":    "HostApplication=→command_line and process_path, UserId=→user, ScriptName=→file_path",
	"mssqlLogon":           "first insertion string→user, [CLIENT: ip]→src_ip",
}

func channelOrder(ch string) int {
	order := []string{chSecurity, chSystem, chAppl, chSysmon, chPowerShell, chPSClassic, chDefender}
	if i := slices.Index(order, ch); i >= 0 {
		return i
	}
	return len(order)
}
