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
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>

#include "error.h"
#include "landlock.h"
#include "mount_apply.h"
#include "notify.h"
#include "privileges.h"
#include "seccomp_filter.h"
#include "supervise.h"
#include "unique_fd.h"
#include "verify.h"

extern char** environ;

namespace jharden {
namespace {

// Everything the set-up needs, gathered before the first fork.
struct Context {
  const Plan& plan;
  std::vector<Secret>& secrets;
  const RunOptions& options;
  SeccompFilter filter;
  MountSources sources;
  int listen_fds = 0;
  sigset_t signal_mask{};
  unique_fd sync;  // to the launcher: "R" before execve, "F"+errno when it fails
  HostFacts host;
};

int listen_fd_count() {
  const char* pid = getenv("LISTEN_PID");
  const char* fds = getenv("LISTEN_FDS");
  if (!pid || !fds || std::to_string(getpid()) != pid) return 0;
  char* end;
  long n = std::strtol(fds, &end, 10);
  return (*end == '\0' && n > 0 && n < 4096) ? static_cast<int>(n) : 0;
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
  // After the last mount (a Landlock domain may mount nothing), in the final view, before the
  // init forks the daemon (both are in the domain) and before capabilities are dropped.
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
  // Socket activation: the fds are the daemon's now, and so is LISTEN_PID.
  if (c.listen_fds > 0) env.push_back("LISTEN_PID=" + std::to_string(getpid()));
  for (const auto& [k, v] : p.env_set) env.push_back(k + "=" + v);
  return env;
}

// runc CVE-2024-21626: nothing of jharden's may survive into the daemon. The LISTEN_FDS range
// stays open (without close-on-exec); everything else above 2 is closed at execve.
void seal_fds(const Context& c) {
  for (int fd = 3; fd < 3 + c.listen_fds; ++fd) fcntl(fd, F_SETFD, 0);
  if (close_range(static_cast<unsigned>(3 + c.listen_fds), ~0U, CLOSE_RANGE_CLOEXEC) != 0)
    fail_errno(kExitNamespace, "fds", "close_range");
}

void new_session() {
  // systemd already starts services as session leaders; setsid() then fails harmlessly.
  if (setsid() < 0 && getsid(0) != getpid()) fail_errno(kExitNamespace, "new_session", "setsid");
}

// Returns false when the message could not be sent (only a filter refusing write(2) can
// make that happen: the launcher holds the other end).
bool send_sync(Context& c, const char* msg, size_t len) {
  return !c.sync || write(c.sync.get(), msg, len) == static_cast<ssize_t>(len);
}

// The daemon's side, after the mounts: privileges, then exec. minijail's order: bounding
// set, ids, capabilities, no_new_privs, seccomp last, so the filter need not allow set-up.
[[noreturn]] void finish_and_exec(Context& c) {
  const Plan& p = c.plan;
  const bool seccomp_early = !p.no_new_privileges;  // needs CAP_SYS_ADMIN then
  drop_bounding_set(p.caps);
  if (seccomp_early) load_seccomp_filter(c.filter);
  change_identity(p.identity);
  set_final_capabilities(p.caps, p.identity.uid == 0);
  umask(p.umask);
  if (chdir(p.working_directory.c_str()) != 0)
    fail_errno(kExitChdir, "working_directory", "chdir " + p.working_directory);
  if (p.new_session) new_session();
  std::vector<std::string> env = daemon_environment(c);
  std::vector<char*> envp, argv;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = p.argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  // Before the filter, which may not allow rt_sigaction (an allow list without @signal).
  restore_signals(c.signal_mask);
  seal_fds(c);
  if (p.no_new_privileges) set_no_new_privileges();
  if (!seccomp_early) load_seccomp_filter(c.filter);
  if (c.options.verify) std::_Exit(run_probe(p, c.host, c.listen_fds));
  if (!send_sync(c, "R", 1))
    fail_errno(kExitSeccomp, "seccomp", "report the exec to jharden (the filter must allow write)");
  execve(argv[0], argv.data(), envp.data());
  int err = errno;
  char msg[1 + sizeof err];
  msg[0] = 'F';
  std::memcpy(msg + 1, &err, sizeof err);
  (void)send_sync(c, msg, sizeof msg);
  std::fprintf(stderr, "jharden: exec: execve %s: %s\n", argv[0], std::strerror(err));
  std::_Exit(kExitExec);
}

// Runs `step`, turning a StepError into its message and exit code (in a child: _exit).
template <typename F>
[[noreturn]] void child_main(F step) {
  try {
    step();
  } catch (const StepError& e) {
    std::fprintf(stderr, "jharden: %s\n", e.message.c_str());
    std::fflush(stderr);
    std::_Exit(e.code);
  }
  std::_Exit(kExitFailure);
}

// PID 1 of the new PID namespace: builds the view (procfs must be mounted from inside the
// namespace), forks the daemon, then keeps only CAP_KILL and supervises it.
[[noreturn]] void pid_init(Context& c) {
  child_main([&] {
    enter_namespaces(c);
    pid_t daemon = fork();
    if (daemon < 0) fail_errno(kExitNamespace, "pid", "fork");
    if (daemon == 0) child_main([&] { finish_and_exec(c); });
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
  child_main([&] {
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
  // The child has its copy; the launcher, which may stay in front for the daemon's whole
  // life, keeps none.
  for (auto& s : c.secrets) s.bytes.wipe();
  return child;
}

// Launcher (notify = exec or daemon): learn the daemon's pid and whether execve worked, tell
// systemd, exit 0 so that systemd tracks the daemon as the main process.
int launch_and_notify(Context& c) {
  int pair[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0)
    fail_errno(kExitNamespace, "notify", "socketpair");
  unique_fd mine(pair[0]);
  c.sync.reset(pair[1]);
  int one = 1;
  // The kernel attaches the daemon's pid to its message, translated into our PID namespace.
  if (setsockopt(mine.get(), SOL_SOCKET, SO_PASSCRED, &one, sizeof one) != 0)
    fail_errno(kExitNamespace, "notify", "SO_PASSCRED");
  pid_t child = fork_sandbox(c);
  c.sync.reset();
  auto child_failed = [&] {
    int status = 0;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    int code = exit_status_of(status);
    notify_failure(std::string("jharden: set-up failed with exit status ") + std::to_string(code) +
                       (exit_code_name(code)[0] ? std::string("/") + exit_code_name(code) : ""),
                   0);
    return code;
  };
  char buf[16];
  union {
    struct cmsghdr align;
    char data[CMSG_SPACE(sizeof(struct ucred))];
  } control{};
  struct iovec iov = {buf, sizeof buf};
  struct msghdr msg {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.data;
  msg.msg_controllen = sizeof control.data;
  ssize_t n;
  while ((n = recvmsg(mine.get(), &msg, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR) {
  }
  if (n <= 0 || buf[0] != 'R') return child_failed();
  pid_t daemon = 0;
  for (cmsghdr* cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm))
    if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_CREDENTIALS)
      daemon = reinterpret_cast<struct ucred*>(CMSG_DATA(cm))->pid;
  while ((n = read(mine.get(), buf, sizeof buf)) < 0 && errno == EINTR) {
  }
  if (n > 0) {  // "F" + errno: execve failed
    int err = 0;
    if (n >= static_cast<ssize_t>(1 + sizeof err)) std::memcpy(&err, buf + 1, sizeof err);
    notify_failure("jharden: execve " + c.plan.argv[0] + " failed: " + std::strerror(err), err);
    int status;
    waitpid(child, &status, 0);
    return kExitExec;
  }
  if (daemon <= 0) return child_failed();
  if (!notify_main_pid(daemon, c.plan.notify == NotifyMode::kExec)) return kExitFailure;
  return kExitSuccess;
}

}  // namespace

int run_sandbox(Loaded& loaded, const Plan& plan, const RunOptions& options) {
  Context c{plan, loaded.secrets, options, nullptr, {}, 0, {}, {}, {}};
  try {
    c.filter = build_seccomp_filter(plan.seccomp);
    c.listen_fds = listen_fd_count();
    c.host = record_host_facts();
    for (const auto& s : loaded.secrets)
      c.host.secret_sizes.emplace_back(s.name, s.bytes.data().size());
    const bool verify = options.verify;
    const NotifyMode notify = verify ? NotifyMode::kNone : plan.notify;
    if (notify != NotifyMode::kNone) {
      c.signal_mask = block_all_signals();
      int code = launch_and_notify(c);
      sigprocmask(SIG_SETMASK, &c.signal_mask, nullptr);
      return code;
    }
    // Without systemd: in place when possible; in front of a child when a PID namespace is
    // asked for, or when setsid() needs a process that is not a group leader (TIOCSTI).
    const bool group_leader = getpgrp() == getpid() && getsid(0) != getpid();
    if (plan.ns_pid || verify || (plan.new_session && group_leader)) {
      std::optional<Decoy> decoy;
      if (verify) decoy.emplace(plan.identity, loaded.secrets, c.host);
      c.signal_mask = block_all_signals();
      pid_t child = fork_sandbox(c);
      return supervise(child);
    }
    c.signal_mask = block_all_signals();
    enter_namespaces(c);
    finish_and_exec(c);
  } catch (const StepError& e) {
    std::fprintf(stderr, "jharden: %s\n", e.message.c_str());
    return e.code;
  }
}

}  // namespace jharden
