#include "topology.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "complain.h"
#include "error.h"
#include "exec.h"
#include "exec_channel.h"
#include "seccomp_filter.h"
#include "secrets.h"
#include "supervise.h"
#include "unique_fd.h"

namespace jharden {
namespace {

// The helper's side: waits for the outcome of the exec and reports it.
[[noreturn]] void ready_helper(SetupContext& c, int channel, pid_t main_pid) {
  wipe_secrets(c.secrets);
  try {
    // The writer's end too: the end of file must come from the daemon's execve alone.
    close_from(3, {channel});
  } catch (...) {
    std::_Exit(kExitFailure);
  }
  // A stop of the unit while it waits ends it like any process of the unit.
  sigprocmask(SIG_SETMASK, &c.signal_mask, nullptr);
  tell_systemd(read_outcome(channel), main_pid, c.plan.argv[0]);
  report_done(channel);
  std::_Exit(kExitSuccess);
}

// How many CPUs are online, read on the host by note_online_cpus(); 0: unknown.
int online_cpus = 0;

}  // namespace

void note_online_cpus() { online_cpus = get_nprocs(); }

pid_t fork_here(unsigned long clone_flags) {
  // Only a caller that may run on every online CPU is held: given back "every CPU" afterwards
  // (all bits set), its requested set stays unrestricted, so its CPU set still follows its
  // cpuset and CPUs that come online, as before. A caller held to fewer CPUs (taskset,
  // CPUAffinity=, a cpuset) forks as it is.
  cpu_set_t given, here;
  const int cpu = sched_getcpu();
  bool held = false;
  if (online_cpus > 0 && cpu >= 0 && sched_getaffinity(0, sizeof given, &given) == 0 &&
      CPU_COUNT(&given) == online_cpus) {
    CPU_ZERO(&here);
    CPU_SET(cpu, &here);
    held = sched_setaffinity(0, sizeof here, &here) == 0;
  }
  // The C library's fork() where it can: it keeps its own state right in the child.
  const pid_t pid = clone_flags == 0
                        ? fork()
                        : static_cast<pid_t>(syscall(SYS_clone, clone_flags | SIGCHLD, nullptr,
                                                     nullptr, nullptr, nullptr));
  const int fork_errno = errno;
  cpu_set_t every;
  if (held) std::memset(&every, 0xff, sizeof every);
  if (held && sched_setaffinity(0, sizeof every, &every) != 0) {
    // Cannot happen short of an empty cpuset; never run anything held to one CPU.
    std::fprintf(stderr, "jharden: namespaces: give the CPU set back: %s\n", std::strerror(errno));
    std::_Exit(kExitNamespace);
  }
  errno = fork_errno;
  return pid;
}

bool fork_detached(int code, const std::string& step, const std::string& what) {
  pid_t middle = fork_here();
  if (middle < 0) fail_errno(code, step, "fork " + what);
  if (middle == 0) {
    pid_t child = fork_here();
    if (child != 0) std::_Exit(child < 0 ? kExitFailure : kExitSuccess);
    return true;
  }
  int status = 0;
  while (waitpid(middle, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) fail(code, step, "fork " + what + ": failed");
  return false;
}

// notify = exec in place: READY=1 may only be sent once execve has succeeded, which the
// process that becomes the daemon cannot report afterwards. A helper forked now, before the
// mount namespace can hide $NOTIFY_SOCKET's path, waits on the exec channel and tells
// systemd on behalf of the main process (this one), so that NotifyAccess=main suffices. It is
// double-forked so that it is never the daemon's child (the daemon would see it in its
// wait() calls).
void start_ready_helper(SetupContext& c) {
  unique_fd read_end = open_exec_channel(c.sync);
  const pid_t main_pid = getpid();
  if (fork_detached(kExitNamespace, "notify", "the readiness helper"))
    ready_helper(c, read_end.get(), main_pid);
}

// --complain: the observer, forked before the mount namespace so that it sees the daemon's
// /proc from the host, and double-forked so that it is never the daemon's child, nor the one
// jharden in front waits for. It gets the filter's listener once the filter is loaded.
void start_complain_observer(SetupContext& c) {
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) != 0)
    fail_errno(kExitSeccomp, "complain", "socketpair");
  unique_fd observer_end(fds[0]);
  c.complain.reset(fds[1]);
  const pid_t seed = getpid();
  if (fork_detached(kExitSeccomp, "complain", "the observer")) {
    wipe_secrets(c.secrets);
    c.complain.reset();
    c.sync.reset();
    c.tty.reset();
    try {
      close_from(3, {observer_end.get()});
    } catch (const StepError&) {
      std::_Exit(kExitFailure);
    }
    prctl(PR_SET_NAME, "jharden-complain", 0, 0, 0);
    run_complain_observer(c.plan, observer_end.get(), seed);
    std::_Exit(kExitSuccess);
  }
  // Whether the observer follows the path calls itself (BPF), or needs the filter for them;
  // once it has said so, it follows this process and all it forks.
  char mode = 0;
  ssize_t n;
  while ((n = read(c.complain.get(), &mode, 1)) < 0 && errno == EINTR) {
  }
  if (n != 1) fail(kExitSeccomp, "complain", "start the observer: it ended");
  c.complain_paths = mode != kComplainBpf;
}

// The daemon died of SIGSYS: with action = kill, the filter killed it.
void report_sigsys(const SeccompPlan& seccomp) {
  if (seccomp.action != SeccompAction::kKill) return;
  std::fprintf(stderr, "jharden: the daemon was killed by the seccomp filter (SIGSYS, %s)\n",
               seccomp.action_blame.str().c_str());
  std::fflush(stderr);
}

namespace {

// action = kill: the kernel's audit record of the kill names the call, and only the kernel
// log has it (the siginfo of a fatal SIGSYS reaches no one). Opened before the daemon starts,
// at the end of the log, so that only records of this run are read.
unique_fd open_kernel_log(const Plan& plan, bool verify) {
  if (verify || !plan.seccomp.enabled || plan.seccomp.action != SeccompAction::kKill) return {};
  unique_fd kmsg(open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  if (kmsg) (void)lseek(kmsg.get(), 0, SEEK_END);
  return kmsg;
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

pid_t fork_sandbox(SetupContext& c) {
  // With a PID namespace, a fork-like clone puts only this child in it: jharden itself stays
  // able to create ordinary children (unshare(CLONE_NEWPID) would change that for good).
  pid_t child = fork_here(c.plan.ns_pid ? CLONE_NEWPID : 0);
  if (child < 0) fail_errno(kExitNamespace, "namespaces", "fork");
  if (child == 0) contain_in_child(c);
  // The child has its copy; jharden, which stays in front for the daemon's whole life,
  // keeps none.
  wipe_secrets(c.secrets);
  return child;
}

}  // namespace

// jharden in front (pid = yes, §6): the main process systemd tracks, it reports the exec,
// forwards every signal to the daemon (through the init) and exits with the daemon's status.
int run_in_front(SetupContext& c, NotifyMode notify) {
  unique_fd kmsg = open_kernel_log(c.plan, c.options.verify);
  unique_fd read_end = open_exec_channel(c.sync);
  pid_t child = fork_sandbox(c);
  c.sync.reset();
  c.complain.reset();
  // Signals stay blocked meanwhile; supervise() forwards those that arrived.
  ExecOutcome outcome = read_outcome(read_end.get());
  if (notify == NotifyMode::kExec) tell_systemd(outcome, getpid(), c.plan.argv[0]);
  report_done(read_end.get());
  read_end.reset();
  // Known from the exec mark itself: the daemon may be dead and reaped before this line.
  const pid_t daemon = outcome.executed ? outcome.daemon_pid : 0;
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

}  // namespace jharden
