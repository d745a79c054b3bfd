// Package cloudtrail reads AWS CloudTrail logs: the files CloudTrail delivers to S3
// ({"Records":[...]}, one line or pretty-printed, streamed record by record so that a file of
// any size reads in bounded memory), JSON lines of single records, JSON arrays of records, and
// EventBridge events that carry a record under "detail". Every record becomes a "cloud" event
// (ConsoleLogin a "logon") with all its fields kept.
package cloudtrail

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"unicode"

	"trawl/event"
	"trawl/importers"
)

// Format is AWS CloudTrail.
type Format struct{}

func init() { importers.Register(Format{}) }

func (Format) Name() string { return "cloudtrail" }
func (Format) Description() string {
	return `AWS CloudTrail: {"Records":[...]} log files (streamed), or JSON lines of single records`
}

// fields is the mapping table for the columns a record names directly. The acting user,
// source address, outcome, category and action need a rule each and are set by build.
var fields = importers.FieldMap{
	{Src: "eventTime", Col: "time"},
	{Src: "eventName", Col: "event_code"},
	{Src: "eventSource", Col: "dataset"}, // s3.amazonaws.com, iam.amazonaws.com, ...
	{Src: "userIdentity.accountId", Col: "user_domain"},
	{Src: "userIdentity.accessKeyId", Col: "session_id"},
	{Src: "userAgent", Col: "user_agent"},
	{Src: "errorMessage", Col: "message"},
	{Src: "requestParameters.userName", Col: "target_user"}, // CreateUser, CreateAccessKey, AttachUserPolicy, ...
	// awsRegion, requestParameters, responseElements, resources and the rest stay in Fields.
}

// identityRules says where the acting user's name is for each userIdentity.type: the first
// rule that yields a value wins. "arn-last" is the last part of the ARN (the session name of
// an assumed role, "root" for the root user); "principal-last" the part of principalId after
// its colon (AROA...:session).
var identityRules = map[string][]string{
	"IAMUser":       {"userName", "arn-last", "principalId"},
	"Root":          {"userName", "arn-last"},
	"AssumedRole":   {"arn-last", "principal-last", "principalId"},
	"Role":          {"arn-last", "principal-last", "principalId"},
	"FederatedUser": {"arn-last", "principal-last", "principalId"},
	"AWSService":    {"invokedBy"},
	"AWSAccount":    {"principalId", "accountId"},
	"":              {"userName", "arn-last", "principal-last", "principalId", "invokedBy"},
}

// Sniff is certain of a {"Records":[...]} file whose first record has CloudTrail's fields, and
// answers high for JSON lines or arrays of such records.
func (Format) Sniff(head []byte) int {
	h := bytes.TrimLeft(head, " \t\r\n")
	if importers.FirstJSONKey(h) == "Records" {
		if looksLikeRecord(h) {
			return 100
		}
		return 60
	}
	if len(h) > 0 && h[0] == '[' && looksLikeRecord(h) {
		return 90
	}
	objs := importers.SniffJSONLines(head, 8)
	if len(objs) == 0 {
		if len(h) > 0 && h[0] == '{' && looksLikeRecord(h) { // one long line cut off by the head
			return 80
		}
		return 0
	}
	for _, o := range objs {
		if !isRecord(recordOf(o)) {
			return 0
		}
	}
	return 95
}

func looksLikeRecord(h []byte) bool {
	return bytes.Contains(h, []byte(`"eventName"`)) && bytes.Contains(h, []byte(`"eventSource"`)) && bytes.Contains(h, []byte(`"eventTime"`))
}

func isRecord(o map[string]any) bool {
	_, name := o["eventName"]
	_, src := o["eventSource"]
	_, ts := o["eventTime"]
	return name && src && ts
}

// recordOf returns the CloudTrail record in obj: obj itself, or the "detail" of an
// EventBridge event ("detail-type": "AWS API Call via CloudTrail").
func recordOf(obj map[string]any) map[string]any {
	if _, ok := obj["eventName"]; !ok {
		if d, ok := obj["detail"].(map[string]any); ok {
			if _, ok := d["eventName"]; ok {
				return d
			}
		}
	}
	return obj
}

// Read streams the Records array of CloudTrail files (several may follow one another), a
// top-level array of records, or JSON lines of records.
func (Format) Read(ctx context.Context, in importers.Input, sink importers.Sink) error {
	var ev event.Event
	return importers.ReadJSONRecords(ctx, in, "Records", sink, func(l importers.Line, obj map[string]any) error {
		if err := build(&ev, obj, l.Text); err != nil {
			return err
		}
		return importers.Emit(sink, l, &ev)
	})
}

// build fills ev from one record. A record without eventName or eventTime is not CloudTrail
// and is rejected naming the missing field.
func build(ev *event.Event, obj map[string]any, raw []byte) error {
	rec := recordOf(obj)
	for _, f := range []string{"eventName", "eventTime"} {
		if v, ok := importers.GetText(rec, f); !ok || strings.TrimSpace(v) == "" {
			return &importers.FieldError{Field: f, Err: errors.New("missing: not a CloudTrail record")}
		}
	}
	*ev = event.Event{SourceType: "cloudtrail", Category: "cloud", Raw: importers.CompactJSON(raw), Fields: obj}
	get := func(src string) (string, bool) { return importers.GetText(rec, src) }
	if err := fields.Apply(ev, get); err != nil {
		return err
	}
	ev.Action = kebab(ev.EventCode)
	ev.User = event.Clean(actor(rec))

	// sourceIPAddress is an address for calls from clients, a service's host name when a
	// service called on the user's behalf (ec2.amazonaws.com), or "AWS Internal".
	if src, ok := get("sourceIPAddress"); ok {
		if ip := event.NormalizeIP(src); ip != "" {
			ev.SrcIP = ip
		} else if isHostName(src) {
			_ = ev.Set("domain", src)
		}
	}

	ev.Outcome = "success"
	if code, ok := get("errorCode"); ok && strings.TrimSpace(code) != "" {
		ev.Outcome = "failure"
	}
	if ev.EventCode == "ConsoleLogin" {
		ev.Category, ev.Action, ev.LogonType = "logon", "logon", "console"
		switch r, _ := get("responseElements.ConsoleLogin"); r {
		case "Success":
			ev.Outcome = "success"
		case "Failure":
			ev.Outcome = "failure"
		}
	}
	return nil
}

// actor names the acting identity by identityRules.
func actor(rec map[string]any) string {
	id, ok := rec["userIdentity"].(map[string]any)
	if !ok {
		return ""
	}
	typ, _ := id["type"].(string)
	rules, ok := identityRules[typ]
	if !ok {
		rules = identityRules[""]
	}
	for _, r := range rules {
		var v string
		switch r {
		case "arn-last":
			v = arnLast(importers.Text(id["arn"]))
		case "principal-last":
			if p := importers.Text(id["principalId"]); strings.Contains(p, ":") {
				v = p[strings.LastIndexByte(p, ':')+1:]
			}
		default:
			v = importers.Text(id[r])
		}
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}

// arnLast returns the last part of an ARN's resource: the session of
// arn:aws:sts::1:assumed-role/Role/session, alice of arn:aws:iam::1:user/path/alice, root of
// arn:aws:iam::1:root.
func arnLast(arn string) string {
	if !strings.HasPrefix(arn, "arn:") {
		return ""
	}
	if i := strings.LastIndexByte(arn, '/'); i >= 0 {
		return arn[i+1:]
	}
	return arn[strings.LastIndexByte(arn, ':')+1:]
}

// isHostName accepts names such as ec2.amazonaws.com: dot-separated labels of letters, digits
// and hyphens, with a letter somewhere.
func isHostName(s string) bool {
	if len(s) > 253 || !strings.Contains(s, ".") {
		return false
	}
	letter := false
	for _, label := range strings.Split(s, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for _, r := range label {
			switch {
			case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
				letter = true
			case r >= '0' && r <= '9', r == '-':
			default:
				return false
			}
		}
	}
	return letter
}

// kebab turns an API name into the lower-case action: GetPasswordData → get-password-data,
// ListMFADevices → list-mfa-devices.
func kebab(s string) string {
	var b strings.Builder
	rs := []rune(s)
	for i, r := range rs {
		if unicode.IsUpper(r) && i > 0 {
			prev := rs[i-1]
			nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
			if unicode.IsLower(prev) || unicode.IsDigit(prev) || (unicode.IsUpper(prev) && nextLower) {
				b.WriteByte('-')
			}
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}
