#include "identity.h"

#include <grp.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <optional>

#include "sys_ops.h"

namespace jharden {
namespace {

std::optional<uint32_t> numeric_id(const std::string& s) {
  if (s.empty() || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  return static_cast<uint32_t>(std::stoull(s));  // range checked by the parser
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

}  // namespace

bool resolve_identity(const Policy& policy, Identity& out, Diagnostics& diag) {
  out = Identity{};
  std::string pw_name;
  bool ok = resolve_user(policy, out, pw_name, diag);
  ok &= resolve_groups(policy, pw_name, out, diag);
  ok &= resolve_secrets_owner(policy, out, diag);
  return ok;
}

std::string group_name_of(gid_t gid) {
  struct group grp, *result = nullptr;
  std::vector<char> buf(16384);
  if (getgrgid_r(gid, &grp, buf.data(), buf.size(), &result) == 0 && result) return result->gr_name;
  return std::to_string(gid);
}

std::string recorded_group_name(gid_t gid) {
  // A name is proposed back as that name: only one that names this gid again (not a group
  // called "0", nor a name another entry has first).
  std::string name = group_name_of(gid);
  auto back = lookup_group(name, nullptr);
  return back && *back == gid ? name : std::to_string(gid);
}

std::string identity_name(uid_t uid, gid_t gid) {
  auto entry = lookup_user(std::to_string(uid));
  // As for groups: a user name whose first entry has another uid stands as the number.
  if (entry) {
    auto back = lookup_user(entry->name);
    if (!back || back->uid != uid) entry.reset();
  }
  return (entry ? entry->name : std::to_string(uid)) + ":" + recorded_group_name(gid);
}

std::optional<Identity> identity_of(const std::string& user, const std::string& group,
                                    const std::optional<std::vector<std::string>>& groups) {
  Policy policy;
  policy.user = Located<std::string>{user, {}};
  if (!group.empty()) policy.group = Located<std::string>{group, {}};
  if (groups) policy.supplementary_groups = Located<std::vector<std::string>>{*groups, {}};
  Identity id;
  Diagnostics diag;
  if (!resolve_identity(policy, id, diag)) return std::nullopt;
  return id;
}

bool mode_permits(const Identity& id, const struct stat& st, int want) {
  mode_t bits = st.st_mode & 07;  // other
  if (st.st_uid == id.uid)
    bits = (st.st_mode >> 6) & 07;
  else if (st.st_gid == id.gid ||
           std::find(id.groups.begin(), id.groups.end(), st.st_gid) != id.groups.end())
    bits = (st.st_mode >> 3) & 07;
  return (bits & static_cast<mode_t>(want)) == static_cast<mode_t>(want);
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

void set_supplementary_groups(const Identity& id) {
  if (id.change && sys().setgroups(id.groups.size(), id.groups.data()) != 0)
    fail_errno(kExitGroup, "group", "setgroups for " + id.user_name);
}

void change_identity(const Identity& id, bool groups_set) {
  if (!id.change) return;
  if (sys().prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0)
    fail_errno(kExitCapabilities, "capabilities", "PR_SET_KEEPCAPS");
  if (!groups_set) set_supplementary_groups(id);
  if (sys().setresgid(id.gid, id.gid, id.gid) != 0)
    fail_errno(kExitGroup, "group", "setresgid " + std::to_string(id.gid));
  if (sys().setresuid(id.uid, id.uid, id.uid) != 0)
    fail_errno(kExitUser, "user", "setresuid " + std::to_string(id.uid));
  if (sys().prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0)
    fail_errno(kExitCapabilities, "capabilities", "PR_SET_KEEPCAPS");
}

}  // namespace jharden
