// --analyze: an exposure assessment of a policy, computed like `systemd-analyze security`
// (same items, weights and ranges, mapped to jharden's keys), plus the protections jharden
// adds that systemd's score does not count.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "plan.h"
#include "policy.h"

namespace jharden {

struct AssessmentItem {
  std::string id;           // systemd's item, e.g. "PrivateTmp="
  std::string key;          // jharden's key(s) that decide it, e.g. "[filesystem] private_tmp"
  std::string description;  // what the state means
  bool secure = false;      // no exposure from this item
  unsigned weight = 0;
  unsigned range = 1;
  unsigned badness = 0;  // 0 (good) .. range (bad)
};

struct Assessment {
  std::vector<AssessmentItem> items;
  std::vector<std::string> extras;  // jharden-only protections, one line each
  double exposure = 10.0;           // 0.0 .. 10.0
  std::string rating;               // PERFECT SAFE OK MEDIUM EXPOSED UNSAFE DANGEROUS
};

Assessment assess(const Policy& policy, const Plan& plan);
nlohmann::json assessment_to_json(const Assessment& a);
std::string assessment_to_text(const Assessment& a);

// The [Service] properties of a unit that asks systemd for the same protections as the
// policy (used to cross-check the score with systemd-analyze security --offline=yes).
std::string equivalent_unit_properties(const Policy& policy, const Plan& plan);

}  // namespace jharden
