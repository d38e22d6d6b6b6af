#include "learn.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <set>
#include <string>
#include <vector>

#include "error.h"
#include "observer.h"
#include "proposal.h"
#include "topology.h"
#include "unique_fd.h"

namespace jharden {
namespace {

// Writes `text` to `path` through a temporary file and a rename, so that a reader (or a crash)
// never sees half a file.
bool write_atomically(const std::string& path, const std::string& text, std::string& error) {
  const std::string tmp = path + ".tmp";
  // A fresh file, never one planted there (a FIFO would block, a hard link would be truncated).
  unlink(tmp.c_str());
  unique_fd fd(open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644));
  size_t done = 0;
  while (fd && done < text.size()) {
    ssize_t n = write(fd.get(), text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  if (!fd || done != text.size() || fsync(fd.get()) != 0 ||
      rename(tmp.c_str(), path.c_str()) != 0) {
    error = "write " + path + ": " + std::strerror(errno);
    unlink(tmp.c_str());
    return false;
  }
  return true;
}

// `dir` (inside the sandbox's root `root`) without symlinks, following only those the daemon
// cannot have planted: owned by root, in a directory only root may write, and older than this
// run (`since`). A daemon that wrote in a directory of its own and then replaced it by a
// symlink to /etc must not have /etc proposed. Empty: `dir` is to be taken as written.
std::string trusted_canonical(const std::string& root, const std::string& dir, time_t since) {
  auto host = [&](const std::string& p) { return root == "/" ? p : root + p; };
  std::vector<std::string> parts;  // still to walk, last first
  auto push = [&](const std::string& path) {
    std::vector<std::string> add;
    size_t i = 0;
    while (i <= path.size()) {
      size_t j = path.find('/', i);
      if (j == std::string::npos) j = path.size();
      if (j > i) add.push_back(path.substr(i, j - i));
      i = j + 1;
    }
    parts.insert(parts.end(), add.rbegin(), add.rend());
  };
  push(dir);
  std::string done;  // resolved so far; "" is the root
  int links = 0;
  while (!parts.empty()) {
    std::string part = parts.back();
    parts.pop_back();
    if (part == ".") continue;
    if (part == "..") {
      done = done.substr(0, done.rfind('/') == std::string::npos ? 0 : done.rfind('/'));
      continue;
    }
    const std::string next = done + "/" + part;
    struct stat st, parent;
    if (lstat(host(next).c_str(), &st) != 0) return "";
    if (!S_ISLNK(st.st_mode)) {
      done = next;
      continue;
    }
    if (++links > 40 || lstat(host(done.empty() ? "/" : done).c_str(), &parent) != 0) return "";
    if (st.st_uid != 0 || parent.st_uid != 0 || (parent.st_mode & 022) != 0 ||
        st.st_ctim.tv_sec >= since)
      return "";
    char target[4096];
    ssize_t n = readlink(host(next).c_str(), target, sizeof target);
    if (n <= 0 || n == sizeof target) return "";
    std::string t(target, static_cast<size_t>(n));
    if (t[0] == '/') done.clear();
    push(t);
  }
  return done.empty() ? "/" : done;
}

// Whether `dir` (inside the sandbox's root `root`) holds only the top-level names of `own`.
bool only_holds(const std::string& root, const std::string& dir,
                const std::vector<std::string>& own) {
  std::set<std::string> names;
  for (const auto& n : own) names.insert(n.substr(0, n.find('/')));
  std::string host = root == "/" ? dir : root + dir;
  DIR* d = opendir(host.c_str());
  if (!d) return errno == ENOENT;
  bool only = true;
  while (dirent* e = readdir(d)) {
    std::string name = e->d_name;
    if (name != "." && name != ".." && !names.count(name)) only = false;
  }
  closedir(d);
  return only;
}

struct Learner {
  std::string file;
  const Policy& policy;
  const Plan& plan;
  Observations base;  // FILE.json's, from earlier runs
  Observations run;   // this run's path records
  std::unique_ptr<Observer> observer;
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  time_t started = time(nullptr);

  bool write_files(std::string& error) {
    Observations now = run;
    observer->add_counters(now);
    now.runs = 1;
    now.runs_without_capabilities = observer->observes_capabilities() ? 0 : 1;
    now.runs_with_checks = observer->observes_checks() ? 1 : 0;
    now.seconds = static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start)
            .count());
    Observations total = base;
    total.merge(now);
    ProposalContext context;
    const std::string root = plan.root;
    context.only_holds = [&](const std::string& dir, const std::vector<std::string>& own) {
      return only_holds(root, dir, own);
    };
    context.device = [&](const std::string& path) {
      struct stat st;
      return lstat((root == "/" ? path : root + path).c_str(), &st) == 0 &&
             (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode));
    };
    context.canonical = [&](const std::string& dir) {
      return trusted_canonical(root, dir, started);
    };
    context.stat = [&](const std::string& path) -> std::optional<struct stat> {
      struct stat st;
      if (::stat((root == "/" ? path : root + path).c_str(), &st) != 0) return std::nullopt;
      return st;
    };
    context.identity = identity_of;
    return write_atomically(file + ".json",
                            observations_to_json(total).dump(
                                1, ' ', false, nlohmann::json::error_handler_t::replace) +
                                "\n",
                            error) &&
           write_atomically(file, propose_drop_in(policy, plan, total, context), error);
  }
};

void report(int fd, const std::string& message) {
  (void)!write(fd, message.data(), message.size());
}

[[noreturn]] void learner_main(Learner& l, pid_t seed, int ready) {
  std::string error;
  // Held until the observer is gone: two runs never merge into the same record at once, and
  // whoever needs the final FILE (a script, a test) waits with flock(1) on it.
  const std::string lock = l.file + ".lock";
  unique_fd lock_fd(
      open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0644));
  if (!lock_fd || flock(lock_fd.get(), LOCK_EX | LOCK_NB) != 0) {
    report(ready, errno == EWOULDBLOCK ? "another jharden --learn is writing " + l.file
                                       : "lock " + lock + ": " + std::strerror(errno));
    std::_Exit(kExitFailure);
  }
  // FILE.json of earlier runs: merged, never overwritten by a record it could not read.
  // Not through a symlink: where FILE lives may be writable by the daemon of an earlier run.
  const std::string record = l.file + ".json";
  // Nor a FIFO or a device planted there: the open and the read would block the daemon's start.
  unique_fd in(open(record.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
  if (!in && errno != ENOENT) {
    report(ready, "open " + record + ": " + std::strerror(errno));
    std::_Exit(kExitFailure);
  }
  struct stat record_st;
  if (in && (fstat(in.get(), &record_st) != 0 || !S_ISREG(record_st.st_mode))) {
    report(ready, record + ": not a regular file");
    std::_Exit(kExitFailure);
  }
  // Its paths become read_write lines: a record someone else wrote (the daemon's user, where
  // FILE lives) is not evidence. As for the policy files: owned by the user running jharden,
  // writable by no one else.
  if (in && (record_st.st_uid != geteuid() || (record_st.st_mode & 022) != 0)) {
    report(ready, record + ": owned by uid " + std::to_string(record_st.st_uid) +
                      " or writable by group or others: not taken as this jharden's record");
    std::_Exit(kExitFailure);
  }
  if (in) {
    std::string text;
    char buf[65536];
    ssize_t n;
    while ((n = read(in.get(), buf, sizeof buf)) > 0) text.append(buf, static_cast<size_t>(n));
    // Never the parser's message: it would quote what it read.
    nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded() || !observations_from_json(j, l.base, error)) {
      report(ready, record + ": " + (error.empty() ? "not JSON" : error));
      std::_Exit(kExitFailure);
    }
  }
  l.observer = Observer::start(error);
  if (!l.observer) {
    report(ready, "cannot observe: " + error);
    std::_Exit(kExitFailure);
  }
  l.observer->set_fallback_cwd(l.plan.working_directory);
  unique_fd pidfd(static_cast<int>(syscall(SYS_pidfd_open, seed, 0)));
  if (!pidfd || !l.observer->track(seed, false, error)) {
    report(ready, "follow PID " + std::to_string(seed) + ": " +
                      (error.empty() ? std::strerror(errno) : error));
    std::_Exit(kExitFailure);
  }
  // A first FILE now: an unwritable place is reported before the daemon starts.
  if (!l.write_files(error)) {
    report(ready, error);
    std::_Exit(kExitFailure);
  }
  close(ready);
  // Signals stay blocked (as jharden blocked them): a stop of the service (SIGTERM to every
  // process of the unit) or ^C writes FILE at once, and the observer goes on until the daemon
  // is gone, so that its shutdown is observed too.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGHUP);
  unique_fd sigfd(signalfd(-1, &stop, SFD_CLOEXEC));
  auto on_path = [&](const PathEvent& e) { l.run.add(e); };
  auto next = std::chrono::steady_clock::now() + std::chrono::seconds(kLearnIntervalSec);
  // Once the followed process is gone, the observer stays while any process of the daemon
  // lives: a daemon that forks into the background (memcached -d, Type=forking) goes on
  // after the process jharden became has exited.
  bool seed_gone = false;
  // Any SIGTERM to the main process is seen, its own ones included: a daemon sending them in a
  // loop must not have FILE and its proposal rewritten at each. One write a second at most; a
  // stop asked sooner is written when the second is over.
  constexpr auto kStopWriteGap = std::chrono::seconds(1);
  bool stop_pending = false;
  auto stop_written = std::chrono::steady_clock::now() - kStopWriteGap;
  for (;;) {
    pollfd fds[3] = {{l.observer->event_fd(), POLLIN, 0},
                     {sigfd.get(), POLLIN, 0},
                     {seed_gone ? -1 : pidfd.get(), POLLIN, 0}};
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    next - std::chrono::steady_clock::now())
                    .count();
    if (seed_gone) left = std::min<long long>(left, 200);
    if (stop_pending)
      left = std::min<long long>(
          left, std::chrono::ceil<std::chrono::milliseconds>(stop_written + kStopWriteGap -
                                                             std::chrono::steady_clock::now())
                    .count());
    int n = poll(fds, 3, static_cast<int>(std::max<long long>(left, 0)));
    if (n < 0 && errno != EINTR) break;
    l.observer->drain(on_path);
    // A stop asked of the daemon (systemd's SIGTERM to the main process) writes FILE at once:
    // under KillMode=mixed the observer is killed as soon as the main process has exited.
    const auto now = std::chrono::steady_clock::now();
    stop_pending = l.observer->take_stop_signal() || stop_pending;
    bool write_now = now >= next;
    if (stop_pending && now >= stop_written + kStopWriteGap) {
      write_now = true;
      stop_pending = false;
      stop_written = now;
    }
    if (n > 0 && (fds[1].revents & POLLIN)) {
      signalfd_siginfo si;
      (void)!read(sigfd.get(), &si, sizeof si);
      write_now = true;
    }
    if (n > 0 && (fds[2].revents & POLLIN)) seed_gone = true;
    if (seed_gone && l.observer->followed() == 0) break;
    if (write_now) {
      if (!l.write_files(error)) std::fprintf(stderr, "jharden: learn: %s\n", error.c_str());
      next = std::chrono::steady_clock::now() + std::chrono::seconds(kLearnIntervalSec);
    }
  }
  l.observer->drain(on_path);
  if (!l.write_files(error)) {
    std::fprintf(stderr, "jharden: learn: %s\n", error.c_str());
    std::_Exit(kExitFailure);
  }
  std::fprintf(stderr, "jharden: learn: wrote %s (and %s.json)\n", l.file.c_str(), l.file.c_str());
  (void)lock_fd.release();  // released by the exit, after everything is written
  std::_Exit(kExitSuccess);
}

}  // namespace

void start_learner(const std::string& file, const Policy& policy, const Plan& plan,
                   std::vector<Secret>& secrets) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) fail_errno(kExitFailure, "learn", "pipe2");
  unique_fd read_end(fds[0]), write_end(fds[1]);
  const pid_t seed = getpid();
  if (fork_detached(kExitFailure, "learn", "the observer")) {
    wipe_secrets(secrets);
    // Nothing of jharden's but the report pipe: the observer outlives every set-up step.
    const int keep = write_end.get();
    if (keep > 3) close_range(3, static_cast<unsigned>(keep) - 1, 0);
    close_range(static_cast<unsigned>(keep) + 1, ~0U, 0);
    Learner l{file, policy, plan, {}, {}, nullptr};
    learner_main(l, seed, keep);
  }
  write_end.reset();
  // The observer closes its end once it follows this process; a message before that is why
  // it could not.
  std::string message;
  char buf[512];
  ssize_t n;
  while ((n = read(read_end.get(), buf, sizeof buf)) != 0) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    message.append(buf, static_cast<size_t>(n));
  }
  if (!message.empty()) fail(kExitFailure, "learn", message);
}

}  // namespace jharden
