package syslog

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"trawl/event"
)

// messageCases are syslog messages with what they must mean. want lists "column=value" pairs
// separated by " | ". The columns in strictColumns must be exactly as listed (absent = empty);
// other columns and "f.<name>" Fields entries are checked only when listed.
var messageCases = []struct {
	prog, msg string
	want      string
}{
	// sshd logons
	{"sshd", "Accepted password for fztu from 119.137.62.142 port 49116 ssh2",
		"category=logon | action=logon | outcome=success | user=fztu | src_ip=119.137.62.142 | src_port=49116 | auth_package=password | logon_type=password | protocol=ssh | session_id=4242 | pid=4242 | process_name=sshd"},
	{"sshd", "Accepted publickey for alice from 10.0.0.5 port 50522 ssh2: RSA SHA256:abcDEF123",
		"category=logon | action=logon | outcome=success | user=alice | src_ip=10.0.0.5 | src_port=50522 | auth_package=publickey | logon_type=publickey | f.key_type=RSA | f.key_fingerprint=SHA256:abcDEF123"},
	{"sshd", "Accepted keyboard-interactive/pam for bob from ::ffff:192.0.2.7 port 2222 ssh2",
		"category=logon | action=logon | outcome=success | user=bob | src_ip=192.0.2.7 | src_port=2222 | auth_package=keyboard-interactive/pam | logon_type=keyboard-interactive/pam"},
	{"sshd-session", "Accepted password for carol from 2001:DB8::1 port 1 ssh2",
		"category=logon | action=logon | outcome=success | user=carol | src_ip=2001:db8::1 | src_port=1 | auth_package=password | logon_type=password"},
	{"sshd", "Failed password for root from 183.62.140.253 port 41236 ssh2",
		"category=logon | action=logon | outcome=failure | user=root | src_ip=183.62.140.253 | src_port=41236 | auth_package=password | logon_type=password"},
	{"sshd", "Failed password for invalid user webmaster from 173.234.31.186 port 38926 ssh2",
		"category=logon | action=logon | outcome=failure | user=webmaster | src_ip=173.234.31.186 | src_port=38926 | auth_package=password | logon_type=password | f.invalid_user=true"},
	{"sshd", "Failed none for invalid user 0 from 5.188.10.180 port 49054 ssh2",
		"category=logon | action=logon | outcome=failure | user=0 | src_ip=5.188.10.180 | src_port=49054 | f.method=none | f.invalid_user=true"},
	{"sshd", "Failed publickey for invalid user git from 198.51.100.3 port 4000 ssh2: ECDSA SHA256:xyz",
		"category=logon | action=logon | outcome=failure | user=git | src_ip=198.51.100.3 | src_port=4000 | auth_package=publickey | logon_type=publickey | f.invalid_user=true | f.key_type=ECDSA"},
	{"sshd", "Failed publickey for deploy from 198.51.100.3 port 4001 ssh2: RSA SHA256:xyz",
		"category=logon | action=logon | outcome=failure | user=deploy | src_ip=198.51.100.3 | src_port=4001 | auth_package=publickey | logon_type=publickey"},
	{"sshd", "Accepted publickey for deploy from 10.0.0.8 port 41000 ssh2: RSA-CERT SHA256:abc ID deploy@ci (serial 42) CA RSA SHA256:def",
		"category=logon | action=logon | outcome=success | user=deploy | src_ip=10.0.0.8 | src_port=41000 | auth_package=publickey | logon_type=publickey | f.key_info=RSA-CERT SHA256:abc ID deploy@ci (serial 42) CA RSA SHA256:def"},
	{"sshd", "Failed publickey for deploy from 10.0.0.8 port 41001 ssh2: ECDSA-CERT SHA256:abc ID x (serial 1) CA ED25519 SHA256:def",
		"category=logon | action=logon | outcome=failure | user=deploy | src_ip=10.0.0.8 | src_port=41001 | auth_package=publickey | logon_type=publickey"},
	{"sshd", "Timeout before authentication for 198.51.100.9 port 2000",
		"category=network | action=timeout | outcome=failure | src_ip=198.51.100.9 | src_port=2000"},
	{"sshd", "Failed keyboard-interactive/pam for root from 198.51.100.4 port 4002 ssh2",
		"category=logon | action=logon | outcome=failure | user=root | src_ip=198.51.100.4 | src_port=4002 | auth_package=keyboard-interactive/pam | logon_type=keyboard-interactive/pam"},
	// a user name chosen by an attacker to look like the rest of the message
	{"sshd", "Failed password for invalid user x from 1.2.3.4 port 1 ssh2 from 5.6.7.8 port 22 ssh2",
		"category=logon | action=logon | outcome=failure | user=x from 1.2.3.4 port 1 ssh2 | src_ip=5.6.7.8 | src_port=22 | auth_package=password | logon_type=password | f.invalid_user=true"},
	{"sshd", "Failed password for root from host.example.com port 22 ssh2",
		"category=logon | action=logon | outcome=failure | user=root | src_port=22 | auth_package=password | logon_type=password | f.src_ip=host.example.com | f.src_host=host.example.com"},
	{"sshd", "message repeated 5 times: [ Failed password for root from 5.36.59.76 port 42393 ssh2]",
		"category=logon | action=logon | outcome=failure | user=root | src_ip=5.36.59.76 | src_port=42393 | auth_package=password | logon_type=password | f.repeated=5"},

	// sshd user checks
	{"sshd", "Invalid user webmaster from 173.234.31.186",
		"category=auth | action=invalid-user | outcome=failure | user=webmaster | src_ip=173.234.31.186 | f.invalid_user=true"},
	{"sshd", "Invalid user  from 192.0.2.9 port 5555",
		"category=auth | action=invalid-user | outcome=failure | src_ip=192.0.2.9 | src_port=5555 | f.invalid_user=true"},
	{"sshd", "Invalid user admin test from 192.0.2.9 port 5555",
		"category=auth | action=invalid-user | outcome=failure | user=admin test | src_ip=192.0.2.9 | src_port=5555"},
	{"sshd", "input_userauth_request: invalid user test9 [preauth]",
		"category=auth | action=invalid-user-request | outcome=failure | user=test9 | f.preauth=true"},
	{"sshd", "User root from 192.0.2.10 not allowed because not listed in AllowUsers",
		"category=auth | action=user-not-allowed | outcome=failure | user=root | src_ip=192.0.2.10 | f.reason=not listed in AllowUsers"},
	{"sshd", "User nobody not allowed because shell /usr/sbin/nologin is not executable",
		"category=auth | action=user-not-allowed | outcome=failure | user=nobody"},
	{"sshd", "error: maximum authentication attempts exceeded for root from 218.92.0.1 port 22222 ssh2 [preauth]",
		"category=auth | action=max-auth-attempts | outcome=failure | user=root | src_ip=218.92.0.1 | src_port=22222 | f.log_level=error | f.preauth=true"},
	{"sshd", "error: maximum authentication attempts exceeded for invalid user support from 218.92.0.1 port 22223 ssh2 [preauth]",
		"category=auth | action=max-auth-attempts | outcome=failure | user=support | src_ip=218.92.0.1 | src_port=22223 | f.invalid_user=true"},
	{"sshd", "Disconnecting: Too many authentication failures for root [preauth]",
		"category=auth | action=too-many-failures | outcome=failure | user=root"},
	{"sshd", "Disconnecting: Too many authentication failures for invalid user oracle [preauth]",
		"category=auth | action=too-many-failures | outcome=failure | user=oracle | f.invalid_user=true"},
	{"sshd", "Disconnecting: Too many authentication failures [preauth]",
		"category=auth | action=too-many-failures | outcome=failure"},
	{"sshd", "Disconnecting authenticating user root 218.92.0.1 port 5000: Too many authentication failures [preauth]",
		"category=auth | action=too-many-failures | outcome=failure | user=root | src_ip=218.92.0.1 | src_port=5000"},
	{"sshd", "Disconnecting invalid user ftp 218.92.0.1 port 5001: Too many authentication failures [preauth]",
		"category=auth | action=too-many-failures | outcome=failure | user=ftp | src_ip=218.92.0.1 | src_port=5001 | f.invalid_user=true"},
	{"sshd", "error: PAM: Authentication failure for root from 203.0.113.5",
		"category=auth | action=credential-validation | outcome=failure | user=root | src_ip=203.0.113.5"},
	{"sshd", "error: PAM: Authentication failure for illegal user guest from scanner.example.net",
		"category=auth | action=credential-validation | outcome=failure | user=guest | f.src_host=scanner.example.net | f.invalid_user=true"},
	{"sshd", "PAM service(sshd) ignoring max retries; 6 > 3",
		"category=auth | action=max-retries-ignored | f.tries=6 | f.max_tries=3 | f.pam_service=sshd"},

	// sshd connections
	{"sshd", "Connection from 192.0.2.1 port 40000 on 10.0.0.1 port 22 rdomain \"\"",
		"category=network | action=connection | src_ip=192.0.2.1 | src_port=40000 | dst_ip=10.0.0.1 | dst_port=22"},
	{"sshd", "Connection closed by 212.47.254.145 [preauth]",
		"category=network | action=disconnect | src_ip=212.47.254.145"},
	{"sshd", "Connection closed by 212.47.254.145 port 44444 [preauth]",
		"category=network | action=disconnect | src_ip=212.47.254.145 | src_port=44444"},
	{"sshd", "Connection closed by authenticating user root 212.47.254.145 port 44444 [preauth]",
		"category=network | action=disconnect | user=root | src_ip=212.47.254.145 | src_port=44444"},
	{"sshd", "Connection closed by invalid user pi 212.47.254.145 port 44445 [preauth]",
		"category=network | action=disconnect | user=pi | src_ip=212.47.254.145 | src_port=44445 | f.invalid_user=true"},
	{"sshd", "Connection reset by 212.47.254.146 port 44446 [preauth]",
		"category=network | action=disconnect | src_ip=212.47.254.146 | src_port=44446"},
	{"sshd", "Connection reset by 212.47.254.146",
		"category=network | action=disconnect | src_ip=212.47.254.146"},
	{"sshd", "Connection reset by authenticating user admin 212.47.254.146 port 1 [preauth]",
		"category=network | action=disconnect | user=admin | src_ip=212.47.254.146 | src_port=1"},
	{"sshd", "Connection reset by invalid user admin 212.47.254.146 port 2 [preauth]",
		"category=network | action=disconnect | user=admin | src_ip=212.47.254.146 | src_port=2 | f.invalid_user=true"},
	{"sshd", "Disconnected from user alice 10.0.0.5 port 50522",
		"category=logon | action=logoff | outcome=success | user=alice | src_ip=10.0.0.5 | src_port=50522"},
	{"sshd", "Disconnected from authenticating user root 10.0.0.6 port 1 [preauth]",
		"category=network | action=disconnect | user=root | src_ip=10.0.0.6 | src_port=1"},
	{"sshd", "Disconnected from invalid user a 10.0.0.6 port 2 [preauth]",
		"category=network | action=disconnect | user=a | src_ip=10.0.0.6 | src_port=2 | f.invalid_user=true"},
	{"sshd", "Disconnected from 10.0.0.6 port 3 [preauth]",
		"category=network | action=disconnect | src_ip=10.0.0.6 | src_port=3"},
	{"sshd", "Received disconnect from 52.80.34.196: 11: Bye Bye [preauth]",
		"category=network | action=disconnect | src_ip=52.80.34.196 | f.reason_code=11 | f.reason=Bye Bye"},
	{"sshd", "Received disconnect from 10.0.0.5 port 50522:11: disconnected by user",
		"category=network | action=disconnect | src_ip=10.0.0.5 | src_port=50522 | f.reason_code=11 | f.reason=disconnected by user"},
	{"sshd", "error: Received disconnect from 103.99.0.122: 14: No more user authentication methods available. [preauth]",
		"category=network | action=disconnect | src_ip=103.99.0.122 | f.reason_code=14 | f.log_level=error"},
	{"sshd", "Did not receive identification string from 123.235.32.19",
		"category=network | action=no-identification | outcome=failure | src_ip=123.235.32.19"},
	{"sshd", "Did not receive identification string from 123.235.32.19 port 33",
		"category=network | action=no-identification | outcome=failure | src_ip=123.235.32.19 | src_port=33"},
	{"sshd", "Bad protocol version identification 'GET / HTTP/1.1' from 198.51.100.1 port 80",
		"category=network | action=bad-protocol | outcome=failure | src_ip=198.51.100.1 | src_port=80"},
	{"sshd", "Bad protocol version identification '\\026\\003\\001' from 198.51.100.1",
		"category=network | action=bad-protocol | outcome=failure | src_ip=198.51.100.1"},
	{"sshd", "Unable to negotiate with 198.51.100.2 port 5: no matching key exchange method found. Their offer: diffie-hellman-group1-sha1",
		"category=network | action=negotiation-failed | outcome=failure | src_ip=198.51.100.2 | src_port=5"},
	{"sshd", "reverse mapping checking getaddrinfo for ns.marryaldkfaczcz.com [173.234.31.186] failed - POSSIBLE BREAK-IN ATTEMPT!",
		"category=network | action=reverse-mapping-failed | src_ip=173.234.31.186 | f.src_host=ns.marryaldkfaczcz.com | f.possible_break_in=true"},
	{"sshd", "reverse mapping checking getaddrinfo for host.example [192.0.2.80] failed.",
		"category=network | action=reverse-mapping-failed | src_ip=192.0.2.80 | f.src_host=host.example"},
	{"sshd", "Address 187.141.143.180 maps to customer.example.mx, but this does not map back to the address - POSSIBLE BREAK-IN ATTEMPT!",
		"category=network | action=reverse-mapping-failed | src_ip=187.141.143.180 | f.src_host=customer.example.mx | f.possible_break_in=true"},
	{"sshd", "Address 187.141.143.181 maps to customer.example.mx, but this does not map back to the address.",
		"category=network | action=reverse-mapping-failed | src_ip=187.141.143.181 | f.src_host=customer.example.mx"},
	{"sshd", "Server listening on 0.0.0.0 port 22.",
		"category=system | action=listen | dst_ip=0.0.0.0 | dst_port=22"},
	{"sshd", "Received signal 15; terminating.",
		"category=system | action=stop | f.signal=15"},
	{"sshd", "fatal: Write failed: Connection reset by peer [preauth]",
		"category=system | action=error | f.log_level=fatal | f.preauth=true"},

	// PAM, any program
	{"sshd", "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=173.234.31.186 ",
		"category=auth | action=credential-validation | outcome=failure | src_ip=173.234.31.186 | f.rhost=173.234.31.186 | f.ruser= | f.uid=0 | f.pam_module=unix | f.pam_service=sshd"},
	{"sshd", "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=5.36.59.76.dynamic-dsl-ip.omantel.net.om  user=root",
		"category=auth | action=credential-validation | outcome=failure | user=root | f.src_host=5.36.59.76.dynamic-dsl-ip.omantel.net.om"},
	{"sshd", "pam_unix(sshd:auth): check pass; user unknown",
		"category=auth | action=user-unknown | outcome=failure"},
	{"sshd", "PAM 2 more authentication failures; logname= uid=0 euid=0 tty=ssh ruser= rhost=183.62.140.253  user=root",
		"category=auth | action=credential-validation | outcome=failure | user=root | src_ip=183.62.140.253 | f.count=2"},
	{"sshd", "PAM 1 more authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=112.95.230.3",
		"category=auth | action=credential-validation | outcome=failure | src_ip=112.95.230.3 | f.count=1"},
	{"sshd", "pam_unix(sshd:session): session opened for user fztu by (uid=0)",
		"category=logon | action=session-open | outcome=success | user=fztu | f.by_uid=0"},
	{"sshd", "pam_unix(sshd:session): session closed for user fztu",
		"category=logon | action=session-close | outcome=success | user=fztu"},
	{"sudo", "pam_unix(sudo:session): session opened for user root(uid=0) by alice(uid=1000)",
		"category=logon | action=session-open | outcome=success | user=alice | target_user=root | f.session_uid=0 | f.by_uid=1000"},
	{"login", "pam_unix(login:session): session opened for user root(uid=0) by LOGIN(uid=0)",
		"category=logon | action=session-open | outcome=success | user=root"},
	{"su", "pam_unix(su-l:session): session opened for user root by alice(uid=1000)",
		"category=logon | action=session-open | outcome=success | user=alice | target_user=root"},
	{"su", "pam_unix(su:auth): authentication failure; logname=alice uid=1000 euid=0 tty=pts/0 ruser=alice rhost=  user=root",
		"category=auth | action=credential-validation | outcome=failure | user=alice | target_user=root | f.logname=alice"},
	{"login", "pam_sss(login:auth): authentication failure; logname=LOGIN uid=0 euid=0 tty=tty1 ruser= rhost= user=dave",
		"category=auth | action=credential-validation | outcome=failure | user=dave | f.pam_module=sss"},
	{"passwd", "pam_unix(passwd:chauthtok): password changed for backdoor",
		"category=iam | action=password-change | outcome=success | target_user=backdoor"},
	{"some-daemon", "pam_unix(other:auth): authentication failure; logname= uid=0 euid=0 tty= ruser= rhost=10.9.9.9 user=x",
		"category=auth | action=credential-validation | outcome=failure | user=x | src_ip=10.9.9.9"},

	// sudo
	{"sudo", "   alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/cat /etc/shadow",
		"category=process | action=process-start | outcome=success | user=alice | target_user=root | command_line=/usr/bin/cat /etc/shadow | process_path=/usr/bin/cat | process_name=cat | parent_name=sudo | ppid=4242 | f.tty=pts/0 | f.pwd=/home/alice"},
	{"sudo", "bob : 3 incorrect password attempts ; TTY=pts/1 ; PWD=/home/bob ; USER=root ; COMMAND=/bin/bash",
		"category=auth | action=credential-validation | outcome=failure | user=bob | target_user=root | command_line=/bin/bash | process_path=/bin/bash | process_name=bash | parent_name=sudo | ppid=4242 | f.reason=3 incorrect password attempts"},
	{"sudo", "mallory : user NOT in sudoers ; TTY=pts/2 ; PWD=/tmp ; USER=root ; COMMAND=/usr/bin/id",
		"category=process | action=process-start | outcome=failure | user=mallory | target_user=root | command_line=/usr/bin/id | process_path=/usr/bin/id | process_name=id | parent_name=sudo | ppid=4242 | f.reason=user NOT in sudoers"},
	{"sudo", "eve : TTY=pts/3 ; PWD=/ ; USER=postgres ; ENV=A=1 ; COMMAND=/bin/sh -c 'a=1 ; b=2'",
		"category=process | action=process-start | outcome=success | user=eve | target_user=postgres | command_line=/bin/sh -c 'a=1 ; b=2' | process_path=/bin/sh | process_name=sh | parent_name=sudo | ppid=4242 | f.env=A=1"},

	// su
	{"su", "Successful su for root by alice", "category=auth | action=su | outcome=success | user=alice | target_user=root"},
	{"su", "FAILED su for root by mallory", "category=auth | action=su | outcome=failure | user=mallory | target_user=root"},
	{"su", "FAILED SU (to root) alice on pts/0", "category=auth | action=su | outcome=failure | user=alice | target_user=root | f.tty=pts/0"},
	{"su", "(to root) alice on pts/0", "category=auth | action=su | outcome=success | user=alice | target_user=root"},
	{"su", "+ pts/0 alice:root", "category=auth | action=su | outcome=success | user=alice | target_user=root"},
	{"su", "- pts/0 mallory:root", "category=auth | action=su | outcome=failure | user=mallory | target_user=root"},

	// login
	{"login", "FAILED LOGIN 1 FROM tty1 FOR root, Authentication failure", "category=logon | action=logon | outcome=failure | user=root | f.tty=tty1"},
	{"login", "FAILED LOGIN (1) on '/dev/tty2' FROM 'remote.example' FOR 'bob', Authentication failure", "category=logon | action=logon | outcome=failure | user=bob | f.src_host=remote.example"},
	{"login", "FAILED LOGIN (2) on '/dev/tty3' FOR 'UNKNOWN', User not known to the underlying authentication module", "category=logon | action=logon | outcome=failure | user=UNKNOWN"},
	{"login", "ROOT LOGIN  on '/dev/tty1'", "category=logon | action=logon | outcome=success | user=root"},

	// account changes
	{"useradd", "new user: name=backdoor, UID=1005, GID=1005, home=/home/backdoor, shell=/bin/bash, from=/dev/pts/0",
		"category=iam | action=user-create | outcome=success | target_user=backdoor | f.uid=1005 | f.shell=/bin/bash | f.home=/home/backdoor"},
	{"useradd", "new group: name=backdoor, GID=1005", "category=iam | action=group-create | outcome=success | f.group=backdoor | f.gid=1005"},
	{"groupadd", "group added to /etc/group: name=devs, GID=1006", "category=iam | action=group-file-update | outcome=success | f.group=devs | f.file=/etc/group"},
	{"usermod", "add 'backdoor' to group 'sudo'", "category=iam | action=group-member-add | outcome=success | target_user=backdoor | f.group=sudo"},
	{"usermod", "add 'backdoor' to shadow group 'sudo'", "category=iam | action=group-file-update | outcome=success | target_user=backdoor | f.group=sudo"},
	{"userdel", "delete user 'olduser'", "category=iam | action=user-delete | outcome=success | target_user=olduser"},
	{"userdel", "removed group 'olduser' owned by 'olduser'", "category=iam | action=group-delete | outcome=success | target_user=olduser | f.group=olduser"},
	{"userdel", "removed shadow group 'olduser' owned by 'olduser'", "category=iam | action=group-file-update | outcome=success | target_user=olduser"},
	{"userdel", "delete 'olduser' from group 'adm'", "category=iam | action=group-member-remove | outcome=success | target_user=olduser | f.group=adm"},
	{"userdel", "delete 'olduser' from shadow group 'adm'", "category=iam | action=group-file-update | outcome=success | target_user=olduser"},
	{"groupdel", "group 'devs' removed from /etc/group", "category=iam | action=group-file-update | outcome=success | f.group=devs"},
	{"groupdel", "group 'devs' removed", "category=iam | action=group-delete | outcome=success | f.group=devs"},
	{"usermod", "change user 'bob' password", "category=iam | action=password-change | outcome=success | target_user=bob"},
	{"usermod", "lock user 'bob' password", "category=iam | action=user-disable | outcome=success | target_user=bob"},
	{"usermod", "unlock user 'bob' password", "category=iam | action=user-enable | outcome=success | target_user=bob"},
	{"usermod", "change user 'bob' shell from '/bin/bash' to '/bin/sh'", "category=iam | action=user-change | outcome=success | target_user=bob"},
	{"gpasswd", "user bob added by root to group docker", "category=iam | action=group-member-add | outcome=success | user=root | target_user=bob | f.group=docker"},
	{"gpasswd", "user bob removed by root from group docker", "category=iam | action=group-member-remove | outcome=success | user=root | target_user=bob"},
	{"passwd", "password for 'bob' changed by 'root'", "category=iam | action=password-change | outcome=success | user=root | target_user=bob"},
	{"chage", "changed password expiry for bob", "category=iam | action=user-change | outcome=success | target_user=bob"},

	// cron and logind
	{"CRON", "(root) CMD (   cd / && run-parts --report /etc/cron.hourly)",
		"category=process | action=process-start | outcome=success | user=root | command_line=   cd / && run-parts --report /etc/cron.hourly | parent_name=CRON | ppid=4242"},
	{"crond", "(www-data) CMD (/usr/bin/php /var/www/cron.php > /dev/null 2>&1)",
		"category=process | action=process-start | outcome=success | user=www-data | command_line=/usr/bin/php /var/www/cron.php > /dev/null 2>&1 | parent_name=crond | ppid=4242"},
	{"CRON", "pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)",
		"category=logon | action=session-open | outcome=success | user=root"},
	{"systemd-logind", "New session 12 of user alice.", "category=logon | action=session-open | outcome=success | user=alice | session_id=12"},
	{"systemd-logind", "New session c3 of user gdm.", "category=logon | action=session-open | outcome=success | user=gdm | session_id=c3"},
	{"systemd-logind", "Session 12 logged out. Waiting for processes to exit.", "category=logon | action=logoff | outcome=success | session_id=12"},
	{"systemd-logind", "Removed session 12.", "category=logon | action=session-close | outcome=success | session_id=12"},

	// programs and messages the table does not know
	{"kernel", "[ 1.234] usb 1-1: new high-speed USB device", "category=system | dataset=kernel | message=[ 1.234] usb 1-1: new high-speed USB device"},
	{"sshd", "Starting session: shell on pts/0 for alice from 10.0.0.5 port 50522 id 0", "category=system | dataset=sshd"},
	{"sudo", "pam_unix(sudo:auth): conversation failed", "category=system"},
	{"sshd", "error: kex_exchange_identification: Connection closed by remote host", "category=system | action=error | f.log_level=error"},
	{"sshd", "warning: /etc/hosts.allow, line 1: missing newline", "category=system | f.log_level=warning"},
	{"sshd", "Accepted password for root from 1.2.3.4 port notaport ssh2", "category=system"},
}

// strictColumns must equal the expectation exactly in every message case.
var strictColumns = []string{
	"category", "action", "outcome", "user", "target_user", "src_ip", "src_port", "dst_ip", "dst_port",
	"auth_package", "logon_type", "command_line", "process_path", "parent_name", "ppid",
}

func parseWant(t *testing.T, want string) (cols map[string]string, fields map[string]string) {
	t.Helper()
	cols, fields = map[string]string{}, map[string]string{}
	for _, kv := range strings.Split(want, " | ") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			t.Fatalf("bad expectation %q", kv)
		}
		if f, isField := strings.CutPrefix(k, "f."); isField {
			fields[f] = v
			continue
		}
		if _, ok := event.ColumnByName(k); !ok {
			t.Fatalf("no column %q", k)
		}
		cols[k] = v
	}
	return cols, fields
}

func columnText(ev *event.Event, name string) string {
	c, _ := event.ColumnByName(name)
	switch v := c.Get(ev).(type) {
	case nil:
		return ""
	case time.Time:
		if v.IsZero() {
			return ""
		}
		return v.Format(time.RFC3339Nano)
	default:
		return fmt.Sprint(v)
	}
}

// lineOf frames a message as an RFC 3164 line from program[4242].
func lineOf(prog, msg string) string {
	return "Mar  3 10:20:30 host1 " + prog + "[4242]: " + msg
}

func TestMessages(t *testing.T) {
	for _, tc := range messageCases {
		t.Run(tc.prog+"/"+tc.msg, func(t *testing.T) {
			wantCols, wantFields := parseWant(t, tc.want)
			r := testFormat().newReader("")
			var ev event.Event
			if err := r.event([]byte(lineOf(tc.prog, tc.msg)), &ev); err != nil {
				t.Fatal(err)
			}
			got, want := map[string]string{}, map[string]string{}
			for _, c := range strictColumns {
				if v := columnText(&ev, c); v != "" {
					got[c] = v
				}
				if v := wantCols[c]; v != "" {
					want[c] = v
				}
			}
			for c, v := range wantCols {
				if _, strict := want[c]; !strict {
					want[c], got[c] = v, columnText(&ev, c)
				}
			}
			for f, v := range wantFields {
				want["f."+f] = v
				if x, ok := ev.Fields[f]; ok {
					got["f."+f] = fmt.Sprint(x)
				}
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("(-want +got)\n%s\nfields: %v", d, ev.Fields)
			}
			if ev.Message != tc.msg {
				t.Errorf("message = %q, want it kept as %q", ev.Message, tc.msg)
			}
		})
	}
}

// TestEveryRuleHasACase keeps the table and its test in step: a row no case reaches is either
// shadowed by an earlier row or untested.
func TestEveryRuleHasACase(t *testing.T) {
	hit := map[*rule]bool{}
	for _, tc := range messageCases {
		var ev event.Event
		fields := map[string]any{}
		if c := classify(tc.prog, clean(tc.msg, fields), &ev, fields); c != nil {
			hit[c.rule] = true
		}
	}
	for i := range table {
		if !hit[&table[i]] {
			t.Errorf("no message case reaches rule %q (%s)", table[i].template, table[i].programs)
		}
	}
}

func TestTableColumns(t *testing.T) {
	for _, c := range compiledRules() {
		for _, name := range c.names[1:] {
			for _, col := range captureColumns[name] {
				if !event.Settable(col) {
					t.Errorf("capture %s maps to unknown column %s", name, col)
				}
			}
		}
		if c.category == "" {
			t.Errorf("rule %q has no category", c.template)
		}
	}
}

func compiledRules() []*compiled {
	var out []*compiled
	for i := range table {
		out = append(out, compileTemplate(&table[i]))
	}
	return out
}

func kvPairs(s string) map[string]string {
	out := map[string]string{}
	eachKV(s, func(k, v string) { out[k] = v })
	return out
}

func TestKVPairs(t *testing.T) {
	got := kvPairs("logname= uid=0 euid=0 tty=ssh ruser= rhost=1.2.3.4  user=root junk =x")
	want := map[string]string{"logname": "", "uid": "0", "euid": "0", "tty": "ssh", "ruser": "", "rhost": "1.2.3.4", "user": "root"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got)\n%s", d)
	}
	got = kvPairs("name=bob, UID=1001, GID=1001, home=/home/bob")
	want = map[string]string{"name": "bob", "uid": "1001", "gid": "1001", "home": "/home/bob"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got)\n%s", d)
	}
}

// templateRegexp is the regular expression a template means. The matcher must agree with it
// on whether a message matches and on every capture.
func templateRegexp(c *compiled) *regexp.Regexp {
	var b strings.Builder
	b.WriteString(`^`)
	for _, sg := range c.segs {
		switch {
		case sg.kind == segLiteral:
			b.WriteString(regexp.QuoteMeta(sg.lit))
		case sg.kind == segToken:
			b.WriteString(`(\S+?)`)
		case sg.kind == segDigits:
			b.WriteString(`(\d+)`)
		case sg.group == 0:
			b.WriteString(`(?:.*)`)
		default:
			b.WriteString(`(.*)`)
		}
	}
	b.WriteString(`$`)
	return regexp.MustCompile(b.String())
}

// checkMatcher compares the matcher with the regexp of every rule on text.
func checkMatcher(t *testing.T, rules []*compiled, res []*regexp.Regexp, text string) {
	t.Helper()
	for i, c := range rules {
		vals := make([]string, len(c.names))
		got := c.match(text, vals)
		want := res[i].FindStringSubmatch(text)
		if got != (want != nil) {
			t.Fatalf("template %q on %q: matcher says %v, regexp %v", c.template, text, got, want != nil)
		}
		if got {
			if d := cmp.Diff(want[1:], vals[1:]); d != "" {
				t.Fatalf("template %q on %q: captures (-regexp +matcher)\n%s", c.template, text, d)
			}
		}
	}
}

func oracle() ([]*compiled, []*regexp.Regexp) {
	rules := compiledRules()
	res := make([]*regexp.Regexp, len(rules))
	for i, c := range rules {
		res[i] = templateRegexp(c)
	}
	return rules, res
}

func TestMatcherAgreesWithRegexp(t *testing.T) {
	rules, res := oracle()
	extra := []string{
		"", " ", "Accepted", "Failed  for  from  port  ssh2", "Failed x for y from z port 1",
		"Failed x for y from z port 12a ssh2", "Failed x for y from z port 1 2 ssh2",
		"Connection from 1.1.1.1 port 2 on 3.3.3.3 port 4", "Connection from 1.1.1.1 port 2 on 3.3.3.3 port 45x",
		"Connection from 1.1.1.1 port 2 on 3.3.3.3 port x", "+ a b:c:d", "(a) CMD (b) c)", "(a b) CMD (c)",
		"Received disconnect from 1.2.3.4 port 5:6:7: x", "pam_a(b:c:auth): authentication failure; ",
		"pam_(x:auth): check pass; user unknown", "ROOT LOGIN on 'a' on 'b' x",
	}
	for _, tc := range messageCases {
		checkMatcher(t, rules, res, clean(tc.msg, map[string]any{}))
	}
	for _, s := range extra {
		checkMatcher(t, rules, res, s)
	}
}

// FuzzMatcher checks the template matcher against the regexps on arbitrary messages.
func FuzzMatcher(f *testing.F) {
	for _, tc := range messageCases {
		f.Add(clean(tc.msg, map[string]any{}))
	}
	rules, res := oracle()
	f.Fuzz(func(t *testing.T, text string) {
		if len(text) > 512 {
			return // the matcher's step budget is for real messages
		}
		checkMatcher(t, rules, res, text)
	})
}

func TestMatcherBudget(t *testing.T) {
	// Many candidate ends for a text capture followed by a token: bounded, never slow.
	c := compileTemplate(&rule{template: "a{x...} b {y} c {z...} d"})
	text := "a" + strings.Repeat(" b  c  d", 4000)
	start := time.Now()
	c.match(text, make([]string, len(c.names)))
	if d := time.Since(start); d > time.Second {
		t.Errorf("took %v", d)
	}
}
