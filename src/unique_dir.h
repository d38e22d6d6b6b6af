// An owned directory, removed on destruction: the directories jharden makes for a step (a
// probe of --verify, a scratch place) go away on every path out of it, error paths included.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <utility>

namespace jharden {

class unique_dir {
 public:
  unique_dir() = default;
  unique_dir(const unique_dir&) = delete;
  unique_dir& operator=(const unique_dir&) = delete;
  unique_dir(unique_dir&& other) noexcept : path_(std::exchange(other.path_, {})) {}
  unique_dir& operator=(unique_dir&& other) noexcept {
    if (this != &other) {
      reset();
      path_ = std::exchange(other.path_, {});
    }
    return *this;
  }
  ~unique_dir() { reset(); }

  // mkdir(2) of `path`; an empty object on failure, with errno set by mkdir.
  static unique_dir make(std::string path, mode_t mode) {
    unique_dir d;
    if (::mkdir(path.c_str(), mode) == 0) d.path_ = std::move(path);
    return d;
  }
  // mkdtemp(3) of `pattern`, which ends in "XXXXXX"; an empty object on failure, with errno.
  static unique_dir make_temporary(std::string pattern) {
    unique_dir d;
    if (::mkdtemp(pattern.data())) d.path_ = std::move(pattern);
    return d;
  }

  const std::string& path() const { return path_; }
  explicit operator bool() const { return !path_.empty(); }
  // Keeps the directory: the caller owns it from now on.
  std::string release() { return std::exchange(path_, {}); }
  // rmdir(2) only: what someone put inside stays, with the directory, rather than be deleted
  // by a step that did not make it; the caller empties what it filled. errno is kept, so that
  // an error path can still report the failure that led out of it.
  void reset() {
    if (path_.empty()) return;
    const int saved = errno;
    ::rmdir(path_.c_str());
    errno = saved;
    path_.clear();
  }

 private:
  std::string path_;
};

}  // namespace jharden
