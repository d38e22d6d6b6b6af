// libFuzzer target: the policy parser and the planner, the parts that read untrusted-shaped
// input. Every input must end in a plan or in diagnostics, never in a crash or a hang.
#include <cstddef>
#include <cstdint>
#include <string>

#include "loader.h"
#include "plan.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  // A drop-in split: the second half overrides the first, exercising merge and reset.
  size_t cut = text.find("\n\n");
  std::vector<std::pair<std::string, std::string>> files;
  files.emplace_back("fuzz.conf", text.substr(0, cut));
  if (cut != std::string::npos) files.emplace_back("fuzz.conf.d/10.conf", text.substr(cut + 2));
  jharden::Diagnostics diag;
  jharden::Policy policy = jharden::parse_policy_files(files, false, diag);
  if (diag.ok()) {
    jharden::Plan plan =
        jharden::build_plan(policy, jharden::Identity{}, {}, jharden::PlanContext{}, diag);
    (void)plan;
  }
  for (const auto& d : diag.list())
    if (d.message.empty()) __builtin_trap();
  return 0;
}
