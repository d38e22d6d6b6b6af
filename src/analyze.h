// --analyze: an exposure assessment of a policy, computed like `systemd-analyze security`
// (same items, weights and ranges, mapped to jharden's keys), plus the protections jharden
// adds that systemd's score does not count.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "plan.h"
#include "policy.h"
#include "unit_file.h"

namespace jharden {

struct AssessmentItem {
  std::string id;           // systemd's item, e.g. "PrivateTmp="
  std::string key;          // jharden's key(s) that decide it, e.g. "[filesystem] private_tmp"
  std::string description;  // what the state means
  bool applicable = true;   // false where systemd skips the item (e.g. RemoveIPC= for root)
  bool secure = false;      // applicable, and no exposure from this item
  unsigned weight = 0;
  unsigned range = 1;
  unsigned badness = 0;  // 0 (good) .. range (bad)
  // What systemd gives the item in the equivalent unit. It differs from `badness` only where a
  // systemd setting implies more than jharden does (PrivateDevices= implies a device ACL).
  unsigned unit_badness = 0;
  double exposure = 0.0;  // this item's share of the overall exposure, rounded like systemd
  // With --unit: who provides the protection the daemon has, "jharden", "unit", "both" (each
  // alone, or only the two together) or "neither"; "" where the item does not apply.
  std::string provider;
};

struct Assessment {
  std::string policy;  // the policy file, for the summary line
  std::vector<AssessmentItem> items;
  std::vector<std::string> extras;  // jharden-only protections, one line each
  double exposure = 10.0;           // 0.0 .. 10.0
  std::string rating;               // PERFECT SAFE OK MEDIUM EXPOSED UNSAFE DANGEROUS
  std::string equivalent_unit;      // equivalent_unit_properties()
  double unit_exposure = 10.0;      // systemd-analyze's score of a unit with those properties

  // With --unit (`items` and `exposure` are then the unit's and the policy's together, and
  // `equivalent_unit` a unit carrying both as directives).
  std::string unit;                     // "nginx.service"; "" without --unit
  std::vector<std::string> unit_files;  // the fragment, then the drop-ins
  std::string exec_start;               // the ExecStart= that runs jharden, with file:line
  bool fully_privileged = false;        // ... with the "+" prefix
  double policy_alone_exposure = 10.0;  // the policy without the unit
  double unit_alone_exposure = 10.0;    // systemd-analyze's score of the unit as written
  std::vector<std::string> notes;       // settings that do not reach the daemon, and why
};

// Whether a host path holds anything. ProtectSystem= covers /boot and /efi, which jharden
// leaves alone unless the policy names them: they only count where there is something in them.
using PathPresent = std::function<bool(const std::string& host_path)>;

// The real file system: the path exists and, for a directory, is not empty.
bool host_path_present(const std::string& host_path);

// systemd's rating of an exposure given in tenths (0..100), e.g. 49 is "OK", 50 "MEDIUM".
const char* exposure_rating(unsigned tenths);

Assessment assess(const Policy& policy, const Plan& plan);
Assessment assess(const Policy& policy, const Plan& plan, const PathPresent& present);
// The policy and `unit` together: `command` is the unit's ExecStart= that runs jharden (its
// prefixes decide which of the unit's settings apply), or nullptr when none does.
Assessment assess(const Policy& policy, const Plan& plan, const UnitSettings& unit,
                  const ExecCommand* command, const PathPresent& present = host_path_present);
nlohmann::json assessment_to_json(const Assessment& a);
std::string assessment_to_text(const Assessment& a);

// The [Service] properties of a unit that asks systemd for the same protections as the
// policy (used to cross-check the score with systemd-analyze security --offline=yes).
std::string equivalent_unit_properties(const Policy& policy, const Plan& plan);
std::string equivalent_unit_properties(const Policy& policy, const Plan& plan,
                                       const PathPresent& present);

}  // namespace jharden
