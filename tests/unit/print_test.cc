// --print (print.h, contract §2): golden outputs of the shipped policies, the JSON form, and
// the promise that a secret's content never appears.
//
// Goldens live in tests/unit/golden/NAME.txt and NAME.json, one pair per conf/NAME. They are
// produced by the built binary from a copy of conf/NAME in a temporary directory (so that the
// ownership and mode checks pass whoever checked out the tree), with a fixed environment (no
// $NOTIFY_SOCKET), and that directory is written as @POLICY_DIR@. They depend on:
//   - the kernel's capability count: they are written for cap_last_cap 40
//     (CAP_CHECKPOINT_RESTORE, Linux 5.9 and later);
//   - a kernel with Landlock: its ABI is written as @LANDLOCK_ABI@;
//   - the user database: the ids of the users and groups a policy names (Debian's www-data
//     33, nobody and nogroup 65534). memcached.conf names memcache only in the daemon's own
//     argv, which jharden does not resolve.
// Elsewhere the golden comparison skips with the reason; the other checks still run.
// After an intended change (of print.cc or of a conf file), regenerate and review the diff:
//   JHARDEN_UPDATE_GOLDEN=1 jharden_unit_tests --gtest_filter='*GoldenTest*'
#include "print.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <vector>

#include "cap_names.h"
#include "landlock.h"
#include "test_support.h"

namespace jharden {
namespace {

using test::contains;
using test::has_substr;
using test::is_empty;
using test::read_text;
using test::run_jharden;
using test::source_path;
using test::TempDir;

constexpr int kGoldenLastCapability = 40;
constexpr const char* kPolicyDirToken = "@POLICY_DIR@";

std::vector<std::string> shipped_policies() {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(source_path("conf")))
    if (e.path().extension() == ".conf") names.push_back(e.path().filename());
  std::sort(names.begin(), names.end());
  return names;
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

bool update_golden() {
  const char* v = getenv("JHARDEN_UPDATE_GOLDEN");
  return v && std::string(v) == "1";
}

// A shipped policy copied into a directory of its own, as the loader wants it.
class ShippedPolicy {
 public:
  explicit ShippedPolicy(const std::string& name) : name_(name) {
    dir_.write(name, read_text(source_path("conf/" + name)));
  }
  // jharden --policy-dir DIR EXTRA... NAME, with DIR written as @POLICY_DIR@.
  test::RunResult print(const std::vector<std::string>& options) const {
    std::vector<std::string> args = {"--policy-dir", dir_.path()};
    args.insert(args.end(), options.begin(), options.end());
    args.push_back(name_);
    test::RunResult r = run_jharden(args);
    r.out = replace_all(r.out, dir_.path(), kPolicyDirToken);
    r.out = std::regex_replace(r.out, std::regex("kernel ABI [0-9]+"), "kernel ABI @LANDLOCK_ABI@");
    r.out = std::regex_replace(r.out, std::regex("\"abi\": [0-9]+"), "\"abi\": \"@LANDLOCK_ABI@\"");
    return r;
  }

 private:
  std::string name_;
  TempDir dir_;
};

class GoldenTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (last_capability() != kGoldenLastCapability)
      GTEST_SKIP() << "goldens list the capabilities of a kernel with cap_last_cap "
                   << kGoldenLastCapability << "; this one has " << last_capability();
    if (landlock_kernel_abi() < kLandlockDeviceIoctlAbi)
      GTEST_SKIP() << "goldens are written on a kernel whose Landlock keeps device ioctls to /dev "
                      "(ABI "
                   << kLandlockDeviceIoctlAbi << "); this one has ABI " << landlock_kernel_abi();
    Diagnostics diag;
    Policy policy = parse_policy_files({{GetParam(), read_text(source_path("conf/" + GetParam()))}},
                                       false, diag);
    Identity identity;
    if (diag.ok() &&
        !(resolve_tmpfs_owners(policy, diag) && resolve_identity(policy, identity, diag)))
      GTEST_SKIP() << "the golden holds the ids of this policy's user and group, which this "
                      "machine lacks: "
                   << diag.list()[0].str();
    // Debian allocates the ids of a daemon's own system user (redis, postgres) when its
    // package is installed, so they differ between machines; only the static ones of
    // base-passwd (www-data 33, proxy 13, nobody 65534) can be written down.
    auto allocated = [](unsigned id) { return id >= 100 && id < 65534; };
    if (identity.change && (allocated(identity.uid) || allocated(identity.gid)))
      GTEST_SKIP() << "the ids of " << identity.user_name
                   << " are allocated when its package is installed: a golden would hold this "
                      "machine's";
    for (const auto& t : policy.tmpfs)
      if ((t.uid && allocated(*t.uid)) || (t.gid && allocated(*t.gid)))
        GTEST_SKIP() << "the owner of the tmpfs on " << t.path
                     << " is allocated when its package is installed: a golden would hold this "
                        "machine's ids";
  }

  void compare(const std::string& output, const std::string& golden_name) {
    std::string golden = source_path("tests/unit/golden/" + golden_name);
    if (update_golden()) {
      std::ofstream(golden, std::ios::binary | std::ios::trunc) << output;
      return;
    }
    ASSERT_TRUE(std::filesystem::exists(golden))
        << golden << " is missing; write it with JHARDEN_UPDATE_GOLDEN=1";
    EXPECT_EQ(output, read_text(golden))
        << "--print differs from " << golden << "; if intended, JHARDEN_UPDATE_GOLDEN=1";
  }
};

TEST_P(GoldenTest, TextMatches) {
  auto r = ShippedPolicy(GetParam()).print({"--print"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(is_empty(r.err));
  compare(r.out, GetParam() + ".txt");
}

TEST_P(GoldenTest, JsonMatches) {
  auto r = ShippedPolicy(GetParam()).print({"--print", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(is_empty(r.err));
  compare(r.out, GetParam() + ".json");
}

std::string policy_test_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string out;
  for (char c : info.param) out += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return out;
}

INSTANTIATE_TEST_SUITE_P(ShippedPolicies, GoldenTest, ::testing::ValuesIn(shipped_policies()),
                         policy_test_name);

class PrintJsonTest : public ::testing::TestWithParam<std::string> {};

TEST_P(PrintJsonTest, IsOneObjectWithEverySection) {
  auto r = ShippedPolicy(GetParam()).print({"--print", "--json"});
  // A daemon's own user (chrony's _chrony) exists only where its package is installed.
  if (r.status == 217 || r.status == 216)
    GTEST_SKIP() << "this machine lacks the policy's user or group: " << r.err;
  ASSERT_EQ(r.status, 0) << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << r.out;
  ASSERT_TRUE(j.is_object());
  for (const char* key : {"namespaces", "mounts", "secrets", "capabilities", "seccomp", "identity",
                          "environment", "notify", "argv"})
    EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_TRUE(j["mounts"].is_array());
  EXPECT_TRUE(j["argv"].is_array());
  // No $NOTIFY_SOCKET: "none", unless the daemon reports readiness itself.
  const bool by_daemon =
      read_text(source_path("conf/" + GetParam())).find("\nnotify = daemon\n") != std::string::npos;
  EXPECT_EQ(j["notify"], by_daemon ? "daemon" : "none");
  for (const auto& m : j["mounts"])
    for (const char* key : {"target", "type", "source", "flags"}) EXPECT_TRUE(m.contains(key));
}

INSTANTIATE_TEST_SUITE_P(ShippedPolicies, PrintJsonTest, ::testing::ValuesIn(shipped_policies()),
                         policy_test_name);

TEST(PrintJson, NginxArgvKeepsTheQuotedWord) {
  auto r = ShippedPolicy("nginx.conf").print({"--print", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["argv"], nlohmann::json({"/usr/sbin/nginx", "-g", "daemon off; master_process on;"}));
}

TEST(PrintJson, MountsAreInApplicationOrder) {
  auto r = ShippedPolicy("python-http.conf").print({"--print", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  ASSERT_FALSE(j["mounts"].empty());
  EXPECT_EQ(j["mounts"][0]["target"], "/");  // read_only = /: the parent of everything
}

TEST(PrintText, ListsTheMembersOfEachSeccompGroup) {
  auto r = ShippedPolicy("empty.conf").print({"--print"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(has_substr(r.out, "  @mount: "));
  EXPECT_TRUE(has_substr(r.out, "  @cpu-emulation: "));
}

// --- Secrets never appear ------------------------------------------------------------------

class PrintSecretTest : public ::testing::Test {
 protected:
  static constexpr const char* kMarker = "JHARDEN-SECRET-MARKER-5f0c2a9e";
  void SetUp() override {
    key_ = dir_.write("key.pem", std::string("-----BEGIN KEY-----\n") + kMarker + "\n", 0600);
    dir_.write("web.conf", "[secrets]\ntls_key = " + key_ + "\n");
  }
  test::RunResult print(const std::vector<std::string>& options) {
    std::vector<std::string> args = options;
    args.push_back(dir_ / "web.conf");
    return run_jharden(args);
  }
  TempDir dir_;
  std::string key_;
};

TEST_F(PrintSecretTest, TextNamesTheSecretButNotItsContent) {
  auto r = print({"--print"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(has_substr(r.out, "/run/secrets/tls_key"));
  EXPECT_TRUE(has_substr(r.out, key_));
  EXPECT_FALSE(has_substr(r.out, kMarker));
  EXPECT_FALSE(has_substr(r.err, kMarker));
}

TEST_F(PrintSecretTest, JsonNamesTheSecretButNotItsContent) {
  auto r = print({"--print", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_FALSE(has_substr(r.out, kMarker));
  EXPECT_FALSE(has_substr(r.err, kMarker));
  auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["secrets"].size(), 1u);
  EXPECT_EQ(j["secrets"][0]["name"], "tls_key");
  EXPECT_EQ(j["secrets"][0]["source"], key_);
  EXPECT_EQ(j["secrets"][0]["target"], "/run/secrets/tls_key");
  EXPECT_EQ(j["secrets"][0]["mode"], "0400");
}

TEST_F(PrintSecretTest, CheckPrintsNothing) {
  auto r = print({"--check"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(is_empty(r.out));
  EXPECT_TRUE(is_empty(r.err));
}

// --- In process ----------------------------------------------------------------------------

TEST(PlanToText, NamesTheSecretButNotItsContent) {
  Loaded loaded;
  loaded.files = {"/etc/jharden/t.conf"};
  loaded.secrets.resize(1);
  loaded.secrets[0].name = "token";
  loaded.secrets[0].source_display = "credential:token";
  loaded.secrets[0].bytes.data() = "in-process-secret-marker";
  Diagnostics diag;
  Plan plan = build_plan(loaded.policy, loaded.identity, loaded.secrets, {}, diag);
  std::string text = plan_to_text(loaded, plan);
  std::string json = plan_to_json(loaded, plan).dump();
  EXPECT_TRUE(has_substr(text, "credential:token"));
  EXPECT_FALSE(has_substr(text, "in-process-secret-marker"));
  EXPECT_TRUE(has_substr(json, "credential:token"));
  EXPECT_FALSE(has_substr(json, "in-process-secret-marker"));
}

TEST(PlanToText, NamesGroupsLikeUsers) {
  Loaded loaded;
  loaded.identity.change = true;
  loaded.identity.user_name = "www-data";
  loaded.identity.uid = loaded.identity.gid = 33;
  loaded.identity.group_name = "www-data";
  loaded.identity.groups = {33, 4};
  loaded.identity.group_names = {"www-data", "adm"};
  Diagnostics diag;
  Plan plan = build_plan(loaded.policy, loaded.identity, loaded.secrets, {}, diag);
  EXPECT_TRUE(has_substr(plan_to_text(loaded, plan),
                         "identity: user www-data (33), group www-data (33), supplementary "
                         "www-data (33) adm (4)\n"));
  auto j = plan_to_json(loaded, plan);
  EXPECT_EQ(j["identity"]["supplementary_groups"], nlohmann::json({"www-data", "adm"}));
  EXPECT_EQ(j["identity"]["supplementary_gids"], nlohmann::json({33, 4}));
}

// Through the loader, as --print runs: a group given by number is shown by its name.
TEST(PrintText, NumericGroupIsShownByName) {
  TempDir dir;
  dir.write("web.conf", "[service]\nuser = 3999999\ngroup = 0\nsupplementary_groups = 0\n");
  auto r = run_jharden({"--print", dir / "web.conf"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(has_substr(r.out, "group root (0), supplementary root (0)\n")) << r.out;
}

TEST(PlanToText, ShowsArgvQuotedAsInExec) {
  Loaded loaded;
  loaded.policy.exec.value = {"/bin/echo", "a b", "c\"d"};
  Diagnostics diag;
  Plan plan = build_plan(loaded.policy, loaded.identity, loaded.secrets, {}, diag);
  EXPECT_TRUE(has_substr(plan_to_text(loaded, plan), "argv: /bin/echo \"a b\" \"c\\\"d\"\n"));
}

}  // namespace
}  // namespace jharden
