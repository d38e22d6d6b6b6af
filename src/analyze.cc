#include "analyze.h"

#include "error.h"

namespace jharden {

Assessment assess(const Policy&, const Plan&) {
  throw StepError{kExitFailure, "--analyze: not available yet"};
}
nlohmann::json assessment_to_json(const Assessment&) { return {}; }
std::string assessment_to_text(const Assessment&) { return ""; }
std::string equivalent_unit_properties(const Policy&, const Plan&) { return ""; }

}  // namespace jharden
