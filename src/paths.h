// Path syntax: the policy accepts only absolute, normalized paths, so that what the
// administrator wrote is exactly what gets mounted (no "..", no "//", no trailing "/").
#pragma once

#include <fcntl.h>
#include <sys/stat.h>

#include <string>
#include <string_view>

#include "unique_fd.h"

namespace jharden {

// Empty when `path` is absolute and normalized; otherwise why not.
std::string path_problem(std::string_view path);

// True when `child` is `parent` or lies below it ("/" is above everything).
bool path_is_under(std::string_view child, std::string_view parent);

// Component-wise path order: "/a" < "/a/b" < "/a-b", so that a directory is followed at once
// by every path below it (the order of the mount plan).
bool path_less(std::string_view a, std::string_view b);

// Number of components: "/" has 0, "/usr" 1, "/usr/lib" 2.
int path_depth(std::string_view path);

// `path` as seen from `root` (root "/" leaves it unchanged): join_root("/srv/r", "/usr") is
// "/srv/r/usr".
std::string join_root(std::string_view root, std::string_view path);

// A plain file name: not empty, no "/", not "." or "..".
bool is_plain_file_name(std::string_view name);

// --- Paths that must not be swapped under jharden -------------------------------------------

// What resolve_trusted() found: the open file, or why there is none.
struct Resolved {
  unique_fd fd;
  std::string path;     // the path opened, trusted symlinks followed (for messages, hiding)
  struct stat st {};    // of the file opened
  int error = 0;        // errno when the file could not be opened (ENOENT, EACCES, ...)
  std::string refusal;  // set when a component is not trusted: names the component and why
  explicit operator bool() const { return static_cast<bool>(fd); }
  // "PATH: WHY": the refusal, or the errno text.
  std::string message(const std::string& named) const;
};

struct ResolveOptions {
  int flags = O_PATH;       // for the last component (O_CLOEXEC and O_NOFOLLOW are added)
  bool follow_last = true;  // a trusted symlink as the last component is followed
  // Policy files and directories, and `root =`: every directory on the way, the last
  // component too when it is one, belongs to root (or the caller), and none above the last
  // component is group/world-writable unless sticky. Otherwise (bind and secret sources)
  // systemd's CHASE_SAFE rule: no entry owned by root or another user inside a directory
  // owned by a user who is neither root nor the caller.
  bool policy = false;
};

// Opens `path` (absolute) one component at a time from "/", never through a symlink that a
// non-root user could have planted: a symlink is followed only when it and the directory
// holding it belong to root (or to the caller, who gains nothing), and that directory is not
// writable by group or others, unless sticky. Nor through a directory that a non-root user
// could swap without any symlink (see ResolveOptions::policy). There is no window between the
// check and the use: every step opens relative to the descriptor of the step before, and the
// caller keeps using the descriptor returned.
Resolved resolve_trusted(const std::string& path, const ResolveOptions& options);

// Reads at most `limit` + 1 bytes of `fd` into `out`, so that an over-long file is noticed
// (policy files, secrets). `out` is sized to the file; any other copy of its bytes is wiped
// (on an error, `out` is empty and errno is the read's).
bool read_limited(int fd, size_t limit, std::string& out);

}  // namespace jharden
