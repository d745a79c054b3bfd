// Package all links every importer format into the binary: importing it for its side effect
// registers them all with the importers registry. main imports it; tests that need the full
// registry import it too.
package all

import (
	_ "trawl/importers/auditd"
	_ "trawl/importers/cef"
	_ "trawl/importers/cloudtrail"
	_ "trawl/importers/csv"
	_ "trawl/importers/evtx"
	_ "trawl/importers/jsonl"
	_ "trawl/importers/suricata"
	_ "trawl/importers/syslog"
	_ "trawl/importers/text"
	_ "trawl/importers/web"
	_ "trawl/importers/winjson"
	_ "trawl/importers/zeek"
)
