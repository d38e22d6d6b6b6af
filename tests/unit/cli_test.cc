// The command line (contract §2 and §3), through the built binary: usage errors exit 2, policy
// errors exit 78 (216/217/243 for identities and secrets) with "FILE:LINE: error:" on stderr,
// and nothing after "--" is ever parsed as an option. Nothing here needs root: every run
// stops at --check, --print or a policy error, before any privileged step.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "error.h"
#include "test_support.h"

namespace jharden {
namespace {

using test::has_substr;
using test::is_empty;
using test::run_jharden;
using test::starts_with;
using test::TempDir;

constexpr int kExitUsage = 2;

TEST(Cli, HelpExitsZero) {
  auto r = run_jharden({"--help"});
  EXPECT_EQ(r.status, 0);
  EXPECT_TRUE(starts_with(r.out, "Usage: jharden [OPTIONS] POLICY [-- COMMAND [ARG...]]\n"));
}

TEST(Cli, VersionExitsZero) {
  auto r = run_jharden({"--version"});
  EXPECT_EQ(r.status, 0);
  EXPECT_TRUE(starts_with(r.out, "jharden "));
}

TEST(Cli, UnknownOptionExits2) {
  auto r = run_jharden({"--bogus", "/etc/jharden/x.conf"});
  EXPECT_EQ(r.status, kExitUsage);
  EXPECT_TRUE(has_substr(r.err, "unknown option --bogus"));
  EXPECT_TRUE(is_empty(r.out));
}

TEST(Cli, MissingPolicyExits2) { EXPECT_EQ(run_jharden({"--check"}).status, kExitUsage); }

TEST(Cli, DashDashBeforePolicyExits2) {
  EXPECT_EQ(run_jharden({"--check", "--", "/bin/true"}).status, kExitUsage);
}

TEST(Cli, JsonWithoutPrintOrAnalyzeExits2) {
  TempDir d;
  EXPECT_EQ(run_jharden({"--check", "--json", d.write("p.conf", "")}).status, kExitUsage);
}

TEST(Cli, TwoActionsExit2) {
  TempDir d;
  EXPECT_EQ(run_jharden({"--check", "--print", d.write("p.conf", "")}).status, kExitUsage);
}

TEST(Cli, PolicyDirWithoutDirectoryExits2) {
  EXPECT_EQ(run_jharden({"--policy-dir"}).status, kExitUsage);
  EXPECT_EQ(run_jharden({"--policy-dir=", "x.conf"}).status, kExitUsage);
}

TEST(Cli, ArgumentAfterPolicyWithoutDashDashExits2) {
  TempDir d;
  auto r = run_jharden({"--check", d.write("p.conf", ""), "/bin/echo"});
  EXPECT_EQ(r.status, kExitUsage);
  EXPECT_TRUE(has_substr(r.err, "\"/bin/echo\""));
}

TEST(Cli, OptionAfterPolicyIsNotParsed) {
  TempDir d;
  // Options come before POLICY: a --print after it is an unexpected argument, not an action.
  auto r = run_jharden({"--check", d.write("p.conf", ""), "--print"});
  EXPECT_EQ(r.status, kExitUsage);
  EXPECT_TRUE(is_empty(r.out));
}

TEST(Cli, MissingCommandAfterDashDashExits2) {
  TempDir d;
  EXPECT_EQ(run_jharden({"--check", d.write("p.conf", ""), "--"}).status, kExitUsage);
}

TEST(Cli, RelativeCommandExits2) {
  TempDir d;
  auto r = run_jharden({"--check", d.write("p.conf", ""), "--", "echo", "hi"});
  EXPECT_EQ(r.status, kExitUsage);
  EXPECT_TRUE(has_substr(r.err, "\"echo\""));
}

TEST(Cli, OptionsAfterDashDashArePassedThrough) {
  TempDir d;
  auto r = run_jharden({"--print", "--json", d.write("p.conf", "[service]\nexec = /bin/false\n"),
                        "--", "/bin/echo", "--check", "--help", "--version", "--", "-x"});
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["argv"], nlohmann::json({"/bin/echo", "--check", "--help", "--version", "--", "-x"}));
}

TEST(Cli, CheckOfAValidPolicyPrintsNothing) {
  TempDir d;
  auto r = run_jharden({"--check", d.write("p.conf", "[service]\nexec = /bin/true\n")});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(is_empty(r.out));
  EXPECT_TRUE(is_empty(r.err));
}

TEST(Cli, CheckDoesNotNeedACommand) {
  TempDir d;
  EXPECT_EQ(run_jharden({"--check", d.write("p.conf", "")}).status, 0);
}

TEST(Cli, RunningWithoutACommandExits78) {
  TempDir d;
  std::string policy = d.write("p.conf", "");
  auto r = run_jharden({policy});
  EXPECT_EQ(r.status, kExitConfig);
  EXPECT_EQ(r.err, "jharden: " + policy +
                       ": error: exec: no command: set [service] exec or give one after \"--\"\n");
}

TEST(Cli, PolicyDirIsSearchedByName) {
  TempDir a, b;
  b.write("web.conf", "[namespaces]\nhostname = from-b\n");
  auto r = run_jharden(
      {"--policy-dir", a.path(), "--policy-dir=" + b.path(), "--print", "--json", "web.conf"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["namespaces"]["hostname"], "from-b");
}

TEST(Cli, PolicyNotFoundExits78NamingTheDirectories) {
  TempDir a;
  auto r = run_jharden({"--policy-dir", a.path(), "--check", "web.conf"});
  EXPECT_EQ(r.status, kExitConfig);
  EXPECT_EQ(r.err, "jharden: policy \"web.conf\" not found in " + a.path() + "\n");
}

TEST(Cli, EveryErrorIsPrinted) {
  TempDir d;
  std::string policy =
      d.write("p.conf", "[service]\numask = 9\nbogus = 1\n[filesystem]\nread_only = usr\n");
  auto r = run_jharden({"--check", policy});
  EXPECT_EQ(r.status, kExitConfig);
  EXPECT_EQ(r.err, "jharden: " + policy +
                       ":2: error: umask: expected an octal mode such as 0755: \"9\"\n"
                       "jharden: " +
                       policy + ":3: error: bogus: unknown key in [service]\n" + "jharden: " +
                       policy + ":5: error: read_only: path must be absolute: \"usr\"\n");
}

TEST(Cli, UnknownUserExits217) {
  TempDir d;
  std::string policy = d.write("p.conf", "[service]\nuser = no-such-user-jharden\n");
  auto r = run_jharden({"--check", policy});
  EXPECT_EQ(r.status, kExitUser);
  EXPECT_EQ(r.err,
            "jharden: " + policy + ":2: error: user: unknown user \"no-such-user-jharden\"\n");
}

TEST(Cli, UnknownGroupExits216) {
  TempDir d;
  std::string policy = d.write("p.conf", "[service]\ngroup = no-such-group-jharden\n");
  auto r = run_jharden({"--check", policy});
  EXPECT_EQ(r.status, kExitGroup);
  EXPECT_EQ(r.err,
            "jharden: " + policy + ":2: error: group: unknown group \"no-such-group-jharden\"\n");
}

TEST(Cli, MissingSecretSourceExits243) {
  TempDir d;
  std::string policy = d.write("p.conf", "[secrets]\ntls = " + d / "missing.pem" + "\n");
  auto r = run_jharden({"--check", policy});
  EXPECT_EQ(r.status, kExitCredentials);
  // The step and the path, after the policy line that names the source.
  EXPECT_EQ(r.err, "jharden: " + policy + ":2: error: secrets: cannot read " + d / "missing.pem" +
                       ": No such file or directory\n");
}

TEST(Cli, CredentialWithoutCredentialsDirectoryExits243) {
  TempDir d;
  auto r = run_jharden({"--check", d.write("p.conf", "[secrets]\ntls = credential:tls\n")});
  EXPECT_EQ(r.status, kExitCredentials);
  EXPECT_TRUE(starts_with(r.err, "jharden: " + d / "p.conf" + ":2: error: secrets: tls: "));
}

TEST(Cli, SymlinkedPolicyExits78) {
  TempDir d;
  std::string real = d.write("real.conf", "");
  ASSERT_EQ(symlink(real.c_str(), (d / "p.conf").c_str()), 0);
  auto r = run_jharden({"--check", d / "p.conf"});
  EXPECT_EQ(r.status, kExitConfig);
  EXPECT_EQ(r.err,
            "jharden: " + d / "p.conf" + ": error: refusing a policy file that is a symlink\n");
}

// --- A policy error stops everything ---------------------------------------------------------

// The daemon of these policies echoes a marker: had it run, the marker would be on stdout. (A
// file touched by it would not prove anything: under the default private_tmp the daemon's /tmp
// is not the host's.)
constexpr const char* kRanMarker = "jharden-daemon-ran-3b7d";

struct BadPolicy {
  const char* name;
  const char* lines;  // lines 3 and 4 of the policy
  const char* message;
};

const BadPolicy kBadPolicies[] = {
    {"unknown_key", "[filesystem]\nread_only_paths = /srv",
     "read_only_paths: unknown key in [filesystem]"},
    {"relative_path", "[filesystem]\nread_only = usr", "read_only: path must be absolute: \"usr\""},
    {"dotdot", "[filesystem]\nread_only = /usr/../etc",
     "read_only: path must not contain \".\" or \"..\" components: \"/usr/../etc\""},
    {"duplicate_scalar", "[service]\nexec = /bin/true",
     "exec: given twice in this file (first on line 2)"},
    {"unknown_capability", "[capabilities]\ndrop = CAP_FOO",
     "drop: unknown capability: \"CAP_FOO\""},
    {"unknown_syscall", "[seccomp]\ndeny = nosuchcall", "deny: unknown syscall: \"nosuchcall\""},
};

class BadPolicyTest
    : public ::testing::TestWithParam<std::tuple<BadPolicy, std::vector<std::string>>> {};

TEST_P(BadPolicyTest, Exits78WithFileAndLineAndRunsNothing) {
  auto [bad, options] = GetParam();
  TempDir d;
  std::string policy = d.write(
      "p.conf", std::string("[service]\nexec = /bin/echo ") + kRanMarker + "\n" + bad.lines + "\n");
  std::vector<std::string> args = options;
  args.push_back(policy);
  auto r = run_jharden(args);
  EXPECT_EQ(r.status, kExitConfig);
  EXPECT_EQ(r.err, "jharden: " + policy + ":4: error: " + bad.message + "\n");
  EXPECT_FALSE(has_substr(r.out, kRanMarker));
}

INSTANTIATE_TEST_SUITE_P(CheckAndRun, BadPolicyTest,
                         ::testing::Combine(::testing::ValuesIn(kBadPolicies),
                                            ::testing::Values(std::vector<std::string>{"--check"},
                                                              std::vector<std::string>{},
                                                              std::vector<std::string>{"--print"})),
                         [](const auto& p) {
                           const auto& options = std::get<1>(p.param);
                           return std::string(std::get<0>(p.param).name) + "_" +
                                  (options.empty() ? "run" : options[0].substr(2));
                         });

}  // namespace
}  // namespace jharden
