#include "loader.h"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>

#include "fstab.h"
#include "paths.h"
#include "text.h"
#include "unique_fd.h"

namespace jharden {

namespace {

std::string errno_text(int err) { return std::strerror(err); }

// A directory policy files are read from, opened once: the files are then opened relative
// to it, so that no one can swap it (or a directory above it) between the check and the read.
struct PolicyDir {
  std::string path;      // as named (in messages and --print)
  std::string absolute;  // as resolved, from "/"
  unique_fd fd;
};

// Opens a directory holding policy files (a policy directory, a drop-in directory, the
// directory of a policy given as a path). Refused (78): a symlink on the way that a non-root
// user could have planted, a group/world-writable directory on the way (unless sticky), a
// group/world-writable directory itself. A missing directory is not an error: false with
// diag untouched.
bool open_policy_dir(const std::string& path, PolicyDir& out, Diagnostics& diag) {
  // A relative directory (--policy-dir etc, a policy given as etc/x.conf) is taken from the
  // current directory, and resolved from "/" like any other.
  std::string absolute = path;
  if (path.empty() || path[0] != '/') {
    char cwd[4096];
    if (!getcwd(cwd, sizeof cwd)) {
      diag.error(Origin{path, 0}, "cannot open the policy directory: " + errno_text(errno));
      return false;
    }
    absolute = std::string(cwd) + (path.empty() || path == "." ? "" : "/" + path);
  }
  Resolved r = resolve_trusted(absolute, {.flags = O_PATH | O_DIRECTORY, .policy = true});
  if (!r) {
    if (r.refusal.empty() && (r.error == ENOENT || r.error == ENOTDIR)) return false;
    diag.error(Origin{path, 0}, "refusing the policy directory: " + r.message(path));
    return false;
  }
  if (r.st.st_mode & (S_IWGRP | S_IWOTH)) {
    diag.error(Origin{path, 0}, "refusing a policy directory writable by group or others (mode " +
                                    octal_mode(r.st.st_mode) + ")");
    return false;
  }
  out.path = path;
  out.absolute = absolute;
  out.fd = std::move(r.fd);
  return true;
}

// Opens a policy file or drop-in in `dir` and refuses what an unprivileged user could have
// written: a symlink, anything but a regular file, a file not owned by root (or by the
// caller, when the caller is not root and so gains nothing), group or world writable.
bool read_policy_file(const PolicyDir& dir, const std::string& name, std::string& content,
                      Diagnostics& diag) {
  const std::string path = dir.path == "/" ? "/" + name : dir.path + "/" + name;
  Origin origin{path, 0};
  unique_fd fd(openat(dir.fd.get(), name.c_str(),
                      O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (!fd) {
    if (errno == ELOOP)
      diag.error(origin, "refusing a policy file that is a symlink");
    else
      diag.error(origin, "cannot open policy file: " + errno_text(errno));
    return false;
  }
  struct stat st;
  if (fstat(fd.get(), &st) != 0) {
    diag.error(origin, "cannot stat policy file: " + errno_text(errno));
    return false;
  }
  if (!S_ISREG(st.st_mode)) {
    diag.error(origin, "refusing a policy file that is not a regular file");
    return false;
  }
  uid_t me = geteuid();
  if (st.st_uid != 0 && st.st_uid != me) {
    diag.error(origin, "refusing a policy file not owned by root (owner uid " +
                           std::to_string(st.st_uid) + ")");
    return false;
  }
  if (st.st_mode & (S_IWGRP | S_IWOTH)) {
    diag.error(origin, "refusing a policy file writable by group or others (mode " +
                           octal_mode(st.st_mode) + ")");
    return false;
  }
  if (!read_limited(fd.get(), kMaxPolicySize, content)) {
    diag.error(origin, "cannot read policy file: " + errno_text(errno));
    return false;
  }
  if (content.size() > kMaxPolicySize) {
    diag.error(origin, "policy file is larger than 1 MiB");
    return false;
  }
  return true;
}

std::string dir_of(const std::string& path);

// A policy file named by its full path (the fstab file): its directory checked, then read.
bool read_policy_path(const std::string& path, std::string& content, Diagnostics& diag) {
  PolicyDir dir;
  if (!open_policy_dir(dir_of(path), dir, diag)) {
    if (diag.ok()) diag.error(Origin{path, 0}, "cannot open policy file: " + errno_text(ENOENT));
    return false;
  }
  return read_policy_file(dir, path.substr(path.rfind('/') + 1), content, diag);
}

bool exists_nofollow(const PolicyDir& dir, const std::string& name) {
  struct stat st;
  return fstatat(dir.fd.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0;
}

struct DropIn {
  const PolicyDir* dir;  // the NAME.d directory
  std::string file;
};

// NAME.d/*.conf of every directory; a file name found in an earlier directory hides the same
// name in a later one; applied in lexical order of file name. The NAME.d directories stay
// open in `opened` and the files are read relative to them.
std::vector<DropIn> find_dropins(const std::vector<PolicyDir>& dirs, const std::string& name,
                                 std::vector<PolicyDir>& opened, Diagnostics& diag) {
  opened.reserve(dirs.size());
  std::map<std::string, DropIn> by_name;
  for (const auto& dir : dirs) {
    PolicyDir d;
    if (!open_policy_dir((dir.absolute == "/" ? "" : dir.absolute) + "/" + name + ".d", d, diag))
      continue;
    d.path = (dir.path == "/" ? "" : dir.path) + "/" + name + ".d";
    opened.push_back(std::move(d));
    const PolicyDir& here = opened.back();
    unique_fd list_fd(openat(here.fd.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    DIR* handle = list_fd ? fdopendir(list_fd.get()) : nullptr;
    if (!handle) {
      diag.error(Origin{here.path, 0}, "cannot read drop-in directory: " + errno_text(errno));
      continue;
    }
    list_fd.release();
    while (dirent* e = readdir(handle)) {
      std::string file = e->d_name;
      if (file.size() <= 5 || file.substr(file.size() - 5) != ".conf" || file[0] == '.') continue;
      by_name.emplace(file, DropIn{&here, file});
    }
    closedir(handle);
  }
  std::vector<DropIn> out;
  for (auto& [file, dropin] : by_name) out.push_back(dropin);
  return out;
}

std::string dir_of(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace

std::vector<std::string> standard_policy_dirs() {
  return {"/etc/jharden", "/run/jharden", "/usr/share/jharden"};
}

Policy parse_policy_files(const std::vector<std::pair<std::string, std::string>>& files,
                          bool need_command, Diagnostics& diag) {
  Policy policy = default_policy();
  if (!files.empty()) policy.file = files.front().first;
  for (const auto& [name, content] : files) parse_policy_text(name, content, policy, diag);
  finish_policy(policy, need_command, diag);
  return policy;
}

bool load_policy(const LoadRequest& request, Loaded& out, Diagnostics& diag) {
  std::vector<std::string> dir_names = request.policy_dirs;
  std::string name = request.policy;
  std::vector<PolicyDir> dirs;
  const PolicyDir* main_dir = nullptr;
  if (name.find('/') != std::string::npos) {
    std::string base = name.substr(name.rfind('/') + 1);
    PolicyDir d;
    if (!open_policy_dir(dir_of(name), d, diag)) {
      if (diag.ok()) diag.error(Origin{name, 0}, "cannot open policy file: " + errno_text(ENOENT));
      return false;
    }
    dirs.push_back(std::move(d));
    main_dir = &dirs.back();
    name = base;
  } else {
    if (name.empty() || name == "." || name == "..") {
      diag.error("invalid policy name \"" + name + "\"", kExitConfig);
      return false;
    }
    if (dir_names.empty()) dir_names = standard_policy_dirs();
    dirs.reserve(dir_names.size());
    for (const auto& dir : dir_names) {
      PolicyDir d;
      if (open_policy_dir(dir, d, diag)) dirs.push_back(std::move(d));
    }
    if (!diag.ok()) return false;
    for (const auto& dir : dirs) {
      if (exists_nofollow(dir, name)) {
        main_dir = &dir;
        break;
      }
    }
    if (!main_dir) {
      std::string where;
      for (const auto& dir : dir_names) where += (where.empty() ? "" : ", ") + dir;
      diag.error("policy \"" + name + "\" not found in " + where, kExitConfig);
      return false;
    }
  }
  std::vector<std::pair<std::string, std::string>> files;
  std::string content;
  if (!read_policy_file(*main_dir, name, content, diag)) return false;
  files.emplace_back(main_dir->path == "/" ? "/" + name : main_dir->path + "/" + name, content);
  std::vector<PolicyDir> dropin_dirs;
  for (const auto& dropin : find_dropins(dirs, name, dropin_dirs, diag)) {
    if (!read_policy_file(*dropin.dir, dropin.file, content, diag)) continue;
    files.emplace_back(dropin.dir->path + "/" + dropin.file, content);
  }
  if (!diag.ok()) return false;
  for (const auto& f : files) out.files.push_back(f.first);
  out.policy = parse_policy_files(files, request.need_command && !request.command_given, diag);
  if (out.policy.fstab && read_policy_path(out.policy.fstab->value, content, diag))
    parse_fstab(out.policy.fstab->value, content, out.policy, diag);
  if (request.command_given) {
    out.policy.exec.value = request.command;
    out.policy.exec.origin = Origin{"(command line)", 0};
  }
  if (!diag.ok()) return false;
  bool owners = resolve_tmpfs_owners(out.policy, diag);
  bool ids = resolve_identity(out.policy, out.identity, diag) && owners;
  bool secrets = read_secrets(out.policy, out.secrets, diag);
  return ids && secrets;
}

}  // namespace jharden
