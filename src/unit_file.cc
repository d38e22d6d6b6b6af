// The syntax is systemd v252's (src/shared/conf-parser.c): "#" and ";" start a comment line, a
// trailing backslash continues the line (the backslash becomes a space, comment lines inside
// are skipped), white space around keys and values is stripped. Each setting is then read the
// way src/core/load-fragment.c reads it: an empty assignment resets a list, "~" inverts it,
// later assignments of a scalar win.
#include "unit_file.h"

#include <dirent.h>
#include <linux/capability.h>
#include <sched.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <sstream>
#include <string_view>

#include "cap_names.h"
#include "exec_split.h"
#include "seccomp_groups.h"
#include "text.h"

namespace jharden {
namespace {

constexpr size_t kMaxUnitFileSize = 1 << 20;  // systemd's LONG_LINE_MAX is as large

std::string strip(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// systemd's parse_boolean(): -1 when it is not one.
int parse_bool(const std::string& v) {
  std::string l = lower(v);
  if (l == "1" || l == "yes" || l == "y" || l == "true" || l == "t" || l == "on") return 1;
  if (l == "0" || l == "no" || l == "n" || l == "false" || l == "f" || l == "off") return 0;
  return -1;
}

// White-space separated words; quotes group as in ExecStart= (extract_first_word with
// EXTRACT_UNQUOTE).
bool words(const std::string& value, std::vector<std::string>& out, std::string& error) {
  error = split_command_line(value, out);
  return error.empty();
}

bool is_regular(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

bool is_dir(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

struct DirCloser {
  void operator()(DIR* d) const { closedir(d); }
};

std::vector<std::string> conf_files_in(const std::string& dir) {
  std::vector<std::string> out;
  std::unique_ptr<DIR, DirCloser> d(opendir(dir.c_str()));
  if (!d) return out;
  while (const dirent* e = readdir(d.get())) {
    std::string_view n = e->d_name;
    if (n.size() > 5 && n.ends_with(".conf")) out.emplace_back(n);
  }
  return out;
}

std::string basename_of(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// "foo@bar.service" -> "foo@.service"; "" when not an instance.
std::string template_of(const std::string& name) {
  size_t at = name.find('@');
  size_t dot = name.rfind('.');
  if (at == std::string::npos || dot == std::string::npos || dot <= at + 1) return "";
  return name.substr(0, at + 1) + name.substr(dot);
}

// The drop-in directory names of `name`, most specific first: NAME.d, the template's, the
// dash-separated prefixes ("a-b-.service.d", "a-.service.d") and the type's ("service.d").
std::vector<std::string> dropin_dir_names(const std::string& name) {
  std::vector<std::string> out = {name + ".d"};
  std::string tmpl = template_of(name);
  if (!tmpl.empty()) out.push_back(tmpl + ".d");
  size_t dot = name.rfind('.');
  std::string prefix = name.substr(0, dot), suffix = name.substr(dot);
  for (size_t dash = prefix.rfind('-'); dash != std::string::npos && dash > 0;
       dash = prefix.rfind('-', dash - 1)) {
    out.push_back(prefix.substr(0, dash + 1) + suffix + ".d");
    if (dash == 0) break;
  }
  out.push_back(suffix.substr(1) + ".d");
  return out;
}

// ---------------------------------------------------------------------------------------------
// Specifiers (systemd.unit(5), "Specifiers"): those a system service's security settings and
// ExecStart= use; any other is an error rather than a silently wrong path.

std::string expand(const std::string& value, const std::string& unit, const Origin& origin,
                   Diagnostics& diag) {
  if (value.find('%') == std::string::npos) return value;
  size_t dot = unit.rfind('.');
  std::string prefix_name = unit.substr(0, dot);
  size_t at = prefix_name.find('@');
  std::string prefix = at == std::string::npos ? prefix_name : prefix_name.substr(0, at);
  std::string instance = at == std::string::npos ? "" : prefix_name.substr(at + 1);
  const std::map<char, std::string> specifiers = {
      {'n', unit},         {'N', prefix_name}, {'p', prefix}, {'P', prefix},
      {'i', instance},     {'I', instance},    {'t', "/run"}, {'S', "/var/lib"},
      {'C', "/var/cache"}, {'L', "/var/log"},  {'E', "/etc"}, {'T', "/tmp"},
      {'V', "/var/tmp"},   {'%', "%"}};
  std::string out;
  for (size_t i = 0; i < value.size(); ++i) {
    if (value[i] != '%') {
      out += value[i];
      continue;
    }
    if (i + 1 >= value.size()) {
      diag.error(origin, "trailing \"%\" in \"" + value + "\" (write %% for a percent sign)");
      return value;
    }
    auto it = specifiers.find(value[++i]);
    if (it == specifiers.end()) {
      diag.error(origin,
                 std::string("unsupported specifier %") + value[i] + " in \"" + value + "\"");
      return value;
    }
    out += it->second;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The settings.

struct Assignment {
  std::string key;
  std::string value;  // specifiers expanded
  Origin origin;
};

using Handler = std::function<void(UnitSettings&, const Assignment&, Diagnostics&)>;

void bad(Diagnostics& diag, const Assignment& a, const std::string& why) {
  diag.error(a.origin, a.key + "=: " + why + ": \"" + a.value + "\"");
}

// The words of a list setting's value, "~" first when they invert it (a deny list, or words
// taken away). false, reported, when they do not split.
bool inverted_words(const Assignment& a, bool& invert, std::vector<std::string>& out,
                    Diagnostics& diag) {
  std::string v = a.value;
  invert = !v.empty() && v[0] == '~';
  if (invert) v.erase(0, 1);
  std::string error;
  if (words(v, out, error)) return true;
  bad(diag, a, error);
  return false;
}

Handler boolean(bool UnitSettings::*field) {
  return [field](UnitSettings& u, const Assignment& a, Diagnostics& diag) {
    int b = parse_bool(a.value);
    if (b < 0) return bad(diag, a, "not a boolean");
    u.*field = b == 1;
  };
}

// A setting that is a boolean or one of `words`; true is `yes_as`, false "no".
Handler choice(std::string UnitSettings::*field, std::vector<std::string> allowed,
               const char* yes_as = nullptr) {
  return [=](UnitSettings& u, const Assignment& a, Diagnostics& diag) {
    if (a.value.empty()) {
      u.*field = allowed.front();
      return;
    }
    if (yes_as) {
      int b = parse_bool(a.value);
      if (b >= 0) {
        u.*field = b ? yes_as : "no";
        return;
      }
    }
    if (std::find(allowed.begin(), allowed.end(), a.value) == allowed.end())
      return bad(diag, a, "not one of the accepted values");
    u.*field = a.value;
  };
}

Handler string_list(std::vector<std::string> UnitSettings::*field) {
  return [field](UnitSettings& u, const Assignment& a, Diagnostics& diag) {
    std::vector<std::string> w;
    std::string error;
    if (!words(a.value, w, error)) return bad(diag, a, error);
    if (w.empty()) (u.*field).clear();
    (u.*field).insert((u.*field).end(), w.begin(), w.end());
  };
}

void parse_capabilities(UnitSettings& u, const Assignment& a, Diagnostics& diag, bool bounding) {
  std::string v = a.value;
  bool invert = !v.empty() && v[0] == '~';
  if (invert) v.erase(0, 1);
  std::vector<std::string> w;
  std::string error;
  if (!words(v, w, error)) return bad(diag, a, error);
  uint64_t sum = 0;
  for (const auto& name : w) {
    auto cap = parse_capability(name);
    if (!cap || *cap >= 64) return bad(diag, a, "unknown capability " + name);
    sum |= uint64_t{1} << *cap;
  }
  uint64_t& set = bounding ? u.bounding : u.ambient;
  const uint64_t initial = bounding ? ~uint64_t{0} : 0;
  // config_parse_capability_set(): "", "~" or the initial value is replaced, anything else is
  // merged into.
  if (sum == 0 || set == initial)
    set = invert ? ~sum : sum;
  else if (invert)
    set &= ~sum;
  else
    set |= sum;
}

void parse_syscall_filter(UnitSettings& u, const Assignment& a, Diagnostics& diag, bool& started) {
  if (a.value.empty()) {
    u.syscall_filter.clear();
    u.syscall_allow_list = false;
    started = false;
    return;
  }
  bool invert = false;
  std::vector<std::string> w;
  if (!inverted_words(a, invert, w, diag)) return;
  auto names = [&](const std::string& word, std::vector<std::string>& out) {
    // NAME:ERRNO gives the call its own error; the call is refused all the same.
    std::string n = word.substr(0, word.find(':'));
    if (n.starts_with("@")) {
      const SyscallGroup* g = find_syscall_group(n);
      if (!g) return false;
      out = expand_syscall_group(*g);
      return true;
    }
    if (n.empty()) return false;
    for (char c : n)
      if (!std::islower(static_cast<unsigned char>(c)) &&
          !std::isdigit(static_cast<unsigned char>(c)) && c != '_')
        return false;
    out = {n};
    return true;
  };
  if (!started) {
    started = true;
    u.syscall_filter.clear();
    u.syscall_allow_list = !invert;
    // systemd adds @default to every allow list.
    if (!invert) {
      auto def = expand_syscall_group(*find_syscall_group("@default"));
      u.syscall_filter.insert(def.begin(), def.end());
    }
  }
  // Allow list: plain words add, "~" words remove; deny list: the other way round.
  bool add = invert != u.syscall_allow_list;
  for (const auto& word : w) {
    std::vector<std::string> list;
    if (!names(word, list)) return bad(diag, a, "unknown system call or group " + word);
    for (const auto& n : list) {
      if (add)
        u.syscall_filter.insert(n);
      else
        u.syscall_filter.erase(n);
    }
  }
}

bool known_family(const std::string& af) {
  static const std::set<std::string> kFamilies = {
      "AF_UNIX",       "AF_LOCAL",     "AF_INET",     "AF_AX25",  "AF_IPX",     "AF_APPLETALK",
      "AF_NETROM",     "AF_BRIDGE",    "AF_ATMPVC",   "AF_X25",   "AF_INET6",   "AF_ROSE",
      "AF_DECnet",     "AF_NETBEUI",   "AF_SECURITY", "AF_KEY",   "AF_NETLINK", "AF_PACKET",
      "AF_ASH",        "AF_ECONET",    "AF_ATMSVC",   "AF_RDS",   "AF_SNA",     "AF_IRDA",
      "AF_PPPOX",      "AF_WANPIPE",   "AF_LLC",      "AF_IB",    "AF_MPLS",    "AF_CAN",
      "AF_TIPC",       "AF_BLUETOOTH", "AF_IUCV",     "AF_RXRPC", "AF_ISDN",    "AF_PHONET",
      "AF_IEEE802154", "AF_CAIF",      "AF_ALG",      "AF_NFC",   "AF_VSOCK",   "AF_KCM",
      "AF_QIPCRTR",    "AF_SMC",       "AF_XDP",      "AF_MCTP"};
  return kFamilies.contains(af);
}

void parse_address_families(UnitSettings& u, const Assignment& a, Diagnostics& diag,
                            bool& started) {
  if (a.value.empty()) {
    u.address_families.clear();
    u.address_families_allow_list = false;
    started = false;
    return;
  }
  if (a.value == "none") {
    u.address_families.clear();
    u.address_families_allow_list = true;
    started = true;
    return;
  }
  bool invert = false;
  std::vector<std::string> w;
  if (!inverted_words(a, invert, w, diag)) return;
  if (!started) {
    started = true;
    u.address_families_allow_list = !invert;
  }
  for (auto af : w) {
    if (!known_family(af)) return bad(diag, a, "unknown address family " + af);
    if (af == "AF_LOCAL") af = "AF_UNIX";
    if (invert != u.address_families_allow_list)
      u.address_families.insert(af);
    else
      u.address_families.erase(af);
  }
}

const std::vector<std::pair<std::string, uint64_t>>& namespace_types() {
  static const std::vector<std::pair<std::string, uint64_t>> kTypes = {
      {"cgroup", CLONE_NEWCGROUP}, {"ipc", CLONE_NEWIPC}, {"net", CLONE_NEWNET},
      {"mnt", CLONE_NEWNS},        {"pid", CLONE_NEWPID}, {"user", CLONE_NEWUSER},
      {"uts", CLONE_NEWUTS}};
  return kTypes;
}

void parse_restrict_namespaces(UnitSettings& u, const Assignment& a, Diagnostics& diag,
                               bool& started) {
  uint64_t all = 0;
  for (const auto& [n, f] : namespace_types()) all |= f;
  if (a.value.empty()) {
    u.namespaces_allowed = ~uint64_t{0};
    started = false;
    return;
  }
  int b = parse_bool(a.value);
  if (b >= 0) {
    u.namespaces_allowed = b ? 0 : ~uint64_t{0};
    started = true;
    return;
  }
  bool invert = false;
  std::vector<std::string> w;
  if (!inverted_words(a, invert, w, diag)) return;
  uint64_t flags = 0;
  for (const auto& n : w) {
    auto it = std::find_if(namespace_types().begin(), namespace_types().end(),
                           [&](const auto& t) { return t.first == n; });
    if (it == namespace_types().end()) return bad(diag, a, "unknown namespace type " + n);
    flags |= it->second;
  }
  if (!started)
    u.namespaces_allowed = invert ? (~flags & all) : flags;
  else if (invert)
    u.namespaces_allowed &= ~flags;
  else
    u.namespaces_allowed |= flags;
  started = true;
}

void parse_exec_start(UnitSettings& u, const Assignment& a, Diagnostics& diag) {
  if (a.value.empty()) {
    u.exec_start.clear();
    return;
  }
  ExecCommand c;
  c.line = a.value;
  c.origin = a.origin;
  std::string_view v = a.value;
  bool argv0 = false;
  // "@", "-", ":" and one of "+", "!", "!!", in any order.
  for (;;) {
    if (v.starts_with("@")) {
      argv0 = true;
    } else if (v.starts_with("-")) {
      c.ignore_failure = true;
    } else if (v.starts_with(":")) {
    } else if (v.starts_with("+") && !c.no_setuid) {
      c.fully_privileged = true;
    } else if (v.starts_with("!") && !c.fully_privileged) {
      c.no_setuid = true;
    } else {
      break;
    }
    v.remove_prefix(1);
  }
  std::vector<std::string> w;
  std::string error = split_command_line(v, w);
  if (!error.empty()) return bad(diag, a, error);
  if (w.empty()) return bad(diag, a, "no command");
  c.path = w[0];
  if (argv0) {
    if (w.size() < 2) return bad(diag, a, "\"@\" needs argv[0] after the path");
    w.erase(w.begin());
  }
  c.argv = std::move(w);
  u.exec_start.push_back(std::move(c));
}

void parse_umask(UnitSettings& u, const Assignment& a, Diagnostics& diag) {
  if (a.value.empty() || a.value.size() > 4 ||
      a.value.find_first_not_of("01234567") != std::string::npos)
    return bad(diag, a, "not an octal mode");
  u.umask = static_cast<mode_t>(std::stoul(a.value, nullptr, 8));
}

// The state a whole load shares: which list settings have had a first assignment.
struct ListState {
  bool syscall_filter = false;
  bool address_families = false;
  bool namespaces = false;
};

std::map<std::string, Handler> service_handlers(ListState& state) {
  return {
      {"Type", [](UnitSettings& u, const Assignment& a, Diagnostics&) { u.type = a.value; }},
      {"NotifyAccess", choice(&UnitSettings::notify_access, {"", "none", "main", "exec", "all"})},
      {"ExecStart", parse_exec_start},
      {"User", [](UnitSettings& u, const Assignment& a, Diagnostics&) { u.user = a.value; }},
      {"DynamicUser", boolean(&UnitSettings::dynamic_user)},
      {"SupplementaryGroups", string_list(&UnitSettings::supplementary_groups)},
      {"AmbientCapabilities", [](UnitSettings& u, const Assignment& a,
                                 Diagnostics& d) { parse_capabilities(u, a, d, false); }},
      {"CapabilityBoundingSet", [](UnitSettings& u, const Assignment& a,
                                   Diagnostics& d) { parse_capabilities(u, a, d, true); }},
      {"IPAddressDeny", string_list(&UnitSettings::ip_address_deny)},
      {"IPAddressAllow", string_list(&UnitSettings::ip_address_allow)},
      {"IPIngressFilterPath", string_list(&UnitSettings::ip_ingress_filter)},
      {"IPEgressFilterPath", string_list(&UnitSettings::ip_egress_filter)},
      {"KeyringMode", choice(&UnitSettings::keyring_mode, {"private", "inherit", "shared"})},
      {"ProtectProc",
       choice(&UnitSettings::protect_proc, {"default", "invisible", "ptraceable", "noaccess"})},
      {"ProcSubset", choice(&UnitSettings::proc_subset, {"all", "pid"})},
      {"LockPersonality", boolean(&UnitSettings::lock_personality)},
      {"MemoryDenyWriteExecute", boolean(&UnitSettings::memory_deny_write_execute)},
      {"NoNewPrivileges", boolean(&UnitSettings::no_new_privileges)},
      {"ProtectHostname", boolean(&UnitSettings::protect_hostname)},
      {"PrivateDevices", boolean(&UnitSettings::private_devices)},
      {"PrivateMounts", boolean(&UnitSettings::private_mounts)},
      {"PrivateNetwork", boolean(&UnitSettings::private_network)},
      {"PrivateTmp", boolean(&UnitSettings::private_tmp)},
      {"PrivateUsers", boolean(&UnitSettings::private_users)},
      {"PrivateIPC", boolean(&UnitSettings::private_ipc)},
      {"ProtectControlGroups", boolean(&UnitSettings::protect_control_groups)},
      {"ProtectKernelModules", boolean(&UnitSettings::protect_kernel_modules)},
      {"ProtectKernelTunables", boolean(&UnitSettings::protect_kernel_tunables)},
      {"ProtectKernelLogs", boolean(&UnitSettings::protect_kernel_logs)},
      {"ProtectClock", boolean(&UnitSettings::protect_clock)},
      {"ProtectHome", choice(&UnitSettings::protect_home, {"no", "read-only", "tmpfs"}, "yes")},
      {"ProtectSystem", choice(&UnitSettings::protect_system, {"no", "full", "strict"}, "yes")},
      {"RemoveIPC", boolean(&UnitSettings::remove_ipc)},
      {"RestrictRealtime", boolean(&UnitSettings::restrict_realtime)},
      {"RestrictSUIDSGID", boolean(&UnitSettings::restrict_suid_sgid)},
      {"Delegate",
       [](UnitSettings& u, const Assignment& a, Diagnostics&) {
         // A list of controllers also means yes.
         u.delegate = a.value.empty() ? false : parse_bool(a.value) != 0;
       }},
      {"RestrictAddressFamilies",
       [&state](UnitSettings& u, const Assignment& a, Diagnostics& d) {
         parse_address_families(u, a, d, state.address_families);
       }},
      {"RestrictNamespaces",
       [&state](UnitSettings& u, const Assignment& a, Diagnostics& d) {
         parse_restrict_namespaces(u, a, d, state.namespaces);
       }},
      {"RootDirectory",
       [](UnitSettings& u, const Assignment& a, Diagnostics&) { u.root_directory = a.value; }},
      {"RootImage",
       [](UnitSettings& u, const Assignment& a, Diagnostics&) { u.root_image = a.value; }},
      {"DevicePolicy", choice(&UnitSettings::device_policy, {"auto", "closed", "strict"})},
      {"DeviceAllow",
       [](UnitSettings& u, const Assignment& a, Diagnostics&) {
         if (a.value.empty())
           u.device_allow.clear();
         else
           u.device_allow.push_back(a.value);
       }},
      {"SystemCallArchitectures",
       [](UnitSettings& u, const Assignment& a, Diagnostics& d) {
         std::vector<std::string> w;
         std::string error;
         if (!words(a.value, w, error)) return bad(d, a, error);
         if (w.empty()) u.syscall_archs.clear();
         u.syscall_archs.insert(w.begin(), w.end());
       }},
      {"SystemCallFilter",
       [&state](UnitSettings& u, const Assignment& a, Diagnostics& d) {
         parse_syscall_filter(u, a, d, state.syscall_filter);
       }},
      {"UMask", parse_umask},
  };
}

// Splits one file into the assignments of [Unit] and [Service], values as written.
void lex(const UnitSource& source, std::vector<std::pair<std::string, Assignment>>& out,
         Diagnostics& diag) {
  // Named, not a structured binding: a lambda below captures it (clang 14 refuses those).
  const auto& file = source.first;
  const auto& content = source.second;
  if (content.find('\0') != std::string::npos) {
    diag.error(Origin{file, 0}, "NUL byte in a unit file");
    return;
  }
  std::istringstream in(content);
  std::string raw, section, continuation;
  int line = 0, start = 0;
  bool in_continuation = false;
  auto handle = [&](const std::string& text, int at) {
    std::string l = strip(text);
    if (l.empty()) return;
    Origin origin{file, at};
    if (l[0] == '[') {
      if (l.back() != ']') return diag.error(origin, "invalid section header \"" + l + "\"");
      section = l.substr(1, l.size() - 2);
      return;
    }
    if (section.empty()) return diag.error(origin, "assignment outside of a section");
    size_t eq = l.find('=');
    if (eq == std::string::npos) return diag.error(origin, "missing \"=\": \"" + l + "\"");
    if (eq == 0) return diag.error(origin, "missing key name before \"=\"");
    Assignment a{strip(std::string_view(l).substr(0, eq)),
                 strip(std::string_view(l).substr(eq + 1)), origin};
    if (section != "Unit" && section != "Service") return;
    out.emplace_back(section, std::move(a));
  };
  while (std::getline(in, raw)) {
    ++line;
    std::string lead = strip(raw);
    if (!lead.empty() && (lead[0] == '#' || lead[0] == ';')) continue;
    std::string text = in_continuation ? continuation + raw : raw;
    if (!in_continuation) start = line;
    // A backslash escapes the next character; one left at the end continues the line.
    bool escaped = false;
    for (char c : text) escaped = !escaped && c == '\\';
    if (escaped) {
      text.back() = ' ';
      continuation = text;
      in_continuation = true;
      continue;
    }
    in_continuation = false;
    handle(text, start);
  }
  if (in_continuation) handle(continuation, start);
}

// Names for a SystemCallFilter= line: each group whose calls are all in `names` by its name, so
// that systemd reads the groups it knows (its tables may hold calls newer than jharden's).
std::vector<std::string> syscall_words(const std::set<std::string>& names) {
  std::vector<std::pair<std::string, std::vector<std::string>>> groups;
  for (const auto& g : syscall_groups()) {
    auto members = expand_syscall_group(g);
    if (members.empty()) continue;
    groups.emplace_back(std::string(g.name), std::move(members));
  }
  std::stable_sort(groups.begin(), groups.end(),
                   [](const auto& a, const auto& b) { return a.second.size() > b.second.size(); });
  std::set<std::string> left = names;
  std::vector<std::string> out;
  for (const auto& [name, members] : groups) {
    bool all = std::all_of(members.begin(), members.end(),
                           [&](const std::string& m) { return names.contains(m); });
    bool some_left = std::any_of(members.begin(), members.end(),
                                 [&](const std::string& m) { return left.contains(m); });
    if (!all || !some_left) continue;
    out.push_back(name);
    for (const auto& m : members) left.erase(m);
  }
  out.insert(out.end(), left.begin(), left.end());
  return out;
}

}  // namespace

std::vector<std::string> standard_unit_dirs() {
  return {"/etc/systemd/system", "/run/systemd/system", "/usr/lib/systemd/system",
          "/lib/systemd/system"};
}

bool find_unit_files(const std::string& unit, const std::vector<std::string>& dirs,
                     std::string& name, std::vector<std::string>& files, Diagnostics& diag) {
  files.clear();
  std::vector<std::string> dropin_dirs;
  // A template has no instance to fill in %i with; systemd does not load one either.
  if (basename_of(unit).find("@.") != std::string::npos) {
    diag.error("unit " + unit + " is a template: name an instance (NAME@INSTANCE.service)",
               kExitFailure);
    return false;
  }
  if (unit.find('/') != std::string::npos) {
    name = basename_of(unit);
    if (!is_regular(unit)) {
      diag.error("unit file " + unit + " is missing or not a regular file", kExitFailure);
      return false;
    }
    files.push_back(unit);
    dropin_dirs.push_back(unit + ".d");
  } else {
    name = unit.find('.') == std::string::npos ? unit + ".service" : unit;
    if (!name.ends_with(".service")) {
      diag.error("--unit: " + name + " is not a service", kExitFailure);
      return false;
    }
    std::string tmpl = template_of(name);
    for (const auto& dir : dirs) {
      for (const std::string& candidate : {name, tmpl}) {
        if (candidate.empty() || !files.empty()) continue;
        std::string path = dir + "/" + candidate;
        struct stat st;
        if (lstat(path.c_str(), &st) != 0) continue;
        char target[16] = {};
        if (S_ISLNK(st.st_mode) && readlink(path.c_str(), target, sizeof target - 1) > 0 &&
            std::string_view(target) == "/dev/null") {
          diag.error("unit " + name + " is masked (" + path + " links to /dev/null)", kExitFailure);
          return false;
        }
        if (is_regular(path)) files.push_back(path);
      }
    }
    if (files.empty()) {
      std::string where;
      for (const auto& d : dirs) where += (where.empty() ? "" : ", ") + d;
      diag.error("unit " + name + " not found in " + where, kExitFailure);
      return false;
    }
    for (const auto& dir : dirs)
      for (const auto& d : dropin_dir_names(name)) dropin_dirs.push_back(dir + "/" + d);
  }
  // The first directory with a file name wins; then all are applied in file name order.
  std::map<std::string, std::string> by_name;
  for (const auto& d : dropin_dirs) {
    if (!is_dir(d)) continue;
    for (const auto& f : conf_files_in(d)) by_name.emplace(f, d + "/" + f);
  }
  for (const auto& [n, path] : by_name) files.push_back(path);
  return true;
}

bool load_unit(const std::string& name, const std::vector<std::string>& files, UnitSettings& out,
               Diagnostics& diag) {
  std::vector<UnitSource> sources;
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    std::string content;
    if (in) content.assign(std::istreambuf_iterator<char>(in), {});
    if (!in && !in.eof()) {
      diag.error("cannot read unit file " + f, kExitFailure);
      continue;
    }
    if (content.size() > kMaxUnitFileSize) {
      diag.error(Origin{f, 0}, "unit file larger than 1 MiB");
      continue;
    }
    sources.emplace_back(f, std::move(content));
  }
  if (!diag.ok()) return false;
  out = parse_unit_files(name, sources, diag);
  return diag.ok();
}

UnitSettings parse_unit_files(const std::string& name, const std::vector<UnitSource>& sources,
                              Diagnostics& diag) {
  UnitSettings u;
  u.name = name;
  ListState state;
  const auto handlers = service_handlers(state);
  for (const auto& source : sources) {
    u.files.push_back(source.first);
    std::vector<std::pair<std::string, Assignment>> assignments;
    lex(source, assignments, diag);
    for (auto& [section, a] : assignments) {
      // Specifiers only in what is read: other settings are systemd's business.
      auto it = handlers.find(a.key);
      bool used = section == "Unit" ? a.key == "DefaultDependencies" : it != handlers.end();
      if (!used) continue;
      a.value = expand(a.value, name, a.origin, diag);
      if (section == "Unit") {
        if (a.key != "DefaultDependencies") continue;
        int b = parse_bool(a.value);
        if (b < 0) {
          bad(diag, a, "not a boolean");
          continue;
        }
        u.default_dependencies = b == 1;
        continue;
      }
      it->second(u, a, diag);
    }
  }
  return u;
}

UnitSettings patched(const UnitSettings& in) {
  UnitSettings u = in;
  auto bit = [](int cap) { return uint64_t{1} << cap; };
  if (u.private_devices) u.bounding &= ~(bit(CAP_MKNOD) | bit(CAP_SYS_RAWIO));
  if (u.protect_kernel_modules) u.bounding &= ~bit(CAP_SYS_MODULE);
  if (u.protect_kernel_logs) u.bounding &= ~bit(CAP_SYSLOG);
  if (u.protect_clock) u.bounding &= ~(bit(CAP_SYS_TIME) | bit(CAP_WAKE_ALARM));
  if (u.dynamic_user) {
    if (u.user.empty()) u.user = u.name.substr(0, u.name.rfind('.'));
    u.private_tmp = true;
    u.remove_ipc = true;
    u.protect_system = "strict";
    if (u.protect_home == "no") u.protect_home = "read-only";
    u.no_new_privileges = true;
    u.restrict_suid_sgid = true;
  }
  if (u.private_devices && u.device_policy == "auto") u.device_policy = "closed";
  // These imply that everything else is blocked: only added where something already is.
  if (u.device_policy != "auto" || !u.device_allow.empty()) {
    auto allow = [&](const std::string& entry) {
      if (std::find(u.device_allow.begin(), u.device_allow.end(), entry) == u.device_allow.end())
        u.device_allow.push_back(entry);
    };
    if (!u.root_image.empty()) {
      for (const char* e : {"/dev/loop-control rw", "/dev/mapper/control rw", "block-loop rwm",
                            "block-blkext rwm", "block-device-mapper rwm"})
        allow(e);
    }
    if (u.protect_clock) allow("char-rtc r");
  }
  if (u.notify_access.empty() && u.type == "notify") u.notify_access = "main";
  return u;
}

namespace {

// The lines of a unit's [Service] section, in the order systemd's documentation lists them.
class SettingLines {
 public:
  void add(std::string line) { lines_.push_back(std::move(line)); }
  void yes(const char* key, bool value) {
    if (value) add(std::string(key) + "=yes");
  }
  void list(const char* key, const std::vector<std::string>& values, const char* prefix = "") {
    if (!values.empty()) add(std::string(key) + "=" + prefix + join(values));
  }
  const std::vector<std::string>& lines() const { return lines_; }

 private:
  std::vector<std::string> lines_;
};

// A value with systemd's specifier character escaped.
std::string percent_escaped(const std::string& s) {
  std::string out;
  for (char c : s) out += c == '%' ? "%%" : std::string(1, c);
  return out;
}

// Type, identity and capabilities.
void identity_lines(const UnitSettings& u, SettingLines& L) {
  if (!u.type.empty()) L.add("Type=" + u.type);
  if (!u.notify_access.empty()) L.add("NotifyAccess=" + u.notify_access);
  if (!u.user.empty()) L.add("User=" + percent_escaped(u.user));
  L.yes("DynamicUser", u.dynamic_user);
  L.list("SupplementaryGroups", u.supplementary_groups);
  auto caps = [](uint64_t set) {
    std::vector<std::string> names;
    for (int c = 0; c <= last_capability() && c < 64; ++c)
      if (set & (uint64_t{1} << c)) names.push_back(capability_name(c));
    return names;
  };
  if (u.ambient) L.list("AmbientCapabilities", caps(u.ambient));
  uint64_t known = 0;
  for (int c = 0; c <= last_capability() && c < 64; ++c) known |= uint64_t{1} << c;
  if ((u.bounding & known) != known) {
    // An empty assignment empties the set.
    std::vector<std::string> names = caps(u.bounding);
    L.add("CapabilityBoundingSet=" + join(names));
  }
}

// The network, process and file system protections.
void protection_lines(const UnitSettings& u, SettingLines& L) {
  L.list("IPAddressDeny", u.ip_address_deny);
  L.list("IPAddressAllow", u.ip_address_allow);
  L.list("IPIngressFilterPath", u.ip_ingress_filter);
  L.list("IPEgressFilterPath", u.ip_egress_filter);
  if (u.keyring_mode != "private") L.add("KeyringMode=" + u.keyring_mode);
  if (u.protect_proc != "default") L.add("ProtectProc=" + u.protect_proc);
  if (u.proc_subset != "all") L.add("ProcSubset=" + u.proc_subset);
  L.yes("LockPersonality", u.lock_personality);
  L.yes("MemoryDenyWriteExecute", u.memory_deny_write_execute);
  L.yes("NoNewPrivileges", u.no_new_privileges);
  L.yes("ProtectHostname", u.protect_hostname);
  L.yes("PrivateDevices", u.private_devices);
  L.yes("PrivateMounts", u.private_mounts);
  L.yes("PrivateNetwork", u.private_network);
  L.yes("PrivateTmp", u.private_tmp);
  L.yes("PrivateUsers", u.private_users);
  L.yes("PrivateIPC", u.private_ipc);
  L.yes("ProtectControlGroups", u.protect_control_groups);
  L.yes("ProtectKernelModules", u.protect_kernel_modules);
  L.yes("ProtectKernelTunables", u.protect_kernel_tunables);
  L.yes("ProtectKernelLogs", u.protect_kernel_logs);
  L.yes("ProtectClock", u.protect_clock);
  if (u.protect_home != "no") L.add("ProtectHome=" + u.protect_home);
  if (u.protect_system != "no") L.add("ProtectSystem=" + u.protect_system);
  L.yes("RemoveIPC", u.remove_ipc);
  L.yes("RestrictRealtime", u.restrict_realtime);
  L.yes("RestrictSUIDSGID", u.restrict_suid_sgid);
  L.yes("Delegate", u.delegate);
}

// Address families, namespaces, the root, devices and the system call filter.
void filter_lines(const UnitSettings& u, SettingLines& L) {
  if (u.address_families_allow_list && u.address_families.empty())
    L.add("RestrictAddressFamilies=none");
  else if (!u.address_families.empty())
    L.list("RestrictAddressFamilies", {u.address_families.begin(), u.address_families.end()},
           u.address_families_allow_list ? "" : "~");
  uint64_t all = 0;
  for (const auto& [n, f] : namespace_types()) all |= f;
  if ((u.namespaces_allowed & all) != all) {
    std::vector<std::string> allowed;
    for (const auto& [n, f] : namespace_types())
      if (u.namespaces_allowed & f) allowed.push_back(n);
    if (allowed.empty())
      L.add("RestrictNamespaces=yes");
    else
      L.list("RestrictNamespaces", allowed);
  }
  if (!u.root_directory.empty()) L.add("RootDirectory=" + percent_escaped(u.root_directory));
  if (!u.root_image.empty()) L.add("RootImage=" + percent_escaped(u.root_image));
  if (u.device_policy != "auto") L.add("DevicePolicy=" + u.device_policy);
  for (const auto& d : u.device_allow) L.add("DeviceAllow=" + percent_escaped(d));
  L.list("SystemCallArchitectures", {u.syscall_archs.begin(), u.syscall_archs.end()});
  if (u.syscall_allow_list) {
    L.list("SystemCallFilter", syscall_words(u.syscall_filter));
    // systemd adds @default to an allow list: take back what this one leaves out.
    std::vector<std::string> taken;
    for (const auto& n : expand_syscall_group(*find_syscall_group("@default")))
      if (!u.syscall_filter.contains(n)) taken.push_back(n);
    if (u.syscall_filter.empty() && taken.empty()) L.add("SystemCallFilter=@default");
    L.list("SystemCallFilter", taken, "~");
  } else {
    L.list("SystemCallFilter", syscall_words(u.syscall_filter), "~");
  }
}

}  // namespace

std::string unit_settings_text(const UnitSettings& u) {
  SettingLines L;
  identity_lines(u, L);
  protection_lines(u, L);
  filter_lines(u, L);
  L.add("UMask=" + octal_mode(u.umask));

  std::string out;
  if (!u.default_dependencies) out += "[Unit]\nDefaultDependencies=no\n\n";
  out += "[Service]\n";
  for (const auto& l : L.lines()) out += l + "\n";
  return out;
}

bool runs_jharden(const ExecCommand& command) { return basename_of(command.path) == "jharden"; }

}  // namespace jharden
