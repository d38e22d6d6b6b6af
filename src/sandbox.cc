#include "sandbox.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <utility>

#include "error.h"
#include "exec_channel.h"
#include "learn.h"
#include "notify.h"
#include "privileges.h"
#include "seccomp_filter.h"
#include "setup.h"
#include "startup.h"
#include "supervise.h"
#include "topology.h"
#include "unique_fd.h"
#include "verify.h"

namespace jharden {

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
  SetupContext c{
      plan, loaded.secrets, options, read_caller_sandbox(), nullptr, {}, 0, {}, {}, {}, {}, {}, {}};
  try {
    std::string warning = caller_sandbox_warning(c.caller);
    if (!warning.empty()) std::fprintf(stderr, "jharden: %s\n", warning.c_str());
    if (!options.inherited.error.empty()) fail(kExitFds, "fds", options.inherited.error);
    if (std::string e = disown_descriptors(3 + options.inherited.listen_fds); !e.empty())
      fail(kExitFds, "fds", e);
    check_kept_capabilities(loaded.policy.cap_keep);
    c.listen_fds = options.inherited.listen_fds;
    c.filter = build_seccomp_filter(plan.seccomp);
    if (options.verify) {
      // What the probe compares against, recorded on the host before any namespace change;
      // a plain start reads none of it.
      c.host = record_host_facts();
      record_mount_facts(plan, c.host);
      for (const auto& s : loaded.secrets)
        c.host.secret_sizes.emplace_back(s.name, s.bytes.data().size());
    }
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
    note_online_cpus();
    if (options.complain) start_complain_observer(c);
    // Before the first fork of the sandbox, so that every process of it is followed.
    if (!options.learn_file.empty())
      start_learner(options.learn_file, loaded.policy, plan, loaded.secrets);
    if (in_front) {
      const int status = run_in_front(c, notify);
      decoy.reset();  // ended and reaped
      // Nothing else of jharden's needs an end: its memory, a copy the sandbox shares until
      // exit, would only be copied back page by page to be freed object by object.
      std::fflush(nullptr);
      std::_Exit(status);
    }
    if (notify == NotifyMode::kExec && getenv("NOTIFY_SOCKET")) start_ready_helper(c);
    contain(c);
  } catch (const StepError& e) {
    report_step_error(c, e);
    send_setup_failure(c.sync.get(), e.code);
    return e.code;
  }
}

}  // namespace jharden
