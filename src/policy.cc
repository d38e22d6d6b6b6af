#include "policy.h"

#include <ini.h>
#include <linux/capability.h>
#include <sched.h>
#include <seccomp.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <functional>
#include <limits>
#include <map>
#include <set>
#include <string_view>

#include "cap_names.h"
#include "exec_split.h"
#include "paths.h"
#include "seccomp_groups.h"
#include "seccomp_names.h"

namespace jharden {
namespace {

const Origin kDefaultOrigin{"(built-in default)", 0};

// CAP_DAC_READ_SEARCH: Shocker; with it, open_by_handle_at reopens any file of a mounted file
// system, around every read-only tree, mask and hidden source.
constexpr std::string_view kDefaultDrop[] = {
    "CAP_SYS_ADMIN",      "CAP_SYS_PTRACE",    "CAP_SYS_MODULE",      "CAP_SYS_RAWIO",
    "CAP_SYS_BOOT",       "CAP_SYS_TIME",      "CAP_MKNOD",           "CAP_MAC_ADMIN",
    "CAP_MAC_OVERRIDE",   "CAP_AUDIT_CONTROL", "CAP_LINUX_IMMUTABLE", "CAP_BPF",
    "CAP_PERFMON",        "CAP_SYSLOG",        "CAP_SYS_PACCT",       "CAP_CHECKPOINT_RESTORE",
    "CAP_DAC_READ_SEARCH"};

// @keyring: uid 0's user keyring is shared with the host's root. open_by_handle_at: Shocker,
// also refused where a policy keeps CAP_DAC_READ_SEARCH.
constexpr std::string_view kDefaultDeny[] = {
    "@mount", "@module",   "@reboot",        "@swap",    "@raw-io",          "@clock",
    "@debug", "@obsolete", "@cpu-emulation", "@keyring", "open_by_handle_at"};

std::vector<std::string_view> split_words(std::string_view value) {
  std::vector<std::string_view> words;
  size_t i = 0;
  while (i < value.size()) {
    while (i < value.size() && std::isspace(static_cast<unsigned char>(value[i]))) ++i;
    size_t start = i;
    while (i < value.size() && !std::isspace(static_cast<unsigned char>(value[i]))) ++i;
    if (i > start) words.push_back(value.substr(start, i - start));
  }
  return words;
}

std::string quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

std::optional<bool> parse_bool(std::string_view v) {
  if (v == "yes" || v == "true" || v == "on" || v == "1") return true;
  if (v == "no" || v == "false" || v == "off" || v == "0") return false;
  return std::nullopt;
}

std::optional<mode_t> parse_mode(std::string_view v) {
  if (v.empty() || v.size() > 4) return std::nullopt;
  unsigned value = 0;
  for (char c : v) {
    if (c < '0' || c > '7') return std::nullopt;
    value = value * 8 + static_cast<unsigned>(c - '0');
  }
  return static_cast<mode_t>(value);
}

// Decimal id 0..4294967294: -1 and 4294967295 are (uid_t)-1, "no change" to setresuid().
std::optional<uint32_t> parse_id(std::string_view v) {
  if (v.empty() || v.size() > 10) return std::nullopt;
  uint64_t value = 0;
  for (char c : v) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  if (value >= 4294967295ULL) return std::nullopt;
  return static_cast<uint32_t>(value);
}

bool all_digits(std::string_view v) {
  return !v.empty() && std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// N with an optional k/m/g suffix (binary multiples), refusing overflow.
std::optional<uint64_t> parse_size(std::string_view v) {
  if (v.empty()) return std::nullopt;
  uint64_t multiplier = 1;
  switch (v.back()) {
    case 'k':
    case 'K':
      multiplier = 1ULL << 10;
      v.remove_suffix(1);
      break;
    case 'm':
    case 'M':
      multiplier = 1ULL << 20;
      v.remove_suffix(1);
      break;
    case 'g':
    case 'G':
      multiplier = 1ULL << 30;
      v.remove_suffix(1);
      break;
    default:
      break;
  }
  if (!all_digits(v)) return std::nullopt;
  uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), value);
  if (ec != std::errc() || ptr != v.data() + v.size()) return std::nullopt;
  if (value > std::numeric_limits<uint64_t>::max() / multiplier) return std::nullopt;
  return value * multiplier;
}

bool is_env_name(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name.front()))) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

bool is_secret_name(std::string_view name) {
  return is_plain_file_name(name) && std::all_of(name.begin(), name.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
         });
}

// A user or group name as useradd(8) accepts it (Debian's relaxed rules).
bool is_user_group_name(std::string_view v) {
  return !v.empty() && v.size() <= 32 && v.front() != '-' && v.front() != '+' && !all_digits(v) &&
         std::all_of(v.begin(), v.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' ||
                  c == '$';
         });
}

bool is_syscall_or_group(std::string_view name) {
  if (!name.empty() && name.front() == '@') return find_syscall_group(name) != nullptr;
  return seccomp_syscall_resolve_name(std::string(name).c_str()) != __NR_SCMP_ERROR;
}

}  // namespace

std::vector<std::string> parse_tmpfs_options(std::string_view options, TmpfsSpec& spec) {
  std::vector<std::string> errors;
  size_t start = 0;
  while (start <= options.size()) {
    size_t comma = options.find(',', start);
    if (comma == std::string_view::npos) comma = options.size();
    std::string_view opt = options.substr(start, comma - start);
    start = comma + 1;
    size_t eq = opt.find('=');
    std::string_view name = opt.substr(0, eq);
    std::string_view arg = eq == std::string_view::npos ? std::string_view() : opt.substr(eq + 1);
    auto bad = [&](const std::string& why) { errors.push_back(why + ": " + quoted(opt)); };
    if (eq == std::string_view::npos) {
      if (opt == "nosuid" || opt == "nodev") continue;  // always set
      if (opt == "noexec")
        spec.noexec = true;
      else if (opt == "exec")
        spec.noexec = false;
      else if (opt == "ro")
        spec.read_only = true;
      else if (opt == "rw")
        spec.read_only = false;
      else
        bad(opt.empty() ? "empty option" : "unknown or forbidden option");
    } else if (name == "mode") {
      if (auto m = parse_mode(arg))
        spec.mode = *m;
      else
        bad("expected an octal mode");
    } else if (name == "size") {
      std::string_view digits = arg.substr(0, arg.empty() ? 0 : arg.size() - 1);
      if (!arg.empty() && arg.back() == '%') {
        auto pct = parse_size(digits);
        if (pct && all_digits(digits) && *pct >= 1 && *pct <= 100)
          spec.size_text = std::string(arg);
        else
          bad("percentage must be 1% to 100%");
      } else if (auto s = parse_size(arg); s && *s > 0) {
        spec.size_bytes = *s;
      } else {
        bad("expected a size such as 64m, without overflow");
      }
    } else if (name == "nr_inodes") {
      if (auto s = parse_size(arg); s && *s > 0)
        spec.nr_inodes = *s;
      else
        bad("expected a count such as 4k, without overflow");
    } else if (name == "uid" || name == "gid") {
      // A name is resolved by the loader, as `user` and `group` are (216/217 if unknown).
      bool numeric =
          all_digits(arg) || (!arg.empty() && (arg.front() == '-' || arg.front() == '+'));
      auto id = numeric ? parse_id(arg) : std::nullopt;
      if (numeric && !id) {
        bad("numeric id out of range (0 to 4294967294)");
      } else if (!numeric && !is_user_group_name(arg)) {
        bad(std::string(name == "uid" ? "expected a user" : "expected a group") +
            " name or a numeric id");
      } else if (name == "uid") {
        spec.uid = id;
        spec.uid_name = numeric ? "" : std::string(arg);
      } else {
        spec.gid = id;
        spec.gid_name = numeric ? "" : std::string(arg);
      }
    } else {
      bad("unknown option");
    }
  }
  return errors;
}

namespace {

// The state of one file being parsed.
class FileParser {
 public:
  FileParser(const std::string& file, Policy& policy, Diagnostics& diag)
      : file_(file), policy_(policy), diag_(diag) {}

  void parse(const std::string& content);

 private:
  static char* read_line(char* str, int num, void* stream);
  static int on_value(void* user, const char* section, const char* name, const char* value);

  Origin here() const { return Origin{file_, line_}; }
  void error(std::string message) { diag_.error(here(), std::move(message)); }
  void value_error(std::string_view key, std::string message) {
    error(std::string(key) + ": " + message);
  }
  bool check_syntax(std::string_view line);
  void handle(std::string_view section, std::string_view key, std::string_view value);
  bool note_scalar(std::string_view section, std::string_view key, std::string_view value);

  // Typed values; each reports its own error and returns nullopt.
  std::optional<std::string> path_value(std::string_view key, std::string_view v);
  std::optional<PathSpec> path_spec(std::string_view key, std::string_view v, bool allow_optional);
  std::optional<bool> bool_value(std::string_view key, std::string_view v);
  std::optional<mode_t> mode_value(std::string_view key, std::string_view v);
  std::optional<BindSpec> bind_value(std::string_view v);
  std::optional<TmpfsSpec> tmpfs_value(std::string_view v);
  std::optional<std::string> ident_value(std::string_view key, std::string_view v);

  void service_key(std::string_view key, std::string_view v);
  void filesystem_key(std::string_view key, std::string_view v);
  void secrets_key(std::string_view key, std::string_view v);
  void capabilities_key(std::string_view key, std::string_view v);
  void seccomp_key(std::string_view key, std::string_view v);
  void namespaces_key(std::string_view key, std::string_view v);

  template <typename T>
  bool list_reset(std::string_view v, std::vector<T>& list) {
    if (!v.empty()) return false;
    list.clear();
    return true;
  }
  void cap_list(std::string_view key, std::string_view v, std::vector<Located<int>>& out,
                bool allow_none = false);
  bool known_syscall(std::string_view key, std::string_view name);
  void syscall_list(std::string_view key, std::string_view v,
                    std::vector<Located<std::string>>& out);
  void deny_list(std::string_view key, std::string_view v, std::vector<SyscallEntry>& out);
  void family_list(std::string_view key, std::string_view v);
  void path_list(std::string_view key, std::string_view v, std::vector<PathSpec>& out,
                 bool allow_optional);

  const std::string& file_;
  Policy& policy_;
  Diagnostics& diag_;
  const std::string* content_ = nullptr;
  size_t pos_ = 0;
  int line_ = 0;
  std::string current_section_;
  bool section_known_ = true;
  std::map<std::string, int> scalars_seen_;  // "section.key" -> line
  std::set<std::string> secrets_seen_;
};

void FileParser::parse(const std::string& content) {
  content_ = &content;
  int rc = ini_parse_stream(&FileParser::read_line, this, &FileParser::on_value, this);
  // Syntax is checked line by line in read_line, which hands inih only well-formed lines;
  // anything inih still rejects is reported here rather than silently accepted.
  if (rc > 0) diag_.error(Origin{file_, rc}, "syntax error");
  if (rc < 0) diag_.error(Origin{file_, 0}, "cannot parse file");
}

// inih's reader callback: hands inih one line at a time so that the handler knows the line
// number, and refuses what inih would silently mangle (inih r55 splits long lines and stops
// at NUL bytes). A refused line reaches inih as an empty line, so counting stays exact.
char* FileParser::read_line(char* str, int num, void* stream) {
  auto* self = static_cast<FileParser*>(stream);
  const std::string& text = *self->content_;
  if (self->pos_ >= text.size()) return nullptr;
  size_t end = text.find('\n', self->pos_);
  if (end == std::string::npos) end = text.size();
  std::string_view line(text.data() + self->pos_, end - self->pos_);
  self->pos_ = end + 1;
  self->line_++;
  if (self->line_ == 1 && line.substr(0, 3) == "\xEF\xBB\xBF") line.remove_prefix(3);
  // Leading white space is dropped so that inih never sees a continuation line.
  while (!line.empty() && std::isspace(static_cast<unsigned char>(line.front())))
    line.remove_prefix(1);
  while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back())))
    line.remove_suffix(1);
  str[0] = '\n';
  str[1] = '\0';
  if (line.find('\0') != std::string_view::npos) {
    self->error("line contains a NUL byte");
    return str;
  }
  size_t max = static_cast<size_t>(num) - 2;
  if (line.size() > max) {
    self->error("line is too long (" + std::to_string(line.size()) + " bytes, at most " +
                std::to_string(max) + ")");
    return str;
  }
  if (!self->check_syntax(line)) return str;
  line.copy(str, line.size());
  str[line.size()] = '\n';
  str[line.size() + 1] = '\0';
  return str;
}

// Classifies a line the way inih will, so that every malformed line is reported with its
// number (inih itself reports only the first). Returns whether inih should see the line.
bool FileParser::check_syntax(std::string_view line) {
  if (line.empty() || line.front() == '#' || line.front() == ';') return false;
  std::string_view body = line;
  for (std::string_view mark : {" ;", "\t;"})
    if (size_t c = body.find(mark); c != std::string_view::npos) body = body.substr(0, c);
  while (!body.empty() && std::isspace(static_cast<unsigned char>(body.back())))
    body.remove_suffix(1);
  if (body.empty()) return false;
  if (body.front() == '[') {
    static const std::set<std::string, std::less<>> kSections = {
        "service", "filesystem", "secrets", "capabilities", "seccomp", "namespaces"};
    if (body.back() != ']' || body.size() < 3) {
      error("malformed section header");
      section_known_ = false;
      return false;
    }
    current_section_ = std::string(body.substr(1, body.size() - 2));
    section_known_ = kSections.contains(current_section_);
    if (!section_known_) error("unknown section [" + current_section_ + "]");
    return section_known_;
  }
  size_t eq = body.find('=');
  size_t colon = body.find(':');
  if (eq == std::string_view::npos) {
    error("expected \"KEY = VALUE\" or \"[SECTION]\"");
    return false;
  }
  if (colon != std::string_view::npos && colon < eq) {
    error("key name must not contain \":\"");
    return false;
  }
  if (current_section_.empty()) {
    error("key outside of any section");
    return false;
  }
  return section_known_;
}

int FileParser::on_value(void* user, const char* section, const char* name, const char* value) {
  static_cast<FileParser*>(user)->handle(section, name, value);
  return 1;
}

// An empty assignment of a scalar key restores its built-in default, as in systemd units.
void reset_scalar(Policy& p, const std::string& id) {
  static const Policy d = default_policy();
  static const std::map<std::string, std::function<void(Policy&)>, std::less<>> kResets = {
      {"service.exec", [](Policy& x) { x.exec = d.exec; }},
      {"service.user", [](Policy& x) { x.user.reset(); }},
      {"service.group", [](Policy& x) { x.group.reset(); }},
      {"service.working_directory", [](Policy& x) { x.working_directory = d.working_directory; }},
      {"service.new_session", [](Policy& x) { x.new_session = d.new_session; }},
      {"service.umask", [](Policy& x) { x.umask = d.umask; }},
      {"service.notify", [](Policy& x) { x.notify.reset(); }},
      {"filesystem.root", [](Policy& x) { x.root = d.root; }},
      {"filesystem.propagation", [](Policy& x) { x.propagation = d.propagation; }},
      {"filesystem.private_tmp", [](Policy& x) { x.private_tmp = d.private_tmp; }},
      {"filesystem.private_dev", [](Policy& x) { x.private_dev = d.private_dev; }},
      {"filesystem.protect_proc", [](Policy& x) { x.protect_proc = d.protect_proc; }},
      {"filesystem.proc_subset", [](Policy& x) { x.proc_subset = d.proc_subset; }},
      {"filesystem.protect_kernel", [](Policy& x) { x.protect_kernel = d.protect_kernel; }},
      {"filesystem.fstab", [](Policy& x) { x.fstab.reset(); }},
      {"filesystem.landlock", [](Policy& x) { x.landlock = d.landlock; }},
      {"secrets.directory", [](Policy& x) { x.secrets_directory = d.secrets_directory; }},
      {"secrets.mode", [](Policy& x) { x.secrets_mode = d.secrets_mode; }},
      {"secrets.hide_sources", [](Policy& x) { x.hide_sources = d.hide_sources; }},
      {"secrets.user", [](Policy& x) { x.secrets_user.reset(); }},
      {"secrets.group", [](Policy& x) { x.secrets_group.reset(); }},
      {"capabilities.no_new_privileges",
       [](Policy& x) { x.no_new_privileges = d.no_new_privileges; }},
      {"seccomp.action", [](Policy& x) { x.seccomp_action = d.seccomp_action; }},
      {"seccomp.errno", [](Policy& x) { x.seccomp_errno = d.seccomp_errno; }},
      {"seccomp.memory_deny_write_execute",
       [](Policy& x) { x.memory_deny_write_execute = d.memory_deny_write_execute; }},
      {"seccomp.native_only", [](Policy& x) { x.native_only = d.native_only; }},
      {"seccomp.restrict_suid_sgid",
       [](Policy& x) { x.restrict_suid_sgid = d.restrict_suid_sgid; }},
      {"seccomp.lock_personality", [](Policy& x) { x.lock_personality = d.lock_personality; }},
      {"seccomp.restrict_realtime", [](Policy& x) { x.restrict_realtime = d.restrict_realtime; }},
      {"namespaces.pid", [](Policy& x) { x.ns_pid = d.ns_pid; }},
      {"namespaces.net", [](Policy& x) { x.ns_net = d.ns_net; }},
      {"namespaces.ipc", [](Policy& x) { x.ns_ipc = d.ns_ipc; }},
      {"namespaces.uts", [](Policy& x) { x.ns_uts = d.ns_uts; }},
      {"namespaces.cgroup", [](Policy& x) { x.ns_cgroup = d.ns_cgroup; }},
      {"namespaces.user", [](Policy& x) { x.ns_user = d.ns_user; }},
      {"namespaces.hostname", [](Policy& x) { x.hostname.reset(); }},
  };
  if (auto it = kResets.find(id); it != kResets.end()) it->second(p);
}

// Records a scalar key of this file; false when it was already given here (an error) or
// when the value is empty (the key is then reset to its default).
bool FileParser::note_scalar(std::string_view section, std::string_view key,
                             std::string_view value) {
  std::string id = std::string(section) + "." + std::string(key);
  auto [it, inserted] = scalars_seen_.emplace(id, line_);
  if (!inserted) {
    error(std::string(key) + ": given twice in this file (first on line " +
          std::to_string(it->second) + ")");
    return false;
  }
  if (value.empty()) {
    reset_scalar(policy_, id);
    return false;
  }
  return true;
}

void FileParser::handle(std::string_view section, std::string_view key, std::string_view value) {
  if (section == "service") return service_key(key, value);
  if (section == "filesystem") return filesystem_key(key, value);
  if (section == "secrets") return secrets_key(key, value);
  if (section == "capabilities") return capabilities_key(key, value);
  if (section == "seccomp") return seccomp_key(key, value);
  if (section == "namespaces") return namespaces_key(key, value);
}

std::optional<std::string> FileParser::path_value(std::string_view key, std::string_view v) {
  std::string why = path_problem(v);
  if (!why.empty()) {
    value_error(key, why + ": " + quoted(v));
    return std::nullopt;
  }
  return std::string(v);
}

std::optional<PathSpec> FileParser::path_spec(std::string_view key, std::string_view v,
                                              bool allow_optional) {
  bool optional = false;
  if (allow_optional && !v.empty() && v.front() == '-') {
    optional = true;
    v.remove_prefix(1);
  }
  auto path = path_value(key, v);
  if (!path) return std::nullopt;
  return PathSpec{*path, optional, here()};
}

std::optional<bool> FileParser::bool_value(std::string_view key, std::string_view v) {
  auto b = parse_bool(v);
  if (!b) value_error(key, "expected yes/no, true/false, on/off or 1/0: " + quoted(v));
  return b;
}

std::optional<mode_t> FileParser::mode_value(std::string_view key, std::string_view v) {
  auto m = parse_mode(v);
  if (!m) value_error(key, "expected an octal mode such as 0755: " + quoted(v));
  return m;
}

// A user or group: a name as useradd(8) accepts it, or a numeric id in range.
std::optional<std::string> FileParser::ident_value(std::string_view key, std::string_view v) {
  if (v.empty()) {
    value_error(key, "empty value");
    return std::nullopt;
  }
  if (all_digits(v) || v.front() == '-' || v.front() == '+') {
    if (!parse_id(v)) {
      value_error(key, "numeric id out of range (0 to 4294967294): " + quoted(v));
      return std::nullopt;
    }
    return std::string(v);
  }
  if (!is_user_group_name(v)) {
    value_error(key, "invalid user or group name: " + quoted(v));
    return std::nullopt;
  }
  return std::string(v);
}

std::optional<BindSpec> FileParser::bind_value(std::string_view v) {
  BindSpec spec;
  spec.origin = here();
  if (!v.empty() && v.front() == '-') {
    spec.optional = true;
    v.remove_prefix(1);
  }
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t colon = v.find(':', start);
    parts.push_back(v.substr(start, colon == std::string_view::npos ? v.npos : colon - start));
    if (colon == std::string_view::npos) break;
    start = colon + 1;
  }
  if (parts.size() < 2 || parts.size() > 3) {
    value_error("bind", "expected SOURCE:TARGET[:ro|rw]: " + quoted(v));
    return std::nullopt;
  }
  if (parts.size() == 3) {
    if (parts[2] == "ro")
      spec.read_only = true;
    else if (parts[2] != "rw") {
      value_error("bind", "option must be ro or rw: " + quoted(parts[2]));
      return std::nullopt;
    }
  }
  auto source = path_value("bind", parts[0]);
  auto target = path_value("bind", parts[1]);
  if (!source || !target) return std::nullopt;
  spec.source = *source;
  spec.target = *target;
  return spec;
}

std::optional<TmpfsSpec> FileParser::tmpfs_value(std::string_view v) {
  TmpfsSpec spec;
  spec.origin = here();
  size_t colon = v.find(':');
  auto path = path_value("tmpfs", v.substr(0, colon));
  if (!path) return std::nullopt;
  spec.path = *path;
  if (colon == std::string_view::npos) return spec;
  std::vector<std::string> errors = parse_tmpfs_options(v.substr(colon + 1), spec);
  for (auto& e : errors) value_error("tmpfs", e);
  if (!errors.empty()) return std::nullopt;
  return spec;
}

void FileParser::path_list(std::string_view key, std::string_view v, std::vector<PathSpec>& out,
                           bool allow_optional) {
  if (list_reset(v, out)) return;
  for (auto word : split_words(v))
    if (auto p = path_spec(key, word, allow_optional)) out.push_back(*p);
}

void FileParser::cap_list(std::string_view key, std::string_view v, std::vector<Located<int>>& out,
                          bool allow_none) {
  if (list_reset(v, out)) return;
  for (auto word : split_words(v)) {
    // `keep = none`: an empty bounding set, as an empty CapabilityBoundingSet= gives.
    if (allow_none && word == "none") {
      out.clear();
      continue;
    }
    // "!NAME" takes NAME out of what is listed so far, defaults included, so that a drop-in
    // can lift one entry without retyping the rest.
    const bool remove = word.size() > 1 && word.front() == '!';
    std::string_view name = remove ? word.substr(1) : word;
    auto cap = parse_capability(name);
    if (!cap)
      value_error(key, "unknown capability: " + quoted(name));
    else if (remove)
      std::erase_if(out, [&](const Located<int>& c) { return c.value == *cap; });
    else
      out.push_back({*cap, here()});
  }
}

bool FileParser::known_syscall(std::string_view key, std::string_view name) {
  if (is_syscall_or_group(name)) return true;
  value_error(key, std::string(!name.empty() && name.front() == '@' ? "unknown syscall group: "
                                                                    : "unknown syscall: ") +
                       quoted(name));
  return false;
}

void FileParser::syscall_list(std::string_view key, std::string_view v,
                              std::vector<Located<std::string>>& out) {
  if (list_reset(v, out)) return;
  for (auto word : split_words(v)) {
    const bool remove = word.size() > 1 && word.front() == '!';
    std::string_view name = remove ? word.substr(1) : word;
    if (!known_syscall(key, name)) continue;
    if (remove)
      std::erase_if(out, [&](const Located<std::string>& s) { return s.value == name; });
    else
      out.push_back({std::string(name), here()});
  }
}

// Like syscall_list, and an entry may carry its own errno: "NAME:ERRNO" (SystemCallFilter=
// ~NAME:ERRNO). A later entry for the same syscall overrides an earlier one, as in systemd.
void FileParser::deny_list(std::string_view key, std::string_view v,
                           std::vector<SyscallEntry>& out) {
  if (list_reset(v, out)) return;
  for (auto word : split_words(v)) {
    const bool remove = word.size() > 1 && word.front() == '!';
    std::string_view name = remove ? word.substr(1) : word;
    int error = 0;
    if (size_t colon = name.find(':'); colon != std::string_view::npos) {
      if (remove) {
        value_error(key, "a removal takes no errno: " + quoted(word));
        continue;
      }
      auto err = parse_errno(name.substr(colon + 1));
      if (!err) {
        value_error(key, "unknown errno " + quoted(name.substr(colon + 1)) + " in " + quoted(word) +
                             " (a name such as EACCES, or a number 1-4095)");
        continue;
      }
      error = *err;
      name = name.substr(0, colon);
    }
    if (!known_syscall(key, name)) continue;
    if (remove)
      std::erase_if(out, [&](const SyscallEntry& s) { return s.value == name; });
    else
      out.push_back({{std::string(name), here()}, error});
  }
}

// address_families: unset allows every family. "none" empties the list (no sockets at all);
// "!AF_X" on an unset list starts from every family this jharden can name, so that a drop-in
// can take one family away; families newer than that list are then refused too.
void FileParser::family_list(std::string_view key, std::string_view v) {
  auto& list = policy_.address_families;
  if (v.empty()) return list.reset();
  for (auto word : split_words(v)) {
    if (word == "none") {
      list.emplace();
      continue;
    }
    const bool remove = word.size() > 1 && word.front() == '!';
    std::string_view name = remove ? word.substr(1) : word;
    auto family = parse_address_family(name);
    if (!family) {
      value_error(key, "unknown address family: " + quoted(name));
      continue;
    }
    if (!list) {
      list.emplace();
      if (remove)
        for (int f : known_address_families()) list->push_back({f, here()});
    }
    if (remove)
      std::erase_if(*list, [&](const Located<int>& f) { return f.value == *family; });
    else
      list->push_back({*family, here()});
  }
}

void FileParser::service_key(std::string_view key, std::string_view v) {
  if (key == "environment") {
    if (list_reset(v, policy_.environment)) return;
    size_t eq = v.find('=');
    std::string_view name = v.substr(0, eq);
    if (eq == std::string_view::npos || !is_env_name(name)) {
      value_error(key, "expected NAME=VALUE with a valid variable name: " + quoted(v));
      return;
    }
    policy_.environment.push_back({std::string(name), std::string(v.substr(eq + 1)), here()});
    return;
  }
  if (key == "unset_environment") {
    if (list_reset(v, policy_.unset_environment)) return;
    for (auto word : split_words(v)) {
      if (is_env_name(word))
        policy_.unset_environment.push_back({std::string(word), here()});
      else
        value_error(key, "invalid variable name: " + quoted(word));
    }
    return;
  }
  if (key == "supplementary_groups") {
    if (!policy_.supplementary_groups || v.empty())
      policy_.supplementary_groups = Located<std::vector<std::string>>{{}, here()};
    for (auto word : split_words(v))
      if (auto g = ident_value(key, word)) policy_.supplementary_groups->value.push_back(*g);
    return;
  }
  static const std::set<std::string, std::less<>> kScalars = {
      "exec", "user", "group", "working_directory", "new_session", "umask", "notify"};
  if (!kScalars.contains(key)) return value_error(key, "unknown key in [service]");
  if (!note_scalar("service", key, v)) return;
  if (key == "exec") {
    std::vector<std::string> argv;
    std::string why = split_command_line(v, argv);
    if (!why.empty()) return value_error(key, why);
    if (argv.empty()) return value_error(key, "empty command");
    if (std::string p = path_problem(argv[0]); !p.empty())
      return value_error(key,
                         "the program must be an absolute, normalized path: " + quoted(argv[0]));
    policy_.exec = {std::move(argv), here()};
  } else if (key == "user") {
    if (auto u = ident_value(key, v)) policy_.user = Located<std::string>{*u, here()};
  } else if (key == "group") {
    if (auto g = ident_value(key, v)) policy_.group = Located<std::string>{*g, here()};
  } else if (key == "working_directory") {
    if (auto p = path_value(key, v)) policy_.working_directory = {*p, here()};
  } else if (key == "new_session") {
    if (auto b = bool_value(key, v)) policy_.new_session = {*b, here()};
  } else if (key == "umask") {
    if (auto m = mode_value(key, v)) {
      if (*m > 0777)
        value_error(key, "must be between 0000 and 0777: " + quoted(v));
      else
        policy_.umask = {*m, here()};
    }
  } else if (key == "notify") {
    if (v == "exec")
      policy_.notify = Located<NotifyMode>{NotifyMode::kExec, here()};
    else if (v == "daemon")
      policy_.notify = Located<NotifyMode>{NotifyMode::kDaemon, here()};
    else if (v == "none")
      policy_.notify = Located<NotifyMode>{NotifyMode::kNone, here()};
    else
      value_error(key, "expected exec, daemon or none: " + quoted(v));
  }
}

void FileParser::filesystem_key(std::string_view key, std::string_view v) {
  if (key == "read_only") return path_list(key, v, policy_.read_only, true);
  if (key == "read_write") return path_list(key, v, policy_.read_write, true);
  if (key == "mask") return path_list(key, v, policy_.mask, true);
  if (key == "inaccessible") return path_list(key, v, policy_.inaccessible, true);
  if (key == "tmpfs") {
    if (list_reset(v, policy_.tmpfs)) return;
    for (auto word : split_words(v))
      if (auto t = tmpfs_value(word)) policy_.tmpfs.push_back(*t);
    return;
  }
  if (key == "bind") {
    if (list_reset(v, policy_.bind)) return;
    for (auto word : split_words(v))
      if (auto b = bind_value(word)) policy_.bind.push_back(*b);
    return;
  }
  static const std::set<std::string, std::less<>> kScalars = {
      "root",        "propagation",    "private_tmp", "private_dev", "protect_proc",
      "proc_subset", "protect_kernel", "fstab",       "landlock"};
  if (!kScalars.contains(key)) return value_error(key, "unknown key in [filesystem]");
  if (!note_scalar("filesystem", key, v)) return;
  if (key == "root") {
    if (auto p = path_value(key, v)) policy_.root = {*p, here()};
  } else if (key == "propagation") {
    if (v == "slave")
      policy_.propagation = {Propagation::kSlave, here()};
    else if (v == "private")
      policy_.propagation = {Propagation::kPrivate, here()};
    else
      value_error(key, "expected slave or private: " + quoted(v));
  } else if (key == "private_tmp") {
    if (auto b = bool_value(key, v)) policy_.private_tmp = {*b, here()};
  } else if (key == "private_dev") {
    if (auto b = bool_value(key, v)) policy_.private_dev = {*b, here()};
  } else if (key == "protect_kernel") {
    if (auto b = bool_value(key, v)) policy_.protect_kernel = {*b, here()};
  } else if (key == "protect_proc") {
    if (v == "default")
      policy_.protect_proc = {ProtectProc::kDefault, here()};
    else if (v == "invisible")
      policy_.protect_proc = {ProtectProc::kInvisible, here()};
    else
      value_error(key, "expected default or invisible: " + quoted(v));
  } else if (key == "proc_subset") {
    if (v == "all")
      policy_.proc_subset = {ProcSubset::kAll, here()};
    else if (v == "pid")
      policy_.proc_subset = {ProcSubset::kPid, here()};
    else
      value_error(key, "expected all or pid: " + quoted(v));
  } else if (key == "landlock") {
    auto b = parse_bool(v);
    if (v == "auto")
      policy_.landlock = {LandlockMode::kAuto, here()};
    else if (b)
      policy_.landlock = {*b ? LandlockMode::kYes : LandlockMode::kNo, here()};
    else
      value_error(key, "expected auto, yes or no: " + quoted(v));
  } else if (key == "fstab") {
    if (v.empty())
      policy_.fstab.reset();
    else if (auto p = path_value(key, v))
      policy_.fstab = Located<std::string>{*p, here()};
  }
}

void FileParser::secrets_key(std::string_view key, std::string_view v) {
  if (key == "directory" || key == "mode" || key == "hide_sources" || key == "user" ||
      key == "group") {
    if (!note_scalar("secrets", key, v)) return;
    if (key == "user" || key == "group") {
      if (auto id = ident_value(key, v))
        (key == "user" ? policy_.secrets_user : policy_.secrets_group) =
            Located<std::string>{*id, here()};
    } else if (key == "directory") {
      if (auto p = path_value(key, v)) {
        if (*p == "/")
          value_error(key, "must not be \"/\"");
        else
          policy_.secrets_directory = {*p, here()};
      }
    } else if (key == "mode") {
      if (auto m = mode_value(key, v)) {
        // Secrets are data: no execute, set-id or sticky bits, never writable.
        if ((*m & ~static_cast<mode_t>(0444)) != 0)
          value_error(key, "secret files can only be readable (mode within 0444): " + quoted(v));
        else
          policy_.secrets_mode = {*m, here()};
      }
    } else if (auto b = bool_value(key, v)) {
      policy_.hide_sources = {*b, here()};
    }
    return;
  }
  if (!is_secret_name(key))
    return value_error(key,
                       "secret name must be a plain file name of letters, digits, "
                       "\".\", \"_\" or \"-\"");
  if (!secrets_seen_.insert(std::string(key)).second)
    return value_error(key, "secret given twice in this file");
  auto& list = policy_.secrets;
  std::erase_if(list, [&](const SecretSpec& s) { return s.name == key; });
  if (v.empty()) {
    // A drop-in removes a secret of the main file; the main file has nothing to remove.
    if (file_ == policy_.file) value_error(key, "empty secret source");
    return;
  }
  SecretSpec spec{std::string(key), "", false, false, here()};
  // "-SOURCE": optional, like a credential missing from systemd's store (LoadCredential=-).
  if (v.front() == '-') {
    spec.optional = true;
    v.remove_prefix(1);
  }
  if (v.substr(0, 11) == "credential:") {
    std::string_view id = v.substr(11);
    if (!is_plain_file_name(id))
      return value_error(key, "credential id must be a plain file name: " + quoted(id));
    spec.source = std::string(id);
    spec.credential = true;
  } else if (auto p = path_value(key, v)) {
    spec.source = *p;
  } else {
    return;
  }
  list.push_back(std::move(spec));
}

void FileParser::capabilities_key(std::string_view key, std::string_view v) {
  if (key == "drop") return cap_list(key, v, policy_.cap_drop);
  if (key == "ambient") return cap_list(key, v, policy_.cap_ambient);
  if (key == "keep") {
    // An empty assignment resets to "not given": the full set minus `drop`.
    if (v.empty()) return policy_.cap_keep.reset();
    if (!policy_.cap_keep) policy_.cap_keep.emplace();
    return cap_list(key, v, *policy_.cap_keep, true);
  }
  if (key != "no_new_privileges") return value_error(key, "unknown key in [capabilities]");
  if (!note_scalar("capabilities", key, v)) return;
  if (auto b = bool_value(key, v)) policy_.no_new_privileges = {*b, here()};
}

void FileParser::seccomp_key(std::string_view key, std::string_view v) {
  if (key == "deny") return deny_list(key, v, policy_.seccomp_deny);
  if (key == "address_families") return family_list(key, v);
  if (key == "allow") {
    // An empty assignment resets to deny-list mode.
    if (v.empty()) return policy_.seccomp_allow.reset();
    if (!policy_.seccomp_allow) policy_.seccomp_allow.emplace();
    return syscall_list(key, v, *policy_.seccomp_allow);
  }
  static const std::map<std::string_view, Located<bool> Policy::*> kBools = {
      {"native_only", &Policy::native_only},
      {"restrict_suid_sgid", &Policy::restrict_suid_sgid},
      {"lock_personality", &Policy::lock_personality},
      {"restrict_realtime", &Policy::restrict_realtime},
      {"memory_deny_write_execute", &Policy::memory_deny_write_execute}};
  auto it = kBools.find(key);
  if (key != "action" && key != "errno" && it == kBools.end())
    return value_error(key, "unknown key in [seccomp]");
  if (!note_scalar("seccomp", key, v)) return;
  if (key == "action") {
    if (v == "errno")
      policy_.seccomp_action = {SeccompAction::kErrno, here()};
    else if (v == "kill")
      policy_.seccomp_action = {SeccompAction::kKill, here()};
    else if (v == "log")
      policy_.seccomp_action = {SeccompAction::kLog, here()};
    else
      value_error(key, "expected errno, kill or log: " + quoted(v));
  } else if (key == "errno") {
    if (auto err = parse_errno(v))
      policy_.seccomp_errno = {*err, here()};
    else
      value_error(key,
                  "expected an errno name (EPERM, EACCES, ...) or a number 1-4095: " + quoted(v));
  } else if (auto b = bool_value(key, v)) {
    policy_.*(it->second) = {*b, here()};
  }
}

void FileParser::namespaces_key(std::string_view key, std::string_view v) {
  static const std::map<std::string_view, Located<bool> Policy::*> kBools = {
      {"pid", &Policy::ns_pid}, {"net", &Policy::ns_net},       {"ipc", &Policy::ns_ipc},
      {"uts", &Policy::ns_uts}, {"cgroup", &Policy::ns_cgroup}, {"user", &Policy::ns_user}};
  if (key == "allow_create") {
    // A list: an empty assignment resets it to none; "all" lifts the restriction.
    if (v.empty()) {
      policy_.ns_allow_create = {0, here()};
      return;
    }
    for (auto word : split_words(v)) {
      if (word == "all") {
        policy_.ns_allow_create = {all_namespace_flags(), here()};
        continue;
      }
      auto t = std::find_if(namespace_types().begin(), namespace_types().end(),
                            [&](const NamespaceType& n) { return word == n.name; });
      if (t == namespace_types().end())
        value_error(key,
                    "expected mnt, pid, net, ipc, uts, user, cgroup, time or all: " + quoted(word));
      else
        policy_.ns_allow_create = {policy_.ns_allow_create.value | t->flag, here()};
    }
    return;
  }
  auto it = kBools.find(key);
  if (it == kBools.end() && key != "hostname")
    return value_error(key, "unknown key in [namespaces]");
  if (!note_scalar("namespaces", key, v)) return;
  if (it != kBools.end()) {
    if (auto b = bool_value(key, v)) policy_.*(it->second) = {*b, here()};
    return;
  }
  // RFC 1123 host name: labels of letters, digits and "-", at most 64 bytes (HOST_NAME_MAX).
  bool ok = !v.empty() && v.size() <= 64 && v.front() != '-' && v.front() != '.' &&
            v.back() != '.' && v.find("..") == std::string_view::npos &&
            std::all_of(v.begin(), v.end(), [](char c) {
              return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.';
            });
  if (!ok) return value_error(key, "invalid host name: " + quoted(v));
  policy_.hostname = Located<std::string>{std::string(v), here()};
}

}  // namespace

const std::vector<NamespaceType>& namespace_types() {
  static const std::vector<NamespaceType> kTypes = {
      {"mnt", CLONE_NEWNS},        {"pid", CLONE_NEWPID},  {"net", CLONE_NEWNET},
      {"ipc", CLONE_NEWIPC},       {"uts", CLONE_NEWUTS},  {"user", CLONE_NEWUSER},
      {"cgroup", CLONE_NEWCGROUP}, {"time", CLONE_NEWTIME}};
  return kTypes;
}

unsigned long all_namespace_flags() {
  unsigned long all = 0;
  for (const auto& t : namespace_types()) all |= t.flag;
  return all;
}

Policy default_policy() {
  Policy p;
  for (const char* path : {"/usr", "/etc"}) p.read_only.push_back({path, false, kDefaultOrigin});
  p.mask.push_back({"/proc/loadavg", false, kDefaultOrigin});
  for (auto name : kDefaultDrop) {
    // Capabilities newer than the system's libcap are skipped rather than refused: the
    // kernel cannot grant what libcap cannot name either.
    if (auto cap = parse_capability(name)) p.cap_drop.push_back({*cap, kDefaultOrigin});
  }
  for (auto group : kDefaultDeny)
    p.seccomp_deny.push_back({{std::string(group), kDefaultOrigin}, 0});
  return p;
}

namespace {

// A capability kept (or ambient) and dropped by explicit lines is an error naming both: never
// silently cancelled. A built-in default is not such a line: keeping or raising a capability
// that the default drop list names lifts it from there (the planner leaves that entry out), as
// CapabilityBoundingSet=CAP_SYS_TIME alone keeps CAP_SYS_TIME in systemd.
void check_capability_conflicts(const Policy& policy, Diagnostics& diag) {
  std::map<int, const Origin*> dropped;
  for (const auto& d : policy.cap_drop)
    if (!d.origin.is_default()) dropped.emplace(d.value, &d.origin);
  auto check = [&](const Located<int>& c, const char* key) {
    if (auto it = dropped.find(c.value); it != dropped.end())
      diag.error(c.origin, std::string(key) + ": " + capability_name(c.value) +
                               " is also dropped (" + it->second->str() + ")");
  };
  if (policy.cap_keep)
    for (const auto& k : *policy.cap_keep) check(k, "keep");
  for (const auto& amb : policy.cap_ambient) {
    check(amb, "ambient");
    if (policy.cap_keep &&
        std::none_of(policy.cap_keep->begin(), policy.cap_keep->end(),
                     [&](const Located<int>& k) { return k.value == amb.value; }))
      diag.error(amb.origin, "ambient: " + capability_name(amb.value) + " is not in keep");
  }
}

// In allow-list mode, deny subtracts, which is how a group is narrowed (allow = @system-service,
// deny = @resources). An error names both lines where that subtraction would silently cancel
// an explicit allow entry: the same name written on both sides, or a syscall allowed by name
// that an explicit deny group takes away. Default deny entries are lifted instead (plan.cc).
void check_syscall_conflicts(const Policy& policy, Diagnostics& diag) {
  if (!policy.seccomp_allow) return;
  std::map<std::string, const Origin*> written;
  std::map<std::string, std::pair<std::string, const Origin*>> by_group;
  for (const auto& d : policy.seccomp_deny) {
    if (d.origin.is_default() || !written.emplace(d.value, &d.origin).second) continue;
    if (const SyscallGroup* g = find_syscall_group(d.value))
      for (auto& name : expand_syscall_group(*g))
        by_group.emplace(name, std::pair{d.value, &d.origin});
  }
  for (const auto& a : *policy.seccomp_allow) {
    if (auto it = written.find(a.value); it != written.end()) {
      diag.error(a.origin, "allow: " + a.value + " is also denied (" + it->second->str() + ")");
    } else if (a.value.front() != '@') {
      if (auto g = by_group.find(a.value); g != by_group.end())
        diag.error(a.origin, "allow: " + a.value + " is also denied by " + g->second.first + " (" +
                                 g->second.second->str() + ")");
    }
  }
}

}  // namespace

void parse_policy_text(const std::string& file, const std::string& content, Policy& policy,
                       Diagnostics& diag) {
  FileParser(file, policy, diag).parse(content);
}

void finish_policy(Policy& policy, bool need_command, Diagnostics& diag) {
  if (need_command && policy.exec.value.empty())
    diag.error(Origin{policy.file, 0},
               "exec: no command: set [service] exec or give one after \"--\"");
  if (policy.hostname) policy.ns_uts.value = true;
  check_capability_conflicts(policy, diag);
  check_syscall_conflicts(policy, diag);
  // restrict_suid_sgid takes CAP_SETFCAP and CAP_FSETID out of the bounding set (plan.cc): a
  // policy that asks for either by name contradicts it, and neither may win silently.
  if (policy.restrict_suid_sgid.value) {
    const Origin& rs = policy.restrict_suid_sgid.origin;
    const std::string because =
        "restrict_suid_sgid = yes (" + (rs.file.empty() ? std::string("the default") : rs.str()) +
        ") removes it from the bounding set, since with it the daemon can plant the equivalent "
        "of a set-user-ID file; set restrict_suid_sgid = no to keep it";
    auto check = [&](const char* key, const std::vector<Located<int>>& caps) {
      for (const auto& c : caps)
        if (c.value == CAP_SETFCAP || c.value == CAP_FSETID)
          diag.error(c.origin, std::string(key) + ": " + capability_name(c.value) + ": " + because);
    };
    if (policy.cap_keep) check("keep", *policy.cap_keep);
    check("ambient", policy.cap_ambient);
  }
}

}  // namespace jharden
