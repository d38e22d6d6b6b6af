// The policy parser (policy.h, jharden.conf(5), contract §4): the INI reader's hardening, and
// every key of every section with its valid and invalid forms. Each invalid form must give
// exactly "FILE:LINE: error: MESSAGE" and exit status 78.
#include "policy.h"

#include <gtest/gtest.h>
#include <linux/capability.h>
#include <sched.h>
#include <sys/socket.h>

#include <algorithm>
#include <string>
#include <vector>

#include "loader.h"
#include "test_support.h"

namespace jharden {
namespace {

using test::contains;
using test::err;
using test::errors_of;
using test::has_size;
using test::is_empty;
using test::kFile;
using test::parse;
using test::starts_with;
using test::Strings;

std::vector<std::string> paths_of(const std::vector<PathSpec>& list) {
  std::vector<std::string> out;
  for (const auto& p : list) out.push_back(p.path);
  return out;
}

std::vector<int> caps_of(const std::vector<Located<int>>& list) {
  std::vector<int> out;
  for (const auto& c : list) out.push_back(c.value);
  return out;
}

template <typename Entry>
std::vector<std::string> names_of(const std::vector<Entry>& list) {
  std::vector<std::string> out;
  for (const auto& n : list) out.push_back(n.value);
  return out;
}

// --- The INI reader ------------------------------------------------------------------------

TEST(PolicyReader, EmptyFileIsValid) { EXPECT_TRUE(is_empty(errors_of(""))); }

TEST(PolicyReader, CommentsAndBlankLinesAreIgnored) {
  auto p = parse("# a comment\n; another\n\n[service]\n   # indented comment\nuser = nobody\n");
  EXPECT_TRUE(p.diag.ok());
  ASSERT_TRUE(p.policy.user.has_value());
  EXPECT_EQ(p.policy.user->value, "nobody");
}

// jharden.conf(5): "A line whose first character other than white space is # or ; is a
// comment" -- white space as isspace(3) knows it, as inih skips it, not only blanks.
TEST(PolicyReader, AnyWhiteSpaceBeforeACommentMarkerIsAComment) {
  EXPECT_TRUE(is_empty(errors_of("[service]\n\f# form feed\n\v ;vertical tab\n")));
}

TEST(PolicyReader, SemicolonAfterWhiteSpaceStartsAComment) {
  auto p = parse("[service]\nuser = nobody ; the daemon's user\n");
  EXPECT_TRUE(p.diag.ok());
  EXPECT_EQ(p.policy.user->value, "nobody");
}

TEST(PolicyReader, HashAndSemicolonInsideAValueAreOrdinary) {
  auto p = parse("[service]\nenvironment = A=b#c;d\n");
  EXPECT_TRUE(p.diag.ok());
  ASSERT_TRUE(has_size(p.policy.environment, 1));
  EXPECT_EQ(p.policy.environment[0].value, "b#c;d");
}

TEST(PolicyReader, IndentedLineIsNotAContinuation) {
  auto p = parse("[filesystem]\nread_only = /srv\n    read_only = /opt\n");
  EXPECT_TRUE(p.diag.ok());
  EXPECT_EQ(paths_of(p.policy.read_only), (Strings{"/usr", "/etc", "/srv", "/opt"}));
}

TEST(PolicyReader, WhiteSpaceAroundKeyAndValueIsOptional) {
  auto p = parse("[service]\nuser=nobody\n");
  EXPECT_TRUE(p.diag.ok());
  EXPECT_EQ(p.policy.user->value, "nobody");
}

TEST(PolicyReader, SectionMayAppearTwice) {
  auto p = parse("[service]\nuser = nobody\n[filesystem]\n[service]\ngroup = nogroup\n");
  EXPECT_TRUE(p.diag.ok());
  EXPECT_EQ(p.policy.user->value, "nobody");
  EXPECT_EQ(p.policy.group->value, "nogroup");
}

TEST(PolicyReader, ValuesRecordTheirLine) {
  auto p = parse("\n[service]\n\nuser = nobody\n");
  EXPECT_EQ(p.policy.user->origin.file, kFile);
  EXPECT_EQ(p.policy.user->origin.line, 4);
}

TEST(PolicyReader, Utf8ByteOrderMarkIsAccepted) {
  auto p = parse("\xEF\xBB\xBF[service]\nuser = nobody\n");
  EXPECT_TRUE(p.diag.ok()) << p.errors()[0];
  EXPECT_EQ(p.policy.user->value, "nobody");
}

TEST(PolicyReader, CrlfLineEndsAreAccepted) {
  auto p = parse("[service]\r\nuser = nobody\r\n[filesystem]\r\nread_only = /srv\r\n");
  EXPECT_TRUE(p.diag.ok());
  EXPECT_EQ(p.policy.user->value, "nobody");
  EXPECT_EQ(p.policy.read_only.back().path, "/srv");
  EXPECT_EQ(p.policy.read_only.back().origin.line, 4);
}

TEST(PolicyReader, LastLineWithoutNewlineIsRead) {
  auto p = parse("[service]\nuser = nobody");
  EXPECT_EQ(p.policy.user->value, "nobody");
}

// A line of `size` bytes that adds one path to read_only.
std::string read_only_line(size_t size) {
  std::string head = "read_only = /";
  return head + std::string(size - head.size(), 'a');
}

TEST(PolicyReader, LineOf198BytesIsAccepted) {
  auto p = parse("[filesystem]\n" + read_only_line(198) + "\n");
  EXPECT_TRUE(p.diag.ok());
  EXPECT_TRUE(has_size(p.policy.read_only, 3));
}

TEST(PolicyReader, LineOver198BytesIsAnErrorAndNotApplied) {
  auto p = parse("[filesystem]\n" + read_only_line(199) + "\nread_write = /var\n");
  EXPECT_EQ(p.errors(), (Strings{err(2, "line is too long (199 bytes, at most 198)")}));
  EXPECT_EQ(p.diag.exit_code(), kExitConfig);
  EXPECT_EQ(paths_of(p.policy.read_only), (Strings{"/usr", "/etc"}));
  EXPECT_EQ(paths_of(p.policy.read_write), (Strings{"/var"}));  // counting went on
}

TEST(PolicyReader, OverLongCommentIsAnError) {
  auto p = parse("[filesystem]\n#" + std::string(300, 'x') + "\n");
  EXPECT_EQ(p.errors(), (Strings{err(2, "line is too long (301 bytes, at most 198)")}));
}

TEST(PolicyReader, HundredKilobyteLineGivesOneError) {
  std::string huge = "environment = X=" + std::string(100 * 1024, 'a');
  auto p = parse("[service]\n" + huge + "\nuser = nobody\n");
  ASSERT_TRUE(has_size(p.errors(), 1));
  EXPECT_TRUE(starts_with(p.errors()[0], err(2, "line is too long (")));
  EXPECT_TRUE(is_empty(p.policy.environment));
  EXPECT_EQ(p.policy.user->value, "nobody");
  EXPECT_EQ(p.policy.user->origin.line, 3);
}

TEST(PolicyReader, NulByteIsAnErrorAndTheLineIsNotApplied) {
  std::string text =
      std::string("[filesystem]\nread_only = /srv") + '\0' + "/x\nread_write = /var\n";
  auto p = parse(text);
  EXPECT_EQ(p.errors(), (Strings{err(2, "line contains a NUL byte")}));
  EXPECT_EQ(paths_of(p.policy.read_only), (Strings{"/usr", "/etc"}));
  EXPECT_EQ(paths_of(p.policy.read_write), (Strings{"/var"}));
}

TEST(PolicyReader, NulByteInACommentIsAnError) {
  std::string text("# a\0b\n", 6);
  EXPECT_EQ(errors_of(text), (Strings{err(1, "line contains a NUL byte")}));
}

TEST(PolicyReader, KeyOutsideAnySectionIsAnError) {
  EXPECT_EQ(errors_of("user = nobody\n"), (Strings{err(1, "key outside of any section")}));
}

TEST(PolicyReader, LineWithoutEqualsIsAnError) {
  EXPECT_EQ(errors_of("[service]\nuser nobody\n"),
            (Strings{err(2, "expected \"KEY = VALUE\" or \"[SECTION]\"")}));
}

TEST(PolicyReader, MalformedSectionHeaderIsAnError) {
  EXPECT_EQ(errors_of("[service\n"), (Strings{err(1, "malformed section header")}));
  EXPECT_EQ(errors_of("[]\n"), (Strings{err(1, "malformed section header")}));
}

TEST(PolicyReader, KeyContainingColonIsAnError) {
  EXPECT_EQ(errors_of("[service]\nus:er = nobody\n"),
            (Strings{err(2, "key name must not contain \":\"")}));
}

TEST(PolicyReader, UnknownSectionIsOneErrorAndItsKeysAreIgnored) {
  auto p = parse("[unit]\nuser = nobody\nexec = /bin/true\n");
  EXPECT_EQ(p.errors(), (Strings{err(1, "unknown section [unit]")}));
  EXPECT_FALSE(p.policy.user.has_value());
}

TEST(PolicyReader, SectionNamesAreLowerCase) {
  EXPECT_EQ(errors_of("[Service]\n"), (Strings{err(1, "unknown section [Service]")}));
}

TEST(PolicyReader, KeysAfterUnknownSectionInKnownSectionApply) {
  auto p = parse("[bogus]\nx = 1\n[service]\nuser = nobody\n");
  EXPECT_EQ(p.errors(), (Strings{err(1, "unknown section [bogus]")}));
  EXPECT_EQ(p.policy.user->value, "nobody");
}

TEST(PolicyReader, EveryErrorIsReportedNotJustTheFirst) {
  EXPECT_EQ(errors_of("[service]\n"
                      "umask = 9\n"
                      "foo = bar\n"
                      "[filesystem]\n"
                      "read_only = usr\n"),
            (Strings{err(2, "umask: expected an octal mode such as 0755: \"9\""),
                     err(3, "foo: unknown key in [service]"),
                     err(5, "read_only: path must be absolute: \"usr\"")}));
}

TEST(PolicyReader, EveryBadWordOfAListLineIsReported) {
  EXPECT_EQ(errors_of("[filesystem]\nread_only = usr /ok etc\n"),
            (Strings{err(2, "read_only: path must be absolute: \"usr\""),
                     err(2, "read_only: path must be absolute: \"etc\"")}));
}

// --- Unknown keys --------------------------------------------------------------------------

struct UnknownKeys {
  const char* section;
  std::vector<const char*> keys;
};

class UnknownKeyTest : public ::testing::TestWithParam<UnknownKeys> {};

TEST_P(UnknownKeyTest, IsAnErrorNamingTheSection) {
  const std::string section = GetParam().section;
  for (const std::string key : GetParam().keys) {
    EXPECT_EQ(errors_of("[" + section + "]\n" + key + " = 1\n"),
              (Strings{err(2, key + ": unknown key in [" + section + "]")}));
  }
}

// [secrets] has none: any other key there is a secret.
INSTANTIATE_TEST_SUITE_P(
    AllSections, UnknownKeyTest,
    ::testing::Values(UnknownKeys{"service", {"foo", "Exec", "ExecStart", "USER"}},
                      UnknownKeys{"filesystem", {"foo", "ReadOnly", "read-only", "readonly"}},
                      UnknownKeys{"capabilities", {"foo", "Drop", "bounding"}},
                      UnknownKeys{"seccomp", {"foo", "filter", "Deny"}},
                      UnknownKeys{"namespaces", {"foo", "mount", "users", "PID"}}),
    [](const auto& p) { return std::string(p.param.section); });

// --- Booleans ------------------------------------------------------------------------------

struct BoolKey {
  const char* section;
  const char* key;
  Located<bool> Policy::*field;
  bool default_value;
};

const BoolKey kBoolKeys[] = {
    {"service", "new_session", &Policy::new_session, true},
    {"filesystem", "private_tmp", &Policy::private_tmp, true},
    {"filesystem", "private_dev", &Policy::private_dev, true},
    {"filesystem", "protect_kernel", &Policy::protect_kernel, true},
    {"secrets", "hide_sources", &Policy::hide_sources, true},
    {"capabilities", "no_new_privileges", &Policy::no_new_privileges, true},
    {"seccomp", "native_only", &Policy::native_only, true},
    {"seccomp", "restrict_suid_sgid", &Policy::restrict_suid_sgid, true},
    {"seccomp", "lock_personality", &Policy::lock_personality, true},
    {"seccomp", "restrict_realtime", &Policy::restrict_realtime, true},
    {"namespaces", "pid", &Policy::ns_pid, false},
    {"namespaces", "net", &Policy::ns_net, false},
    {"namespaces", "ipc", &Policy::ns_ipc, false},
    {"namespaces", "uts", &Policy::ns_uts, false},
    {"namespaces", "cgroup", &Policy::ns_cgroup, false},
    {"namespaces", "user", &Policy::ns_user, false},
};

struct BoolWord {
  const char* word;
  bool value;
};

const BoolWord kBoolWords[] = {{"yes", true}, {"true", true},   {"on", true},   {"1", true},
                               {"no", false}, {"false", false}, {"off", false}, {"0", false}};

const char* const kBadBoolWords[] = {"Yes", "TRUE", "On", "NO", "2", "y", "n", "enable", "yess"};

std::string bool_text(const BoolKey& k, const std::string& word) {
  return std::string("[") + k.section + "]\n" + k.key + " = " + word + "\n";
}

TEST(BoolKeys, DefaultsAreTheDocumentedOnes) {
  Policy p = default_policy();
  for (const auto& k : kBoolKeys) EXPECT_EQ((p.*k.field).value, k.default_value) << k.key;
}

class BoolKeyTest : public ::testing::TestWithParam<BoolKey> {};

TEST_P(BoolKeyTest, AcceptsEveryDocumentedWord) {
  const BoolKey& key = GetParam();
  for (const auto& word : kBoolWords) {
    SCOPED_TRACE(word.word);
    auto p = parse(bool_text(key, word.word));
    EXPECT_TRUE(is_empty(p.errors()));
    EXPECT_EQ((p.policy.*key.field).value, word.value);
    EXPECT_EQ((p.policy.*key.field).origin.line, 2);
  }
}

TEST_P(BoolKeyTest, RefusesOtherWordsAndKeepsTheDefault) {
  const BoolKey& key = GetParam();
  for (const char* word : kBadBoolWords) {
    SCOPED_TRACE(word);
    auto p = parse(bool_text(key, word));
    EXPECT_EQ(p.errors(), (Strings{err(2, std::string(key.key) +
                                              ": expected yes/no, true/false, on/off or "
                                              "1/0: \"" +
                                              word + "\"")}));
    EXPECT_EQ(p.diag.exit_code(), kExitConfig);
    EXPECT_EQ((p.policy.*key.field).value, key.default_value);
  }
}

INSTANTIATE_TEST_SUITE_P(AllBoolKeys, BoolKeyTest, ::testing::ValuesIn(kBoolKeys),
                         [](const auto& p) { return std::string(p.param.key); });

// --- Paths ---------------------------------------------------------------------------------

// A key that takes a path, and how to write a path into it.
struct PathKey {
  const char* name;  // for the test name
  const char* section;
  const char* key;
  const char* before;  // written before the path in the value
  const char* after;   // written after it
  const char* message_key;
  bool dash_allowed;  // the "-" (ignore if missing) prefix
};

const PathKey kPathKeys[] = {
    {"read_only", "filesystem", "read_only", "", "", "read_only", true},
    {"read_write", "filesystem", "read_write", "", "", "read_write", true},
    {"mask", "filesystem", "mask", "", "", "mask", true},
    {"inaccessible", "filesystem", "inaccessible", "", "", "inaccessible", true},
    {"tmpfs", "filesystem", "tmpfs", "", ":mode=0700", "tmpfs", false},
    {"bind_source", "filesystem", "bind", "", ":/mnt/target", "bind", true},
    {"bind_target", "filesystem", "bind", "/srv/source:", ":ro", "bind", false},
    {"root", "filesystem", "root", "", "", "root", false},
    {"fstab", "filesystem", "fstab", "", "", "fstab", false},
    {"working_directory", "service", "working_directory", "", "", "working_directory", false},
    {"secrets_directory", "secrets", "directory", "", "", "directory", false},
    {"secret_source", "secrets", "tls_key", "", "", "tls_key", true},
};

std::string path_text(const PathKey& k, const std::string& path) {
  return std::string("[") + k.section + "]\n" + k.key + " = " + k.before + path + k.after + "\n";
}

struct BadPath {
  const char* name;
  const char* path;
  const char* why;
};

const BadPath kBadPaths[] = {
    {"relative", "srv/data", "path must be absolute"},
    {"dotdot_relative", "../srv", "path must be absolute"},
    {"dotdot", "/srv/../etc", "path must not contain \".\" or \"..\" components"},
    {"dot", "/srv/./data", "path must not contain \".\" or \"..\" components"},
    {"trailing_dotdot", "/srv/..", "path must not contain \".\" or \"..\" components"},
    {"double_slash", "/srv//data", "path must not contain \"//\""},
    {"trailing_slash", "/srv/data/", "path must not end with \"/\""},
};

class PathKeyTest : public ::testing::TestWithParam<PathKey> {};

TEST_P(PathKeyTest, AbsoluteNormalizedPathIsAccepted) {
  EXPECT_TRUE(is_empty(errors_of(path_text(GetParam(), "/srv/data"))));
}

TEST_P(PathKeyTest, DashPrefixOnlyWhereAllowed) {
  const PathKey& k = GetParam();
  auto errors = errors_of(path_text(k, "-/srv/data"));
  if (k.dash_allowed)
    EXPECT_TRUE(is_empty(errors));
  else
    EXPECT_EQ(
        errors,
        (Strings{err(2, std::string(k.message_key) + ": path must be absolute: \"-/srv/data\"")}));
}

TEST_P(PathKeyTest, RefusesUnnormalizedPathsWithTheirLine) {
  const PathKey& key = GetParam();
  for (const auto& bad : kBadPaths) {
    SCOPED_TRACE(bad.path);
    EXPECT_EQ(errors_of(path_text(key, bad.path)),
              (Strings{err(
                  2, std::string(key.message_key) + ": " + bad.why + ": \"" + bad.path + "\"")}));
  }
}

INSTANTIATE_TEST_SUITE_P(AllPathKeys, PathKeyTest, ::testing::ValuesIn(kPathKeys),
                         [](const auto& p) { return std::string(p.param.name); });

TEST(PathLists, DashPrefixMarksTheEntryOptional) {
  auto p = parse("[filesystem]\ninaccessible = -/home /root\n");
  ASSERT_TRUE(has_size(p.policy.inaccessible, 2));
  EXPECT_EQ(p.policy.inaccessible[0].path, "/home");
  EXPECT_TRUE(p.policy.inaccessible[0].optional);
  EXPECT_FALSE(p.policy.inaccessible[1].optional);
}

TEST(PathLists, DashAloneIsAnEmptyPath) {
  EXPECT_EQ(errors_of("[filesystem]\nmask = -\n"), (Strings{err(2, "mask: path is empty: \"\"")}));
}

TEST(PathLists, TabsSeparateValues) {
  auto p = parse("[filesystem]\nread_write = /a\t/b\n");
  EXPECT_EQ(paths_of(p.policy.read_write), (Strings{"/a", "/b"}));
}

// --- Scalar keys given twice ---------------------------------------------------------------

struct ScalarKey {
  const char* section;
  const char* key;
  const char* value;
};

const ScalarKey kScalarKeys[] = {
    {"service", "exec", "/bin/true"},
    {"service", "user", "nobody"},
    {"service", "group", "nogroup"},
    {"service", "working_directory", "/srv"},
    {"service", "new_session", "yes"},
    {"service", "umask", "0022"},
    {"service", "notify", "none"},
    {"filesystem", "root", "/srv/root"},
    {"filesystem", "propagation", "slave"},
    {"filesystem", "private_tmp", "yes"},
    {"filesystem", "private_dev", "yes"},
    {"filesystem", "protect_proc", "default"},
    {"filesystem", "proc_subset", "all"},
    {"filesystem", "protect_kernel", "yes"},
    {"filesystem", "fstab", "/etc/jharden/x.fstab"},
    {"filesystem", "landlock", "auto"},
    {"secrets", "directory", "/run/s"},
    {"secrets", "mode", "0400"},
    {"secrets", "hide_sources", "yes"},
    {"secrets", "user", "nobody"},
    {"secrets", "group", "nogroup"},
    {"capabilities", "no_new_privileges", "yes"},
    {"seccomp", "action", "errno"},
    {"seccomp", "native_only", "yes"},
    {"seccomp", "restrict_suid_sgid", "yes"},
    {"seccomp", "lock_personality", "yes"},
    {"seccomp", "restrict_realtime", "yes"},
    {"namespaces", "pid", "no"},
    {"namespaces", "net", "no"},
    {"namespaces", "ipc", "no"},
    {"namespaces", "uts", "no"},
    {"namespaces", "cgroup", "no"},
    {"namespaces", "user", "no"},
    {"namespaces", "hostname", "web"},
};

class ScalarTwiceTest : public ::testing::TestWithParam<ScalarKey> {};

TEST_P(ScalarTwiceTest, IsAnErrorNamingBothLines) {
  auto [section, key, value] = GetParam();
  std::string line = std::string(key) + " = " + value + "\n";
  EXPECT_EQ(errors_of(std::string("[") + section + "]\n" + line + "\n" + line),
            (Strings{err(4, std::string(key) + ": given twice in this file (first on line 2)")}));
}

// [secrets] user and group share their names with [service]'s.
INSTANTIATE_TEST_SUITE_P(AllScalarKeys, ScalarTwiceTest, ::testing::ValuesIn(kScalarKeys),
                         [](const auto& p) {
                           return std::string(p.param.section) + "_" + p.param.key;
                         });

TEST(ScalarTwice, OnceIsAccepted) {
  for (const auto& [section, key, value] : kScalarKeys)
    EXPECT_TRUE(
        is_empty(errors_of(std::string("[") + section + "]\n" + key + " = " + value + "\n")))
        << key;
}

TEST(ScalarTwice, IsAnErrorAcrossRepeatedSectionHeaders) {
  EXPECT_EQ(errors_of("[service]\nuser = a\n[filesystem]\n[service]\nuser = b\n"),
            (Strings{err(5, "user: given twice in this file (first on line 2)")}));
}

TEST(ScalarTwice, SameKeyNameInDifferentSectionsIsNotADuplicate) {
  EXPECT_TRUE(is_empty(errors_of("[secrets]\nmode = 0400\n[service]\numask = 0022\n")));
}

// --- An empty scalar assignment --------------------------------------------------------------

// jharden.conf(5), SYNTAX: "An empty value (user =) resets a scalar key to its default."
TEST(EmptyScalar, ResetsUserToUnchanged) {
  Diagnostics diag;
  Policy p = parse_policy_files({{kFile, "[service]\nuser = nobody\n"},
                                 {"/etc/jharden/t.conf.d/50.conf", "[service]\nuser =\n"}},
                                false, diag);
  EXPECT_TRUE(diag.ok()) << diag.list()[0].str();
  EXPECT_FALSE(p.user.has_value());
}

TEST(EmptyScalar, ResetsBooleanToItsDefault) {
  Diagnostics diag;
  Policy p = parse_policy_files({{kFile, "[service]\nnew_session = no\n"},
                                 {"/etc/jharden/t.conf.d/50.conf", "[service]\nnew_session =\n"}},
                                false, diag);
  EXPECT_TRUE(diag.ok()) << diag.list()[0].str();
  EXPECT_TRUE(p.new_session.value);
}

// --- [service] -----------------------------------------------------------------------------

TEST(ServiceExec, IsSplitIntoArgv) {
  auto p = parse("[service]\nexec = /bin/echo \"a b\" 'c d' e\\sf\n");
  EXPECT_TRUE(p.diag.ok());
  EXPECT_EQ(p.policy.exec.value, (Strings{"/bin/echo", "a b", "c d", "e f"}));
  EXPECT_EQ(p.policy.exec.origin.line, 2);
}

TEST(ServiceExec, SemicolonAfterWhiteSpaceEndsTheCommand) {
  auto p = parse("[service]\nexec = /bin/echo a ;b\n");
  EXPECT_EQ(p.policy.exec.value, (Strings{"/bin/echo", "a"}));
}

TEST(ServiceExec, RelativeProgramIsAnError) {
  EXPECT_EQ(
      errors_of("[service]\nexec = bin/echo hi\n"),
      (Strings{err(2, "exec: the program must be an absolute, normalized path: \"bin/echo\"")}));
}

TEST(ServiceExec, ProgramWithDotDotIsAnError) {
  EXPECT_EQ(
      errors_of("[service]\nexec = /usr/../bin/echo\n"),
      (Strings{
          err(2, "exec: the program must be an absolute, normalized path: \"/usr/../bin/echo\"")}));
}

TEST(ServiceExec, UnterminatedQuoteIsAnError) {
  EXPECT_EQ(errors_of("[service]\nexec = /bin/echo \"abc\n"),
            (Strings{err(2, "exec: unterminated quote")}));
}

TEST(ServiceExec, BadEscapeIsAnError) {
  EXPECT_EQ(errors_of("[service]\nexec = /bin/echo \\q\n"),
            (Strings{err(2, "exec: unknown escape \\q")}));
}

TEST(ServiceExec, MissingIsAnErrorWhenACommandIsNeeded) {
  Diagnostics diag;
  parse_policy_files({{kFile, "[service]\nuser = nobody\n"}}, true, diag);
  EXPECT_TRUE(has_size(diag.list(), 1));
  EXPECT_EQ(diag.list()[0].str(),
            kFile + ": error: exec: no command: set [service] exec or give one after \"--\"");
  EXPECT_EQ(diag.exit_code(), kExitConfig);
}

TEST(ServiceExec, MissingIsFineWhenNoCommandIsNeeded) {
  Diagnostics diag;
  parse_policy_files({{kFile, ""}}, false, diag);
  EXPECT_TRUE(diag.ok());
}

TEST(ServiceUser, NamesAndNumericIdsAreAccepted) {
  for (const char* v : {"www-data", "nobody", "_apt", "user.name", "0", "1000", "4294967294"}) {
    auto p = parse(std::string("[service]\nuser = ") + v + "\n");
    EXPECT_TRUE(is_empty(p.errors())) << v;
    EXPECT_EQ(p.policy.user->value, v);
  }
}

class BadIdTest : public ::testing::TestWithParam<const char*> {};

TEST_P(BadIdTest, OutOfRangeNumericIdIsAnError) {
  const std::string key = GetParam();
  for (const char* value : {"-1", "4294967295", "4294967296", "99999999999", "+1"}) {
    EXPECT_EQ(
        errors_of("[service]\n" + key + " = " + value + "\n"),
        (Strings{err(2, key + ": numeric id out of range (0 to 4294967294): \"" + value + "\"")}));
  }
}

INSTANTIATE_TEST_SUITE_P(UserGroupSupplementary, BadIdTest,
                         ::testing::Values("user", "group", "supplementary_groups"),
                         [](const auto& p) { return std::string(p.param); });

TEST(ServiceUser, InvalidNameIsAnError) {
  EXPECT_EQ(errors_of("[service]\nuser = a/b\n"),
            (Strings{err(2, "user: invalid user or group name: \"a/b\"")}));
}

TEST(ServiceGroup, InvalidNameIsAnError) {
  EXPECT_EQ(errors_of("[service]\ngroup = a:b\n"),
            (Strings{err(2, "group: invalid user or group name: \"a:b\"")}));
}

TEST(ServiceSupplementaryGroups, AccumulatesAcrossLines) {
  auto p = parse("[service]\nsupplementary_groups = adm 4\nsupplementary_groups = users\n");
  ASSERT_TRUE(p.policy.supplementary_groups.has_value());
  EXPECT_EQ(p.policy.supplementary_groups->value, (Strings{"adm", "4", "users"}));
}

TEST(ServiceSupplementaryGroups, EmptyAssignmentMeansNone) {
  auto p = parse("[service]\nsupplementary_groups = adm\nsupplementary_groups =\n");
  EXPECT_TRUE(p.diag.ok());
  ASSERT_TRUE(p.policy.supplementary_groups.has_value());
  EXPECT_TRUE(is_empty(p.policy.supplementary_groups->value));
}

TEST(ServiceWorkingDirectory, DefaultsToRoot) {
  EXPECT_EQ(parse("").policy.working_directory.value, "/");
}

TEST(ServiceEnvironment, OneAssignmentPerLineKeepsInnerWhiteSpace) {
  auto p = parse("[service]\nenvironment = GREETING=hello  world\nenvironment = EMPTY=\n");
  EXPECT_TRUE(p.diag.ok());
  ASSERT_TRUE(has_size(p.policy.environment, 2));
  EXPECT_EQ(p.policy.environment[0].name, "GREETING");
  EXPECT_EQ(p.policy.environment[0].value, "hello  world");
  EXPECT_EQ(p.policy.environment[1].name, "EMPTY");
  EXPECT_EQ(p.policy.environment[1].value, "");
}

TEST(ServiceEnvironment, ValueMayContainEquals) {
  auto p = parse("[service]\nenvironment = OPTS=a=b\n");
  EXPECT_EQ(p.policy.environment[0].value, "a=b");
}

TEST(ServiceEnvironment, InvalidNameIsAnError) {
  for (const char* v : {"1A=x", "A-B=x", "NOEQUALS", "=x"})
    EXPECT_EQ(errors_of(std::string("[service]\nenvironment = ") + v + "\n"),
              (Strings{err(2, std::string("environment: expected NAME=VALUE with a valid "
                                          "variable name: \"") +
                                  v + "\"")}));
}

TEST(ServiceEnvironment, EmptyAssignmentResets) {
  auto p = parse("[service]\nenvironment = A=1\nenvironment =\nenvironment = B=2\n");
  ASSERT_TRUE(has_size(p.policy.environment, 1));
  EXPECT_EQ(p.policy.environment[0].name, "B");
}

TEST(ServiceUnsetEnvironment, IsAListThatAccumulates) {
  auto p = parse("[service]\nunset_environment = A B\nunset_environment = C\n");
  EXPECT_EQ(names_of(p.policy.unset_environment), (Strings{"A", "B", "C"}));
}

TEST(ServiceUnsetEnvironment, InvalidNameIsAnError) {
  EXPECT_EQ(errors_of("[service]\nunset_environment = OK A-B\n"),
            (Strings{err(2, "unset_environment: invalid variable name: \"A-B\"")}));
}

TEST(ServiceUnsetEnvironment, EmptyAssignmentResets) {
  auto p = parse("[service]\nunset_environment = A\nunset_environment =\n");
  EXPECT_TRUE(is_empty(p.policy.unset_environment));
}

TEST(ServiceUmask, OctalValuesAreAccepted) {
  for (auto [text, value] :
       {std::pair{"0022", 0022}, {"022", 0022}, {"077", 077}, {"0", 0}, {"0777", 0777}}) {
    auto p = parse(std::string("[service]\numask = ") + text + "\n");
    EXPECT_TRUE(is_empty(p.errors())) << text;
    EXPECT_EQ(p.policy.umask.value, static_cast<mode_t>(value)) << text;
  }
}

TEST(ServiceUmask, DefaultsTo0022) { EXPECT_EQ(parse("").policy.umask.value, 0022u); }

TEST(ServiceUmask, NonOctalIsAnError) {
  for (const char* v : {"0888", "abc", "00022", "-022", "0x12", "22k"})
    EXPECT_EQ(errors_of(std::string("[service]\numask = ") + v + "\n"),
              (Strings{err(
                  2, std::string("umask: expected an octal mode such as 0755: \"") + v + "\"")}));
}

// jharden.conf(5): "Type: octal, from 0 to 0777."
TEST(ServiceUmask, AboveTheRangeIsAnError) {
  auto p = parse("[service]\numask = 1777\n");
  ASSERT_TRUE(has_size(p.errors(), 1));
  EXPECT_TRUE(starts_with(p.errors()[0], err(2, "umask: ")));
  EXPECT_EQ(p.diag.exit_code(), kExitConfig);
}

TEST(ServiceNotify, AcceptsTheThreeModes) {
  for (auto [text, mode] : {std::pair{"exec", NotifyMode::kExec},
                            {"daemon", NotifyMode::kDaemon},
                            {"none", NotifyMode::kNone}}) {
    auto p = parse(std::string("[service]\nnotify = ") + text + "\n");
    ASSERT_TRUE(p.policy.notify.has_value()) << text;
    EXPECT_EQ(p.policy.notify->value, mode) << text;
  }
}

TEST(ServiceNotify, IsUnsetByDefault) { EXPECT_FALSE(parse("").policy.notify.has_value()); }

TEST(ServiceNotify, OtherWordIsAnError) {
  EXPECT_EQ(errors_of("[service]\nnotify = Exec\n"),
            (Strings{err(2, "notify: expected exec, daemon or none: \"Exec\"")}));
}

// --- [filesystem] --------------------------------------------------------------------------

TEST(FilesystemReadOnly, DefaultsToUsrAndEtc) {
  EXPECT_EQ(paths_of(parse("").policy.read_only), (Strings{"/usr", "/etc"}));
}

TEST(FilesystemReadOnly, AccumulatesOnTheDefault) {
  auto p = parse("[filesystem]\nread_only = /srv\nread_only = /opt /var\n");
  EXPECT_EQ(paths_of(p.policy.read_only), (Strings{"/usr", "/etc", "/srv", "/opt", "/var"}));
}

TEST(FilesystemReadOnly, EmptyAssignmentClearsTheDefault) {
  auto p = parse("[filesystem]\nread_only =\n");
  EXPECT_TRUE(p.diag.ok());
  EXPECT_TRUE(is_empty(p.policy.read_only));
}

TEST(FilesystemReadOnly, AssignmentsAfterAResetStartAfresh) {
  auto p = parse("[filesystem]\nread_only = /srv\nread_only =\nread_only = /opt\n");
  EXPECT_EQ(paths_of(p.policy.read_only), (Strings{"/opt"}));
}

TEST(FilesystemReadOnly, RootIsAccepted) {
  auto p = parse("[filesystem]\nread_only = /\n");
  EXPECT_EQ(p.policy.read_only.back().path, "/");
}

TEST(FilesystemReadWrite, EmptyAssignmentResets) {
  auto p = parse("[filesystem]\nread_write = /var\nread_write =\n");
  EXPECT_TRUE(is_empty(p.policy.read_write));
}

TEST(FilesystemMask, DefaultsToProcLoadavg) {
  EXPECT_EQ(paths_of(parse("").policy.mask), (Strings{"/proc/loadavg"}));
}

TEST(FilesystemMask, EmptyAssignmentClearsTheDefault) {
  EXPECT_TRUE(is_empty(parse("[filesystem]\nmask =\n").policy.mask));
}

TEST(FilesystemInaccessible, EmptyAssignmentResets) {
  EXPECT_TRUE(
      is_empty(parse("[filesystem]\ninaccessible = /home\ninaccessible =\n").policy.inaccessible));
}

TEST(FilesystemRoot, DefaultsToSlashAndAcceptsAPath) {
  EXPECT_EQ(parse("").policy.root.value, "/");
  EXPECT_EQ(parse("[filesystem]\nroot = /srv/jail\n").policy.root.value, "/srv/jail");
}

TEST(FilesystemPropagation, AcceptsSlaveAndPrivate) {
  EXPECT_EQ(parse("").policy.propagation.value, Propagation::kSlave);
  EXPECT_EQ(parse("[filesystem]\npropagation = private\n").policy.propagation.value,
            Propagation::kPrivate);
  EXPECT_EQ(parse("[filesystem]\npropagation = slave\n").policy.propagation.value,
            Propagation::kSlave);
}

TEST(FilesystemPropagation, OtherWordIsAnError) {
  EXPECT_EQ(errors_of("[filesystem]\npropagation = shared\n"),
            (Strings{err(2, "propagation: expected slave or private: \"shared\"")}));
}

TEST(FilesystemLandlock, AutoByDefaultThenAutoYesNoAndTheBooleanWords) {
  EXPECT_EQ(parse("").policy.landlock.value, LandlockMode::kAuto);
  const std::pair<const char*, LandlockMode> kWords[] = {
      {"auto", LandlockMode::kAuto}, {"yes", LandlockMode::kYes}, {"no", LandlockMode::kNo},
      {"true", LandlockMode::kYes},  {"off", LandlockMode::kNo},  {"1", LandlockMode::kYes}};
  for (const auto& [word, mode] : kWords) {
    auto p = parse(std::string("[filesystem]\n\nlandlock = ") + word + "\n");
    EXPECT_TRUE(is_empty(p.errors())) << word;
    EXPECT_EQ(p.policy.landlock.value, mode) << word;
    EXPECT_EQ(p.policy.landlock.origin.line, 3) << word;
  }
}

TEST(FilesystemLandlock, OtherWordIsAnErrorAndEmptyRestoresAuto) {
  for (const char* bad : {"Auto", "required", "2", "abi3"})
    EXPECT_EQ(errors_of(std::string("[filesystem]\nlandlock = ") + bad + "\n"),
              (Strings{err(2, std::string("landlock: expected auto, yes or no: \"") + bad + "\"")}))
        << bad;
  Diagnostics diag;
  Policy p = parse_policy_files(
      {{"a.conf", "[filesystem]\nlandlock = no\n"}, {"b.conf", "[filesystem]\nlandlock =\n"}},
      false, diag);
  EXPECT_TRUE(diag.ok());
  EXPECT_EQ(p.landlock.value, LandlockMode::kAuto);
}

TEST(FilesystemProtectProc, AcceptsDefaultAndInvisible) {
  EXPECT_EQ(parse("").policy.protect_proc.value, ProtectProc::kDefault);
  EXPECT_EQ(parse("[filesystem]\nprotect_proc = invisible\n").policy.protect_proc.value,
            ProtectProc::kInvisible);
}

TEST(FilesystemProtectProc, OtherWordIsAnError) {
  EXPECT_EQ(errors_of("[filesystem]\nprotect_proc = noaccess\n"),
            (Strings{err(2, "protect_proc: expected default or invisible: \"noaccess\"")}));
}

TEST(FilesystemProcSubset, AcceptsAllAndPid) {
  EXPECT_EQ(parse("").policy.proc_subset.value, ProcSubset::kAll);
  EXPECT_EQ(parse("[filesystem]\nproc_subset = pid\n").policy.proc_subset.value, ProcSubset::kPid);
}

TEST(FilesystemProcSubset, OtherWordIsAnError) {
  EXPECT_EQ(errors_of("[filesystem]\nproc_subset = yes\n"),
            (Strings{err(2, "proc_subset: expected all or pid: \"yes\"")}));
}

TEST(FilesystemFstab, IsUnsetByDefaultAndTakesAPath) {
  EXPECT_FALSE(parse("").policy.fstab.has_value());
  auto p = parse("[filesystem]\nfstab = /etc/jharden/web.fstab\n");
  ASSERT_TRUE(p.policy.fstab.has_value());
  EXPECT_EQ(p.policy.fstab->value, "/etc/jharden/web.fstab");
}

TEST(FilesystemBind, SourceAndTargetWritableByDefault) {
  auto p = parse("[filesystem]\nbind = /srv/www:/var/www\n");
  ASSERT_TRUE(has_size(p.policy.bind, 1));
  EXPECT_EQ(p.policy.bind[0].source, "/srv/www");
  EXPECT_EQ(p.policy.bind[0].target, "/var/www");
  EXPECT_FALSE(p.policy.bind[0].read_only);
  EXPECT_FALSE(p.policy.bind[0].optional);
  EXPECT_EQ(p.policy.bind[0].origin.line, 2);
}

TEST(FilesystemBind, RoAndRwSuffixes) {
  auto p = parse("[filesystem]\nbind = /a:/b:ro /c:/d:rw\n");
  ASSERT_TRUE(has_size(p.policy.bind, 2));
  EXPECT_TRUE(p.policy.bind[0].read_only);
  EXPECT_FALSE(p.policy.bind[1].read_only);
}

TEST(FilesystemBind, DashPrefixMakesItOptional) {
  auto p = parse("[filesystem]\nbind = -/a:/b\n");
  ASSERT_TRUE(has_size(p.policy.bind, 1));
  EXPECT_TRUE(p.policy.bind[0].optional);
  EXPECT_EQ(p.policy.bind[0].source, "/a");
}

TEST(FilesystemBind, MissingTargetIsAnError) {
  EXPECT_EQ(errors_of("[filesystem]\nbind = /srv/www\n"),
            (Strings{err(2, "bind: expected SOURCE:TARGET[:ro|rw]: \"/srv/www\"")}));
}

TEST(FilesystemBind, TooManyFieldsIsAnError) {
  EXPECT_EQ(errors_of("[filesystem]\nbind = /a:/b:ro:x\n"),
            (Strings{err(2, "bind: expected SOURCE:TARGET[:ro|rw]: \"/a:/b:ro:x\"")}));
}

TEST(FilesystemBind, UnknownOptionIsAnError) {
  EXPECT_EQ(errors_of("[filesystem]\nbind = /a:/b:rx\n"),
            (Strings{err(2, "bind: option must be ro or rw: \"rx\"")}));
}

TEST(FilesystemBind, EmptyAssignmentResets) {
  EXPECT_TRUE(is_empty(parse("[filesystem]\nbind = /a:/b\nbind =\n").policy.bind));
}

TEST(FilesystemTmpfs, DefaultsToMode0755Writable) {
  auto p = parse("[filesystem]\ntmpfs = /run\n");
  ASSERT_TRUE(has_size(p.policy.tmpfs, 1));
  const TmpfsSpec& t = p.policy.tmpfs[0];
  EXPECT_EQ(t.path, "/run");
  EXPECT_EQ(t.mode, 0755u);
  EXPECT_FALSE(t.size_bytes.has_value());
  EXPECT_FALSE(t.noexec);
  EXPECT_FALSE(t.read_only);
}

TEST(FilesystemTmpfs, AllOptions) {
  auto p = parse(
      "[filesystem]\ntmpfs = /run:mode=0700,size=64m,nr_inodes=4k,uid=0,gid=4294967294,"
      "noexec,ro,nosuid,nodev\n");
  EXPECT_TRUE(is_empty(p.errors()));
  ASSERT_TRUE(has_size(p.policy.tmpfs, 1));
  const TmpfsSpec& t = p.policy.tmpfs[0];
  EXPECT_EQ(t.mode, 0700u);
  EXPECT_EQ(t.size_bytes, 64u << 20);
  EXPECT_EQ(t.nr_inodes, 4096u);
  EXPECT_EQ(t.uid, 0u);
  EXPECT_EQ(t.gid, 4294967294u);
  EXPECT_TRUE(t.noexec);
  EXPECT_TRUE(t.read_only);
}

TEST(FilesystemTmpfs, SizeSuffixes) {
  for (auto [text, bytes] : {std::pair<const char*, uint64_t>{"4096", 4096},
                             {"1k", 1024},
                             {"1K", 1024},
                             {"3m", 3ull << 20},
                             {"2g", 2ull << 30},
                             {"16777215g", 16777215ull << 30}}) {
    TmpfsSpec spec;
    EXPECT_TRUE(is_empty(parse_tmpfs_options(std::string("size=") + text, spec))) << text;
    EXPECT_EQ(spec.size_bytes, bytes) << text;
  }
}

TEST(FilesystemTmpfs, SizePercentageIsKeptAsWritten) {
  TmpfsSpec spec;
  EXPECT_TRUE(is_empty(parse_tmpfs_options("size=50%", spec)));
  EXPECT_EQ(spec.size_text, "50%");
  EXPECT_FALSE(spec.size_bytes.has_value());
}

TEST(FilesystemTmpfs, ExecAndRwUndoNoexecAndRo) {
  TmpfsSpec spec;
  EXPECT_TRUE(is_empty(parse_tmpfs_options("noexec,ro,exec,rw", spec)));
  EXPECT_FALSE(spec.noexec);
  EXPECT_FALSE(spec.read_only);
}

struct BadTmpfsOption {
  const char* option;
  const char* why;
};

void expect_tmpfs_errors(std::initializer_list<BadTmpfsOption> cases) {
  for (const auto& c : cases) {
    EXPECT_EQ(errors_of(std::string("[filesystem]\ntmpfs = /run:") + c.option + "\n"),
              (Strings{err(2, std::string("tmpfs: ") + c.why + ": \"" + c.option + "\"")}));
  }
}

TEST(FilesystemTmpfs, BadModeIsAnError) {
  const char* why = "expected an octal mode";
  expect_tmpfs_errors(
      {{"mode=0999", why}, {"mode=", why}, {"mode=01777x", why}, {"mode=rwx", why}});
}

TEST(FilesystemTmpfs, BadOrOverflowingSizeIsAnError) {
  const char* why = "expected a size such as 64m, without overflow";
  const char* pct = "percentage must be 1% to 100%";
  expect_tmpfs_errors({{"size=0", why},
                       {"size=12x", why},
                       {"size=-1", why},
                       {"size=99999999999999999999k", why},
                       {"size=17179869184g", why},
                       {"size=18446744073709551616", why},
                       {"size=0%", pct},
                       {"size=101%", pct},
                       {"size=5k%", pct},
                       {"nr_inodes=0", "expected a count such as 4k, without overflow"}});
}

TEST(FilesystemTmpfs, OutOfRangeUidOrGidIsAnError) {
  const char* why = "numeric id out of range (0 to 4294967294)";
  expect_tmpfs_errors({{"uid=-1", why},
                       {"uid=4294967295", why},
                       {"gid=-1", why},
                       {"gid=4294967295", why},
                       {"uid=+5", why},
                       {"uid=a/b", "expected a user name or a numeric id"},
                       {"gid=", "expected a group name or a numeric id"},
                       {"gid=x:y", "expected a group name or a numeric id"}});
}

// Debian assigns service ids at install time: a policy can only name them. The loader
// resolves the names (loader_test).
TEST(FilesystemTmpfs, UidAndGidMayBeNames) {
  auto p = parse("[filesystem]\ntmpfs = /run/redis:uid=redis,gid=redis,mode=0750\n");
  ASSERT_TRUE(is_empty(p.errors()));
  ASSERT_TRUE(has_size(p.policy.tmpfs, 1));
  EXPECT_EQ(p.policy.tmpfs[0].uid_name, "redis");
  EXPECT_EQ(p.policy.tmpfs[0].gid_name, "redis");
  EXPECT_FALSE(p.policy.tmpfs[0].uid.has_value());
  auto n = parse("[filesystem]\ntmpfs = /run/x:uid=0,gid=7\n");
  EXPECT_EQ(n.policy.tmpfs[0].uid_name, "");
  EXPECT_EQ(n.policy.tmpfs[0].uid, 0u);
  EXPECT_EQ(n.policy.tmpfs[0].gid, 7u);
}

TEST(FilesystemTmpfs, ForbiddenOrUnknownOptionIsAnError) {
  expect_tmpfs_errors({{"suid", "unknown or forbidden option"},
                       {"dev", "unknown or forbidden option"},
                       {"huge", "unknown or forbidden option"},
                       {"huge=always", "unknown option"},
                       {"", "empty option"}});
}

TEST(FilesystemTmpfs, EveryBadOptionIsReportedAndNothingIsAdded) {
  auto p = parse("[filesystem]\ntmpfs = /run:size=0,uid=-1\n");
  EXPECT_EQ(p.errors(),
            (Strings{err(2, "tmpfs: expected a size such as 64m, without overflow: \"size=0\""),
                     err(2, "tmpfs: numeric id out of range (0 to 4294967294): \"uid=-1\"")}));
  EXPECT_TRUE(is_empty(p.policy.tmpfs));
}

TEST(FilesystemTmpfs, AccumulatesAndEmptyAssignmentResets) {
  EXPECT_TRUE(has_size(parse("[filesystem]\ntmpfs = /a /b\ntmpfs = /c\n").policy.tmpfs, 3));
  EXPECT_TRUE(is_empty(parse("[filesystem]\ntmpfs = /a\ntmpfs =\n").policy.tmpfs));
}

// --- [secrets] -----------------------------------------------------------------------------

TEST(Secrets, DefaultsOfTheSection) {
  Policy p = parse("").policy;
  EXPECT_EQ(p.secrets_directory.value, "/run/secrets");
  EXPECT_EQ(p.secrets_mode.value, 0400u);
  EXPECT_TRUE(p.hide_sources.value);
  EXPECT_TRUE(is_empty(p.secrets));
}

TEST(Secrets, DirectoryRootIsAnError) {
  EXPECT_EQ(errors_of("[secrets]\ndirectory = /\n"),
            (Strings{err(2, "directory: must not be \"/\"")}));
}

TEST(Secrets, ModeIsOctal) {
  auto p = parse("[secrets]\nmode = 0440\n");
  EXPECT_TRUE(p.diag.ok());
  EXPECT_EQ(p.policy.secrets_mode.value, 0440u);
}

TEST(Secrets, NonOctalModeIsAnError) {
  EXPECT_EQ(errors_of("[secrets]\nmode = r--\n"),
            (Strings{err(2, "mode: expected an octal mode such as 0755: \"r--\"")}));
}

TEST(Secrets, HostPathSource) {
  auto p = parse("[secrets]\ntls_key = /etc/ssl/private/key.pem\n");
  ASSERT_TRUE(has_size(p.policy.secrets, 1));
  EXPECT_EQ(p.policy.secrets[0].name, "tls_key");
  EXPECT_EQ(p.policy.secrets[0].source, "/etc/ssl/private/key.pem");
  EXPECT_FALSE(p.policy.secrets[0].credential);
  EXPECT_EQ(p.policy.secrets[0].origin.line, 2);
}

TEST(Secrets, DashMakesASourceOptional) {
  auto p = parse("[secrets]\na = -/etc/ssl/a.pem\nb = -credential:b\nc = /etc/c\n");
  ASSERT_TRUE(is_empty(p.errors()));
  ASSERT_TRUE(has_size(p.policy.secrets, 3));
  EXPECT_TRUE(p.policy.secrets[0].optional);
  EXPECT_EQ(p.policy.secrets[0].source, "/etc/ssl/a.pem");
  EXPECT_TRUE(p.policy.secrets[1].optional);
  EXPECT_TRUE(p.policy.secrets[1].credential);
  EXPECT_EQ(p.policy.secrets[1].source, "b");
  EXPECT_FALSE(p.policy.secrets[2].optional);
  EXPECT_EQ(errors_of("[secrets]\na = -\n"), (Strings{err(2, "a: path is empty: \"\"")}));
}

TEST(Secrets, OwnerUserAndGroup) {
  auto p = parse("[secrets]\nuser = _chrony\ngroup = 105\n");
  ASSERT_TRUE(is_empty(p.errors()));
  EXPECT_EQ(p.policy.secrets_user->value, "_chrony");
  EXPECT_EQ(p.policy.secrets_group->value, "105");
  EXPECT_TRUE(is_empty(p.policy.secrets));
  EXPECT_EQ(errors_of("[secrets]\nuser = -1\n"),
            (Strings{err(2, "user: numeric id out of range (0 to 4294967294): \"-1\"")}));
}

TEST(Secrets, CredentialSource) {
  auto p = parse("[secrets]\ntls_key = credential:tls.key\n");
  ASSERT_TRUE(has_size(p.policy.secrets, 1));
  EXPECT_EQ(p.policy.secrets[0].source, "tls.key");
  EXPECT_TRUE(p.policy.secrets[0].credential);
}

TEST(Secrets, NamesMayUseLettersDigitsDotUnderscoreAndDash) {
  EXPECT_TRUE(is_empty(errors_of("[secrets]\nKey-1.pem_x = /k\n.hidden = /h\n")));
}

TEST(Secrets, BadNamesAreErrors) {
  for (const char* name : {"a/b", ".", "..", "tls key", "k@y"})
    EXPECT_EQ(
        errors_of(std::string("[secrets]\n") + name + " = /k\n"),
        (Strings{err(2, std::string(name) + ": secret name must be a plain file name of letters, "
                                            "digits, \".\", \"_\" or \"-\"")}))
        << name;
}

TEST(Secrets, BadCredentialIdsAreErrors) {
  for (const char* id : {"a/b", ".", "..", ""})
    EXPECT_EQ(errors_of(std::string("[secrets]\ntls = credential:") + id + "\n"),
              (Strings{err(
                  2, std::string("tls: credential id must be a plain file name: \"") + id + "\"")}))
        << id;
}

TEST(Secrets, SameNameTwiceInOneFileIsAnError) {
  EXPECT_EQ(errors_of("[secrets]\ntls = /a\ntls = /b\n"),
            (Strings{err(3, "tls: secret given twice in this file")}));
}

// jharden.conf(5): "in the main policy file an empty value is an error".
TEST(Secrets, EmptySourceInTheMainFileIsAnError) {
  auto p = parse("[secrets]\ntls =\n");
  ASSERT_TRUE(has_size(p.errors(), 1));
  EXPECT_TRUE(starts_with(p.errors()[0], err(2, "tls: ")));
}

TEST(Secrets, DropInOverridesTheSource) {
  Diagnostics diag;
  Policy p = parse_policy_files({{kFile, "[secrets]\ntls = /a\n"},
                                 {"/etc/jharden/t.conf.d/50.conf", "[secrets]\ntls = /b\n"}},
                                false, diag);
  EXPECT_TRUE(diag.ok());
  ASSERT_TRUE(has_size(p.secrets, 1));
  EXPECT_EQ(p.secrets[0].source, "/b");
}

TEST(Secrets, EmptySourceInADropInRemovesTheSecret) {
  Diagnostics diag;
  Policy p = parse_policy_files({{kFile, "[secrets]\ntls = /a\nother = /o\n"},
                                 {"/etc/jharden/t.conf.d/50.conf", "[secrets]\ntls =\n"}},
                                false, diag);
  EXPECT_TRUE(diag.ok());
  ASSERT_TRUE(has_size(p.secrets, 1));
  EXPECT_EQ(p.secrets[0].name, "other");
}

// --- [capabilities] ------------------------------------------------------------------------

TEST(Capabilities, DefaultDropIsTheDocumentedList) {
  std::vector<int> expected = {
      CAP_SYS_ADMIN,      CAP_SYS_PTRACE,    CAP_SYS_MODULE,      CAP_SYS_RAWIO,
      CAP_SYS_BOOT,       CAP_SYS_TIME,      CAP_MKNOD,           CAP_MAC_ADMIN,
      CAP_MAC_OVERRIDE,   CAP_AUDIT_CONTROL, CAP_LINUX_IMMUTABLE, CAP_BPF,
      CAP_PERFMON,        CAP_SYSLOG,        CAP_SYS_PACCT,       CAP_CHECKPOINT_RESTORE,
      CAP_DAC_READ_SEARCH};
  EXPECT_EQ(caps_of(parse("").policy.cap_drop), expected);
}

TEST(Capabilities, BangRemovesFromTheDefaultsAndEarlierLines) {
  auto p = parse("[capabilities]\ndrop = CAP_NET_RAW\ndrop = !dac_read_search !CAP_NET_RAW\n");
  EXPECT_TRUE(is_empty(p.errors()));
  EXPECT_TRUE(has_size(p.policy.cap_drop, 16));
  for (const auto& c : p.policy.cap_drop) {
    EXPECT_NE(c.value, CAP_DAC_READ_SEARCH);
    EXPECT_NE(c.value, CAP_NET_RAW);
  }
}

TEST(Capabilities, BangThenAddAgainKeepsTheLaterEntry) {
  auto p = parse("[capabilities]\ndrop = !CAP_SYS_ADMIN CAP_SYS_ADMIN\n");
  ASSERT_TRUE(has_size(p.policy.cap_drop, 17));
  EXPECT_EQ(p.policy.cap_drop.back().value, CAP_SYS_ADMIN);
  EXPECT_EQ(p.policy.cap_drop.back().origin.line, 2);
}

TEST(Capabilities, BangInKeepAndAmbient) {
  auto p = parse(
      "[capabilities]\nkeep = CAP_CHOWN CAP_NET_RAW\nkeep = !CAP_CHOWN\n"
      "ambient = CAP_NET_RAW\nambient = !CAP_NET_RAW\n");
  EXPECT_TRUE(is_empty(p.errors()));
  ASSERT_TRUE(p.policy.cap_keep.has_value());
  EXPECT_EQ(caps_of(*p.policy.cap_keep), (std::vector<int>{CAP_NET_RAW}));
  EXPECT_TRUE(is_empty(p.policy.cap_ambient));
}

TEST(Capabilities, BangWithAnUnknownNameIsAnError) {
  EXPECT_EQ(errors_of("[capabilities]\ndrop = !CAP_FOO\n"),
            (Strings{err(2, "drop: unknown capability: \"CAP_FOO\"")}));
}

TEST(Capabilities, NamesWithOrWithoutPrefixInAnyCase) {
  for (const char* name : {"CAP_NET_ADMIN", "cap_net_admin", "NET_ADMIN", "net_admin",
                           "Cap_Net_Admin", "cAP_nET_aDMIN"}) {
    auto p = parse(std::string("[capabilities]\ndrop = ") + name + "\n");
    EXPECT_TRUE(is_empty(p.errors())) << name;
    EXPECT_EQ(p.policy.cap_drop.back().value, CAP_NET_ADMIN) << name;
  }
}

class BadCapabilityTest : public ::testing::TestWithParam<const char*> {};

TEST_P(BadCapabilityTest, UnknownNamesAndNumbersAreErrors) {
  const std::string key = GetParam();
  for (const char* name : {"CAP_FOO", "sys_admn", "12", "CAP_12", "0x15", "CAP_", "ALL"}) {
    EXPECT_EQ(errors_of("[capabilities]\n" + key + " = " + name + "\n"),
              (Strings{err(2, key + ": unknown capability: \"" + name + "\"")}));
  }
}

INSTANTIATE_TEST_SUITE_P(DropKeepAmbient, BadCapabilityTest,
                         ::testing::Values("drop", "keep", "ambient"),
                         [](const auto& p) { return std::string(p.param); });

TEST(Capabilities, DropAccumulatesOnTheDefault) {
  auto p = parse("[capabilities]\ndrop = CAP_NET_RAW\n");
  EXPECT_TRUE(has_size(p.policy.cap_drop, 18));
  EXPECT_EQ(p.policy.cap_drop.back().value, CAP_NET_RAW);
}

TEST(Capabilities, EmptyDropClearsTheDefault) {
  EXPECT_TRUE(is_empty(parse("[capabilities]\ndrop =\n").policy.cap_drop));
}

TEST(Capabilities, KeepIsUnsetByDefault) { EXPECT_FALSE(parse("").policy.cap_keep.has_value()); }

TEST(Capabilities, KeepAccumulates) {
  auto p = parse("[capabilities]\nkeep = CAP_CHOWN\nkeep = kill\n");
  ASSERT_TRUE(p.policy.cap_keep.has_value());
  EXPECT_EQ(caps_of(*p.policy.cap_keep), (std::vector<int>{CAP_CHOWN, CAP_KILL}));
}

TEST(Capabilities, EmptyKeepReturnsToTheDefault) {
  EXPECT_FALSE(parse("[capabilities]\nkeep = CAP_CHOWN\nkeep =\n").policy.cap_keep.has_value());
}

TEST(Capabilities, AmbientAccumulatesAndResets) {
  EXPECT_EQ(caps_of(parse("[capabilities]\nambient = net_bind_service\nambient = CAP_NET_RAW\n")
                        .policy.cap_ambient),
            (std::vector<int>{CAP_NET_BIND_SERVICE, CAP_NET_RAW}));
  EXPECT_TRUE(
      is_empty(parse("[capabilities]\nambient = CAP_NET_RAW\nambient =\n").policy.cap_ambient));
}

// Explicit lines that contradict each other: an error naming both (contract §4).
TEST(Capabilities, AmbientAlsoDroppedByAnExplicitLineIsAnError) {
  EXPECT_EQ(
      errors_of("[capabilities]\ndrop = CAP_NET_RAW\nambient = CAP_NET_RAW\n"),
      (Strings{err(3, "ambient: CAP_NET_RAW is also dropped (" + std::string(kFile) + ":2)")}));
}

TEST(Capabilities, KeepAlsoDroppedByAnExplicitLineIsAnError) {
  EXPECT_EQ(errors_of("[capabilities]\nkeep = CAP_CHOWN CAP_NET_RAW\ndrop = net_raw\n"),
            (Strings{err(2, "keep: CAP_NET_RAW is also dropped (" + std::string(kFile) + ":3)")}));
}

// A default drop entry is no explicit line: keeping or raising the capability lifts it.
TEST(Capabilities, KeepOrAmbientOfADefaultDropIsNoConflict) {
  EXPECT_TRUE(is_empty(errors_of("[capabilities]\nkeep = CAP_SYS_TIME\n")));
  EXPECT_TRUE(is_empty(errors_of("[capabilities]\nambient = CAP_SYS_TIME\n")));
}

TEST(Capabilities, KeepNoneIsGivenAndEmpty) {
  auto p = parse("[capabilities]\nkeep = none\n");
  EXPECT_TRUE(is_empty(p.diag.list()));
  ASSERT_TRUE(p.policy.cap_keep.has_value());
  EXPECT_TRUE(is_empty(*p.policy.cap_keep));
  // "none" empties what came before it; later names add again.
  auto q = parse("[capabilities]\nkeep = CAP_CHOWN\nkeep = none CAP_KILL\n");
  EXPECT_EQ(caps_of(*q.policy.cap_keep), (std::vector<int>{CAP_KILL}));
}

TEST(Capabilities, AmbientNotInKeepIsAnError) {
  EXPECT_EQ(errors_of("[capabilities]\nkeep = CAP_CHOWN\nambient = CAP_NET_RAW\n"),
            (Strings{err(3, "ambient: CAP_NET_RAW is not in keep")}));
}

TEST(Capabilities, AmbientInKeepIsAccepted) {
  EXPECT_TRUE(is_empty(errors_of("[capabilities]\nkeep = CAP_NET_RAW\nambient = CAP_NET_RAW\n")));
}

// restrict_suid_sgid drops CAP_SETFCAP and CAP_FSETID: keeping either by name contradicts it.
TEST(Capabilities, KeepingSetfcapOrFsetidUnderRestrictSuidSgidNamesBothLines) {
  auto errors = errors_of(
      "[capabilities]\nkeep = CAP_CHOWN setfcap\nkeep = CAP_FSETID\n"
      "[seccomp]\nrestrict_suid_sgid = yes\n");
  ASSERT_TRUE(has_size(errors, 2));
  EXPECT_TRUE(starts_with(
      errors[0], err(2, "keep: CAP_SETFCAP: restrict_suid_sgid = yes (" + test::kFile + ":5)")))
      << errors[0];
  EXPECT_TRUE(starts_with(
      errors[1], err(3, "keep: CAP_FSETID: restrict_suid_sgid = yes (" + test::kFile + ":5)")))
      << errors[1];
}

TEST(Capabilities, AmbientFsetidUnderTheDefaultRestrictSuidSgidIsAnError) {
  auto errors = errors_of("[capabilities]\nambient = CAP_FSETID\n");
  ASSERT_TRUE(has_size(errors, 1));
  EXPECT_TRUE(starts_with(errors[0], err(2,
                                         "ambient: CAP_FSETID: restrict_suid_sgid = yes (the "
                                         "default)")))
      << errors[0];
}

TEST(Capabilities, SetfcapAndFsetidMayBeKeptWithoutRestrictSuidSgid) {
  EXPECT_TRUE(
      is_empty(errors_of("[capabilities]\nkeep = CAP_SETFCAP CAP_FSETID\n"
                         "ambient = CAP_FSETID\n[seccomp]\nrestrict_suid_sgid = no\n")));
}

// --- [seccomp] -----------------------------------------------------------------------------

TEST(Seccomp, DefaultDenyIsTheDocumentedGroups) {
  EXPECT_EQ(names_of(parse("").policy.seccomp_deny),
            (Strings{"@mount", "@module", "@reboot", "@swap", "@raw-io", "@clock", "@debug",
                     "@obsolete", "@cpu-emulation", "@keyring", "open_by_handle_at"}));
}

TEST(Seccomp, BangRemovesADefaultGroupOrSyscall) {
  auto p = parse("[seccomp]\ndeny = !@keyring\ndeny = ptrace !open_by_handle_at\n");
  EXPECT_TRUE(is_empty(p.errors()));
  EXPECT_EQ(names_of(p.policy.seccomp_deny),
            (Strings{"@mount", "@module", "@reboot", "@swap", "@raw-io", "@clock", "@debug",
                     "@obsolete", "@cpu-emulation", "ptrace"}));
}

TEST(Seccomp, BangInAllow) {
  auto p = parse("[seccomp]\nallow = @basic-io openat\nallow = !openat\n");
  ASSERT_TRUE(p.policy.seccomp_allow.has_value());
  EXPECT_EQ(names_of(*p.policy.seccomp_allow), (Strings{"@basic-io"}));
}

TEST(Seccomp, BangWithAnUnknownNameIsAnError) {
  EXPECT_EQ(errors_of("[seccomp]\ndeny = !@nope !nosuchcall\n"),
            (Strings{err(2, "deny: unknown syscall group: \"@nope\""),
                     err(2, "deny: unknown syscall: \"nosuchcall\"")}));
}

TEST(Seccomp, ArgumentRestrictionsAreOnByDefault) {
  auto p = parse("");
  EXPECT_TRUE(p.policy.restrict_suid_sgid.value);
  EXPECT_TRUE(p.policy.lock_personality.value);
  EXPECT_TRUE(p.policy.restrict_realtime.value);
}

TEST(Seccomp, DenyAcceptsSyscallsAndGroupsAndAccumulates) {
  auto p = parse("[seccomp]\ndeny = @keyring ptrace\ndeny = @privileged\n");
  EXPECT_TRUE(is_empty(p.errors()));
  EXPECT_TRUE(has_size(p.policy.seccomp_deny, 14));
  EXPECT_EQ(p.policy.seccomp_deny[11].value, "@keyring");
  EXPECT_EQ(p.policy.seccomp_deny[12].value, "ptrace");
}

TEST(Seccomp, EmptyDenyClearsTheDefault) {
  EXPECT_TRUE(is_empty(parse("[seccomp]\ndeny =\n").policy.seccomp_deny));
}

TEST(Seccomp, AllowIsUnsetByDefaultAndAccumulates) {
  EXPECT_FALSE(parse("").policy.seccomp_allow.has_value());
  auto p = parse("[seccomp]\nallow = @basic-io\nallow = openat\n");
  ASSERT_TRUE(p.policy.seccomp_allow.has_value());
  EXPECT_EQ(names_of(*p.policy.seccomp_allow), (Strings{"@basic-io", "openat"}));
}

TEST(Seccomp, EmptyAllowReturnsToDenyListMode) {
  EXPECT_FALSE(parse("[seccomp]\nallow = read\nallow =\n").policy.seccomp_allow.has_value());
}

class BadSyscallTest : public ::testing::TestWithParam<const char*> {};

TEST_P(BadSyscallTest, UnknownSyscallIsAnError) {
  const std::string key = GetParam();
  for (const char* name : {"nosuchcall", "Mount", "165", "mount()"}) {
    EXPECT_EQ(errors_of("[seccomp]\n" + key + " = " + name + "\n"),
              (Strings{err(2, key + ": unknown syscall: \"" + name + "\"")}));
  }
}

INSTANTIATE_TEST_SUITE_P(DenyAllow, BadSyscallTest, ::testing::Values("deny", "allow"),
                         [](const auto& p) { return std::string(p.param); });

TEST(Seccomp, UnknownGroupIsAnError) {
  EXPECT_EQ(errors_of("[seccomp]\ndeny = @nope\nallow = @Mount\n"),
            (Strings{err(2, "deny: unknown syscall group: \"@nope\""),
                     err(3, "allow: unknown syscall group: \"@Mount\"")}));
}

TEST(Seccomp, ActionErrnoOrKill) {
  EXPECT_EQ(parse("").policy.seccomp_action.value, SeccompAction::kErrno);
  EXPECT_EQ(parse("[seccomp]\naction = kill\n").policy.seccomp_action.value, SeccompAction::kKill);
  EXPECT_EQ(parse("[seccomp]\naction = errno\n").policy.seccomp_action.value,
            SeccompAction::kErrno);
}

TEST(Seccomp, OtherActionIsAnError) {
  EXPECT_EQ(errors_of("[seccomp]\naction = Errno\n"),
            (Strings{err(2, "action: expected errno, kill or log: \"Errno\"")}));
}

TEST(Seccomp, ActionLog) {
  EXPECT_EQ(parse("[seccomp]\naction = log\n").policy.seccomp_action.value, SeccompAction::kLog);
}

TEST(Seccomp, ErrnoByNameOrNumber) {
  EXPECT_EQ(parse("").policy.seccomp_errno.value, EPERM);
  EXPECT_EQ(parse("[seccomp]\nerrno = EACCES\n").policy.seccomp_errno.value, EACCES);
  EXPECT_EQ(parse("[seccomp]\nerrno = 38\n").policy.seccomp_errno.value, ENOSYS);
}

TEST(Seccomp, BadErrnoIsAnError) {
  for (const char* bad : {"0", "4096", "eacces", "EWHATEVER", "-1", "1x", "4095"})
    EXPECT_EQ(errors_of(std::string("[seccomp]\nerrno = ") + bad + "\n"),
              (Strings{err(2, std::string("errno: expected an errno name (EPERM, EACCES, ...) or "
                                          "a number 1-4094: \"") +
                                  bad + "\"")}))
        << bad;
}

TEST(Seccomp, DenyEntryCarriesItsOwnErrno) {
  auto p = parse("[seccomp]\ndeny =\ndeny = @privileged:EACCES personality:38 flock\n");
  ASSERT_TRUE(has_size(p.policy.seccomp_deny, 3));
  EXPECT_EQ(p.policy.seccomp_deny[0].value, "@privileged");
  EXPECT_EQ(p.policy.seccomp_deny[0].error, EACCES);
  EXPECT_EQ(p.policy.seccomp_deny[1].value, "personality");
  EXPECT_EQ(p.policy.seccomp_deny[1].error, ENOSYS);
  EXPECT_EQ(p.policy.seccomp_deny[2].error, 0);
  // A removal matches the name, whatever errno the entry had.
  auto q = parse("[seccomp]\ndeny = flock:EIO\ndeny = !flock\n");
  EXPECT_FALSE(contains(names_of(q.policy.seccomp_deny), "flock"));
}

TEST(Seccomp, BadDenyErrnoIsAnError) {
  EXPECT_EQ(errors_of("[seccomp]\ndeny = flock:EWHAT\ndeny = !flock:EIO\ndeny = nope:EIO\n"),
            (Strings{err(2,
                         "deny: unknown errno \"EWHAT\" in \"flock:EWHAT\" (a name such as "
                         "EACCES, or a number 1-4094)"),
                     err(3, "deny: a removal takes no errno: \"!flock:EIO\""),
                     err(4, "deny: unknown syscall: \"nope\"")}));
  EXPECT_EQ(errors_of("[seccomp]\nallow = flock:EIO\n"),
            (Strings{err(2, "allow: unknown syscall: \"flock:EIO\"")}));
}

TEST(Seccomp, AddressFamilies) {
  EXPECT_FALSE(parse("").policy.address_families.has_value());
  auto p = parse("[seccomp]\naddress_families = AF_UNIX af_inet6\naddress_families = AF_INET\n");
  ASSERT_TRUE(p.policy.address_families.has_value());
  EXPECT_EQ(caps_of(*p.policy.address_families), (std::vector<int>{AF_UNIX, AF_INET6, AF_INET}));
  auto none = parse("[seccomp]\naddress_families = none\n");
  ASSERT_TRUE(none.policy.address_families.has_value());
  EXPECT_TRUE(is_empty(*none.policy.address_families));
  // Empty: every family again.
  EXPECT_FALSE(parse("[seccomp]\naddress_families = AF_UNIX\naddress_families =\n")
                   .policy.address_families.has_value());
  auto removed =
      parse("[seccomp]\naddress_families = AF_UNIX AF_INET\naddress_families = !AF_INET\n");
  EXPECT_EQ(caps_of(*removed.policy.address_families), (std::vector<int>{AF_UNIX}));
}

// "!AF_X" on the unset list (every family) starts from every family jharden can name.
TEST(Seccomp, AddressFamilyRemovedFromEveryFamily) {
  auto p = parse("[seccomp]\naddress_families = !AF_PACKET\n");
  ASSERT_TRUE(p.policy.address_families.has_value());
  std::vector<int> got = caps_of(*p.policy.address_families);
  EXPECT_FALSE(contains(got, AF_PACKET));
  EXPECT_TRUE(contains(got, AF_UNIX));
  EXPECT_TRUE(contains(got, AF_NETLINK));
}

TEST(Seccomp, UnknownAddressFamilyIsAnError) {
  EXPECT_EQ(errors_of("[seccomp]\naddress_families = AF_UNIX AF_NOPE 1\n"),
            (Strings{err(2, "address_families: unknown address family: \"AF_NOPE\""),
                     err(2, "address_families: unknown address family: \"1\"")}));
}

TEST(Seccomp, MemoryDenyWriteExecuteIsABoolean) {
  EXPECT_FALSE(parse("").policy.memory_deny_write_execute.value);
  EXPECT_TRUE(
      parse("[seccomp]\nmemory_deny_write_execute = yes\n").policy.memory_deny_write_execute.value);
  EXPECT_EQ(errors_of("[seccomp]\nmemory_deny_write_execute = maybe\n").size(), 1u);
}

// Allowed and denied by explicit lines: an error naming both (contract §4).
TEST(Seccomp, AllowedAndDeniedByExplicitLinesIsAnError) {
  const std::string f = kFile;
  EXPECT_EQ(errors_of("[seccomp]\nallow = @system-service flock\ndeny = flock\n"),
            (Strings{err(2, "allow: flock is also denied (" + f + ":3)")}));
  EXPECT_EQ(errors_of("[seccomp]\nallow = @system-service setuid\ndeny = @privileged\n"),
            (Strings{err(2, "allow: setuid is also denied by @privileged (" + f + ":3)")}));
  EXPECT_EQ(errors_of("[seccomp]\nallow = @keyring\ndeny = @keyring\n"),
            (Strings{err(2, "allow: @keyring is also denied (" + f + ":3)")}));
}

// A deny line narrowing an allowed group is how allow lists are written, not a conflict; a
// default deny entry is no explicit line.
TEST(Seccomp, DenyNarrowingAnAllowedGroupIsNoConflict) {
  EXPECT_TRUE(is_empty(errors_of("[seccomp]\nallow = @system-service\ndeny = flock @resources\n")));
  EXPECT_TRUE(is_empty(errors_of("[seccomp]\nallow = @system-service mount adjtimex\n")));
}

// --- [namespaces] --------------------------------------------------------------------------

TEST(Namespaces, CgroupAndUserAreOffByDefault) {
  auto p = parse("");
  EXPECT_FALSE(p.policy.ns_cgroup.value);
  EXPECT_FALSE(p.policy.ns_user.value);
}

TEST(Namespaces, CgroupAndUserAreBooleansWithTheirLine) {
  auto p = parse("[namespaces]\ncgroup = yes\nuser = on\n");
  EXPECT_TRUE(is_empty(p.errors()));
  EXPECT_TRUE(p.policy.ns_cgroup.value);
  EXPECT_EQ(p.policy.ns_cgroup.origin.line, 2);
  EXPECT_TRUE(p.policy.ns_user.value);
  EXPECT_EQ(p.policy.ns_user.origin.line, 3);
}

TEST(Namespaces, CgroupAndUserRefuseNonBooleans) {
  auto errors = errors_of("[namespaces]\ncgroup = private\nuser = self\n");
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_NE(errors[0].find(":2: error: cgroup: expected yes/no"), std::string::npos) << errors[0];
  EXPECT_NE(errors[1].find(":3: error: user: expected yes/no"), std::string::npos) << errors[1];
}

TEST(Namespaces, EmptyAssignmentResetsCgroupAndUser) {
  Diagnostics diag;
  Policy p =
      parse_policy_files({{kFile, "[namespaces]\ncgroup = yes\nuser = yes\n"},
                          {"/etc/jharden/t.conf.d/50.conf", "[namespaces]\ncgroup =\nuser =\n"}},
                         false, diag);
  EXPECT_TRUE(diag.ok());
  EXPECT_FALSE(p.ns_cgroup.value);
  EXPECT_FALSE(p.ns_user.value);
}

TEST(Namespaces, AllowCreateIsNoneByDefault) {
  EXPECT_EQ(parse("").policy.ns_allow_create.value, 0ul);
}

TEST(Namespaces, AllowCreateAccumulatesTypes) {
  auto p = parse("[namespaces]\nallow_create = user net\nallow_create = time\n");
  EXPECT_TRUE(is_empty(p.errors()));
  EXPECT_EQ(p.policy.ns_allow_create.value,
            static_cast<unsigned long>(CLONE_NEWUSER | CLONE_NEWNET | CLONE_NEWTIME));
  EXPECT_EQ(p.policy.ns_allow_create.origin.line, 3);
}

TEST(Namespaces, AllowCreateAllAndReset) {
  EXPECT_EQ(parse("[namespaces]\nallow_create = all\n").policy.ns_allow_create.value,
            all_namespace_flags());
  EXPECT_EQ(
      parse("[namespaces]\nallow_create = all\nallow_create =\n").policy.ns_allow_create.value,
      0ul);
}

TEST(Namespaces, AllowCreateUnknownTypeIsAnError) {
  EXPECT_EQ(errors_of("[namespaces]\nallow_create = user mount\n"),
            (Strings{err(2,
                         "allow_create: expected mnt, pid, net, ipc, uts, user, cgroup, time or "
                         "all: \"mount\"")}));
}

TEST(Namespaces, HostnameIsAcceptedAndImpliesUts) {
  auto p = parse("[namespaces]\nhostname = web-1.example.org\n");
  EXPECT_TRUE(p.diag.ok());
  ASSERT_TRUE(p.policy.hostname.has_value());
  EXPECT_EQ(p.policy.hostname->value, "web-1.example.org");
  EXPECT_TRUE(p.policy.ns_uts.value);
}

TEST(Namespaces, HostnameOf64BytesIsAccepted) {
  EXPECT_TRUE(is_empty(errors_of("[namespaces]\nhostname = " + std::string(64, 'h') + "\n")));
}

TEST(Namespaces, InvalidHostnameIsAnError) {
  for (const std::string& name :
       std::vector<std::string>{"-web", "web.", ".web", "a..b", "a_b", "a b", std::string(65, 'h')})
    EXPECT_EQ(errors_of("[namespaces]\nhostname = " + name + "\n"),
              (Strings{err(2, "hostname: invalid host name: \"" + name + "\"")}))
        << name;
}

}  // namespace
}  // namespace jharden
