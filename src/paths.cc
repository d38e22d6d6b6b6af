#include "paths.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <vector>

#include "text.h"

namespace jharden {

std::string path_problem(std::string_view path) {
  if (path.empty()) return "path is empty";
  if (path.front() != '/') return "path must be absolute";
  if (path == "/") return "";
  if (path.back() == '/') return "path must not end with \"/\"";
  size_t start = 1;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view component = path.substr(start, end - start);
    if (component.empty()) return "path must not contain \"//\"";
    if (component == "." || component == "..")
      return "path must not contain \".\" or \"..\" components";
    start = end + 1;
  }
  return "";
}

bool path_is_under(std::string_view child, std::string_view parent) {
  if (parent == "/") return true;
  if (child.size() < parent.size() || child.substr(0, parent.size()) != parent) return false;
  return child.size() == parent.size() || child[parent.size()] == '/';
}

bool path_less(std::string_view a, std::string_view b) {
  size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    if (a[i] == b[i]) continue;
    if (a[i] == '/') return true;
    if (b[i] == '/') return false;
    return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[i]);
  }
  return a.size() < b.size();
}

int path_depth(std::string_view path) {
  if (path == "/") return 0;
  return static_cast<int>(std::count(path.begin(), path.end(), '/'));
}

std::string join_root(std::string_view root, std::string_view path) {
  if (root == "/") return std::string(path);
  if (path == "/") return std::string(root);
  return std::string(root) + std::string(path);
}

bool is_plain_file_name(std::string_view name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string_view::npos &&
         name.find('\0') == std::string_view::npos;
}

namespace {

// Root, or the caller itself: a caller that is not root gains nothing by tricking itself.
bool trusted_owner(uid_t uid) { return uid == 0 || uid == geteuid(); }

// systemd's unsafe_transition() (CHASE_SAFE): from a directory of a user who is not trusted,
// only to an entry of that same user.
bool unsafe_transition(const struct stat& parent, const struct stat& child) {
  return !trusted_owner(parent.st_uid) && child.st_uid != parent.st_uid;
}

bool writable_by_others(const struct stat& st) { return (st.st_mode & (S_IWGRP | S_IWOTH)) != 0; }

std::string child_path(const std::string& parent, const std::string& name) {
  return parent == "/" ? "/" + name : parent + "/" + name;
}

struct Step {
  unique_fd fd;
  struct stat st;
  std::string path;
};

void push_components(std::deque<std::string>& todo, const std::string& path) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    if (end > start) parts.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  for (auto it = parts.rbegin(); it != parts.rend(); ++it) todo.push_front(*it);
}

// Opens `name` in `parent` and stats it: the last component with the caller's `flags`, every
// other O_PATH, never through a symlink. 0, or the error.
int open_component(const Step& parent, const std::string& name, bool last, int flags, unique_fd& fd,
                   struct stat& st) {
  if (last && !(flags & O_PATH)) {
    // The final open with the caller's flags; ELOOP says it is a symlink, which is then
    // looked at like any other.
    fd.reset(openat(parent.fd.get(), name.c_str(), flags | O_NOFOLLOW | O_CLOEXEC));
    if (!fd && errno != ELOOP) return errno;
  }
  if (!fd) fd.reset(openat(parent.fd.get(), name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
  if (!fd || fstat(fd.get(), &st) != 0) return errno;
  return 0;
}

// Why the symlink `st` at `here` in `parent` must not be followed, or "".
std::string untrusted_symlink(const Step& parent, const std::string& here, const struct stat& st) {
  // Only root (or the caller) can have put a symlink here, and no one else can replace it:
  // like Debian's /lib -> usr/lib or /var/run -> /run.
  bool dir_ok = trusted_owner(parent.st.st_uid) &&
                (!writable_by_others(parent.st) || (parent.st.st_mode & S_ISVTX));
  if (!dir_ok || !trusted_owner(st.st_uid))
    return "component " + here + " is a symlink in " + parent.path + ", which " +
           (trusted_owner(parent.st.st_uid)
                ? "group or others can write (mode " + octal_mode(parent.st.st_mode) + ")"
                : "user id " + std::to_string(parent.st.st_uid) + " owns") +
           (trusted_owner(st.st_uid)
                ? ""
                : " (the symlink belongs to user id " + std::to_string(st.st_uid) + ")") +
           "; refusing to follow it";
  // On procfs a symlink may be a magic link (/proc/self/fd/N, /proc/PID/root) that names
  // any open file or another process's root whatever its text says: never followed.
  struct statfs fs;
  if (fstatfs(parent.fd.get(), &fs) != 0 || fs.f_type == PROC_SUPER_MAGIC)
    return "component " + here + " is a symlink on procfs (a magic link can name any " +
           "file); refusing to follow it";
  return "";
}

// The text of the symlink open as `fd` (O_PATH): 0, or the error.
int read_link(int fd, std::string& target) {
  target.assign(4096, '\0');
  ssize_t n = readlinkat(fd, "", target.data(), target.size());
  if (n < 0 || static_cast<size_t>(n) >= target.size()) return n < 0 ? errno : ENAMETOOLONG;
  target.resize(static_cast<size_t>(n));
  return 0;
}

// Why the component `st` at `here` in `parent`, not a symlink, must not be used, or "".
std::string untrusted_component(const ResolveOptions& options, const Step& parent,
                                const std::string& here, const struct stat& st, bool last) {
  if (options.policy && S_ISDIR(st.st_mode) && !trusted_owner(st.st_uid))
    // Its owner can rename any entry away or put her own in its place, symlink or not: a
    // drop-in directory that disappears, a new root that is her tree.
    return "component " + here + " is a directory owned by user id " + std::to_string(st.st_uid) +
           ", who could swap what lies in it; every directory on this path must belong "
           "to root";
  if (!options.policy && unsafe_transition(parent.st, st))
    // systemd's CHASE_SAFE: a user's own files under her own directory are hers to give
    // (bind = /home/alice/www), but an entry of root's or another user's under her directory
    // may be her replacement of it at any time.
    return "component " + here + " belongs to user id " + std::to_string(st.st_uid) +
           " but lies in " + parent.path + ", which user id " + std::to_string(parent.st.st_uid) +
           " owns and could swap it (an unsafe ownership transition); refusing it";
  // (The last component is the caller's to judge: a policy directory itself may not be
  // writable by others even when sticky.)
  if (options.policy && !last && writable_by_others(st) && !(st.st_mode & S_ISVTX))
    return "directory " + here + " is writable by group or others (mode " + octal_mode(st.st_mode) +
           ")";
  return "";
}

}  // namespace

std::string Resolved::message(const std::string& named) const {
  if (!refusal.empty()) return named + ": " + refusal;
  return named + ": " + std::strerror(error);
}

Resolved resolve_trusted(const std::string& path, const ResolveOptions& options) {
  Resolved r;
  if (path.empty() || path[0] != '/') {
    r.error = EINVAL;
    return r;
  }
  std::vector<Step> stack;
  auto open_root = [&] {
    stack.clear();
    Step root{unique_fd(open("/", O_PATH | O_DIRECTORY | O_CLOEXEC)), {}, "/"};
    if (!root.fd || fstat(root.fd.get(), &root.st) != 0) return false;
    stack.push_back(std::move(root));
    return true;
  };
  if (!open_root()) {
    r.error = errno;
    return r;
  }
  std::deque<std::string> todo;
  push_components(todo, path);
  int links = 0;
  while (!todo.empty()) {
    std::string name = std::move(todo.front());
    todo.pop_front();
    if (name == ".") continue;
    if (name == "..") {
      if (stack.size() > 1) stack.pop_back();
      continue;
    }
    const bool last = todo.empty();
    const Step& parent = stack.back();
    const std::string here = child_path(parent.path, name);
    unique_fd fd;
    struct stat st;
    if ((r.error = open_component(parent, name, last, options.flags, fd, st)) != 0) return r;
    if (S_ISLNK(st.st_mode)) {
      if (last && !options.follow_last) {
        r.error = ELOOP;
        return r;
      }
      r.refusal = untrusted_symlink(parent, here, st);
      if (!r.refusal.empty() || ++links > 40) {
        r.error = ELOOP;
        return r;
      }
      std::string target;
      if ((r.error = read_link(fd.get(), target)) != 0) return r;
      if (!target.empty() && target[0] == '/' && !open_root()) {
        r.error = errno;
        return r;
      }
      push_components(todo, target);
      continue;
    }
    if (!last && !S_ISDIR(st.st_mode)) {
      r.error = ENOTDIR;
      return r;
    }
    r.refusal = untrusted_component(options, parent, here, st, last);
    if (!r.refusal.empty()) {
      r.error = EPERM;
      return r;
    }
    stack.push_back(Step{std::move(fd), st, here});
  }
  Step& end = stack.back();
  if ((options.flags & O_DIRECTORY) && !S_ISDIR(end.st.st_mode)) {
    r.error = ENOTDIR;
    return r;
  }
  if (stack.size() == 1 && !(options.flags & O_PATH)) {
    // "/" itself with the caller's flags.
    end.fd.reset(open("/", options.flags | O_CLOEXEC));
    if (!end.fd) {
      r.error = errno;
      return r;
    }
  }
  r.fd = std::move(end.fd);
  r.st = end.st;
  r.path = end.path;
  return r;
}

namespace {

// Room for a regular file's bytes and one more (where the read that says end of file goes);
// a page for other files, whose size says nothing (procfs). Never more than the limit needs.
size_t first_room(int fd, size_t limit) {
  struct stat st;
  size_t room = 4096;
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) room = static_cast<size_t>(st.st_size) + 1;
  return std::min(room, limit + 1);
}

// `buf` with twice the room (at most `most`), its bytes copied and the old copy wiped.
void grow_wiping(std::string& buf, size_t used, size_t most) {
  std::string bigger(std::min(std::max<size_t>(2 * buf.size(), 4096), most), '\0');
  std::memcpy(bigger.data(), buf.data(), used);
  explicit_bzero(buf.data(), buf.capacity());
  buf.swap(bigger);
}

}  // namespace

bool read_limited(int fd, size_t limit, std::string& out) {
  // Read into the string itself, sized to the file: no buffer of the contents but `out`, and
  // no page touched that the contents do not need (a secret is wiped to its capacity).
  std::string buf(first_room(fd, limit), '\0');
  size_t used = 0;
  bool ok = true;
  while (used <= limit) {
    if (used == buf.size()) grow_wiping(buf, used, limit + 1);
    const ssize_t n = read(fd, buf.data() + used, buf.size() - used);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ok = n == 0;
      break;
    }
    used += static_cast<size_t>(n);
  }
  const int read_errno = errno;
  buf.resize(ok ? used : 0);
  out.swap(buf);
  explicit_bzero(buf.data(), buf.capacity());
  errno = read_errno;
  return ok;
}

}  // namespace jharden
