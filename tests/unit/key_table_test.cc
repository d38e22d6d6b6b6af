// The key table (policy.h, policy_keys()): every key of jharden.conf(5) parses its sample
// value, the sample changes what jharden does, a scalar given twice in one file is an error,
// and `key =` resets the key, whichever file gave it. The man page documents exactly the
// table's keys, and --help lists them.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "loader.h"
#include "plan.h"
#include "policy.h"
#include "print.h"
#include "test_support.h"

namespace jharden {
namespace {

using Files = std::vector<std::pair<std::string, std::string>>;

std::string line_of(const PolicyKey& k, std::string_view value) {
  return "[" + std::string(k.section) + "]\n" + std::string(k.name) + " = " + std::string(value) +
         "\n";
}

std::string name_of(const PolicyKey& k) {
  return "[" + std::string(k.section) + "] " + std::string(k.name);
}

std::string errors(const Diagnostics& diag) {
  std::string out;
  for (const auto& d : diag.list()) out += d.str() + "\n";
  return out;
}

// What a policy makes jharden do: its plan as --print --json shows it (origins left out), and
// what the loader resolves from it that the plan does not show.
std::string digest(const Files& files) {
  Diagnostics diag;
  Loaded loaded;
  loaded.policy = parse_policy_files(files, false, diag);
  const Policy& p = loaded.policy;
  // One secret, so that the [secrets] keys have something to act on.
  loaded.secrets.resize(1);
  loaded.secrets[0].name = "key";
  loaded.secrets[0].source_display = loaded.secrets[0].host_path = "/etc/key";
  loaded.secrets[0].bytes.data() = "x";
  Diagnostics plan_diag;
  Plan plan = build_plan(p, Identity{}, loaded.secrets, PlanContext{}, plan_diag);
  nlohmann::json j = plan_to_json(loaded, plan);
  for (auto& m : j["mounts"]) m.erase("origin");
  auto text = [](const auto& o) { return o ? nlohmann::json(o->value) : nlohmann::json(nullptr); };
  j["loaded"] = {{"user", text(p.user)},
                 {"group", text(p.group)},
                 {"supplementary_groups", text(p.supplementary_groups)},
                 {"secrets_user", text(p.secrets_user)},
                 {"secrets_group", text(p.secrets_group)},
                 {"fstab", text(p.fstab)},
                 {"errors", errors(diag)}};
  return j.dump(1);
}

TEST(KeyTable, CoversEveryKeyOnce) {
  std::set<std::pair<std::string_view, std::string_view>> seen;
  for (const auto& k : policy_keys()) {
    EXPECT_TRUE(seen.emplace(k.section, k.name).second) << name_of(k) << " twice in the table";
    EXPECT_FALSE(k.syntax.empty()) << name_of(k);
    EXPECT_FALSE(k.sample.empty()) << name_of(k);
  }
  EXPECT_GE(seen.size(), 50u);
}

TEST(KeyTable, EverySampleParsesAndChangesThePolicy) {
  const std::string baseline = digest({{"t.conf", ""}});
  for (const auto& k : policy_keys()) {
    Diagnostics diag;
    parse_policy_files({{"t.conf", line_of(k, k.sample)}}, false, diag);
    EXPECT_TRUE(diag.ok()) << name_of(k) << " = " << k.sample << ":\n" << errors(diag);
    EXPECT_TRUE(digest({{"t.conf", line_of(k, k.sample)}}) != baseline)
        << name_of(k) << " = " << k.sample << " changes nothing";
  }
}

TEST(KeyTable, ScalarGivenTwiceInOneFileIsAnErrorListIsNot) {
  for (const auto& k : policy_keys()) {
    Diagnostics diag;
    std::string text = line_of(k, k.sample) + std::string(k.name) + " = " + std::string(k.sample);
    parse_policy_files({{"t.conf", text}}, false, diag);
    if (k.kind == KeyKind::kScalar) {
      ASSERT_EQ(diag.list().size(), 1u) << name_of(k) << ":\n" << errors(diag);
      EXPECT_EQ(diag.list()[0].str(), "t.conf:3: error: " + std::string(k.name) +
                                          ": given twice in this file (first on line 2)");
      EXPECT_EQ(diag.exit_code(), 78);
    } else {
      EXPECT_TRUE(diag.ok()) << name_of(k) << ":\n" << errors(diag);
    }
  }
}

TEST(KeyTable, EmptyAssignmentResets) {
  const std::string baseline = digest({{"t.conf", ""}});
  for (const auto& k : policy_keys()) {
    const std::string reset = line_of(k, "");
    // In a drop-in, the main file's value is gone: as if the main file had said `key =`.
    const std::string after_dropin =
        digest({{"t.conf", line_of(k, k.sample)}, {"t.conf.d/r.conf", reset}});
    EXPECT_TRUE(after_dropin == digest({{"t.conf", reset}})) << name_of(k);
    if (k.kind == KeyKind::kList) {
      // In the same file, after the value (a scalar may not be given twice).
      EXPECT_TRUE(digest({{"t.conf", line_of(k, k.sample) + std::string(k.name) + " =\n"}}) ==
                  digest({{"t.conf", reset}}))
          << name_of(k);
    } else {
      // A scalar's reset is its built-in default.
      EXPECT_TRUE(after_dropin == baseline) << name_of(k) << " = resets to something else";
    }
  }
}

// jharden.conf(5) documents each key of the table in its section, as a tagged paragraph
// (".TP", then ".BI "KEY\~=\~" ..." or ".BR "KEY\~=\~WORD" ..."); and no key the table lacks.
TEST(KeyTable, ManPageDocumentsExactlyTheTable) {
  std::ifstream in(std::string(JHARDEN_SOURCE_DIR) + "/man/jharden.conf.5");
  ASSERT_TRUE(in) << "man/jharden.conf.5";
  std::set<std::pair<std::string, std::string>> documented;
  std::string line, section, previous;
  for (; std::getline(in, line); previous = line) {
    if (line.starts_with(".SH ")) {
      section.clear();
      if (size_t open = line.find('['), close = line.find(']');
          open != std::string::npos && close != std::string::npos && close > open)
        section = line.substr(open + 1, close - open - 1);
      continue;
    }
    if (section.empty() || (previous != ".TP" && previous != ".TQ")) continue;
    if (!line.starts_with(".BI \"") && !line.starts_with(".BR \"")) continue;
    size_t eq = line.find("\\~=");
    if (eq == std::string::npos) continue;
    documented.emplace(section, line.substr(5, eq - 5));
  }
  std::set<std::pair<std::string, std::string>> table;
  for (const auto& k : policy_keys()) table.emplace(k.section, k.name);
  for (const auto& [s, k] : table)
    EXPECT_TRUE(documented.contains({s, k})) << "[" << s << "] " << k << " not in the man page";
  for (const auto& [s, k] : documented)
    EXPECT_TRUE(table.contains({s, k})) << "[" << s << "] " << k << " documented, not in the table";
}

TEST(KeyTable, HelpListsEveryKey) {
  const std::string list = policy_key_list();
  for (const auto& k : policy_keys())
    EXPECT_NE(list.find("    " + std::string(k.name) + " = " + std::string(k.syntax)),
              std::string::npos)
        << name_of(k);
}

}  // namespace
}  // namespace jharden
