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

SecretBytes::SecretBytes(SecretBytes&& other) noexcept : data_(std::move(other.data_)) {
  other.wipe();
}

SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
  if (this != &other) {
    wipe();
    data_ = std::move(other.data_);
    other.wipe();
  }
  return *this;
}

SecretBytes::~SecretBytes() { wipe(); }

void SecretBytes::wipe() {
  // explicit_bzero is not optimized away, unlike a memset before free.
  explicit_bzero(data_.data(), data_.capacity());
  data_.clear();
}

namespace {

// Reads at most `limit` + 1 bytes so that an over-long file is noticed.
bool read_limited(int fd, size_t limit, std::string& out) {
  out.clear();
  out.reserve(std::min<size_t>(limit + 1, 64 * 1024));
  char buf[16384];
  while (out.size() <= limit) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      explicit_bzero(buf, sizeof buf);
      return false;
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  explicit_bzero(buf, sizeof buf);
  return true;
}

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

std::optional<uint32_t> numeric_id(const std::string& s) {
  if (s.empty() || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  return static_cast<uint32_t>(std::stoull(s));  // range checked by the parser
}

std::string group_name_of(gid_t gid) {
  struct group grp, *result = nullptr;
  std::vector<char> buf(16384);
  if (getgrgid_r(gid, &grp, buf.data(), buf.size(), &result) == 0 && result) return result->gr_name;
  return std::to_string(gid);
}

std::optional<gid_t> lookup_group(const std::string& name, std::string* canonical) {
  if (auto id = numeric_id(name)) {
    // Named in --print like a numeric user: by its entry's name where it has one.
    if (canonical) *canonical = group_name_of(static_cast<gid_t>(*id));
    return *id;
  }
  struct group grp, *result = nullptr;
  std::vector<char> buf(16384);
  if (getgrnam_r(name.c_str(), &grp, buf.data(), buf.size(), &result) != 0 || !result)
    return std::nullopt;
  if (canonical) *canonical = result->gr_name;
  return result->gr_gid;
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

namespace {

// systemd's is_nologin_shell(): a shell that only refuses logins is not worth a $SHELL.
bool is_nologin_shell(const std::string& shell) {
  for (const char* s : {"/bin/nologin", "/sbin/nologin", "/usr/bin/nologin", "/usr/sbin/nologin",
                        "/bin/false", "/usr/bin/false", "/bin/true", "/usr/bin/true"})
    if (shell == s) return true;
  return false;
}

struct UserEntry {
  uid_t uid;
  gid_t gid;
  std::string name, home, shell;
};

std::optional<UserEntry> lookup_user(const std::string& u) {
  // As systemd: root is never looked up in the user database (its record is built in), and
  // its shell is systemd's default user shell where that exists (default_root_shell()).
  if (u == "root" || u == "0")
    return UserEntry{0, 0, "root", "/root",
                     access("/bin/bash", X_OK) == 0 ? "/bin/bash" : "/bin/sh"};
  struct passwd pw, *result = nullptr;
  std::vector<char> buf(16384);
  auto id = numeric_id(u);
  int rc = id ? getpwuid_r(*id, &pw, buf.data(), buf.size(), &result)
              : getpwnam_r(u.c_str(), &pw, buf.data(), buf.size(), &result);
  if (rc != 0 || !result) return std::nullopt;
  UserEntry e{result->pw_uid, result->pw_gid, result->pw_name, result->pw_dir, result->pw_shell};
  // systemd's USER_CREDS_CLEAN: no $HOME for "/" or a relative path, no $SHELL for a
  // relative or nologin shell.
  if (e.home.empty() || e.home[0] != '/' || e.home.find_first_not_of('/') == std::string::npos)
    e.home.clear();
  if (e.shell.empty() || e.shell[0] != '/' || is_nologin_shell(e.shell)) e.shell.clear();
  return e;
}

// user: the uid, primary gid, names, home and shell; `pw_name` the passwd entry's name, empty
// for a numeric id without one.
bool resolve_user(const Policy& policy, Identity& out, std::string& pw_name, Diagnostics& diag) {
  bool ok = true;
  if (policy.user) {
    out.change = true;
    const std::string& u = policy.user->value;
    auto id = numeric_id(u);
    if (auto entry = lookup_user(u)) {
      out.uid = entry->uid;
      out.gid = entry->gid;
      out.user_name = entry->name;
      out.login_name = entry->name;
      out.home = entry->home;
      out.shell = entry->shell;
      pw_name = entry->name;
    } else if (id) {
      // A numeric id without a passwd entry is allowed, as with systemd's User=; its group
      // is the same number unless `group` says otherwise.
      out.uid = *id;
      out.gid = *id;
      out.user_name = u;
    } else {
      diag.error(policy.user->origin, "user: unknown user \"" + u + "\"", kExitUser);
      ok = false;
    }
  }
  return ok;
}

// group and supplementary_groups, or the user's groups from the group database.
bool resolve_groups(const Policy& policy, const std::string& pw_name, Identity& out,
                    Diagnostics& diag) {
  bool ok = true;
  if (policy.group) {
    out.change = true;
    if (auto gid = lookup_group(policy.group->value, &out.group_name)) {
      out.gid = *gid;
    } else {
      diag.error(policy.group->origin, "group: unknown group \"" + policy.group->value + "\"",
                 kExitGroup);
      ok = false;
    }
  } else if (out.change) {
    out.group_name = group_name_of(out.gid);
  }
  if (policy.supplementary_groups) {
    out.change = true;
    for (const auto& name : policy.supplementary_groups->value) {
      if (auto gid = lookup_group(name, nullptr)) {
        out.groups.push_back(*gid);
      } else {
        diag.error(policy.supplementary_groups->origin,
                   "supplementary_groups: unknown group \"" + name + "\"", kExitGroup);
        ok = false;
      }
    }
  } else if (!pw_name.empty() && out.gid != 0) {
    // initgroups(3), as systemd does: the list keeps the primary gid itself (id -G shows it).
    // For a gid of 0 systemd calls nothing and the list stays empty.
    int n = 64;
    std::vector<gid_t> groups(static_cast<size_t>(n));
    while (getgrouplist(pw_name.c_str(), out.gid, groups.data(), &n) < 0)
      groups.resize(static_cast<size_t>(n));
    groups.resize(static_cast<size_t>(n));
    out.groups = groups;
  }
  for (gid_t g : out.groups) out.group_names.push_back(group_name_of(g));
  return ok;
}

// The secrets' owner: for daemons that start as root and drop to their own user (chronyd -u,
// memcached -u, nginx's workers), the user that will read them.
bool resolve_secrets_owner(const Policy& policy, Identity& out, Diagnostics& diag) {
  bool ok = true;
  out.secrets_uid = out.uid;
  out.secrets_gid = out.gid;
  if (policy.secrets_user) {
    if (auto entry = lookup_user(policy.secrets_user->value)) {
      out.secrets_uid = entry->uid;
      out.secrets_gid = entry->gid;
    } else if (auto id = numeric_id(policy.secrets_user->value)) {
      out.secrets_uid = *id;
      out.secrets_gid = *id;
    } else {
      diag.error(policy.secrets_user->origin,
                 "user: unknown user \"" + policy.secrets_user->value + "\"", kExitUser);
      ok = false;
    }
  }
  if (policy.secrets_group) {
    if (auto gid = lookup_group(policy.secrets_group->value, nullptr)) {
      out.secrets_gid = *gid;
    } else {
      diag.error(policy.secrets_group->origin,
                 "group: unknown group \"" + policy.secrets_group->value + "\"", kExitGroup);
      ok = false;
    }
  }
  return ok;
}

// Reads the secret's source, resolved as `r`, into `secret`: "", or why it cannot.
std::string read_secret_source(Resolved& r, Secret& secret) {
  // The file really read, for hide_sources: the path with trusted symlinks followed.
  secret.host_path = r.path;
  unique_fd fd = std::move(r.fd);
  struct stat st;
  if (fstat(fd.get(), &st) != 0) return errno_text(errno);
  if (!S_ISREG(st.st_mode)) return "not a regular file";
  if (static_cast<size_t>(st.st_size) > kMaxSecretSize) return "larger than 1 MiB";
  if (!read_limited(fd.get(), kMaxSecretSize, secret.bytes.data())) return errno_text(errno);
  if (secret.bytes.data().size() > kMaxSecretSize) return "larger than 1 MiB";
  return "";
}

}  // namespace

bool resolve_identity(const Policy& policy, Identity& out, Diagnostics& diag) {
  out = Identity{};
  std::string pw_name;
  bool ok = resolve_user(policy, out, pw_name, diag);
  ok &= resolve_groups(policy, pw_name, out, diag);
  ok &= resolve_secrets_owner(policy, out, diag);
  return ok;
}

bool resolve_tmpfs_owners(Policy& policy, Diagnostics& diag) {
  bool ok = true;
  for (auto& t : policy.tmpfs) {
    if (!t.uid_name.empty()) {
      if (auto entry = lookup_user(t.uid_name)) {
        t.uid = entry->uid;
      } else {
        diag.error(t.origin, "tmpfs: uid: unknown user \"" + t.uid_name + "\"", kExitUser);
        ok = false;
      }
    }
    if (!t.gid_name.empty()) {
      if (auto gid = lookup_group(t.gid_name, nullptr)) {
        t.gid = *gid;
      } else {
        diag.error(t.origin, "tmpfs: gid: unknown group \"" + t.gid_name + "\"", kExitGroup);
        ok = false;
      }
    }
  }
  return ok;
}

bool read_secrets(const Policy& policy, std::vector<Secret>& out, Diagnostics& diag) {
  out.clear();
  bool ok = true;
  const char* cred_dir = getenv("CREDENTIALS_DIRECTORY");
  for (const auto& spec : policy.secrets) {
    Secret secret;
    secret.name = spec.name;
    secret.origin = spec.origin;
    if (spec.credential) {
      secret.source_display = "credential:" + spec.source;
      if (!cred_dir || path_problem(cred_dir) != "") {
        if (spec.optional) continue;
        diag.error(spec.origin,
                   "secrets: " + spec.name + ": " + secret.source_display +
                       ": $CREDENTIALS_DIRECTORY is not set (LoadCredential= in the unit?)",
                   kExitCredentials);
        ok = false;
        continue;
      }
      secret.host_path = std::string(cred_dir) + "/" + spec.source;
    } else {
      secret.source_display = spec.source;
      secret.host_path = spec.source;
    }
    // Resolved one component at a time: no symlink a user could have planted on the way
    // (swapped directories), none at all as the source itself; read through that descriptor.
    // O_NONBLOCK: opening a FIFO must not hang the service start.
    Resolved r = resolve_trusted(secret.host_path,
                                 {.flags = O_RDONLY | O_NOCTTY | O_NONBLOCK, .follow_last = false});
    auto fail = [&](const std::string& why) {
      diag.error(spec.origin, "secrets: cannot read " + secret.host_path + ": " + why,
                 kExitCredentials);
      ok = false;
    };
    // Optional: only a missing source is skipped; one that is there but refused is an error.
    if (!r && r.refusal.empty() && spec.optional && (r.error == ENOENT || r.error == ENOTDIR))
      continue;
    if (!r) {
      fail(!r.refusal.empty() ? r.refusal
           : r.error == ELOOP ? "is a symlink"
                              : errno_text(r.error));
      continue;
    }
    if (const std::string why = read_secret_source(r, secret); !why.empty()) {
      fail(why);
      continue;
    }
    out.push_back(std::move(secret));
  }
  return ok;
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
