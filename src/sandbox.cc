#include "sandbox.h"

#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <sys/capability.h>
#include <sys/ioctl.h>
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
#include <cstring>
#include <optional>
#include <utility>

#include "error.h"
#include "landlock.h"
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

// The exec pipe: what the process that becomes the daemon tells whoever reports to systemd.
// The pipe is close-on-exec, so the end of file right after kMarkExec means execve succeeded.
constexpr char kMarkExec = 'R';         // written right before execve
constexpr char kMarkExecFailed = 'E';   // + errno: execve failed
constexpr char kMarkSetupFailed = 'S';  // + exit code: a set-up step failed

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
  unique_fd sync;  // the exec pipe's write end
  unique_fd tty;   // the controlling terminal of a session leader, to give it up
  HostFacts host;
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

struct ExecOutcome {
  bool executed = false;  // kMarkExec, then end of file
  int exec_errno = 0;     // kMarkExecFailed
  int setup_code = 0;     // kMarkSetupFailed
};

// Reads the exec pipe to its end: every writer has exec'd or exited by then.
ExecOutcome read_outcome(int fd) {
  std::string got;
  char buf[16];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) != 0) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    got.append(buf, static_cast<size_t>(n));
  }
  ExecOutcome o;
  auto value_at = [&](size_t pos) {
    int v = 0;
    if (got.size() >= pos + sizeof v) std::memcpy(&v, got.data() + pos, sizeof v);
    return v;
  };
  if (got.size() >= 2 && got[0] == kMarkExec && got[1] == kMarkExecFailed)
    o.exec_errno = value_at(2);
  else if (got.size() == 1 && got[0] == kMarkExec)
    o.executed = true;
  else if (!got.empty() && got[0] == kMarkSetupFailed)
    o.setup_code = value_at(1);
  return o;
}

// notify = exec: READY=1 once execve has succeeded, otherwise a STATUS= saying what failed.
void tell_systemd(const ExecOutcome& o, pid_t main_pid, const std::string& program) {
  if (o.executed) {
    notify_ready(main_pid);
  } else if (o.exec_errno != 0) {
    notify_failure("jharden: execve " + program + " failed: " + std::strerror(o.exec_errno),
                   o.exec_errno);
  } else if (o.setup_code != 0) {
    const char* name = exit_code_name(o.setup_code);
    notify_failure("jharden: set-up failed with exit status " + std::to_string(o.setup_code) +
                       (name[0] ? std::string("/") + name : ""),
                   0);
  }
}

// Closes every descriptor from `first` on, except `keep`.
void close_from(unsigned first, int keep) {
  auto close_span = [](unsigned lo, unsigned hi) {
    if (lo <= hi && close_range(lo, hi, 0) != 0) fail_errno(kExitFds, "fds", "close_range");
  };
  if (keep >= static_cast<int>(first)) {
    close_span(first, static_cast<unsigned>(keep) - 1);
    close_span(static_cast<unsigned>(keep) + 1, ~0U);
  } else {
    close_span(first, ~0U);
  }
}

// The helper's side: waits for the outcome of the exec and reports it.
[[noreturn]] void ready_helper(Context& c, int pipe_fd, pid_t main_pid) {
  for (auto& s : c.secrets) s.bytes.wipe();
  try {
    // The write end too: the end of file must come from the daemon's execve alone.
    close_from(3, pipe_fd);
  } catch (const StepError&) {
    std::_Exit(kExitFailure);
  }
  // A stop of the unit while it waits ends it like any process of the unit.
  sigprocmask(SIG_SETMASK, &c.signal_mask, nullptr);
  tell_systemd(read_outcome(pipe_fd), main_pid, c.plan.argv[0]);
  std::_Exit(kExitSuccess);
}

// notify = exec in place: READY=1 may only be sent once execve has succeeded, which the
// process that becomes the daemon cannot report afterwards. A helper forked now, before the
// mount namespace can hide $NOTIFY_SOCKET's path, waits on the close-on-exec exec pipe and
// tells systemd. It is double-forked so that it is never the daemon's child (the daemon
// would see it in its wait() calls); the units ship NotifyAccess=all for its messages.
void start_ready_helper(Context& c) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) fail_errno(kExitNamespace, "notify", "pipe2");
  unique_fd read_end(fds[0]);
  c.sync.reset(fds[1]);
  const pid_t main_pid = getpid();
  // Loaded here, so the helper inherits it: before the daemon exists, never after its execve.
  notify_load();
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

void bring_loopback_up() {
  unique_fd s(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  struct ifreq ifr {};
  std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
  if (!s || ioctl(s.get(), SIOCGIFFLAGS, &ifr) != 0) fail_errno(kExitNamespace, "net", "lo");
  ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP | IFF_RUNNING);
  if (ioctl(s.get(), SIOCSIFFLAGS, &ifr) != 0) fail_errno(kExitNamespace, "net", "bring lo up");
}

// Namespaces and the filesystem view (in the process whose children form the sandbox).
void enter_namespaces(Context& c) {
  const Plan& p = c.plan;
  int flags = CLONE_NEWNS | (p.ns_net ? CLONE_NEWNET : 0) | (p.ns_ipc ? CLONE_NEWIPC : 0) |
              (p.ns_uts ? CLONE_NEWUTS : 0);
  if (unshare(flags) != 0) fail_errno(kExitNamespace, "namespaces", "unshare");
  if (p.hostname && sethostname(p.hostname->data(), p.hostname->size()) != 0)
    fail_errno(kExitNamespace, "uts", "sethostname " + *p.hostname);
  if (p.ns_net) bring_loopback_up();
  // Sources are opened in the new namespace (a clone needs a mount of the caller's own
  // namespace) but before the first mount, while paths still name the host's files.
  c.sources = open_mount_sources(p);
  MountOptions mo;
  mo.force_legacy = c.options.force_legacy_mounts;
  mo.secrets_uid = p.identity.uid;
  mo.secrets_gid = p.identity.gid;
  apply_mounts(p, c.sources, c.secrets, mo);
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
// LISTEN_FDS range (without close-on-exec) and the exec pipe, which execve itself closes.
void close_jharden_fds(Context& c) {
  c.sources = MountSources{};
  c.tty.reset();
  close_from(static_cast<unsigned>(3 + c.listen_fds), c.sync.get());
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
// set, ids, capabilities, no_new_privs, seccomp last, so the filter need not allow set-up.
[[noreturn]] void finish_and_exec(Context& c) {
  const Plan& p = c.plan;
  const bool seccomp_early = !p.no_new_privileges;  // needs CAP_SYS_ADMIN then
  drop_bounding_set(p.caps);
  if (p.new_session) leave_caller_session(c);
  close_jharden_fds(c);
  unique_fd working_directory = open_working_directory(p.working_directory);
  if (seccomp_early) load_seccomp_filter(c.filter);
  change_identity(p.identity);
  set_final_capabilities(p.caps, p.identity.uid == 0);
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
  if (!seccomp_early) load_seccomp_filter(c.filter);
  if (c.options.verify) std::_Exit(run_probe(p, c.host, c.listen_fds));
  if (!send_mark(c, kMarkExec))
    fail_errno(kExitSeccomp, "seccomp", "report the exec to jharden (the filter must allow write)");
  execve(argv[0], argv.data(), envp.data());
  int err = errno;
  (void)send_mark(c, kMarkExecFailed, err, true);
  std::fprintf(stderr, "jharden: exec: execve %s: %s\n", argv[0], std::strerror(err));
  std::_Exit(kExitExec);
}

// Runs `step`, turning a StepError into its message and exit code (in a child: _exit).
template <typename F>
[[noreturn]] void child_main(Context& c, F step) {
  try {
    step();
  } catch (const StepError& e) {
    report(c, e);
    (void)send_mark(c, kMarkSetupFailed, e.code, true);
    std::_Exit(e.code);
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
    std::_Exit(supervise(daemon));
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
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) fail_errno(kExitNamespace, "notify", "pipe2");
  unique_fd read_end(fds[0]);
  c.sync.reset(fds[1]);
  // As for the readiness helper: loaded before the daemon can run.
  if (notify == NotifyMode::kExec) notify_load();
  pid_t child = fork_sandbox(c);
  c.sync.reset();
  // Signals stay blocked meanwhile; supervise() forwards those that arrived.
  ExecOutcome outcome = read_outcome(read_end.get());
  read_end.reset();
  if (notify == NotifyMode::kExec) tell_systemd(outcome, getpid(), c.plan.argv[0]);
  return supervise(child);
}

}  // namespace

std::string runtime_directory_hint(const StepError& e) {
  if (e.err != ENOENT) return "";
  static const std::pair<const char*, const char*> kDirs[] = {{"/run/", "RuntimeDirectory="},
                                                              {"/var/lib/", "StateDirectory="},
                                                              {"/var/cache/", "CacheDirectory="},
                                                              {"/var/log/", "LogsDirectory="}};
  for (const auto& [prefix, directive] : kDirs) {
    size_t at = e.message.find(prefix);
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
  Context c{plan, loaded.secrets, options, read_caller_sandbox(), nullptr, {}, 0, {}, {}, {}, {}};
  try {
    std::string warning = caller_sandbox_warning(c.caller);
    if (!warning.empty()) std::fprintf(stderr, "jharden: %s\n", warning.c_str());
    if (!options.inherited.error.empty()) fail(kExitFds, "fds", options.inherited.error);
    c.listen_fds = options.inherited.listen_fds;
    c.filter = build_seccomp_filter(plan.seccomp);
    c.host = record_host_facts();
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
    c.signal_mask = block_all_signals();
    if (in_front) return run_in_front(c, notify);
    if (notify == NotifyMode::kExec && getenv("NOTIFY_SOCKET")) start_ready_helper(c);
    enter_namespaces(c);
    finish_and_exec(c);
  } catch (const StepError& e) {
    report(c, e);
    (void)send_mark(c, kMarkSetupFailed, e.code, true);
    return e.code;
  }
}

}  // namespace jharden
