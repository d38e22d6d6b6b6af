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

  // What the key table's parsers use (below): the current origin, errors, typed values.
  Origin here() const { return Origin{file_, line_}; }
  void error(std::string message) { diag_.error(here(), std::move(message)); }
  void value_error(std::string_view key, std::string message) {
    error(std::string(key) + ": " + message);
  }

  // Typed values; each reports its own error and returns nullopt.
  std::optional<std::string> path_value(std::string_view key, std::string_view v);
  std::optional<PathSpec> path_spec(std::string_view key, std::string_view v, bool allow_optional);
  std::optional<bool> bool_value(std::string_view key, std::string_view v);
  std::optional<mode_t> mode_value(std::string_view key, std::string_view v);
  std::optional<BindSpec> bind_value(std::string_view v);
  std::optional<TmpfsSpec> tmpfs_value(std::string_view v);
  std::optional<std::string> ident_value(std::string_view key, std::string_view v);

  void cap_list(std::string_view key, std::string_view v, std::vector<Located<int>>& out,
                bool allow_none = false);
  bool known_syscall(std::string_view key, std::string_view name);
  void syscall_list(std::string_view key, std::string_view v,
                    std::vector<Located<std::string>>& out);
  void deny_list(std::string_view key, std::string_view v, std::vector<SyscallEntry>& out);
  void family_list(std::string_view key, std::string_view v);
  void path_list(std::string_view key, std::string_view v, std::vector<PathSpec>& out,
                 bool allow_optional);

 private:
  static char* read_line(char* str, int num, void* stream);
  static int on_value(void* user, const char* section, const char* name, const char* value);
  bool check_syntax(std::string_view line);
  void handle(std::string_view section, std::string_view key, std::string_view value);
  void secret(std::string_view name, std::string_view v);

  const std::string& file_;

 public:
  Policy& policy_;  // what the key table's parsers fill

 private:
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
  for (auto word : split_words(v))
    if (auto p = path_spec(key, word, allow_optional)) out.push_back(*p);
}

void FileParser::cap_list(std::string_view key, std::string_view v, std::vector<Located<int>>& out,
                          bool allow_none) {
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
                             " (a name such as EACCES, or a number 1-4094)");
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

// A [secrets] line that is not one of the section's keys: NAME = SOURCE. An empty SOURCE in a
// drop-in removes the secret of that name.
void FileParser::secret(std::string_view key, std::string_view v) {
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

// ---------------------------------------------------------------------------------------------
// The key table: every key of jharden.conf(5), its kind, how its value is parsed into the
// Policy and what an empty assignment (`key =`) does. Dispatch, duplicate detection, resets,
// --help's key list and the key-table unit test all walk this one table, so a new key is one
// entry here (plus its Policy field, its plan and apply step, and its tests).

using ParseFn = void (*)(FileParser& f, std::string_view key, std::string_view v);
using ResetFn = void (*)(Policy& p, const Origin& here);

struct KeyDef {
  PolicyKey key;
  ParseFn parse;
  ResetFn reset;
};

const Policy& defaults() {
  static const Policy d = default_policy();
  return d;
}

// Resets: back to the built-in default, unset, or an empty list.
template <auto M>
void reset_default(Policy& p, const Origin&) {
  p.*M = defaults().*M;
}
template <auto M>
void reset_unset(Policy& p, const Origin&) {
  (p.*M).reset();
}
template <auto M>
void reset_clear(Policy& p, const Origin&) {
  (p.*M).clear();
}

template <auto M>
void parse_yes_no(FileParser& f, std::string_view key, std::string_view v) {
  if (auto b = f.bool_value(key, v)) f.policy_.*M = {*b, f.here()};
}
template <auto M>
void parse_ident(FileParser& f, std::string_view key, std::string_view v) {
  if (auto id = f.ident_value(key, v)) f.policy_.*M = Located<std::string>{*id, f.here()};
}
template <auto M>
void parse_paths(FileParser& f, std::string_view key, std::string_view v) {
  f.path_list(key, v, f.policy_.*M, true);
}
template <auto M>
void parse_caps(FileParser& f, std::string_view key, std::string_view v) {
  f.cap_list(key, v, f.policy_.*M);
}

// One of a fixed set of words.
template <typename E>
struct Choice {
  std::string_view word;
  E value;
};
template <auto M, typename E, size_t N>
void parse_choice(FileParser& f, std::string_view key, std::string_view v,
                  const Choice<E> (&choices)[N], std::string_view expected) {
  for (const auto& c : choices)
    if (c.word == v) {
      f.policy_.*M = Located<E>{c.value, f.here()};
      return;
    }
  f.value_error(key, "expected " + std::string(expected) + ": " + quoted(v));
}

constexpr Choice<NotifyMode> kNotify[] = {
    {"exec", NotifyMode::kExec}, {"daemon", NotifyMode::kDaemon}, {"none", NotifyMode::kNone}};
constexpr Choice<Propagation> kPropagation[] = {{"slave", Propagation::kSlave},
                                                {"private", Propagation::kPrivate}};
constexpr Choice<ProtectProc> kProtectProc[] = {{"default", ProtectProc::kDefault},
                                                {"invisible", ProtectProc::kInvisible}};
constexpr Choice<ProcSubset> kProcSubset[] = {{"all", ProcSubset::kAll}, {"pid", ProcSubset::kPid}};
constexpr Choice<SeccompAction> kAction[] = {
    {"errno", SeccompAction::kErrno}, {"kill", SeccompAction::kKill}, {"log", SeccompAction::kLog}};

void parse_exec(FileParser& f, std::string_view key, std::string_view v) {
  std::vector<std::string> argv;
  std::string why = split_command_line(v, argv);
  if (!why.empty()) return f.value_error(key, why);
  if (argv.empty()) return f.value_error(key, "empty command");
  if (std::string p = path_problem(argv[0]); !p.empty())
    return f.value_error(key,
                         "the program must be an absolute, normalized path: " + quoted(argv[0]));
  f.policy_.exec = {std::move(argv), f.here()};
}

void parse_supplementary_groups(FileParser& f, std::string_view key, std::string_view v) {
  auto& groups = f.policy_.supplementary_groups;
  if (!groups) groups = Located<std::vector<std::string>>{{}, f.here()};
  for (auto word : split_words(v))
    if (auto g = f.ident_value(key, word)) groups->value.push_back(*g);
}

// `supplementary_groups =`: given, and empty (no supplementary groups at all).
void reset_supplementary_groups(Policy& p, const Origin& here) {
  p.supplementary_groups = Located<std::vector<std::string>>{{}, here};
}

void parse_environment(FileParser& f, std::string_view key, std::string_view v) {
  size_t eq = v.find('=');
  std::string_view name = v.substr(0, eq);
  if (eq == std::string_view::npos || !is_env_name(name))
    return f.value_error(key, "expected NAME=VALUE with a valid variable name: " + quoted(v));
  f.policy_.environment.push_back({std::string(name), std::string(v.substr(eq + 1)), f.here()});
}

void parse_unset_environment(FileParser& f, std::string_view key, std::string_view v) {
  for (auto word : split_words(v)) {
    if (is_env_name(word))
      f.policy_.unset_environment.push_back({std::string(word), f.here()});
    else
      f.value_error(key, "invalid variable name: " + quoted(word));
  }
}

void parse_working_directory(FileParser& f, std::string_view key, std::string_view v) {
  if (auto p = f.path_value(key, v)) f.policy_.working_directory = {*p, f.here()};
}

void parse_umask(FileParser& f, std::string_view key, std::string_view v) {
  if (auto m = f.mode_value(key, v)) {
    if (*m > 0777)
      f.value_error(key, "must be between 0000 and 0777: " + quoted(v));
    else
      f.policy_.umask = {*m, f.here()};
  }
}

void parse_root(FileParser& f, std::string_view key, std::string_view v) {
  if (auto p = f.path_value(key, v)) f.policy_.root = {*p, f.here()};
}

void parse_fstab(FileParser& f, std::string_view key, std::string_view v) {
  if (auto p = f.path_value(key, v)) f.policy_.fstab = Located<std::string>{*p, f.here()};
}

void parse_landlock(FileParser& f, std::string_view key, std::string_view v) {
  auto b = parse_bool(v);
  if (v == "auto")
    f.policy_.landlock = {LandlockMode::kAuto, f.here()};
  else if (b)
    f.policy_.landlock = {*b ? LandlockMode::kYes : LandlockMode::kNo, f.here()};
  else
    f.value_error(key, "expected auto, yes or no: " + quoted(v));
}

void parse_tmpfs(FileParser& f, std::string_view, std::string_view v) {
  for (auto word : split_words(v))
    if (auto t = f.tmpfs_value(word)) f.policy_.tmpfs.push_back(*t);
}

void parse_bind(FileParser& f, std::string_view, std::string_view v) {
  for (auto word : split_words(v))
    if (auto b = f.bind_value(word)) f.policy_.bind.push_back(*b);
}

void parse_secrets_directory(FileParser& f, std::string_view key, std::string_view v) {
  if (auto p = f.path_value(key, v)) {
    if (*p == "/")
      f.value_error(key, "must not be \"/\"");
    else
      f.policy_.secrets_directory = {*p, f.here()};
  }
}

void parse_secrets_mode(FileParser& f, std::string_view key, std::string_view v) {
  if (auto m = f.mode_value(key, v)) {
    // Secrets are data: no execute, set-id or sticky bits, never writable.
    if ((*m & ~static_cast<mode_t>(0444)) != 0)
      f.value_error(key, "secret files can only be readable (mode within 0444): " + quoted(v));
    else
      f.policy_.secrets_mode = {*m, f.here()};
  }
}

void parse_keep(FileParser& f, std::string_view key, std::string_view v) {
  if (!f.policy_.cap_keep) f.policy_.cap_keep.emplace();
  f.cap_list(key, v, *f.policy_.cap_keep, true);
}

void parse_deny(FileParser& f, std::string_view key, std::string_view v) {
  f.deny_list(key, v, f.policy_.seccomp_deny);
}

void parse_allow(FileParser& f, std::string_view key, std::string_view v) {
  if (!f.policy_.seccomp_allow) f.policy_.seccomp_allow.emplace();
  f.syscall_list(key, v, *f.policy_.seccomp_allow);
}

void parse_errno_key(FileParser& f, std::string_view key, std::string_view v) {
  if (auto err = parse_errno(v))
    f.policy_.seccomp_errno = {*err, f.here()};
  else
    f.value_error(key,
                  "expected an errno name (EPERM, EACCES, ...) or a number 1-4094: " + quoted(v));
}

void parse_allow_create(FileParser& f, std::string_view key, std::string_view v) {
  for (auto word : split_words(v)) {
    if (word == "all") {
      f.policy_.ns_allow_create = {all_namespace_flags(), f.here()};
      continue;
    }
    auto t = std::find_if(namespace_types().begin(), namespace_types().end(),
                          [&](const NamespaceType& n) { return word == n.name; });
    if (t == namespace_types().end())
      f.value_error(key,
                    "expected mnt, pid, net, ipc, uts, user, cgroup, time or all: " + quoted(word));
    else
      f.policy_.ns_allow_create = {f.policy_.ns_allow_create.value | t->flag, f.here()};
  }
}

// `allow_create =`: no namespace may be created or joined.
void reset_allow_create(Policy& p, const Origin& here) { p.ns_allow_create = {0, here}; }

void parse_hostname(FileParser& f, std::string_view key, std::string_view v) {
  // RFC 1123 host name: labels of letters, digits and "-", at most 64 bytes (HOST_NAME_MAX).
  bool ok = !v.empty() && v.size() <= 64 && v.front() != '-' && v.front() != '.' &&
            v.back() != '.' && v.find("..") == std::string_view::npos &&
            std::all_of(v.begin(), v.end(), [](char c) {
              return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.';
            });
  if (!ok) return f.value_error(key, "invalid host name: " + quoted(v));
  f.policy_.hostname = Located<std::string>{std::string(v), f.here()};
}

constexpr KeyKind S = KeyKind::kScalar;
constexpr KeyKind L = KeyKind::kList;

const std::vector<KeyDef>& key_table() {
  using P = Policy;
  // {section, key, kind, syntax, sample}, parse, reset. `sample`: a valid value other than
  // the default, which the key-table test parses, repeats and resets.
  static const std::vector<KeyDef> kTable = {
      // [service]
      {{"service", "exec", S, "PATH ARG...", "/bin/true"}, parse_exec, reset_default<&P::exec>},
      {{"service", "user", S, "name|id", "nobody"}, parse_ident<&P::user>, reset_unset<&P::user>},
      {{"service", "group", S, "name|id", "nogroup"},
       parse_ident<&P::group>,
       reset_unset<&P::group>},
      {{"service", "supplementary_groups", L, "name|id...", "nogroup"},
       parse_supplementary_groups,
       reset_supplementary_groups},
      {{"service", "working_directory", S, "path", "/tmp"},
       parse_working_directory,
       reset_default<&P::working_directory>},
      {{"service", "new_session", S, "boolean", "no"},
       parse_yes_no<&P::new_session>,
       reset_default<&P::new_session>},
      {{"service", "environment", L, "NAME=VALUE", "A=1"},
       parse_environment,
       reset_clear<&P::environment>},
      {{"service", "unset_environment", L, "NAME...", "PATH"},
       parse_unset_environment,
       reset_clear<&P::unset_environment>},
      {{"service", "umask", S, "octal", "0077"}, parse_umask, reset_default<&P::umask>},
      {{"service", "notify", S, "exec|daemon|none", "daemon"},
       [](FileParser& f, std::string_view k, std::string_view v) {
         parse_choice<&P::notify>(f, k, v, kNotify, "exec, daemon or none");
       },
       reset_unset<&P::notify>},
      // [filesystem]
      {{"filesystem", "root", S, "path", "/srv/root"}, parse_root, reset_default<&P::root>},
      {{"filesystem", "propagation", S, "slave|private", "private"},
       [](FileParser& f, std::string_view k, std::string_view v) {
         parse_choice<&P::propagation>(f, k, v, kPropagation, "slave or private");
       },
       reset_default<&P::propagation>},
      {{"filesystem", "read_only", L, "[-]path...", "/srv"},
       parse_paths<&P::read_only>,
       reset_clear<&P::read_only>},
      {{"filesystem", "read_write", L, "[-]path...", "/srv"},
       parse_paths<&P::read_write>,
       reset_clear<&P::read_write>},
      {{"filesystem", "private_tmp", S, "boolean", "no"},
       parse_yes_no<&P::private_tmp>,
       reset_default<&P::private_tmp>},
      {{"filesystem", "tmpfs", L, "path[:OPTIONS]...", "/srv:mode=0700"},
       parse_tmpfs,
       reset_clear<&P::tmpfs>},
      {{"filesystem", "bind", L, "[-]SOURCE:TARGET[:ro|rw]...", "/srv:/mnt:ro"},
       parse_bind,
       reset_clear<&P::bind>},
      {{"filesystem", "mask", L, "[-]path...", "/srv"},
       parse_paths<&P::mask>,
       reset_clear<&P::mask>},
      {{"filesystem", "inaccessible", L, "[-]path...", "/srv"},
       parse_paths<&P::inaccessible>,
       reset_clear<&P::inaccessible>},
      {{"filesystem", "private_dev", S, "boolean", "no"},
       parse_yes_no<&P::private_dev>,
       reset_default<&P::private_dev>},
      {{"filesystem", "protect_proc", S, "default|invisible", "invisible"},
       [](FileParser& f, std::string_view k, std::string_view v) {
         parse_choice<&P::protect_proc>(f, k, v, kProtectProc, "default or invisible");
       },
       reset_default<&P::protect_proc>},
      {{"filesystem", "proc_subset", S, "all|pid", "pid"},
       [](FileParser& f, std::string_view k, std::string_view v) {
         parse_choice<&P::proc_subset>(f, k, v, kProcSubset, "all or pid");
       },
       reset_default<&P::proc_subset>},
      {{"filesystem", "protect_kernel", S, "boolean", "no"},
       parse_yes_no<&P::protect_kernel>,
       reset_default<&P::protect_kernel>},
      {{"filesystem", "fstab", S, "path", "/etc/jharden/t.fstab"},
       parse_fstab,
       reset_unset<&P::fstab>},
      {{"filesystem", "landlock", S, "auto|yes|no", "no"},
       parse_landlock,
       reset_default<&P::landlock>},
      // [secrets] (any other key is a secret: NAME = SOURCE)
      {{"secrets", "directory", S, "path", "/run/keys"},
       parse_secrets_directory,
       reset_default<&P::secrets_directory>},
      {{"secrets", "mode", S, "octal", "0440"},
       parse_secrets_mode,
       reset_default<&P::secrets_mode>},
      {{"secrets", "hide_sources", S, "boolean", "no"},
       parse_yes_no<&P::hide_sources>,
       reset_default<&P::hide_sources>},
      {{"secrets", "user", S, "name|id", "nobody"},
       parse_ident<&P::secrets_user>,
       reset_unset<&P::secrets_user>},
      {{"secrets", "group", S, "name|id", "nogroup"},
       parse_ident<&P::secrets_group>,
       reset_unset<&P::secrets_group>},
      // [capabilities]
      {{"capabilities", "drop", L, "[!]capability...", "CAP_CHOWN"},
       parse_caps<&P::cap_drop>,
       reset_clear<&P::cap_drop>},
      {{"capabilities", "keep", L, "[!]capability...|none", "CAP_CHOWN"},
       parse_keep,
       reset_unset<&P::cap_keep>},
      {{"capabilities", "ambient", L, "[!]capability...", "CAP_NET_BIND_SERVICE"},
       parse_caps<&P::cap_ambient>,
       reset_clear<&P::cap_ambient>},
      {{"capabilities", "no_new_privileges", S, "boolean", "no"},
       parse_yes_no<&P::no_new_privileges>,
       reset_default<&P::no_new_privileges>},
      // [seccomp]
      {{"seccomp", "deny", L, "[!]name[:errno]...", "sethostname:EACCES"},
       parse_deny,
       reset_clear<&P::seccomp_deny>},
      {{"seccomp", "allow", L, "[!]name...", "@system-service"},
       parse_allow,
       reset_unset<&P::seccomp_allow>},
      {{"seccomp", "action", S, "errno|kill|log", "kill"},
       [](FileParser& f, std::string_view k, std::string_view v) {
         parse_choice<&P::seccomp_action>(f, k, v, kAction, "errno, kill or log");
       },
       reset_default<&P::seccomp_action>},
      {{"seccomp", "errno", S, "errno", "EACCES"},
       parse_errno_key,
       reset_default<&P::seccomp_errno>},
      {{"seccomp", "address_families", L, "[!]family...|none", "AF_UNIX"},
       [](FileParser& f, std::string_view k, std::string_view v) { f.family_list(k, v); },
       reset_unset<&P::address_families>},
      {{"seccomp", "memory_deny_write_execute", S, "boolean", "yes"},
       parse_yes_no<&P::memory_deny_write_execute>,
       reset_default<&P::memory_deny_write_execute>},
      {{"seccomp", "native_only", S, "boolean", "no"},
       parse_yes_no<&P::native_only>,
       reset_default<&P::native_only>},
      {{"seccomp", "restrict_suid_sgid", S, "boolean", "no"},
       parse_yes_no<&P::restrict_suid_sgid>,
       reset_default<&P::restrict_suid_sgid>},
      {{"seccomp", "lock_personality", S, "boolean", "no"},
       parse_yes_no<&P::lock_personality>,
       reset_default<&P::lock_personality>},
      {{"seccomp", "restrict_realtime", S, "boolean", "no"},
       parse_yes_no<&P::restrict_realtime>,
       reset_default<&P::restrict_realtime>},
      // [namespaces]
      {{"namespaces", "pid", S, "boolean", "yes"},
       parse_yes_no<&P::ns_pid>,
       reset_default<&P::ns_pid>},
      {{"namespaces", "net", S, "boolean", "yes"},
       parse_yes_no<&P::ns_net>,
       reset_default<&P::ns_net>},
      {{"namespaces", "ipc", S, "boolean", "yes"},
       parse_yes_no<&P::ns_ipc>,
       reset_default<&P::ns_ipc>},
      {{"namespaces", "uts", S, "boolean", "yes"},
       parse_yes_no<&P::ns_uts>,
       reset_default<&P::ns_uts>},
      {{"namespaces", "hostname", S, "name", "box"}, parse_hostname, reset_unset<&P::hostname>},
      {{"namespaces", "cgroup", S, "boolean", "yes"},
       parse_yes_no<&P::ns_cgroup>,
       reset_default<&P::ns_cgroup>},
      {{"namespaces", "user", S, "boolean", "yes"},
       parse_yes_no<&P::ns_user>,
       reset_default<&P::ns_user>},
      {{"namespaces", "allow_create", L, "type...|all", "net"},
       parse_allow_create,
       reset_allow_create},
  };
  return kTable;
}

const KeyDef* find_key(std::string_view section, std::string_view key) {
  static const auto kIndex = [] {
    std::map<std::pair<std::string_view, std::string_view>, const KeyDef*> index;
    for (const auto& d : key_table()) index.emplace(std::pair{d.key.section, d.key.name}, &d);
    return index;
  }();
  auto it = kIndex.find(std::pair{section, key});
  return it == kIndex.end() ? nullptr : it->second;
}

// Every line KEY = VALUE of a known section: a key of the table (a scalar at most once per
// file; an empty value resets), or in [secrets] a secret.
void FileParser::handle(std::string_view section, std::string_view key, std::string_view value) {
  const KeyDef* def = find_key(section, key);
  if (!def) {
    if (section == "secrets") return secret(key, value);
    return value_error(key, "unknown key in [" + std::string(section) + "]");
  }
  if (def->key.kind == KeyKind::kScalar) {
    auto [it, inserted] =
        scalars_seen_.emplace(std::string(section) + "." + std::string(key), line_);
    if (!inserted)
      return error(std::string(key) + ": given twice in this file (first on line " +
                   std::to_string(it->second) + ")");
  }
  // An empty assignment resets the key, as in systemd units: a scalar to its built-in
  // default, a list to empty (or to "not given", where that differs).
  if (value.empty()) return def->reset(policy_, here());
  def->parse(*this, key, value);
}

}  // namespace

std::vector<PolicyKey> policy_keys() {
  std::vector<PolicyKey> keys;
  for (const auto& d : key_table()) keys.push_back(d.key);
  return keys;
}

std::string policy_key_list() {
  std::string out;
  std::string_view section;
  for (const auto& d : key_table()) {
    if (d.key.section != section) {
      if (section == "secrets") out += "    NAME = [-]path|credential:ID  (a secret)\n";
      section = d.key.section;
      out += "  [" + std::string(section) + "]\n";
    }
    out += "    " + std::string(d.key.name) + " = " + std::string(d.key.syntax) +
           (d.key.kind == KeyKind::kList ? "  (list)\n" : "\n");
  }
  return out;
}

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
