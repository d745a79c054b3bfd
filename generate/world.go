package generate

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// The simulated company: Acme Freight, domain ACME (acme.local), 40 employees, 30 Windows
// workstations, 5 Windows member servers and a domain controller, 4 Linux servers, a public
// web server and one AWS account. Addresses are private inside; the outside world uses
// public-looking addresses drawn from the generator's random stream, and the attackers sit in
// the documentation ranges (RFC 5737) so no real party is accused.
const (
	domainNetBIOS = "ACME"
	domainFQDN    = "acme.local"
	domainSID     = "S-1-5-21-3623811015-3361044348-30300820"
	awsAccount    = "418273649150"
	awsRegion     = "eu-west-1"
	natIP         = "198.51.100.7" // the office's public address (egress NAT)
	webPublicIP   = "198.51.100.20"
	webHostname   = "www.acme-freight.com"
	dnsServerIP   = "10.10.10.10" // the DC answers DNS
)

type user struct {
	Name     string // sAMAccountName: "alice.nguyen"
	Full     string
	RID      int
	WS       *host // own workstation, nil for the few without one
	Admin    bool  // member of Domain Admins / sudoers
	AWS      bool  // has an IAM user
	AccessID string
	sid      string // domainSID-RID, set by newWorld
}

// SID is the user's domain SID (computed once by newWorld: it goes into many events).
func (u *user) SID() string { return u.sid }

type hostKind int

const (
	workstation hostKind = iota
	winServer
	domainController
	linuxServer
	webServer
)

type host struct {
	Name string // short name, upper case for Windows: "WS07", lower for Linux: "bastion01"
	IP   string
	Kind hostKind
	// Exposed: reachable from the Internet (the web server, the SSH bastion, APP01 published
	// on 443); the logs show outside addresses connecting to it. For the context file only.
	Exposed bool
	// Per-host running state: the next process id and Sysmon's process GUID prefix.
	nextPID  int
	guidBase uint32
	fqdn     string // set by newWorld
}

// FQDN is the host's DNS name: the bare name for Linux hosts, name.domainFQDN for Windows ones
// (computed once by newWorld: every Windows event carries it).
func (h *host) FQDN() string { return h.fqdn }

// network is one of the company's address ranges, for the context file.
type network struct {
	CIDR        string
	Description string
	Environment string
	Criticality int // of an address in it that is no listed host: at most that of its hosts
}

// networks are the company's address ranges: every host address above and the VPN pool the
// admins connect from (adminSSH) fall in one of them (TestContextMatchesWorld).
var networks = []network{
	{"10.10.10.0/24", "Windows server LAN (domain controller, member servers)", "prod", 3},
	{"10.10.20.0/24", "workstation LAN", "corp", 2},
	{"10.10.30.0/24", "Linux server LAN", "prod", 3},
	{"10.10.40.0/24", "VPN address pool", "corp", 2},
	{"172.16.5.0/24", "DMZ (web server)", "dmz", 3},
}

type world struct {
	users        []*user
	admins       []*user
	awsUsers     []*user
	workstations []*host
	servers      []*host // Windows member servers
	dc           *host
	linux        []*host // includes the web server
	web          *host
	fileServer   *host
	sqlServer    *host
	bastion      *host
	byName       map[string]*user
}

var firstNames = []string{"alice", "bob", "carol", "david", "emma", "farid", "grace", "hugo", "ines", "jonas",
	"karen", "liam", "maria", "nadia", "oscar", "priya", "quentin", "rosa", "samir", "tara",
	"umar", "vera", "wei", "xenia", "yusuf", "zoe", "adam", "bianca", "chen", "dmitri",
	"elena", "felix", "gabriel", "hana", "ivan", "julia", "kofi", "lena", "mark", "nora"}

var lastNames = []string{"nguyen", "smith", "garcia", "muller", "rossi", "khan", "dubois", "jensen", "kowalski", "silva",
	"tanaka", "oconnor", "novak", "haddad", "lindqvist", "patel", "moreau", "santos", "weber", "ivanova",
	"ali", "petrov", "zhang", "costa", "yilmaz", "brown", "fischer", "romero", "li", "sokolov",
	"popescu", "bauer", "martin", "sato", "horvat", "keller", "mensah", "berg", "wilson", "olsen"}

// newWorld builds the company. The roster is the same for every seed (demo data and
// detections can name people); only activity varies with the seed.
func newWorld() *world {
	w := &world{byName: map[string]*user{}}
	for i := 1; i <= 30; i++ {
		w.workstations = append(w.workstations, &host{Name: fmt.Sprintf("WS%02d", i), IP: fmt.Sprintf("10.10.20.%d", 20+i), Kind: workstation})
	}
	w.dc = &host{Name: "DC01", IP: dnsServerIP, Kind: domainController}
	for i, n := range []string{"FS01", "SQL01", "APP01", "WSUS01", "PRN01"} {
		w.servers = append(w.servers, &host{Name: n, IP: fmt.Sprintf("10.10.10.%d", 20+i), Kind: winServer})
	}
	w.fileServer, w.sqlServer = w.servers[0], w.servers[1]
	w.servers[2].Exposed = true // APP01, published to the Internet
	for i, n := range []string{"bastion01", "build01", "db01", "monitor01"} {
		w.linux = append(w.linux, &host{Name: n, IP: fmt.Sprintf("10.10.30.%d", 10+i), Kind: linuxServer})
	}
	w.bastion = w.linux[0]
	w.bastion.Exposed = true
	w.web = &host{Name: "web01", IP: "172.16.5.10", Kind: webServer, Exposed: true}
	w.linux = append(w.linux, w.web)
	r := rand.New(rand.NewPCG(7, 11)) // fixed: the roster never depends on --seed
	perm := r.Perm(len(lastNames))
	for i := 0; i < 40; i++ {
		u := &user{Name: firstNames[i] + "." + lastNames[perm[i]], RID: 1104 + i}
		u.sid = fmt.Sprintf("%s-%d", domainSID, u.RID)
		u.Full = strings.ToUpper(u.Name[:1]) + u.Name[1:strings.IndexByte(u.Name, '.')] + " " +
			strings.ToUpper(lastNames[perm[i]][:1]) + lastNames[perm[i]][1:]
		if i < 30 {
			u.WS = w.workstations[i]
		}
		// Six IT people: admins on Windows and Linux, with AWS access; four developers with AWS.
		u.Admin = i >= 34
		u.AWS = i >= 30
		if u.AWS {
			u.AccessID = "AKIA" + strings.ToUpper(randomToken(r, 16))
		}
		w.users = append(w.users, u)
		w.byName[u.Name] = u
		if u.Admin {
			w.admins = append(w.admins, u)
		}
		if u.AWS {
			w.awsUsers = append(w.awsUsers, u)
		}
	}
	for i, h := range w.allHosts() {
		h.nextPID = 1000 + 96*i
		h.guidBase = 0x5f8b0000 + uint32(i)*0x1111
		h.fqdn = h.Name
		if h.Kind != linuxServer && h.Kind != webServer {
			h.fqdn += "." + domainFQDN
		}
	}
	return w
}

func (w *world) windowsHosts() []*host {
	out := append([]*host{}, w.workstations...)
	out = append(out, w.servers...)
	return append(out, w.dc)
}

func (w *world) allHosts() []*host {
	return append(w.windowsHosts(), w.linux...)
}

// pid hands out the next process id on h (Windows ids are multiples of 4).
func (h *host) pid() int {
	h.nextPID += 4 + 4*(h.nextPID/4%7)
	if h.nextPID > 60000 {
		h.nextPID = 1000 + 4*(h.nextPID%97)
	}
	return h.nextPID
}

// processGUID is a Sysmon ProcessGuid for pid on h, stable for a (host, pid, start) triple.
func (h *host) processGUID(pid int, seq uint64) string {
	return fmt.Sprintf("{%08x-%04x-%04x-%04x-%012x}", h.guidBase, uint16(seq), uint16(pid), 0x0700, seq)
}

// publicIP draws a random routable IPv4 address outside private, loopback, multicast and
// documentation ranges.
func publicIP(r *rand.Rand) string {
	for {
		a := 1 + r.IntN(223)
		b := r.IntN(256)
		switch {
		case a == 10, a == 127, a == 100 && b >= 64 && b < 128, a == 169 && b == 254,
			a == 172 && b >= 16 && b < 32, a == 192 && b == 168, a == 192 && b == 0,
			a == 198 && (b == 18 || b == 19 || b == 51), a == 203 && b == 0:
			continue
		}
		return fmt.Sprintf("%d.%d.%d.%d", a, b, r.IntN(256), 1+r.IntN(254))
	}
}
