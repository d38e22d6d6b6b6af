#include "observer.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <seccomp.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string_view>
#include <vector>

#include "cap_inference.h"
#include "cap_names.h"
#include "identity.h"
#include "observe.skel.h"
#include "observe_events.h"
#include "policy.h"
#include "seccomp_names.h"

namespace jharden {
namespace {

constexpr const char* kOpNames[] = {"create",    "mkdir", "unlink",  "rmdir",    "rename-from",
                                    "rename-to", "link",  "symlink", "truncate", "write",
                                    "read",      "exec",  "bind"};

// The last message libbpf printed, for the error of a failed start (libbpf's own output would
// otherwise go to the daemon's journal in pieces).
std::string& libbpf_message() {
  static std::string message;
  return message;
}

int collect_libbpf_message(enum libbpf_print_level level, const char* format, va_list args) {
  if (level == LIBBPF_DEBUG) return 0;
  char line[512];
  int n = std::vsnprintf(line, sizeof line, format, args);
  std::string text(line);
  while (!text.empty() && text.back() == '\n') text.pop_back();
  if (!text.empty()) libbpf_message() = text;
  return n;
}

// "/proc/1234/status" of the observed process itself -> "/proc/self/status"; of another
// process -> "/proc/PID/status"; a thread's "/proc/self/task/1240" -> "/proc/self/task/TID".
std::string normalize_proc(const std::string& path, pid_t pid) {
  if (!path.starts_with("/proc/")) return path;
  size_t start = 6, end = path.find('/', start);
  std::string_view part = std::string_view(path).substr(start, end - start);
  if (part.empty() || part.find_first_not_of("0123456789") != std::string_view::npos) return path;
  std::string rest = end == std::string::npos ? "" : path.substr(end);
  std::string head = part == std::to_string(pid) ? "/proc/self" : "/proc/PID";
  if (rest.starts_with("/task/")) {
    size_t e2 = rest.find('/', 6);
    std::string_view tid = std::string_view(rest).substr(6, e2 - 6);
    if (!tid.empty() && tid.find_first_not_of("0123456789") == std::string_view::npos)
      rest = "/task/TID" + (e2 == std::string::npos ? std::string() : rest.substr(e2));
  }
  return head + rest;
}

// "/a/./b/../c" -> "/a/c": the kernel resolved the path the same way, symlinks aside.
std::string normalize_lexically(const std::string& path) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    std::string part = path.substr(i, j - i);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    i = j + 1;
  }
  std::string out;
  for (const auto& p : parts) out += "/" + p;
  return out.empty() ? "/" : out;
}

void add_counts(std::map<std::string, uint64_t>& into,
                const std::map<std::string, uint64_t>& from) {
  for (const auto& [k, v] : from) into[k] += v;
}

}  // namespace

const char* path_op_name(PathOp op) { return kOpNames[static_cast<int>(op)]; }

bool path_op_writes(PathOp op) { return op != PathOp::kRead && op != PathOp::kExec; }

void Observations::add(const PathEvent& e) {
  std::string path = e.path;
  // d_path() of an entry already removed.
  constexpr std::string_view kDeleted = " (deleted)";
  if (path.ends_with(kDeleted)) path.resize(path.size() - kDeleted.size());
  if (path.empty() || path[0] != '/') return;  // pipes, sockets, anonymous files
  std::string key = normalize_proc(path, e.pid);
  if (paths.size() >= kMaxPaths && !paths.count(key)) {
    ++lost;
    return;
  }
  ++paths[key][path_op_name(e.op)];
}

void Observations::merge(const Observations& o) {
  runs += o.runs;
  runs_without_capabilities += o.runs_without_capabilities;
  runs_with_checks += o.runs_with_checks;
  seconds += o.seconds;
  add_counts(syscalls, o.syscalls);
  add_counts(capabilities, o.capabilities);
  add_counts(privileged_calls, o.privileged_calls);
  add_counts(held_capabilities, o.held_capabilities);
  add_counts(identities, o.identities);
  for (const auto& [name, groups] : o.identity_groups)
    identity_groups[name].insert(groups.begin(), groups.end());
  add_counts(checked_capabilities, o.checked_capabilities);
  add_counts(address_families, o.address_families);
  add_counts(namespaces, o.namespaces);
  write_execute += o.write_execute;
  exec_gain += o.exec_gain;
  realtime += o.realtime;
  personality += o.personality;
  lost += o.lost;
  for (const auto& [path, ops] : o.paths) {
    if (paths.size() >= kMaxPaths && !paths.count(path)) {
      ++lost;
      continue;
    }
    add_counts(paths[path], ops);
  }
}

nlohmann::json observations_to_json(const Observations& o) {
  return nlohmann::json{{"format", "jharden-learn 1"},
                        {"runs", o.runs},
                        {"runs_without_capabilities", o.runs_without_capabilities},
                        {"seconds", o.seconds},
                        {"syscalls", o.syscalls},
                        {"capabilities", o.capabilities},
                        {"privileged_calls", o.privileged_calls},
                        {"held_capabilities", o.held_capabilities},
                        {"identities", o.identities},
                        {"identity_groups", o.identity_groups},
                        {"runs_with_checks", o.runs_with_checks},
                        {"checked_capabilities", o.checked_capabilities},
                        {"address_families", o.address_families},
                        {"namespaces", o.namespaces},
                        {"write_execute", o.write_execute},
                        {"exec_gain", o.exec_gain},
                        {"realtime", o.realtime},
                        {"personality", o.personality},
                        {"lost", o.lost},
                        {"paths", o.paths}};
}

bool observations_from_json(const nlohmann::json& j, Observations& o, std::string& error) {
  try {
    if (!j.is_object() || j.value("format", "") != "jharden-learn 1") {
      error = "not a jharden --learn record (no \"format\": \"jharden-learn 1\")";
      return false;
    }
    Observations r;
    r.runs = j.at("runs").get<uint64_t>();
    r.runs_without_capabilities = j.at("runs_without_capabilities").get<uint64_t>();
    r.seconds = j.at("seconds").get<uint64_t>();
    r.syscalls = j.at("syscalls").get<std::map<std::string, uint64_t>>();
    r.capabilities = j.at("capabilities").get<std::map<std::string, uint64_t>>();
    // Absent from the records of earlier versions.
    r.privileged_calls = j.value("privileged_calls", std::map<std::string, uint64_t>{});
    r.held_capabilities = j.value("held_capabilities", std::map<std::string, uint64_t>{});
    r.identities = j.value("identities", std::map<std::string, uint64_t>{});
    r.identity_groups = j.value("identity_groups", std::map<std::string, std::set<std::string>>{});
    r.runs_with_checks = j.value("runs_with_checks", uint64_t{0});
    r.checked_capabilities = j.value("checked_capabilities", std::map<std::string, uint64_t>{});
    r.address_families = j.at("address_families").get<std::map<std::string, uint64_t>>();
    r.namespaces = j.at("namespaces").get<std::map<std::string, uint64_t>>();
    r.write_execute = j.at("write_execute").get<uint64_t>();
    r.exec_gain = j.at("exec_gain").get<uint64_t>();
    r.realtime = j.at("realtime").get<uint64_t>();
    r.personality = j.at("personality").get<uint64_t>();
    r.lost = j.at("lost").get<uint64_t>();
    r.paths = j.at("paths").get<std::map<std::string, std::map<std::string, uint64_t>>>();
    o = std::move(r);
    return true;
  } catch (const nlohmann::json::exception& e) {
    error = std::string("malformed record: ") + e.what();
    return false;
  }
}

struct Observer::Impl {
  observe* skel = nullptr;
  ring_buffer* ring = nullptr;
  bool capabilities = true;
  bool checks = false;     // the cap_capable tracepoint, where the fexit program is refused
  uint64_t truncated = 0;  // path records dropped: the name was cut, or its base unknown
  bool stop_signalled = false;
  std::string fallback_cwd = "/";
  std::function<void(const PathEvent&)> on_path;
  std::function<void(const PathFailure&)> on_failure;

  // A relative path of process `tgid`, against its descriptor or working directory as
  // /proc shows them now (in its own mount namespace's terms); the daemon's starting directory
  // when the process is already gone.
  // `guess`: without the program's base, the directory as /proc shows it when the record is
  // read (for reads and executions only: a daemon that wrote "f" in a directory the program
  // could not name, then moved to /usr/share before the record was read, would have
  // /usr/share/f written; such a write is dropped and counted as lost instead).
  std::string resolve(pid_t tgid, int dfd, const char* raw, const char* known, size_t max,
                      bool guess) {
    std::string path(raw, strnlen(raw, max));
    // The program copies at most max - 1 bytes: a longer name is cut, and what is left may
    // name another place ("/usr/bin/./././...", then back to where the daemon may write).
    // Dropped, and counted as lost.
    if (path.size() >= max - 1) {
      ++truncated;
      return "";
    }
    if (path.empty()) return path;
    if (path[0] != '/' && known[0] == '/') {
      path = std::string(known, strnlen(known, max)) + "/" + path;
    } else if (path[0] != '/') {
      if (!guess) {
        ++truncated;
        return "";
      }
      std::string link = "/proc/" + std::to_string(tgid) +
                         (dfd == JH_OBS_CWD ? std::string("/cwd") : "/fd/" + std::to_string(dfd));
      char buf[4096];
      ssize_t n = readlink(link.c_str(), buf, sizeof buf);
      std::string base =
          n > 0 && buf[0] == '/' ? std::string(buf, static_cast<size_t>(n)) : fallback_cwd;
      path = base + "/" + path;
    }
    return normalize_lexically(path);
  }
  ~Impl() {
    if (ring) ring_buffer__free(ring);
    if (skel) observe__destroy(skel);
  }
};

Observer::Observer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Observer::~Observer() = default;

namespace {

// Calls `f` with each key of the hash map `fd`, at most `max` of them; how many it called it with.
template <typename Key, typename F>
size_t for_each_key(int fd, F&& f, size_t max = SIZE_MAX) {
  Key key{}, next{};
  size_t n = 0;
  for (const Key* at = nullptr; n < max && bpf_map_get_next_key(fd, at, &next) == 0; at = &key) {
    key = next;
    ++n;
    f(key);
  }
  return n;
}

// Opens, loads and attaches the program, with or without the capability program (fexit) or the
// capability-check one (the tracepoint), reporting failed path calls or not (--complain); a
// negative errno, and `step` naming what failed, on failure.
int load_and_attach(observe*& skel, bool capabilities, bool checks, bool failures,
                    std::string& step) {
  step = "open the BPF program";
  skel = observe__open();
  if (!skel) return -errno;
  bpf_program__set_autoload(skel->progs.on_capable, capabilities);
  bpf_program__set_autoload(skel->progs.on_capable_checked, checks);
  step = "load the BPF program";
  if (int err = observe__load(skel); err != 0) return err;
  step = "fill the syscall table";
  // The syscalls whose arguments matter, by number as libseccomp knows them here.
  const std::pair<const char*, uint8_t> kinds[] = {{"socket", JH_NR_SOCKET},
                                                   {"socketpair", JH_NR_SOCKET},
                                                   {"mmap", JH_NR_MMAP},
                                                   {"mprotect", JH_NR_MPROTECT},
                                                   {"pkey_mprotect", JH_NR_MPROTECT},
                                                   {"shmat", JH_NR_SHMAT},
                                                   {"sched_setscheduler", JH_NR_SETSCHEDULER},
                                                   {"sched_setattr", JH_NR_SETATTR},
                                                   {"unshare", JH_NR_UNSHARE},
                                                   {"clone", JH_NR_CLONE},
                                                   {"clone3", JH_NR_CLONE3},
                                                   {"setns", JH_NR_SETNS},
                                                   {"personality", JH_NR_PERSONALITY}};
  // The path operations: where each call has its arguments (op kWrite for an open: its
  // flags decide between read, write and create).
  struct PathCall {
    const char* name;
    uint8_t op;
    int8_t dfd, path, dfd2, path2, flags, how;
    bool sockaddr = false;
  };
  const PathCall path_calls[] = {
      {"open", JH_OP_WRITE, -1, 0, -1, -1, 1, -1},
      {"openat", JH_OP_WRITE, 0, 1, -1, -1, 2, -1},
      {"openat2", JH_OP_WRITE, 0, 1, -1, -1, -1, 2},
      {"creat", JH_OP_CREATE, -1, 0, -1, -1, -1, -1},
      {"mknod", JH_OP_CREATE, -1, 0, -1, -1, -1, -1},
      {"mknodat", JH_OP_CREATE, 0, 1, -1, -1, -1, -1},
      {"mkdir", JH_OP_MKDIR, -1, 0, -1, -1, -1, -1},
      {"mkdirat", JH_OP_MKDIR, 0, 1, -1, -1, -1, -1},
      {"unlink", JH_OP_UNLINK, -1, 0, -1, -1, -1, -1},
      {"unlinkat", JH_OP_UNLINK, 0, 1, -1, -1, 2, -1},
      {"rmdir", JH_OP_RMDIR, -1, 0, -1, -1, -1, -1},
      {"rename", JH_OP_RENAME_FROM, -1, 0, -1, 1, -1, -1},
      {"renameat", JH_OP_RENAME_FROM, 0, 1, 2, 3, -1, -1},
      {"renameat2", JH_OP_RENAME_FROM, 0, 1, 2, 3, -1, -1},
      {"link", JH_OP_LINK, -1, 1, -1, -1, -1, -1},
      {"linkat", JH_OP_LINK, 2, 3, -1, -1, -1, -1},
      {"symlink", JH_OP_SYMLINK, -1, 1, -1, -1, -1, -1},
      {"symlinkat", JH_OP_SYMLINK, 1, 2, -1, -1, -1, -1},
      {"truncate", JH_OP_TRUNCATE, -1, 0, -1, -1, -1, -1},
      {"bind", JH_OP_BIND, -1, 1, -1, -1, -1, -1, true},
  };
  // One entry per number: what its arguments are (kinds, path calls) and whether its success
  // reveals a capability (cap_inference.h).
  std::map<int, jh_obs_nr> infos;
  auto info_of = [&](const char* name) -> jh_obs_nr* {
    int nr = seccomp_syscall_resolve_name(name);
    if (nr < 0 || nr >= JH_OBS_MAX_SYSCALLS) return nullptr;
    auto [it, fresh] = infos.try_emplace(nr);
    if (fresh) it->second = jh_obs_nr{JH_NR_PLAIN, 0, -1, -1, -1, -1, -1, -1, 0, 0, -1, -1, 0};
    return &it->second;
  };
  for (const auto& [name, kind] : kinds)
    if (jh_obs_nr* info = info_of(name)) info->kind = kind;
  for (const auto& c : path_calls)
    if (jh_obs_nr* info = info_of(c.name)) {
      info->kind = JH_NR_PATH;
      info->op = c.op;
      info->dfd = c.dfd;
      info->path = c.path;
      info->dfd2 = c.dfd2;
      info->path2 = c.path2;
      info->flags = c.flags;
      info->how = c.how;
      info->sockaddr = c.sockaddr;
    }
  for (const auto& c : privileged_calls()) {
    std::optional<int> cap = parse_capability(c.capability);
    if (!cap || *cap < 0 || *cap >= JH_OBS_MAX_CAPS) continue;
    if (jh_obs_nr* info = info_of(c.syscall)) {
      info->priv = static_cast<unsigned char>(c.check);
      info->cap = static_cast<unsigned char>(*cap);
      info->parg = c.arg;
      info->parg2 = c.arg2;
    }
  }
  const int info_fd = bpf_map__fd(skel->maps.nr_info);
  for (const auto& [nr, info] : infos) {
    uint32_t key = static_cast<uint32_t>(nr);
    if (bpf_map_update_elem(info_fd, &key, &info, BPF_ANY) != 0) return -errno;
  }
  step = "set the BPF program's settings";
  const uint32_t failures_key = JH_SET_FAILURES, failures_value = failures ? 1 : 0;
  if (bpf_map_update_elem(bpf_map__fd(skel->maps.settings), &failures_key, &failures_value,
                          BPF_ANY) != 0)
    return -errno;
  // bind() below this port needs CAP_NET_BIND_SERVICE (the daemon's network namespace may say
  // otherwise; this one's is the best guess).
  uint32_t port_key = JH_SET_UNPRIV_PORT, port = 1024;
  if (FILE* f = std::fopen("/proc/sys/net/ipv4/ip_unprivileged_port_start", "re")) {
    unsigned value = 0;
    if (std::fscanf(f, "%u", &value) == 1) port = value;
    std::fclose(f);
  }
  if (bpf_map_update_elem(bpf_map__fd(skel->maps.settings), &port_key, &port, BPF_ANY) != 0)
    return -errno;
  step = "attach the BPF program";
  return observe__attach(skel);
}

}  // namespace

std::unique_ptr<Observer> Observer::start(std::string& error, bool failures, bool capabilities) {
  libbpf_set_print(collect_libbpf_message);
  auto impl = std::make_unique<Impl>();
  auto failed = [&](const std::string& what, int err) {
    error = what + ": " + std::strerror(err < 0 ? -err : err);
    if (!libbpf_message().empty()) error += " (libbpf: " + libbpf_message() + ")";
    return nullptr;
  };
  // The capability program needs a BPF trampoline (fexit), which some kernels refuse (no
  // ftrace direct calls, a hypervisor's restrictions): then the cap_capable tracepoint, where
  // the kernel has it (6.15), and else the rest runs without either.
  const std::vector<std::pair<bool, bool>> tiers =
      capabilities
          ? std::vector<std::pair<bool, bool>>{{true, false}, {false, true}, {false, false}}
          : std::vector<std::pair<bool, bool>>{{false, false}};
  std::string step;
  int rc = -1;
  for (auto [fexit, tracepoint] : tiers) {
    if (impl->skel) observe__destroy(impl->skel);
    impl->skel = nullptr;
    impl->capabilities = fexit;
    impl->checks = tracepoint;
    rc = load_and_attach(impl->skel, fexit, tracepoint, failures, step);
    if (rc == 0) break;
  }
  if (rc != 0) return failed(step, rc);
  Impl* raw = impl.get();
  impl->ring = ring_buffer__new(
      bpf_map__fd(impl->skel->maps.events),
      [](void* ctx, void* data, size_t size) -> int {
        auto* self = static_cast<Impl*>(ctx);
        if (size < sizeof(jh_obs_event) || !self->on_path) return 0;
        const auto* e = static_cast<const jh_obs_event*>(data);
        if (e->op == JH_OP_STOP_SIGNAL) self->stop_signalled = true;
        if (e->op < JH_OP_CREATE || e->op > JH_OP_BIND) return 0;
        const auto pid = static_cast<pid_t>(e->tgid);
        PathEvent pe{static_cast<PathOp>(e->op - JH_OP_CREATE), pid,
                     self->resolve(pid, e->dfd, e->path, e->base, sizeof e->path,
                                   e->op == JH_OP_READ || e->op == JH_OP_EXEC)};
        if (pe.path.empty()) return 0;  // cut (counted), or nothing to name
        if (e->error != 0) {
          // Not a use of the path: only for whoever asked for failures.
          if (!self->on_failure) return 0;
          char* name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, static_cast<int>(e->nr));
          PathFailure f{pe, e->error, name ? name : "syscall " + std::to_string(e->nr), e->flags,
                        std::string(e->comm, strnlen(e->comm, sizeof e->comm))};
          std::free(name);
          self->on_failure(f);
          if (e->op == JH_OP_RENAME_FROM) {
            f.event =
                PathEvent{PathOp::kRenameTo, pid,
                          self->resolve(pid, e->dfd2, e->path2, e->base2, sizeof e->path2, false)};
            self->on_failure(f);
          }
          return 0;
        }
        self->on_path(pe);
        if (e->op == JH_OP_RENAME_FROM)
          self->on_path(
              PathEvent{PathOp::kRenameTo, pid,
                        self->resolve(pid, e->dfd2, e->path2, e->base2, sizeof e->path2, false)});
        return 0;
      },
      raw, nullptr);
  if (!impl->ring) return failed("open the ring buffer", errno);
  return std::unique_ptr<Observer>(new Observer(std::move(impl)));
}

bool Observer::track(pid_t pid, bool active, std::string& error) {
  // By its pid in its own pid namespace, which is also this process's: inside a container the
  // kernel's pid differs, and only the program can tell which process that is.
  struct stat ns;
  const std::string path = "/proc/" + std::to_string(pid) + "/ns/pid";
  if (stat(path.c_str(), &ns) != 0) {
    error = "stat " + path + ": " + std::strerror(errno);
    return false;
  }
  jh_obs_seed seed{};
  // bpf_get_ns_current_pid_tgid() compares the kernel's dev_t, not stat's encoding.
  seed.dev = (static_cast<unsigned long long>(major(ns.st_dev)) << 20) | minor(ns.st_dev);
  seed.ino = ns.st_ino;
  seed.tgid = static_cast<unsigned>(pid);
  seed.armed = active ? JH_OBS_ACTIVE : JH_OBS_PENDING;
  uint32_t key = 0;
  if (bpf_map_update_elem(bpf_map__fd(impl_->skel->maps.seed), &key, &seed, BPF_ANY) == 0)
    return true;
  error = std::string("track PID ") + std::to_string(pid) + ": " + std::strerror(errno);
  return false;
}

size_t Observer::followed() const {
  return for_each_key<uint32_t>(
      bpf_map__fd(impl_->skel->maps.tracked), [](uint32_t) {}, 1u << 20);
}

bool Observer::take_stop_signal() { return std::exchange(impl_->stop_signalled, false); }

bool Observer::observes_capabilities() const { return impl_->capabilities; }

bool Observer::observes_checks() const { return impl_->checks; }

void Observer::set_fallback_cwd(const std::string& dir) { impl_->fallback_cwd = dir; }

int Observer::event_fd() const { return ring_buffer__epoll_fd(impl_->ring); }

bool Observer::drain(const std::function<void(const PathEvent&)>& on_path,
                     const std::function<void(const PathFailure&)>& on_failure) {
  impl_->on_path = on_path;
  impl_->on_failure = on_failure;
  int rc = ring_buffer__consume(impl_->ring);
  impl_->on_path = nullptr;
  impl_->on_failure = nullptr;
  return rc >= 0;
}

void Observer::add_counters(Observations& into) const {
  into.lost += impl_->truncated;
  const int cpus = libbpf_num_possible_cpus();
  std::vector<uint64_t> per_cpu(cpus > 0 ? static_cast<size_t>(cpus) : 1);
  const int sys_fd = bpf_map__fd(impl_->skel->maps.syscalls);
  for (uint32_t nr = 0; nr < JH_OBS_MAX_SYSCALLS; ++nr) {
    if (bpf_map_lookup_elem(sys_fd, &nr, per_cpu.data()) != 0) continue;
    uint64_t total = 0;
    for (uint64_t v : per_cpu) total += v;
    if (total == 0) continue;
    char* name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, static_cast<int>(nr));
    into.syscalls[name ? name : "syscall_" + std::to_string(nr)] += total;
    std::free(name);
  }
  const int priv_fd = bpf_map__fd(impl_->skel->maps.privcalls);
  for (uint32_t slot = 0; slot < JH_OBS_PRIV_SLOTS; ++slot) {
    if (bpf_map_lookup_elem(priv_fd, &slot, per_cpu.data()) != 0) continue;
    uint64_t total = 0;
    for (uint64_t v : per_cpu) total += v;
    if (total == 0) continue;
    char* name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, static_cast<int>(slot / 2));
    into.privileged_calls[privileged_call_key(name ? name : "syscall_" + std::to_string(slot / 2),
                                              slot % 2 == 1)] += total;
    std::free(name);
  }
  uint32_t zero = 0;
  if (bpf_map_lookup_elem(bpf_map__fd(impl_->skel->maps.held), &zero, per_cpu.data()) == 0) {
    uint64_t mask = 0;
    for (uint64_t v : per_cpu) mask |= v;
    for (int cap = 0; cap < JH_OBS_MAX_CAPS; ++cap)
      if (mask & (uint64_t{1} << cap)) into.held_capabilities[capability_name(cap)] += 1;
  }
  const int id_fd = bpf_map__fd(impl_->skel->maps.identities);
  const size_t kept = for_each_key<uint64_t>(id_fd, [&](uint64_t key) {
    uint64_t n = 0;
    if (bpf_map_lookup_elem(id_fd, &key, &n) == 0)
      into.identities[identity_name(static_cast<uid_t>(key >> 32), static_cast<gid_t>(key))] += n;
  });
  // A full map may have lost the next ones: "*", which no proposal is made from.
  if (kept >= JH_OBS_MAX_IDENTITIES) into.identities["*"] += 1;
  for_each_key<jh_obs_identity_group>(
      bpf_map__fd(impl_->skel->maps.identity_groups), [&](const jh_obs_identity_group& group) {
        into.identity_groups[identity_name(static_cast<uid_t>(group.identity >> 32),
                                           static_cast<gid_t>(group.identity))]
            .insert(group.gid == JH_OBS_MORE_GROUPS ? "*" : recorded_group_name(group.gid));
      });
  auto read_array = [](int fd, uint32_t n, const std::function<void(uint32_t, uint64_t)>& f) {
    for (uint32_t k = 0; k < n; ++k) {
      uint64_t v = 0;
      if (bpf_map_lookup_elem(fd, &k, &v) == 0 && v != 0) f(k, v);
    }
  };
  read_array(bpf_map__fd(impl_->skel->maps.caps), JH_OBS_MAX_CAPS, [&](uint32_t cap, uint64_t v) {
    into.capabilities[capability_name(static_cast<int>(cap))] += v;
  });
  read_array(bpf_map__fd(impl_->skel->maps.checked), JH_OBS_MAX_CAPS,
             [&](uint32_t cap, uint64_t v) {
               into.checked_capabilities[capability_name(static_cast<int>(cap))] += v;
             });
  read_array(bpf_map__fd(impl_->skel->maps.families), JH_OBS_MAX_FAMILIES,
             [&](uint32_t af, uint64_t v) {
               into.address_families[address_family_name(static_cast<int>(af))] += v;
             });
  read_array(bpf_map__fd(impl_->skel->maps.facts), JH_FACT_COUNT, [&](uint32_t k, uint64_t v) {
    switch (k) {
      case JH_FACT_WRITE_EXECUTE:
        into.write_execute += v;
        break;
      case JH_FACT_EXEC_GAIN:
        into.exec_gain += v;
        break;
      case JH_FACT_REALTIME:
        into.realtime += v;
        break;
      case JH_FACT_PERSONALITY:
        into.personality += v;
        break;
      case JH_FACT_LOST:
        into.lost += v;
        break;
      default:
        if (k >= JH_FACT_NS_BASE && k < JH_FACT_NS_BASE + 32) {
          unsigned long flag = 1UL << (k - JH_FACT_NS_BASE);
          for (const auto& t : namespace_types())
            if (t.flag == flag) into.namespaces[t.name] += v;
        }
    }
  });
}

}  // namespace jharden
