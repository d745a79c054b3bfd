package dsl

import (
	"strings"
	"testing"
	"time"
)

// TestDeepNesting checks that the largest accepted queries, nested as deep as their length
// allows, are refused or compiled quickly rather than exhausting the stack or the clock.
func TestDeepNesting(t *testing.T) {
	n := MaxQueryBytes/2 - 20
	cases := map[string]string{
		"parens":    "logon | where " + strings.Repeat("(", n) + "user" + strings.Repeat(")", n) + ` == "a"`,
		"unclosed":  "logon | where " + strings.Repeat("(", MaxQueryBytes-20),
		"not":       "logon | where " + strings.Repeat("not ", MaxQueryBytes/4-10) + `user == "a"`,
		"minus":     "network | where " + strings.Repeat("-", MaxQueryBytes-40) + "dst_port > 1",
		"ands":      "logon | where " + strings.Repeat(`user == "a" and `, MaxQueryBytes/17-10) + `user == "b"`,
		"calls":     "logon | where " + strings.Repeat("lower(", MaxQueryBytes/7-10) + "user" + strings.Repeat(")", MaxQueryBytes/7-10) + ` == "a"`,
		"stages":    "logon" + strings.Repeat(` | where user == "a"`, MaxQueryBytes/21-10),
		"too long":  "logon | where user == \"" + strings.Repeat("a", MaxQueryBytes) + "\"",
		"at limit":  "logon | where " + strings.Repeat("(", MaxNesting) + `user == "a"` + strings.Repeat(")", MaxNesting),
		"long list": "logon | where user in (" + strings.Repeat(`"a", `, MaxQueryBytes/6-10) + `"b")`,
	}
	for name, q := range cases {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			c, err := Build(q, EventCatalogue())
			if err != nil {
				checkErrors(t, q, err)
			} else {
				checkCompiled(t, q[:min(len(q), 80)], c)
			}
			if d := time.Since(start); d > 3*time.Second {
				t.Errorf("took %v", d)
			}
			t.Logf("%d bytes: %v, err=%v", len(q), time.Since(start), err != nil)
		})
	}
}
