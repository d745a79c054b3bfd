package event

import (
	"testing"
	"time"
)

func TestUserKey(t *testing.T) {
	tests := []struct{ in, want, domain string }{
		{`CORP\Alice`, "alice", "corp"},
		{"alice@corp.local", "alice", "corp.local"},
		{"ALICE", "alice", ""},
		{" alice ", "alice", ""},
		{`NT AUTHORITY\SYSTEM`, "system", "nt authority"},
		{"-", "", ""},
		{"N/A", "", ""},
		{"", "", ""},
		{"WS01$", "ws01$", ""},
		{"@weird", "@weird", ""},
	}
	for _, tt := range tests {
		if got := UserKey(tt.in); got != tt.want {
			t.Errorf("UserKey(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got := UserDomainOf(tt.in); got != tt.domain {
			t.Errorf("UserDomainOf(%q) = %q, want %q", tt.in, got, tt.domain)
		}
	}
}

func TestHostKey(t *testing.T) {
	tests := []struct{ in, want string }{
		{"WS01.corp.local", "ws01"},
		{"ws01", "ws01"},
		{"WS01.", "ws01"},
		{"10.0.0.5", "10.0.0.5"},
		{"::ffff:10.0.0.5", "10.0.0.5"},
		{"-", ""},
	}
	for _, tt := range tests {
		if got := HostKey(tt.in); got != tt.want {
			t.Errorf("HostKey(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNormalizeIP(t *testing.T) {
	tests := []struct{ in, want string }{
		{"10.0.0.1", "10.0.0.1"},
		{"::ffff:10.0.0.1", "10.0.0.1"},
		{"010.000.000.001", "10.0.0.1"},
		{"[2001:DB8::1]", "2001:db8::1"},
		{"fe80::1%eth0", "fe80::1"},
		{"2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"},
		{"::1", "::1"},
		{"256.1.1.1", ""},
		{"1.2.3", ""},
		{"host.example", ""},
		{"-", ""},
	}
	for _, tt := range tests {
		if got := NormalizeIP(tt.in); got != tt.want {
			t.Errorf("NormalizeIP(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNormalizePrefix(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"10.0.0.0/8", "10.0.0.0/8"},
		{" 10.1.2.3/8 ", "10.0.0.0/8"},
		{"::ffff:10.0.0.0/120", "10.0.0.0/24"},
		{"::ffff:0.0.0.0/90", "0.0.0.0/0"},
		{"2001:DB8::1/32", "2001:db8::/32"},
		{"192.168.1.7/32", "192.168.1.7/32"},
		{"10.0.0.0", ""},
		{"10.0.0.0/33", ""},
		{"example.com/24", ""},
	} {
		p, err := NormalizePrefix(c.in)
		got := ""
		if err == nil {
			got = p.String()
		}
		if got != c.want {
			t.Errorf("NormalizePrefix(%q) = %q (%v), want %q", c.in, got, err, c.want)
		}
	}
}

func TestSetAndParse(t *testing.T) {
	var e Event
	for _, c := range []struct{ col, v string }{{"src_port", "0x50"}, {"dst_port", "443"}, {"time", "1700000000.5"}, {"domain", "Example.COM."}, {"http_method", "get"}, {"user", "-"}} {
		if err := e.Set(c.col, c.v); err != nil {
			t.Fatal(err)
		}
	}
	if e.SrcPort != IntOf(80) || e.DstPort != IntOf(443) || e.Domain != "example.com" || e.HTTPMethod != "GET" || e.User != "" {
		t.Errorf("event = %+v", e)
	}
	if want := time.Unix(1700000000, 500_000_000).UTC(); !e.Time.Equal(want) {
		t.Errorf("time = %v, want %v", e.Time, want)
	}
	for _, c := range []struct{ col, v string }{{"src_port", "eighty"}, {"src_ip", "nope"}, {"time", "yesterday"}, {"nope", "x"}} {
		if err := e.Set(c.col, c.v); err == nil {
			t.Errorf("Set(%q, %q) accepted", c.col, c.v)
		}
	}
}

func TestParseTime(t *testing.T) {
	tests := []struct{ in, want string }{
		{"2024-01-02T03:04:05Z", "2024-01-02T03:04:05Z"},
		{"2024-01-02T05:04:05+02:00", "2024-01-02T03:04:05Z"},
		{"2024-01-02 03:04:05.123456", "2024-01-02T03:04:05.123456Z"},
		{"02/Jan/2024:05:04:05 +0200", "2024-01-02T03:04:05Z"},
		{"1704164645", "2024-01-02T03:04:05Z"},
		{"1704164645123", "2024-01-02T03:04:05.123Z"},
	}
	for _, tt := range tests {
		got, err := ParseTime(tt.in)
		if err != nil {
			t.Errorf("ParseTime(%q): %v", tt.in, err)
			continue
		}
		if s := got.Format(time.RFC3339Nano); s != tt.want {
			t.Errorf("ParseTime(%q) = %s, want %s", tt.in, s, tt.want)
		}
	}
}

func TestCatalogueIsSettable(t *testing.T) {
	for _, c := range Columns {
		if c.Name == "raw" || c.Name == "fields" || c.Name == "source_type" {
			continue
		}
		if !Settable(c.Name) {
			t.Errorf("column %s has no setter", c.Name)
		}
	}
}
