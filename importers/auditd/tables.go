package auditd

import "strings"

// The mapping tables of the audit format: one row per record type and one per system call.
// Everything the tables do not name is still imported, with all its fields.

// userRole says where a record type takes its user columns from.
type userRole int

const (
	byActor   userRole = iota // user = AUID (enriched name) or auid, else uid
	byAccount                 // user = acct= (the account logging in or authenticating)
	byTarget                  // user = the acting auid, target_user = acct= / id= / grp=
)

// typeRule maps a record type that starts an event (a user-space message or a kernel record
// other than SYSCALL) to the event's category and action.
type typeRule struct {
	category, action string
	user             userRole
	severity         int // 0 none; alerts get 1 (low) and up
}

// recordTypes is the table of record types. The user-space messages (USER_*, CRED_*, ADD_*)
// carry their details in msg='op=... acct=... addr=... res=...', read as fields.
var recordTypes = map[string]typeRule{
	// logons and sessions (pam, sshd, login)
	"USER_LOGIN":  {"logon", "logon", byAccount, 0},
	"USER_LOGOUT": {"logon", "logoff", byAccount, 0},
	"USER_START":  {"logon", "session-open", byAccount, 0},
	"USER_END":    {"logon", "session-close", byAccount, 0},
	"LOGIN":       {"logon", "login-id-set", byActor, 0},
	// authentication and authorisation (pam)
	"USER_AUTH":        {"auth", "authentication", byAccount, 0},
	"USER_ACCT":        {"auth", "authorization", byAccount, 0},
	"CRED_ACQ":         {"auth", "credential-acquire", byAccount, 0},
	"CRED_DISP":        {"auth", "credential-dispose", byAccount, 0},
	"CRED_REFR":        {"auth", "credential-refresh", byAccount, 0},
	"USER_ERR":         {"auth", "auth-error", byAccount, 0},
	"USER_ROLE_CHANGE": {"auth", "role-change", byActor, 0},
	"GRP_AUTH":         {"auth", "group-authentication", byAccount, 0},
	// account changes (shadow-utils, passwd)
	"ADD_USER":       {"iam", "user-created", byTarget, 0},
	"DEL_USER":       {"iam", "user-deleted", byTarget, 0},
	"ADD_GROUP":      {"iam", "group-created", byTarget, 0},
	"DEL_GROUP":      {"iam", "group-deleted", byTarget, 0},
	"USER_MGMT":      {"iam", "user-modified", byTarget, 0},
	"GRP_MGMT":       {"iam", "group-modified", byTarget, 0},
	"USER_CHAUTHTOK": {"iam", "password-changed", byTarget, 0},
	"GRP_CHAUTHTOK":  {"iam", "group-password-changed", byTarget, 0},
	"CHUSER_ID":      {"iam", "user-id-changed", byTarget, 0},
	"CHGRP_ID":       {"iam", "group-id-changed", byTarget, 0},
	"ACCT_LOCK":      {"iam", "user-locked", byTarget, 0},
	"ACCT_UNLOCK":    {"iam", "user-unlocked", byTarget, 0},
	// commands run through sudo and the like
	"USER_CMD": {"process", "command", byActor, 0},
	"USER_TTY": {"process", "tty-input", byActor, 0},
	"TTY":      {"process", "tty-input", byActor, 0},
	// services and the audit system itself
	"SERVICE_START":   {"system", "service-start", byActor, 0},
	"SERVICE_STOP":    {"system", "service-stop", byActor, 0},
	"SYSTEM_BOOT":     {"system", "boot", byActor, 0},
	"SYSTEM_SHUTDOWN": {"system", "shutdown", byActor, 0},
	"SYSTEM_RUNLEVEL": {"system", "runlevel-change", byActor, 0},
	"DAEMON_START":    {"system", "audit-daemon-start", byActor, 0},
	"DAEMON_END":      {"system", "audit-daemon-stop", byActor, 0},
	"DAEMON_ABORT":    {"system", "audit-daemon-abort", byActor, 0},
	"DAEMON_CONFIG":   {"system", "audit-daemon-config", byActor, 0},
	"CONFIG_CHANGE":   {"system", "audit-config-change", byActor, 0},
	"USYS_CONFIG":     {"system", "config-change", byActor, 0},
	"NETFILTER_CFG":   {"system", "firewall-config-change", byActor, 0},
	"KERNEL_OTHER":    {"system", "kernel", byActor, 0},
	"KERN_MODULE":     {"system", "module-load", byActor, 0},
	"MAC_STATUS":      {"system", "selinux-mode-change", byActor, 0},
	"MAC_POLICY_LOAD": {"system", "selinux-policy-load", byActor, 0},
	"FEATURE_CHANGE":  {"system", "audit-feature-change", byActor, 0},
	"NETFILTER_PKT":   {"network", "packet", byActor, 0},
	"CRYPTO_KEY_USER": {"auth", "crypto-key", byActor, 0},
	"CRYPTO_SESSION":  {"auth", "crypto-session", byActor, 0},
	"VIRT_CONTROL":    {"system", "vm-control", byActor, 0},
	"VIRT_MACHINE_ID": {"system", "vm-id", byActor, 0},
	"VIRT_RESOURCE":   {"system", "vm-resource", byActor, 0},
	"INTEGRITY_RULE":  {"alert", "integrity-rule", byActor, 1},
	// access control denials and anomalies
	"AVC":                 {"alert", "access-denied", byActor, 1},
	"USER_AVC":            {"alert", "access-denied", byActor, 1},
	"SELINUX_ERR":         {"alert", "selinux-error", byActor, 1},
	"USER_SELINUX_ERR":    {"alert", "selinux-error", byActor, 1},
	"APPARMOR_DENIED":     {"alert", "access-denied", byActor, 1},
	"APPARMOR_ALLOWED":    {"alert", "access-allowed", byActor, 0},
	"SECCOMP":             {"alert", "seccomp", byActor, 1},
	"ANOM_ABEND":          {"alert", "process-crash", byActor, 1},
	"ANOM_PROMISCUOUS":    {"alert", "promiscuous-mode", byActor, 2},
	"ANOM_LINK":           {"alert", "suspicious-link", byActor, 2},
	"ANOM_CREAT":          {"alert", "suspicious-create", byActor, 2},
	"ANOM_EXEC":           {"alert", "suspicious-exec", byActor, 2},
	"ANOM_LOGIN_FAILURES": {"alert", "too-many-logon-failures", byAccount, 2},
	"ANOM_LOGIN_TIME":     {"alert", "logon-outside-hours", byAccount, 2},
	"ANOM_LOGIN_SESSIONS": {"alert", "too-many-sessions", byAccount, 2},
	"ANOM_LOGIN_LOCATION": {"alert", "logon-from-forbidden-location", byAccount, 2},
	"ANOM_MAX_DAC":        {"alert", "too-many-dac-failures", byActor, 2},
	"ANOM_MAX_MAC":        {"alert", "too-many-mac-failures", byActor, 2},
	"ANOM_ADD_ACCT":       {"alert", "account-added", byTarget, 2},
	"ANOM_DEL_ACCT":       {"alert", "account-deleted", byTarget, 2},
	"ANOM_MOD_ACCT":       {"alert", "account-modified", byTarget, 2},
	"ANOM_ROOT_TRANS":     {"alert", "root-transition", byActor, 2},
	"ANOM_RBAC_FAIL":      {"alert", "rbac-self-test-failure", byActor, 2},
	"ANOM_EXEC_DENIED":    {"alert", "exec-denied", byActor, 2},
}

// standalone reports the user-space messages (pam, sshd, sudo, shadow-utils, systemd), which
// are whole events of one record: their group is emitted at once instead of waiting in the
// window. Kernel records such as AVC or CONFIG_CHANGE may be followed by a SYSCALL and wait.
func standalone(typ string) bool {
	for _, p := range []string{"USER_", "CRED_", "ADD_", "DEL_", "GRP_", "ACCT_", "SERVICE_", "DAEMON_", "SYSTEM_", "ANOM_LOGIN_", "VIRT_", "CRYPTO_", "CHUSER_", "CHGRP_", "USYS_"} {
		if strings.HasPrefix(typ, p) {
			return true
		}
	}
	return false
}

// auxiliary record types only add detail to the record that starts an event (a SYSCALL); an
// event starts with the first record that is not one of them.
var auxiliary = map[string]bool{
	"EOE": true, "PROCTITLE": true, "PATH": true, "CWD": true, "EXECVE": true, "SOCKADDR": true,
	"BPRM_FCAPS": true, "CAPSET": true, "MMAP": true, "FD_PAIR": true, "OBJ_PID": true,
	"IPC": true, "MQ_OPEN": true, "MQ_SENDRECV": true, "MQ_NOTIFY": true, "MQ_GETSETATTR": true,
	"SOCKETCALL": true, "TIME_INJOFFSET": true,
}

// listTypes are record types that are kept as a list in Fields even when a group has only one
// of them, so that queries see one shape.
var listTypes = map[string]bool{"PATH": true, "OBJ_PID": true}

// syscallRule maps one system call to the event's category and action. dir says which side a
// SOCKADDR of the call describes: "dst" for calls that reach out, "src" for local or peer
// addresses received.
type syscallRule struct {
	num              int
	name             string
	category, action string
	dir              string
}

// syscallsX8664 are the x86_64 (arch=c000003e) system calls worth naming. Calls not listed keep
// their number and become category "process" with action "syscall".
var syscallsX8664 = []syscallRule{
	{0, "read", "file", "file-read", ""},
	{1, "write", "file", "file-write", ""},
	{2, "open", "file", "file-open", ""},
	{3, "close", "file", "file-close", ""},
	{4, "stat", "file", "file-stat", ""},
	{9, "mmap", "process", "memory-map", ""},
	{10, "mprotect", "process", "memory-protect", ""},
	{16, "ioctl", "file", "ioctl", ""},
	{21, "access", "file", "file-access", ""},
	{41, "socket", "network", "socket", ""},
	{42, "connect", "network", "connection", "dst"},
	{43, "accept", "network", "accept", "src"},
	{44, "sendto", "network", "send", "dst"},
	{45, "recvfrom", "network", "receive", "src"},
	{46, "sendmsg", "network", "send", "dst"},
	{47, "recvmsg", "network", "receive", "src"},
	{49, "bind", "network", "bind", "src"},
	{50, "listen", "network", "listen", ""},
	{56, "clone", "process", "process-create", ""},
	{57, "fork", "process", "process-create", ""},
	{58, "vfork", "process", "process-create", ""},
	{59, "execve", "process", "process-start", ""},
	{60, "exit", "process", "process-end", ""},
	{62, "kill", "process", "process-signal", ""},
	{76, "truncate", "file", "file-truncate", ""},
	{77, "ftruncate", "file", "file-truncate", ""},
	{82, "rename", "file", "file-rename", ""},
	{83, "mkdir", "file", "directory-create", ""},
	{84, "rmdir", "file", "directory-delete", ""},
	{85, "creat", "file", "file-create", ""},
	{86, "link", "file", "file-link", ""},
	{87, "unlink", "file", "file-delete", ""},
	{88, "symlink", "file", "file-link", ""},
	{90, "chmod", "file", "file-permission-change", ""},
	{91, "fchmod", "file", "file-permission-change", ""},
	{92, "chown", "file", "file-owner-change", ""},
	{93, "fchown", "file", "file-owner-change", ""},
	{94, "lchown", "file", "file-owner-change", ""},
	{101, "ptrace", "process", "process-access", ""},
	{103, "syslog", "system", "kernel-log", ""},
	{105, "setuid", "process", "privilege-change", ""},
	{106, "setgid", "process", "privilege-change", ""},
	{113, "setreuid", "process", "privilege-change", ""},
	{114, "setregid", "process", "privilege-change", ""},
	{117, "setresuid", "process", "privilege-change", ""},
	{119, "setresgid", "process", "privilege-change", ""},
	{122, "setfsuid", "process", "privilege-change", ""},
	{123, "setfsgid", "process", "privilege-change", ""},
	{126, "capset", "process", "privilege-change", ""},
	{133, "mknod", "file", "file-create", ""},
	{135, "personality", "process", "personality-change", ""},
	{155, "pivot_root", "system", "root-change", ""},
	{157, "prctl", "process", "process-control", ""},
	{161, "chroot", "system", "root-change", ""},
	{164, "settimeofday", "system", "time-change", ""},
	{165, "mount", "system", "mount", ""},
	{166, "umount2", "system", "unmount", ""},
	{167, "swapon", "system", "swap-on", ""},
	{168, "swapoff", "system", "swap-off", ""},
	{169, "reboot", "system", "reboot", ""},
	{170, "sethostname", "system", "hostname-change", ""},
	{171, "setdomainname", "system", "hostname-change", ""},
	{175, "init_module", "system", "module-load", ""},
	{176, "delete_module", "system", "module-unload", ""},
	{188, "setxattr", "file", "file-attribute-change", ""},
	{189, "lsetxattr", "file", "file-attribute-change", ""},
	{190, "fsetxattr", "file", "file-attribute-change", ""},
	{197, "removexattr", "file", "file-attribute-change", ""},
	{198, "lremovexattr", "file", "file-attribute-change", ""},
	{199, "fremovexattr", "file", "file-attribute-change", ""},
	{200, "tkill", "process", "process-signal", ""},
	{227, "clock_settime", "system", "time-change", ""},
	{231, "exit_group", "process", "process-end", ""},
	{234, "tgkill", "process", "process-signal", ""},
	{246, "kexec_load", "system", "kernel-load", ""},
	{250, "keyctl", "process", "keyring", ""},
	{257, "openat", "file", "file-open", ""},
	{258, "mkdirat", "file", "directory-create", ""},
	{259, "mknodat", "file", "file-create", ""},
	{260, "fchownat", "file", "file-owner-change", ""},
	{263, "unlinkat", "file", "file-delete", ""},
	{264, "renameat", "file", "file-rename", ""},
	{265, "linkat", "file", "file-link", ""},
	{266, "symlinkat", "file", "file-link", ""},
	{268, "fchmodat", "file", "file-permission-change", ""},
	{269, "faccessat", "file", "file-access", ""},
	{272, "unshare", "process", "namespace-change", ""},
	{288, "accept4", "network", "accept", "src"},
	{298, "perf_event_open", "process", "perf-event", ""},
	{304, "open_by_handle_at", "file", "file-open", ""},
	{308, "setns", "process", "namespace-change", ""},
	{310, "process_vm_readv", "process", "process-access", ""},
	{311, "process_vm_writev", "process", "process-access", ""},
	{313, "finit_module", "system", "module-load", ""},
	{316, "renameat2", "file", "file-rename", ""},
	{319, "memfd_create", "process", "memory-file-create", ""},
	{321, "bpf", "system", "bpf", ""},
	{322, "execveat", "process", "process-start", ""},
	{437, "openat2", "file", "file-open", ""},
}

// archX8664 is the audit arch value of x86_64 (AUDIT_ARCH_X86_64).
const archX8664 = "c000003e"

var (
	syscallByNum  = map[int]*syscallRule{}
	syscallByName = map[string]*syscallRule{}
)

func init() {
	for i := range syscallsX8664 {
		r := &syscallsX8664[i]
		syscallByNum[r.num] = r
		syscallByName[r.name] = r
	}
}
