// libFuzzer target: the policy parser, the planner, and what --print, --print --json,
// --analyze and --analyze --json make of the plan: the parts that read untrusted-shaped
// input. Every input must end in output or in diagnostics, never in a crash, an exception
// or a hang.
#include <cstddef>
#include <cstdint>
#include <string>

#include "analyze.h"
#include "loader.h"
#include "plan.h"
#include "print.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  // A drop-in split: the second half overrides the first, exercising merge and reset.
  size_t cut = text.find("\n\n");
  std::vector<std::pair<std::string, std::string>> files;
  files.emplace_back("fuzz.conf", text.substr(0, cut));
  if (cut != std::string::npos) files.emplace_back("fuzz.conf.d/10.conf", text.substr(cut + 2));
  jharden::Diagnostics diag;
  jharden::Loaded loaded;
  loaded.policy = jharden::parse_policy_files(files, false, diag);
  loaded.files = {"fuzz.conf"};
  if (diag.ok()) {
    jharden::Plan plan =
        jharden::build_plan(loaded.policy, jharden::Identity{}, {}, jharden::PlanContext{}, diag);
    if (diag.ok()) {
      // As the CLI makes them; an exception escaping here is a finding.
      (void)jharden::json_text(jharden::plan_to_json(loaded, plan));
      (void)jharden::plan_to_text(loaded, plan);
      jharden::Assessment a = jharden::assess(loaded.policy, plan);
      (void)jharden::json_text(jharden::assessment_to_json(a));
      (void)jharden::assessment_to_text(a);
    }
  }
  for (const auto& d : diag.list())
    if (d.message.empty()) __builtin_trap();
  return 0;
}
