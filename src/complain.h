// --complain, and every message that must say which policy entry a refusal comes from: pure
// functions from the plan to the entry responsible (no system call here, unit-tested), and the
// observer that logs the daemon's refused calls instead of refusing them.
#pragma once

#include <cstdint>
#include <cstdio>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "plan.h"

namespace jharden {

// The policy entry a mount entry comes from: "read_only = /", "bind = /srv/x:/y",
// "private_dev = yes".
Blame mount_blame(const MountEntry& e);

// What a call does to a path, as far as the filesystem view cares.
enum class FsAccess {
  kRead,   // open for reading, stat, exec: refused only where the path is out of reach
  kWrite,  // open for writing, create, remove, rename, link, chmod, truncate
};

// Why the sandbox's view refuses an access, and which policy entry made it so.
struct FsRefusal {
  int error = 0;       // what the daemon gets: EROFS, EACCES, ENOENT
  std::string reason;  // "read-only", "inaccessible", "masked", "no such device", ...
  Blame blame;
};

// Pure: whether the plan's view refuses `access` to `path` (absolute, normalized, inside the
// sandbox), and the entry responsible: the longest-prefix mount entry over the path (writable
// holes in a read-only tree are entries of their own, deeper), inaccessible and masked paths,
// the private /dev's device list, then the Landlock rules where the mounts let a write through.
// nullopt: nothing in the policy refuses it (file permissions may still do).
std::optional<FsRefusal> attribute_path(const Plan& plan, std::string_view path, FsAccess access);

// The entry of the seccomp plan that refuses the whole call `syscall` or some of its
// arguments: a deny entry, the allow list, or an argument rule's key (restrict_suid_sgid,
// address_families, ...). A call unknown to libseccomp gets a built-in blame.
Blame seccomp_blame(const SeccompPlan& plan, const std::string& syscall);

// Whether the argument rules of the plan refuse this call of `syscall` with these arguments
// (only the rules --complain watches beside the path calls: restrict_suid_sgid's modes).
bool suid_sgid_refuses(const SeccompPlan& plan, const std::string& syscall, const uint64_t args[6]);

// The path calls --complain watches for the filesystem view: name, the argument holding the
// directory descriptor (-1: none, the path is relative to the working directory), the
// path argument, and the access (kRead for open/openat: decided by their flags).
struct WatchedPathCall {
  const char* name;
  int dirfd_arg;
  int path_arg;
  FsAccess access;
  int second_dirfd_arg = -1;  // rename, link: the new name
  int second_path_arg = -1;
  // bind: path_arg points to a struct sockaddr; a name in the filesystem only for AF_UNIX.
  bool sockaddr = false;
};
const std::vector<WatchedPathCall>& watched_path_calls();

// open/openat flags that ask for writing (O_WRONLY, O_RDWR, O_CREAT, O_TRUNC, O_TMPFILE).
bool open_flags_write(uint64_t flags);
// "O_WRONLY|O_CREAT", for the log.
std::string open_flags_text(uint64_t flags);

// A set-up step for entry `e` failed with `message` (errno `err`): the message again, led by
// the policy line that asked for the entry ("nginx.conf:12: bind = /srv/x:/y: ..."), and, when
// a read-only mount of the plan explains an EROFS, followed by the entry that made it
// read-only ("(under read_only = / from nginx.conf:8)").
std::string entry_failure(const Plan& plan, const MountEntry& e, const std::string& message,
                          int err);

// The kernel's audit record of a seccomp kill (type=1326, printed to the kernel log when no
// audit daemon takes it): "... pid=29040 comm="uname" ... sig=31 arch=c000003e syscall=63 ...".
struct SeccompAudit {
  int pid = 0;
  uint32_t arch = 0;  // AUDIT_ARCH_*, which libseccomp's SCMP_ARCH_* values are
  int nr = -1;
  std::string comm;
};
// nullopt unless `record` (a /dev/kmsg record or a dmesg line) is such a record with SIGSYS.
std::optional<SeccompAudit> parse_seccomp_audit(std::string_view record);

// What jharden says when the daemon died of the filter with action = kill: the call, the
// entry that refuses it and the action's line ("uname[29040]: uname refused by p.conf:3
// (deny = uname), with action = kill from p.conf:2").
std::string kill_report(const SeccompPlan& plan, const SeccompAudit& audit);

// `text` with control characters, quotes and backslashes escaped (C style), so that a name a
// daemon chooses (a path, its comm) cannot forge or split a log line.
std::string escape_text(std::string_view text);

// One line of --complain's log (without the "jharden: complain: " prefix):
// "nginx[412]: openat("/var/x", O_WRONLY|O_CREAT): read-only by nginx.conf:9 (read_only = /)".
std::string complain_line(const std::string& comm, int pid, const std::string& call,
                          const std::string& verdict, const Blame& blame);

}  // namespace jharden

namespace jharden {

// `path` made absolute against `base` and normalized lexically ("." and ".." components, "//"),
// as the observer sees a relative path of the daemon: no symlink is resolved.
std::string join_normalized(std::string_view base, std::string_view path);

// The observer's log: each distinct complaint once (the pid aside), since a daemon retrying a
// refused call in a loop must not flood the journal, and at most `limit` of them, since the
// set that tells them apart must not grow without bound. Past the limit it says so once, and
// on destruction how many it left out: a log that stops silently would read as a daemon that
// stopped being refused.
inline constexpr size_t kComplaintLogLimit = 100000;
class ComplaintLog {
 public:
  explicit ComplaintLog(std::FILE* out, size_t limit = kComplaintLogLimit)
      : out_(out), limit_(limit) {}
  ComplaintLog(const ComplaintLog&) = delete;
  ComplaintLog& operator=(const ComplaintLog&) = delete;
  ~ComplaintLog();
  void log(const std::string& line);
  size_t dropped() const { return dropped_; }

 private:
  std::FILE* out_;
  size_t limit_;
  std::set<std::string> seen_;
  size_t dropped_ = 0;
};

// The observer, a process of jharden's beside the daemon (forked before the mount namespace,
// so that it sees the daemon's /proc from the host). First it starts the BPF observer
// (observer.h) on `seed`'s pid tree, for the path calls that fail, and says on `channel`
// whether it could: kComplainBpf, or kComplainSeccomp and then the path calls are notified by
// the filter too. Then it receives the filter's listener on `channel`, logs every notification
// and every failed path call that the policy explains, with the line responsible, and lets
// each notified call go on (SECCOMP_USER_NOTIF_FLAG_CONTINUE). Returns when the last filtered
// process is gone.
inline constexpr char kComplainBpf = 'B';
inline constexpr char kComplainSeccomp = 'S';
void run_complain_observer(const Plan& plan, int channel, pid_t seed);

// The daemon's side: hands the listener of the loaded filter over (SCM_RIGHTS). Throws
// StepError (228).
void send_listener(int channel, int listener);

}  // namespace jharden
