#include "sandbox.h"

#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <sys/capability.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <utility>

#include "cap_names.h"
#include "complain.h"
#include "error.h"
#include "landlock.h"
#include "learn.h"
#include "mount_apply.h"
#include "notify.h"
#include "privileges.h"
#include "seccomp_filter.h"
#include "startup.h"
#include "supervise.h"
#include "unique_fd.h"
#include "verify.h"

extern char** environ;

namespace jharden {
namespace {

// The exec channel: what the process that becomes the daemon tells whoever reports to
// systemd, one record per mark (a SOCK_SEQPACKET socket pair). The writer's end is
// close-on-exec, so the end of file right after kMarkExec means execve succeeded. After a
// failure record the writer waits for kMarkReported before it exits: the reader's message to
// systemd names the writer's pid, which must still be alive (see notify.cc).
constexpr char kMarkExec = 'R';         // written right before execve
constexpr char kMarkExecFailed = 'E';   // + errno: execve failed
constexpr char kMarkSetupFailed = 'S';  // + exit code: a set-up step failed
constexpr char kMarkReported = 'A';     // reader -> writer: the failure has been reported
// How long a failed writer waits for kMarkReported: longer than a send and its barrier.
constexpr time_t kReportTimeoutSec = 10;

// Everything the set-up needs, gathered before the first fork.
struct Context {
  const Plan& plan;
  std::vector<Secret>& secrets;
  const RunOptions& options;
  CallerSandbox caller;
  SeccompFilter filter;
  MountSources sources;
  int listen_fds = 0;
  sigset_t signal_mask{};
  unique_fd sync;  // the exec channel's writer end
  unique_fd tty;   // the controlling terminal of a session leader, to give it up
  HostFacts host;
  unique_fd complain;          // --complain: the channel to the observer, for the filter's listener
  bool complain_paths = true;  // the filter notifies the path calls (no BPF observer)
};

// A StepError's message, and a hint when the caller's own sandbox explains it.
void report(const Context& c, const StepError& e) {
  std::fprintf(stderr, "jharden: %s\n", e.message.c_str());
  std::string hint = caller_sandbox_hint(c.caller, e);
  if (hint.empty() && c.options.verify) hint = runtime_directory_hint(e);
  if (!hint.empty()) std::fprintf(stderr, "jharden: hint: %s\n", hint.c_str());
  std::fflush(stderr);
}

// Returns false when the mark could not be written (only a filter refusing write(2) can make
// that happen: the reader holds the other end until we exit).
bool send_mark(Context& c, char mark, int value = 0, bool with_value = false) {
  if (!c.sync) return true;
  char msg[1 + sizeof value];
  msg[0] = mark;
  std::memcpy(msg + 1, &value, sizeof value);
  size_t len = with_value ? sizeof msg : 1;
  return write(c.sync.get(), msg, len) == static_cast<ssize_t>(len);
}

// A failure record, then a wait (bounded by the socket's receive timeout) until the reader
// has reported it or is gone, so that the process systemd tracks still lives when the
// reader's message credited to it arrives.
void send_failure(Context& c, char mark, int value) {
  if (!send_mark(c, mark, value, true)) return;
  char ack;
  while (read(c.sync.get(), &ack, 1) < 0 && errno == EINTR) {
  }
}

// Opens the exec channel: the writer's end, for the process that becomes the daemon, goes to
// c.sync (close-on-exec, with the receive timeout of send_failure()); the reader's is returned.
unique_fd open_exec_channel(Context& c) {
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) != 0)
    fail_errno(kExitNamespace, "notify", "socketpair");
  unique_fd reader(fds[0]);
  c.sync.reset(fds[1]);
  timeval timeout{kReportTimeoutSec, 0};
  if (setsockopt(c.sync.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout) != 0)
    fail_errno(kExitNamespace, "notify", "set the exec channel's timeout");
  return reader;
}

struct ExecOutcome {
  bool executed = false;  // kMarkExec, then end of file
  int exec_errno = 0;     // kMarkExecFailed
  int setup_code = 0;     // kMarkSetupFailed
};

// Reads the exec channel until the outcome is known: the end of file (every writer has
// exec'd or exited) or a failure record, whose writer then waits for report_done().
ExecOutcome read_outcome(int fd) {
  ExecOutcome o;
  bool marked_exec = false;
  char rec[1 + sizeof(int)];
  for (;;) {
    ssize_t n = read(fd, rec, sizeof rec);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    int value = 0;
    if (n == static_cast<ssize_t>(sizeof rec)) std::memcpy(&value, rec + 1, sizeof value);
    if (rec[0] == kMarkExec && n == 1) {
      marked_exec = true;
      continue;
    }
    if (rec[0] == kMarkExecFailed) o.exec_errno = value;
    if (rec[0] == kMarkSetupFailed) o.setup_code = value;
    return o;
  }
  o.executed = marked_exec;
  return o;
}

// Lets a failed writer exit: its failure has been reported (or could not be).
void report_done(int fd) { (void)send(fd, &kMarkReported, 1, MSG_NOSIGNAL); }

// notify = exec: READY=1 once execve has succeeded, otherwise a STATUS= saying what failed.
void tell_systemd(const ExecOutcome& o, pid_t main_pid, const std::string& program) {
  if (o.executed) {
    notify_ready(main_pid);
  } else if (o.exec_errno != 0) {
    notify_failure(main_pid,
                   "jharden: execve " + program + " failed: " + std::strerror(o.exec_errno),
                   o.exec_errno);
  } else if (o.setup_code != 0) {
    const char* name = exit_code_name(o.setup_code);
    notify_failure(main_pid,
                   "jharden: set-up failed with exit status " + std::to_string(o.setup_code) +
                       (name[0] ? std::string("/") + name : ""),
                   0);
  }
}

// Closes every descriptor from `first` on, except `keep` and `keep2`.
void close_from(unsigned first, int keep, int keep2 = -1) {
  auto close_span = [](unsigned lo, unsigned hi) {
    if (lo <= hi && close_range(lo, hi, 0) != 0) fail_errno(kExitFds, "fds", "close_range");
  };
  unsigned next = first;
  for (int k : {std::min(keep, keep2), std::max(keep, keep2)}) {
    if (k < static_cast<int>(next)) continue;
    if (static_cast<unsigned>(k) > next) close_span(next, static_cast<unsigned>(k) - 1);
    next = static_cast<unsigned>(k) + 1;
  }
  close_span(next, ~0U);
}

// The helper's side: waits for the outcome of the exec and reports it.
[[noreturn]] void ready_helper(Context& c, int channel, pid_t main_pid) {
  for (auto& s : c.secrets) s.bytes.wipe();
  try {
    // The writer's end too: the end of file must come from the daemon's execve alone.
    close_from(3, channel);
  } catch (...) {
    std::_Exit(kExitFailure);
  }
  // A stop of the unit while it waits ends it like any process of the unit.
  sigprocmask(SIG_SETMASK, &c.signal_mask, nullptr);
  tell_systemd(read_outcome(channel), main_pid, c.plan.argv[0]);
  report_done(channel);
  std::_Exit(kExitSuccess);
}

// notify = exec in place: READY=1 may only be sent once execve has succeeded, which the
// process that becomes the daemon cannot report afterwards. A helper forked now, before the
// mount namespace can hide $NOTIFY_SOCKET's path, waits on the exec channel and tells
// systemd on behalf of the main process (this one), so that NotifyAccess=main suffices. It is
// double-forked so that it is never the daemon's child (the daemon would see it in its
// wait() calls).
void start_ready_helper(Context& c) {
  unique_fd read_end = open_exec_channel(c);
  const pid_t main_pid = getpid();
  pid_t middle = fork();
  if (middle < 0) fail_errno(kExitNamespace, "notify", "fork the readiness helper");
  if (middle == 0) {
    pid_t helper = fork();
    if (helper != 0) std::_Exit(helper < 0 ? kExitFailure : kExitSuccess);
    ready_helper(c, read_end.get(), main_pid);
  }
  int status = 0;
  while (waitpid(middle, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    fail(kExitNamespace, "notify", "fork the readiness helper: failed");
}

// --complain: the observer, forked before the mount namespace so that it sees the daemon's
// /proc from the host, and double-forked so that it is never the daemon's child, nor the one
// jharden in front waits for. It gets the filter's listener once the filter is loaded.
void start_complain_observer(Context& c) {
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) != 0)
    fail_errno(kExitSeccomp, "complain", "socketpair");
  unique_fd observer_end(fds[0]);
  c.complain.reset(fds[1]);
  const pid_t seed = getpid();
  pid_t middle = fork();
  if (middle < 0) fail_errno(kExitSeccomp, "complain", "fork the observer");
  if (middle == 0) {
    pid_t observer = fork();
    if (observer != 0) std::_Exit(observer < 0 ? kExitFailure : kExitSuccess);
    for (auto& s : c.secrets) s.bytes.wipe();
    c.complain.reset();
    c.sync.reset();
    c.tty.reset();
    try {
      close_from(3, observer_end.get());
    } catch (const StepError&) {
      std::_Exit(kExitFailure);
    }
    prctl(PR_SET_NAME, "jharden-complain", 0, 0, 0);
    run_complain_observer(c.plan, observer_end.get(), seed);
    std::_Exit(kExitSuccess);
  }
  int status = 0;
  while (waitpid(middle, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    fail(kExitSeccomp, "complain", "fork the observer: failed");
  // Whether the observer follows the path calls itself (BPF), or needs the filter for them;
  // once it has said so, it follows this process and all it forks.
  char mode = 0;
  ssize_t n;
  while ((n = read(c.complain.get(), &mode, 1)) < 0 && errno == EINTR) {
  }
  if (n != 1) fail(kExitSeccomp, "complain", "start the observer: it ended");
  c.complain_paths = mode != kComplainBpf;
}

void bring_loopback_up() {
  unique_fd s(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  struct ifreq ifr {};
  std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
  if (!s || ioctl(s.get(), SIOCGIFFLAGS, &ifr) != 0) fail_errno(kExitNamespace, "net", "lo");
  ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP | IFF_RUNNING);
  if (ioctl(s.get(), SIOCSIFFLAGS, &ifr) != 0) fail_errno(kExitNamespace, "net", "bring lo up");
}

// user = yes (PrivateUsers=), once the mounts are done, as systemd does for a privileged
// manager: the mount, network, IPC, UTS and cgroup namespaces were made by root of the host's
// user namespace and stay owned by it, so no capability held in the new one counts on them (no
// mount of the sandbox can be undone, no interface configured). On files and processes,
// capabilities inside count only where owner and group are mapped: root and the service's ids.
// Only a process of the parent namespace may write the maps: a helper forked before the
// unshare writes them once the namespace exists, through the host's procfs (`proc_self`,
// opened before the mounts: the sandbox may have no /proc, or a masked one). setgroups is
// denied for good, so root inside cannot shed a group that a file's mode denies access to; the
// service's groups are set before.
void enter_user_namespace(const Identity& id, int proc_self) {
  set_supplementary_groups(id);
  // The new namespace starts with every capability, the bounding set full: no more than
  // jharden holds now is taken over (a container may have withheld some), so that the drop
  // that follows, and --verify, start from the same sets as without a user namespace.
  std::unique_ptr<struct _cap_struct, decltype(&cap_free)> held(cap_get_proc(), &cap_free);
  if (!held) fail_errno(kExitCapabilities, "capabilities", "cap_get_proc");
  std::vector<int> unbounded;
  for (int cap = 0; cap <= last_capability(); ++cap)
    if (cap_get_bound(static_cast<cap_value_t>(cap)) != 1) unbounded.push_back(cap);
  const uid_t own_uid = geteuid();
  const gid_t own_gid = getegid();
  const std::string uid_map = user_namespace_map(own_uid, id.change ? id.uid : own_uid);
  const std::string gid_map = user_namespace_map(own_gid, id.change ? id.gid : own_gid);
  const std::pair<const char*, const std::string*> files[] = {
      {"setgroups", nullptr}, {"gid_map", &gid_map}, {"uid_map", &uid_map}};
  int go[2], result[2];
  if (pipe2(go, O_CLOEXEC) != 0) fail_errno(kExitNamespace, "user", "pipe2");
  unique_fd go_read(go[0]), go_write(go[1]);
  if (pipe2(result, O_CLOEXEC) != 0) fail_errno(kExitNamespace, "user", "pipe2");
  unique_fd result_read(result[0]), result_write(result[1]);
  pid_t helper = fork();
  if (helper < 0) fail_errno(kExitNamespace, "user", "fork the id map writer");
  if (helper == 0) {
    go_write.reset();
    char byte;
    ssize_t n;
    while ((n = read(go_read.get(), &byte, 1)) < 0 && errno == EINTR) {
    }
    if (n != 1) std::_Exit(kExitSuccess);  // the unshare failed: nothing to map
    for (int step = 0; step < 3; ++step) {
      std::string text = files[step].second ? *files[step].second : "deny\n";
      unique_fd f(openat(proc_self, files[step].first, O_WRONLY | O_CLOEXEC));
      if (!f || write(f.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
        int report[2] = {step, errno};
        (void)!write(result_write.get(), report, sizeof report);
        std::_Exit(kExitFailure);
      }
    }
    std::_Exit(kExitSuccess);
  }
  go_read.reset();
  result_write.reset();
  const int unshare_errno = unshare(CLONE_NEWUSER) == 0 ? 0 : errno;
  if (unshare_errno == 0 && write(go_write.get(), "u", 1) != 1)
    fail_errno(kExitNamespace, "user", "start the id map writer");
  go_write.reset();
  int report[2] = {-1, 0};
  ssize_t got;
  while ((got = read(result_read.get(), report, sizeof report)) < 0 && errno == EINTR) {
  }
  int status = 0;
  while (waitpid(helper, &status, 0) < 0 && errno == EINTR) {
  }
  if (unshare_errno != 0) {
    errno = unshare_errno;
    fail_errno(kExitNamespace, "user", "unshare a user namespace");
  }
  if (got == sizeof report && report[0] >= 0 && report[0] < 3) {
    errno = report[1];
    fail_errno(kExitNamespace, "user",
               std::string("write ") + files[report[0]].first + " of the new user namespace");
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    fail(kExitNamespace, "user", "the id map writer failed");
  for (int cap : unbounded)
    if (cap_drop_bound(static_cast<cap_value_t>(cap)) != 0)
      fail_errno(kExitCapabilities, "capabilities",
                 "drop " + capability_name(cap) + " from the user namespace's bounding set");
  if (cap_set_proc(held.get()) != 0)
    fail_errno(kExitCapabilities, "capabilities", "cap_set_proc in the user namespace");
}

// Namespaces and the filesystem view (in the process whose children form the sandbox).
void enter_namespaces(Context& c) {
  const Plan& p = c.plan;
  int flags = CLONE_NEWNS | (p.ns_net ? CLONE_NEWNET : 0) | (p.ns_ipc ? CLONE_NEWIPC : 0) |
              (p.ns_uts ? CLONE_NEWUTS : 0) | (p.ns_cgroup ? CLONE_NEWCGROUP : 0);
  // The cgroup namespace's root is the cgroup jharden runs in now: the service's.
  if (unshare(flags) != 0) fail_errno(kExitNamespace, "namespaces", "unshare");
  if (p.hostname && sethostname(p.hostname->data(), p.hostname->size()) != 0)
    fail_errno(kExitNamespace, "uts", "sethostname " + *p.hostname);
  if (p.ns_net) bring_loopback_up();
  // Sources are opened in the new namespace (a clone needs a mount of the caller's own
  // namespace) but before the first mount, while paths still name the host's files.
  c.sources = open_mount_sources(p);
  unique_fd proc_self;
  if (p.ns_user) {
    // A detached copy of the procfs mount: the read-only round (read_only = /) and the masks
    // change the mounts of the tree, never this one.
    unique_fd proc(open_tree(AT_FDCWD, "/proc", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC));
    if (proc) proc_self.reset(openat(proc.get(), "self", O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!proc_self) fail_errno(kExitNamespace, "user", "open /proc/self");
  }
  MountOptions mo;
  mo.force_legacy = c.options.force_legacy_mounts;
  apply_mounts(p, c.sources, c.secrets, mo);
  // Before Landlock, so that the helper writing the maps is outside the domain; the domain
  // itself survives the unshare. In a PID namespace the init is inside too, with the daemon.
  if (p.ns_user) enter_user_namespace(p.identity, proc_self.get());
  proc_self.reset();
  // Every topology (in place, pid-namespace init, in front) passes here exactly once, after
  // the last mount (a Landlock domain may mount nothing), in the final view, before the init
  // forks the daemon (both are in the domain) and before capabilities are dropped.
  apply_landlock(p.landlock);
}

std::vector<std::string> daemon_environment(const Context& c) {
  const Plan& p = c.plan;
  std::vector<std::string> env;
  auto dropped = [&](std::string_view name) {
    if (name == "NOTIFY_SOCKET") return p.notify != NotifyMode::kDaemon;
    if (name == "LISTEN_PID" || name == "LISTEN_FDS" || name == "LISTEN_FDNAMES")
      return name == "LISTEN_PID" || c.listen_fds == 0;
    return std::find(p.env_unset.begin(), p.env_unset.end(), name) != p.env_unset.end() ||
           std::any_of(p.env_set.begin(), p.env_set.end(),
                       [&](const auto& kv) { return kv.first == name; });
  };
  for (char** e = environ; *e; ++e) {
    std::string_view kv(*e);
    if (!dropped(kv.substr(0, kv.find('=')))) env.emplace_back(kv);
  }
  // Socket activation: the fds are the daemon's now, and so is LISTEN_PID (its pid as it
  // sees it: in a PID namespace, not the host's).
  if (c.listen_fds > 0) env.push_back("LISTEN_PID=" + std::to_string(getpid()));
  for (const auto& [k, v] : p.env_set) env.push_back(k + "=" + v);
  return env;
}

// runc CVE-2024-21626: nothing of jharden's may survive into the daemon, nor be reachable
// through /proc/self/fd while the working directory is resolved. What stays: 0-2, the
// LISTEN_FDS range (without close-on-exec) and the exec channel, which execve itself closes.
void close_jharden_fds(Context& c) {
  c.sources = MountSources{};
  c.tty.reset();
  close_from(static_cast<unsigned>(3 + c.listen_fds), c.sync.get(), c.complain.get());
  for (int fd = 3; fd < 3 + c.listen_fds; ++fd)
    if (fcntl(fd, F_SETFD, 0) != 0)
      fail_errno(kExitFds, "fds", "keep LISTEN_FDS descriptor " + std::to_string(fd));
}

// The working directory is a path inside the sandbox, resolved there without following any
// symlink: a daemon that replaced it with a link to /proc/self/cwd or /proc/self/fd/N (which
// would name jharden's own cwd or descriptors, i.e. host directories) is refused. Opened
// before any seccomp filter (restrict_suid_sgid answers openat2 with ENOSYS), entered later.
unique_fd open_working_directory(const std::string& path) {
  unique_fd root(open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) fail_errno(kExitChdir, "working_directory", "open /");
  unique_fd dir(open_beneath(root.get(), path, O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!dir) {
    bool link = errno == ELOOP || errno == EXDEV;
    fail_errno(kExitChdir, "working_directory",
               "open " + path +
                   (link ? " (a symlink or magic link in its path; refusing to follow it)" : ""));
  }
  return dir;
}

// fchdir as the daemon's user: the search permission checked is the daemon's, as with chdir.
void enter_working_directory(unique_fd dir, const std::string& path) {
  if (fchdir(dir.get()) != 0) fail_errno(kExitChdir, "working_directory", "fchdir " + path);
}

// bwrap CVE-2017-5226: the daemon must have no controlling terminal to push input into
// (TIOCSTI), however jharden was started.
void leave_caller_session(Context& c) {
  if (setsid() >= 0) return;
  if (getsid(0) != getpid())
    fail_errno(kExitSetsid, "new_session", "setsid (jharden leads a process group)");
  // Already a session leader (systemd starts every service so, TTYPath= with a terminal):
  // the session stays, its terminal goes.
  int tty = c.tty.get();
  for (int fd = 0; tty < 0 && fd <= 2; ++fd)
    if (isatty(fd) && tcgetsid(fd) == getpid()) tty = fd;
  if (tty < 0) return;  // no terminal to give up
  if (ioctl(tty, TIOCNOTTY) != 0)
    fail_errno(kExitSetsid, "new_session", "give up the controlling terminal (TIOCNOTTY)");
  // The kernel has sent SIGHUP and SIGCONT to the terminal's foreground process group, ours
  // included. Blocked, they would hit the daemon once unblocked: ignoring discards them.
  signal(SIGHUP, SIG_IGN);
  signal(SIGCONT, SIG_IGN);
}

// The daemon's side, after the mounts: privileges, then exec. minijail's order: bounding
// set, ids, capabilities, no_new_privs, seccomp last, so the filter need not allow set-up:
// after it only write (the exec report) and execve remain, which the planner makes sure it
// allows.
[[noreturn]] void finish_and_exec(Context& c) {
  const Plan& p = c.plan;
  // Without no_new_privs the kernel loads a filter only for a holder of CAP_SYS_ADMIN. Loading
  // it before the identity and capability changes would put setresuid, capset and the rest
  // under a filter that may refuse them (deny = @privileged): instead, CAP_SYS_ADMIN stays in
  // the permitted and effective sets until execve, which recomputes both from the bounding
  // set (where it is not, unless the policy keeps it), the file and the ambient set.
  const bool admin_for_filter = c.filter && !p.no_new_privileges;
  // After the user namespace (user = yes), whose creation fills the bounding set again.
  drop_bounding_set(p.caps);
  if (p.new_session) leave_caller_session(c);
  close_jharden_fds(c);
  unique_fd working_directory = open_working_directory(p.working_directory);
  change_identity(p.identity, /*groups_set=*/p.ns_user);
  set_final_capabilities(p.caps, p.identity.uid == 0, admin_for_filter);
  umask(p.umask);
  enter_working_directory(std::move(working_directory), p.working_directory);
  std::vector<std::string> env = daemon_environment(c);
  std::vector<char*> envp, argv;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = p.argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  // Before the filter, which may not allow rt_sigaction (an allow list without @signal).
  restore_signals(c.signal_mask);
  if (p.no_new_privileges) set_no_new_privileges();
  if (c.complain) {
    // Built now that the descriptors of the hand-over are known (the plan's own filter was
    // built, and so checked, before anything was set up). memory_deny_write_execute becomes
    // seccomp rules, as on kernels without PR_SET_MDWE: the prctl refuses without a word.
    SeccompPlan complain_plan = p.seccomp;
    if (complain_plan.write_execute == WriteExecute::kPrctl)
      complain_plan.write_execute = WriteExecute::kSeccomp;
    ComplainFilter cf;
    cf.watch_paths = c.complain_paths;
    cf.exempt.emplace_back("sendmsg", c.complain.get());
    if (c.sync) cf.exempt.emplace_back("write", c.sync.get());
    c.filter = build_seccomp_filter(complain_plan, &cf);
  } else if (p.seccomp.write_execute == WriteExecute::kPrctl) {
    deny_write_execute();
  }
  load_seccomp_filter(c.filter);
  if (c.complain) {
    const int listener = seccomp_notify_fd(c.filter.get());
    if (listener < 0) fail(kExitSeccomp, "complain", "the filter has no listener");
    send_listener(c.complain.get(), listener);
  }
  if (c.options.verify) std::_Exit(run_probe(p, c.host, c.listen_fds));
  if (!send_mark(c, kMarkExec))
    fail_errno(kExitSeccomp, "seccomp", "report the exec to jharden (the filter must allow write)");
  execve(argv[0], argv.data(), envp.data());
  int err = errno;
  std::fprintf(stderr, "jharden: exec: execve %s: %s\n", argv[0], std::strerror(err));
  send_failure(c, kMarkExecFailed, err);
  std::_Exit(kExitExec);
}

// The daemon died of SIGSYS: with action = kill, the filter killed it.
void report_sigsys(const SeccompPlan& seccomp) {
  if (seccomp.action != SeccompAction::kKill) return;
  std::fprintf(stderr, "jharden: the daemon was killed by the seccomp filter (SIGSYS, %s)\n",
               seccomp.action_blame.str().c_str());
  std::fflush(stderr);
}

// action = kill: the kernel's audit record of the kill names the call, and only the kernel
// log has it (the siginfo of a fatal SIGSYS reaches no one). Opened before the daemon starts,
// at the end of the log, so that only records of this run are read.
unique_fd open_kernel_log(const Plan& plan, bool verify) {
  if (verify || !plan.seccomp.enabled || plan.seccomp.action != SeccompAction::kKill) return {};
  unique_fd kmsg(open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  if (kmsg) (void)lseek(kmsg.get(), 0, SEEK_END);
  return kmsg;
}

// The daemon's pid as the host sees it: with a PID namespace, the init's child.
pid_t host_daemon_pid(pid_t child, bool pid_namespace) {
  if (!pid_namespace) return child;
  const std::string path =
      "/proc/" + std::to_string(child) + "/task/" + std::to_string(child) + "/children";
  unique_fd f(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  char buf[64] = {};
  if (!f || read(f.get(), buf, sizeof buf - 1) <= 0) return 0;
  return static_cast<pid_t>(std::strtol(buf, nullptr, 10));
}

// Names the call that got the daemon killed, from the kernel log (the kernel writes the
// record from its audit thread: waited for, a second at most).
void report_kill(const Plan& plan, int kmsg, pid_t daemon) {
  if (kmsg < 0 || daemon <= 0) return;
  for (int waited = 0; waited <= 1000; waited += 50) {
    char rec[8192];
    ssize_t n;
    while ((n = read(kmsg, rec, sizeof rec - 1)) != 0) {
      if (n < 0 && errno == EPIPE) continue;  // records overwritten meanwhile
      if (n < 0) break;
      rec[n] = '\0';
      auto audit = parse_seccomp_audit(rec);
      if (!audit || audit->pid != daemon) continue;
      std::fprintf(stderr, "jharden: seccomp: %s\n", kill_report(plan.seccomp, *audit).c_str());
      std::fflush(stderr);
      return;
    }
    pollfd p{kmsg, POLLIN, 0};
    (void)poll(&p, 1, 50);
  }
}

// Runs `step`, turning a StepError into its message and exit code (in a child: _exit).
template <typename F>
[[noreturn]] void child_main(Context& c, F step) {
  try {
    step();
  } catch (const StepError& e) {
    report(c, e);
    send_failure(c, kMarkSetupFailed, e.code);
    std::_Exit(e.code);
  } catch (...) {
    // Never unwind into the parent's code, which this child is a copy of.
    const int code = exit_code_of_current_exception();
    send_failure(c, kMarkSetupFailed, code);
    std::_Exit(code);
  }
  std::_Exit(kExitFailure);
}

// PID 1 of the new PID namespace: builds the view (procfs must be mounted from inside the
// namespace), forks the daemon, then keeps only CAP_KILL and supervises it.
[[noreturn]] void pid_init(Context& c) {
  child_main(c, [&] {
    enter_namespaces(c);
    pid_t daemon = fork();
    if (daemon < 0) fail_errno(kExitNamespace, "pid", "fork");
    if (daemon == 0) child_main(c, [&] { finish_and_exec(c); });
    c.sync.reset();
    c.filter.reset();
    for (auto& s : c.secrets) s.bytes.wipe();
    if (chdir("/") != 0) fail_errno(kExitNamespace, "pid", "chdir /");
    close_range(3, ~0U, 0);
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    reduce_to({CAP_KILL});
    set_no_new_privileges();
    int wait_status = 0;
    const int status = supervise(daemon, &wait_status);
    // A failure is never silent (§3): killed by the filter, the daemon cannot say so itself.
    if (WIFSIGNALED(wait_status) && WTERMSIG(wait_status) == SIGSYS) report_sigsys(c.plan.seccomp);
    std::_Exit(status);
  });
}

// The process that becomes the daemon (or, with pid = yes, its init).
[[noreturn]] void sandbox_child(Context& c) {
  if (c.plan.ns_pid) pid_init(c);
  child_main(c, [&] {
    enter_namespaces(c);
    finish_and_exec(c);
  });
}

pid_t fork_sandbox(Context& c) {
  // With a PID namespace, a fork-like clone puts only this child in it: jharden itself stays
  // able to create ordinary children (unshare(CLONE_NEWPID) would change that for good).
  pid_t child = c.plan.ns_pid ? static_cast<pid_t>(syscall(SYS_clone, CLONE_NEWPID | SIGCHLD,
                                                           nullptr, nullptr, nullptr, nullptr))
                              : fork();
  if (child < 0) fail_errno(kExitNamespace, "namespaces", "fork");
  if (child == 0) sandbox_child(c);
  // The child has its copy; jharden, which stays in front for the daemon's whole life,
  // keeps none.
  for (auto& s : c.secrets) s.bytes.wipe();
  return child;
}

// jharden in front (pid = yes, §6): the main process systemd tracks, it reports the exec,
// forwards every signal to the daemon (through the init) and exits with the daemon's status.
int run_in_front(Context& c, NotifyMode notify) {
  unique_fd kmsg = open_kernel_log(c.plan, c.options.verify);
  unique_fd read_end = open_exec_channel(c);
  pid_t child = fork_sandbox(c);
  c.sync.reset();
  c.complain.reset();
  // Signals stay blocked meanwhile; supervise() forwards those that arrived.
  ExecOutcome outcome = read_outcome(read_end.get());
  if (notify == NotifyMode::kExec) tell_systemd(outcome, getpid(), c.plan.argv[0]);
  report_done(read_end.get());
  read_end.reset();
  const pid_t daemon = kmsg && outcome.executed ? host_daemon_pid(child, c.plan.ns_pid) : 0;
  int wait_status = 0;
  const int status = supervise(child, &wait_status);
  // With a PID namespace the init has said that the daemon died of SIGSYS and exits 128+31.
  const bool sigsys = c.plan.ns_pid ? status == 128 + SIGSYS
                                    : WIFSIGNALED(wait_status) && WTERMSIG(wait_status) == SIGSYS;
  if (sigsys) {
    if (!c.plan.ns_pid) report_sigsys(c.plan.seccomp);
    report_kill(c.plan, kmsg.get(), daemon);
  }
  return status;
}

}  // namespace

std::string runtime_directory_hint(const StepError& e) {
  if (e.err != ENOENT) return "";
  static const std::pair<const char*, const char*> kDirs[] = {{"/run/", "RuntimeDirectory="},
                                                              {"/var/lib/", "StateDirectory="},
                                                              {"/var/cache/", "CacheDirectory="},
                                                              {"/var/log/", "LogsDirectory="}};
  // After the policy line that may lead the message (a policy under /run/jharden).
  size_t from = e.message.find(": mounts: ");
  if (from == std::string::npos) from = 0;
  for (const auto& [prefix, directive] : kDirs) {
    size_t at = e.message.find(prefix, from);
    if (at == std::string::npos) continue;
    std::string path = e.message.substr(at, e.message.find_first_of(": ", at) - at);
    return path + " does not exist yet. If the unit's " + directive +
           " makes it, systemd creates it only when the service starts, so --verify run "
           "before the first start cannot build the sandbox: start the service once, or "
           "create the directory (systemd-tmpfiles, mkdir), or run --verify from the unit "
           "as ExecStartPre=+/usr/lib/jharden --verify ...";
  }
  return "";
}

int run_sandbox(Loaded& loaded, const Plan& plan, const RunOptions& options) {
  Context c{plan, loaded.secrets, options, read_caller_sandbox(), nullptr, {}, 0, {}, {}, {}, {},
            {}};
  try {
    std::string warning = caller_sandbox_warning(c.caller);
    if (!warning.empty()) std::fprintf(stderr, "jharden: %s\n", warning.c_str());
    if (!options.inherited.error.empty()) fail(kExitFds, "fds", options.inherited.error);
    check_kept_capabilities(loaded.policy.cap_keep);
    c.listen_fds = options.inherited.listen_fds;
    c.filter = build_seccomp_filter(plan.seccomp);
    c.host = record_host_facts();
    if (options.verify) record_mount_facts(plan, c.host);
    for (const auto& s : loaded.secrets)
      c.host.secret_sizes.emplace_back(s.name, s.bytes.data().size());
    const NotifyMode notify = options.verify ? NotifyMode::kNone : plan.notify;
    // In place, unless a PID namespace is asked for (§6) or setsid() cannot work in place:
    // jharden started as a shell's job leads its process group in the shell's session.
    // --verify runs in front too: jharden outlives the probe, to end and reap the decoy.
    const bool session_leader = getsid(0) == getpid();
    const bool in_front = plan.ns_pid || options.verify ||
                          (plan.new_session && !session_leader && getpgrp() == getpid());
    if (plan.new_session && session_leader && !in_front)
      c.tty.reset(open("/dev/tty", O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC));
    // --verify: a process outside the sandbox that the probe must not reach through /proc.
    std::optional<Decoy> decoy;
    if (options.verify) decoy.emplace(plan.identity, loaded.secrets, c.host);
    if (notify == NotifyMode::kExec && !preload_libsystemd())
      fail(kExitNamespace, "notify", "load libsystemd to tell systemd about the exec");
    c.signal_mask = block_all_signals();
    if (options.complain) start_complain_observer(c);
    // Before the first fork of the sandbox, so that every process of it is followed.
    if (!options.learn_file.empty())
      start_learner(options.learn_file, loaded.policy, plan, loaded.secrets);
    if (in_front) return run_in_front(c, notify);
    if (notify == NotifyMode::kExec && getenv("NOTIFY_SOCKET")) start_ready_helper(c);
    enter_namespaces(c);
    finish_and_exec(c);
  } catch (const StepError& e) {
    report(c, e);
    send_failure(c, kMarkSetupFailed, e.code);
    return e.code;
  }
}

}  // namespace jharden
