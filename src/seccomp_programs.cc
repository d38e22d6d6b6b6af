#include "seccomp_programs.h"

#include <seccomp.h>

#include <algorithm>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

#include "loader.h"
#include "plan.h"

namespace jharden {

uint64_t seccomp_key_hash(std::string_view key) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : key) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

bool same_program(std::span<const sock_filter> a, std::span<const sock_filter> b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](const sock_filter& x, const sock_filter& y) {
                      return x.code == y.code && x.jt == y.jt && x.jf == y.jf && x.k == y.k;
                    });
}

const PrebuiltSeccompProgram* find_prebuilt_seccomp_program(std::string_view key) {
  std::span<const PrebuiltSeccompProgram> table = prebuilt_seccomp_programs();
  if (table.empty()) return nullptr;
  const uint64_t hash = seccomp_key_hash(key);
  // The level libseccomp would compile and load at: it decides which actions and attributes
  // libseccomp accepts (below 4, not the SSB attribute: compiling fails) and how it loads.
  const unsigned level = seccomp_api_get();
  for (const auto& p : table) {
    if (p.key_hash != hash || p.key_view() != key) continue;
    if (level < 32 && (p.api_levels & (uint32_t{1} << level))) return &p;
  }
  return nullptr;
}

std::vector<ShippedSeccompSpec> shipped_seccomp_specs(const std::vector<std::string>& files,
                                                      Diagnostics& diag) {
  std::vector<std::pair<std::string, Policy>> policies;
  policies.emplace_back("(built-in defaults)", parse_policy_files({}, false, diag));
  for (const auto& file : files) {
    std::ifstream in(file);
    std::ostringstream content;
    content << in.rdbuf();
    if (!in) {
      diag.error(Origin{file, 0}, "cannot read the policy");
      continue;
    }
    policies.emplace_back(file, parse_policy_files({{file, content.str()}}, false, diag));
  }
  std::vector<ShippedSeccompSpec> out;
  std::set<std::string> keys;
  for (const auto& [source, policy] : policies) {
    for (bool mdwe : {true, false}) {
      // With and without the terminal rules (a terminal within reach or not, Landlock or not).
      for (int reach = 0; reach < 4; ++reach) {
        PlanContext context;
        context.mdwe = mdwe;
        context.terminal = reach & 1;
        context.landlock_abi = reach & 2 ? kLandlockDeviceIoctlAbi : 0;
        SeccompPlan plan = build_seccomp_plan(policy, context, diag);
        std::optional<FilterSpec> spec = seccomp_filter_spec(plan);
        if (!spec) continue;
        std::string key = seccomp_plan_key(plan);
        if (!keys.insert(key).second) continue;
        out.push_back({source, std::move(*spec), std::move(key)});
      }
    }
  }
  return out;
}

}  // namespace jharden
