// --complain's observer: reads the filter's notifications, says which policy line would have
// refused each call, and lets it through. It runs outside the sandbox, in the host's mount
// namespace, so that /proc/PID/mem, cwd and fd name the daemon's memory and directories.
#include <fcntl.h>
#include <poll.h>
#include <seccomp.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "complain.h"
#include "error.h"
#include "observer.h"
#include "unique_fd.h"

namespace jharden {

std::string join_normalized(std::string_view base, std::string_view path) {
  std::string joined =
      path.starts_with("/") ? std::string(path) : std::string(base) + "/" + std::string(path);
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= joined.size()) {
    size_t end = joined.find('/', start);
    if (end == std::string::npos) end = joined.size();
    std::string part = joined.substr(start, end - start);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    start = end + 1;
  }
  std::string out;
  for (const auto& p : parts) out += "/" + p;
  return out.empty() ? "/" : out;
}

void send_listener(int channel, int listener) {
  char byte = 'L';
  iovec iov{&byte, 1};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(c), &listener, sizeof(int));
  if (sendmsg(channel, &msg, MSG_NOSIGNAL) != 1)
    fail_errno(kExitSeccomp, "complain", "hand the filter's listener to the observer");
}

namespace {

unique_fd receive_listener(int channel) {
  char byte;
  iovec iov{&byte, 1};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n;
  while ((n = recvmsg(channel, &msg, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR) {
  }
  if (n != 1) return unique_fd();  // the set-up failed before the filter: nothing to observe
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  if (!c || c->cmsg_type != SCM_RIGHTS) return unique_fd();
  int fd;
  std::memcpy(&fd, CMSG_DATA(c), sizeof fd);
  return unique_fd(fd);
}

std::string read_text(const std::string& path) {
  unique_fd f(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!f) return "";
  char buf[256];
  ssize_t n = read(f.get(), buf, sizeof buf - 1);
  if (n <= 0) return "";
  std::string s(buf, static_cast<size_t>(n));
  while (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

std::string read_link(const std::string& path) {
  char buf[4096];
  ssize_t n = readlink(path.c_str(), buf, sizeof buf);
  if (n <= 0 || n == sizeof buf) return "";
  return std::string(buf, static_cast<size_t>(n));
}

// A NUL-terminated string of the daemon's memory (at most PATH_MAX).
std::optional<std::string> read_string(int mem, uint64_t address) {
  if (address == 0) return std::nullopt;
  std::string s;
  char buf[256];
  while (s.size() < 4096) {
    ssize_t n = pread(mem, buf, sizeof buf, static_cast<off_t>(address + s.size()));
    if (n <= 0) return std::nullopt;
    const char* end = static_cast<const char*>(std::memchr(buf, 0, static_cast<size_t>(n)));
    if (end) return s + std::string(buf, static_cast<size_t>(end - buf));
    s.append(buf, static_cast<size_t>(n));
  }
  return std::nullopt;
}

class Complainer {
 public:
  explicit Complainer(const Plan& plan) : plan_(plan) {}

  // A path call that failed, as the BPF observer saw it: logged when the plan explains it.
  void handle(const PathFailure& f) {
    const FsAccess access = path_op_writes(f.event.op) ? FsAccess::kWrite : FsAccess::kRead;
    auto r = attribute_path(plan_, f.event.path, access);
    // Only what the view explains: root reads below an inaccessible directory as ENOENT (an
    // empty file system), any other error is the file's own business.
    if (!r || (r->error != f.error && !(r->error == EACCES && f.error == ENOENT))) return;
    std::string call = f.syscall + "(\"" + escape_text(f.event.path) + "\"";
    if (f.syscall == "open" || f.syscall == "openat" || f.syscall == "openat2")
      call += ", " + open_flags_text(f.flags);
    std::string comm = escape_text(f.comm);
    log(complain_line(comm.empty() ? "?" : comm, f.event.pid, call + ")", r->reason, r->blame));
  }

  void handle(const seccomp_notif& req) {
    char* resolved = seccomp_syscall_resolve_num_arch(req.data.arch, req.data.nr);
    std::string name = resolved ? resolved : "syscall " + std::to_string(req.data.nr);
    free(resolved);
    const std::string proc = "/proc/" + std::to_string(req.pid);
    // The daemon chooses its comm and its paths: escaped, they cannot forge a log line.
    std::string comm = escape_text(read_text(proc + "/comm"));
    if (comm.empty()) comm = "?";
    uint64_t args[6];
    for (int i = 0; i < 6; ++i) args[i] = req.data.args[i];
    const WatchedPathCall* watched = nullptr;
    for (const auto& w : watched_path_calls())
      if (name == w.name) watched = &w;
    const bool refused =
        plan_.seccomp.refuses(name) || suid_sgid_refuses(plan_.seccomp, name, args);
    if (!watched || refused) {
      char text[160];
      std::snprintf(text, sizeof text, "%s(%#llx, %#llx, %#llx, ...)", name.c_str(),
                    static_cast<unsigned long long>(args[0]),
                    static_cast<unsigned long long>(args[1]),
                    static_cast<unsigned long long>(args[2]));
      log(complain_line(comm, static_cast<int>(req.pid), text, "refused",
                        seccomp_blame(plan_.seccomp, name)));
    }
    if (!watched) return;
    unique_fd mem(open((proc + "/mem").c_str(), O_RDONLY | O_CLOEXEC));
    if (!mem) return;
    auto path_of = [&](int dirfd_arg, int path_arg) -> std::optional<std::string> {
      uint64_t name_at = args[path_arg];
      if (watched->sockaddr) {
        sa_family_t family = 0;
        if (pread(mem.get(), &family, sizeof family, static_cast<off_t>(name_at)) !=
                static_cast<ssize_t>(sizeof family) ||
            family != AF_UNIX)
          return std::nullopt;
        name_at += offsetof(sockaddr_un, sun_path);
      }
      auto p = read_string(mem.get(), name_at);
      // The kernel takes only the first addrlen bytes (the next argument) as the name.
      if (p && watched->sockaddr) {
        const uint64_t len = args[path_arg + 1];
        if (len <= offsetof(sockaddr_un, sun_path)) return std::nullopt;
        p->resize(std::min<uint64_t>(p->size(), len - offsetof(sockaddr_un, sun_path)));
      }
      if (!p || (watched->sockaddr && p->empty())) return std::nullopt;  // abstract socket
      if (p->starts_with("/")) return join_normalized("/", *p);
      const int dirfd = dirfd_arg < 0 ? AT_FDCWD : static_cast<int>(args[dirfd_arg]);
      std::string base =
          read_link(dirfd == AT_FDCWD ? proc + "/cwd" : proc + "/fd/" + std::to_string(dirfd));
      if (!base.starts_with("/")) return std::nullopt;
      return join_normalized(base, *p);
    };
    FsAccess access = watched->access;
    std::string flags;
    if (name == "open" || name == "openat") {
      const uint64_t f = args[name == "open" ? 1 : 2];
      if (open_flags_write(f)) access = FsAccess::kWrite;
      flags = ", " + open_flags_text(f);
    }
    auto report = [&](const std::string& path, FsAccess a) {
      auto r = attribute_path(plan_, path, a);
      if (!r) return;
      log(complain_line(comm, static_cast<int>(req.pid),
                        name + "(\"" + escape_text(path) + "\"" + flags + ")", r->reason,
                        r->blame));
    };
    if (auto p = path_of(watched->dirfd_arg, watched->path_arg)) report(*p, access);
    if (watched->second_path_arg >= 0)
      if (auto p = path_of(watched->second_dirfd_arg, watched->second_path_arg))
        report(*p, FsAccess::kWrite);
  }

 private:
  void log(const std::string& line) { log_.log(line); }

  const Plan& plan_;
  ComplaintLog log_{stderr};
};

}  // namespace

void ComplaintLog::log(const std::string& line) {
  // "comm[pid]: what": the pid aside, the same refusal of another process is the same line.
  const size_t pid_end = line.find("]: ");
  std::string key = pid_end == std::string::npos ? line : line.substr(pid_end);
  if (seen_.contains(key)) return;
  if (seen_.size() >= limit_) {
    if (dropped_++ == 0)
      std::fprintf(out_,
                   "jharden: complain: %zu distinct complaints logged; further ones are counted, "
                   "not logged\n",
                   limit_);
    std::fflush(out_);
    return;
  }
  seen_.insert(std::move(key));
  std::fprintf(out_, "jharden: complain: %s\n", line.c_str());
  std::fflush(out_);
}

ComplaintLog::~ComplaintLog() {
  if (dropped_ == 0) return;
  std::fprintf(out_, "jharden: complain: %zu further complaints not logged\n", dropped_);
  std::fflush(out_);
}

void run_complain_observer(const Plan& plan, int channel, pid_t seed) {
  // The BPF observer sees what a call really got, at no cost to the calls that succeed; without
  // it (no BTF, no CAP_BPF) the filter notifies the path calls and the plan predicts.
  std::string error;
  std::unique_ptr<Observer> bpf = Observer::start(error, /*failures=*/true, /*capabilities=*/false);
  if (bpf && !bpf->track(seed, false, error)) bpf.reset();
  if (bpf) bpf->set_fallback_cwd(plan.working_directory);
  if (!bpf)
    std::fprintf(stderr,
                 "jharden: complain: no BPF observer (%s): the filter notifies the path calls "
                 "instead\n",
                 error.c_str());
  const char mode = bpf ? kComplainBpf : kComplainSeccomp;
  if (send(channel, &mode, 1, MSG_NOSIGNAL) != 1) return;
  unique_fd listener = receive_listener(channel);
  if (!listener) return;
  seccomp_notif* req = nullptr;
  seccomp_notif_resp* resp = nullptr;
  if (seccomp_notify_alloc(&req, &resp) != 0) {
    std::fprintf(stderr, "jharden: complain: cannot allocate notification buffers\n");
    return;
  }
  std::unique_ptr<seccomp_notif, void (*)(seccomp_notif*)> req_owner(
      req, [](seccomp_notif* r) { seccomp_notify_free(r, nullptr); });
  std::unique_ptr<seccomp_notif_resp, void (*)(seccomp_notif_resp*)> resp_owner(
      resp, [](seccomp_notif_resp* r) { seccomp_notify_free(nullptr, r); });
  Complainer observer(plan);
  auto drain = [&] {
    if (bpf) bpf->drain([](const PathEvent&) {}, [&](const PathFailure& f) { observer.handle(f); });
  };
  for (;;) {
    pollfd p[2] = {{listener.get(), POLLIN, 0}, {bpf ? bpf->event_fd() : -1, POLLIN, 0}};
    int n = poll(p, bpf ? 2 : 1, -1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    drain();
    // POLLHUP: every process under the filter is gone.
    if (!(p[0].revents & POLLIN)) {
      if (p[0].revents) break;
      continue;
    }
    std::memset(req, 0, sizeof *req);
    // ENOENT: the caller died (or was interrupted) in between; anything else is for good.
    if (int rc = seccomp_notify_receive(listener.get(), req); rc != 0) {
      if (rc == -ENOENT || rc == -EINTR) continue;
      std::fprintf(stderr, "jharden: complain: receive a notification: %s\n", std::strerror(-rc));
      break;
    }
    observer.handle(*req);
    // Whatever happened above, the call goes on: under --complain nothing is refused.
    std::memset(resp, 0, sizeof *resp);
    resp->id = req->id;
    resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
    (void)seccomp_notify_respond(listener.get(), resp);
  }
  drain();
}

}  // namespace jharden
