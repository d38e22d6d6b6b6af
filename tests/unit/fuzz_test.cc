// An in-process fuzz loop over the parser and planner: the shipped policies, mutated
// (byte flips, random key = value lines, truncation, duplicated and over-long lines, NUL
// bytes), through parse_policy_files + build_plan, and a valid plan through --print,
// --print --json, --analyze and --analyze --json. Whatever the input, nothing throws, crashes or
// hangs, and a rejected input carries diagnostics that each say something. Fixed seed, so a
// failure is reproducible; the iteration count keeps it within a few seconds.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "analyze.h"
#include "fstab.h"
#include "loader.h"
#include "plan.h"
#include "print.h"
#include "test_support.h"

namespace jharden {
namespace {

// Enough to reach every key and section several times over; the libFuzzer target (fuzz/) runs
// for longer.
constexpr int kIterations = 6000;
constexpr uint32_t kSeed = 0x6a686172;  // "jhar"

// Section headers, every key of jharden.conf(5), and a few wrong ones.
constexpr std::string_view kKeys =
    "[service] [filesystem] [secrets] [capabilities] [seccomp] [namespaces] [bogus] [] "
    "exec user group supplementary_groups working_directory new_session environment "
    "unset_environment umask notify root propagation read_only read_write private_tmp tmpfs "
    "bind mask inaccessible private_dev protect_proc proc_subset protect_kernel fstab "
    "directory mode hide_sources tls_key drop keep ambient no_new_privileges deny allow action "
    "native_only pid net ipc uts hostname Exec a:b";

// Values of every type, valid and not, separated by "|" (the first one is empty).
constexpr std::string_view kValues =
    "|/|/usr|-/srv|usr|/a/../b|/a//b|/a/|yes|no|Yes|0|1|-1|4294967295|4294967294|0777|0999|"
    "CAP_SYS_ADMIN|net_bind_service|CAP_FOO|12|@mount|@nope|mount|nosuchcall|/a:/b:ro|"
    "/a:/b:rx|/run:mode=0700,size=64m|/run:size=99999999999999999999k|/run:uid=-1|"
    "/run:size=50%|credential:x|credential:..|/bin/echo \"a b\" 'c' \\x41|"
    "/bin/echo \"unterminated|\\|A=b c|exec|kill|private|invisible|pid|web-1.example|-bad|"
    "[service]|=|;|#|\xEF\xBB\xBF|\r";

std::vector<std::string> split(std::string_view text, char separator) {
  std::vector<std::string> out;
  for (size_t at = 0; at <= text.size();) {
    size_t end = std::min(text.find(separator, at), text.size());
    out.emplace_back(text.substr(at, end - at));
    at = end + 1;
  }
  return out;
}

class Mutator {
 public:
  explicit Mutator(uint32_t seed)
      : rng_(seed), keys_(split(kKeys, ' ')), values_(split(kValues, '|')) {}

  size_t below(size_t n) {
    return n == 0 ? 0 : std::uniform_int_distribution<size_t>(0, n - 1)(rng_);
  }

  template <typename T, size_t N>
  const T& pick(const T (&items)[N]) {
    return items[below(N)];
  }

  std::string random_line() {
    const std::string& key = keys_[below(keys_.size())];
    if (key[0] == '[') return key;
    return key + " = " + values_[below(values_.size())];
  }

  void mutate(std::string& text) {
    switch (below(9)) {
      case 0:  // flip a byte
        if (!text.empty()) text[below(text.size())] ^= static_cast<char>(1 << below(8));
        break;
      case 1:  // a random byte anywhere
        text.insert(below(text.size() + 1), 1, static_cast<char>(below(256)));
        break;
      case 2:  // a random key = value line
        text.insert(line_start(text), random_line() + "\n");
        break;
      case 3:  // truncate
        text.resize(below(text.size() + 1));
        break;
      case 4: {  // duplicate a line
        size_t start = line_start(text);
        size_t end = text.find('\n', start);
        std::string line = text.substr(start, end == std::string::npos ? end : end - start + 1);
        text.insert(start, line);
        break;
      }
      case 5:  // an over-long line, sometimes huge
        text.insert(line_start(text),
                    "read_only = /" + std::string(below(2) ? 190 + below(20) : 70000, 'x') + "\n");
        break;
      case 6:  // a NUL byte
        text.insert(below(text.size() + 1), 1, '\0');
        break;
      case 7: {  // delete a line
        size_t start = line_start(text);
        size_t end = text.find('\n', start);
        text.erase(start, end == std::string::npos ? end : end - start + 1);
        break;
      }
      default:  // CRLF, leading white space or a comment marker at a line start
        text.insert(line_start(text), pick(kLinePrefixes));
        break;
    }
  }

 private:
  static constexpr const char* kLinePrefixes[] = {"\r\n", "  ", "\t", "#", ";", "[", " ;"};

  // The start of a random line of `text`.
  size_t line_start(const std::string& text) {
    size_t at = below(text.size() + 1);
    size_t nl = text.rfind('\n', at == 0 ? 0 : at - 1);
    return at == 0 || nl == std::string::npos ? 0 : nl + 1;
  }

  std::mt19937 rng_;
  std::vector<std::string> keys_;
  std::vector<std::string> values_;
};

std::vector<std::string> shipped_policy_texts() {
  std::vector<std::string> texts;
  for (const auto& e : std::filesystem::directory_iterator(test::source_path("conf")))
    if (e.path().extension() == ".conf") texts.push_back(test::read_text(e.path()));
  std::sort(texts.begin(), texts.end());
  return texts;
}

// Runs one input through the parser and the planner and checks the invariants.
void check_one(const std::vector<std::pair<std::string, std::string>>& files, int iteration) {
  Diagnostics diag;
  Policy policy = parse_policy_files(files, iteration % 2 == 0, diag);
  // Secrets as the loader would hand them over, without reading anything.
  std::vector<Secret> secrets;
  for (const auto& s : policy.secrets) {
    Secret secret;
    secret.name = s.name;
    secret.source_display = s.source;
    secret.host_path = s.credential ? "/run/credentials/x/" + s.source : s.source;
    secret.origin = s.origin;
    secrets.push_back(std::move(secret));
  }
  Plan plan = build_plan(policy, Identity{}, secrets, PlanContext{}, diag);
  for (const auto& d : diag.list()) {
    ASSERT_FALSE(d.message.empty()) << "iteration " << iteration;
    ASSERT_FALSE(d.str().empty()) << "iteration " << iteration;
    ASSERT_EQ(d.code, kExitConfig) << "iteration " << iteration << ": " << d.str();
  }
  ASSERT_EQ(diag.exit_code(), diag.ok() ? kExitSuccess : kExitConfig);
  for (size_t i = 0; i < plan.mounts.size(); ++i)
    for (size_t h : plan.mounts[i].holes) ASSERT_LT(h, plan.mounts.size());
  if (!diag.ok()) return;
  // What the CLI prints of it: an exception here (nlohmann's UTF-8 check) would end jharden.
  Loaded loaded;
  loaded.policy = policy;
  loaded.files = {files.front().first};
  ASSERT_NO_THROW({
    (void)json_text(plan_to_json(loaded, plan));
    (void)plan_to_text(loaded, plan);
    Assessment a = assess(policy, plan);
    (void)json_text(assessment_to_json(a));
    (void)assessment_to_text(a);
  }) << "iteration "
     << iteration;
}

TEST(Fuzz, ShippedPoliciesParseCleanly) {
  for (const auto& text : shipped_policy_texts()) {
    Diagnostics diag;
    parse_policy_files({{"/usr/share/jharden/x.conf", text}}, false, diag);
    EXPECT_TRUE(diag.ok()) << diag.list()[0].str();
  }
}

TEST(Fuzz, MutatedPoliciesNeverCrashAndAlwaysExplain) {
  const std::vector<std::string> seeds = shipped_policy_texts();
  ASSERT_FALSE(seeds.empty());
  Mutator m(kSeed);
  for (int i = 0; i < kIterations; ++i) {
    std::string text = seeds[m.below(seeds.size())];
    for (size_t n = 1 + m.below(4); n > 0; --n) m.mutate(text);
    std::vector<std::pair<std::string, std::string>> files = {{"/etc/jharden/f.conf", text}};
    if (m.below(4) == 0) {
      std::string dropin = m.random_line() + "\n" + m.random_line() + "\n";
      m.mutate(dropin);
      files.emplace_back("/etc/jharden/f.conf.d/50.conf", dropin);
    }
    check_one(files, i);
    if (HasFatalFailure()) return;
  }
}

TEST(Fuzz, MutatedFstabsNeverCrashAndAlwaysExplain) {
  const std::string seed =
      "# SOURCE TARGET TYPE OPTIONS\n"
      "proc /proc proc hidepid=invisible\n"
      "sysfs /sys sysfs ro\n"
      "tmpfs /run tmpfs mode=0755,size=8m\n"
      "/srv/www /var/www none bind,ro,nofail 0 0\n";
  Mutator m(kSeed + 1);
  for (int i = 0; i < kIterations / 4; ++i) {
    std::string text = seed;
    for (size_t n = 1 + m.below(4); n > 0; --n) m.mutate(text);
    Policy policy;
    Diagnostics diag;
    parse_fstab("/etc/jharden/f.fstab", text, policy, diag);
    for (const auto& d : diag.list()) ASSERT_FALSE(d.message.empty()) << "iteration " << i;
  }
}

}  // namespace
}  // namespace jharden
