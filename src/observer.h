// The observer: a CO-RE BPF program (observe.bpf.c) that watches a daemon's whole pid tree and
// counts what it uses (syscalls, capabilities exercised, address families, namespaces, W+X
// mappings, realtime scheduling) and reports the paths it writes, creates, removes, renames
// or executes. Used by --learn; the event interface serves any other observer of the daemon's
// file operations.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

namespace jharden {

// One path operation of an observed process, with the path as that process saw it (inside
// the sandbox). For the entry operations (create .. symlink) `path` is the entry itself.
enum class PathOp {
  kCreate,  // a file created (open with O_CREAT, mknod)
  kMkdir,
  kUnlink,
  kRmdir,
  kRenameFrom,  // the old name of a rename
  kRenameTo,    // the new name
  kLink,
  kSymlink,
  kTruncate,
  kWrite,  // opened for writing
  kRead,   // opened for reading; reported only under /home, /root, /run/user, /dev, /proc, /sys
  kExec,
  kBind,  // a socket created in the filesystem by bind()
};

// "create", "mkdir", ..., "rename-from", "rename-to", ..., "write", "read", "exec", "bind".
const char* path_op_name(PathOp op);

// The operations that need the location to be writable.
bool path_op_writes(PathOp op);

struct PathEvent {
  PathOp op;
  pid_t pid;         // thread group, in the pid namespace of the process that called track()
  std::string path;  // absolute, lexically normalized
};

// A path operation that failed with an errno the sandbox's view explains (EROFS, EACCES,
// EPERM, ENOENT, ENXIO), for --complain. Reported only by an observer started with failures.
struct PathFailure {
  PathEvent event;
  int error = 0;
  std::string syscall;  // as libseccomp names its number
  uint64_t flags = 0;   // the open flags, for open, openat, openat2
  std::string comm;     // the calling thread's name
};

// What one or several runs observed, by name (not number), so that the record written by one
// kernel, libseccomp or libcap stays meaningful to another. Counts add up across runs.
struct Observations {
  uint64_t runs = 0;
  uint64_t runs_without_capabilities = 0;  // runs where the kernel refused the capability program
  uint64_t seconds = 0;
  std::map<std::string, uint64_t> syscalls;      // "openat" -> calls
  std::map<std::string, uint64_t> capabilities;  // "CAP_NET_BIND_SERVICE" -> checks needed
  // Successful calls that reveal a capability (cap_inference.h), by privileged_call_key():
  // "setuid" -> calls, "kill (uncertain)" -> calls. Made by a process holding it.
  std::map<std::string, uint64_t> privileged_calls;
  // The capabilities some tracked process held in its effective set -> runs where one did.
  std::map<std::string, uint64_t> held_capabilities;
  // The identities processes gave themselves: "user:group" (names where the host has them,
  // numbers otherwise) -> successful setuid/setgid-family calls after which the caller's
  // effective ids were those. A daemon started as root that switches to its own user shows it.
  // "*": the map was full, and later identities may be missing.
  std::map<std::string, uint64_t> identities;
  // With each of those, the supplementary groups the caller had, by name; "*": more than 16.
  std::map<std::string, std::set<std::string>> identity_groups;
  // Runs without the fexit program where the cap_capable tracepoint reported checks instead,
  // and the capabilities whose checks it saw succeed -> checks (probes included).
  uint64_t runs_with_checks = 0;
  std::map<std::string, uint64_t> checked_capabilities;
  std::map<std::string, uint64_t> address_families;  // "AF_INET" -> socket()/socketpair()
  std::map<std::string, uint64_t> namespaces;        // "net" -> unshare/clone/setns asking for it
  uint64_t write_execute = 0;                        // mappings writable and executable at once
  uint64_t exec_gain = 0;    // mprotect/pkey_mprotect/shmat adding execute permission
  uint64_t realtime = 0;     // realtime scheduling policies set
  uint64_t personality = 0;  // personality() changing the execution domain
  uint64_t lost = 0;         // path records lost (ring buffer full, name cut, table full)
  // path -> operation name -> count. /proc/<pid> of the observed process itself is recorded as
  // /proc/self, any other process's as /proc/PID, so that the table stays bounded.
  std::map<std::string, std::map<std::string, uint64_t>> paths;
  // Distinct paths kept: a daemon creating millions of names must not exhaust the memory of
  // the observer (root, on the host) nor blow FILE.json up; the rest is counted as lost.
  static constexpr size_t kMaxPaths = 65536;

  void add(const PathEvent& e);
  void merge(const Observations& other);
};

nlohmann::json observations_to_json(const Observations& o);
// False, with `error`, when `j` is not such a record.
bool observations_from_json(const nlohmann::json& j, Observations& o, std::string& error);

// The kernel side. Needs CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN and a kernel with BTF; the
// capability program also needs BPF trampolines (fexit).
class Observer {
 public:
  // Loads and attaches the program; nullptr, with `error`, when the kernel does not allow it.
  // With `failures`, failed path operations are reported too (drain's `on_failure`); without
  // `capabilities`, no program watches capability checks (--complain has no use for them, and
  // each would run on every check on the machine).
  static std::unique_ptr<Observer> start(std::string& error, bool failures = false,
                                         bool capabilities = true);
  ~Observer();
  Observer(const Observer&) = delete;
  Observer& operator=(const Observer&) = delete;

  // Tracks `pid`'s thread group (a pid of this process's pid namespace) and every process it
  // forks, from its next system call on (one process at a time: a new call replaces a seed not
  // yet found). Pending (active = false): nothing is recorded until the group, or a
  // descendant, calls execve, so that jharden's own set-up is never taken for the daemon's.
  bool track(pid_t pid, bool active, std::string& error);

  // How many processes (thread groups) are followed now: 0 once every one has exited.
  size_t followed() const;
  // Whether the followed process was sent SIGTERM, SIGINT or SIGQUIT since the last call (seen
  // by drain()).
  bool take_stop_signal();

  // False when the kernel refused the capability program (no BPF trampolines): capabilities
  // are then not observed at all.
  bool observes_capabilities() const;
  // True when the cap_capable tracepoint reports capability checks instead (no fexit).
  bool observes_checks() const;

  // A relative path is resolved against the process's working directory as /proc shows it
  // when the record is read; this one stands in when the process is gone by then.
  void set_fallback_cwd(const std::string& dir);

  // A descriptor that becomes readable when path records are waiting (for poll(2)).
  int event_fd() const;
  // Hands every waiting path record to `on_path` (a failed operation to `on_failure`, and to
  // nothing when it is unset); returns false on an error of the ring.
  bool drain(const std::function<void(const PathEvent&)>& on_path,
             const std::function<void(const PathFailure&)>& on_failure = nullptr);

  // Adds the kernel's counters since start() to `into`.
  void add_counters(Observations& into) const;

 private:
  struct Impl;
  explicit Observer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace jharden
