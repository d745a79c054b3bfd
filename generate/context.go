package generate

import (
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The context files: the simulated company's inventory as its security team would keep it,
// written beside the logs by WriteContext (trawl generate) for `trawl context import`
// (docs/context.md), so that alerts on the generated logs are scored with asset criticality,
// privileged and leaving identities. Their names start with "trawl-context-" so that a folder
// import does not take them for logs (importers.ExpandPaths skips them, as it skips
// scenarios.json).
const (
	AssetsFile     = "trawl-context-assets.csv"
	IdentitiesFile = "trawl-context-identities.csv"
)

// emailDomain is the company's mail domain (its web site is www.acme-freight.com).
const emailDomain = "acme-freight.com"

// WriteContext writes the assets and identities of the company that Run simulated (sum is what
// Run returned) through open, as plain CSV. It draws nothing from the random streams of the
// logs: the roster and hosts are the same for every seed (newWorld), and the one thing that
// depends on the run, the leave date of the insider of insider-exfil, is read from sum.
func WriteContext(open Opener, sum *Summary) error {
	w := newWorld()
	if err := writeCSV(open, AssetsFile, w.assetRows()); err != nil {
		return err
	}
	return writeCSV(open, IdentitiesFile, w.identityRows(sum.Leaving))
}

// assetRows are the company's hosts (every host the logs name that is its own), its public
// addresses and its networks, the header first. Criticality: the domain controller and the
// database server 5, the file server (Finance and Contracts shares) and the production
// database db01 4, the other servers 3, workstations 2. A workstation's owner is the employee
// it belongs to, so that an alert naming only the machine (a network log) finds its user.
func (w *world) assetRows() [][]string {
	rows := [][]string{{"name", "hostnames", "addresses", "owner", "criticality", "environment", "internet_facing", "description"}}
	owners := map[*host]string{}
	for _, u := range w.users {
		if u.WS != nil {
			owners[u.WS] = u.Name
		}
	}
	// Servers first (the domain controller at the top), then workstations.
	hosts := append(append([]*host{w.dc}, w.servers...), w.linux...)
	for _, h := range append(hosts, w.workstations...) {
		crit, env, desc := 3, "prod", ""
		addrs := []string{h.IP}
		switch {
		case h.Kind == domainController:
			crit, desc = 5, "domain controller and DNS server of "+domainFQDN
		case h == w.sqlServer:
			crit, desc = 5, "SQL Server: the business databases"
		case h == w.fileServer:
			crit, desc = 4, `file server: Finance, Contracts and department shares`
		case h.Name == "db01":
			crit, desc = 4, "PostgreSQL production database"
		case h.Kind == workstation:
			crit, env, desc = 2, "corp", "workstation"
		case h == w.web:
			env, desc = "dmz", "public web server "+webHostname
			addrs = append(addrs, webPublicIP)
		case h == w.bastion:
			desc = "SSH bastion into the Linux servers"
		case h.Kind == winServer:
			desc = "Windows member server"
		case h.Kind == linuxServer:
			desc = "Linux server"
		}
		if h.Kind == workstation && owners[h] != "" {
			desc = "workstation of " + w.byName[owners[h]].Full
		}
		var hostnames string
		if h.FQDN() != h.Name {
			hostnames = h.FQDN()
		}
		rows = append(rows, []string{h.Name, hostnames, strings.Join(addrs, ";"), owners[h], strconv.Itoa(crit), env, yesNo(h.Exposed), desc})
	}
	rows = append(rows, []string{"", "", natIP, "", "3", "edge", "yes", "office Internet egress (NAT) address"})
	for _, n := range networks {
		rows = append(rows, []string{"", "", n.CIDR, "", strconv.Itoa(n.Criticality), n.Environment, "no", n.Description})
	}
	return rows
}

// staff are the department and role of users[i] for the 30 office employees with a
// workstation (users 0-29). The world draws no departments; these are fixed so that the
// stories read right: users[6], phished with an invoice, is in Finance; users[21], the insider
// who copies the Finance and Contracts shares, is an account manager in Sales.
var staff = [30][2]string{
	{"Management", "Managing director"}, {"Management", "Office manager"}, {"Finance", "Finance manager"},
	{"Finance", "Accountant"}, {"Finance", "Accounts payable clerk"}, {"Finance", "Payroll specialist"},
	{"Finance", "Accountant"}, {"HR", "HR manager"}, {"HR", "HR generalist"},
	{"Sales", "Sales manager"}, {"Sales", "Account manager"}, {"Sales", "Account manager"},
	{"Sales", "Sales representative"}, {"Customer Service", "Customer service lead"}, {"Customer Service", "Customer service agent"},
	{"Customer Service", "Customer service agent"}, {"Customer Service", "Customer service agent"}, {"Operations", "Operations manager"},
	{"Operations", "Dispatcher"}, {"Operations", "Dispatcher"}, {"Operations", "Dispatcher"},
	{"Sales", "Account manager"}, {"Logistics", "Logistics coordinator"}, {"Logistics", "Logistics coordinator"},
	{"Logistics", "Warehouse supervisor"}, {"Logistics", "Customs specialist"}, {"Procurement", "Buyer"},
	{"Procurement", "Carrier contracts manager"}, {"Legal", "Contracts counsel"}, {"Marketing", "Marketing coordinator"},
}

// itRoles are the roles of the six IT admins (users 34-39); users[34] is the help desk
// administrator who disables the insider's account.
var itRoles = [6]string{"Help desk administrator", "Systems administrator", "Systems administrator", "Network administrator", "Cloud engineer", "IT manager"}

// identityRows are the 40 employees and the accounts that are not people (the built-in domain
// Administrator, the deploy account on bastion01 and the CI pipeline's AWS role), the header
// first. Aliases are the spellings the logs use: ACME\name (Windows), name@acme.local
// (Kerberos), the SID. Admins are privileged; the leaving employee's status is
// "leaving on DATE" with the day her account is disabled.
func (w *world) identityRows(leaving map[string]time.Time) [][]string {
	rows := [][]string{{"user", "display_name", "email", "aliases", "department", "role", "privileged", "service_account", "mfa", "status"}}
	aliases := func(name, sid string) string {
		return domainNetBIOS + `\` + name + ";" + name + "@" + domainFQDN + ";" + sid
	}
	admins := 0
	for i, u := range w.users {
		var dept, role string
		switch {
		case i < len(staff):
			dept, role = staff[i][0], staff[i][1]
		case u.Admin:
			dept, role = "IT", itRoles[admins%len(itRoles)]
			admins++
		default:
			dept, role = "Engineering", "Software developer"
		}
		status := "active"
		if d, ok := leaving[u.Name]; ok {
			status = "leaving on " + d.UTC().Format(time.DateOnly)
		}
		rows = append(rows, []string{u.Name, u.Full, u.Name + "@" + emailDomain, aliases(u.Name, u.SID()), dept, role, yesNo(u.Admin), "no", "", status})
	}
	rows = append(rows,
		[]string{"Administrator", "Built-in domain Administrator", "", aliases("Administrator", domainSID+"-500"), "IT", "Built-in administrator account", "yes", "no", "", "active"},
		// deploy logs in by password over SSH and is not in sudoers (ssh-bruteforce's refused sudo).
		[]string{"deploy", "Deployment account on bastion01", "", "", "IT", "Deployment service account", "no", "yes", "no", "active"},
		[]string{"ci-deploy", "CI pipeline role (build01)", "", "arn:aws:iam::" + awsAccount + ":role/ci-deploy", "Engineering", "AWS role of the CI pipeline", "no", "yes", "", "active"},
	)
	return rows
}

// yesNo is a context file's boolean.
func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func writeCSV(open Opener, name string, rows [][]string) error {
	wc, err := open(name)
	if err != nil {
		return fmt.Errorf("creating %s: %w", name, err)
	}
	if _, err = fmt.Fprintf(wc, "# Acme Freight, the company trawl generate simulates: load with trawl context import %s (docs/context.md)\n", name); err == nil {
		cw := csv.NewWriter(wc)
		cw.WriteAll(rows)
		err = cw.Error()
	}
	if cerr := wc.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", name, err)
	}
	return nil
}
