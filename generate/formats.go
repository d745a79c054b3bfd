package generate

import (
	"strconv"
	"strings"
	"time"
)

// syslog writes one auth.log line: "Mar  2 08:15:01 bastion01 sshd[1234]: msg" (or with an
// RFC 3339 time in place of the RFC 3164 one, as rsyslog's high-precision template writes).
// pid 0 leaves the [pid] out, as sudo does.
func (g *gen) syslog(t time.Time, h *host, prog string, pid int, msg string) {
	if !g.allow() {
		return
	}
	s := g.auth
	var b []byte
	if g.cfg.SyslogTime == "rfc3339" {
		b = append(appendISO(s.buf(), t, 'T', 6), "+00:00"...)
	} else {
		b = appendSyslogTime(s.buf(), t)
	}
	b = append(b, ' ')
	b = append(b, h.Name...)
	b = append(b, ' ')
	b = append(b, prog...)
	if pid > 0 {
		b = append(b, '[')
		b = strconv.AppendInt(b, int64(pid), 10)
		b = append(b, ']')
	}
	b = append(b, ':', ' ')
	b = append(b, msg...)
	g.push(s, t, b)
}

// conn describes one Zeek connection.
type conn struct {
	SrcIP    string
	SrcPort  int
	DstIP    string
	DstPort  int
	Proto    string // tcp, udp
	Service  string // "" when Zeek did not identify one
	Duration time.Duration
	OrigB    int64
	RespB    int64
	State    string // SF, S0, REJ, SHR...
	History  string
}

func isLocal(ip string) bool {
	return strings.HasPrefix(ip, "10.") || strings.HasPrefix(ip, "172.16.") || strings.HasPrefix(ip, "192.168.")
}

// zeekConn writes one conn.log JSON line and returns the connection uid.
func (g *gen) zeekConn(t time.Time, c conn) string {
	uid := g.zeekUID()
	if !g.allow() {
		return uid
	}
	s := g.conn
	if c.State == "" {
		c.State = "SF"
	}
	if c.History == "" {
		switch {
		case c.Proto == "udp":
			c.History = "Dd"
		case c.State == "S0":
			c.History = "S"
		case c.State == "REJ":
			c.History = "Sr"
		default:
			c.History = "ShADadFf"
		}
	}
	o := obj{b: append(s.buf(), '{')}
	o.str("_path", "conn")
	o.time("_write_ts", t.Add(c.Duration).Add(time.Second), 6)
	o.time("ts", t, 6)
	o.str("uid", uid)
	o.str("id.orig_h", c.SrcIP)
	o.num("id.orig_p", int64(c.SrcPort))
	o.str("id.resp_h", c.DstIP)
	o.num("id.resp_p", int64(c.DstPort))
	o.str("proto", c.Proto)
	if c.Service != "" {
		o.str("service", c.Service)
	}
	if c.State != "S0" && c.State != "REJ" {
		o.float("duration", c.Duration.Seconds(), 6)
		o.num("orig_bytes", c.OrigB)
		o.num("resp_bytes", c.RespB)
	}
	o.str("conn_state", c.State)
	o.boolean("local_orig", isLocal(c.SrcIP))
	o.boolean("local_resp", isLocal(c.DstIP))
	o.num("missed_bytes", 0)
	o.str("history", c.History)
	op, rp := c.OrigB/1200+2, c.RespB/1200+2
	if c.State == "S0" {
		op, rp = 1, 0
	} else if c.State == "REJ" {
		op, rp = 1, 1
	}
	o.num("orig_pkts", op)
	o.num("orig_ip_bytes", c.OrigB+op*40)
	o.num("resp_pkts", rp)
	o.num("resp_ip_bytes", c.RespB+rp*40)
	o.b = append(o.b, '}')
	g.push(s, t, o.b)
	return uid
}

// zeekDNS writes one dns.log JSON line for an A query answered with answers (NXDOMAIN when
// answers is empty).
func (g *gen) zeekDNS(t time.Time, srcIP string, srcPort int, query string, answers []string, ttl int) {
	uid := g.zeekUID()
	if !g.allow() {
		return
	}
	s := g.dns
	rtt := time.Duration(300+g.r.IntN(40000)) * time.Microsecond
	o := obj{b: append(s.buf(), '{')}
	o.str("_path", "dns")
	o.time("_write_ts", t.Add(rtt), 6)
	o.time("ts", t, 6)
	o.str("uid", uid)
	o.str("id.orig_h", srcIP)
	o.num("id.orig_p", int64(srcPort))
	o.str("id.resp_h", dnsServerIP)
	o.num("id.resp_p", 53)
	o.str("proto", "udp")
	o.num("trans_id", int64(g.r.IntN(65536)))
	o.float("rtt", rtt.Seconds(), 6)
	o.str("query", query)
	o.num("qclass", 1)
	o.str("qclass_name", "C_INTERNET")
	o.num("qtype", 1)
	o.str("qtype_name", "A")
	if len(answers) == 0 {
		o.num("rcode", 3)
		o.str("rcode_name", "NXDOMAIN")
	} else {
		o.num("rcode", 0)
		o.str("rcode_name", "NOERROR")
	}
	o.boolean("AA", strings.HasSuffix(query, domainFQDN))
	o.boolean("TC", false)
	o.boolean("RD", true)
	o.boolean("RA", true)
	o.num("Z", 0)
	if len(answers) > 0 {
		o.strs("answers", answers)
		o.key("TTLs")
		o.b = append(o.b, '[')
		for i := range answers {
			if i > 0 {
				o.b = append(o.b, ',')
			}
			o.b = strconv.AppendFloat(o.b, float64(ttl), 'f', 1, 64)
		}
		o.b = append(o.b, ']')
	}
	o.boolean("rejected", false)
	o.b = append(o.b, '}')
	g.push(s, t, o.b)
}

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// zeekUID draws a Zeek connection uid ("C" and 17 base-62 characters).
func (g *gen) zeekUID() string {
	var b [18]byte
	b[0] = 'C'
	x := g.r.Uint64()
	y := g.r.Uint64()
	for i := 1; i < 18; i++ {
		if i == 10 {
			x = y
		}
		b[i] = base62[x%62]
		x /= 62
	}
	return string(b[:])
}

// accessLog writes one Apache combined log line.
func (g *gen) accessLog(t time.Time, clientIP, user, method, path string, status int, size int64, referer, agent string) {
	if !g.allow() {
		return
	}
	s := g.web
	if user == "" {
		user = "-"
	}
	b := append(s.buf(), clientIP...)
	b = append(b, " - "...)
	b = append(b, user...)
	b = append(b, " ["...)
	b = appendCLFTime(b, t)
	b = append(b, "] \""...)
	b = append(b, method...)
	b = append(b, ' ')
	b = append(b, path...)
	b = append(b, " HTTP/1.1\" "...)
	b = strconv.AppendInt(b, int64(status), 10)
	b = append(b, ' ')
	if size <= 0 {
		b = append(b, '-')
	} else {
		b = strconv.AppendInt(b, size, 10)
	}
	b = append(b, " \""...)
	if referer == "" {
		referer = "-"
	}
	b = append(b, referer...)
	b = append(b, "\" \""...)
	b = append(b, agent...)
	b = append(b, '"')
	g.push(s, t, b)
}

// apiCall describes one CloudTrail record.
type apiCall struct {
	User      *user  // nil for a role session or an AWS service
	Role      string // assumed-role name when User is nil
	Source    string // eventSource: "ec2.amazonaws.com"
	Name      string // eventName
	SrcIP     string
	Agent     string
	ReadOnly  bool
	Params    func(o *obj) // requestParameters; nil writes null
	Response  func(o *obj) // responseElements; nil writes null
	ErrorCode string
	ErrorMsg  string
	EventType string // AwsApiCall unless set
}

// cloudTrail writes one CloudTrail record.
func (g *gen) cloudTrail(t time.Time, c apiCall) {
	if !g.allow() {
		return
	}
	s := g.cloud
	o := obj{b: append(s.buf(), '{')}
	o.str("eventVersion", "1.08")
	o.begin("userIdentity")
	if c.User != nil {
		o.str("type", "IAMUser")
		o.str("principalId", "AIDA"+c.User.AccessID[4:])
		o.str("arn", "arn:aws:iam::"+awsAccount+":user/"+c.User.Name)
		o.str("accountId", awsAccount)
		o.str("accessKeyId", c.User.AccessID)
		o.str("userName", c.User.Name)
	} else {
		o.str("type", "AssumedRole")
		o.str("principalId", "AROAWB3EXAMPLE7ROLE:"+c.Role)
		o.str("arn", "arn:aws:sts::"+awsAccount+":assumed-role/"+c.Role+"/"+c.Role)
		o.str("accountId", awsAccount)
		o.str("accessKeyId", "ASIAWB3EXAMPLE"+strings.ToUpper(c.Role[:min(6, len(c.Role))]))
		o.begin("sessionContext")
		o.begin("sessionIssuer")
		o.str("type", "Role")
		o.str("principalId", "AROAWB3EXAMPLE7ROLE")
		o.str("arn", "arn:aws:iam::"+awsAccount+":role/"+c.Role)
		o.str("accountId", awsAccount)
		o.str("userName", c.Role)
		o.end()
		o.begin("attributes")
		o.str("creationDate", string(appendISO(nil, t.Add(-17*time.Minute), 'T', 0))+"Z")
		o.str("mfaAuthenticated", "false")
		o.end()
		o.end()
	}
	o.end()
	o.time("eventTime", t, 0)
	o.str("eventSource", c.Source)
	o.str("eventName", c.Name)
	o.str("awsRegion", awsRegion)
	o.str("sourceIPAddress", c.SrcIP)
	o.str("userAgent", c.Agent)
	if c.ErrorCode != "" {
		o.str("errorCode", c.ErrorCode)
		o.str("errorMessage", c.ErrorMsg)
	}
	if c.Params != nil {
		o.begin("requestParameters")
		c.Params(&o)
		o.end()
	} else {
		o.null("requestParameters")
	}
	if c.Response != nil {
		o.begin("responseElements")
		c.Response(&o)
		o.end()
	} else {
		o.null("responseElements")
	}
	o.str("requestID", g.uuid())
	o.str("eventID", g.uuid())
	o.boolean("readOnly", c.ReadOnly)
	if c.EventType == "" {
		c.EventType = "AwsApiCall"
	}
	o.str("eventType", c.EventType)
	o.boolean("managementEvent", true)
	o.str("recipientAccountId", awsAccount)
	o.str("eventCategory", "Management")
	o.b = append(o.b, '}')
	g.push(s, t, o.b)
}

// uuid draws a random (version 4 shaped) UUID.
func (g *gen) uuid() string {
	var b [36]byte
	x, y := g.r.Uint64(), g.r.Uint64()
	j := 0
	for i := 0; i < 36; i++ {
		switch i {
		case 8, 13, 18, 23:
			b[i] = '-'
			continue
		case 14:
			b[i] = '4'
			continue
		}
		if j == 16 {
			x = y
		}
		b[i] = hexDigits[x&0xf]
		x >>= 4
		j++
	}
	return string(b[:])
}
