// Plan: the policy turned into pure data, in application order. No system call is made
// here; `--print` shows exactly this, and the apply stage executes exactly this.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "error.h"
#include "landlock.h"
#include "loader.h"
#include "policy.h"

namespace jharden {

enum class MountKind {
  kProc,          // a fresh procfs
  kSysfs,         // a fresh sysfs, read-only
  kCgroup,        // a fresh cgroup2 of the sandbox's cgroup namespace, read-only
  kPrivateDev,    // a fresh /dev with the standard pseudo-devices
  kTmpfs,         // a fresh tmpfs (private_tmp, tmpfs=, fstab)
  kBind,          // SOURCE bound at the target
  kSecrets,       // the secrets tmpfs
  kMask,          // /dev/null over a file, an empty read-only tmpfs over a directory
  kInaccessible,  // a mode-0000 file or directory over the target
  kReadOnly,      // the tree at the target becomes read-only, recursively
  kReadWrite,     // stays writable under a read-only tree
};

const char* mount_kind_name(MountKind kind);

// Whether the kind makes a mount of its own at its target (read_only and read_write change
// the mounts already there).
inline bool establishes(MountKind k) {
  return k != MountKind::kReadOnly && k != MountKind::kReadWrite;
}

// The private /dev: its character devices, by the numbers the kernel gives them for good
// (devices.txt), and what else it holds: devpts, /dev/shm and the links made beside them (log
// only where the journal's socket exists). Apply makes exactly these; --verify and --complain
// judge /dev by them.
struct DevNode {
  const char* name;
  unsigned major, minor;
};
inline constexpr DevNode kPrivateDevNodes[] = {{"null", 1, 3},   {"zero", 1, 5},    {"full", 1, 7},
                                               {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0}};
const DevNode* private_dev_node(std::string_view name);
inline constexpr const char* kPrivateDevOthers[] = {"pts",   "shm",    "ptmx",   "fd",
                                                    "stdin", "stdout", "stderr", "log"};
bool private_dev_holds(std::string_view name);

// The per-mount attributes a mount carries once the sandbox is set up (MOUNT_ATTR_RDONLY,
// _NOSUID, _NODEV, _NOEXEC), decided once by the planner (decide_mount_attributes): apply sets
// exactly these, and --print, --verify and --analyze show and check exactly these.
struct MountAttrs {
  bool read_only = false;
  bool nosuid = false;
  bool nodev = false;
  bool noexec = false;
  bool operator==(const MountAttrs&) const = default;
  // "ro,nosuid,nodev,noexec" as mountinfo(5) shows them ("rw" when writable).
  std::string str() const;
};

// What an entry makes below its own target: the private /dev's device nodes, devpts and
// /dev/shm.
struct SubMount {
  std::string name;  // below the entry's target ("pts", "null")
  // "devpts", "tmpfs", or "node": a device node of kPrivateDevNodes made in the entry's tmpfs,
  // or, where mknod is refused, the host's node of that number bound there with `attrs`.
  std::string fs_type;
  MountAttrs attrs;
  std::string options;  // of a fresh file system, as passed to the kernel
};

struct MountEntry {
  MountKind kind;
  std::string target;   // inside the sandbox
  std::string source;   // kBind: host path
  bool device = false;  // kBind: the source is a device node (the bind is not nodev)
  bool optional = false;
  bool read_only = false;  // the mount itself is read-only once established
  bool implicit = false;   // from a built-in default, not written by the administrator
  // A protection carried onto a bind's own target, because the bind's source is (or lies in)
  // a protected path: the bind would expose it, so no bind there replaces it (merge_group).
  bool carried = false;
  // The file system options of a fresh file system, as passed to the kernel ("mode=1777,
  // size=.."): every tmpfs, procfs and devpts the entry makes (kMask and kInaccessible: the
  // empty tmpfs over a directory; over a file they bind one). Empty for binds.
  std::string options;
  bool noexec = false;  // planner input (tmpfs noexec); `attrs` holds the outcome
  Origin origin;
  // kReadOnly: indices of the writable entries below it that stay writable.
  std::vector<size_t> holes;
  // Decided by decide_mount_attributes() once the entries are merged. kReadOnly sets only
  // read_only, recursively, and kReadWrite nothing: the tree keeps its own other flags.
  MountAttrs attrs;
  std::vector<SubMount> submounts;  // kPrivateDev: made below the target, in this order
};

// The attributes of the mount an entry makes over a file where they differ from `attrs`,
// which hold for a directory: a mask over a file is the host's /dev/null bound there, a
// device, so not nodev (reading it would be EACCES rather than empty).
inline MountAttrs attrs_over_file(const MountEntry& e) {
  MountAttrs a = e.attrs;
  if (e.kind == MountKind::kMask) a.nodev = false;
  return a;
}

// The flags of an entry as --print shows them: its attributes, "recursive" for a read-only
// tree, "optional" for a "-" entry.
std::string mount_flags_text(const MountEntry& e);

// Sets `attrs`, and for the fresh file systems whose options follow from others (secrets,
// /dev, masks) `options` and `submounts`, of every entry of `mounts`. Part of build_plan;
// exposed for tests that build entries by hand.
void decide_mount_attributes(std::vector<MountEntry>& mounts, uid_t secrets_uid, gid_t secrets_gid,
                             size_t secrets_count, size_t secrets_bytes);

// The mode of the secrets directory: the owner can list it, nobody can write it.
inline constexpr mode_t kSecretsDirectoryMode = 0500;

struct CapabilityPlan {
  std::vector<int> bounding;  // the bounding set after the drop, sorted
  std::vector<int> dropped;   // removed from the bounding set, sorted
  std::vector<int> ambient;
};

// The policy entry behind a protection, for messages that must name it (--complain's log, a
// set-up failure, a kill by the filter): its file:line, or a built-in default, and what it says.
struct Blame {
  Origin origin;
  std::string key;    // "deny", "read_only", "private_dev"
  std::string value;  // "@mount", "/", "yes"
  // "/etc/jharden/nginx.conf:14 (deny = @mount)", or "(default deny @mount)".
  std::string str() const;
  // "KEY = VALUE", as written.
  std::string text() const { return key + " = " + value; }
};

// How memory_deny_write_execute holds, if it does: the kernel's PR_SET_MDWE
// (PR_MDWE_REFUSE_EXEC_GAIN), or, on kernels without it, seccomp rules as systemd's.
enum class WriteExecute { kAllowed, kPrctl, kSeccomp };

struct SeccompPlan {
  bool enabled = true;
  bool allow_list = false;  // default action deny, rules allow
  SeccompAction action = SeccompAction::kErrno;
  bool native_only = true;
  std::vector<std::string> syscalls;  // rules (group members expanded), sorted
  std::vector<std::string> groups;    // the groups named, for --print
  // The errno of a refused call of the lists (action errno): `error`, or the call's own from a
  // NAME:ERRNO deny entry.
  int error = EPERM;
  std::map<std::string, int> errors;
  // socket() and socketpair() families (sorted); nullopt: any; empty: none. io_uring is then
  // refused (in `syscalls`): its operations would open sockets around the rule.
  std::optional<std::vector<int>> address_families;
  WriteExecute write_execute = WriteExecute::kAllowed;
  // Argument rules, like systemd's RestrictNamespaces=, RestrictSUIDSGID=, LockPersonality=
  // and RestrictRealtime=. namespaces_allowed holds the CLONE_NEW* flags that unshare, clone
  // and setns may still use; anything less than all_namespace_flags() restricts them.
  unsigned long namespaces_allowed = 0;
  bool restrict_suid_sgid = false;
  bool lock_personality = false;
  // The execution domain lock_personality keeps personality(2) to: jharden's own, read at
  // start (PlanContext::personality), which the daemon inherits.
  unsigned long execution_domain = 0;
  bool restrict_realtime = false;
  // new_session: ioctl TIOCSCTTY, TIOCSTI and TIOCLINUX refused, so that the daemon, still a
  // session leader, cannot take back the terminal jharden gave up and push input into it.
  // Only where a terminal is within the daemon's reach (terminal_reach says why): a rule on
  // ioctl's arguments takes ioctl out of the kernel's seccomp cache, and then every ioctl runs
  // every filter of the stack (a container's too), in each request of a daemon like dnsmasq.
  bool new_session = false;
  std::string terminal_reach;
  bool restrict_terminal() const { return !terminal_reach.empty(); }

  // Which entry refuses what, for --complain and for the report of a kill: each syscall of the
  // deny list (sorted by name) with the index in deny_entries of the entry that reaches it
  // last; the allow list as a whole; the key of each kind of argument rule.
  std::vector<std::pair<std::string, uint32_t>> deny_blame;
  std::vector<Blame> deny_entries;
  Blame action_blame, allow_blame, namespaces_blame, suid_sgid_blame, personality_blame,
      realtime_blame, families_blame, write_execute_blame, terminal_blame;

  bool restricts_namespaces() const;
  // The deny entry that refuses `syscall`, if one does.
  const Blame* deny_blame_of(const std::string& syscall) const;
  // The errno a call of the lists gets: its own, or `error`.
  int error_of(const std::string& syscall) const {
    auto it = errors.find(syscall);
    return it == errors.end() ? error : it->second;
  }
  // Whether the filter refuses the whole call (by the deny list, or outside the allow list).
  bool refuses(const std::string& syscall) const;
  // io_uring makes its calls in the kernel's workers, out of reach of every argument rule
  // (IORING_OP_OPENAT with mode 04755, its socket operations): refused whenever such a rule
  // must hold (restrict_suid_sgid, address_families as RestrictAddressFamilies= does).
  bool refuses_io_uring() const { return restrict_suid_sgid || address_families.has_value(); }
  bool namespace_allowed(unsigned long flag) const { return (namespaces_allowed & flag) == flag; }
};

struct Plan {
  std::string root = "/";
  Propagation propagation = Propagation::kSlave;
  bool ns_pid = false, ns_net = false, ns_ipc = false, ns_uts = false, ns_cgroup = false;
  // A user namespace, made once the mounts are done: every other namespace belongs to the
  // host's user namespace, so capabilities inside count on none of them (see enter_user_namespace).
  bool ns_user = false;
  std::optional<std::string> hostname;
  std::vector<MountEntry> mounts;  // parents first
  std::string secrets_directory;
  mode_t secrets_mode = 0400;
  Identity identity;
  CapabilityPlan caps;
  bool no_new_privileges = true;
  SeccompPlan seccomp;
  std::vector<std::string> argv;
  std::vector<std::pair<std::string, std::string>> env_set;
  std::vector<std::string> env_unset;
  std::string working_directory = "/";
  bool new_session = true;
  mode_t umask = 0022;
  NotifyMode notify = NotifyMode::kNone;
  LandlockPlan landlock;  // applied after the last mount
};

// How many of the plan's entries mount at exactly `target` and are accepted by `pred`, which
// takes the entry's index (apply, --verify: is a path covered by an entry of some kind).
template <typename Pred>
size_t entries_at(const Plan& plan, std::string_view target, Pred pred) {
  size_t n = 0;
  for (size_t i = 0; i < plan.mounts.size(); ++i) n += plan.mounts[i].target == target && pred(i);
  return n;
}

// [namespaces] user: the text of uid_map (or gid_map) of the new user namespace. The id jharden
// runs with (root) and the service's are each mapped to themselves, as PrivateUsers= does;
// every other id shows as the overflow id (nobody) inside.
std::string user_namespace_map(uint32_t own, uint32_t service);

// A host path as the planner sees it: what it resolves to (trusted symlinks followed).
struct HostPath {
  std::string resolved;
  bool device = false;  // a character or block device node
};

// What the planner needs to know of the environment it runs in.
struct PlanContext {
  bool notify_socket = false;         // $NOTIFY_SOCKET is set
  std::string notify_socket_path;     // $NOTIFY_SOCKET when it names a path (not @abstract)
  std::string credentials_directory;  // $CREDENTIALS_DIRECTORY
  // Looks a host path up (nullopt: missing or not resolvable). Unset in unit tests: host paths
  // are then taken as written and assumed to exist.
  std::function<std::optional<HostPath>(const std::string&)> look_up;
  int landlock_abi = 0;  // the kernel's Landlock ABI (0: none)
  // jharden holds a terminal: on a descriptor it passes to the daemon, or as its controlling
  // terminal (terminal_within_reach() in startup.h).
  bool terminal = false;
  bool mdwe = false;  // the kernel has PR_SET_MDWE (Linux 6.3)
  // jharden's execution domain, personality(0xffffffff): PER_LINUX (0) unless the caller set
  // another (setarch, a unit's Personality=).
  unsigned long personality = 0;
};

// More mounts than one mount namespace may hold (the kernel's default fs.mount-max).
inline constexpr size_t kMaxMounts = 100000;

PlanContext plan_context_from_environment();

// Builds the plan. Conflicting mounts go to `diag` with both file:line.
Plan build_plan(const Policy& policy, const Identity& identity, const std::vector<Secret>& secrets,
                const PlanContext& context, Diagnostics& diag);

// The seccomp part of the plan alone (what build_plan puts in plan.seccomp), without the
// identities and secrets the rest needs: the build-time compiler of the shipped policies'
// programs (seccomp_programs.h) uses it.
SeccompPlan build_seccomp_plan(const Policy& policy, const PlanContext& context, Diagnostics& diag);

// Sorts mount entries parents-first, merges duplicates (most restrictive wins), drops
// children of masked and inaccessible paths, reports conflicting explicit entries and
// computes the writable holes of each read-only entry, in O(n log n). Exposed for the tests.
std::vector<MountEntry> order_mounts(std::vector<MountEntry> entries, Diagnostics& diag);

}  // namespace jharden
